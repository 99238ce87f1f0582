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
from escodegen.model.types import ENVELOPE_KINDS, TYPES, TypeKind
from escodegen.sqltext import literal, text_array, typed

BATCH = "b"
"""Alias of the relation of events a handler statement reads: every expression refers to it."""

_ENVELOPE = {"stream": "stream_id", "position": "global_position", "recorded_at": "recorded_at",
             "correlation_id": "correlation_id", "causation_id": "causation_id"}


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


def conforms(kind: TypeKind, value: str) -> str:
    """A boolean SQL expression: whether the jsonb `value` is a JSON value of the type, as its
    canonical JSON Schema says (formats included). Never raises: every cast sits behind a CASE
    that has checked what it casts. Object, array and enum check only their JSON kind here;
    their parts are the caller's."""
    check = TYPES[kind].check
    if not check.json_kinds:
        return "true"
    kinds = ", ".join(literal(k) for k in check.json_kinds)
    condition = f"jsonb_typeof({value}) IN ({kinds})"
    if check.integral:
        return (f"(CASE WHEN {condition} THEN ({value})::numeric = trunc(({value})::numeric) "
                "ELSE false END)")
    if check.pattern is None:
        return f"({condition})"
    text = f"({value} #>> {text_array([])})"
    matches = text_matches(kind, text)
    if check.calendar is None:
        return f"(CASE WHEN {condition} THEN {matches} ELSE false END)"
    return (f"(CASE WHEN {condition} AND {matches} THEN {_calendar(text, check.calendar)} "
            "ELSE false END)")


def text_matches(kind: TypeKind, text: str) -> str:
    """A boolean SQL expression: whether `text` (SQL text, not null) matches the type's
    pattern, checked as its `shape` then its `sql_pattern` when it has them (faster)."""
    check = TYPES[kind].check
    assert check.pattern is not None, "only types with a pattern"
    if check.shape is None:
        return f"{text} ~ {literal(check.pattern)}"
    return (f"({text} LIKE {literal(check.shape)} "
            f"AND {text} ~ {literal(check.sql_pattern or check.pattern)})")


def _calendar(text: str, calendar: str) -> str:
    """Whether text of the RFC 3339 pattern names a real day (and, for a date-time, a real
    second: 60 only in the minute 23:59 UTC)."""
    def number(start: int, length: int) -> str:
        return f"substr({text}, {start}, {length})::int"

    year, month, day = number(1, 4), number(6, 2), number(9, 2)
    # mod(), not %: the text also passes through drivers that read % as a placeholder.
    leap = f"((mod({year}, 4) = 0 AND mod({year}, 100) <> 0) OR mod({year}, 400) = 0)"
    days = (f"(CASE {month} WHEN 2 THEN (CASE WHEN {leap} THEN 29 ELSE 28 END) "
            "WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30 WHEN 11 THEN 30 ELSE 31 END)")
    date = f"{month} BETWEEN 1 AND 12 AND {day} BETWEEN 1 AND {days}"
    if calendar == "date":
        return f"({date})"
    hour, minute, second = number(12, 2), number(15, 2), number(18, 2)
    zulu = f"upper(right({text}, 1)) = 'Z'"
    offset_hour = f"substr(right({text}, 5), 1, 2)::int"
    offset_minute = f"substr(right({text}, 5), 4, 2)::int"
    sign = f"(CASE WHEN left(right({text}, 6), 1) = '-' THEN -1 ELSE 1 END)"
    offset = (f"(CASE WHEN {zulu} THEN 0 ELSE {sign} * ({offset_hour} * 60 + {offset_minute}) "
              "END)")
    utc_minute = f"mod(mod({hour} * 60 + {minute} - {offset}, 1440) + 1440, 1440)"
    offset_valid = f"({zulu} OR ({offset_hour} <= 23 AND {offset_minute} <= 59))"
    second_valid = f"({second} <= 59 OR ({second} = 60 AND {utc_minute} = 1439))"
    return (f"({date} AND {hour} <= 23 AND {minute} <= 59 AND {offset_valid} "
            f"AND {second_valid})")
