"""The proof that the generated Python and SQL upcasters agree, minus the database: random
payloads, JSON compared by value, the mismatch found (`db.upcasters` runs both upcasters).

Payloads are JSON objects whose keys are the names the chains read and write (so that every
operation meets present, absent, null and wrongly typed values), with nested objects, unicode
and separator-rich text, numerals, large integers and exact decimals.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

from escodegen.model import Event
from escodegen.model.ops import UpcastOp, Variant
from escodegen.printable import escape

TRICKY_TEXT = ("", " ", "  ", "Cher", "Jean Paul Sartre", " a  b ", "a b c d", "12.5", "-0",
               "007", "-12.50", "true", "false", "1", "1e5", "é ü ß", "日本 語", "a.b|c*d",
               "x''y", "back\\slash", "tab\there", "line\nbreak", "standard", "null")


def _names(event: Event) -> list[str]:
    found: dict[str, None] = {}
    for version in event.versions:
        for field in version.fields:
            found[field.name] = None
            for nested in field.type.fields:
                found[nested.name] = None
        for op in version.upcast:
            for path in _paths(op):
                found.update(dict.fromkeys(path))
    return list(found) or ["a"]


def _paths(value: Any) -> list[tuple[str, ...]]:
    if isinstance(value, tuple) and value and all(isinstance(v, str) for v in value):
        return [value]
    if isinstance(value, tuple):
        return [p for v in value for p in _paths(v)]
    if isinstance(value, UpcastOp):  # its parameters, and those of the operations it holds
        return [p for v in vars(value).values() for p in _paths(v)]
    return []


def _tags(event: Event) -> list[tuple[str, str]]:
    """(tag key, tag value) of every `variant` operation, nested ones included."""
    def walk(ops: tuple[UpcastOp, ...]) -> list[tuple[str, str]]:
        return [pair for op in ops if isinstance(op, Variant)
                for pair in [(op.tag, op.value), *walk(op.ops)]]
    return [pair for version in event.versions for pair in walk(version.upcast)]


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
    tags = _tags(event)
    if tags:
        # Objects tagged as the variants (or as others, or with a tag of another type) that
        # hold the names, nested in one another as variant operations nest.
        tag_keys = st.sampled_from(sorted({key for key, _ in tags}))
        tag_values = st.one_of(st.sampled_from(sorted({v for _, v in tags})),
                               st.sampled_from(["other", "Card", "卡"]), scalars)

        # A variant's own tag (key and value) half the time, else any key with any tag.
        pairs = st.one_of(st.sampled_from(tags), st.tuples(tag_keys, tag_values))

        def tagged(inner: Any) -> Any:
            return st.builds(_tagged, st.fixed_dictionaries({}, optional=dict.fromkeys(names, inner)),
                             pairs)

        value = st.recursive(value, tagged, max_leaves=10)
    return st.fixed_dictionaries({}, optional={name: value for name in names})


def _tagged(fields: dict[str, Any], tag: tuple[str, Any]) -> dict[str, Any]:
    return {**fields, tag[0]: tag[1]}


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
        """Three lines, whatever the payloads and error texts (PostgreSQL's quote the values)
        hold: each is `escape`d."""
        return (f"{self.event} stored at v{self.version}: payload {escape(self.payload)}\n"
                f"  python upcaster gives {escape(self.python)}\n"
                f"  sql upcaster gives    {escape(self.sql)}")


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
