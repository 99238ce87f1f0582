"""The PostgreSQL target: the event store, registry, upcasters and projections as .sql files.

`render(project)` maps file names (relative to `postgres.out`) to their text; the writer in
escodegen.emit owns the files. The SQL's contract is docs/postgres.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import jinja2

from escodegen.analyse.schema import event_version_schema
from escodegen.canonical import fingerprint
from escodegen.emit import HEADER
from escodegen.emit.postgres.citus import FILE as CITUS_FILE
from escodegen.emit.postgres.citus import citus_sql
from escodegen.emit.postgres.projection import (
    EventSource,
    ProjectionSql,
    event_source,
    projection_sql,
)
from escodegen.emit.postgres.roles import FILE as ROLES_FILE
from escodegen.emit.postgres.roles import roles_sql
from escodegen.emit.postgres.validation import validation_sql
from escodegen.model import Project, Projection
from escodegen.model.naming import snake
from escodegen.model.sqlnames import EVENTS_COLUMNS, RESERVED_COLUMNS, RESERVED_TABLES
from escodegen.resources import template_environment
from escodegen.sqltext import ident, install, jsonb, literal

FILE_HEADER = f"-- {HEADER}"


@dataclass(frozen=True)
class RegistryRow:
    type: str
    version: int
    schema: str
    fingerprint: str


def render(project: Project) -> dict[str, str]:
    """Every file of the target, by name, in the order they are applied.

    `project` is a checked one: names the store takes (RESERVED_TABLES, RESERVED_COLUMNS) and
    names too long for PostgreSQL are refused by the check stage (escodegen.check.sqlnames)."""
    if project.postgres is None:
        return {}
    schema = project.postgres.schema
    common = {"header": FILE_HEADER, "project": project.name, "s": ident(schema)}
    files = {
        "001_event_store.sql": _template("event_store.sql.j2").render(
            channel=literal(f"{schema}_events"), events_columns=EVENTS_COLUMNS,
            validate_on_append=project.postgres.validate_on_append, **common),
        "001_validation.sql": _template("validation.sql.j2").render(
            v=validation_sql(project.events, schema), **common),
        "002_monitoring.sql": _template("monitoring.sql.j2").render(
            checkpoint_channel=literal(f"{schema}_checkpoints"), s_lit=literal(ident(schema)),
            schema_lit=literal(schema), **common),
        "002_registry.sql": _template("registry.sql.j2").render(
            rows=_registry_rows(project), **common),
        "003_upcasters.sql": _template("upcasters.sql.j2").render(
            upcasters=_upcasters(project, schema), events=_events(project, schema), **common),
    }
    projections: list[tuple[Projection, ProjectionSql]] = []
    for projection in sorted(project.projections, key=lambda p: snake(p.name)):
        sql: ProjectionSql = projection_sql(project, projection, schema)
        projections.append((projection, sql))
        files[f"004_projection_{sql.name}.sql"] = _template("projection.sql.j2").render(
            p=sql, **common)
    roles = roles_sql(project)
    if roles is not None:
        files[ROLES_FILE] = _template("roles.sql.j2").render(
            r=roles, s_lit=literal(ident(schema)), **common)
    if project.postgres.distribution == "citus":
        files[CITUS_FILE] = _template("citus.sql.j2").render(
            c=citus_sql(schema, tuple(projections)), r=roles, validate_on_append=project.postgres.validate_on_append,
            **common)
    return files


def citus_projection(project: Project, name: str) -> str:
    """Projection `name`'s part of 006_citus.sql: its table distributed (once, by the rule of
    docs/scale-out.md), its single-node catch-ups refusing, its catch-up, retry and rebuild
    from the feeds. `migrate projections` applies it after the projection's single-node SQL
    on a cluster, which would otherwise leave the single-node functions there."""
    assert project.postgres is not None
    schema = project.postgres.schema
    [declared] = [p for p in project.projections if p.name == name]
    c = citus_sql(schema, ((declared, projection_sql(project, declared, schema)),))
    module = _template("citus.sql.j2").make_module({
        "header": FILE_HEADER, "project": project.name, "s": ident(schema), "c": c,
        "r": roles_sql(project), "validate_on_append": project.postgres.validate_on_append})
    projection_feeds = vars(module)["projection_feeds"]  # a macro of the template
    return str(projection_feeds(c.projections[0])).strip()


@cache
def _environment() -> jinja2.Environment:
    environment = template_environment("postgres")
    install(environment)
    return environment


def _template(name: str) -> jinja2.Template:
    return _environment().get_template(name)


def _registry_rows(project: Project) -> list[RegistryRow]:
    rows = []
    for event in project.events:
        for version in event.versions:
            schema = event_version_schema(event, version)
            rows.append(RegistryRow(literal(event.name), version.number,
                                    jsonb(schema, sort_keys=True), literal(fingerprint(schema))))
    return rows


def _events(project: Project, schema: str) -> list[EventSource]:
    return [event_source(e, schema) for e in project.events]


def _upcasters(project: Project, schema: str) -> str:
    from escodegen.upcast import sql_upcasters

    return sql_upcasters(project.events, schema).strip()


__all__ = ["FILE_HEADER", "RESERVED_COLUMNS", "RESERVED_TABLES", "citus_projection", "render"]
