"""A type's constraints (escodegen.model.constraints) as the SQL validators check them: one
`(condition, problem)` per constraint, in the table's order, each condition true when the
value breaks it. They follow the type's own checks in the validator's CASE (so a decimal's
text is a numeral by then) and come before an array's items, as the generated Python's.

`uniqueItems` is the one with a sub-select (a count of distinct items): a version validator
that checks it is not inlined into its caller, so only such versions pay for it."""

from __future__ import annotations

from typing import Any

from escodegen.model import FieldType
from escodegen.model.constraints import FORMATS, json_number, number, problem
from escodegen.sqltext import literal


def constraint_cases(field_type: FieldType, value: str, text: str) -> list[tuple[str, str]]:
    """(SQL condition true when the jsonb `value` breaks it, problem) per constraint; `text`:
    the value as SQL text (strings and decimals)."""
    cases = []
    for key, limit in field_type.constraints:
        cases.append((_breaks(field_type, key, limit, value, text), problem(key, limit)))
    return cases


_COMPARISON = {"minimum": "<", "exclusiveMinimum": "<=", "maximum": ">", "exclusiveMaximum": ">="}
"""The SQL operator of a value that breaks the bound."""


def _breaks(field_type: FieldType, key: str, limit: Any, value: str, text: str) -> str:
    if key == "minLength":
        return f"char_length({text}) < {int(limit)}"
    if key == "maxLength":
        return f"char_length({text}) > {int(limit)}"
    if key == "pattern":
        return f"not ({text} ~ {literal(limit)})"
    if key == "format":
        form = FORMATS[limit]
        longer = (f"char_length({text}) > {form.max_length} or "
                  if form.max_length is not None else "")
        return f"({longer}not ({text} ~ {literal(form.pattern)}))"
    if key == "minItems":
        return f"jsonb_array_length({value}) < {int(limit)}"
    if key == "maxItems":
        return f"jsonb_array_length({value}) > {int(limit)}"
    if key in ("minProperties", "maxProperties"):
        return _breaks_entry_count(key, limit, value)
    if key == "uniqueItems":
        # jsonb equality is JSON's: 1 = 1.0, true <> 1, an object's keys unordered
        return ("false" if not limit else
                f"(select count(distinct e.v) from jsonb_array_elements({value}) as e(v)) "
                f"<> jsonb_array_length({value})")
    if field_type.kind == "number":
        # a number is a binary float in every reader: compared as one (Python's float)
        bound = literal(repr(float(json_number(limit))))
        return f"{_as_float(value)} {_COMPARISON[key]} {bound}::float8"
    exact = f"({text})::numeric" if field_type.kind == "decimal" else f"({value})::numeric"
    step = literal(str(number(limit)))
    if key == "multipleOf":
        return f"mod({exact}, {step}::numeric) <> 0"
    return f"{exact} {_COMPARISON[key]} {step}::numeric"


def _breaks_entry_count(key: str, limit: Any, value: str) -> str:
    """A map (a jsonb object) with fewer or more entries than the limit (PostgreSQL has no
    `jsonb_object_length`: its keys counted)."""
    count = f"(select count(*) from jsonb_object_keys({value}))"
    return f"{count} {'<' if key == 'minProperties' else '>'} {int(limit)}"


def _as_float(value: str) -> str:
    """The jsonb number as the nearest float8, as Python's JSON reader makes it: beyond the
    largest float an infinity and below half the smallest zero, where a cast would fail."""
    number = f"({value})::numeric"
    return (f"(case when {number} > 1.7976931348623157e308 then 'Infinity'::float8 "
            f"when {number} < -1.7976931348623157e308 then '-Infinity'::float8 "
            f"when abs({number}) < 2.5e-324 then 0::float8 else {number}::float8 end)")
