"""Column types and projection value expressions as SQL.

Every name and value in them is quoted by escodegen.sqltext, the one quoting module.
"""

from __future__ import annotations

from escodegen.model import (
    Constant,
    EnvelopeRef,
    FieldType,
    Increment,
    PayloadRef,
    ValueExpr,
)
from escodegen.model.types import ENVELOPE_KINDS, TYPES
from escodegen.sqltext import literal, text_array, typed

BATCH = "b"
"""Alias of the relation of events a handler statement reads: every expression refers to it."""

_ENVELOPE = {"stream": "stream_id", "position": "global_position", "recorded_at": "recorded_at"}


def column_type(field_type: FieldType) -> str:
    return TYPES[field_type.kind].sql_type


def is_json(sql_type: str) -> bool:
    return sql_type == "jsonb"


def json_path(source: str, path: tuple[str, ...], as_text: bool) -> str:
    """`b.data ->> 'orderId'`, or `b.data #>> '{pricing,total}'` for a nested field."""
    if len(path) == 1:
        return f"{source} {'->>' if as_text else '->'} {literal(path[0])}"
    return f"{source} {'#>>' if as_text else '#>'} {text_array(path)}"


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
        envelope_type = TYPES[ENVELOPE_KINDS[expr.name]].sql_type
        return cast(f"{BATCH}.{_ENVELOPE[expr.name]}", envelope_type, sql_type)
    if isinstance(expr, Constant):
        return typed(expr.value, sql_type)
    if isinstance(expr, Increment):
        return typed(expr.amount, sql_type)
    raise TypeError(f"not a value expression: {expr!r}")
