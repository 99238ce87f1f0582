"""Checks on the built model: identifiers, references between declarations, projections.

Upcast chains are checked separately (escodegen.check.chains).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable, Iterator

from escodegen.diagnostics import Report, Span
from escodegen.model import (
    Aggregate,
    Column,
    Constant,
    EnvelopeRef,
    Event,
    Field,
    FieldType,
    Increment,
    PayloadRef,
    Project,
    Projection,
)
from escodegen.model.naming import is_identifier, is_pascal, snake
from escodegen.model.placeholders import NoPlaceholder, payload_placeholder
from escodegen.model.pynames import attribute_problem, event_classes
from escodegen.model.types import ENVELOPE_KINDS, TYPES, TypeKind
from escodegen.upcast.values import kind_of

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
PYDANTIC_RESERVED_PREFIX = "model_"
# Names the generated Python package defines next to the event classes.
GENERATED_NAMES = frozenset({"Envelope", "EventStore", "Codec", "Snapshot", "Any", "UUID"})
MAX_NAME_LENGTH = 48
"""PostgreSQL truncates identifiers at 63 bytes; generated names add prefixes and suffixes."""


def check_semantics(project: Project, report: Report) -> None:
    pydantic = project.python is not None and project.python.models == "pydantic"
    _check_collisions(((e.name, e.span) for e in project.events), "event", report)
    _check_collisions(((p.name, p.span) for p in project.projections), "projection", report)
    for event in project.events:
        _check_event(project, event, pydantic, report)
    for aggregate in project.aggregates:
        _check_aggregate(project, aggregate, pydantic, report)
    for projection in project.projections:
        _check_projection(project, projection, report)
    _check_class_names(project, report)
    _check_attribute_names(project, report)


def _check_type_name(name: str, what: str, span: Span | None, report: Report) -> None:
    if not is_pascal(name):
        report.error("ES202", f"{what} name '{_printable(name)}' is not PascalCase", span)
    elif name in GENERATED_NAMES or keyword.iskeyword(name):
        report.error("ES203", f"{what} name '{name}' is reserved by the generated code", span)
    elif len(name) > MAX_NAME_LENGTH:
        report.error("ES202", f"{what} name '{name[:20]}…' is longer than {MAX_NAME_LENGTH}", span)


def _check_identifier(name: str, what: str, span: Span | None, pydantic: bool,
                      report: Report) -> bool:
    if not is_identifier(name):
        report.error("ES202", f"{what} is not an identifier", span)
        return False
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        report.error("ES203", f"{what} is a Python keyword", span)
        return False
    if len(name) > MAX_NAME_LENGTH:
        report.error("ES202", f"{what} is longer than {MAX_NAME_LENGTH} characters", span)
        return False
    if pydantic and name.startswith((PYDANTIC_RESERVED_PREFIX, "_")):
        report.error("ES203", f"{what} is reserved by pydantic "
                     "(names starting with `model_` or `_`)", span)
        return False
    return True


def _printable(name: str) -> str:
    """A name shown in a message, with anything unprintable escaped."""
    return name.encode("unicode_escape").decode("ascii")[:60]


def _check_collisions(named: Iterable[tuple[str, Span | None]], what: str, report: Report) -> None:
    seen: dict[str, str] = {}
    for name, span in named:
        key = snake(name)
        if key in seen and seen[key] != name:
            report.error("ES204", f"{what} '{name}' and '{seen[key]}' both become '{key}'", span)
        seen.setdefault(key, name)


def _check_fields(fields: tuple[Field, ...], context: str, pydantic: bool, report: Report) -> None:
    for f in fields:
        _check_identifier(f.name, f"field '{_printable(f.name)}' of {context}", f.span, pydantic,
                          report)
        _check_nested(f.type, f"{context}.{f.name}", pydantic, report)
    _check_collisions(((f.name, f.span) for f in fields), f"field of {context}", report)


def _check_nested(ftype: FieldType, context: str, pydantic: bool, report: Report) -> None:
    if ftype.kind == "object":
        _check_fields(ftype.fields, context, pydantic, report)
    elif ftype.kind == "array" and ftype.items is not None:
        _check_nested(ftype.items, context + "[]", pydantic, report)


def _check_event(project: Project, event: Event, pydantic: bool, report: Report) -> None:
    _check_type_name(event.name, "event", event.span, report)
    for version in event.versions:
        _check_fields(version.fields, f"{event.name} v{version.number}", pydantic, report)
    if event.replaces is not None and not is_pascal(event.replaces):
        report.error("ES202", f"{event.name} replaces '{_printable(event.replaces)}', which is "
                     "not a PascalCase event name", event.span)
    elif event.replaces is not None and project.event(event.replaces) is None:
        # Allowed once the replaced type is retired (the registry still knows it; `check` and
        # `diff` hold it to that), so this alone is a warning: it may also be a typo.
        report.warning("ES205", f"{event.name} replaces '{event.replaces}', which is not declared",
                       event.span, "Fine if the replaced event type was published and retired; "
                       "otherwise check the spelling.")
    if event.replaces == event.name:
        report.error("ES205", f"{event.name} replaces itself", event.span)
    if event.aggregate is not None and project.aggregate(event.aggregate) is None:
        report.error("ES206", f"{event.name} belongs to aggregate '{event.aggregate}', "
                     "which is not declared", event.span)
    _check_pii_in_every_version(event, report)
    _check_pii_has_subject(event, report)
    _check_pii_placeholders(event, report)
    if event.subject is not None and event.latest.field(event.subject) is None:
        report.error("ES207", f"{event.name} names subject '{event.subject}', which its latest "
                     f"version v{event.latest.number} does not declare", event.span)


def _check_pii_in_every_version(event: Event, report: Report) -> None:
    """A field marked pii in one version and not in another keeps its stored values of the
    other version through a purge, which reads each version by its own declaration."""
    per_version = [(version.number, dict(_field_paths(version.fields)))
                   for version in event.versions]
    marked = {path for _, fields in per_version for path, f in fields.items() if f.pii}
    for number, fields in per_version:
        for path in sorted(marked & {p for p, f in fields.items() if not f.pii}):
            report.warning("ES304", f"{event.name} v{number} declares {path} without `pii: true`, "
                           "which another version has; a purge leaves its stored values",
                           fields[path].span)


def _check_pii_has_subject(event: Event, report: Report) -> None:
    """A purge finds a subject's events by the field `subject` names: without it, the event's
    pii fields are kept forever, whoever asks for them to be erased."""
    if event.subject is not None:
        return
    pii = sorted({path for version in event.versions
                  for path, f in _field_paths(version.fields) if f.pii})
    if pii:
        report.warning("ES305", f"{event.name} has pii fields ({', '.join(pii[:3])}"
                       f"{', ...' if len(pii) > 3 else ''}) but no `subject`: "
                       "`migrate purge` cannot tell whose they are, and leaves them",
                       event.span)


def _check_pii_placeholders(event: Event, report: Report) -> None:
    """A purge puts a value that fits the declaration in place of a required pii value (so the
    purged events still pass the validators and decode): warn of one whose constraints no
    value a purge tries can meet, before a purge is needed (`migrate purge` refuses it)."""
    if event.subject is None:
        return
    for version in event.versions:
        for path, f in _field_paths(version.fields):
            if not f.pii or f.may_be_null or f.type.kind == "union":
                continue  # null is purged to null; a union's pii is ES706's
            try:
                payload_placeholder(f.type)
            except NoPlaceholder as problem:
                report.warning("ES306", f"{event.name} v{version.number} marks {path} pii, but "
                               f"no value of its type meets its constraints ({problem}): "
                               "`migrate purge` refuses to run", f.span)


def _field_paths(fields: tuple[Field, ...], prefix: str = "") -> Iterator[tuple[str, Field]]:
    for f in fields:
        yield prefix + f.name, f
        yield from _field_paths(f.type.fields, f"{prefix}{f.name}.")


def _check_state_unions(aggregate: Aggregate, report: Report) -> None:
    """A state field may be an untagged union (its annotation is its scalars'), not a tagged
    one: state classes are written field by field, without variant classes."""
    for path, f in _field_paths(aggregate.state.fields, ""):
        inner: FieldType | None = f.type
        while inner is not None and inner.kind in ("array", "map"):
            inner = inner.items
        if inner is not None and inner.kind == "union" and inner.tag is not None:
            report.error("ES101", f"state field {aggregate.name}.{path} is a tagged union; "
                         "aggregate state holds records, scalars and untagged unions (use json "
                         "for it)", f.span)


def _check_aggregate(project: Project, aggregate: Aggregate, pydantic: bool, report: Report) -> None:
    _check_type_name(aggregate.name, "aggregate", aggregate.span, report)
    _check_identifier(aggregate.id_field, f"id field '{_printable(aggregate.id_field)}' of "
                      f"{aggregate.name}", aggregate.span, False, report)
    _check_fields(aggregate.state.fields, f"{aggregate.name} state", pydantic, report)
    _check_state_unions(aggregate, report)
    for name in aggregate.events:
        if project.event(name) is None:
            report.error("ES205", f"aggregate {aggregate.name} lists event '{name}', "
                         "which is not declared", aggregate.span)
    placeholders = _PLACEHOLDER.findall(aggregate.stream)
    category = aggregate.stream.split("{", 1)[0].rstrip("-_:")
    if placeholders != [aggregate.id_field] or not aggregate.stream.endswith("}") or not category:
        report.error("ES405", f"stream '{_printable(aggregate.stream)}' of {aggregate.name} must be "
                     f"a prefix followed by {{{aggregate.id_field}}}", aggregate.span,
                     f"For example `{aggregate.name}-{{{aggregate.id_field}}}`.")
    elif not is_identifier(category):
        report.error("ES405", f"stream prefix '{_printable(category)}' of {aggregate.name} must be "
                     "an identifier followed by '-', '_' or ':'", aggregate.span)


def _resolve(fields: tuple[Field, ...], path: tuple[str, ...]) -> Field | None:
    """The field at a dotted path through nested objects, or a tagged union's tag."""
    current: Field | None = None
    for depth, part in enumerate(path):
        if current is not None and current.type.tag == part:
            return _union_tag(current) if depth == len(path) - 1 else None
        current = next((f for f in fields if f.name == part), None)
        if current is None:
            return None
        fields = current.type.fields
    return current


def _union_tag(union: Field) -> Field:
    """A tagged union's tag as a field a projection reads (`$.method.kind`): an enum of its
    variants' tag values, there whenever the union's value is."""
    tag = union.type.tag
    assert tag is not None
    return Field(tag, FieldType("enum", values=tuple(value for value, _ in union.type.variants)),
                 required=union.required and not union.may_be_null)


def _check_projection(project: Project, projection: Projection, report: Report) -> None:
    _check_identifier(projection.name, f"projection name '{_printable(projection.name)}'",
                      projection.span, False, report)
    for column in projection.columns:
        _check_identifier(column.name, f"column '{_printable(column.name)}' of {projection.name}",
                          column.span, False, report)
        if column.type.kind in ("object", "array", "map", "union", "tuple"):
            article = "an" if column.type.kind in ("object", "array") else "a"
            report.error("ES101", f"column {projection.name}.{column.name} is {article} "
                         f"{column.type.kind}; columns hold scalars (use json for structured "
                         "values)", column.span)
    _check_collisions(((c.name, c.span) for c in projection.columns), "column", report)
    for key in projection.key:
        if projection.column(key) is None:
            report.error("ES403", f"key '{key}' of {projection.name} is not a declared column",
                         projection.span)
    for handler in projection.handlers:
        event = project.event(handler.event)
        if event is None:
            report.error("ES205", f"projection {projection.name} handles '{handler.event}', "
                         "which is not declared", handler.span)
            continue
        latest = event.latest
        for assignment in (*handler.set, *handler.where):
            if projection.column(assignment.column) is None:
                report.error("ES402", f"{projection.name} on {handler.event} sets unknown column "
                             f"'{assignment.column}'", assignment.span)
            ref = assignment.value
            source = _resolve(latest.fields, ref.path) if isinstance(ref, PayloadRef) else None
            if isinstance(ref, PayloadRef) and source is None:
                declared = ", ".join(f.name for f in latest.fields)
                report.error("ES401", f"{projection.name} on {handler.event} reads "
                             f"$.{'.'.join(ref.path)}, which {handler.event} v{latest.number} "
                             "does not declare", assignment.span,
                             f"Fields of {handler.event} v{latest.number}: {declared}.")
            target = projection.column(assignment.column)
            if target is not None:
                problem = _misfit(target, ref, source)
                if problem:
                    report.error("ES406", f"{projection.name}.{target.name} "
                                 f"({target.type.describe()}{'' if target.required else '?'}) "
                                 f"on {handler.event}: {problem}", assignment.span)
        if handler.action == "upsert":
            missing = [k for k in projection.key if k not in {a.column for a in handler.set}]
            if missing:
                report.error("ES403", f"{projection.name} upsert on {handler.event} does not set "
                             f"key column(s) {', '.join(missing)}", handler.span,
                             "An upsert sets every key column, usually from the payload ($.field).")
        else:
            where = {a.column for a in handler.where}
            if where != set(projection.key):
                report.error("ES403", f"{projection.name} {handler.action} on {handler.event} must "
                             f"find its row by the key ({', '.join(projection.key)})", handler.span,
                             "`where` maps each key column to a value, e.g. {orderId: $.orderId}.")


def _fits(value_kind: TypeKind, column: FieldType) -> bool:
    return value_kind in TYPES[column.kind].column_accepts


def _misfit(column: Column, value: object, source: Field | None) -> str | None:
    """Why `value` cannot be stored in `column`, or None when it can."""
    if isinstance(value, Increment):
        if not TYPES[column.type.kind].numeric:
            return "only numeric columns can be incremented"
        if column.type.kind == "integer" and not isinstance(value.amount, int):
            return f"an integer column cannot be incremented by {value.amount}"
        return None
    if isinstance(value, EnvelopeRef):
        kind = ENVELOPE_KINDS.get(value.name)
        return None if kind is None or _fits(kind, column.type) else (
            f"${value.name} is a {kind}")
    if isinstance(value, PayloadRef):
        if source is None:
            return None  # reported as ES401
        if not _fits(source.type.kind, column.type):
            return f"$.{'.'.join(value.path)} is {source.type.describe()}"
        if column.type.kind == "enum" and source.type.kind == "enum" and not set(
                source.type.values) <= set(column.type.values):
            return f"$.{'.'.join(value.path)} has values the column does not allow"
        if not source.required and column.required:
            return (f"$.{'.'.join(value.path)} is optional but the column is required "
                    f"(declare it `{column.type.kind}?`)")
        return None
    if isinstance(value, Constant):
        return _literal_misfit(column, value.value)
    return None


def _literal_misfit(column: Column, literal: object) -> str | None:
    if literal is None:
        return None if not column.required else "null in a required column"
    ok = kind_of(literal) in TYPES[column.type.kind].literal_accepts and (
        column.type.kind != "enum" or literal in column.type.values)
    return None if ok else f"the literal {literal!r} does not fit {column.type.describe()}"


def _check_class_names(project: Project, report: Report) -> None:
    """Every class the Python package would generate for the events (`model.pynames`) is one
    declaration's: `Foo` v1 is `FooV1` while Foo has later versions, and a nested record
    `placed` of the latest `Order` is `OrderPlaced`, so no other event or named type may be
    named so."""
    owner = {t.name: f"named type {t.name}" for t in project.types
             if t.type.kind in ("object", "enum")}
    for event in project.events:
        mine: set[str] = set()
        for name in event_classes(event):
            if name in owner or name in mine:
                other = owner.get(name, f"another class of event {event.name}")
                report.error("ES204", f"class '{name}' would be generated for both {other} "
                             f"and event {event.name}", event.span)
            mine.add(name)
        owner.update(dict.fromkeys(mine - owner.keys(), f"event {event.name}"))


def _check_attribute_names(project: Project, report: Report) -> None:
    """With `python.attribute_names: snake_case`, every field's attribute is its snake_case
    name: one that becomes a keyword (or, with pydantic, a reserved name) is refused. Two
    fields becoming one name are ES204 whatever the option (`_check_collisions`)."""
    if project.python is None or project.python.attribute_names == "json":
        return
    style, pydantic = project.python.attribute_names, project.python.models == "pydantic"

    def walk(fields: tuple[Field, ...], context: str, in_pydantic: bool) -> None:
        for f in fields:
            problem = attribute_problem(f.name, style, in_pydantic)
            if problem is not None:
                report.error("ES203", f"field '{f.name}' of {context} {problem} "
                             "(python.attribute_names: snake_case)", f.span)
            ftype = f.type
            while ftype.kind in ("array", "map") and ftype.items is not None:
                ftype = ftype.items
            walk(ftype.fields, f"{context}.{f.name}", in_pydantic)

    for event in project.events:
        for version in event.versions:
            walk(version.fields, f"{event.name} v{version.number}", pydantic)
    for aggregate in project.aggregates:  # state classes are dataclasses in every mode
        walk(aggregate.state.fields, f"{aggregate.name} state", False)
