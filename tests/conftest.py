from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres import fresh_database, server_dsn

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """DSN of the session's PostgreSQL server (maintenance database)."""
    with server_dsn() as dsn:
        yield dsn


@pytest.fixture
def pg_dsn(pg_server: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """DSN of a database of this test's own, dropped after it."""
    with fresh_database(pg_server, request.node.name) as dsn:
        yield dsn


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A private copy of examples/shop that a test may change."""
    target = tmp_path / "shop"
    shutil.copytree(EXAMPLES / "shop", target, ignore=shutil.ignore_patterns("generated"))
    return target
