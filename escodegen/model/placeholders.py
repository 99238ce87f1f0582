"""What a regulatory purge writes in place of a required `pii` value: a value of the field's
type that meets its constraints, as a payload holds it (a decimal as its text), so that the
purged payload still fits its declaration: the SQL validators, `verify-store` and the generated
Python's decode accept it.

The check stage warns of a required pii field that has none (ES306) and `migrate purge`
refuses it (ES713); the purge's SQL writes what `payload_placeholder` gives.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Any

from escodegen.model import FieldType
from escodegen.model.constraints import FORMATS, number, violation
from escodegen.model.types import PURGED_TEXT, TYPES

_TEXTS = ("PURGED", "purged", "x", "0", "")
"""Tried after "[purged]" and the format's own, in order, against a string's constraints."""


class NoPlaceholder(Exception):
    """No value of the type meets its constraints among those a purge tries: the message says
    which constraint stood in the way."""


def payload_placeholder(field_type: FieldType, constrained: bool = True) -> Any:
    """The value a purge puts in place of a required, non-null value of `field_type`; raises
    NoPlaceholder when none fits. `constrained=False` for an aggregate's state, whose
    constraints nothing checks (ES101): the first value tried of each type."""
    kind = field_type.kind
    if kind == "object":
        return {f.name: None if f.may_be_null else payload_placeholder(f.type, constrained)
                for f in field_type.fields if f.required}
    if kind == "tuple":
        return [payload_placeholder(element, constrained) for element in field_type.elements]
    if kind == "union":
        return _union_placeholder(field_type, constrained)
    if kind == "enum":
        return field_type.values[0]
    candidates = _candidates(field_type)
    constraints = field_type.constraints if constrained else ()
    for candidate in candidates:
        if violation(kind, constraints, candidate) is None:
            return candidate
    raise NoPlaceholder(violation(kind, constraints, candidates[0]) or kind)


def _union_placeholder(union: FieldType, constrained: bool) -> Any:
    """The first variant that has a placeholder; a tagged union's with its tag set."""
    problems = []
    for tag, variant in union.variants:
        try:
            value = payload_placeholder(variant, constrained)
        except NoPlaceholder as error:
            problems.append(str(error))
            continue
        return {union.tag: tag, **value} if union.tag is not None else value
    raise NoPlaceholder("; ".join(problems) or "the union has no variant")


def _candidates(field_type: FieldType) -> list[Any]:
    kind = field_type.kind
    limits = dict(field_type.constraints)
    if kind == "string":
        texts = [PURGED_TEXT]
        if "format" in limits:
            texts.append(FORMATS[limits["format"]].purge_placeholder)
        if limits.get("minLength", 0) > len(PURGED_TEXT):
            texts.append(PURGED_TEXT.ljust(limits["minLength"], "_"))
        return [*texts, *_TEXTS]
    if kind in ("integer", "number", "decimal"):
        return [_as_payload(kind, n) for n in _numbers(limits, integral=kind == "integer")]
    return [TYPES[kind].purge_placeholder]


def _numbers(limits: dict[str, Any], integral: bool) -> list[Decimal]:
    """0 first, then numbers next to the bounds, each moved up to the next multiple of
    `multipleOf`: one of them meets any range a value can meet but a very narrow one."""
    low = next((number(limits[k]) for k in ("minimum", "exclusiveMinimum") if k in limits), None)
    high = next((number(limits[k]) for k in ("maximum", "exclusiveMaximum") if k in limits), None)
    step = number(limits["multipleOf"]) if "multipleOf" in limits else Decimal(1)
    found = [Decimal(0)]
    for bound in (low, high):
        if bound is not None:
            found += [bound, bound + step, bound - step]
    if low is not None and high is not None:
        found.append((low + high) / 2)
    if "multipleOf" in limits:
        found = [(n / step).to_integral_value(rounding=ROUND_CEILING) * step for n in found]
    if integral:
        found = [n.to_integral_value(rounding=ROUND_CEILING) for n in found]
    return found


def _as_payload(kind: str, value: Decimal) -> Any:
    """A number as a payload holds it: a decimal's text (digits, never an exponent), an
    integer's or a number's JSON number."""
    if kind == "decimal":
        return format(value, "f")
    if kind == "integer" or value == value.to_integral_value():
        return int(value)
    return float(value)


__all__ = ["NoPlaceholder", "payload_placeholder"]
