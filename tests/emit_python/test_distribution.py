"""Packaging of the generated output (issue 19, point 8): `py.typed`, the optional
pyproject.toml (`python.pyproject`), and `apply_schema` applying the SQL the package ships,
from a wheel built by pip and installed apart from the source folder; `apply_schema_async`."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest

from tests.emit_python.library_project import generate_library

USE_INSTALLED = """\
import sys
import psycopg
import library_events
from library_events import apply_schema

assert "site" in library_events.__file__, library_events.__file__
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    conn.execute("set search_path = mine, public")
    print(",".join(apply_schema(conn)))
    print(",".join(apply_schema(conn)))  # safe to apply again
    print(conn.execute("show search_path").fetchone()[0])
"""


def test_the_package_builds_installs_and_applies_its_schema(
        tmp_path: Path, pg_dsn: str) -> None:
    root = generate_library(tmp_path / "library")
    out = root / "generated" / "library_events"
    assert (out / "py.typed").is_file() and (out / "sql" / "001_event_store.sql").is_file()
    wheels = tmp_path / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                            "-q", "-w", str(wheels), str(out)],
                           capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr
    [wheel] = wheels.glob("*.whl")
    assert wheel.name.startswith("library_events-1.2.0-")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"library_events/py.typed", "library_events/sql/004_projection_loans.sql",
            "library_events/events/book_lent.py", "library_events/_runtime.py"} <= names
    site = tmp_path / "site"
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q",
                                "--target", str(site), str(wheel)],
                               capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stderr
    used = subprocess.run([sys.executable, "-c", USE_INSTALLED, pg_dsn], cwd=tmp_path,
                          capture_output=True, text=True, check=False,
                          env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})
    assert used.returncode == 0, used.stderr
    files = ("001_event_store.sql,001_validation.sql,002_monitoring.sql,002_registry.sql,003_upcasters.sql,"
             "004_projection_loans.sql")
    assert used.stdout.splitlines() == [files, files, "mine, public"]
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("select to_regclass('lib.loans') is not null").fetchone() == (True,)


def test_without_the_option_no_pyproject_is_written(tmp_path: Path) -> None:
    root = generate_library(tmp_path / "library", python_options="")
    assert not (root / "generated" / "library_events" / "pyproject.toml").exists()
    assert (root / "generated" / "library_events" / "py.typed").exists()


def test_apply_schema_async_applies_the_same_files(shop_events: ModuleType, pg_dsn: str) -> None:
    """The async twin of `apply_schema` (psycopg's AsyncConnection): the package's files in
    order, again safely, the search_path restored; refused inside a transaction."""

    async def apply_twice() -> tuple[list[str], list[str], Any]:
        async with await psycopg.AsyncConnection.connect(pg_dsn, autocommit=True) as conn:
            await conn.execute("set search_path = mine, public")
            first = await shop_events.apply_schema_async(conn)
            again = await shop_events.apply_schema_async(conn)
            shown = await (await conn.execute("show search_path")).fetchone()
        async with await psycopg.AsyncConnection.connect(pg_dsn) as conn:
            await conn.execute("select 1")
            with pytest.raises(shop_events.TransactionError, match="outside a transaction"):
                await shop_events.apply_schema_async(conn)
        return first, again, shown

    first, again, shown = asyncio.run(apply_twice())
    shipped = sorted(p.name for p in (Path(shop_events.__file__).parent / "sql").glob("*.sql"))
    assert first == again == shipped and shown == ("mine, public",)
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("select to_regclass('es.order_summary') is not null"
                            ).fetchone() == (True,)
