"""The proof that the generated Python and SQL upcasters agree: random payloads through both,
compared as JSON. Used by the property tests and by `escodegen verify-upcasters`.

Payloads are JSON objects whose keys are the names the chains read and write (so that every
operation meets present, absent, null and wrongly typed values), with nested objects, unicode
and separator-rich text, numerals, large integers and exact decimals.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg

from escodegen.diagnostics import Report
from escodegen.model import Event
from escodegen.model.sqlnames import upcast_function
from escodegen.sqltext import PIN_SEARCH_PATH, ident
from escodegen.upcast import python_upcasters, sql_upcasters

TRICKY_TEXT = ("", " ", "  ", "Cher", "Jean Paul Sartre", " a  b ", "a b c d", "12.5", "-0",
               "007", "-12.50", "true", "false", "1", "1e5", "é ü ß", "日本 語", "a.b|c*d",
               "x''y", "back\\slash", "tab\there", "line\nbreak", "standard", "null")


def volatile_custom_functions(dsn: str, events: Sequence[Event]) -> Report:
    """ES316 for each custom operation calling a function of the user's own schema that the
    database does not know as immutable (every overload of the name `provolatile = 'i'`), or
    does not know at all: the check stage knows only the built-ins."""
    from escodegen.model.ops import Custom

    report = Report()
    ops = [op for e in events for v in e.versions for op in v.upcast
           if isinstance(op, Custom) and op.user_functions]
    if not ops:
        return report
    with psycopg.connect(dsn) as conn:
        for op in ops:
            for schema, name in op.user_functions:
                row = conn.execute(
                    "select pg_catalog.bool_and(p.provolatile operator(pg_catalog.=) 'i') "
                    "from pg_catalog.pg_proc p join pg_catalog.pg_namespace n "
                    "on n.oid operator(pg_catalog.=) p.pronamespace "
                    "where n.nspname operator(pg_catalog.=) %s "
                    "and p.proname operator(pg_catalog.=) %s", (schema, name)).fetchone()
                if row is None or row[0] is not True:
                    state = "does not exist" if row is None or row[0] is None else \
                        "is not immutable"
                    report.error("ES316", f"custom sql calls {schema}.{name}(), which "
                                 f"{state} in this database", op.sql_span or op.span)
    return report


def _names(event: Event) -> list[str]:
    found: dict[str, None] = {}
    for version in event.versions:
        for field in version.fields:
            found[field.name] = None
            for nested in field.type.fields:
                found[nested.name] = None
        for op in version.upcast:
            for value in vars(op).values():
                for path in _paths(value):
                    found.update(dict.fromkeys(path))
    return list(found) or ["a"]


def _paths(value: Any) -> list[tuple[str, ...]]:
    if isinstance(value, tuple) and value and all(isinstance(v, str) for v in value):
        return [value]
    if isinstance(value, tuple):
        return [p for v in value for p in _paths(v)]
    return []


def payloads(event: Event) -> Any:
    """A hypothesis strategy of payloads for `event`."""
    from hypothesis import strategies as st

    names = _names(event)
    separators = sorted({getattr(op, "separator", " ") for v in event.versions for op in v.upcast})
    pieces = st.sampled_from([*TRICKY_TEXT, *separators, "Ab", "ü"])
    text = st.one_of(
        st.sampled_from(TRICKY_TEXT),
        st.lists(pieces, max_size=6).map("".join),
        st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
                max_size=12),
    )
    numbers = st.one_of(
        st.integers(min_value=-(2**70), max_value=2**70),
        st.from_regex(r"-?[0-9]{1,22}(\.[0-9]{1,8})?([eE][-+]?[0-9]{1,2})?", fullmatch=True)
        .map(Decimal),
    )
    scalars = st.one_of(st.none(), st.booleans(), numbers, text)
    keys = st.sampled_from(names)
    nested = st.recursive(
        scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                         st.dictionaries(keys, inner, max_size=4)),
        max_leaves=8)
    # Every name the chains use is, independently, absent or holds a value: text most often
    # (what split, join, map and convert act on), then numbers, then anything nested.
    value = st.one_of(text, text, numbers, st.none(), st.booleans(), nested)
    return st.fixed_dictionaries({}, optional={name: value for name in names})


def to_json(value: Any) -> str:
    """JSON text keeping a Decimal's exact digits."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{to_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(to_json(v) for v in value) + "]"
    return json.dumps(value)


def from_json(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


def canonical(value: Any) -> Any:
    """A form in which two JSON values are equal exactly when they are equal as JSON (numbers
    by value, objects without key order, true never equal to 1)."""
    if value is None or isinstance(value, bool):
        return ("literal", value)
    if isinstance(value, (int, float, Decimal)):
        return ("number", Decimal(repr(value)) if isinstance(value, float) else Decimal(value))
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, list):
        return ("array", tuple(canonical(v) for v in value))
    return ("object", tuple(sorted((k, canonical(v)) for k, v in value.items())))


@dataclass(frozen=True)
class Mismatch:
    event: str
    version: int
    payload: str
    python: str
    sql: str

    def __str__(self) -> str:
        return (f"{self.event} stored at v{self.version}: payload {self.payload}\n"
                f"  python upcaster gives {self.python}\n"
                f"  sql upcaster gives    {self.sql}")


class MismatchError(AssertionError):
    def __init__(self, mismatch: Mismatch) -> None:
        super().__init__(str(mismatch))
        self.mismatch = mismatch


def load_module(source: str, folder: Path) -> ModuleType:
    """Import generated Python source under a fresh module name."""
    name = f"escodegen_upcasters_{uuid.uuid4().hex}"
    path = folder / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class Upcasters:
    """Both generated upcasters of `events`, loaded: the Python module and the SQL functions in a
    scratch schema of an open transaction (rolled back by `open`, so nothing is left behind)."""

    def __init__(self, events: Sequence[Event], conn: psycopg.Connection[Any],
                 module: ModuleType, schema: str) -> None:
        self.events = events
        self.conn = conn
        self.module = module
        self.schema = schema

    @classmethod
    @contextmanager
    def open(cls, events: Sequence[Event], dsn: str) -> Iterator[Upcasters]:
        schema = f"escodegen_verify_{uuid.uuid4().hex[:12]}"
        with tempfile.TemporaryDirectory(prefix="escodegen-verify-") as folder, \
                psycopg.connect(dsn) as conn:
            module = load_module(python_upcasters(events), Path(folder))
            try:
                conn.execute(PIN_SEARCH_PATH)  # as the generated file does before creating them
                conn.execute(f"CREATE SCHEMA {ident(schema)}")
                conn.execute(sql_upcasters(events, schema).encode())
                yield cls(events, conn, module, schema)
            finally:
                conn.rollback()
                sys.modules.pop(module.__name__, None)

    def python(self, event: Event, version: int, payload: Any) -> Any:
        function: Callable[[Any], Any] = self.module.UPCASTERS[(event.name, version)]
        return function(payload)

    def sql(self, event: Event, version: int, payloads: Sequence[str]) -> list[str]:
        """Upcast several payloads (JSON texts) in one query; a payload on which PostgreSQL
        raises gives the text `ERROR: <message>`."""
        function = ident(self.schema, upcast_function(event.name))
        query = (f"SELECT {function}(p.value, %s)::text FROM jsonb_array_elements(%s::jsonb) "
                 "WITH ORDINALITY AS p(value, n) ORDER BY p.n")
        try:
            with self.conn.transaction():  # a savepoint: an error does not end the transaction
                rows = self.conn.execute(query, (version, "[" + ",".join(payloads) + "]"))
                return [row[0] for row in rows.fetchall()]
        except psycopg.Error as exc:
            if len(payloads) == 1:
                return [f"ERROR: {exc}".strip()]
        return [self.sql(event, version, [payload])[0] for payload in payloads]

    def compare(self, event: Event, version: int, payloads: Sequence[Any]) -> None:
        """Raise MismatchError at the first payload the two upcasters disagree on."""
        texts = [to_json(p) for p in payloads]
        for text, sql_text in zip(texts, self.sql(event, version, texts)):
            try:
                python_text = to_json(self.python(event, version, from_json(text)))
            except Exception as exc:  # noqa: BLE001  (a custom function may raise anything)
                python_text = f"ERROR: {type(exc).__name__}: {exc}"
            same = (not sql_text.startswith("ERROR:") and not python_text.startswith("ERROR:")
                    and canonical(from_json(python_text)) == canonical(from_json(sql_text)))
            if not same:
                raise MismatchError(Mismatch(event.name, version, text, python_text, sql_text))

    def check(self, event: Event, version: int, max_examples: int = 100) -> None:
        """The hypothesis property for one (event, stored version): raises MismatchError with the
        smallest counter-example hypothesis finds."""
        from hypothesis import HealthCheck, given, settings
        from hypothesis import strategies as st

        @settings(max_examples=max_examples, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(st.lists(payloads(event), min_size=1, max_size=8))
        def prove(batch: list[Any]) -> None:
            self.compare(event, version, batch)

        prove()
