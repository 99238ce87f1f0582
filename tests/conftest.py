from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.postgres import apply, fresh_database, server_dsn
from escodegen.check import compile_project
from escodegen.model import Project

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(autouse=True, scope="session")
def _private_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Commands cache compiled base models in the user cache folder: never the real one."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        yield


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


@pytest.fixture(scope="session")
def shop_project() -> Project:
    """examples/shop, checked (shared by the tests of the PostgreSQL target and migrations)."""
    project, report = compile_project(EXAMPLES / "shop" / "escodegen.yaml")
    assert project is not None, report
    return project


@pytest.fixture(scope="session")
def shop_sql(shop_project: Project) -> dict[str, str]:
    """The PostgreSQL target's files of examples/shop, by name."""
    from escodegen.emit.postgres import render

    return render(shop_project)


@pytest.fixture
def store(pg_dsn: str, shop_sql: dict[str, str]) -> str:
    """A database of the test's own with the shop's generated SQL applied (the one such
    fixture: the store, migration and generated-client tests all use it)."""
    apply(pg_dsn, shop_sql)
    return pg_dsn
