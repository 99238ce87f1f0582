"""`migrate events` checks every rewritten payload against the latest declaration (issue 12,
point 3): AccountOpened v1 rows stored with `kind: null` (a raw INSERT, or before appends were
validated) become v3 rows that v3 rejects; the dry run lists them and the run refuses to swap,
naming them and the remedy, where it used to report "verified and swapped"."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
from click.testing import CliRunner
from psycopg.types.json import Jsonb

from devtools.postgres import apply
from escodegen.check import compile_project
from escodegen.cli import cli
from escodegen.emit.postgres import render

ACCOUNTS = """\
events:
  AccountOpened:
    versions:
      1:
        fields: {accountId: uuid, kind: string}
      2:
        upcast:
          - add: {field: currency, value: EUR}
        fields: {accountId: uuid, kind: string, currency: string}
      3:
        upcast:
          - rename: {from: kind, to: accountKind}
        fields: {accountId: uuid, accountKind: string, currency: string}
"""
RAW = """
insert into es.events (event_id, stream_id, stream_position, event_type, event_version, data)
values (gen_random_uuid(), %s, 1, 'AccountOpened', 1, %s)"""


def _project(root: Path, dsn: str) -> None:
    (root / "escodegen.yaml").write_text(
        "escodegen: 1\nname: accounts\nsources: [events]\n"
        "postgres: {out: generated/sql, schema: es}\n")
    (root / "events").mkdir()
    (root / "events" / "accounts.yaml").write_text(ACCOUNTS)
    project, report = compile_project(root / "escodegen.yaml")
    assert project is not None, report
    apply(dsn, render(project))
    with psycopg.connect(dsn, autocommit=True) as conn:
        for n in range(4):
            conn.execute("select * from es.append_to_stream(%s, -2, %s)", (
                f"Account-good-{n}", Jsonb([{"event_type": "AccountOpened", "event_version": 1,
                                             "data": {"accountId": str(uuid.uuid4()),
                                                      "kind": "savings"}}])))
        for n in range(2):
            conn.execute(RAW, (f"Account-bad-{n}",
                               Jsonb({"accountId": str(uuid.uuid4()), "kind": None})))


def _migrate(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-C", str(root), "migrate", "events", *args])
    return result.exit_code, result.output


def test_the_dry_run_lists_them_and_the_run_refuses_to_swap(tmp_path: Path, pg_dsn: str) -> None:
    _project(tmp_path, pg_dsn)

    code, out = _migrate(tmp_path, "--dsn", pg_dsn, "--dry-run")
    assert code == 1, out
    assert "6 events would be rewritten" in out
    assert "2 events would not fit their latest version after the rewrite" in out
    assert ('position 5 in stream Account-bad-0 (AccountOpened v1 -> v3): '
            "accountKind: expected a string, got null") in out
    assert "position 6 in stream Account-bad-1" in out
    assert "Repair or purge these events" in out

    code, out = _migrate(tmp_path, "--dsn", pg_dsn)
    assert code == 1, out
    assert "verified and swapped" not in out
    assert "verification failed, nothing swapped" in out
    assert ("rewritten payloads fit the latest declaration (2 rewritten events do not fit it, "
            'the first: position 5 in stream "Account-bad-0": accountKind: expected a string, '
            "got null; position 6") in out
    assert "Repair or purge these events at their stored version" in out
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        assert conn.execute("select distinct event_version from es.events").fetchall() == [(1,)]
        assert conn.execute("select status from es.escodegen_migrations").fetchone() == (
            "copying",)


def test_the_file_dry_run_has_the_query(tmp_path: Path, pg_dsn: str) -> None:
    _project(tmp_path, pg_dsn)
    code, out = _migrate(tmp_path, "--dry-run")
    assert code == 0
    assert "would not fit the latest declaration" in out
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        rows = conn.execute(out.split("-- DRY RUN: reports what would change; changes nothing.")[1]
                            .split(";")[1]).fetchall()
    assert [(r[0], r[1], r[5], r[6]) for r in rows] == [
        (5, "Account-bad-0", "accountKind: expected a string, got null", 2),
        (6, "Account-bad-1", "accountKind: expected a string, got null", 2)]
