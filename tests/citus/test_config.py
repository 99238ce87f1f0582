"""`postgres.distribution` in escodegen.yaml (no cluster needed): `citus` adds 006_citus.sql
and changes none of the single-node files; anything else is refused."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from escodegen.check import compile_project
from escodegen.diagnostics import Report
from escodegen.emit.migrate.events import plan_events
from escodegen.emit.postgres import render
from escodegen.emit.postgres.citus import FILE
from escodegen.sqltext import PIN_SEARCH_PATH, SEARCH_PATH_CLAUSE
from tests.conftest import EXAMPLES


def _shop(tmp_path: Path, postgres: str) -> Path:
    shutil.copytree(EXAMPLES / "shop", tmp_path / "shop", ignore=shutil.ignore_patterns("generated"))
    config = tmp_path / "shop" / "escodegen.yaml"
    config.write_text(config.read_text().replace("postgres: {out: generated/sql, schema: es}",
                                                 postgres))
    return config


def test_citus_adds_its_file_and_leaves_the_single_node_files_as_they_are(tmp_path: Path) -> None:
    single, report = compile_project(_shop(tmp_path / "a", "postgres: {out: generated/sql}"))
    assert single is not None and single.postgres is not None, report
    assert single.postgres.distribution is None
    distributed, report = compile_project(
        _shop(tmp_path / "b", "postgres: {out: generated/sql, distribution: citus}"))
    assert distributed is not None and distributed.postgres is not None, report
    assert distributed.postgres.distribution == "citus"
    plain, citus = render(single), render(distributed)
    assert FILE not in plain
    assert {name: text for name, text in citus.items() if name != FILE} == plain
    assert max(citus) == FILE  # applied last, after every table and function exists


def test_every_function_of_the_citus_file_pins_its_search_path(tmp_path: Path) -> None:
    project, report = compile_project(
        _shop(tmp_path, "postgres: {out: generated/sql, distribution: citus}"))
    assert project is not None, report
    text = render(project)[FILE]
    lines = [line for line in text.splitlines() if line and not line.startswith("--")]
    assert lines[0] == PIN_SEARCH_PATH  # the file's first statement
    heads = re.findall(r"create or replace function (.*?)\bas \$esc", text, re.DOTALL)
    # append_to_stream(s), save_snapshot, feeds, read_feed(_json), projection_status,
    # projection_caught_up (two), and of each of the shop's two projections catch_up,
    # apply_feed, catch_up_part, partition, retry, begin_rebuild, rebuild_step (two),
    # finish_rebuild
    assert len(heads) == 27
    assert all(SEARCH_PATH_CLAUSE in head for head in heads)


def test_every_function_of_the_citus_events_migration_pins_its_search_path(
        tmp_path: Path) -> None:
    project, report = compile_project(
        _shop(tmp_path, "postgres: {out: generated/sql, schema: es, distribution: citus}"))
    assert project is not None, report
    migration = plan_events(project, (), None, Report())
    assert migration is not None
    text = migration.file()
    heads = re.findall(r"create or replace function (.*?)\bas \$", text, re.DOTALL)
    # per upcast event's record function, then rewrite, verify_shards, verify, swap, rollback
    assert len(heads) == text.count("create or replace function") > 5
    assert all(SEARCH_PATH_CLAUSE in head for head in heads)


def test_another_distribution_is_refused(tmp_path: Path) -> None:
    project, report = compile_project(
        _shop(tmp_path, "postgres: {out: generated/sql, distribution: mongo}"))
    assert project is None and report.has_errors


PROJECTIONS = """
projections:
  by_stream:
    key: [stream]
    columns: {stream: string, items: integer}
    on:
      OrderPlaced: {upsert: {stream: $stream, items: 0}}
      OrderItemAdded: {update: {items: {increment: 1}}, where: {stream: $stream}}
  by_flag_and_order:
    key: [flag, orderId]
    columns: {flag: boolean, orderId: uuid}
    on:
      OrderPlaced: {upsert: {flag: true, orderId: $.orderId}}
  by_flag:
    key: [flag]
    columns: {flag: boolean, orders: integer}
    on:
      OrderPlaced: {upsert: {flag: true, orders: 0}}
  by_stream_text_not_everywhere:
    key: [stream]
    columns: {stream: string}
    on:
      OrderPlaced: {upsert: {stream: $stream}}
      OrderShipped: {upsert: {stream: $.orderId}}
"""


def test_a_projection_table_is_distributed_by_its_stream_id_else_a_key_column(
        tmp_path: Path) -> None:
    config = _shop(tmp_path, "postgres: {out: generated/sql, distribution: citus}")
    (config.parent / "projections" / "more.yaml").write_text(PROJECTIONS)
    project, report = compile_project(config)
    assert project is not None, report
    text = render(project)[FILE]
    distributed = dict(re.findall(
        r"create_distributed_table\('\"es\"\.\"(\w+)\"', ('\w+'(?:, colocate_with => \S+)?)\)",
        text))
    assert distributed == {
        "by_stream": "'stream', colocate_with => '\"es\".events'",  # hashed as stream_id
        "by_flag_and_order": "'order_id'",  # not the boolean
        "by_stream_text_not_everywhere": "'stream'",  # not always the stream id
        "order_summary": "'order_id'",
        "customer_directory": "'customer_id'",
        # by_flag: booleans only, stays on the coordinator
    }
