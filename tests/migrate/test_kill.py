"""A run killed at random points and started again ends exactly as an uninterrupted one.

Each run migrates its own copy of one seeded database (CREATE DATABASE ... TEMPLATE, so
positions, times and transaction ids are the same everywhere) and is killed one to three
times at a random moment: SIGKILL of the Python runner's process, SIGKILL of a `psql`
applying the migration file, or pg_terminate_backend of the runner's session. Then it is
started again until it finishes, and every row is compared with the uninterrupted run's.
ESCODEGEN_KILL_RUNS sets the number of runs (default 20).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from devtools import shop_history
from devtools.postgres import fresh_database
from escodegen.db import runner
from escodegen.emit.migrate.events import EventsMigration
from tests.conftest import EXAMPLES
from tests.migrate.conftest import psql
from tests.migrate.test_events import rows

RUNS = int(os.environ.get("ESCODEGEN_KILL_RUNS", "20"))
BATCH = 20


def clone(admin_dsn: str, template_dsn: str, label: str) -> Any:
    """A database created from the seeded one (a context manager yielding its DSN)."""
    template = psycopg.conninfo.conninfo_to_dict(template_dsn)["dbname"]
    database = fresh_database(admin_dsn, label)
    dsn = database.__enter__()
    name = psycopg.conninfo.conninfo_to_dict(dsn)["dbname"]
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'drop database "{name}"')
        conn.execute(f'create database "{name}" template "{template}"')
    return database, dsn


def state(dsn: str, migration: EventsMigration) -> tuple[Any, ...]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        runs = conn.execute("select migration_id, status, copied_upto, copied, "
                            "left(backup_table, length(backup_table) - 8), swap_position "
                            "from es.escodegen_migrations").fetchall()
        tables = conn.execute("select tablename from pg_tables where schemaname = 'es' "
                              "and tablename like 'events%' order by 1").fetchall()
        return runs, [t[:-8] if "before" in t else t for (t,) in tables], rows(conn, "events")


def check_consistent(dsn: str, migration: EventsMigration) -> str:
    """After a kill: the standby holds exactly the events the progress row says were copied.
    Returns where the kill hit: not started, copying (part-way) or swapped."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        if conn.execute("select to_regclass('es.escodegen_migrations')").fetchone() == (None,):
            return "not started"  # killed before it created anything
        # One statement, one snapshot: a killed psql's session may still be running (and
        # even swap the standby away meanwhile: its end state is checked at the end).
        try:
            found = conn.execute(
                f"select r.status, r.copied, r.copied_upto, s.n, s.top "
                f"from es.escodegen_migrations r, (select count(*) as n, "
                f"coalesce(max(global_position), 0) as top from es.{migration.standby_table}) s"
            ).fetchone()
        except psycopg.errors.UndefinedTable:
            return "swapped"
        if found is None:
            return "not started"
        if found[0] == "copying":
            assert found[1:3] == found[3:5]
            return "copying" if 0 < found[1] < 5000 else "not started or at the end"
        return str(found[0])


def kill_runner_process(dsn: str, delay: float) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "escodegen", "-C", str(EXAMPLES / "shop"), "migrate", "events",
         "--dsn", dsn, "--batch-size", str(BATCH)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_session(dsn, runner.APPLICATION_NAME, lambda: process.poll() is None)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()


def kill_psql(dsn: str, delay: float, migration_file: Path) -> None:
    process = subprocess.Popen([psql(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f",
                                str(migration_file), dsn],
                               env={**os.environ, "PGAPPNAME": "escodegen-psql"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_session(dsn, "escodegen-psql", lambda: process.poll() is None)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()


def terminate_backend(dsn: str, delay: float, migration: EventsMigration) -> None:
    failures: list[BaseException] = []

    def migrate() -> None:
        try:
            runner.run(dsn, migration, batch_size=BATCH)
        except psycopg.OperationalError as error:
            failures.append(error)

    thread = threading.Thread(target=migrate)
    thread.start()
    wait_for_session(dsn, runner.APPLICATION_NAME, thread.is_alive)
    time.sleep(delay)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("select pg_terminate_backend(pid) from pg_stat_activity "
                     "where application_name = %s and datname = current_database()",
                     (runner.APPLICATION_NAME,))
    thread.join()


def wait_for_session(dsn: str, application: str, running: Callable[[], bool]) -> None:
    """Until the client has a session (or has already finished)."""
    deadline = time.monotonic() + 20
    with psycopg.connect(dsn, autocommit=True) as conn:
        while time.monotonic() < deadline:
            if conn.execute("select exists (select from pg_stat_activity where "
                            "application_name = %s and datname = current_database())",
                            (application,)).fetchone() == (True,):
                return
            if not running():
                return
            time.sleep(0.01)
    raise AssertionError(f"{application} never connected")


def test_a_killed_run_resumes_and_ends_as_an_uninterrupted_one(
        pg_server: str, store: str, shop_migration: EventsMigration, tmp_path: Path) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        shop_history.load(conn, shop_history.history(seed=13, customers=600))
    migration_file = tmp_path / "migrate.sql"
    migration_file.write_text(shop_migration.file(batch_size=BATCH))

    database, reference = clone(pg_server, store, "reference")
    started = time.monotonic()
    runner.run(reference, shop_migration, batch_size=BATCH)
    duration = time.monotonic() - started
    expected = state(reference, shop_migration)
    database.__exit__(None, None, None)
    assert expected[0][0][1] == "swapped"

    hits: list[str] = []
    r = random.Random(2024)
    kinds = ["runner process", "psql", "backend"]
    # Where a kill lands depends on timing: on a loaded machine fewer land mid-copy, so the
    # runs go on (at most three times as many) until enough have.
    run = 0
    while run < RUNS or (hits.count("copying") < RUNS // 4 and run < 3 * RUNS):
        database, dsn = clone(pg_server, store, f"kill{run}")
        try:
            for _ in range(r.randint(1, 3)):
                kind = kinds[(run + _) % 3]
                delay = r.uniform(0, duration)
                if kind == "runner process":
                    kill_runner_process(dsn, delay)
                elif kind == "psql":
                    kill_psql(dsn, delay, migration_file)
                else:
                    terminate_backend(dsn, delay, shop_migration)
                hits.append(check_consistent(dsn, shop_migration))
            runner.run(dsn, shop_migration, batch_size=BATCH)
            assert state(dsn, shop_migration) == expected, f"run {run} differs"
        finally:
            database.__exit__(None, None, None)
        run += 1
    # the kills did hit runs part-way, not only before or after them
    assert hits.count("copying") >= RUNS // 4, hits
