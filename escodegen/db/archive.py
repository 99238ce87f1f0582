"""`escodegen migrate archive` and `migrate restore` against a database.

An archive writes the chosen streams' events to a file (escodegen/db/archive_file.py), then, in
one transaction: locks the streams, compares their rows with the file again, removes them and
leaves a tombstone per stream. A restore verifies the file against its manifest, then, in one
transaction: copies the lines back with every column as it was, compares the restored rows with
the file, and removes the tombstones. Killed at any point, the database is before or after
(one transaction), the file is complete or absent (written under `.partial` names, then
renamed), and running the same command again finishes the job.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from escodegen import __version__
from escodegen.db import archive_file
from escodegen.db.archive_file import ArchiveError
from escodegen.db.session import connect
from escodegen.emit.migrate.archive import RESTORE_LINES, RESTORE_TABLE, ArchiveSql

APPLICATION_NAME = "escodegen-archive"
"""The archive's and restore's sessions carry this name in pg_stat_activity."""
FETCH_ROWS = 5000
"""Rows per round trip when reading the archived streams' lines."""


@dataclass(frozen=True)
class Criteria:
    """Which streams: those of a category (stream id prefix `<category>-`) whose last event is
    older than `older_than`, or exactly `streams`."""

    category: str | None = None
    older_than: datetime.timedelta | None = None
    streams: tuple[str, ...] | None = None

    @property
    def prefix(self) -> str | None:
        if self.category is None:
            return None
        return self.category if self.category.endswith("-") else self.category + "-"

    def as_json(self) -> dict[str, Any]:
        return {"category": self.category,
                "older_than_seconds": (None if self.older_than is None
                                       else self.older_than.total_seconds()),
                "streams": None if self.streams is None else list(self.streams)}


@dataclass(frozen=True)
class Candidate:
    stream_id: str
    events: int
    last_version: int
    last_recorded_at: datetime.datetime


@dataclass(frozen=True)
class Outcome:
    """What a run did: `state` is `archived`, `restored`, `already archived`, `already
    restored` or `nothing to archive`."""

    state: str
    streams: int
    events: int
    manifest: dict[str, Any] | None = None


def candidates(dsn: str, sql: ArchiveSql, criteria: Criteria) -> list[Candidate]:
    with connect(dsn, APPLICATION_NAME) as conn:
        _prepare(conn, sql)
        return _candidates(conn, sql, criteria)


def archive(dsn: str, sql: ArchiveSql, criteria: Criteria, path: Path) -> Outcome:
    """Archive the streams `criteria` chooses into `path` (or, when a complete archive is
    there already, finish that one: its manifest says which streams)."""
    archive_file.checked_path(path)
    archive_file.discard_partial(path)
    manifest_path = archive_file.manifest_path(path)
    with connect(dsn, APPLICATION_NAME, autocommit=False) as conn:
        _prepare(conn, sql)
        conn.commit()
        if manifest_path.exists():
            manifest = archive_file.read_manifest(path)
        elif path.exists():
            raise ArchiveError("ES709", f"{path} exists and has no manifest: it is not an "
                                        "archive this command wrote; choose another file")
        else:
            chosen = _candidates(conn, sql, criteria)
            conn.commit()
            if not chosen:
                return Outcome("nothing to archive", 0, 0)
            streams = [c.stream_id for c in chosen]
            header = {"archive_id": str(uuid.uuid4()), "escodegen_version": __version__,
                      "created_at": archive_file.now(), "schema": sql.schema,
                      "criteria": criteria.as_json()}
            with conn.cursor(name="escodegen_archive_rows") as cursor:
                manifest = archive_file.write(path, _rows(cursor, sql, streams), header)
            conn.commit()
        archive_file.verify(path, manifest)
        return _remove(conn, sql, path, manifest)


def restore(dsn: str, sql: ArchiveSql, path: Path) -> Outcome:
    """Bring back the streams of the archive at `path`, identical, and remove their tombstones;
    an archive restored already is left as it is."""
    manifest = archive_file.read_manifest(path)
    archive_file.verify(path, manifest)
    streams = sorted(manifest["streams"])
    archive_id = manifest["archive_id"]
    with connect(dsn, APPLICATION_NAME, autocommit=False) as conn:
        _prepare(conn, sql)
        tombstones = _lock(conn, sql, streams)
        if not tombstones and _database_sums(conn, sql, streams) == manifest["streams"]:
            return Outcome("already restored", len(streams), int(manifest["events"]), manifest)
        for stream in streams:
            found = tombstones.get(stream)
            if found is None or found[0] != archive_id:
                where = ("has no tombstone" if found is None
                         else f"is archived in another archive, {found[1]}")
                raise ArchiveError("ES711", f"stream {_quoted(stream)} {where}: nothing "
                                            "restored")
        conn.execute(f"create temporary table {RESTORE_TABLE} "
                     "(n bigint not null, line text not null) on commit drop")
        with conn.cursor().copy(f"copy {RESTORE_LINES} (n, line) from stdin") as copy:
            for n, line in enumerate(archive_file.read_lines(path), 1):
                copy.write_row((n, line))
        restored = _scalar(conn, f"select {sql.function('restore_streams')}(%s, %s)",
                           (archive_id, streams))
        archive_file.compare(_database_sums(conn, sql, streams), manifest["streams"],
                             "the restored rows and the archive")
        conn.commit()
        return Outcome("restored", len(streams), int(restored), manifest)


def _remove(conn: psycopg.Connection[Any], sql: ArchiveSql, path: Path,
            manifest: dict[str, Any]) -> Outcome:
    """The one transaction that removes the archived streams, after comparing them with the
    file once more under the streams' locks."""
    streams = sorted(manifest["streams"])
    archive_id = manifest["archive_id"]
    tombstones = _lock(conn, sql, streams)
    if tombstones and all(t[0] == archive_id for t in tombstones.values()) \
            and len(tombstones) == len(streams):
        conn.rollback()
        return Outcome("already archived", len(streams), int(manifest["events"]), manifest)
    if tombstones:
        stream = min(tombstones)
        raise ArchiveError("ES711", f"stream {_quoted(stream)} is archived already, in "
                                    f"{tombstones[stream][1]}: nothing removed")
    archive_file.compare(_database_sums(conn, sql, streams), manifest["streams"],
                         f"the database and {path.name}", code="ES711")
    removed = _scalar(conn, f"select {sql.function('archive_streams')}(%s, %s, %s)",
                      (archive_id, path.name, streams))
    conn.commit()
    return Outcome("archived", len(streams), int(removed), manifest)


def _prepare(conn: psycopg.Connection[Any], sql: ArchiveSql) -> None:
    """The archive's functions (created again each run: the same text); ES712 when the store
    predates archives."""
    row = conn.execute("select pg_catalog.to_regclass(%s)", (sql.tombstones,)).fetchone()
    if row is None or row[0] is None:
        conn.rollback()
        raise ArchiveError("ES712", f"{sql.tombstones} does not exist: the store was created by "
                                    "an escodegen without archives")
    conn.execute(sql.definitions())


def _candidates(conn: psycopg.Connection[Any], sql: ArchiveSql,
                criteria: Criteria) -> list[Candidate]:
    before = None if criteria.older_than is None else \
        datetime.datetime.now(datetime.UTC) - criteria.older_than
    rows = conn.execute(
        f"select * from {sql.function('archive_candidates')}(%s, %s, %s)",
        (criteria.prefix, before, None if criteria.streams is None else list(criteria.streams)),
    ).fetchall()
    return [Candidate(str(r[0]), int(r[1]), int(r[2]), r[3]) for r in rows]


def _lock(conn: psycopg.Connection[Any], sql: ArchiveSql,
          streams: list[str]) -> dict[str, tuple[str, str]]:
    """Lock the streams; their tombstones: stream -> (archive id, archive file)."""
    rows = conn.execute(f"select * from {sql.function('lock_archived')}(%s)",
                        (streams,)).fetchall()
    return {str(s): (str(a), str(f)) for s, a, f in rows}


def _database_sums(conn: psycopg.Connection[Any], sql: ArchiveSql,
                   streams: list[str]) -> dict[str, Any]:
    with conn.cursor(name="escodegen_archive_check") as cursor:
        return archive_file.sums_json(archive_file.sums(_rows(cursor, sql, streams)))


def _rows(cursor: psycopg.ServerCursor[Any], sql: ArchiveSql,
          streams: list[str]) -> Iterator[archive_file.Row]:
    """The streams' archive lines from the database, fetched a batch at a time."""
    cursor.itersize = FETCH_ROWS
    cursor.execute(f"select * from {sql.function('archive_rows')}(%s)", (streams,))
    for stream, position, line in cursor:
        yield str(stream), int(position), str(line)


def _scalar(conn: psycopg.Connection[Any], query: str, params: tuple[Any, ...]) -> Any:
    row = conn.execute(query, params).fetchone()
    return None if row is None else row[0]


def _quoted(stream: str) -> str:
    return json.dumps(stream)
