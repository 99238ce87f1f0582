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
    condition = f"jsonb_typeof({value}) in ({kinds})"
    if check.integral:
        return (f"(case when {condition} then ({value})::numeric = trunc(({value})::numeric) "
                "else false end)")
    if check.pattern is None:
        return f"({condition})"
    text = f"({value} #>> {text_array([])})"
    matches = text_matches(kind, text)
    if check.calendar is None:
        return f"(case when {condition} then {matches} else false end)"
    return (f"(case when {condition} and {matches} then {_calendar(text, check.calendar)} "
            "else false end)")


def text_matches(kind: TypeKind, text: str, pad: str | None = None) -> str:
    """A boolean SQL expression: whether `text` (SQL text, not null) matches the type's
    pattern, checked as its `shape` (and `undashed`) then its `sql_pattern` when it has them
    (faster). On one line, or laid out from `pad`, the indentation of the line it starts on."""
    check = TYPES[kind].check
    assert check.pattern is not None, "only types with a pattern"
    if check.shape is None:
        return f"{text} ~ {literal(check.pattern)}"
    between = " " if pad is None else "\n" + pad + "    "
    undashed = "" if check.undashed is None else (
        f"{between}and replace({text}, '-', '') like {literal(check.undashed)}")
    return (f"({text} like {literal(check.shape)}{undashed}{between}"
            f"and {text} ~ {literal(check.sql_pattern or check.pattern)})")


def _calendar(text: str, calendar: str, pad: str | None = None) -> str:
    """Whether text of the RFC 3339 pattern names a real day (and, for a date-time, a real
    second: 60 only in the minute 23:59 UTC). On one line, or laid out on several from `pad`,
    the indentation of the line it starts on (the same SQL but whitespace)."""
    def number(start: int, length: int) -> str:
        return f"substr({text}, {start}, {length})::int"

    def br(depth: int) -> str:
        return " " if pad is None else "\n" + pad + "    " * depth

    year, month, day = number(1, 4), number(6, 2), number(9, 2)
    # mod(), not %: the text also passes through drivers that read % as a placeholder.
    leap = (f"((mod({year}, 4) = 0{br(5)}and mod({year}, 100) <> 0){br(5)}"
            f"or mod({year}, 400) = 0)")
    days = (f"(case {month}{br(3)}when 2 then (case when {leap}{br(4)}then 29 else 28 end)"
            f"{br(3)}when 4 then 30 when 6 then 30 when 9 then 30 when 11 then 30 else 31 end)")
    date = f"{month} between 1 and 12{br(1)}and {day} between 1 and{br(2)}{days}"
    if calendar == "date":
        return f"({date})"
    hour, minute, second = number(12, 2), number(15, 2), number(18, 2)
    zulu = f"upper(right({text}, 1)) = 'Z'"
    offset_hour = f"substr(right({text}, 5), 1, 2)::int"
    offset_minute = f"substr(right({text}, 5), 4, 2)::int"
    sign = f"(case when left(right({text}, 6), 1) = '-' then -1 else 1 end)"
    offset = (f"(case when {zulu} then 0{br(5)}else{br(6)}{sign}{br(6)}* ({offset_hour} * 60"
              f"{br(7)}+ {offset_minute}){br(5)}end)")
    utc_minute = (f"mod(mod({hour} * 60{br(4)}+ {minute}{br(4)}- {offset}, 1440) + 1440, "
                  "1440)")
    offset_valid = (f"({zulu}{br(2)}or ({offset_hour} <= 23{br(3)}"
                    f"and {offset_minute} <= 59))")
    second_valid = (f"({second} <= 59{br(2)}or ({second} = 60{br(3)}and {utc_minute} = 1439))")
    return (f"({date}{br(1)}and {hour} <= 23{br(1)}and {minute} <= 59{br(1)}and {offset_valid}"
            f"{br(1)}and {second_valid})")
