"""`migrate events` over stored payloads that are not JSON objects (`[1, 2]`, `null`: raw
INSERTs), on a real PostgreSQL: the dry run lists them ("expected an object, got array") and
the run refuses the swap naming them, as for any payload that does not fit, where both
stopped with the upcaster's `database error: cannot set path in scalar` naming no event."""

from __future__ import annotations

from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

from tests.migrate.test_invalid_rewrites import RAW, _migrate, _project


def test_non_object_payloads_are_listed_and_block_the_swap(tmp_path: Path,
                                                           pg_dsn: str) -> None:
    _project(tmp_path, pg_dsn)  # 4 good AccountOpened v1, 2 with kind: null (positions 5, 6)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(RAW, ("Account-list", Jsonb([1, 2])))
        conn.execute(RAW, ("Account-null", Jsonb(None)))

    code, out = _migrate(tmp_path, "--dsn", pg_dsn, "--dry-run")
    assert code == 1, out
    assert "database error" not in out
    assert "8 events would be rewritten" in out
    assert "4 events would not fit their latest version after the rewrite" in out
    assert "position 7 in stream Account-list (AccountOpened v1 -> v3): expected an object, " \
           "got array" in out
    assert "position 8 in stream Account-null (AccountOpened v1 -> v3): expected an object, " \
           "got null" in out

    code, out = _migrate(tmp_path, "--dsn", pg_dsn, "--id", "nonobjects")
    assert code == 1, out
    assert "verification failed, nothing swapped" in out
    assert 'position 7 in stream "Account-list": expected an object, got array' in out
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        assert conn.execute("select distinct event_version from es.events").fetchall() == [(1,)]
