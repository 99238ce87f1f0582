"""The store distributed on a real Citus cluster (`postgres.distribution: citus`): the DDL
applies (twice), the stream's tables are co-located by stream id, an append runs as one
transaction of the worker holding the stream, and the single-node store's per-stream
guarantees hold there: the expected-version matrix, no position taken by a rejection,
idempotent retries (event ids unique per stream), registry and payload checks, snapshots."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

import psycopg
import pytest
from psycopg import sql

from devtools import citus
from tests.emit_postgres import test_snapshots
from tests.emit_postgres.events import ANY, NO_STREAM, STREAM_EXISTS, append, event, item_added
from tests.emit_postgres.test_append import MATRIX

Conn = psycopg.Connection[Any]
ORDER = str(uuid.uuid4())
STREAM = f"Order-{ORDER}"

# The single-node suite's snapshot tests, run on the cluster (its `conn` is this folder's).
test_only_the_latest_snapshot_is_kept = test_snapshots.test_only_the_latest_snapshot_is_kept
test_a_snapshot_of_another_state_version_is_not_loaded = (
    test_snapshots.test_a_snapshot_of_another_state_version_is_not_loaded)


def test_the_stream_tables_are_distributed_and_co_located(conn: Conn) -> None:
    rows = conn.execute(
        "select logicalrelid::text, partmethod, column_to_column_name(logicalrelid, partkey),"
        " colocationid from pg_dist_partition where logicalrelid::text like 'es.%'"
        " order by 1").fetchall()
    by_table = {r[0]: r[1:] for r in rows}
    assert set(by_table) == {"es.archived_streams", "es.event_registry", "es.events",
                             "es.snapshots", "es.streams",
                             # the projections' tables, by their key (test_projections.py)
                             "es.customer_directory", "es.order_summary"}
    assert by_table["es.event_registry"][0] == "n"  # a reference table: a copy on every node
    hashed = ["es.archived_streams", "es.events", "es.snapshots", "es.streams"]
    assert {by_table[t][:2] for t in hashed} == {("h", "stream_id")}
    assert len({by_table[t][2] for t in hashed}) == 1  # one co-location group
    workers = conn.execute("select count(distinct nodeport) from citus_shards"
                           " where table_name = 'es.events'::regclass").fetchone()
    assert workers == (2,)
    functions = conn.execute(
        "select p.proname, d.distribution_argument_index, d.colocationid, d.force_delegation"
        " from pg_dist_object d join pg_proc p on p.oid = d.objid"
        " where d.distribution_argument_index is not null"
        "   and p.proname not in ('read_feed', 'read_feed_json')"
        " order by 1").fetchall()
    assert [f[0] for f in functions] == ["append_to_stream", "load_snapshot", "read_stream",
                                         "replace_snapshot", "save_snapshot", "stream_version"]
    assert {f[1:] for f in functions} == {(0, by_table["es.events"][2], True)}


def test_unique_keys_hold_the_stream_id(conn: Conn) -> None:
    keys = conn.execute(
        "select conname, pg_get_constraintdef(oid) from pg_constraint"
        " where conrelid = 'es.events'::regclass and contype in ('p', 'u') order by 1").fetchall()
    assert keys == [("events_event_id_key", "UNIQUE (stream_id, event_id)"),
                    ("events_pkey", "PRIMARY KEY (stream_id, global_position)"),
                    ("events_stream_position_key", "UNIQUE (stream_id, stream_position)")]


def test_applying_the_files_again_keeps_the_distributed_store(
        citus_cluster: citus.Cluster, citus_store: str, citus_sql: dict[str, str],
        conn: Conn) -> None:
    append(conn, STREAM, NO_STREAM, [item_added(ORDER)])
    citus.apply(citus_cluster, citus_store, citus_sql)
    assert conn.execute("select count(*) from pg_trigger"
                        " where tgrelid = 'es.events'::regclass and not tgisinternal"
                        ).fetchone() == (0,)
    assert [r[1] for r in append(conn, STREAM, 1, [item_added(ORDER)])] == [2]


def test_an_append_is_a_transaction_of_the_worker_holding_the_stream(
        citus_cluster: citus.Cluster, citus_store: str, conn: Conn) -> None:
    """The call is delegated: the row's tx_id is the id of the worker's own transaction that
    inserted it (its xmin), the order key of that worker's feed, not the coordinator's."""
    rows = append(conn, STREAM, NO_STREAM, [item_added(ORDER)])
    worker = citus.worker_of(citus_cluster, citus_store, STREAM)
    shard = conn.execute(
        "select shard_name from citus_shards where table_name = 'es.events'::regclass"
        " and shardid = get_shard_id_for_distribution_column('es.events', %s::text)",
        (STREAM,)).fetchone()
    assert shard is not None
    with psycopg.connect(worker.dsn("shop")) as on_worker:
        stored = on_worker.execute(
            sql.SQL("select xmin::text, tx_id::text from {} where event_id = %s").format(
                sql.Identifier(*shard[0].split("."))), (rows[0][0],)).fetchone()
    assert stored is not None and stored[0] == stored[1]


@pytest.mark.parametrize(("existing", "expected", "accepted"), MATRIX)
def test_the_expected_version_matrix(conn: Conn, existing: int, expected: int,
                                     accepted: bool) -> None:
    stored = append(conn, STREAM, NO_STREAM, [item_added(ORDER) for _ in range(existing)])
    if accepted:
        rows = append(conn, STREAM, expected, [item_added(ORDER), item_added(ORDER)])
        assert [r[1] for r in rows] == [existing + 1, existing + 2]
        assert conn.execute("select es.stream_version(%s)", (STREAM,)).fetchone() == (
            existing + 2,)
        return
    with pytest.raises(psycopg.Error) as raised:
        append(conn, STREAM, expected, [item_added(ORDER), item_added(ORDER)])
    assert raised.value.sqlstate == "ESVER"
    assert json.loads(raised.value.diag.message_detail or "") == {
        "stream_id": STREAM, "expected": expected, "actual": existing}
    assert conn.execute("select es.stream_version(%s)", (STREAM,)).fetchone() == (existing,)
    rows = append(conn, STREAM, existing, [item_added(ORDER)])
    if stored:  # the rejection took no position of the worker's sequence: no gap
        assert rows[0][2] == stored[-1][2] + 1


def test_a_retried_batch_returns_the_original_positions(conn: Conn) -> None:
    batch = [item_added(ORDER), item_added(ORDER)]
    first = append(conn, STREAM, NO_STREAM, batch)
    append(conn, STREAM, 2, [item_added(ORDER)])
    assert append(conn, STREAM, NO_STREAM, batch) == first
    assert conn.execute("select count(*) from es.events").fetchone() == (3,)


@pytest.mark.parametrize("case", ["partial", "reordered"])
def test_event_ids_stored_elsewhere_in_the_stream_are_a_conflict(conn: Conn, case: str) -> None:
    batch = [item_added(ORDER), item_added(ORDER)]
    append(conn, STREAM, NO_STREAM, batch)
    retry = {"partial": [batch[0], item_added(ORDER)], "reordered": batch[::-1]}[case]
    with pytest.raises(psycopg.Error) as raised:
        append(conn, STREAM, ANY, retry)
    assert raised.value.sqlstate == "ESIDS"
    assert conn.execute("select count(*) from es.events").fetchone() == (2,)


def test_event_ids_are_unique_per_stream(conn: Conn) -> None:
    """The distribution column is part of every unique key: the same id in another stream is
    another event (on one node it would be ESIDS)."""
    batch = [item_added(ORDER)]
    append(conn, STREAM, NO_STREAM, batch)
    other = f"Order-{uuid.uuid4()}"
    assert [r[1] for r in append(conn, other, NO_STREAM, batch)] == [1]
    assert conn.execute("select count(distinct stream_id) from es.events where event_id = %s",
                        (batch[0]["event_id"],)).fetchone() == (2,)


def test_esids_names_the_stored_id_and_its_place(conn: Conn) -> None:
    first, second = item_added(ORDER), item_added(ORDER)
    append(conn, STREAM, NO_STREAM, [first, second])
    with pytest.raises(psycopg.Error) as raised:
        append(conn, STREAM, ANY, [second, item_added(ORDER)])
    assert raised.value.diag.message_primary == (
        f'event id {second["event_id"]} (event 1 of the batch) is already stored at "{STREAM}" '
        "position 2, but event 2 of the batch is not: a retried batch holds the same events")
    with pytest.raises(psycopg.Error) as raised:
        append(conn, STREAM, ANY, [second, first])
    assert raised.value.diag.message_primary == (
        f'event id {first["event_id"]} (event 2 of the batch) is already stored at "{STREAM}" '
        "position 1: the batch is not a retry of the append that stored it")


def test_an_event_id_twice_in_one_batch_is_esids(conn: Conn) -> None:
    twice = item_added(ORDER)
    with pytest.raises(psycopg.Error) as raised:
        append(conn, STREAM, ANY, [item_added(ORDER), twice, twice])
    assert raised.value.sqlstate == "ESIDS"
    assert conn.execute("select count(*) from es.events").fetchone() == (0,)


@pytest.mark.parametrize(("bad", "sqlstate"), [
    (event("OrderItemAdded", 2, {}), "ESREG"),
    (event("OrderTeleported", 1, {}), "ESREG"),
    (event("OrderItemAdded", 1, {"orderId": "not a uuid", "sku": "s", "quantity": 1}), "ESPAY"),
    ({"event_type": "OrderItemAdded", "data": {}}, "ESARG"),
])
def test_unregistered_invalid_and_malformed_events_are_refused(conn: Conn, bad: dict[str, Any],
                                                               sqlstate: str) -> None:
    with pytest.raises(psycopg.Error) as raised:
        append(conn, STREAM, ANY, [item_added(ORDER), bad])
    assert raised.value.sqlstate == sqlstate
    assert conn.execute("select count(*) from es.events").fetchone() == (0,)


def test_read_stream_and_an_empty_batch(conn: Conn) -> None:
    append(conn, STREAM, NO_STREAM, [item_added(ORDER, f"sku-{i}") for i in range(5)])
    assert conn.execute("select data ->> 'sku' from es.read_stream(%s, 2, 3)",
                        (STREAM,)).fetchall() == [("sku-1",), ("sku-2",), ("sku-3",)]
    assert append(conn, STREAM, 5, []) == []
    with pytest.raises(psycopg.Error) as raised:
        append(conn, f"Order-{uuid.uuid4()}", STREAM_EXISTS, [])
    assert raised.value.sqlstate == "ESVER"


def test_appends_to_streams_on_both_workers_commit_together(
        citus_cluster: citus.Cluster, citus_store: str, conn: Conn) -> None:
    """A client transaction writing to streams of both workers: Citus commits it with
    two-phase commit (why the store's NOTIFY trigger is gone), all or nothing."""
    streams = [f"Order-{uuid.uuid4()}" for _ in range(16)]
    with pytest.raises(psycopg.Error), conn.transaction():
        for stream in streams:
            append(conn, stream, NO_STREAM, [item_added(ORDER)])
        append(conn, streams[0], NO_STREAM, [item_added(ORDER)])  # ESVER: all rolled back
    assert conn.execute("select count(*) from es.events").fetchone() == (0,)
    with conn.transaction():
        for stream in streams:
            append(conn, stream, NO_STREAM, [item_added(ORDER)])
    assert len({citus.worker_of(citus_cluster, citus_store, s) for s in streams}) == 2
    assert conn.execute("select count(*) from es.events").fetchone() == (16,)


def test_concurrent_no_stream_appends_let_exactly_one_win(citus_store: str, conn: Conn) -> None:
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def write() -> None:
        with psycopg.connect(citus_store, autocommit=True) as writer:
            barrier.wait()
            try:
                append(writer, STREAM, NO_STREAM, [item_added(ORDER)])
                outcomes.append("ok")
            except psycopg.Error as error:
                outcomes.append(error.sqlstate or "?")

    threads = [threading.Thread(target=write) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ESVER"] * 5 + ["ok"]


def _append_many(conn: Conn, appends: list[tuple[str, int, list[dict[str, Any]]]]
                 ) -> list[tuple[Any, ...]]:
    return conn.execute("select * from es.append_to_streams(%s)", (json.dumps([
        {"stream_id": s, "expected_version": e, "events": events} for s, e, events in appends]),
    )).fetchall()


def test_one_call_appends_to_many_streams_each_with_its_expectation(conn: Conn) -> None:
    a, b = (str(uuid.uuid4()) for _ in range(2))
    append(conn, f"Order-{b}", ANY, [item_added(b)])
    rows = _append_many(conn, [(f"Order-{a}", NO_STREAM, [item_added(a), item_added(a)]),
                               (f"Order-{b}", 1, [item_added(b)]),
                               (f"Order-{a}", 2, [item_added(a)])])
    assert [(r[0], r[2]) for r in rows] == [(f"Order-{a}", 1), (f"Order-{a}", 2),
                                            (f"Order-{b}", 2), (f"Order-{a}", 3)]
    stored = conn.execute("select stream_id, stream_position, event_id from es.events").fetchall()
    assert {(r[0], r[2], r[1]) for r in rows} <= set(stored)
    assert len(stored) == 5


def test_one_refused_append_refuses_the_whole_call(conn: Conn) -> None:
    a, b = (str(uuid.uuid4()) for _ in range(2))
    append(conn, f"Order-{b}", ANY, [item_added(b)])
    with pytest.raises(psycopg.Error) as caught:
        _append_many(conn, [(f"Order-{a}", NO_STREAM, [item_added(a)]),
                            (f"Order-{b}", NO_STREAM, [item_added(b)])])
    assert caught.value.sqlstate == "ESVER"
    assert json.loads(caught.value.diag.message_detail or "")["stream_id"] == f"Order-{b}"
    assert conn.execute("select count(*) from es.events where stream_id = %s",
                        (f"Order-{a}",)).fetchone() == (0,)


@pytest.mark.parametrize("appends", ['{}', '[{"stream_id": 1, "expected_version": -1}]',
                                     '[{"stream_id": "x"}]'])
def test_malformed_appends_are_rejected(conn: Conn, appends: str) -> None:
    with pytest.raises(psycopg.Error) as caught:
        conn.execute("select * from es.append_to_streams(%s)", (appends,))
    assert caught.value.sqlstate == "ESARG"


def test_an_event_id_twice_in_one_call_is_esids(conn: Conn) -> None:
    twice = item_added(ORDER)
    with pytest.raises(psycopg.Error) as caught:
        _append_many(conn, [(STREAM, ANY, [twice]), (f"Order-{uuid.uuid4()}", ANY, [twice])])
    assert caught.value.sqlstate == "ESIDS"
    assert conn.execute("select count(*) from es.events").fetchone() == (0,)
