from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest


@pytest.fixture
def conn(store: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(store, autocommit=True) as connection:
        yield connection


def sql_files(root: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(root.glob("*.sql"))}
