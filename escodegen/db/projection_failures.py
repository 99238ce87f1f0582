"""`escodegen projections failures` and `retry`: the stored events projections skipped
(`on_error: skip`, recorded in `projection_failures` of 001_event_store.sql), listed, and
applied again by each projection's `retry_<projection>()` (004_projection_<p>.sql)."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import asdict, dataclass
from typing import Any

import psycopg
from psycopg.rows import class_row

from escodegen.db.session import connect
from escodegen.model.sqlnames import RESERVED_TABLE_SUFFIXES, ProjectionNames
from escodegen.printable import escape
from escodegen.sqltext import ident

APPLICATION_NAME = "escodegen-projections"
REBUILD_SUFFIX = RESERVED_TABLE_SUFFIXES[0]
"""The checkpoint (and failures) of a rebuild in progress: `<projection>__rebuild`."""


@dataclass(frozen=True)
class Failure:
    projection: str
    global_position: int
    event_id: uuid.UUID
    stream_id: str
    stream_position: int
    event_type: str
    event_version: int
    sqlstate: str
    error: str
    failed_at: datetime.datetime
    attempts: int


@dataclass(frozen=True)
class Retried:
    projection: str
    global_position: int
    event_id: uuid.UUID
    applied: bool
    error: str | None


class NoRetryFunction(Exception):
    """The database has failures of a projection whose retry function it lacks."""


class UnknownProjection(Exception):
    """`--projection` names no projection of the store (a typo lists nothing otherwise)."""


def check_projection(conn: psycopg.Connection[Any], schema: str, projection: str | None) -> None:
    """Raise UnknownProjection unless `projection` (when given) has its retry function in
    `schema`, naming the projections that have one."""
    if projection is None:
        return
    name = projection_name(projection)
    retry = ProjectionNames(name).function("retry")
    (found,) = conn.execute("select to_regproc(%s) is not null",
                            (ident(schema, retry),)).fetchone() or (False,)
    if found:
        return
    prefix = ProjectionNames("").function("retry")
    known = [row[0].removeprefix(prefix) for row in conn.execute(
        "select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace"
        " where n.nspname = %s and starts_with(p.proname, %s) and p.pronargs = 0"
        " order by p.proname", (schema, prefix))]
    raise UnknownProjection(
        f"no projection {projection} in schema {schema} (no function "
        f"{ident(schema, retry)}: check the name, or apply its 004_projection_{name}.sql); "
        + (f"the projections there: {', '.join(known)}" if known
           else "it has no projection"))


def projection_name(declared: str) -> str:
    """The name a projection's checkpoint and failures go by (its table's name)."""
    return ProjectionNames.of(declared).base


def read_failures(dsn: str, schema: str, projection: str | None = None) -> list[Failure]:
    """Every recorded failure (of one projection, by its declared or table name), by
    projection and position."""
    query = (
        "select projection, global_position, event_id, stream_id, stream_position, event_type,"
        " event_version, sqlstate, error, failed_at, attempts from "
        f"{ident(schema, 'projection_failures')}"
        " where %(p)s::text is null or projection in (%(p)s, %(p)s || %(rebuild)s)"
        " order by projection, global_position")
    params = {"p": None if projection is None else projection_name(projection),
              "rebuild": REBUILD_SUFFIX}
    with connect(dsn, APPLICATION_NAME) as conn:
        check_projection(conn, schema, projection)
        with conn.cursor(row_factory=class_row(Failure)) as cursor:
            return cursor.execute(query, params).fetchall()


def retry_failures(dsn: str, schema: str, projection: str | None = None) -> list[Retried]:
    """Each projection's recorded failures applied again by its `retry_<projection>()`, one
    transaction per projection. A rebuild's failures are left to the rebuild."""
    names_query = (f"select distinct projection from {ident(schema, 'projection_failures')}"
                   " order by projection")
    retried: list[Retried] = []
    with connect(dsn, APPLICATION_NAME, autocommit=False) as conn:
        check_projection(conn, schema, projection)
        names = [name for (name,) in conn.execute(names_query)
                 if not name.endswith(REBUILD_SUFFIX)]
        conn.commit()
        if projection is not None:
            names = [n for n in names if n == projection_name(projection)]
        for name in names:
            retried += _retry(conn, schema, name)
    return retried


def _retry(conn: psycopg.Connection[Any], schema: str, name: str) -> list[Retried]:
    function = ident(schema, ProjectionNames(name).function("retry"))
    query = f"select global_position, event_id, applied, error from {function}()"
    try:
        with conn.transaction():
            rows = conn.execute(query).fetchall()
    except psycopg.errors.UndefinedFunction:
        raise NoRetryFunction(
            f"projection {name} has failures but no function {function}: "
            f"apply its generated SQL (004_projection_{name}.sql)") from None
    return [Retried(name, *row) for row in rows]


def failures_json(failures: list[Failure]) -> list[dict[str, Any]]:
    return [{**asdict(f), "event_id": str(f.event_id), "failed_at": f.failed_at.isoformat()}
            for f in failures]


def failures_text(failures: list[Failure]) -> str:
    """The failures for a terminal; what the database holds (stream ids, event types, error
    text quoting payload values) is `escape`d, so no stored value starts a line of its own."""
    if not failures:
        return "no failures recorded"
    lines = []
    for f in failures:
        lines.append(f"{escape(f.projection)}  global position {f.global_position}  "
                     f"{escape(f.stream_id)}:{f.stream_position}  {escape(f.event_type)} version "
                     f"{f.event_version}  id {f.event_id}")
        lines.append(f"    {escape(f.sqlstate)}: {escape(f.error)}")
        lines.append(f"    failed at {f.failed_at.isoformat()}, {f.attempts} attempt"
                     f"{'s' if f.attempts != 1 else ''}")
    return "\n".join(lines)


def retried_text(retried: list[Retried]) -> str:
    lines = [f"{escape(r.projection)}  global position {r.global_position}  id {r.event_id}  "
             + ("applied" if r.applied else f"still fails: {escape(str(r.error))}")
             for r in retried]
    applied = sum(r.applied for r in retried)
    lines.append(f"retried {len(retried)}: {applied} applied, {len(retried) - applied} "
                 "still failing")
    return "\n".join(lines)
