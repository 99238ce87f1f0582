"""Payload validators as SQL: per (event type, version) an IMMUTABLE `language sql` function
`validate_<event>_v<n>(data jsonb) returns text`, null when the payload fits the version's
declaration, else its first problem as `path: what is wrong` (`lineItems[2].unitPrice: not a
decimal`), and the dispatcher `validate_event(event_type, event_version, data)`.

A validator is one expression: a CASE per field in declaration order, `coalesce` taking the
first problem. A version without arrays has no sub-select, so PostgreSQL inlines it into the
query that calls it; an array's items are checked by one sub-select in item order. The checks
are the canonical JSON Schema's (escodegen.analyse.schema): required keys, JSON kinds, formats
(`conforms`), enum members, nested objects (open: other keys are allowed) and arrays. The
generated Python's validators (`_runtime.payload_check`) take the same steps and report the
same words (escodegen.model.types, PROBLEM_*).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from escodegen.emit.postgres.sqltext import _calendar
from escodegen.model import Event, Field, FieldType
from escodegen.model.sqlnames import VALIDATE_EVENT, validate_function
from escodegen.model.types import (
    PROBLEM_ENUM,
    PROBLEM_FORMAT,
    PROBLEM_FRACTION,
    PROBLEM_KIND,
    PROBLEM_MISSING,
    TYPES,
)
from escodegen.sqltext import ident, literal, text_array

UNDECLARED = "the event type and version are not declared"
"""What `validate_event` says of a (type, version) no declaration has."""


@dataclass(frozen=True)
class _Path:
    """Where a value is in the payload, as SQL text pieces: literal text and index expressions
    (`lineItems[` || (a1.i - 1) || `].sku`)."""

    pieces: tuple[tuple[bool, str], ...] = ()
    """(is SQL, text): SQL pieces are integer expressions, the others plain text."""

    def key(self, name: str) -> _Path:
        return _Path((*self.pieces, (False, f".{name}" if self.pieces else name)))

    def index(self, expression: str) -> _Path:
        return _Path((*self.pieces, (False, "["), (True, expression), (False, "]")))

    def message(self, problem: str, tail: str | None = None) -> str:
        """SQL text `path: problem` (`tail`, an SQL text expression, appended)."""
        pieces = list(self.pieces)
        pieces.append((False, f": {problem}" if pieces else problem))
        parts: list[str] = []
        text = ""
        for is_sql, piece in pieces:
            if is_sql:
                if text:
                    parts.append(literal(text))
                    text = ""
                parts.append(f"({piece})::text")
            else:
                text += piece
        if text:
            parts.append(literal(text))
        if tail is not None:
            parts.append(tail)
        return parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")"


@dataclass(frozen=True)
class ValidatorFunction:
    name: str
    """Schema-qualified and quoted."""
    comment: str
    body: str


@dataclass(frozen=True)
class Validation:
    functions: tuple[ValidatorFunction, ...]
    dispatch: str
    """The qualified name of `validate_event`."""
    branches: tuple[tuple[str, tuple[tuple[int, str], ...]], ...]
    """(event type literal, ((version, qualified validator), ...)) of every event."""
    undeclared: str


def validation_sql(events: tuple[Event, ...], schema: str) -> Validation:
    """The context of templates/postgres/validation.sql.j2."""
    functions = []
    branches = []
    for event in events:
        versions = []
        for version in event.versions:
            name = ident(schema, validate_function(event.name, version.number))
            body = value_problem(FieldType("object", fields=version.fields), "data", _Path(), 0)
            functions.append(ValidatorFunction(name, f"{event.name} version {version.number}",
                                               body or "null::text"))
            versions.append((version.number, name))
        branches.append((literal(event.name), tuple(versions)))
    return Validation(tuple(functions), ident(schema, VALIDATE_EVENT), tuple(branches),
                      literal(UNDECLARED))


def value_problem(field_type: FieldType, value: str, path: _Path, depth: int) -> str | None:
    """SQL text: the first problem of the jsonb `value` (never SQL null) as a value of
    `field_type`, or null; None when any value fits (json)."""
    check = TYPES[field_type.kind].check
    if not check.json_kinds:
        return None
    kinds = ", ".join(literal(k) for k in check.json_kinds)
    got = f"jsonb_typeof({value})"
    head, _, rest = PROBLEM_KIND.partition("{got}")
    assert rest == "", "the JSON kind ends the message"
    cases = [f"WHEN {got} NOT IN ({kinds}) THEN "
             + path.message(head.format(what=check.what), tail=got)]
    text = f"({value} #>> {text_array([])})"
    if check.integral:
        cases.append(f"WHEN ({value})::numeric <> trunc(({value})::numeric) THEN "
                     + path.message(PROBLEM_FRACTION.format(what=check.what)))
    if check.pattern is not None:
        cases.append(f"WHEN NOT ({text} ~ {literal(check.pattern)}) THEN "
                     + path.message(PROBLEM_FORMAT.format(what=check.what)))
    if check.calendar is not None:
        cases.append(f"WHEN NOT {_calendar(text, check.calendar)} THEN "
                     + path.message(PROBLEM_FORMAT.format(what=check.what)))
    if field_type.kind == "enum":
        members = ", ".join(json.dumps(v, ensure_ascii=False) for v in field_type.values)
        cases.append(f"WHEN NOT ({text} = ANY ({text_array(list(field_type.values))}::text[])) "
                     "THEN " + path.message(PROBLEM_ENUM.format(values=members)))
    otherwise = "NULL"
    if field_type.kind == "object":
        otherwise = _fields_problem(field_type.fields, value, path, depth) or "NULL"
    elif field_type.kind == "array":
        assert field_type.items is not None, "the check stage gives every array its items"
        otherwise = _items_problem(field_type.items, value, path, depth + 1) or "NULL"
    return "(CASE " + " ".join(cases) + f" ELSE {otherwise} END)"


def _fields_problem(fields: tuple[Field, ...], value: str, path: _Path, depth: int) -> str | None:
    problems = []
    for field in fields:
        item = f"({value} -> {literal(field.name)})"
        where = path.key(field.name)
        problem = value_problem(field.type, item, where, depth)
        if field.required:
            problems.append(f"(CASE WHEN {item} IS NULL THEN {where.message(PROBLEM_MISSING)} "
                            f"ELSE {problem or 'NULL'} END)")
        elif problem is not None:
            problems.append(f"(CASE WHEN coalesce(jsonb_typeof({item}), 'null') = 'null' "
                            f"THEN NULL ELSE {problem} END)")
    if not problems:
        return None
    return problems[0] if len(problems) == 1 else "coalesce(" + ", ".join(problems) + ")"


def _items_problem(items: FieldType, value: str, path: _Path, depth: int) -> str | None:
    element, found = f"a{depth}", f"p{depth}"
    problem = value_problem(items, f"{element}.v", path.index(f"{element}.i - 1"), depth)
    if problem is None:
        return None
    return (f"(SELECT {found}.problem FROM (SELECT {problem} AS problem, {element}.i "
            f"FROM jsonb_array_elements({value}) WITH ORDINALITY AS {element}(v, i)) AS {found} "
            f"WHERE {found}.problem IS NOT NULL ORDER BY {found}.i LIMIT 1)")


__all__ = ["UNDECLARED", "Validation", "validation_sql", "value_problem"]
