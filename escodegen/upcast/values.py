"""Declared values (from YAML) as JSON text, and checked against a field type (as Python
source: escodegen.pytext.py_literal)."""

from __future__ import annotations

import datetime
import json
import math
import re
import uuid
from collections.abc import Callable
from typing import Any

from escodegen.model import FieldType
from escodegen.model.constraints import violation
from escodegen.model.types import EXACT_NUMBER_KINDS, TYPES

_NUL = "\x00"


def ascii_json(value: Any) -> str:
    """JSON for a value shown in a message or a code comment: ASCII only, so no newline or quote
    in a declaration can end the line or comment it is shown in."""
    return json.dumps(value, ensure_ascii=True)


def storable(value: Any) -> bool:
    """Whether PostgreSQL jsonb can hold `value` (no NaN or infinity, no NUL in any text)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        return _NUL not in value
    if isinstance(value, list):
        return all(storable(v) for v in value)
    if isinstance(value, dict):
        return all(_NUL not in k and storable(v) for k, v in value.items())
    return True


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def fits(value: Any, type_: FieldType, required: bool = True) -> bool:
    """Whether `value` is a valid JSON value of a field of this type (null only if optional)."""
    if value is None:
        return not required
    if not storable(value):
        return False
    if not _fits_kind(value, type_):
        return False
    return not type_.constraints or violation(
        type_.kind, type_.constraints,
        str(value) if type_.kind in EXACT_NUMBER_KINDS else value) is None


def _fits_kind(value: Any, type_: FieldType) -> bool:
    kind = type_.kind
    if kind == "array":
        return isinstance(value, list) and type_.items is not None and all(
            fits(item, type_.items) for item in value)
    if kind == "map":
        return isinstance(value, dict) and type_.items is not None and all(
            fits(item, type_.items) for item in value.values())
    if kind == "union":
        return _fits_union(value, type_)
    if kind == "tuple":
        return _fits_tuple(value, type_)
    if kind == "object":
        if not isinstance(value, dict) or set(value) - {f.name for f in type_.fields}:
            return False
        return all((f.name in value and fits(value[f.name], f.type, not f.may_be_null))
                   or (f.name not in value and not f.required) for f in type_.fields)
    if kind_of(value) not in TYPES[kind].literal_accepts:
        return False
    if kind == "enum":
        return value in type_.values
    parse = _TEXT_PARSERS.get(kind)
    return parse is None or _parses(parse, value)


def _fits_tuple(value: Any, type_: FieldType) -> bool:
    """A tuple's value: a list of each position's value, then (with a rest) the rest's."""
    positions = type_.elements
    if not isinstance(value, list) or len(value) < len(positions):
        return False
    if type_.items is None and len(value) > len(positions):
        return False
    types = [positions[i] if i < len(positions) else type_.items for i in range(len(value))]
    # (null is a value of json, there as anywhere)
    return all(t is not None and fits(item, t, t.kind != "json") for item, t in zip(
        value, types, strict=True))


def _fits_union(value: Any, type_: FieldType) -> bool:
    """A union's value: an object whose tag names a variant, the rest a value of its record."""
    if type_.tag is None:
        return any(fits(value, variant) for _, variant in type_.variants)
    if not isinstance(value, dict):
        return False
    tag = value.get(type_.tag)
    variant = type_.variant(tag) if isinstance(tag, str) else None
    rest = {key: item for key, item in value.items() if key != type_.tag}
    return variant is not None and fits(rest, variant)


def _parse_uuid(value: str) -> None:
    uuid.UUID(value)


def _parse_date(value: str) -> None:
    if not _DATE.fullmatch(value):
        raise ValueError(value)
    datetime.date.fromisoformat(value)


_TEXT_PARSERS: dict[str, Callable[[str], object]] = {
    "uuid": _parse_uuid,
    "date": _parse_date,
    "datetime": datetime.datetime.fromisoformat,
}
"""What a declared value of a text kind must parse as, besides being a string."""


def _parses(parse: Callable[[str], object], value: str) -> bool:
    try:
        parse(value)
    except ValueError:
        return False
    return True


def kind_of(value: Any) -> str:
    """The JSON kind of a value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"
