"""The constraints of one declared type (`{type: string, maxLength: 3}`), checked where they
are declared: each applies to the type (ES224), the lower and upper ends of a range leave
values between them (ES225), each value is one the validators can hold exactly (ES226), and a
pattern is in the subset both engines agree on (ES227). The table is
escodegen.model.constraints."""

from __future__ import annotations

from typing import Any

from escodegen.diagnostics import Report, Span
from escodegen.model.constraints import CONSTRAINTS, FORMATS, RANGES, json_number, number
from escodegen.model.patterns import pattern_error
from escodegen.model.types import TypeKind


def declared_constraints(spec: Any, kind: TypeKind, spans: Any, report: Report
                         ) -> tuple[tuple[str, Any], ...]:
    """The constraints a long form `spec` of type `kind` declares, in the table's order;
    `spans(key)` is where a key's value is. A refused one is reported and left out."""
    if not isinstance(spec, dict):
        return ()
    found: list[tuple[str, Any]] = []
    for key, constraint in CONSTRAINTS.items():
        if key not in spec:
            continue
        value = spec[key]
        span: Span = spans(key)
        if kind not in constraint.kinds:
            kinds = ", ".join(sorted(constraint.kinds))
            report.error("ES224", f"`{key}` does not apply to {kind} (it applies to {kinds})",
                         span)
            continue
        problem = _value_problem(key, kind, value)
        if problem is not None:
            report.error("ES226", f"`{key}: {value}`: {problem}", span)
            continue
        if key == "pattern":
            error = pattern_error(value)
            if error is not None:
                report.error("ES227", f"pattern {value!r} at character {error.position + 1}: "
                             f"{error.reason}", span)
                continue
        if constraint.value in ("bound", "step"):
            value = number(value) if kind == "decimal" else value
        found.append((key, value))
    present = dict(found)
    for low, high in RANGES:
        if low in present and high in present and number(present[low]) > number(present[high]):
            report.error("ES225", f"`{low}: {present[low]}` is above `{high}: {present[high]}`: "
                         "no value meets both", spans(low))
    lower = [k for k in ("minimum", "exclusiveMinimum") if k in present]
    upper = [k for k in ("maximum", "exclusiveMaximum") if k in present]
    for low in lower:
        for high in upper:
            if "exclusive" in low + high and number(present[low]) >= number(present[high]):
                report.error("ES225", f"`{low}: {present[low]}` and `{high}: {present[high]}` "
                             "leave no value between them", spans(low))
    return tuple(found)


def _value_problem(key: str, kind: TypeKind, value: Any) -> str | None:
    """What is wrong with a constraint's value (the meta-schema has checked its JSON kind)."""
    sort = CONSTRAINTS[key].value
    if sort == "length" and value < 0:
        return "a count cannot be negative"
    if sort == "format" and value not in FORMATS:
        return f"not a format (formats: {', '.join(FORMATS)})"
    if sort in ("bound", "step"):
        try:
            exact = number(value)
        except ArithmeticError:
            return "not a number"
        if not exact.is_finite():
            return "not a number"
        if sort == "step" and exact <= 0:
            return "a step is greater than 0"
        if kind == "integer" and exact != exact.to_integral_value():
            return "an integer's bound or step is an integer"
        if number(repr(json_number(exact))) != exact:
            return ("a JSON Schema number cannot hold it exactly; write at most 15 significant "
                    "digits")
        if isinstance(value, str) and kind != "decimal":
            return "write the number unquoted (a quoted one is for a decimal's bound)"
    return None
