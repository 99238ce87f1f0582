"""`escodegen projections failures|retry --projection NAME` on a real PostgreSQL: a name that
is no projection of the store (a typo) is refused with exit 2, naming the projections there,
instead of "no failures recorded" and exit 0."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result

from escodegen.cli import cli
from tests.conftest import EXAMPLES


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(EXAMPLES / "shop"), "projections", *args])


@pytest.mark.parametrize("command", ["failures", "retry"])
def test_an_unknown_projection_is_refused(store: str, command: str) -> None:
    result = _run(command, "--dsn", store, "--projection", "customer_directry")
    assert result.exit_code == 2, result.output
    assert "no failures recorded" not in result.output
    assert "no projection customer_directry in schema es" in result.output
    assert "the projections there: customer_directory, order_summary" in result.output


def test_a_known_projection_by_either_name_is_listed(store: str) -> None:
    for name in ("customerDirectory", "customer_directory"):
        result = _run("failures", "--dsn", store, "--projection", name)
        assert (result.exit_code, result.output) == (0, "no failures recorded\n")
    assert _run("retry", "--dsn", store, "--projection", "order_summary").exit_code == 0


def test_a_schema_without_the_projection(store: str) -> None:
    result = _run("failures", "--dsn", store, "--schema", "other", "--projection",
                  "order_summary")
    assert result.exit_code == 2
    assert "no projection order_summary in schema other" in result.output
    assert "it has no projection" in result.output
