"""`escodegen projections failures` and `retry` on a real PostgreSQL: the events the shop's
customer directory skipped (`on_error: skip`) listed as text and JSON, retried (those that now
succeed leave the list, those that still fail stay, exit 1), and the errors of a store without
the retry function or the table (exit 2)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import psycopg
from click.testing import CliRunner, Result
from psycopg.types.json import Jsonb

from escodegen.cli import cli
from tests.conftest import EXAMPLES

Conn = psycopg.Connection[Any]


def _bad_registration(conn: Conn, first: str | None = None) -> int:
    customer = str(uuid.uuid4())
    data = {"customerId": customer, "lastName": "X", "email": "x", "tier": "standard"}
    if first is not None:
        data["firstName"] = first
    row = conn.execute(
        "insert into es.events (event_id, stream_id, stream_position, event_type, event_version,"
        " data) values (gen_random_uuid(), %s, 1, 'CustomerRegistered', 3, %s)"
        " returning global_position", (f"Customer-{customer}", Jsonb(data))).fetchone()
    assert row is not None
    return int(row[0])


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(EXAMPLES / "shop"), "projections", *args])


def test_failures_are_listed_and_retried(store: str) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        fixed, broken = _bad_registration(conn), _bad_registration(conn)
        conn.execute("select es.catch_up_customer_directory(100)")

    listed = _run("failures", "--dsn", store, "--format", "json")
    assert listed.exit_code == 0, listed.output
    found = json.loads(listed.output)
    assert [(f["projection"], f["global_position"], f["event_type"], f["event_version"],
             f["sqlstate"], f["attempts"]) for f in found] == [
        ("customer_directory", fixed, "CustomerRegistered", 3, "23502", 1),
        ("customer_directory", broken, "CustomerRegistered", 3, "23502", 1)]
    assert 'null value in column "first_name"' in found[0]["error"]
    text = _run("failures", "--dsn", store, "--projection", "customerDirectory")
    assert text.exit_code == 0
    assert f"customer_directory  global position {fixed}  Customer-" in text.output
    assert "23502: null value in column" in text.output
    assert _run("failures", "--dsn", store, "--projection", "order_summary").output == (
        "no failures recorded\n")

    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute("update es.events set data = data || '{\"firstName\": \"Fixed\"}'"
                     " where global_position = %s", (fixed,))
    retried = _run("retry", "--dsn", store)
    assert retried.exit_code == 1, retried.output
    lines = retried.output.splitlines()
    assert lines[0].startswith(f"customer_directory  global position {fixed}  id ")
    assert lines[0].endswith("  applied")
    assert f"global position {broken}" in lines[1] and "still fails: null value" in lines[1]
    assert lines[2] == "retried 2: 1 applied, 1 still failing"
    again = json.loads(_run("failures", "--dsn", store, "--format", "json").output)
    assert [(f["global_position"], f["attempts"]) for f in again] == [(broken, 2)]

    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute("update es.events set data = data || '{\"firstName\": \"Too\"}'"
                     " where global_position = %s", (broken,))
        done = _run("retry", "--dsn", store, "--projection", "customer_directory")
        assert done.exit_code == 0, done.output
        assert done.output.endswith("retried 1: 1 applied, 0 still failing\n")
        assert conn.execute("select first_name from es.customer_directory order by 1"
                            ).fetchall() == [("Fixed",), ("Too",)]
    assert _run("retry", "--dsn", store).output == "retried 0: 0 applied, 0 still failing\n"


def test_a_store_without_the_functions_or_the_table_is_exit_2(store: str) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        _bad_registration(conn)
        conn.execute("select es.catch_up_customer_directory(100)")
        conn.execute("drop function es.retry_customer_directory()")
    missing = _run("retry", "--dsn", store)
    assert missing.exit_code == 2
    assert "projection customer_directory has failures but no function" in missing.output
    assert "004_projection_customer_directory.sql" in missing.output
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute("drop table es.projection_failures")
    gone = _run("failures", "--dsn", store)
    assert gone.exit_code == 2 and "projection_failures" in gone.output
