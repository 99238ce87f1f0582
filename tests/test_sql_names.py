"""Names for the PostgreSQL target, checked before anything is generated: a projection may not
take a name of the event store or of escodegen's migrations (ES203), and no name escodegen
derives may be longer than the 63 bytes PostgreSQL keeps (ES208). The generated SQL creates
only names the check knows how to derive."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest

from devtools.postgres import apply
from escodegen.check import compile_project
from escodegen.check.sqlnames import _arrays
from escodegen.diagnostics import Diagnostic
from escodegen.emit.postgres import render
from escodegen.model import FieldType, Project
from escodegen.model.naming import snake
from escodegen.model.sqlnames import (
    MAX_IDENTIFIER_BYTES,
    PAYLOAD_FITS,
    VALID_EVENT,
    VALIDATE_EVENT,
    ProjectionNames,
    batch_key_column,
    column_name,
    upcast_function,
    upcast_operation_function,
    upcast_step_function,
    valid_function,
    valid_items_function,
    validate_function,
    validate_items_function,
)
from tests.analyse.helpers import compile_text
from tests.conftest import EXAMPLES

PROBE_FILE = ("escodegen: 1\nname: probe\nsources: [declarations.yaml]\n"
              "postgres: {out: generated/sql, schema: es}\n")


def diagnostics(tmp_path: Path, declarations: str) -> tuple[Project | None, list[Diagnostic]]:
    project, report = compile_text(tmp_path, declarations, PROBE_FILE)
    return project, list(report)


def projection(name: str, column: str = "total", event: str = "OrderPlaced",
               versions: str = "", key: str = "orderId") -> str:
    return f"""events:
  {event}:
    versions:
      1:
        fields: {{orderId: uuid, total: integer}}
{versions}projections:
  {name}:
    key: [{key}]
    columns: {{{key}: uuid, {column}: integer}}
    on:
      {event}: {{upsert: {{{key}: $.orderId, {column}: $.total}}}}
"""


RESERVED = [
    # the store's tables and view, also spelled so that they become one in snake_case
    "events", "event_registry", "eventRegistry", "streams", "checkpoints", "snapshots",
    "events_latest", "projection_status", "store_stats",
    # its indexes and sequence, which share the tables' namespace
    "events_pkey", "events_tx_id_global_position_idx", "snapshots_pkey",
    "events_global_position_seq",
    # migrate: its tables, the rewrite's standby and backup tables and renamed indexes
    "escodegen_migrations", "escodegen_purges", "escodegen_anything", "events__rewrite_1",
    "events__before_rewrite_1_20240101", "events_pkey_0123abcd",
    # a projection's own rebuild and batch tables
    "orders__rebuild", "orders__batch",
]


@pytest.mark.parametrize("name", RESERVED)
def test_a_projection_may_not_take_a_name_of_the_store(tmp_path: Path, name: str) -> None:
    _, found = diagnostics(tmp_path, projection(name))
    assert [d.code for d in found] == ["ES203"], [d.render() for d in found]
    assert found[0].message.startswith(f"projection '{name}' would be the PostgreSQL table")
    assert found[0].span is not None
    assert (found[0].span.line, found[0].span.column) == (7, 3)  # the projection's name


@pytest.mark.parametrize("name", ["events_per_day", "order_events", "snapshots_taken",
                                  "rebuild_log", "stream_stats", "events_", "batch"])
def test_names_that_only_look_like_the_store_are_fine(tmp_path: Path, name: str) -> None:
    assert diagnostics(tmp_path, projection(name))[1] == []


def test_a_projection_may_not_take_the_primary_key_name_of_another(tmp_path: Path) -> None:
    text = projection("orders") + """  orders_pkey:
    key: [orderId]
    columns: {orderId: uuid}
    on:
      OrderPlaced: {upsert: {orderId: $.orderId}}
"""
    _, found = diagnostics(tmp_path, text)
    assert [d.message for d in found] == [
        ("projection 'orders_pkey' would be the PostgreSQL table 'orders_pkey', which is the "
         "primary key of projection 'orders'")]


@pytest.mark.parametrize("column", ["last_tx_id", "lastTxId", "last_position", "lastPosition"])
def test_a_column_may_not_take_a_bookkeeping_name(tmp_path: Path, column: str) -> None:
    _, found = diagnostics(tmp_path, projection("orders", column))
    assert [d.code for d in found] == ["ES203"], [d.render() for d in found]
    assert "bookkeeping columns (last_position, last_tx_id)" in found[0].message
    assert found[0].span is not None
    assert (found[0].span.line, found[0].span.column) == (9, 30)  # the column


# The longest names a projection and an event give are `finish_rebuild_<projection>` and, for
# an event with two versions, `upcast_<event>_v1_to_v2`: each exactly at the limit, then one over.
AT_LIMIT = "p" * (MAX_IDENTIFIER_BYTES - len("finish_rebuild_"))
EVENT_AT_LIMIT = "E" + "v" * (MAX_IDENTIFIER_BYTES - len("upcast__v1_to_v2") - 1)
TWO_VERSIONS = """      2:
        fields: {orderId: uuid, total: integer}
"""


def test_names_at_the_limit_pass_and_one_byte_more_fails(tmp_path: Path) -> None:
    assert len(AT_LIMIT) == 48 and len(EVENT_AT_LIMIT) == 47
    (tmp_path / "ok").mkdir()
    _, found = diagnostics(tmp_path / "ok", projection(AT_LIMIT, event=EVENT_AT_LIMIT,
                                                        versions=TWO_VERSIONS))
    assert found == []
    # The same lengths, but snake_case adds an underscore before the capital.
    over = AT_LIMIT[:-1] + "X"
    event_over = EVENT_AT_LIMIT[:-1] + "X"
    _, found = diagnostics(tmp_path, projection(over, event=event_over, versions=TWO_VERSIONS))
    assert [(d.code, d.span.line if d.span else 0) for d in found] == [("ES208", 2), ("ES208", 9)]
    assert found[0].message == (
        f"event '{event_over}' gives the PostgreSQL name 'upcast_{snake(event_over)}_v1_to_v2' "
        "(64 bytes), longer than the 63 PostgreSQL keeps")
    assert f"'finish_rebuild_{AT_LIMIT[:-1]}_x' (64 bytes)" in found[1].message
    assert found[1].effective_hint.startswith("Shorten the name by 1 character(s) or more")


def test_a_key_column_is_checked_with_its_name_in_the_catch_up_batch(tmp_path: Path) -> None:
    key = "anIdOfAUserWhoseTierIsShownInAnyOfTheRowsOfThis"  # 47 characters, 62 in snake_case
    _, found = diagnostics(tmp_path, projection("orders", key=key))
    assert [d.code for d in found] == ["ES208"], [d.render() for d in found]
    assert f"'{batch_key_column(key)}' (64 bytes)" in found[0].message


def test_a_name_that_is_not_an_identifier_is_reported_once(tmp_path: Path) -> None:
    _, found = diagnostics(tmp_path, projection("x" * 60))
    assert [d.code for d in found] == ["ES202"]


# What the SQL creates: functions, views, triggers, tables, indexes, constraints and renames.
_NAME = r'(?:"(?:[^"]|"")*"|[a-z_][a-z0-9_]*)'
_CREATED = re.compile(
    r"(?i)\b(?:create\s+(?:or\s+replace\s+)?(?:temporary\s+)?"
    r"(?:function|view|trigger|table|unique\s+index|index)\s+(?:if\s+not\s+exists\s+)?"
    r"|constraint\s+|rename\s+to\s+|rename\s+constraint\s+\S+\s+to\s+)"
    rf"((?:{_NAME}\.)?{_NAME})")
# Names of the store's own SQL (templates/postgres/event_store.sql.j2, upcasters.sql.j2,
# monitoring.sql.j2).
_FIXED = {
    "append_to_stream", "append_to_streams", "stream_version", "read_stream", "read_all",
    "notify_events", "save_snapshot", "load_snapshot", "replace_snapshot", "upcast",
    "events_notify", "events_registered_fkey", "projection_caught_up", "notify_checkpoint",
    "checkpoints_notify", VALIDATE_EVENT, VALID_EVENT, PAYLOAD_FITS, "refuse_archived_stream",
    "refuse_malformed_event",
}


def created_names(sql: dict[str, str]) -> set[str]:
    names = set()
    for text in sql.values():
        for match in _CREATED.finditer(text):
            last = re.findall(_NAME, match.group(1))[-1]
            names.add(last[1:-1].replace('""', '"') if last.startswith('"') else last)
    return names


def derived_names(project: Project) -> set[str]:
    from escodegen.model.sqlnames import RESERVED_TABLES

    names = set(RESERVED_TABLES) | _FIXED
    for p in project.projections:
        names.update(ProjectionNames.of(p.name).identifiers())
        names.update(column_name(c.name) for c in p.columns)
        names.update(batch_key_column(k) for k in p.key)
    for e in project.events:
        names.add(upcast_function(e.name))
        for v in e.versions:
            names.add(validate_function(e.name, v.number))
            names.add(valid_function(e.name, v.number))
            arrays = _arrays(FieldType("object", fields=v.fields))
            names.update(validate_items_function(e.name, v.number, k)
                         for k in range(1, arrays + 1))
            names.update(valid_items_function(e.name, v.number, k)
                         for k in range(1, arrays + 1))
        for v in e.versions[1:]:
            names.add(upcast_step_function(e.name, v.number))
            names.update(upcast_operation_function(e.name, v.number, i)
                         for i in range(1, len(v.upcast) + 1))
    return names


def test_the_generated_sql_creates_only_names_the_check_derives() -> None:
    project, report = compile_project(EXAMPLES / "shop" / "escodegen.yaml")
    assert project is not None and not report.has_errors
    created = created_names(render(project))
    assert len(created) > 50
    assert created - derived_names(project) == set()


def test_names_at_the_limit_are_kept_whole_by_postgresql(tmp_path: Path, pg_dsn: str) -> None:
    project, found = diagnostics(tmp_path, projection(
        AT_LIMIT, event=EVENT_AT_LIMIT, versions=TWO_VERSIONS.replace(
            "fields", "upcast: [{rename: {from: total, to: sum}}, {rename: {from: sum, to: total}}]"
            "\n        fields")))
    assert project is not None and found == []
    sql = render(project)
    created = created_names(sql)
    assert created - derived_names(project) == set()
    assert max(len(name.encode()) for name in created) == MAX_IDENTIFIER_BYTES
    apply(pg_dsn, sql)
    with psycopg.connect(pg_dsn) as conn:
        functions = {name for (name,) in conn.execute(
            "select proname from pg_proc where pronamespace = 'es'::regnamespace")}
        relations = {name for (name,) in conn.execute(
            "select relname from pg_class where relnamespace = 'es'::regnamespace")}
    names = ProjectionNames.of(AT_LIMIT)
    assert {names.function(kind) for kind in ProjectionNames.FUNCTIONS} <= functions
    assert {upcast_function(EVENT_AT_LIMIT), upcast_step_function(EVENT_AT_LIMIT, 2),
            upcast_operation_function(EVENT_AT_LIMIT, 2, 2)} <= functions
    assert {names.table, names.pkey} <= relations
