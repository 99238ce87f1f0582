"""`migrate purge`: the regulatory purge of one data subject's `pii` fields.

What is whose comes from the declarations: an event's `subject` names the field holding the
data subject's id; fields marked `pii` (at any version, at any depth of objects) are purged in
every stored event of that subject, in the tables a rewrite kept (backup and standby), in the
snapshots of the subject's streams (the aggregate state's `pii` fields) and in projection rows
(columns a handler fills from a `pii` field) keyed by the subject's events. Only the affected
rows are rewritten; an audit row records the purge without any purged value.
"""

from __future__ import annotations

import datetime
import re
import uuid
from dataclasses import dataclass
from typing import Any

from escodegen.diagnostics import Report
from escodegen.emit.migrate import FILE_HEADER, template
from escodegen.emit.postgres.sqltext import column_type, value
from escodegen.model import Field, FieldType, PayloadRef, Project, Projection
from escodegen.model.pii import holds_pii
from escodegen.model.placeholders import NoPlaceholder, payload_placeholder
from escodegen.model.sqlnames import ProjectionNames, column_name, upcast_function
from escodegen.model.types import PURGED_TEXT, TYPES, TypeKind
from escodegen.sqltext import ident, jsonb, literal, text_array, typed

LOCK_TIMEOUT = "10s"
"""How long a purge waits for a lock another session holds before it gives up (ESLCK), unless
told otherwise: as long as the rewrite's swap waits for each of its locks."""


@dataclass(frozen=True)
class VersionSql:
    """One stored (event type, version): how to read its subject and purge its payload."""

    type: str
    version: int
    subject: str
    """SQL reading the subject id of row `e` as text."""
    purged: str | None
    """SQL of `e.data` with the pii fields replaced; None when this version has none."""


@dataclass(frozen=True)
class SnapshotSql:
    aggregate: str
    label: str
    event_types: str
    state_version: int
    purged: str


@dataclass(frozen=True)
class ProjectionPurgeSql:
    label: str
    table: str
    keys: tuple[str, ...]
    key_sources: tuple[tuple[str, tuple[str, ...]], ...]
    """(event type literal, key expressions over the subject's events `b`) per handler."""
    sets: tuple[tuple[str, str], ...]
    """(column, purged value)."""

    @property
    def table_name(self) -> str:
        """The table as a text literal, for `to_regclass`."""
        return literal(self.table)


@dataclass(frozen=True)
class PurgePlan:
    schema: str
    project: str
    versions: tuple[VersionSql, ...]
    snapshots: tuple[SnapshotSql, ...]
    projections: tuple[ProjectionPurgeSql, ...]
    fields: tuple[str, ...]
    """What is purged, for the audit row: `CustomerRegistered v1: email`, never a value."""
    distributed: bool = False
    """On a Citus cluster, where the locks wait on the workers (their lock timeout too)."""

    @property
    def function(self) -> str:
        """`purge_subject(subject) returns uuid`: the purge, returning its audit row's id."""
        return ident(self.schema, "escodegen_purge_subject")

    @property
    def audit_table(self) -> str:
        return ident(self.schema, "escodegen_purges")

    @property
    def lock_key(self) -> str:
        """The advisory lock a purge run with `--dsn` holds for its transaction: one purge of
        the store at a time (each (re)creates the audit table and the functions)."""
        return f"pg_catalog.hashtextextended({literal('escodegen purge ' + self.schema)}, 0)"

    def definitions(self) -> str:
        return template("purge.sql.j2").render(
            s=ident(self.schema), s_name=literal(self.schema),
            events_statement=literal(_events_statement(self)),
            versions=self.versions,
            snapshots=self.snapshots, projections=self.projections,
            fields=jsonb(list(self.fields)),
            purge=self.function,
            purge_events=ident(self.schema, "escodegen_purge_events"),
            lock_timeout=literal(LOCK_TIMEOUT), distributed=self.distributed,
        ).strip()

    def file(self, subject: str, allow_no_match: bool = False,
             lock_timeout: str = LOCK_TIMEOUT) -> str:
        return template("purge_file.sql.j2").render(
            header=FILE_HEADER, project=self.project, fields=self.fields,
            definitions=self.definitions(), purge=self.function, subject=literal(subject),
            allow_no_match=typed(allow_no_match, "boolean"), lock_timeout=literal(lock_timeout))


def _events_statement(plan: PurgePlan) -> str:
    """The purge of one events-shaped table, a format() string: `%1$s` is the table, every
    other `%` doubled; $1 is the subject, $2 the purge id."""
    def escaped(text: str) -> str:
        return text.replace("%", "%%")

    versions = [VersionSql(escaped(v.type), v.version, escaped(v.subject), escaped(v.purged))
                for v in plan.versions if v.purged is not None]
    return template("purge_events.sql.j2").render(table="%1$s", versions=versions).strip()


def plan_purge(project: Project, report: Report) -> PurgePlan | None:
    if project.postgres is None:
        report.error("ES701", "the project has no `postgres` target: there is nothing to purge",
                     None)
        return None
    schema = project.postgres.schema
    versions: list[VersionSql] = []
    fields: list[str] = []
    for event in project.events:
        pii_by_version = {v.number: _pii_paths(v.fields, (), report, event.name, payload=True)
                          for v in event.versions}
        if event.subject is None:
            if any(pii_by_version.values()):
                report.warning("ES305", f"event '{event.name}' has pii fields but no `subject`: "
                               "a purge cannot tell whose they are, and leaves them", event.span)
            continue
        for version in event.versions:
            paths = pii_by_version[version.number]
            fields += [f"{event.name} v{version.number}: {'.'.join(p)}" for p, _ in paths]
            versions.append(VersionSql(
                literal(event.name), version.number,
                _subject(event.name, event.subject, version.field(event.subject) is not None,
                         version.number, event.latest.number, schema),
                _purged("e.data", paths, constrained=True) if paths else None))
    subject_types = {e.name for e in project.events if e.subject is not None}
    snapshots = []
    for aggregate in project.aggregates:
        paths = _pii_paths(aggregate.state.fields, (), report, aggregate.name)
        types = [t for t in aggregate.events if t in subject_types]
        if paths and types:
            fields += [f"{aggregate.name} state v{aggregate.state.version}: {'.'.join(p)}"
                       for p, _ in paths]
            snapshots.append(SnapshotSql(
                aggregate.name, literal(f"snapshots {aggregate.name}"),
                "array[" + ", ".join(literal(t) for t in types) + "]",
                aggregate.state.version, _purged("s.state", paths, constrained=False)))
    projections = []
    for projection in project.projections:
        purge = _projection(project, projection, schema, subject_types, report)
        if purge is not None:
            fields += [f"{projection.name}: {column}" for column, _ in purge.sets]
            projections.append(purge)
    if not fields and not report.has_errors:
        report.error("ES704", "no event with a `subject` has a field marked `pii`: there is "
                     "nothing a purge could remove", None)
    if report.has_errors:
        return None
    return PurgePlan(schema, project.name, tuple(versions), tuple(snapshots),
                     tuple(projections), tuple(fields), project.postgres.distribution == "citus")


_INTEGER = re.compile(r"-?[0-9]+")
_UUID = re.compile(r"(?:urn:uuid:)?(\{)?[0-9A-Fa-f]{8}(-?)(?:[0-9A-Fa-f]{4}\2){3}[0-9A-Fa-f]{12}"
                   r"(?(1)\})")
"""A UUID as it is written: hex digits, hyphenated or not, in braces or as a URN. uuid.UUID
alone reads more as one (any Unicode digit, `_`, a sign, `0x`, spaces; braces and hyphens
anywhere): a mistyped id must not become another subject's."""


def _canonical(kind: str, values: tuple[str, ...], subject: str) -> str | None:
    """`subject` as a stored field of this type reads as text (`data ->> field`); None when it
    is no value of the type."""
    try:
        if kind == "uuid":
            return str(uuid.UUID(subject)) if _UUID.fullmatch(subject) else None
        if kind == "integer":
            return str(int(subject)) if _INTEGER.fullmatch(subject) else None
        if kind == "date":
            return datetime.date.fromisoformat(subject).isoformat()
    except ValueError:
        return None
    if kind == "enum":
        return subject if subject in values else None
    return subject if subject.strip() else None


def subject_id(project: Project, subject: str, report: Report) -> str | None:
    """The subject id as the events' `subject` fields store it (a UUID in its lowercase
    hyphenated form, an integer without leading zeros), or None (ES707) when it fits the
    declared type of none of them: a typo must not become a purge that silently matches
    nothing."""
    owners: dict[tuple[TypeKind, tuple[str, ...]], list[str]] = {}
    for event in project.events:
        field = event.latest.field(event.subject) if event.subject else None
        if field is not None:
            owners.setdefault((field.type.kind, field.type.values), []).append(
                f"{event.name}.{field.name}")
    for kind, values in owners:
        canonical = _canonical(kind, values, subject)
        if canonical is not None:
            return canonical
    described = "; ".join(f"{FieldType(kind, values=values).describe()} in {', '.join(names)}"
                          for (kind, values), names in owners.items())
    report.error("ES707", f"the subject id is not a value of the subject fields' type "
                 f"({described})", None)
    return None


def _pii_paths(fields: tuple[Field, ...], prefix: tuple[str, ...], report: Report,
               owner: str, payload: bool = False) -> list[tuple[tuple[str, ...], Field]]:
    """The pii fields' paths; `payload`: an event's, whose constraints a placeholder meets."""
    found: list[tuple[tuple[str, ...], Field]] = []
    for f in fields:
        path = (*prefix, f.name)
        if f.pii and f.type.kind == "union" and f.type.tag is not None and not f.may_be_null:
            report.error("ES706", f"'{owner}' marks the union '{'.'.join(path)}' pii but it "
                         "cannot be null: a purge has no variant to put in its place", f.span)
        elif f.pii and payload and not f.may_be_null and (problem := _no_placeholder(f.type)):
            report.error("ES713", f"'{owner}' marks '{'.'.join(path)}' pii, but no value of its "
                         f"type meets its constraints ({problem}): a purge has nothing valid to "
                         "put in its place", f.span)
        elif f.pii:
            found.append((path, f))
        elif f.type.kind == "object":
            found += _pii_paths(f.type.fields, path, report, owner, payload)
        elif f.type.kind == "union" and holds_pii(f.type):
            report.error("ES706", f"'{owner}' has a pii field inside a variant of the union "
                         f"'{'.'.join(path)}'", f.span)
        elif holds_pii(f.type):
            report.error("ES706", f"'{owner}' has a pii field inside the {f.type.kind} "
                         f"'{'.'.join(path)}'", f.span)
    return found


def _subject(event: str, subject: str, has_field: bool, version: int, latest: int,
             schema: str) -> str:
    """The subject id of row `e` stored at `version`: its own field when the version has it,
    otherwise read after upcasting to the latest version (where the checker guarantees it)."""
    if has_field or version == latest:
        return f"e.data ->> {literal(subject)}"
    upcaster = ident(schema, upcast_function(event))
    return f"{upcaster}(e.data, {version}) ->> {literal(subject)}"


def _placeholder(f: Field, constrained: bool) -> Any:
    """Null where the field may be null, else a value of its type (meeting its constraints
    when `constrained`: an event's)."""
    return None if f.may_be_null else payload_placeholder(f.type, constrained)


def _no_placeholder(field_type: FieldType) -> str | None:
    try:
        payload_placeholder(field_type)
    except NoPlaceholder as error:
        return str(error)
    return None


def _purged(source: str, paths: list[tuple[tuple[str, ...], Field]], constrained: bool) -> str:
    """`source` with every path that is present replaced by its placeholder (jsonb_set with
    create_missing false never adds a field that was absent)."""
    expr = source
    for path, f in paths:
        expr = (f"jsonb_set({expr}, {text_array(path)}, "
                f"{jsonb(_placeholder(f, constrained))}, false)")
    return expr


def _projection(project: Project, projection: Projection, schema: str,
                subject_types: set[str], report: Report) -> ProjectionPurgeSql | None:
    columns = {c.name: c for c in projection.columns}
    pii_columns: list[str] = []
    for handler in projection.handlers:
        event = project.event(handler.event)
        if event is None:
            continue
        pii = {p for p, _ in _pii_paths(event.latest.fields, (), Report(), event.name)}
        for assignment in handler.set:
            if (isinstance(assignment.value, PayloadRef) and assignment.value.path in pii
                    and assignment.column not in pii_columns):
                pii_columns.append(assignment.column)
    if not pii_columns:
        return None
    if any(k in pii_columns for k in projection.key):
        report.error("ES704", f"projection '{projection.name}' is keyed by a pii column: its "
                     "rows cannot be kept without it; key it by the subject's id", projection.span)
        return None
    types = {c.name: column_type(c.type) for c in projection.columns}
    key_sources = []
    for handler in projection.handlers:
        if handler.event not in subject_types:
            continue
        given = {a.column: a.value for a in (handler.set if handler.action == "upsert"
                                              else handler.where)}
        key_sources.append((literal(handler.event), tuple(
            value(given.get(k, PayloadRef((k,))), types[k]) for k in projection.key)))
    if not key_sources:
        report.warning("ES704", f"projection '{projection.name}' has pii columns but no "
                       "handler of an event with a `subject`: a purge cannot find the "
                       "subject's rows", projection.span)
        return None
    sets = tuple(
        (ident(column_name(c)), typed(None if not columns[c].required
                                         else _column_placeholder(columns[c].type), types[c]))
        for c in pii_columns)
    names = ProjectionNames.of(projection.name)
    return ProjectionPurgeSql(literal(f"projection {names.base}"), ident(schema, names.table),
                              tuple(ident(column_name(k)) for k in projection.key),
                              tuple(key_sources), sets)


def _column_placeholder(field_type: FieldType) -> Any:
    if field_type.kind == "enum":
        return field_type.values[0]
    if field_type.kind == "union" and field_type.variants:
        return _column_placeholder(field_type.variants[0][1])  # untagged: its first variant
    if field_type.kind == "tuple":
        return [_column_placeholder(element) for element in field_type.elements]
    return TYPES[field_type.kind].purge_placeholder


__all__ = ["PURGED_TEXT", "PurgePlan", "plan_purge", "subject_id"]
