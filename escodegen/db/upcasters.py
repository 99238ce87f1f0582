"""Both generated upcasters of a project loaded side by side, the SQL ones in a scratch schema
of a transaction that is rolled back: `escodegen verify-upcasters` and the property tests feed
them the payloads of `upcast.verify` and compare the results."""

from __future__ import annotations

import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg

from escodegen.model import Event
from escodegen.model.sqlnames import upcast_function
from escodegen.sqltext import PIN_SEARCH_PATH, ident
from escodegen.upcast import python_upcasters, sql_upcasters
from escodegen.upcast.verify import (
    Mismatch,
    MismatchError,
    canonical,
    from_json,
    load_module,
    payloads,
    to_json,
)


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
