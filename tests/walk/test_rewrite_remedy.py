"""`migrate events` refusing rewritten payloads that do not fit the latest declaration, on a
real PostgreSQL: the remedy its message gives works. Repairing the stored events and running
the same migration again fails (its copy keeps the payloads as they were: "changed after the
copy"); the message says to drop the run and start with a new --id, as the runbook does, and
that succeeds. One event is "1 rewritten event", not "1 ... events"."""

from __future__ import annotations

from pathlib import Path

import psycopg

from tests.migrate.test_invalid_rewrites import _migrate, _project

REMEDY = ("this run's copy keeps the events as they were, so then drop it (the runbook's "
          '"If the verification fails") and run the migration again with a new --id')


def test_the_remedy_of_the_refusal_works(tmp_path: Path, pg_dsn: str) -> None:
    _project(tmp_path, pg_dsn)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:  # one of the two bad rows repaired
        conn.execute("update es.events set data = jsonb_set(data, '{kind}', '\"fixed\"')"
                     " where stream_id = 'Account-bad-1'")

    code, out = _migrate(tmp_path, "--dsn", pg_dsn, "--dry-run")
    assert code == 1, out
    assert "1 event would not fit its latest version after the rewrite" in out

    code, out = _migrate(tmp_path, "--dsn", pg_dsn, "--id", "first")
    assert code == 1, out
    assert ("(1 rewritten event does not fit it: position 5 in stream \"Account-bad-0\": "
            "accountKind: expected a string, got null. Repair or purge") in out
    assert REMEDY in out

    with psycopg.connect(pg_dsn, autocommit=True) as conn:  # the repair
        conn.execute("update es.events set data = jsonb_set(data, '{kind}', '\"fixed\"')"
                     " where stream_id = 'Account-bad-0'")
    code, out = _migrate(tmp_path, "--dsn", pg_dsn, "--id", "first")
    assert code == 1, out  # the same run again: its copy holds the payload as it was
    assert "changed after the copy" in out

    with psycopg.connect(pg_dsn, autocommit=True) as conn:  # the runbook's three statements
        conn.execute("drop trigger if exists escodegen_guard_first on es.events")
        conn.execute("drop table es.events__first")
        conn.execute("delete from es.escodegen_migrations where migration_id = 'first'")
    code, out = _migrate(tmp_path, "--dsn", pg_dsn, "--id", "second")
    assert code == 0, out
    assert "verified and swapped" in out
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        assert conn.execute("select distinct event_version from es.events").fetchall() == [(3,)]
