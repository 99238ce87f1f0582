"""A Citus cluster (coordinator and two workers) for the scale-out tests (devtools/citus.py).

Citus is built from source once into the user cache folder. Without a build these tests are
skipped, saying how to make one, unless `ESCODEGEN_CITUS=build` (CI) asks to build it here
or wait for the build another process is running (`python -m devtools.citus build &`).
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest

from devtools import citus
from escodegen.model import Project
from tests.conftest import EXAMPLES
from tests.emit_python.conftest import run_cli

# Resolved at import, before tests/conftest.py points XDG_CACHE_HOME at a private folder
# (the build is the user's, shared by every run).
_SOURCE = citus.source_archive()
_BUILD = citus.build_dir(_SOURCE) if _SOURCE.exists() else None
_REQUIRED = os.environ.get("ESCODEGEN_CITUS") == "build"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """These tests run last, on one pytest-xdist worker (they share one cluster): CI builds
    Citus in the background meanwhile (.ci/run)."""
    here = Path(__file__).resolve().parent
    items.sort(key=lambda item: here in item.path.parents)
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("citus"))


@pytest.fixture(scope="session")
def citus_build() -> Path:
    """The folder of the Citus build (skips the test when there is none)."""
    if _BUILD is None or not (_REQUIRED or citus.is_built(_BUILD)):
        reason = (f"the Citus source {_SOURCE} is missing" if _BUILD is None else
                  f"Citus is not built in {_BUILD}")
        if _REQUIRED:
            pytest.fail(reason)
        pytest.skip(f"{reason}: run `python -m devtools.citus build` (a few minutes, once) "
                    "or set ESCODEGEN_CITUS=build")
    return citus.ensure_built(_SOURCE, _BUILD) if _REQUIRED else _BUILD


@pytest.fixture(scope="session")
def citus_cluster(citus_build: Path) -> Iterator[citus.Cluster]:
    with citus.cluster(build=citus_build) as cluster:
        yield cluster


@pytest.fixture(scope="session")
def citus_project(shop_project: Project) -> Project:
    """examples/shop with `postgres.distribution: citus`."""
    assert shop_project.postgres is not None
    return dataclasses.replace(
        shop_project,
        postgres=dataclasses.replace(shop_project.postgres, distribution="citus"))


@pytest.fixture(scope="session")
def citus_sql(citus_project: Project) -> dict[str, str]:
    from escodegen.emit.postgres import render

    return render(citus_project)


@pytest.fixture(scope="session")
def citus_store(citus_cluster: citus.Cluster, citus_sql: dict[str, str]) -> str:
    """The coordinator DSN of a database with the shop's store distributed on the cluster."""
    dsn = citus.create_database(citus_cluster, "shop")
    citus.apply(citus_cluster, dsn, citus_sql)
    return dsn


@pytest.fixture
def conn(citus_store: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection to the cluster's store, emptied for this test."""
    with psycopg.connect(citus_store, autocommit=True) as connection:
        connection.execute("truncate es.events, es.streams, es.snapshots, es.archived_streams")
        yield connection


@pytest.fixture(scope="session")
def citus_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """examples/shop generated with `distribution: citus` as package `shop_cluster`."""
    project = tmp_path_factory.mktemp("citus_shop") / "shop"
    shutil.copytree(EXAMPLES / "shop", project, ignore=shutil.ignore_patterns("generated"))
    config = project / "escodegen.yaml"
    config.write_text(config.read_text()
                      .replace("postgres: {out: generated/sql, schema: es}",
                               "postgres: {out: generated/sql, schema: es, distribution: citus}")
                      .replace("generated/shop_events, package: shop_events",
                               "generated/shop_cluster, package: shop_cluster"))
    result = run_cli("generate", "--target", "python", cwd=project)
    assert result.returncode == 0, result.stderr
    sys.path.insert(0, str(project / "generated"))
    try:
        yield importlib.import_module("shop_cluster")
    finally:
        sys.path.remove(str(project / "generated"))
