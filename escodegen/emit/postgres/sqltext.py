"""SQL text for names, literals, column types and projection value expressions.

Names are validated identifiers already, but every one that reaches SQL is still quoted here
(identifiers and strings by the same functions as the upcasters' SQL, escodegen.upcast.sqltext),
so nothing a declaration says can leave its identifier or string.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

from escodegen.model import (
    Constant,
    EnvelopeRef,
    FieldType,
    Increment,
    PayloadRef,
    ValueExpr,
)
from escodegen.upcast.sqltext import ident as quote_ident
from escodegen.upcast.sqltext import literal as string_literal

BATCH = "b"
"""Alias of the relation of events a handler statement reads: every expression refers to it."""

_TYPES = {
    "string": "text",
    "enum": "text",
    "integer": "bigint",
    "number": "double precision",
    "decimal": "numeric",
    "boolean": "boolean",
    "uuid": "uuid",
    "date": "date",
    "datetime": "timestamptz",
    "json": "jsonb",
    "object": "jsonb",
    "array": "jsonb",
}

_ENVELOPE = {"stream": "stream_id", "position": "global_position", "recorded_at": "recorded_at"}
_ENVELOPE_TYPES = {"stream": "text", "position": "bigint", "recorded_at": "timestamptz"}


def ident(*names: str) -> str:
    """`"es"."order_summary"`: always quoted, so a name is never read as a keyword."""
    return ".".join(quote_ident(name) for name in names)


def literal(value: Any) -> str:
    """A SQL literal of a Python value (str, int, float, Decimal, bool, None), written as
    psycopg's `sql.Literal` writes it, strings as standard-conforming literals."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return string_literal(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f"'{_special(value)}'::float8"
    if isinstance(value, Decimal):
        return str(value) if value.is_finite() else f"'{_special(value)}'::numeric"
    raise TypeError(f"no SQL literal for {type(value).__name__}")


def _special(number: float | Decimal) -> str:
    if math.isnan(number):
        return "NaN"
    return "Infinity" if number > 0 else "-Infinity"


def json_literal(value: Any) -> str:
    """A jsonb constant: the JSON text psycopg's Jsonb adapter writes (`json.dumps`)."""
    return f"{string_literal(json.dumps(value))}::jsonb"


def column_type(field_type: FieldType) -> str:
    return _TYPES[field_type.kind]


def is_json(sql_type: str) -> bool:
    return sql_type == "jsonb"


def json_path(source: str, path: tuple[str, ...], as_text: bool) -> str:
    """`b.data ->> 'orderId'`, or `b.data #>> '{pricing,total}'` for a nested field."""
    if len(path) == 1:
        return f"{source} {'->>' if as_text else '->'} {literal(path[0])}"
    return f"{source} {'#>>' if as_text else '#>'} {literal('{' + ','.join(path) + '}')}"


def cast(expr: str, expr_type: str, sql_type: str) -> str:
    return expr if expr_type == sql_type else f"({expr})::{sql_type}"


def value(expr: ValueExpr, sql_type: str) -> str:
    """The SQL of a handler's value for a column of `sql_type`, reading the batch row `b`."""
    if isinstance(expr, PayloadRef):
        json_column = is_json(sql_type)
        text = json_path(f"{BATCH}.data", expr.path, as_text=not json_column)
        return text if json_column else cast(text, "text", sql_type)
    if isinstance(expr, EnvelopeRef):
        if expr.name == "meta":
            json_column = is_json(sql_type)
            text = json_path(f"{BATCH}.metadata", (expr.key or "",), as_text=not json_column)
            return text if json_column else cast(text, "text", sql_type)
        return cast(f"{BATCH}.{_ENVELOPE[expr.name]}", _ENVELOPE_TYPES[expr.name], sql_type)
    if isinstance(expr, Constant):
        return constant(expr.value, sql_type)
    if isinstance(expr, Increment):
        return constant(expr.amount, sql_type)
    raise TypeError(f"not a value expression: {expr!r}")


def constant(data: Any, sql_type: str) -> str:
    if data is None:
        return f"null::{sql_type}"
    if is_json(sql_type):
        return json_literal(data)
    if isinstance(data, bool | int | float | Decimal | str):
        return f"{literal(data)}::{sql_type}"
    return f"{literal(str(data))}::{sql_type}"
