"""The constraints a field type may carry (`{type: string, maxLength: 3}`): one table, read by
every stage (meta-schema keys, checks, canonical JSON Schema, SQL and Python validators, diff
rules). docs/language.md#constraints describes each.

A constraint is data: its key, the kinds it applies to, what its value is, which way it
tightens (for the diff rules) and the problem a validator reports. `violation` is the
meaning, in Python; the generated Python's `_runtime` and the SQL validators
(escodegen.emit.postgres.constraints) take the same steps, and tests/emit_python/
test_payload_validation.py proves them equal on PostgreSQL.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Literal

from escodegen.model.patterns import python_form
from escodegen.model.types import TypeKind

ConstraintValue = Literal["length", "bound", "step", "pattern", "format", "flag"]
"""A count (>= 0), a number bound, a positive step, a regular expression, a format name, or
`true`/`false`."""
Tightens = Literal["up", "down", "changed"]
"""Which change of the value makes fewer values valid: a raised minimum (`up`), a lowered
maximum (`down`), any change of a pattern or format (`changed`)."""


@dataclass(frozen=True)
class Constraint:
    key: str
    """The declaration's and JSON Schema's key."""
    kinds: frozenset[TypeKind]
    value: ConstraintValue
    tightens: Tightens
    problem: str
    """What a validator says of a value that breaks it (after `path: `); `{limit}` is the
    constraint's value as written in JSON."""


_STRING: frozenset[TypeKind] = frozenset({"string"})
_NUMBERS: frozenset[TypeKind] = frozenset({"integer", "number", "decimal"})
_EXACT: frozenset[TypeKind] = frozenset({"integer", "decimal"})
_ARRAY: frozenset[TypeKind] = frozenset({"array"})
_MAP: frozenset[TypeKind] = frozenset({"map"})

CONSTRAINTS: Mapping[str, Constraint] = MappingProxyType({c.key: c for c in (
    Constraint("minLength", _STRING, "length", "up", "shorter than {limit} characters"),
    Constraint("maxLength", _STRING, "length", "down", "longer than {limit} characters"),
    Constraint("pattern", _STRING, "pattern", "changed", "does not match {limit}"),
    Constraint("format", _STRING, "format", "changed", "not {limit}"),
    Constraint("minimum", _NUMBERS, "bound", "up", "less than {limit}"),
    Constraint("exclusiveMinimum", _NUMBERS, "bound", "up", "not greater than {limit}"),
    Constraint("maximum", _NUMBERS, "bound", "down", "greater than {limit}"),
    Constraint("exclusiveMaximum", _NUMBERS, "bound", "down", "not less than {limit}"),
    Constraint("multipleOf", _EXACT, "step", "changed", "not a multiple of {limit}"),
    Constraint("minItems", _ARRAY, "length", "up", "fewer than {limit} items"),
    Constraint("maxItems", _ARRAY, "length", "down", "more than {limit} items"),
    Constraint("uniqueItems", _ARRAY, "flag", "up", "items are not unique"),
    Constraint("minProperties", _MAP, "length", "up", "fewer than {limit} entries"),
    Constraint("maxProperties", _MAP, "length", "down", "more than {limit} entries"),
)})
"""In the order validators check them (after the type's own checks, before an array's
items)."""

CONSTRAINT_KEYS: tuple[str, ...] = tuple(CONSTRAINTS)

RANGES: tuple[tuple[str, str], ...] = (("minLength", "maxLength"), ("minItems", "maxItems"),
                                        ("minProperties", "maxProperties"),
                                        ("minimum", "maximum"))
"""The (lower, upper) pairs a check keeps in order."""


@dataclass(frozen=True)
class Format:
    """A string format: a pattern from the subset (escodegen.model.patterns), anchored, and
    a length limit; the same text in every engine, so Python and SQL agree by construction."""

    name: str
    what: str
    pattern: str
    purge_placeholder: str
    """A value of the format that names no one: what a purge puts in place of a pii one."""
    max_length: int | None = None


_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = f"{_LABEL}(?:\\.{_LABEL})*"
_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = f"{_OCTET}(?:\\.{_OCTET}){{3}}"
_H16 = "[0-9A-Fa-f]{1,4}"
_LS32 = f"(?:{_H16}:{_H16}|{_IPV4})"
_IPV6 = "(?:" + "|".join((
    f"(?:{_H16}:){{6}}{_LS32}",
    f"::(?:{_H16}:){{5}}{_LS32}",
    f"(?:{_H16})?::(?:{_H16}:){{4}}{_LS32}",
    f"(?:(?:{_H16}:){{0,1}}{_H16})?::(?:{_H16}:){{3}}{_LS32}",
    f"(?:(?:{_H16}:){{0,2}}{_H16})?::(?:{_H16}:){{2}}{_LS32}",
    f"(?:(?:{_H16}:){{0,3}}{_H16})?::{_H16}:{_LS32}",
    f"(?:(?:{_H16}:){{0,4}}{_H16})?::{_LS32}",
    f"(?:(?:{_H16}:){{0,5}}{_H16})?::{_H16}",
    f"(?:(?:{_H16}:){{0,6}}{_H16})?::",
)) + ")"
_URI_CHAR = "(?:[A-Za-z0-9._~:/?#\\[\\]@!$&'()*+,;=-]|%[0-9A-Fa-f]{2})"

FORMATS: Mapping[str, Format] = MappingProxyType({f.name: f for f in (
    Format("email", "an email address",
           f"^[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~-]+)*"
           f"@{_HOSTNAME}$", "purged@purged.invalid", 254),
    Format("uri", "a URI", f"^[A-Za-z][A-Za-z0-9+.-]*:{_URI_CHAR}*$", "urn:purged"),
    Format("hostname", "a hostname", f"^{_HOSTNAME}$", "purged.invalid", 253),
    Format("ipv4", "an IPv4 address", f"^{_IPV4}$", "0.0.0.0"),
    Format("ipv6", "an IPv6 address", f"^{_IPV6}$", "::"),
)})
"""The `format` values: what each accepts is its pattern (docs/language.md#formats)."""


def number(value: Any) -> Decimal:
    """A bound or step as an exact decimal (a YAML number, or a decimal's text)."""
    return Decimal(str(value)) if not isinstance(value, Decimal) else value


def limit_text(key: str, value: Any) -> str:
    """A constraint's value as written in JSON (what a problem shows)."""
    if CONSTRAINTS[key].value in ("bound", "step"):
        return json.dumps(json_number(value))
    if CONSTRAINTS[key].value == "format":
        return FORMATS[value].what
    return json.dumps(value, ensure_ascii=False)


Direction = Literal["tightened", "loosened"]


def constraint_changes(before: tuple[tuple[str, Any], ...], after: tuple[tuple[str, Any], ...]
                       ) -> list[tuple[str, Direction]]:
    """Each constraint that changed, and whether fewer values meet it now (`tightened`: one
    added, a minimum raised, a maximum lowered, a pattern or format changed, a step no divisor
    of the old one) or more (`loosened`: removed, or the other way)."""
    old, new = _declared(before), _declared(after)
    changes: list[tuple[str, Direction]] = []
    for key, constraint in CONSTRAINTS.items():
        if key not in old and key not in new or old.get(key) == new.get(key):
            continue
        if key not in old:
            changes.append((key, "tightened"))
        elif key not in new:
            changes.append((key, "loosened"))
        elif key == "multipleOf":
            divides = _EXACT_ARITHMETIC.remainder(number(old[key]), number(new[key])) == 0
            changes.append((key, "loosened" if divides else "tightened"))
        elif constraint.tightens == "changed":
            changes.append((key, "tightened"))
        else:
            raised = number(new[key]) > number(old[key])
            changes.append((key, "tightened" if raised == (constraint.tightens == "up")
                            else "loosened"))
    return changes


def _declared(constraints: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    """The constraints that constrain (`uniqueItems: false` does not)."""
    return {key: value for key, value in constraints if value is not False}


def problem(key: str, value: Any) -> str:
    """What a validator says of a value that breaks the constraint (SQL and Python alike)."""
    return CONSTRAINTS[key].problem.format(limit=limit_text(key, value))


def json_number(value: Any) -> int | float:
    """A bound or step as a JSON Schema number: an int when integral, else a float (the check
    stage refuses a decimal bound a float cannot hold exactly)."""
    exact = number(value)
    return int(exact) if exact == exact.to_integral_value() else float(exact)


def _unique_key(value: Any) -> Any:
    """A JSON value as a hashable key equal exactly when the values are equal in JSON (and
    jsonb): true is not 1, 1 is 1.0, an object's keys are unordered."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return (type(value).__name__, value)
    if isinstance(value, int | float):
        return ("number", value)
    if isinstance(value, list):
        return ("array", tuple(_unique_key(v) for v in value))
    return ("object", frozenset((k, _unique_key(v)) for k, v in value.items()))


def violation(kind: TypeKind, constraints: tuple[tuple[str, Any], ...], value: Any) -> str | None:
    """The problem of a JSON value already of the kind (`decimal`: its text) with the
    constraints, None when it meets them: the generated validators' meaning."""
    for key, limit in constraints:
        if not _meets(kind, key, limit, value):
            return problem(key, limit)
    return None


def _meets(kind: TypeKind, key: str, limit: Any, value: Any) -> bool:
    if key == "minLength":
        return len(value) >= limit
    if key == "maxLength":
        return len(value) <= limit
    if key == "pattern":
        return re.search(python_form(limit), value) is not None
    if key == "format":
        form = FORMATS[limit]
        return ((form.max_length is None or len(value) <= form.max_length)
                and re.search(python_form(form.pattern), value) is not None)
    if key in ("minItems", "minProperties"):
        return len(value) >= limit
    if key in ("maxItems", "maxProperties"):
        return len(value) <= limit
    if key == "uniqueItems":
        return not limit or len({_unique_key(v) for v in value}) == len(value)
    try:
        exact = Decimal(value) if kind == "decimal" else None
    except InvalidOperation:
        return True  # not a decimal: the type's own check says so
    if kind == "number":
        if key == "multipleOf":
            return True  # refused by the check stage: binary floating point is not exact
        return _compare(key, _as_float(value), float(number(limit)))
    if key == "multipleOf":
        return _EXACT_ARITHMETIC.remainder(exact if exact is not None else Decimal(value), number(limit)) == 0
    return _compare(key, exact if exact is not None else Decimal(value), number(limit))


def _as_float(value: Any) -> float:
    """A JSON number as a float: an integer beyond the largest float is an infinity."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


_EXACT_ARITHMETIC = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
"""Arithmetic without rounding: a remainder of any two numerals is exact, as PostgreSQL's."""


def _compare(key: str, value: Any, limit: Any) -> bool:
    return bool({"minimum": value >= limit, "maximum": value <= limit,
                 "exclusiveMinimum": value > limit, "exclusiveMaximum": value < limit}[key])
