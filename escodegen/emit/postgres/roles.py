"""`postgres.roles`: the privileges of the declared roles, as `005_roles.sql`.

What each role may touch is listed here, object by object (qualified names and function
signatures of the other files' objects), so the grants are exactly these and nothing in the
schema is granted by a wildcard. The signatures are those of templates/postgres/*.sql.j2 and
the upcasters; applying the file (tests/emit_postgres/test_roles.py) proves they match.
"""

from __future__ import annotations

from dataclasses import dataclass

from escodegen.emit.postgres.validation import validation_sql
from escodegen.model import Project
from escodegen.model.sqlnames import (
    ProjectionNames,
    upcast_function,
    upcast_operation_function,
    upcast_step_function,
)
from escodegen.sqltext import ident, literal

FILE = "005_roles.sql"
"""After every other file of the target (`004_projection_*`), whose objects it grants on."""

APPEND = (("append_to_stream", "text, bigint, jsonb"), ("append_to_streams", "jsonb"))
"""The append functions: the only way in for the writer (security definer)."""
READ_FUNCTIONS = (("stream_version", "text"), ("read_stream", "text, bigint, integer"),
                  ("read_all", "xid8, bigint, integer, text[], text"),
                  ("load_snapshot", "text, integer"), ("upcast", "text, integer, jsonb"),
                  ("projection_status", "text"), ("projection_caught_up", "text, bigint"),
                  ("store_stats", ""), ("refuse_archived_stream", "text"))
READ_TABLES = ("events", "events_latest", "streams", "event_registry", "snapshots", "checkpoints",
               "projection_status", "store_stats", "projection_failures", "archived_streams")
STORE_WRITES = (("snapshots", "insert, update"), ("checkpoints", "insert, update"),
                ("projection_failures", "insert, update, delete"))
"""Besides appends (through the append function only), what the writer changes: its
aggregates' snapshots, its subscribers' and projections' checkpoints, and the events its
projections skipped (recorded by catch-up, removed by retry)."""


@dataclass(frozen=True)
class Grant:
    privileges: str
    kind: str
    """`table` or `function`."""
    objects: tuple[str, ...]
    """Qualified names; `name(args)` for functions."""


@dataclass(frozen=True)
class RolesSql:
    declared: tuple[str, ...]
    """The role names as SQL string literals, for the check that they exist."""
    writer: str | None
    reader: str | None
    migrator: str | None
    migrator_literal: str | None
    append: tuple[str, ...]
    """`S.append_to_stream(text, bigint, jsonb)`, `S.append_to_streams(jsonb)`."""
    events_tables: str
    """The store's tables nobody but the migrator may change directly."""
    read: tuple[Grant, ...]
    write: tuple[Grant, ...]


def roles_sql(project: Project) -> RolesSql | None:
    """The context of roles.sql.j2, or None when `postgres.roles` declares no role."""
    if project.postgres is None or not project.postgres.roles.declared:
        return None
    schema = project.postgres.schema
    roles = project.postgres.roles

    def function(name: str, args: str) -> str:
        return f"{ident(schema, name)}({args})"

    upcasters = [function(name, args) for name, args in _upcast_functions(project)]
    # the payload validators (verify-store runs them as the reader; PostgreSQL checks EXECUTE
    # on every function it inlines)
    validation = validation_sql(project.events, schema)
    upcasters += [f"{validation.dispatch}(text, integer, jsonb)"]
    upcasters += [f"{f.name}(jsonb)" for f in validation.functions]
    upcasters += [f"{f.name}(jsonb, text)" for f in validation.items]
    upcasters += [f"{validation.valid_dispatch}(text, integer, jsonb)",
                  f"{validation.fits}(text, integer, jsonb)"]
    upcasters += [f"{f.name}(jsonb)" for f in validation.valid_functions]
    upcasters += [f"{f.name}(jsonb)" for f in validation.valid_items]
    projections = [ProjectionNames.of(p.name) for p in project.projections]
    read = (
        Grant("select", "table", tuple(ident(schema, t) for t in READ_TABLES)
              + tuple(ident(schema, p.table) for p in projections)),
        Grant("execute", "function", tuple(function(n, a) for n, a in READ_FUNCTIONS) + tuple(upcasters)),
    )
    write = (
        Grant("execute", "function", (*(function(*f) for f in APPEND), function("save_snapshot",
                                                      "text, integer, bigint, jsonb"),
                                      function("replace_snapshot",
                                               "text, integer, bigint, jsonb, bigint"))
              + tuple(function(p.function("catch_up"), "integer") for p in projections)
              + tuple(function(p.function("apply"), ident(schema, "events"))
                      for p in projections)
              + tuple(function(p.function("retry"), "") for p in projections)
              + tuple(function(p.function("catch_up_part"),
                               "integer, integer, integer, xid8, bigint") for p in projections)
              + tuple(function(p.function("partition"), "integer") for p in projections)),
        *(Grant(privileges, "table", (ident(schema, table),)) for table, privileges in STORE_WRITES),
        *((Grant("insert, update, delete", "table", tuple(ident(schema, p.table) for p in projections)),)
          if projections else ()),
    )
    return RolesSql(
        declared=tuple(literal(r) for r in roles.declared),
        writer=None if roles.writer is None else ident(roles.writer),
        reader=None if roles.reader is None else ident(roles.reader),
        migrator=None if roles.migrator is None else ident(roles.migrator),
        migrator_literal=None if roles.migrator is None else literal(roles.migrator),
        append=tuple(function(*f) for f in APPEND),
        events_tables=", ".join(ident(schema, t) for t in ("events", "streams", "event_registry",
                                                                 "archived_streams")),
        read=read,
        write=write,
    )


def _upcast_functions(project: Project) -> list[tuple[str, str]]:
    """Every upcast function (escodegen.upcast.sql_module) but the dispatcher: a reader of
    `events_latest` calls them, and PostgreSQL checks EXECUTE on each."""
    functions = []
    for event in project.events:
        for version in event.versions[1:]:
            functions += [(upcast_operation_function(event.name, version.number, index), "jsonb")
                          for index in range(1, len(version.upcast) + 1)]
            functions.append((upcast_step_function(event.name, version.number), "jsonb"))
        functions.append((upcast_function(event.name), "jsonb, integer"))
    return functions
