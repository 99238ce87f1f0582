"""The fast yes/no check of a payload: per (event type, version) one constant jsonpath predicate,
evaluated in C by `data @@ jsonpath`, exactly equivalent to the boolean twin the validators
build (escodegen.emit.postgres.validation), or None where a construct has no exact jsonpath form
(the twin is then kept for that version: docs/postgres.md, Payload validation).

The predicate runs in lax mode, whose traps it stays clear of:

- lax mode reads `$.k` of an array as `k` of each of its items, and compares or matches an
  array as its items: every value is guarded by its `.type()` (which never unwraps) before it
  is read further, and `&&` stops at the first guard that fails;
- a filter unwraps an array it is given: an array's items and a map's values are filtered only
  when none may be an array (any that is, `[*].type() == "array"` finds first), else the
  version falls back;
- a missing key is an empty sequence there (no error): `.type() == "object"` of it is false and
  `exists` false, so a predicate is never unknown (`@@` would give null, which fails anyway).

`like_regex` runs PostgreSQL's own advanced regular expressions, as `~` does, so a format's
pattern means the same. A uuid not under an array, map or union is matched as four dashes
between hex digits (a cheap pattern) plus its LIKE shape in SQL beside the jsonpath (a counted
pattern costs its automaton's 37 states at every match); elsewhere the counted pattern.
Dates, date-times (their calendar) and constraints fall back."""

from __future__ import annotations

from dataclasses import dataclass, field

from escodegen.model import Field, FieldType
from escodegen.model.types import DECIMAL_PATTERN, TYPES, UUID_PATTERN
from escodegen.sqltext import jsonpath_string, literal, text_array

_UUID_GROUPS = "^" + "-".join(["[0-9a-fA-F]+"] * 5) + "$"
"""Hex digits and exactly four dashes, none at an end: with the LIKE shape, a uuid."""
_PATTERNS = {"decimal": DECIMAL_PATTERN, "uuid": UUID_PATTERN}
"""The kinds whose format is a pattern the jsonpath matches (the others' fall back)."""


class _NoExactForm(Exception):
    """A construct the jsonpath cannot check exactly as the twin does."""


@dataclass
class _Predicate:
    data: str
    residual: list[str] = field(default_factory=list)
    """SQL conditions beside the jsonpath: each true where its value is not a string."""

    def value(self, field_type: FieldType, path: str, fixed: tuple[str, ...] | None) -> str | None:
        """Whether the value at jsonpath `path` (one item, or none when absent) fits; None
        when any value does (json). `fixed`: its keys from the root when no array, map or
        union is on the way (a uuid's shape can then be checked in SQL)."""
        kind = field_type.kind
        if field_type.constraints:
            raise _NoExactForm(f"{kind} with constraints")
        if kind == "union":
            return self._union(field_type, path)
        check = TYPES[kind].check
        if not check.json_kinds:
            return None
        if check.calendar is not None:
            raise _NoExactForm(kind)
        if len(check.json_kinds) != 1:
            raise _NoExactForm(f"{kind} of several JSON kinds")
        tests = [f"{path}.type() == {jsonpath_string(check.json_kinds[0])}"]
        if check.integral:
            tests.append(f"{path}.floor() == {path}")
        if check.pattern is not None:
            if kind not in _PATTERNS:
                raise _NoExactForm(kind)
            pattern = _PATTERNS[kind]
            if kind == "uuid" and fixed is not None and check.shape is not None:
                pattern = _UUID_GROUPS
                self.residual.append(
                    f"coalesce(({self.data} #>> {text_array(fixed)}) like "
                    f"{literal(check.shape)}, true)")
            tests.append(f"{path} like_regex {jsonpath_string(pattern)}")
        if kind == "enum":
            tests.append("(" + " || ".join(f"{path} == {jsonpath_string(v)}"
                                           for v in field_type.values) + ")")
        if kind == "object":
            tests += self._fields(field_type.fields, path, fixed)
        elif kind in ("array", "map"):
            assert field_type.items is not None, "the check stage gives every one its items"
            tests += self._items(field_type.items, path, kind == "map")
        return " && ".join(tests) if len(tests) == 1 else "(" + " && ".join(tests) + ")"

    def _fields(self, fields: tuple[Field, ...], path: str,
                fixed: tuple[str, ...] | None) -> list[str]:
        tests = []
        for item in fields:
            at = f"{path}.{jsonpath_string(item.name)}"
            fits = self.value(item.type, at, None if fixed is None else (*fixed, item.name))
            present = f"exists({at})"
            if item.required and not item.may_be_null:
                tests.append(fits or present)
            elif item.required and fits is not None:
                tests.append(f"({present} && ({at}.type() == \"null\" || {fits}))")
            elif item.required:
                tests.append(present)
            elif fits is not None:
                null = f" || {at}.type() == \"null\"" if item.may_be_null else ""
                tests.append(f"(!{present}{null} || {fits})")
        return tests

    def _items(self, items: FieldType, path: str, is_map: bool) -> list[str]:
        each = f"{path}.*" if is_map else f"{path}[*]"
        fits = self.value(items, "@", None)
        if fits is None:
            return []
        if _may_be_array(items):
            raise _NoExactForm("items that may be arrays (a filter would unwrap them)")
        return [f"!({each}.type() == \"array\")", f"!exists({each} ? (!{_group(fits)}))"]

    def _union(self, union: FieldType, path: str) -> str:
        if union.tag is None:
            kinds = [TYPES[v.kind].check.json_kinds for _, v in union.variants]
            if any(len(k) != 1 for k in kinds) or len({k[0] for k in kinds}) != len(kinds):
                raise _NoExactForm("an untagged union's variants of the same JSON kind")
            variants = [self.value(v, path, None) for _, v in union.variants]
            return "(" + " || ".join(v for v in variants if v is not None) + ")"
        tag = f"{path}.{jsonpath_string(union.tag)}"
        branches = []
        for value, record in union.variants:
            fields = self._fields(record.fields, path, None)
            branches.append(" && ".join([f"{tag} == {jsonpath_string(value)}", *fields]))
        return (f"({path}.type() == \"object\" && {tag}.type() == \"string\" && ("
                + " || ".join(_group(b) for b in branches) + "))")


def _group(test: str) -> str:
    return test if test.startswith("(") and test.endswith(")") else f"({test})"


def _may_be_array(field_type: FieldType) -> bool:
    if field_type.kind == "union" and field_type.tag is None:
        return any(_may_be_array(v) for _, v in field_type.variants)
    if field_type.kind == "union":
        return False
    kinds = TYPES[field_type.kind].check.json_kinds
    return not kinds or "array" in kinds


def fast_check(fields: tuple[Field, ...], data: str = "data", layout: bool = True) -> str | None:
    """SQL: whether the jsonb payload `data` fits an object of `fields`, as one constant
    jsonpath (and a uuid's shape beside it); None where the version has no exact form.
    `layout`: a line per field (jsonpath and SQL whitespace), else one line."""
    predicate = _Predicate(data)
    try:
        tests = ["$.type() == \"object\"", *predicate._fields(fields, "$", ())]
    except _NoExactForm:
        return None
    at = "\n    " if layout else " "
    jsonpath = literal("lax " + f"{at}&& ".join(tests))
    return f"{at}and ".join([f"coalesce({data} @@ {jsonpath}::jsonpath, false)",
                             *predicate.residual])


__all__ = ["fast_check"]
