"""The Python-driven run of an events rewrite: the same SQL as the migration file, called
batch by batch from here so a progress bar can follow it.

Every batch is its own transaction (autocommit), exactly as the file's `run` procedure
commits after each; killing this process, or its database session, at any point leaves the
run resumable by starting it again. On a Citus cluster (`run_on_cluster`) the rewrite is one
distributed transaction instead: a killed run leaves nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg

from escodegen.db.session import connect
from escodegen.emit.migrate.events import EventsMigration
from escodegen.emit.migrate.purge import LOCK_TIMEOUT, PurgePlan
from escodegen.sqltext import ident

APPLICATION_NAME = "escodegen-migrate"
"""The runner's sessions carry this name in pg_stat_activity."""

Progress = Callable[[int], AbstractContextManager[Callable[[int], None]]]
"""Given the number of events to copy, a context giving a callback `advance(n)`."""


Waiting = Callable[[list[int]], None]
"""Told, before a run waits for its turn, the pids of the sessions of the run it waits for."""


def wait_silently(pids: list[int]) -> None:
    pass


@dataclass(frozen=True)
class Outcome:
    copied: int
    backup_table: str | None


def _connect(dsn: str, autocommit: bool = True) -> AbstractContextManager[psycopg.Connection[Any]]:
    return connect(dsn, APPLICATION_NAME, autocommit)


@contextmanager
def no_progress(total: int) -> Iterator[Callable[[int], None]]:
    yield lambda n: None


def dry_run(dsn: str, migration: EventsMigration) -> list[dict[str, Any]]:
    """Per event type and stored version: how many events would change, and an example."""
    with _connect(dsn) as conn:
        cursor = conn.execute(migration.dry_run_query())
        names = [d.name for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def dry_run_invalid(dsn: str, migration: EventsMigration) -> list[dict[str, Any]]:
    """The first events whose rewrite the latest declaration rejects (`invalid`: how many)."""
    with _connect(dsn) as conn:
        cursor = conn.execute(migration.dry_run_invalid_query())
        names = [d.name for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def run(dsn: str, migration: EventsMigration, batch_size: int = 10000, swap: bool = True,
        progress: Progress = no_progress, waiting: Waiting = wait_silently) -> Outcome:
    with _connect(dsn) as conn:
        _stop_when_orphaned(conn)
        # One run at a time: a restart waits for a killed client's session to finish.
        _one_at_a_time(conn, migration.lock_key, waiting)
        conn.execute(migration.definitions())
        _scalar(conn, f"select {migration.function('start')}()")
        total = _scalar(conn, f"""
            select count(*) from {_events(migration)}
             where global_position > (select copied_upto from {_runs(migration)}
                                       where migration_id = %s and status = 'copying')""",
                        (migration.id,))
        copied = 0
        with progress(int(total)) as advance:
            while True:
                count = int(_scalar(conn, f"select {migration.function('step')}(%s)",
                                    (batch_size,)))
                if count == 0:
                    break
                copied += count
                advance(count)
        conn.execute(f"select {migration.function('prepare')}()")
        # The swap itself tries a few times for its locks (see escodegen_lock_for_exchange).
        backup = str(_scalar(conn, f"select {migration.function('swap')}()")) if swap else None
        return Outcome(copied, backup)


@dataclass(frozen=True)
class ShardCheck:
    """One check of one shard's rewrite on a Citus cluster."""

    shard_id: int
    node: str
    name: str
    ok: bool
    detail: str


def run_on_cluster(dsn: str, migration: EventsMigration, swap: bool = True,
                   waiting: Waiting = wait_silently) -> tuple[Outcome, list[ShardCheck]]:
    """The rewrite on a Citus cluster: every shard rewritten in place on its worker and
    verified, in one distributed transaction, kept only when every shard's checks pass (else
    ESMIG, nothing changed). Without `swap` the rewrite is verified and rolled back. The
    outcome (events rewritten, the backup table when kept) and each shard's checks."""
    with _connect(dsn) as conn:
        _one_at_a_time(conn, migration.lock_key, waiting)
        conn.execute(migration.definitions())
        if swap:
            backup = str(_scalar(conn, f"select {migration.function('swap')}()"))
            copied = _scalar(conn, f"select copied from {_runs(migration)} where migration_id = %s",
                             (migration.id,))
            return Outcome(int(copied), backup), _shard_checks(conn, migration)
        with conn.transaction(force_rollback=True):
            copied = _scalar(conn, f"select {migration.function('rewrite')}()")
            checks = _shard_checks(conn, migration)
        return Outcome(int(copied), None), checks


def _shard_checks(conn: psycopg.Connection[Any], migration: EventsMigration) -> list[ShardCheck]:
    rows = conn.execute(f"select * from {migration.function('verify_shards')}()").fetchall()
    return [ShardCheck(int(shard), str(node), str(name), bool(ok), str(detail))
            for shard, node, name, ok, detail in rows]


def dry_run_shards(dsn: str, migration: EventsMigration) -> list[dict[str, Any]]:
    """On a Citus cluster: per shard, its worker, its events, those the rewrite would change
    and those of them the latest declaration would reject."""
    with _connect(dsn) as conn:
        cursor = conn.execute(migration.dry_run_shards_query())
        names = [d.name for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def verify(dsn: str, migration: EventsMigration) -> list[tuple[str, bool, str]]:
    with _connect(dsn) as conn:
        rows = conn.execute(f"select * from {migration.function('verify')}()").fetchall()
        return [(str(name), bool(ok), str(detail)) for name, ok, detail in rows]


def rollback(dsn: str, migration: EventsMigration, waiting: Waiting = wait_silently) -> str:
    with _connect(dsn) as conn:
        _one_at_a_time(conn, migration.lock_key, waiting)
        conn.execute(migration.definitions())
        return str(_scalar(conn, f"select {migration.function('rollback')}()"))


def _one_at_a_time(conn: psycopg.Connection[Any], lock_key: str, waiting: Waiting) -> None:
    """Takes the advisory lock `lock_key` (a SQL bigint expression) that lets one run at a
    time: for the session in autocommit, else for the transaction. When another run holds it,
    `waiting` is told its sessions first, so a run behind another does not wait unexplained."""
    scope = "" if conn.autocommit else "xact_"
    if _scalar(conn, f"select pg_catalog.pg_try_advisory_{scope}lock({lock_key})"):
        return
    # pg_locks shows a bigint advisory key as its high and low halves (objsubid 1).
    holders = [int(row[0]) for row in conn.execute(f"""
        select pid from pg_catalog.pg_locks
         where locktype = 'advisory' and granted and objsubid = 1
           and database = (select oid from pg_catalog.pg_database
                            where datname = pg_catalog.current_database())
           and ((classid::bigint << 32) | objid::bigint) = {lock_key}
         order by pid""")]
    if holders:
        waiting(holders)
    conn.execute(f"select pg_catalog.pg_advisory_{scope}lock({lock_key})")


def _stop_when_orphaned(conn: psycopg.Connection[Any]) -> None:
    """A killed runner's session then stops its batch within a second instead of running on
    (PostgreSQL 14+ where the platform supports it)."""
    try:
        conn.execute("set client_connection_check_interval = '1s'")
    except psycopg.Error:
        pass


def _events(migration: EventsMigration) -> str:
    return ident(migration.schema, "events")


def _runs(migration: EventsMigration) -> str:
    return ident(migration.schema, "escodegen_migrations")


def _scalar(conn: psycopg.Connection[Any], query: str, params: tuple[Any, ...] = ()) -> Any:
    row = conn.execute(query, params).fetchone()
    return None if row is None else row[0]


def purge(dsn: str, plan: PurgePlan, subject: str, allow_no_match: bool = False,
          dry_run: bool = False, lock_timeout: str = LOCK_TIMEOUT,
          waiting: Waiting = wait_silently) -> tuple[str, dict[str, Any]]:
    """Runs the purge in one transaction; the audit row's id and its counts. A dry run rolls
    it all back (its counts are what the purge would write; the id is never kept). A lock
    held longer than `lock_timeout` by another session ends it (SQLSTATE ESLCK)."""
    with _connect(dsn, autocommit=False) as conn:
        # Purges started together queue here: the second would otherwise fail on the first's
        # uncommitted (re)creation of the same table and functions.
        _one_at_a_time(conn, plan.lock_key, waiting)
        conn.execute(plan.definitions())
        purge_id = _scalar(conn, f"select {plan.function}(%s, %s, %s)",
                           (subject, allow_no_match, lock_timeout))
        counts = _scalar(conn, f"select counts from {plan.audit_table} where purge_id = %s",
                         (purge_id,))
        if dry_run:
            conn.rollback()
        return str(purge_id), dict(counts)
