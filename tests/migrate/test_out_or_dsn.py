"""`migrate events` and `migrate purge` either write a file (`--out`) or run against a database
(`--dsn`, or ESCODEGEN_DSN): asked for a file, they never run, whatever the environment holds;
given both on the command line, they refuse."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from psycopg.types.json import Jsonb

from escodegen.cli import cli
from tests.conftest import EXAMPLES

SUBJECT = "8d9c4f43-0d0f-4a53-9a57-7e1f4b0e8f11"
COMMANDS = {"purge": ["migrate", "purge", "--subject", SUBJECT],
            "events": ["migrate", "events"]}


def _seed(store: str) -> str:
    """A customer at an old version (something to rewrite) whose email is pii; the table's
    contents."""
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute("select es.append_to_stream(%s, -1, %s)", (f"Customer-{SUBJECT}", Jsonb([{
            "event_type": "CustomerRegistered", "event_version": 1,
            "data": {"customerId": SUBJECT, "name": "Ada", "email": "ada@example.org"}}])))
    return _contents(store)


def _contents(store: str) -> str:
    with psycopg.connect(store) as conn:
        return str(conn.execute("select event_version, data from es.events").fetchall())


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_out_writes_the_file_and_leaves_a_dsn_from_the_environment_unused(
        store: str, tmp_path: Path, command: str) -> None:
    before = _seed(store)
    out = tmp_path / "file.sql"
    result = CliRunner().invoke(cli, ["-C", str(EXAMPLES / "shop"), *COMMANDS[command],
                                      "--out", str(out)], env={"ESCODEGEN_DSN": store})
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("-- ") and f"wrote {out}" in result.output
    assert _contents(store) == before


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_out_and_dsn_together_are_refused(store: str, tmp_path: Path, command: str) -> None:
    before = _seed(store)
    out = tmp_path / "file.sql"
    result = CliRunner().invoke(cli, ["-C", str(EXAMPLES / "shop"), *COMMANDS[command],
                                      "--out", str(out), "--dsn", store])
    assert result.exit_code == 2, result.output
    assert "--out writes the file to apply later and --dsn runs it now" in result.output
    assert not out.exists() and _contents(store) == before
