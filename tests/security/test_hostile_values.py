"""Point 1 of the security contract: no declared value can end the literal, identifier, comment
or function body it is written into. Hostile text in every string-valued slot of the language
goes through `generate` and the written files of `migrate projections|events|purge`, applied
with the real `psql -f` (check_function_bodies on or off); afterwards the catalog holds exactly
what a run with benign values holds, and every value reads back unchanged."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devtools.postgres import fresh_database
from escodegen.analyse.schema import event_version_schema
from escodegen.check import compile_project
from escodegen.model.sqlnames import ProjectionNames
from escodegen.sqltext import ident
from escodegen.upcast import python_upcasters
from escodegen.upcast.verify import load_module
from tests.security.hostile import (
    META_KEY,
    SLOTS,
    Hostile,
    apply_file,
    build_and_apply,
    write_project,
)

PIECES = ("$$", "$x$", "$esc$", "$esc1$", "$e", "sc$", "$", "'", "''", "\\", "\\'", "E'", '"',
          "*/", "/*", "--", "\n", "\r\n", "\t", ";", "%", "%1$s", "%I", ":v", ":'v'", "\\gexec",
          "é", "日本", "\u2028", "\u202e", "\U0001f600", " ", "drop table es.events;",
          "create table if not exists public.pwned();", "$esc$;create table public.pwned();$esc$")

hostile_text = st.lists(st.sampled_from(PIECES) | st.text(max_size=3).filter(
    lambda t: "\x00" not in t), min_size=1, max_size=6).map(lambda parts: "x" + "".join(parts))

CATALOG = """
select 'relation', n.nspname || '.' || c.relname || ':' || c.relkind::text
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
 where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_(toast|temp)'
union all
select 'function', n.nspname || '.' || p.proname || '(' ||
       pg_get_function_identity_arguments(p.oid) || ')'
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
 where n.nspname not in ('pg_catalog', 'information_schema')
union all
select 'schema', nspname from pg_namespace where nspname !~ '^pg_(toast|temp)'
union all
select 'trigger', tgname from pg_trigger where not tgisinternal
union all
select 'role', rolname from pg_roles
union all
select 'extension', extname from pg_extension
order by 1, 2
"""


def _events(h: Hostile) -> tuple[dict[str, Any], list[tuple[str, list[dict[str, Any]]]]]:
    v1 = {"thingId": h["where"], "name": h["map_key"],
          "parts": "l" + h["split_separator"] + "r", "kind": h["enum_other"]}
    return v1, [
        ("Thing-1", [{"event_type": "ThingHappened", "event_version": 1, "data": v1,
                      "metadata": {META_KEY: h["upsert"]}}]),
        ("Thing-1", [{"event_type": "ThingRenamed", "event_version": 1,
                      "data": {"thingId": h["where"]}}]),
    ]


def run(root: Path, dsn: str, h: Hostile, check_function_bodies: bool) -> dict[str, Any]:
    """Everything applied; what the database then holds."""
    v1, events = _events(h)

    def append(stream: str, batch: list[dict[str, Any]]) -> None:
        with psycopg.connect(dsn) as conn:
            conn.execute("select es.append_to_stream(%s, -1, %s::jsonb)",
                         (stream, json.dumps(batch)))

    build_and_apply(root, dsn, h, check_function_bodies, events, append)
    catch_up = ident("es", ProjectionNames.of("things").function("catch_up"))
    with psycopg.connect(dsn) as conn:
        conn.execute(f"select {catch_up}()")
        return {
            "catalog": conn.execute(CATALOG).fetchall(),
            "rows": [r[0] for r in conn.execute("select row_to_json(t) from es.things t")],
            "events": conn.execute("select event_type, event_version, data from es.events "
                                   "order by global_position").fetchall(),
            "upcast_v1": conn.execute("select es.upcast('ThingHappened', 1, %s::jsonb)",
                                      (json.dumps(v1),)).fetchone()[0],
            "registry": {(t, v): s for t, v, s in conn.execute(
                "select event_type, event_version, json_schema from es.event_registry")},
            "purges": conn.execute("select fields from es.escodegen_purges").fetchall(),
        }


def benign(slot: str) -> str:
    return "v" + slot


@pytest.fixture(scope="module")
def benign_catalog(pg_server: str) -> list[Any]:
    """The catalog after a run with plain values: the objects the declarations make."""
    h = Hostile({slot: benign(slot) for slot in SLOTS})
    with tempfile.TemporaryDirectory() as folder, fresh_database(pg_server, "benign") as dsn:
        held = run(Path(folder), dsn, h, check_function_bodies=True)
        check(Path(folder), h, held, held["catalog"])
    return list(held["catalog"])


def expected_upcast(root: Path, v1: dict[str, Any]) -> Any:
    project, report = compile_project(root / "project" / "escodegen.yaml")
    assert project is not None, report
    module = load_module(python_upcasters(project.events), root)
    return module.UPCASTERS[("ThingHappened", 1)](dict(v1)), project


def check(root: Path, h: Hostile, held: dict[str, Any], catalog: list[Any]) -> None:
    assert held["catalog"] == catalog, "exactly the declared objects, nothing else"
    v1, _ = _events(h)
    upcast, project = expected_upcast(root, v1)
    assert held["upcast_v1"] == upcast
    assert upcast["added"] == h["add"] and upcast["a"] == h["default"]
    assert upcast["name"] == h["map_value"]
    assert upcast["joined"] == "l" + h["join_separator"] + "r"
    purged = {**upcast, "kind": h["enum_first"]}  # the pii enum's placeholder: its first value
    assert held["events"] == [("ThingHappened", 2, purged),
                              ("ThingRenamed", 1, {"thingId": h["where"]})]
    (row,) = held["rows"]
    assert {k: row[k] for k in ("thing_id", "status", "meta", "kind", "note")} == {
        "thing_id": h["where"], "status": h["update"], "meta": h["upsert"],
        "kind": h["enum_first"], "note": h["upsert"]}
    for event in project.events:
        for version in event.versions:
            assert held["registry"][(event.name, version.number)] == \
                event_version_schema(event, version)
    assert len(held["purges"]) == 1


def test_the_pwned_projection_value_of_the_issue_stays_text(pg_server: str, tmp_path: Path
                                                            ) -> None:
    """The concrete break-out of issue 11: `generate` exit 0, and applying its file created
    public.pwned."""
    value = "shipped$$;create table if not exists public.pwned();select $$x"
    h = Hostile({slot: benign(slot) for slot in SLOTS} | {"upsert": value, "update": value})
    project = write_project(tmp_path / "project", h)
    from tests.security.hostile import escodegen

    escodegen(project, "generate")
    with fresh_database(pg_server, "pwned") as dsn:
        for path in sorted((project / "sql").glob("*.sql")):
            apply_file(dsn, path, check_function_bodies=False)
        with psycopg.connect(dsn) as conn:
            assert conn.execute("select to_regclass('public.pwned')").fetchone() == (None,)
            source = conn.execute("select prosrc from pg_proc where proname = 'apply_things'"
                                  ).fetchone()
    assert source is not None and value.replace("'", "''") in source[0]


@pytest.mark.parametrize("check_function_bodies", [True, False])
def test_hostile_text_in_every_slot_stays_text(pg_server: str, benign_catalog: list[Any],
                                               check_function_bodies: bool) -> None:
    @settings(max_examples=5, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(values=st.fixed_dictionaries({slot: hostile_text for slot in SLOTS}))
    def hostile(values: dict[str, str]) -> None:
        # enum values are distinct
        h = Hostile(values | {"enum_first": values["enum_first"] + "0",
                              "enum_other": values["enum_other"] + "1"})
        with tempfile.TemporaryDirectory() as folder, fresh_database(pg_server, "hostile") as dsn:
            root = Path(folder)
            check(root, h, run(root, dsn, h, check_function_bodies), benign_catalog)

    hostile()
