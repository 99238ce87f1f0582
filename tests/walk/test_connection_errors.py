"""The --dsn commands on a database they cannot reach: psycopg's message spans lines (the
failure, then "Is the server running ...?"); the error is one line of words, where it showed
`\\n\\t` escapes."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from escodegen.cli import cli
from tests.conftest import EXAMPLES


@pytest.mark.parametrize("command", [["verify-store"], ["projections", "failures"],
                                     ["projections", "retry"]])
def test_an_unreachable_database_is_one_line(command: list[str]) -> None:
    result = CliRunner().invoke(cli, ["-C", str(EXAMPLES / "shop"), *command,
                                      "--dsn", "host=/nonexistent dbname=x"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert "\\n" not in result.output and "\\t" not in result.output
    assert "failed: No such file or directory Is the server running locally" in result.output
