"""The generated upcasters as artefacts: typed, linted, idempotent, inlined, and safe whatever
names and values the declarations hold."""

from __future__ import annotations

import contextlib
import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings

from escodegen.db.upcasters import Upcasters
from escodegen.model import Event, EventVersion
from escodegen.model.ops import Add, Custom, Map, Split
from escodegen.upcast import python_upcasters, sql_upcasters
from escodegen.upcast.verify import canonical, from_json, load_module, payloads
from tests.upcast.ops_catalog import EVENTS

HOSTILE = Event("Hostile", (
    EventVersion(1, ()),
    EventVersion(2, (), upcast=(
        Split(("na'me\"\n--",), (("a'); DROP TABLE x; --",), ("b\\",)), "'\n*/ $$"),
        Map(("k",), (("'); DROP TABLE x; --", "\n\"\"\"\nimport os"),), True, {"$$": "'"}),
        Add(("x",), "'; SELECT 1; --\u2028"),
    )),
))
CUSTOM = Event("WithCustom", (
    EventVersion(1, ()),
    EventVersion(2, (), upcast=(Custom("json:loads", "data - 'x'"),)),
))
ALL = [*EVENTS, HOSTILE, CUSTOM]
# Names too long for PostgreSQL never get here: the check stage refuses them (ES208,
# tests/test_sql_names.py).


def test_python_passes_mypy_strict_and_ruff(tmp_path: Path) -> None:
    module = tmp_path / "upcasters.py"
    module.write_text(python_upcasters(ALL), encoding="utf-8")
    for tool in (["mypy", "--strict"], ["ruff", "check", "--isolated", "--no-cache"],
                 ["ruff", "format", "--check", "--isolated", "--no-cache"]):
        result = subprocess.run([sys.executable, "-m", *tool, str(module)], cwd=tmp_path,
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("event", ALL, ids=[e.name for e in ALL])
def test_python_never_changes_its_argument(tmp_path: Path, event: Event) -> None:
    """The codec hands the stored payload to the upcaster without a copy (issue 13): every
    operation, alone and chained, on the payloads the equivalence proof uses."""
    module = load_module(python_upcasters([event]), tmp_path)

    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(payloads(event))
    def prove(payload: dict[str, Any]) -> None:
        for version in range(1, event.latest.number):
            snapshot = copy.deepcopy(payload)
            # a payload the upcaster refuses is verify-upcasters' concern, not this test's
            with contextlib.suppress(Exception):
                module.UPCASTERS[(event.name, version)](payload)
            assert payload == snapshot and repr(payload) == repr(snapshot)

    prove()


def test_sql_is_idempotent_inlined_and_hostile_values_stay_values(pg_dsn: str) -> None:
    sql = sql_upcasters(ALL, 'odd"schema')
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute('CREATE SCHEMA "odd""schema"')
        conn.execute(sql.encode())
        conn.execute(sql.encode())  # CREATE OR REPLACE: applying twice is fine
        conn.execute("CREATE TABLE t (data jsonb)")
        plan = conn.execute(
            'EXPLAIN VERBOSE SELECT "odd""schema".upcast(\'Split0\', 1, data) FROM t').fetchall()
        assert not any("upcast_split0" in row[0] for row in plan), plan  # no call left: inlined
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert tables.fetchone() == (1,)


def test_hostile_values_agree_in_both_languages(pg_dsn: str) -> None:
    with Upcasters.open([HOSTILE], pg_dsn) as loaded:
        payload = {"na'me\"\n--": "x'\n*/ $$y", "k": "'); DROP TABLE x; --"}
        python = loaded.python(HOSTILE, 1, dict(payload))
        (sql,) = loaded.sql(HOSTILE, 1, [__import__("json").dumps(payload)])
        assert canonical(python) == canonical(from_json(sql))
        assert python["a'); DROP TABLE x; --"] == "x" and python["b\\"] == "y"
        assert python["k"] == "\n\"\"\"\nimport os"
        loaded.check(HOSTILE, 1, max_examples=50)
