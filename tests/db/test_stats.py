"""`escodegen stats --dsn` on a real PostgreSQL: the store's views in a table, JSON and the
Prometheus text format (parsed back with prometheus_client's parser)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import psycopg
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from devtools.postgres import apply
from escodegen.cli import cli
from escodegen.db.stats import Stats, as_prometheus, as_table
from escodegen.emit.postgres import render
from escodegen.model import Project
from tests.conftest import EXAMPLES

APPEND = "select global_position from es.append_to_stream(%s, -1, %s::jsonb)"


def _customer(conn: psycopg.Connection[Any]) -> None:
    event = [{"event_type": "CustomerRegistered", "event_version": 1,
              "data": {"customerId": str(uuid.uuid4()), "name": "A B", "email": "a@b.org"}}]
    conn.execute(APPEND, (f"Customer-{uuid.uuid4()}", json.dumps(event)))


def _stats(dsn: str, fmt: str) -> str:
    result = CliRunner().invoke(cli, ["-C", str(EXAMPLES / "shop"), "stats", "--dsn", dsn,
                                      "--format", fmt])
    assert result.exit_code == 0, result.output
    return result.output


def test_stats_in_three_formats(pg_dsn: str, shop_project: Project) -> None:
    apply(pg_dsn, render(shop_project))
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        for _ in range(3):
            _customer(conn)
        conn.execute("select es.catch_up_customer_directory(1000)")
        _customer(conn)

    found = json.loads(_stats(pg_dsn, "json"))
    store = found["store"]
    assert (store["events"], store["streams"], store["snapshots"], store["head_position"],
            store["events_last_minute"]) == (4, 4, 0, 4, 4)
    assert store["events_bytes"] > 0 and store["store_bytes"] > store["events_bytes"]
    behind = {p["name"]: p["events_behind"] for p in found["projections"]}
    assert behind == {"customer_directory": 1, "order_summary": 4}

    table = _stats(pg_dsn, "table")
    assert "events_last_minute  4" in table
    assert [line.split()[:4] for line in table.splitlines()
            if line.startswith("customer_directory")] == [["customer_directory", "3", "4", "1"]]

    metrics = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(_stats(pg_dsn, "prometheus"))
               for s in family.samples}
    assert metrics[("escodegen_events", ())] == 4
    assert metrics[("escodegen_projection_events_behind",
                    (("projection", "order_summary"),))] == 4
    assert metrics[("escodegen_projection_events_behind",
                    (("projection", "customer_directory"),))] == 1


def test_an_unreachable_database_is_exit_2() -> None:
    result = CliRunner().invoke(cli, ["-C", str(EXAMPLES / "shop"), "stats", "--dsn",
                                      "postgresql://nobody@127.0.0.1:1/none"])
    assert result.exit_code == 2, result.output
    assert "error:" in result.output


def test_a_hostile_checkpoint_name_is_one_label_value_and_one_table_row() -> None:
    """A checkpoint's name comes from the database: quotes, backslashes and line breaks stay
    inside its label value (prometheus_client escapes them), and the table shows it escaped,
    on its own line, not as a GitHub workflow command."""
    name = '::error::x" } 1\nescodegen_events 999\n\\'
    projection = {"name": name, "events_behind": 7, "seconds_behind": 1.5,
                  "checkpoint_position": 3, "head_position": 10}
    stats = Stats(store={"events": 1}, projections=[projection])
    samples = [s for family in text_string_to_metric_families(as_prometheus(stats))
               for s in family.samples]
    assert [s.value for s in samples if s.name == "escodegen_events"] == [1]
    assert {s.labels["projection"] for s in samples if s.labels} == {name}
    rows = [line for line in as_table(stats).splitlines() if "error" in line]
    assert len(rows) == 1 and rows[0].startswith("\\x3a:error::x")
