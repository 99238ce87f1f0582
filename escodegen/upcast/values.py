"""Declared values (from YAML) as JSON text, and checked against a field type (as Python
source: escodegen.pytext.py_literal)."""

from __future__ import annotations

import datetime
import json
import math
import re
import uuid
from typing import Any

from escodegen.model import FieldType

_NUL = "\x00"


def json_text(value: Any) -> str:
    """Compact JSON for a YAML value; floats keep Python's shortest round-trip form (`repr`)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


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
    kind = type_.kind
    if kind == "json":
        return True
    if kind == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind == "integer":
        return isinstance(value, int)
    if kind in ("number", "decimal"):
        return isinstance(value, (int, float))
    if kind == "array":
        return isinstance(value, list) and type_.items is not None and all(
            fits(item, type_.items) for item in value)
    if kind == "object":
        if not isinstance(value, dict) or set(value) - {f.name for f in type_.fields}:
            return False
        return all((f.name in value and fits(value[f.name], f.type, f.required))
                   or (f.name not in value and not f.required) for f in type_.fields)
    if not isinstance(value, str):
        return False
    return _string_fits(value, type_)


def _string_fits(value: str, type_: FieldType) -> bool:
    if type_.kind == "enum":
        return value in type_.values
    if type_.kind == "uuid":
        try:
            uuid.UUID(value)
        except ValueError:
            return False
        return True
    if type_.kind == "date":
        return bool(_DATE.fullmatch(value)) and _parses(datetime.date.fromisoformat, value)
    if type_.kind == "datetime":
        return _parses(datetime.datetime.fromisoformat, value)
    return type_.kind == "string"


def _parses(parse: Any, value: str) -> bool:
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
