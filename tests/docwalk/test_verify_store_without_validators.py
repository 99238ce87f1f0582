"""`escodegen verify-store` exits 2 on a store that lacks the validators (docs/commands/
verify-store.md: "2 when the database ... lacks the validators") even when it holds no event
yet: it reported "all 0 events fit their declaration" and exit 0, as if it had checked."""

from __future__ import annotations

import psycopg
from click.testing import CliRunner

from escodegen.cli import cli


def test_an_empty_store_without_validators_is_exit_2(store: str) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute("drop function es.valid_event(text, integer, jsonb)")
    result = CliRunner().invoke(cli, ["verify-store", "--dsn", store, "--schema", "es"])
    assert result.exit_code == 2, result.output
    assert "valid_event" in result.output
    assert "fit their declaration" not in result.output


def test_an_empty_store_with_validators_fits(store: str) -> None:
    result = CliRunner().invoke(cli, ["verify-store", "--dsn", store, "--schema", "es"])
    assert result.exit_code == 0, result.output
    assert "all 0 events fit their declaration" in result.output
