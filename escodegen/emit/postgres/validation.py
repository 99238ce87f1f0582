"""Payload validators as SQL: per (event type, version) an IMMUTABLE `language sql` function
`validate_<event>_v<n>(data jsonb) returns text`, null when the payload fits the version's
declaration, else its first problem as `path: what is wrong` (`lineItems[2].unitPrice: not a
decimal`), and the dispatcher `validate_event(event_type, event_version, data)`.

A validator is one expression: a CASE per field in declaration order, `coalesce` taking the
first problem. PostgreSQL inlines a scalar SQL function into the query that calls it only
when it has no sub-select (one with a sub-select is planned again at every call, several times
slower), so an array's items are checked by a plpgsql loop of their own
(`validate_<event>_v<n>_items<k>`), and every validator and the dispatcher inline. The checks
are the canonical JSON Schema's (escodegen.analyse.schema): required keys, JSON kinds, formats
(`conforms`), enum members, nested objects (open: other keys are allowed) and arrays. The
generated Python's validators (`_runtime.payload_check`) take the same steps and report the
same words (escodegen.model.types, PROBLEM_*).

Every validator has a boolean twin built from the same checks (`valid_<event>_v<n>`,
`valid_<event>_v<n>_items<k>`, `valid_event`): true when the payload fits, nothing built for a
message. The append and verify-store filter with it and ask the text validator only for the
payloads it refuses, so a valid payload costs its checks alone."""

from __future__ import annotations

import json
from dataclasses import dataclass

from escodegen.emit.postgres.constraints import constraint_cases
from escodegen.emit.postgres.sqltext import _calendar, text_matches
from escodegen.model import Event, Field, FieldType
from escodegen.model.sqlnames import (
    PAYLOAD_FITS,
    VALID_EVENT,
    VALIDATE_EVENT,
    valid_function,
    valid_items_function,
    validate_function,
    validate_items_function,
)
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
from escodegen.sqltext import ident, literal, text_array
from escodegen.upcast.sql_layout import WIDTH

ITEMS_PAD = " " * 8
"""The indentation of the line an items function's problem starts on (validation.sql.j2)."""

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

    def position(self, index: int) -> _Path:
        """A tuple's item at a position known when the SQL is written."""
        return _Path((*self.pieces, (False, f"[{index}]")))

    def entry(self, expression: str) -> _Path:
        """A map's value at the key that SQL text `expression` holds."""
        return _Path((*self.pieces, (False, "."), (True, expression)))

    def message(self, problem: str, tail: str | None = None, pad: str | None = None) -> str:
        """SQL text `path: problem` (`tail`, an SQL text expression, appended); laid out
        (`_break`) from `pad`."""
        return _concat((*self.pieces, (False, f": {problem}" if self.pieces else problem)),
                       tail, pad)

    def text(self) -> str:
        """SQL text of the path itself."""
        return _concat(self.pieces) if self.pieces else literal("")


def _break(pad: str | None, depth: int) -> str:
    """Where the laid-out SQL of a validator may break a line: a space when it is written on
    one line (`pad` None), else a line break indented `depth` steps past `pad`, the indentation
    of the line the expression starts on. So the layout changes whitespace only."""
    return " " if pad is None else "\n" + pad + "    " * depth


def _fits(pad: str | None, one_line: str) -> bool:
    return pad is None or ("\n" not in one_line and len(pad) + len(one_line) <= WIDTH)


def _concat(pieces: tuple[tuple[bool, str], ...], tail: str | None = None,
            pad: str | None = None) -> str:
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
    if len(parts) == 1:
        return parts[0]
    one_line = "(" + " || ".join(parts) + ")"
    return one_line if _fits(pad, one_line) else "(" + f"{_break(pad, 1)}|| ".join(parts) + ")"


@dataclass(frozen=True)
class ValidatorFunction:
    name: str
    """Schema-qualified and quoted."""
    comment: str
    body: str


@dataclass(frozen=True)
class ItemsFunction:
    """The plpgsql validator of an array's items: `name(p_items jsonb, p_path text)`, the
    first problem of the items (`problem`: over `v_item`, the item at index `v_i`)."""

    name: str
    comment: str
    problem: str
    map: bool = False
    """Of a map's values (`v_item` at key `v_key`), not an array's items."""
    start: int = 0
    """The index of the first item checked (a tuple's rest: after its positions)."""


@dataclass(frozen=True)
class Validation:
    items: tuple[ItemsFunction, ...]
    functions: tuple[ValidatorFunction, ...]
    dispatch: str
    """The qualified name of `validate_event`."""
    branches: tuple[tuple[str, tuple[tuple[int, str], ...]], ...]
    """(event type literal, ((version, qualified validator), ...)) of every event."""
    undeclared: str
    valid_items: tuple[ItemsFunction, ...] = ()
    """The boolean twins: `name(p_items jsonb) returns boolean`, `problem` the condition an
    item fits by."""
    valid_functions: tuple[ValidatorFunction, ...] = ()
    """`valid_<event>_v<n>(data jsonb) returns boolean`."""
    valid_dispatch: str = ""
    """The qualified name of `valid_event`."""
    valid_branches: tuple[tuple[str, tuple[tuple[int, str], ...]], ...] = ()
    fits: str = ""
    """The qualified name of `payload_fits`: valid_event as plpgsql, for a call per payload."""


def validation_sql(events: tuple[Event, ...], schema: str, layout: bool = True) -> Validation:
    """The context of templates/postgres/validation.sql.j2; `layout`: expressions on lines of
    readable length (else each on one line: the same SQL but whitespace)."""
    items: list[ItemsFunction] = []
    functions = []
    branches = []
    valid_items: list[ItemsFunction] = []
    valid_functions = []
    valid_branches = []
    for event in events:
        versions = []
        valid_versions = []
        for version in event.versions:
            whole = FieldType("object", fields=version.fields)
            comment = f"{event.name} version {version.number}"
            name = ident(schema, validate_function(event.name, version.number))
            builder = _Builder(schema, event.name, version.number, items, layout=layout)
            body = builder.value(whole, "data", _Path(), pad="")
            functions.append(ValidatorFunction(name, comment, body or "null::text"))
            versions.append((version.number, name))
            name = ident(schema, valid_function(event.name, version.number))
            builder = _Builder(schema, event.name, version.number, valid_items, layout=layout,
                               valid=True)
            body = builder.value(whole, "data", _Path(), pad="")
            valid_functions.append(ValidatorFunction(name, comment, body or "true"))
            valid_versions.append((version.number, name))
        branches.append((literal(event.name), tuple(versions)))
        valid_branches.append((literal(event.name), tuple(valid_versions)))
    return Validation(tuple(items), tuple(functions), ident(schema, VALIDATE_EVENT),
                      tuple(branches), literal(UNDECLARED), tuple(valid_items),
                      tuple(valid_functions), ident(schema, VALID_EVENT), tuple(valid_branches),
                      ident(schema, PAYLOAD_FITS))


@dataclass
class _Builder:
    """The validator expression of one version, and the items functions its arrays need."""

    schema: str
    event: str
    version: int
    items: list[ItemsFunction]
    arrays: int = 0
    layout: bool = True
    """Laid out on lines of readable length; else on one line (the same SQL but whitespace)."""
    valid: bool = False
    """The boolean twin: true where the text validator says null, false where it names a
    problem (the same checks, in the same order)."""

    @property
    def _fits(self) -> str:
        """What a value no check refuses gives."""
        return "true" if self.valid else "null"

    def value(self, field_type: FieldType, value: str, path: _Path,
              text: str | None = None, pad: str = "", absent: bool = False) -> str | None:
        """SQL text: the first problem of the jsonb `value` (never SQL null) as a value of
        `field_type`, or null; None when any value fits (json). `text`: the value as text when
        the caller has a cheaper way to it than `value #>> '{}'` (`data ->> 'key'`). `pad`:
        the indentation of the line it starts on. `absent` (the twin only): `value` may be SQL
        null, which does not fit (a required field's test of its presence is its kind's)."""
        if field_type.kind == "union" and field_type.tag is None:
            return self._either(field_type, value, path, pad)
        at = pad if self.layout else None
        inner = pad + "    "
        inner_at = inner if self.layout else None
        check = TYPES[field_type.kind].check
        if not check.json_kinds:
            return None
        kinds = ", ".join(literal(k) for k in check.json_kinds)
        got = f"jsonb_typeof({value})"
        head, _, rest = PROBLEM_KIND.partition("{got}")
        assert rest == "", "the JSON kind ends the message"
        text = text or f"({value} #>> {text_array([])})"
        then_at = inner + "    " if self.layout else None
        kind = f"coalesce({got}, 'null')" if absent else got
        cases = [self._case(f"{kind} not in ({kinds})",
                            path.message(head.format(what=check.what), got, then_at), inner_at)]
        if check.integral:
            # one lookup and one cast (`x <> trunc(x)` takes two)
            cases.append(self._case(f"mod(({value})::numeric, 1) <> 0",
                                    path.message(PROBLEM_FRACTION.format(what=check.what),
                                                 pad=then_at), inner_at))
        if check.pattern is not None:
            cases.append(self._case(f"not {text_matches(field_type.kind, text, then_at)}",
                                    path.message(PROBLEM_FORMAT.format(what=check.what),
                                                 pad=then_at), inner_at))
        if check.calendar is not None:
            cases.append(self._case(f"not {_calendar(text, check.calendar, then_at)}",
                                    path.message(PROBLEM_FORMAT.format(what=check.what),
                                                 pad=then_at), inner_at))
        if field_type.kind == "enum":
            members = ", ".join(json.dumps(v, ensure_ascii=False) for v in field_type.values)
            cases.append(self._case(
                f"not ({text} = any ({text_array(list(field_type.values))}::text[]))",
                path.message(PROBLEM_ENUM.format(values=members), pad=then_at), inner_at))
        for condition, problem in constraint_cases(field_type, value, text):
            cases.append(self._case(condition, path.message(problem, pad=then_at), inner_at))
        if field_type.kind == "tuple":
            count = len(field_type.elements)
            closed = field_type.items is None
            problem = (PROBLEM_COUNT if closed else PROBLEM_COUNT_OR_MORE).format(count=count)
            cases.append(self._case(
                f"jsonb_array_length({value}) {'<>' if closed else '<'} {count}",
                path.message(problem, f"jsonb_array_length({value})::text", then_at), inner_at))
        otherwise = None
        if field_type.kind == "union":
            union_cases, otherwise = self._union(field_type, value, path, inner)
            cases += union_cases
        if field_type.kind == "object":
            otherwise = self._fields(field_type.fields, value, path, inner)
        elif field_type.kind == "tuple":
            otherwise = self._positions(field_type, value, path, inner)
        elif field_type.kind in ("array", "map"):
            assert field_type.items is not None, "the check stage gives every one its items"
            otherwise = self._items(field_type.items, value, path, field_type.kind == "map")
        one_line = "(case " + " ".join(cases) + f" else {otherwise or self._fits} end)"
        if _fits(at, one_line):
            return one_line
        return ("(case" + "".join(_break(at, 1) + case for case in cases)
                + f"{_break(at, 1)}else {otherwise or self._fits}{_break(at, 0)}end)")

    def _case(self, condition: str, problem: str, pad: str | None) -> str:
        """`when condition then problem` (the twin: `then false`), starting a line indented by
        `pad`."""
        if self.valid:
            problem = "false"
        one_line = f"when {condition} then {problem}"
        return one_line if _fits(pad, one_line) else (
            f"when {condition}{_break(pad, 0)}then {problem}")

    def _fields(self, fields: tuple[Field, ...], value: str, path: _Path,
                pad: str) -> str | None:
        """The first problem of the object's fields; `pad`: the indentation of the line it
        starts on."""
        checked = [f for f in fields if f.required or TYPES[f.type.kind].check.json_kinds]
        own = pad if len(checked) == 1 else pad + "    "  # a coalesce's arguments: a line each
        own_at = own if self.layout else None
        problems = []
        for field in checked:
            item = f"({value} -> {literal(field.name)})"
            where = path.key(field.name)
            # the twin of a required field that may not be null: absent fails its kind's test,
            # one lookup of the key fewer (the text validator names the two apart)
            absent = self.valid and field.required and not field.may_be_null
            problem = self.value(field.type, item, where, f"({value} ->> {literal(field.name)})",
                                 own if absent else own + "    ", absent)
            if absent and problem is not None:
                problems.append(problem)
                continue
            # absent: `required`; null: `may_be_null` (both at once: one test of the two)
            null = f"when jsonb_typeof({item}) = 'null' then {self._fits}"
            extra = ""
            if field.required:
                head = f"(case when {item} is null"
                missing = "false" if self.valid else where.message(
                    PROBLEM_MISSING, pad=own + "    " if self.layout else None)
                extra = null if field.may_be_null else ""
            elif field.may_be_null:
                head = f"(case when coalesce(jsonb_typeof({item}), 'null') = 'null'"
                missing = self._fits
            else:
                head = f"(case when {item} is null"
                missing = self._fits
            one_line = (f"{head} then {missing}{' ' + extra if extra else ''} "
                        f"else {problem or self._fits} end)")
            problems.append(one_line if _fits(own_at, one_line) else (
                f"{head}{_break(own_at, 1)}then {missing}"
                f"{_break(own_at, 1) + extra if extra else ''}{_break(own_at, 1)}else "
                f"{problem or self._fits}{_break(own_at, 0)}end)"))
        return self._first_problem(problems, pad)

    def _first_problem(self, problems: list[str], pad: str) -> str | None:
        """The first of `problems` that is not null (the twin: whether all pass; `and` stops at
        the first that does not), laid out on one line or an argument per line."""
        if len(problems) <= 1:
            return problems[0] if problems else None
        opener, separator = ("(", " and") if self.valid else ("coalesce(", ",")
        one_line = opener + f"{separator} ".join(problems) + ")"
        at = pad if self.layout else None
        if _fits(at, one_line):
            return one_line
        return opener + _break(at, 1) + f"{separator}{_break(at, 1)}".join(problems) + ")"

    def _positions(self, tuple_type: FieldType, value: str, path: _Path,
                   pad: str) -> str | None:
        """The first problem of a tuple's items (its length checked already): each position's
        by its type, then the rest's (an items function from the first item after them)."""
        own = pad + "    "
        problems = [problem for index, element in enumerate(tuple_type.elements)
                    if (problem := self.value(element, f"({value} -> {index})",
                                              path.position(index), pad=own)) is not None]
        if tuple_type.items is not None:
            rest = self._items(tuple_type.items, value, path, False, len(tuple_type.elements))
            if rest is not None:
                problems.append(rest)
        return self._first_problem(problems, pad)

    def _either(self, union: FieldType, value: str, path: _Path, pad: str) -> str:
        """An untagged union: the check of the variant of the value's JSON kind, else a problem
        naming every variant's kind."""
        at = pad if self.layout else None
        then_at = pad + "        " if self.layout else None
        got = f"jsonb_typeof({value})"
        whats = " or ".join(TYPES[v.kind].check.what for _, v in union.variants)
        head, _, _ = PROBLEM_KIND.partition("{got}")
        branches = []
        for _, variant in union.variants:
            kind = TYPES[variant.kind].check.json_kinds[0]
            problem = self.value(variant, value, path, pad=pad + "    ")
            branches.append(f"when {literal(kind)} then {problem or self._fits}")
        otherwise = ("false" if self.valid
                     else path.message(head.format(what=whats), got, then_at))
        one_line = f"(case {got} " + " ".join(branches) + f" else {otherwise} end)"
        if _fits(at, one_line):
            return one_line
        return (f"(case {got}" + "".join(_break(at, 1) + b for b in branches)
                + f"{_break(at, 1)}else {otherwise}{_break(at, 0)}end)")

    def _union(self, union: FieldType, value: str, path: _Path,
               pad: str) -> tuple[list[str], str | None]:
        """The cases of a tagged union's tag (present, a string, a variant's) and the first
        problem of the fields of the variant it names; `pad`: the indentation of the cases."""
        assert union.tag is not None, "the check stage gives every union its tag"
        at = pad if self.layout else None
        then_at = pad + "    " if self.layout else None
        tag = f"({value} -> {literal(union.tag)})"
        tag_text = f"({value} ->> {literal(union.tag)})"
        where = path.key(union.tag)
        head, _, _ = PROBLEM_KIND.partition("{got}")
        values = [v for v, _ in union.variants]
        members = ", ".join(json.dumps(v, ensure_ascii=False) for v in values)
        cases = [
            self._case(f"{tag} is null", where.message(PROBLEM_MISSING, pad=then_at), at),
            self._case(f"jsonb_typeof({tag}) <> 'string'",
                       where.message(head.format(what=TYPES["string"].check.what),
                                     f"jsonb_typeof({tag})", then_at), at),
            self._case(f"not ({tag_text} = any ({text_array(values)}::text[]))",
                       where.message(PROBLEM_ENUM.format(values=members), pad=then_at), at),
        ]
        branches = []
        for variant, record in union.variants:
            problem = self._fields(record.fields, value, path, pad + "        ")
            if problem is not None:
                branches.append(f"when {literal(variant)} then {problem}")
        if not branches:
            return cases, None
        # the cases above leave only declared tags; a variant with no check of its own fits
        otherwise = f" else {self._fits}" if self.valid else ""
        one_line = f"(case {tag_text} " + " ".join(branches) + otherwise + " end)"
        if _fits(at, one_line):
            return cases, one_line
        return cases, (f"(case {tag_text}" + "".join(_break(at, 1) + b for b in branches)
                       + (f"{_break(at, 1)}else {self._fits}" if self.valid else "")
                       + f"{_break(at, 0)}end)")

    def _items(self, items: FieldType, value: str, path: _Path, is_map: bool,
               start: int = 0) -> str | None:
        """A call of the items function of the array or map (plpgsql: a loop, not a
        sub-select, keeps the version's validator inlinable and its plan small)."""
        at = _Path(((True, "p_path"),))
        problem = self.value(items, "v_item", at.entry("v_key") if is_map else at.index("v_i"),
                             pad=ITEMS_PAD)
        if problem is None:
            return None
        self.arrays += 1
        named = valid_items_function if self.valid else validate_items_function
        name = ident(self.schema, named(self.event, self.version, self.arrays))
        self.items.append(ItemsFunction(
            name, f"{self.event} version {self.version}: the items of array {self.arrays}",
            problem, is_map, start))
        return f"{name}({value})" if self.valid else f"{name}({value}, {path.text()})"


__all__ = ["UNDECLARED", "Validation", "validation_sql"]
