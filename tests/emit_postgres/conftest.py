from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from devtools.postgres import apply
from escodegen.emit.postgres import render
from escodegen.model import Project


@pytest.fixture(scope="session")
def shop_sql(shop_project: Project) -> dict[str, str]:
    return render(shop_project)


@pytest.fixture
def store(pg_dsn: str, shop_sql: dict[str, str]) -> Iterator[str]:
    """A database with the shop's generated SQL applied."""
    apply(pg_dsn, shop_sql)
    yield pg_dsn


@pytest.fixture
def conn(store: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(store, autocommit=True) as connection:
        yield connection


def sql_files(root: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(root.glob("*.sql"))}
