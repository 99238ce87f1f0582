"""A purge meeting a lock another session keeps (a writer left idle in its transaction) gives
up after its lock timeout, names the sessions holding the store's tables, and changes
nothing; before, `migrate purge --dsn` waited without a word for as long as the lock was held."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest

from escodegen.diagnostics import Report
from escodegen.emit.migrate.purge import plan_purge
from escodegen.model import Project
from tests.migrate.conftest import apply_file
from tests.migrate.test_purge import audit_rows, content, purge_command, seed


def _idle_writer(store: str) -> psycopg.Connection[tuple[object, ...]]:
    """A session that took the lock an append takes on the events table and then sits idle in
    its transaction, as a client that crashed between two statements leaves it."""
    writer = psycopg.connect(store, application_name="idle writer")
    writer.execute("lock table es.events in row exclusive mode")
    return writer


def test_a_purge_gives_up_naming_the_session_holding_a_lock(store: str) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        subject = seed(conn)
    before = content(store)
    with _idle_writer(store) as writer:
        result = purge_command(store, "--subject", subject, "--lock-timeout", "1s")
        assert result.exit_code == 1, result.output
        assert "error ES714: another session held a table the purge writes for longer than " \
               "the lock timeout (1s): nothing was purged" in result.output
        assert f"held by pid {writer.info.backend_pid} (role " in result.output
        assert "application 'idle writer', idle in transaction" in result.output
        assert "hint: Run the purge again; end a session left idle" in result.output
        writer.rollback()
    assert content(store) == before and audit_rows(store) == 0
    retried = purge_command(store, "--subject", subject, "--lock-timeout", "1s")
    assert retried.exit_code == 0, retried.output
    assert audit_rows(store) == 1


def test_the_purge_file_gives_up_with_the_same_message(store: str, shop_project: Project,
                                                       tmp_path: Path) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        subject = seed(conn)
    plan = plan_purge(shop_project, Report())
    assert plan is not None
    purge_file = tmp_path / "purge.sql"
    purge_file.write_text(plan.file(subject, lock_timeout="1s"))
    with _idle_writer(store) as writer:
        with pytest.raises(subprocess.CalledProcessError) as failed:
            apply_file(store, purge_file)
        assert f"held by pid {writer.info.backend_pid} (role " in failed.value.stderr
    assert "the lock timeout (1s): nothing was purged" in failed.value.stderr
    assert audit_rows(store) == 0
    apply_file(store, purge_file)
    assert audit_rows(store) == 1


@pytest.mark.parametrize(("value", "message"), [
    ("soon", "is not a duration"),
    ("1s'; drop table es.events; --", "is not a duration"),
    ("", "is not a duration"),
    ("25d", "longer than PostgreSQL waits for a lock"),
    ("9999999999w", "is not a duration"),
])
def test_a_lock_timeout_that_is_no_duration_is_refused(store: str, value: str,
                                                       message: str) -> None:
    before = content(store)
    result = purge_command(store, "--subject", "8d9c4f43-0d0f-4a53-9a57-7e1f4b0e8f11",
                           "--lock-timeout", value)
    assert result.exit_code == 2, result.output
    assert "--lock-timeout" in result.output and message in result.output
    assert content(store) == before
