"""What each catalog page shows, as plain data for its template.

Everything is read from the model, the registry and the diff engine through the functions
`escodegen registry show` uses (field rows, field diffs, one-line operation summaries,
publication state), so the terminal and the browser never disagree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from escodegen.analyse.browse import describe_op, field_diff, field_rows
from escodegen.analyse.consumers import projection_reads, reads_path
from escodegen.analyse.findings import Finding
from escodegen.analyse.history import VersionHistory, event_history, version_steps
from escodegen.analyse.schema import event_version_schema
from escodegen.analyse.shapes import flatten, projection_schema, state_schema
from escodegen.canonical import canonical_json
from escodegen.emit.catalog.chain import Chain, layout
from escodegen.model import (
    Aggregate,
    Constant,
    EnvelopeRef,
    Event,
    Field,
    Handler,
    Increment,
    PayloadRef,
    Project,
    Projection,
    SnapshotPolicy,
    ValueExpr,
)
from escodegen.model.sqlnames import ProjectionNames, column_name
from escodegen.sources.registry import Registry
from escodegen.upcast.shape import dotted


def event_page(name: str) -> str:
    return f"events/{name}.html"


def aggregate_page(name: str) -> str:
    return f"aggregates/{name}.html"


def projection_page(name: str) -> str:
    return f"projections/{name}.html"


def schema_file(event: str, version: int) -> str:
    return f"schemas/{event}/v{version}.schema.json"


@dataclass(frozen=True)
class Consumer:
    projection: str
    reads: tuple[str, ...]


@dataclass(frozen=True)
class VersionView:
    number: int
    description: str | None
    fields: list[SimpleNamespace]
    """`browse.field_rows`, each row's keys as attributes (`rows`)."""
    operations: tuple[str, ...]
    schema: str
    """Where its canonical JSON Schema is, relative to the site."""
    schema_text: str


@dataclass(frozen=True)
class DiffView:
    old: int
    new: int
    rows: list[SimpleNamespace]
    """`browse.field_diff`, each row's keys as attributes (`rows`)."""


@dataclass(frozen=True)
class EventView:
    event: Event
    replaced_by: tuple[str, ...]
    replaces_declared: bool
    versions: tuple[VersionView, ...]
    diffs: tuple[DiffView, ...]
    chain: Chain
    history: list[VersionHistory]
    producers: tuple[str, ...]
    consumers: tuple[Consumer, ...]
    has_pii: bool


@dataclass
class Catalog:
    """Every page's data: the index is made of the event views and the aggregates and
    projections of the project."""

    project: Project
    events: list[EventView] = field(default_factory=list)
    changes: list[Finding] | None = None
    against: str | None = None


def build(project: Project, registry: Registry) -> Catalog:
    steps = version_steps(project)
    catalog = Catalog(project)
    # Who replaces and who produces each event, found once (a search per event was a tenth of
    # the catalog of 500 events); in declaration order, as the pages list them.
    replaced_by: dict[str, list[str]] = {}
    for event in project.events:
        if event.replaces:
            replaced_by.setdefault(event.replaces, []).append(event.name)
    listed_by: dict[str, list[str]] = {}
    for aggregate in project.aggregates:
        for name in dict.fromkeys(aggregate.events):
            listed_by.setdefault(name, []).append(aggregate.name)
    for event in project.events:
        catalog.events.append(_event_view(project, registry, event, steps,
                                          tuple(replaced_by.get(event.name, ())),
                                          listed_by.get(event.name, [])))
    return catalog


def _event_view(project: Project, registry: Registry, event: Event,
                steps: dict[tuple[str, int], tuple[Finding, ...]], replaced_by: tuple[str, ...],
                listed_by: list[str]) -> EventView:
    schemas = {v.number: event_version_schema(event, v) for v in event.versions}
    versions = tuple(VersionView(v.number, v.description, rows(field_rows(event, v.number)),
                                 tuple(describe_op(op) for op in v.upcast),
                                 schema_file(event.name, v.number),
                                 canonical_json(schemas[v.number]))
                     for v in reversed(event.versions))
    numbers = [v.number for v in event.versions]
    # Older to newer only: the picker shows the pair in that order whichever way it is picked.
    diffs = tuple(DiffView(a, b, rows(field_diff(event, a, b))) for a in numbers for b in numbers
                  if a < b)
    producers = tuple(dict.fromkeys([*([event.aggregate] if event.aggregate else []), *listed_by]))
    return EventView(
        event=event,
        replaced_by=replaced_by,
        replaces_declared=bool(event.replaces and project.event(event.replaces)),
        versions=versions, diffs=diffs, chain=layout(event),
        history=event_history(event, registry, steps, schemas),
        producers=producers, consumers=consumers(project, event),
        has_pii=any(row.pii for v in versions for row in v.fields))


def rows(table: list[dict[str, Any]]) -> list[SimpleNamespace]:
    """The rows of a table with their keys as attributes. A template's `row.field` asks for an
    attribute first: on a dict that raises AttributeError before the key is read, for every
    cell of every field table (a sixth of rendering the event pages)."""
    return [SimpleNamespace(**row) for row in table]


def consumers(project: Project, event: Event) -> tuple[Consumer, ...]:
    """The projections handling `event` with the latest version's fields they read (the
    deepest path read, not its parent objects)."""
    handling = project.handling(event.name)
    if not handling:
        return ()
    paths = tuple(flatten(event_version_schema(event, event.latest)))
    result = []
    for projection in handling:
        reads = projection_reads(projection, event.name)
        read = [path for path in paths if reads_path(reads, path)]
        deepest = tuple(p for p in read if not any(q.startswith((p + ".", p + "[]")) for q in read))
        result.append(Consumer(projection.name, deepest))
    return tuple(result)


def expression(value: ValueExpr) -> str:
    """A handler value as written in the declarations: `$.path`, `$meta.key`, a literal."""
    if isinstance(value, PayloadRef):
        return "$." + dotted(value.path)
    if isinstance(value, EnvelopeRef):
        return f"$meta.{value.key}" if value.name == "meta" else f"${value.name}"
    if isinstance(value, Increment):
        return f"+= {value.amount}"
    assert isinstance(value, Constant)
    return json.dumps(value.value, ensure_ascii=False, default=str)


def handler_lines(handler: Handler) -> list[str]:
    lines = [f"{a.column} = {expression(a.value)}" for a in handler.set]
    lines += [f"where {a.column} = {expression(a.value)}" for a in handler.where]
    return lines


def snapshot_text(policy: SnapshotPolicy) -> str:
    if policy.kind == "every":
        return f"every {policy.events} events"
    if policy.kind == "interval":
        return f"every {_seconds(policy.seconds)} (temporal)"
    if policy.kind == "replay_over":
        return f"on demand, when a replay takes over {_seconds(policy.seconds)}"
    return "none (always a full replay)"


def _seconds(value: float | None) -> str:
    seconds = value or 0.0
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{int(seconds // 3600)}h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)}m"
    if seconds >= 1:
        return f"{seconds:g}s"
    return f"{seconds * 1000:g}ms"


def state_rows(aggregate: Aggregate) -> list[dict[str, Any]]:
    return [{"field": path, "type": shape.kind, "required": shape.required, "pii": shape.pii}
            for path, shape in flatten(state_schema(aggregate)).items()]


def column_rows(projection: Projection) -> list[dict[str, Any]]:
    shapes = flatten(projection_schema(projection))
    return [{"column": c.name, "sql": column_name(c.name), "type": shapes[c.name].kind,
             "required": c.required, "key": c.name in projection.key}
            for c in projection.columns]


def table_name(project: Project, projection: Projection) -> str:
    table = ProjectionNames.of(projection.name).table
    return f"{project.postgres.schema}.{table}" if project.postgres else table


# -- pii -----------------------------------------------------------------------------------

@dataclass
class SubjectData:
    """Every place holding one data subject's pii: what `migrate purge` rewrites."""

    subject: str
    events: list[tuple[str, int, str]] = field(default_factory=list)
    snapshots: list[tuple[str, int, str]] = field(default_factory=list)
    projections: list[tuple[str, str, str]] = field(default_factory=list)
    """(projection, column, the event field it is filled from)."""


@dataclass
class PiiView:
    subjects: list[SubjectData]
    unowned: list[tuple[str, int, str]]
    """pii fields of events without a `subject`: a purge cannot tell whose they are."""


@dataclass(frozen=True)
class TypeUse:
    """A named type and the event versions whose fields use it (at any depth)."""

    name: str
    kind: str
    description: str
    used_by: tuple[tuple[str, tuple[int, ...]], ...]
    """(event, its versions using the type), in declaration order."""


def type_uses(project: Project) -> list[TypeUse]:
    uses: list[TypeUse] = []
    for named in project.types:
        used_by = []
        for event in project.events:
            numbers = tuple(v.number for v in event.versions
                            if named.name in _type_names(v.fields))
            if numbers:
                used_by.append((event.name, numbers))
        kind = "record" if named.type.kind == "object" else named.type.kind
        uses.append(TypeUse(named.name, kind, named.description or "", tuple(used_by)))
    return uses


def _type_names(fields: tuple[Field, ...]) -> set[str]:
    """The named types the fields use, at any depth (through arrays, maps and records)."""
    names: set[str] = set()
    for f in fields:
        field_type = f.type
        while field_type.items is not None:
            if field_type.name is not None:
                names.add(field_type.name)
            field_type = field_type.items
        if field_type.name is not None:
            names.add(field_type.name)
        names |= _type_names(field_type.fields)
    return names


def pii_paths(fields: tuple[Field, ...], prefix: str = "") -> list[str]:
    """Dotted paths of the `pii` fields, in objects at any depth (arrays of objects are
    refused by the purge, ES706, and by the checks before a purge is planned)."""
    found = []
    for f in fields:
        path = prefix + f.name
        if f.pii:
            found.append(path)
        elif f.type.kind == "object":
            found += pii_paths(f.type.fields, path + ".")
    return found


def pii_view(project: Project) -> PiiView:
    subjects: dict[str, SubjectData] = {}
    unowned: list[tuple[str, int, str]] = []
    subject_of = {e.name: e.subject for e in project.events if e.subject}
    for event in project.events:
        for version in event.versions:
            for path in pii_paths(version.fields):
                if event.subject is None:
                    unowned.append((event.name, version.number, path))
                else:
                    subjects.setdefault(event.subject, SubjectData(event.subject)).events.append(
                        (event.name, version.number, path))
    for aggregate in project.aggregates:
        owners = dict.fromkeys(subject_of[e] for e in aggregate.events if e in subject_of)
        for subject in owners:
            for path in pii_paths(aggregate.state.fields):
                subjects.setdefault(subject, SubjectData(subject)).snapshots.append(
                    (aggregate.name, aggregate.state.version, path))
    for projection in project.projections:
        for handler in projection.handlers:
            source = project.event(handler.event)
            if source is None or source.subject is None:
                continue
            pii = set(pii_paths(source.latest.fields))
            for assignment in handler.set:
                read = assignment.value
                if isinstance(read, PayloadRef) and dotted(read.path) in pii:
                    entry = (projection.name, assignment.column, f"{source.name}.{dotted(read.path)}")
                    data = subjects.setdefault(source.subject, SubjectData(source.subject))
                    if entry not in data.projections:
                        data.projections.append(entry)
    return PiiView(list(subjects.values()), unowned)
