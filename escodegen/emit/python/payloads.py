"""The codec's `PAYLOADS` table: every (event type, version)'s declaration as the data
`_runtime.payload_check` turns into a validator (the same checks as the SQL validators,
escodegen.emit.postgres.validation), laid out as ruff's formatter lays out a literal."""

from __future__ import annotations

from typing import Any

from escodegen.model import Event, Field, FieldType
from escodegen.model.constraints import CONSTRAINTS, FORMATS, json_number, number, problem
from escodegen.model.patterns import python_form
from escodegen.model.types import (
    PROBLEM_COUNT,
    PROBLEM_COUNT_OR_MORE,
    PROBLEM_ENUM,
    PROBLEM_FORMAT,
    PROBLEM_FRACTION,
    PROBLEM_KIND,
    PROBLEM_MISSING,
    TYPES,
)
from escodegen.pytext import LINE_LENGTH, py_literal


def type_spec(field_type: FieldType) -> Any:
    """A kind name, `("enum", values)`, `("array", items)`, `("map", values)`, a union's
    `("union", tag, variants)`, a tuple's `("tuple", positions, rest)` or an object's fields;
    with constraints,
    `("where", <that>, kind, constraints)` (`constraints_spec`)."""
    spec = _unconstrained_spec(field_type)
    if field_type.constraints:
        return ("where", spec, field_type.kind, constraints_spec(field_type))
    return spec


def constraints_spec(field_type: FieldType) -> tuple[tuple[str, Any, str], ...]:
    """(key, value as `_runtime` tests it, problem) per constraint: a pattern in its Python
    form, a format as (Python pattern, length limit or None), a bound of an integer or decimal
    as its exact text (number: a float)."""
    result = []
    for key, limit in field_type.constraints:
        value: Any = limit
        if key == "pattern":
            value = python_form(limit)
        elif key == "format":
            value = (python_form(FORMATS[limit].pattern), FORMATS[limit].max_length)
        elif CONSTRAINTS[key].value in ("bound", "step"):
            value = (float(json_number(limit)) if field_type.kind == "number"
                     else str(number(limit)))
        result.append((key, value, problem(key, limit)))
    return tuple(result)


def constrained_versions(events: list[Event] | tuple[Event, ...]) -> list[tuple[str, int]]:
    """(event type, version) of every version with a constraint anywhere in its fields, or a
    tuple: its class does not hold every position's type (a list of one type, or of the union
    of them), so the codec checks the positions as it checks constraints."""
    def constrained(field_type: FieldType) -> bool:
        return bool(field_type.constraints) or field_type.kind == "tuple" or any(
            constrained(f.type) for f in field_type.fields) or (
            field_type.items is not None and constrained(field_type.items)) or any(
            constrained(e) for e in field_type.elements)

    return [(event.name, version.number) for event in events for version in event.versions
            if any(constrained(f.type) for f in version.fields)]


def _unconstrained_spec(field_type: FieldType) -> Any:
    if field_type.kind == "enum":
        return ("enum", field_type.values)
    if field_type.kind == "array":
        assert field_type.items is not None, "the check stage gives every array its items"
        return ("array", type_spec(field_type.items))
    if field_type.kind == "map":
        assert field_type.items is not None, "the check stage gives every map its values"
        return ("map", type_spec(field_type.items))
    if field_type.kind == "object":
        return fields_spec(field_type.fields)
    if field_type.kind == "union":
        return union_spec(field_type)
    if field_type.kind == "tuple":
        # `("tuple", (each position's spec, ...), the rest's spec or None)`
        rest = None if field_type.items is None else type_spec(field_type.items)
        return ("tuple", tuple(type_spec(e) for e in field_type.elements), rest)
    return field_type.kind


def union_spec(field_type: FieldType) -> Any:
    """`("union", tag, ((tag value, the variant's fields), ...))`; untagged, `("either",
    ((JSON kind, the variant's spec), ...))`."""
    if field_type.tag is None:
        return ("either", tuple((TYPES[variant.kind].check.json_kinds[0], type_spec(variant))
                                for _, variant in field_type.variants))
    return ("union", field_type.tag,
            tuple((value, fields_spec(record.fields)) for value, record in field_type.variants))


def fields_spec(fields: tuple[Field, ...]) -> tuple[Any, ...]:
    """((name, required, may be null, spec), ...)."""
    return tuple((f.name, f.required, f.may_be_null, type_spec(f.type)) for f in fields)


def layout(value: Any, indent: int, head: str = "", tail: str = ",") -> list[str]:
    """`head` + the literal of `value` + `tail` at `indent`: one line when it fits, else the
    brackets opened one item a line (with a trailing comma), as ruff formats a literal."""
    pad = " " * indent
    line = f"{pad}{head}{py_literal(value)}{tail}"
    if len(line) <= LINE_LENGTH or not isinstance(value, tuple) or not value:
        return [line]
    lines = [f"{pad}{head}("]
    for item in value:
        lines += layout(item, indent + 4)
    lines.append(f"{pad}){tail}")
    return lines


def payloads_table(events: list[Event]) -> str:
    """`PAYLOADS` entries, one per (type, version), each line indented for the dict."""
    lines: list[str] = []
    for event in events:
        for version in event.versions:
            key = py_literal((event.name, version.number))
            lines += layout(fields_spec(version.fields), 4, head=f"{key}: ")
    return "\n".join(lines)


def runtime_context() -> dict[str, Any]:
    """What `_runtime`'s validators say and match, from the table of field types."""
    return {
        "problems": {"missing": PROBLEM_MISSING, "kind": PROBLEM_KIND,
                     "fraction": PROBLEM_FRACTION, "format": PROBLEM_FORMAT,
                     "enum": PROBLEM_ENUM, "count": PROBLEM_COUNT,
                     "count_or_more": PROBLEM_COUNT_OR_MORE},
        "patterns": [(kind, info.check.pattern) for kind, info in TYPES.items()
                     if info.check.pattern is not None],
        "whats": [(kind, info.check.what) for kind, info in TYPES.items()
                  if info.check.json_kinds],
    }
