"""`escodegen verify-store`: stored events written before validation or by a raw INSERT are
found, counted per (type, version) and named by position, stream, path and problem."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import psycopg
from click.testing import CliRunner
from psycopg.types.json import Jsonb

from escodegen.cli import cli
from escodegen.db import verify_store as verify
from tests.emit_postgres.events import NO_STREAM, append, event, item_added

RAW = """
insert into es.events (event_id, stream_id, stream_position, event_type, event_version, data)
values (gen_random_uuid(), %s, %s, %s, %s, %s)"""


def _fill(dsn: str) -> str:
    order = str(uuid.uuid4())
    with psycopg.connect(dsn, autocommit=True) as conn:
        append(conn, f"Order-{order}", NO_STREAM, [item_added(order, sku) for sku in "abc"])
        append(conn, "Customer-1", NO_STREAM, [event(
            "CustomerRegistered", 1, {"customerId": order, "name": "Ada L", "email": "a@b.c"})])
        # written before validation existed, or by a script
        conn.execute(RAW, ("Customer-2", 1, "CustomerRegistered", 1,
                           Jsonb({"customerId": "not-a-uuid", "name": None, "email": "x"})))
        conn.execute(RAW, (f"Order-{order}", 4, "OrderItemAdded", 1,
                           Jsonb({"orderId": order, "sku": "d", "quantity": 1.5})))
        conn.execute(RAW, (f"Order-{order}", 5, "OrderItemAdded", 1,
                           Jsonb({"orderId": order, "quantity": 2})))
    return order


def test_bad_rows_are_found_by_position_stream_and_path(store: str) -> None:
    order = _fill(store)
    result = CliRunner().invoke(cli, ["verify-store", "--dsn", store, "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert (report["events"], report["invalid"]) == (7, 3)
    assert report["versions"] == [
        {"event_type": "CustomerRegistered", "event_version": 1, "events": 2, "invalid": 1},
        {"event_type": "OrderItemAdded", "event_version": 1, "events": 5, "invalid": 2}]
    assert report["problems"] == {
        "CustomerRegistered": [{"position": 5, "stream": "Customer-2", "event_version": 1,
                                "path": "customerId", "problem": "not a uuid"}],
        "OrderItemAdded": [
            {"position": 6, "stream": f"Order-{order}", "event_version": 1,
             "path": "quantity", "problem": "expected an integer, got a fraction"},
            {"position": 7, "stream": f"Order-{order}", "event_version": 1,
             "path": "sku", "problem": "required field is missing"}]}


def test_text_output_has_no_progress_bar_off_a_terminal(store: str) -> None:
    _fill(store)
    result = CliRunner().invoke(cli, ["verify-store", "--dsn", store, "--first", "1"])
    assert result.exit_code == 1
    assert "verifying" not in result.output and "\r" not in result.output
    assert "position 6 in stream Order-" in result.output
    assert "position 7" not in result.output  # --first 1
    assert result.output.rstrip().endswith("3 of 7 events do not fit their declaration")


def test_a_clean_store_passes_and_slices_cover_every_event(store: str,
                                                           monkeypatch: object) -> None:
    order = str(uuid.uuid4())
    with psycopg.connect(store, autocommit=True) as conn:
        append(conn, f"Order-{order}", NO_STREAM, [item_added(order, str(n)) for n in range(7)])
    seen: list[tuple[int, int]] = []
    setattr(verify, "SLICE", 3)  # noqa: B010 - several statements over a small store
    try:
        found = verify.verify_store(store, "es", progress=lambda done, total: seen.append(
            (done, total)))
    finally:
        setattr(verify, "SLICE", 200_000)  # noqa: B010
    assert (found.events, found.invalid, found.problems) == (7, 0, {})
    assert seen == [(3, 7), (6, 7), (7, 7)]
    result = CliRunner().invoke(cli, ["verify-store", "--dsn", store])
    assert result.exit_code == 0
    assert "all 7 events fit their declaration" in result.output


def test_a_schema_without_a_store_exits_2_with_the_remedy(store: str) -> None:
    result = CliRunner().invoke(cli, ["verify-store", "--dsn", store, "--schema", "nope"])
    assert result.exit_code == 2
    assert result.output == (
        'error: relation "nope.events" does not exist: is the store\'s SQL of this escodegen '
        "version applied to this database (the generated postgres files), and is its schema "
        "the one given?\n")


def test_an_unreachable_database_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["verify-store", "--dsn", "host=/nonexistent dbname=x"])
    assert result.exit_code == 2
    assert result.output.startswith("error: ")


def test_the_first_problems_of_a_type_come_by_position_across_versions_and_slices(
        store: str) -> None:
    """A type's first problems are its first invalid events by position, whatever their
    version and slice: the scan counts with `valid_event` and asks `validate_event` only for
    the invalid ones."""
    with psycopg.connect(store, autocommit=True) as conn:
        for n, (version, data) in enumerate([
                (2, {"customerId": "v2-first"}),
                (1, {"customerId": str(uuid.uuid4()), "name": "fits", "email": "e"}),
                (1, {"customerId": "v1-second"}),
                (2, {"customerId": "v2-third"}),
                (1, {"customerId": "v1-fourth"})], start=1):
            conn.execute(RAW, ("Customer-9", n, "CustomerRegistered", version, Jsonb(data)))
        rows = conn.execute("select global_position from es.events order by 1").fetchall()
    positions = [p for (p,) in rows]
    for slice_size in (200_000, 2):
        setattr(verify, "SLICE", slice_size)  # noqa: B010
        try:
            found = verify.verify_store(store, "es", first=3)
        finally:
            setattr(verify, "SLICE", 200_000)  # noqa: B010
        assert (found.events, found.invalid) == (5, 4)
        assert found.counts == {("CustomerRegistered", 1): [3, 2],
                                ("CustomerRegistered", 2): [2, 2]}
        shown = found.problems["CustomerRegistered"]
        assert [(p.position, p.version, p.path) for p in shown] == [
            (positions[0], 2, "customerId"), (positions[2], 1, "customerId"),
            (positions[3], 2, "customerId")], slice_size
