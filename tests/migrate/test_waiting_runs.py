"""A run behind another (a second purge, a restarted `migrate events` while the killed one's
session still runs) says whose run it waits for, then runs; before, it waited without a word
on the advisory lock that lets one run at a time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
from click.testing import CliRunner, Result

from devtools import shop_history
from escodegen.cli import cli
from escodegen.diagnostics import Report
from escodegen.emit.migrate.events import EventsMigration
from escodegen.emit.migrate.purge import plan_purge
from escodegen.model import Project
from tests.conftest import EXAMPLES
from tests.migrate.test_purge import audit_rows, seed


def _run_behind(store: str, lock_key: str, transaction: bool, args: list[str]) -> Result:
    """`escodegen <args>` started while another session holds `lock_key` (for its
    transaction or its session), which it lets go once the command waits for it."""
    results: list[Result] = []

    def command() -> None:
        results.append(CliRunner().invoke(cli, ["-C", str(EXAMPLES / "shop"), *args]))

    with psycopg.connect(store, autocommit=not transaction) as holder:
        scope = "xact_" if transaction else ""
        holder.execute(f"select pg_advisory_{scope}lock({lock_key})")
        worker = threading.Thread(target=command)
        worker.start()
        _until(lambda conn: conn.execute(
            "select count(*) from pg_stat_activity where wait_event = 'advisory'"
        ).fetchone() == (1,), store)
        holder_pid = holder.info.backend_pid
        if transaction:
            holder.commit()
        else:
            holder.execute(f"select pg_advisory_unlock({lock_key})")
        worker.join(timeout=120)
    assert results, "the command did not end"
    assert f"session pid {holder_pid};" in results[0].stderr
    return results[0]


def _until(condition: Callable[[psycopg.Connection[Any]], bool], dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for _ in range(600):
            if condition(conn):
                return
            time.sleep(0.05)
    raise AssertionError("the command never waited for the lock")


def test_a_purge_behind_another_says_so_then_purges(store: str, shop_project: Project) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        subject = seed(conn)
    plan = plan_purge(shop_project, Report())
    assert plan is not None
    result = _run_behind(store, plan.lock_key, True,
                         ["migrate", "purge", "--subject", subject, "--dsn", store])
    assert result.exit_code == 0, result.output
    assert "waiting for another purge of this store to end first (session pid " in result.stderr
    assert audit_rows(store) == 1


def test_a_rewrite_behind_another_run_says_so_then_runs(store: str,
                                                         shop_migration: EventsMigration) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        shop_history.load(conn, shop_history.history(seed=29, customers=20))
    result = _run_behind(store, shop_migration.lock_key, False,
                         ["migrate", "events", "--dsn", store, "--batch-size", "50"])
    assert result.exit_code == 0, result.output
    assert (f"waiting for another run of migration {shop_migration.id} to end first "
            "(session pid ") in result.stderr
    assert "verified and swapped" in result.stdout


def test_a_run_with_nobody_ahead_says_nothing_of_waiting(store: str) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        subject = seed(conn)
    result = CliRunner().invoke(cli, ["-C", str(EXAMPLES / "shop"), "migrate", "purge",
                                      "--subject", subject, "--dsn", store])
    assert result.exit_code == 0, result.output
    assert "waiting" not in result.output
