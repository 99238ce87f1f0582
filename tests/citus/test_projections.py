"""Projections on the cluster: caught up feed by feed (es.read_feed_json, then
es.apply_feed_<projection> on the coordinator) with a checkpoint per feed, so an event
committed late on a worker is applied, never skipped; a restart resumes from the vector."""

from __future__ import annotations

import uuid
from types import ModuleType
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.emit_postgres.events import ANY, NO_STREAM, append, event, item_added

Conn = psycopg.Connection[Any]


def placed(order: str) -> dict[str, Any]:
    return event("OrderPlaced", 1, {"orderId": order, "customerId": str(uuid.uuid4()),
                                    "totalAmount": "10.5"})


@pytest.fixture
def store(conn: Conn) -> Conn:
    conn.execute("truncate es.order_summary")
    conn.execute("delete from es.checkpoints where name like 'order_summary%'")
    conn.execute("delete from es.projection_failures")
    return conn


def vector(conn: Conn, name: str = "order_summary") -> dict[str, tuple[str, int]]:
    """The projection's checkpoint per feed (a feed not read yet starts at the beginning)."""
    rows = conn.execute(
        "select f.feed_key, coalesce(c.tx_id, '0')::text, coalesce(c.global_position, 0)"
        "  from es.feeds() f left join es.checkpoints c"
        "    on c.name = %s || '@' || f.feed_key order by f.feed_key", (name,)).fetchall()
    return {key: (tx, position) for key, tx, position in rows}


def catch_up(conn: Conn, batch: int = 3, name: str = "order_summary",
             apply: str = "es.apply_feed_order_summary") -> int:
    """What a consumer does: each feed from its checkpoint, batch by batch (`name`, `apply`:
    the checkpoints and the function, the live table's or the rebuild's)."""
    applied = 0
    for key in vector(conn, name):
        while True:
            tx_id, position = vector(conn, name)[key]
            row = conn.execute("select es.read_feed_json(%s, %s::xid8, %s, %s)",
                               (key, tx_id, position, batch)).fetchone()
            assert row is not None
            if not row[0]:
                break
            done = conn.execute(f"select {apply}(%s, %s::xid8, %s, %s)",
                                (key, tx_id, position, Jsonb(row[0]))).fetchone()
            assert done is not None
            applied += done[0]
    return applied


def summary(conn: Conn) -> dict[str, tuple[str, int]]:
    return {str(o): (s, c) for o, s, c in
            conn.execute("select order_id, status, item_count from es.order_summary")}


def test_the_catch_up_from_the_feeds_applies_every_event_of_every_worker_once(
        store: Conn) -> None:
    orders = [str(uuid.uuid4()) for _ in range(16)]
    for order in orders:
        append(store, f"Order-{order}", NO_STREAM, [placed(order), item_added(order)])
    for order in orders[::2]:
        append(store, f"Order-{order}", ANY, [item_added(order), item_added(order)])
    workers = store.execute("select count(distinct nodename || nodeport) from pg_dist_shard_"
                            "placement where shardid in (select shard_id from es.feeds())"
                            ).fetchone()
    assert workers == (2,)
    assert catch_up(store) == 16 * 2 + 8 * 2
    assert summary(store) == {o: ("placed", 3 if i % 2 == 0 else 1)
                              for i, o in enumerate(orders)}
    assert catch_up(store) == 0  # nothing twice
    assert summary(store)[orders[1]] == ("placed", 1)
    # the table is distributed by its key: its rows are in shards on both workers
    counts = rows_per_worker(store, "es.order_summary")
    assert len(counts) == 2 and sum(counts) == 16


def rows_per_worker(conn: Conn, table: str) -> list[int]:
    """How many rows of a distributed table each worker holds (its shards' rows)."""
    return [int(n) for n, in conn.execute(
        "select sum(r.result::bigint) from run_command_on_shards(%s, 'select count(*) from %%s') r"
        "  join pg_dist_shard_placement p using (shardid)"
        " where r.result::bigint > 0 group by p.nodeport order by p.nodeport", (table,))]


def test_the_projection_tables_are_distributed_by_their_key(store: Conn) -> None:
    assert store.execute(
        "select logicalrelid::text, partmethod, column_to_column_name(logicalrelid, partkey)"
        "  from pg_dist_partition where logicalrelid in"
        "       ('es.order_summary'::regclass, 'es.customer_directory'::regclass)"
        " order by 1").fetchall() == [("es.customer_directory", "h", "customer_id"),
                                      ("es.order_summary", "h", "order_id")]


@pytest.mark.parametrize(("call", "way"), [
    ("es.catch_up_order_summary()", "apply_feed_order_summary"),
    ("es.catch_up_part_order_summary(0, 2)", "apply_feed_order_summary"),
    ("es.partition_order_summary(2)", "apply_feed_order_summary"),
    ("es.rebuild_step_order_summary(100)", 'rebuild_step_order_summary"(feed_key')])
def test_the_single_node_catch_ups_refuse_on_the_cluster(store: Conn, call: str,
                                                         way: str) -> None:
    with pytest.raises(psycopg.Error) as raised:
        store.execute(f"select {call}")
    assert raised.value.sqlstate == "ESDIS"
    assert way in str(raised.value.diag.message_hint)  # the way on the cluster


def test_an_event_committed_late_on_a_worker_is_applied_not_skipped(
        citus_store: str, store: Conn) -> None:
    slow_order, fast_order = str(uuid.uuid4()), str(uuid.uuid4())
    with psycopg.connect(citus_store) as slow:
        append(slow, f"Order-{slow_order}", NO_STREAM, [placed(slow_order)])  # not committed
        append(store, f"Order-{fast_order}", NO_STREAM, [placed(fast_order)])
        catch_up(store)
        assert slow_order not in summary(store)
        slow.commit()
    catch_up(store)
    assert set(summary(store)) == {slow_order, fast_order}


def test_a_restart_resumes_from_the_vector(citus_store: str, store: Conn) -> None:
    orders = [str(uuid.uuid4()) for _ in range(6)]
    for order in orders:
        append(store, f"Order-{order}", NO_STREAM, [placed(order)])
    first = catch_up(store)
    assert first == 6
    before = vector(store)
    assert sum(position > 0 for _, position in before.values()) > 1  # several feeds
    for order in orders:
        append(store, f"Order-{order}", ANY, [item_added(order)])
    with psycopg.connect(citus_store, autocommit=True) as restarted:  # a new consumer
        assert vector(restarted) == before
        assert catch_up(restarted, batch=100) == 6
    assert all(count == 1 for _, count in summary(store).values())


def test_a_batch_read_from_an_old_checkpoint_is_left_alone(store: Conn) -> None:
    order = str(uuid.uuid4())
    append(store, f"Order-{order}", NO_STREAM, [placed(order), item_added(order)])
    key = store.execute("select f.feed_key from es.feeds() f where f.shard_id ="
                        " get_shard_id_for_distribution_column('es.events', %s::text)",
                        (f"Order-{order}",)).fetchone()
    assert key is not None
    row = store.execute("select es.read_feed_json(%s, '0', 0, 10)", key).fetchone()
    assert row is not None
    apply = "select es.apply_feed_order_summary(%s, '0', 0, %s)"
    assert store.execute(apply, (key[0], Jsonb(row[0]))).fetchone() == (2,)
    assert store.execute(apply, (key[0], Jsonb(row[0]))).fetchone() == (0,)  # a second consumer
    assert summary(store) == {order: ("placed", 1)}
    with pytest.raises(psycopg.Error) as raised:  # not in feed order
        store.execute("select es.apply_feed_order_summary(%s, %s::xid8, %s, %s)",
                      (key[0], *vector(store)[key[0]], Jsonb(row[0])))
    assert raised.value.sqlstate == "ESARG"


def test_the_generated_runner_catches_up_from_the_feeds(
        citus_package: ModuleType, citus_store: str, store: Conn) -> None:
    orders = [str(uuid.uuid4()) for _ in range(8)]
    for order in orders:
        append(store, f"Order-{order}", NO_STREAM, [placed(order), item_added(order)])
    with psycopg.connect(citus_store) as runner_conn:  # not autocommit: batches in transactions
        runner = citus_package.projections.OrderSummaryProjection(runner_conn)
        assert runner.catch_up(batch_size=3) == 16
        assert runner.catch_up() == 0
        append(store, f"Order-{orders[0]}", ANY, [item_added(orders[0])])
        assert runner.catch_up() == 1
        [last] = append(store, f"Order-{orders[1]}", ANY, [item_added(orders[1])])
    with psycopg.connect(citus_store, autocommit=True) as runner_conn:
        runner = citus_package.projections.OrderSummaryProjection(runner_conn)
        assert not runner.caught_up(last[2])
        rounds = iter([False, True])  # one round, then stop
        assert runner.run(stop=lambda: next(rounds), idle_seconds=0.1) == 1
    assert summary(store)[orders[0]] == ("placed", 2)
    assert summary(store)[orders[1]] == ("placed", 2)
    assert set(summary(store)) == set(orders)
    store.execute("update es.order_summary set item_count = 0")
    with psycopg.connect(citus_store, autocommit=True) as runner_conn:
        runner = citus_package.projections.OrderSummaryProjection(runner_conn)
        assert runner.rebuild(batch_size=4) == 18  # from every feed, then swapped in
        assert runner.lag().events_behind == 0
        assert runner.caught_up(last[2])
    assert summary(store)[orders[0]] == ("placed", 2)
    assert summary(store)[orders[2]] == ("placed", 1)


def _feed_batch(conn: Conn, stream: str) -> tuple[str, Any]:
    key = conn.execute("select f.feed_key from es.feeds() f where f.shard_id ="
                       " get_shard_id_for_distribution_column('es.events', %s::text)",
                       (stream,)).fetchone()
    assert key is not None
    row = conn.execute("select es.read_feed_json(%s, '0', 0, 10)", key).fetchone()
    assert row is not None
    return key[0], row[0]


def stored_raw(conn: Conn, stream: str, event_type: str, data: dict[str, Any]) -> None:
    """An event the append would refuse (a script's raw insert, an old payload)."""
    conn.execute("insert into es.events (event_id, stream_id, stream_position, event_type,"
                 " event_version, data, tx_id) values (%s, %s, 1, %s, 1, %s, '1')",
                 (uuid.uuid4(), stream, event_type, Jsonb(data)))


def test_an_event_a_projection_cannot_apply_stops_it_or_is_recorded(store: Conn) -> None:
    stream = f"Order-{uuid.uuid4()}"
    stored_raw(store, stream, "OrderPlaced", {"orderId": "not-a-uuid", "totalAmount": "1",
                                              "customerId": str(uuid.uuid4())})
    key, batch = _feed_batch(store, stream)
    with pytest.raises(psycopg.Error) as raised:  # on_error: stop
        store.execute("select es.apply_feed_order_summary(%s, '0', 0, %s)", (key, Jsonb(batch)))
    assert raised.value.sqlstate == "ESPRJ"
    assert vector(store)[key] == ("0", 0)  # the checkpoint stays before it
    stream = f"Customer-{uuid.uuid4()}"
    stored_raw(store, stream, "CustomerRegistered", {
        "customerId": "not-a-uuid", "firstName": "A", "lastName": "B", "tier": "gold"})
    key, batch = _feed_batch(store, stream)
    assert store.execute("select es.apply_feed_customer_directory(%s, '0', 0, %s)",
                         (key, Jsonb(batch))).fetchone() == (1,)  # on_error: skip
    # the feed is the shard's: the order above may share it (one chance in the shard count)
    [bad] = [event for event in batch if event["stream_id"] == stream]
    assert store.execute("select event_id::text, global_position from es.projection_failures"
                         " where projection = 'customer_directory'").fetchall() == [
        (bad["event_id"], bad["global_position"])]


def test_a_rebuild_fills_a_fresh_table_from_every_feed_and_goes_live_at_its_vector(
        store: Conn) -> None:
    orders = [str(uuid.uuid4()) for _ in range(12)]
    for order in orders:
        append(store, f"Order-{order}", NO_STREAM, [placed(order), item_added(order)])
    assert catch_up(store) == 24
    store.execute("update es.order_summary set item_count = 99")  # a table gone wrong
    store.execute("select es.begin_rebuild_order_summary()")
    live, rebuilt = store.execute(
        "select colocationid from pg_dist_partition where logicalrelid in"
        " ('es.order_summary'::regclass, 'es.order_summary__rebuild'::regclass)").fetchall()
    assert live == rebuilt  # distributed as the live table, its rows beside the live ones
    rebuild = {"name": "order_summary__rebuild", "apply": "es.rebuild_step_order_summary"}
    assert catch_up(store, batch=5, **rebuild) == 24  # from every feed, from zero
    for order in orders[:4]:  # events after the rebuild's vector: the live table's to apply
        append(store, f"Order-{order}", ANY, [item_added(order)])
    assert summary(store)[orders[0]] == ("placed", 99)  # the live table is still the old one
    vector_of_rebuild = vector(store, "order_summary__rebuild")
    store.execute("select es.finish_rebuild_order_summary()")
    assert vector(store) == vector_of_rebuild
    assert store.execute("select count(*) from es.checkpoints"
                         " where name like 'order_summary\\_\\_rebuild%'").fetchone() == (0,)
    assert store.execute("select to_regclass('es.order_summary__rebuild')").fetchone() == (None,)
    assert summary(store) == {o: ("placed", 1) for o in orders}
    assert catch_up(store) == 4  # the live consumer goes on from the rebuild's vector
    assert summary(store) == {o: ("placed", 2 if i < 4 else 1) for i, o in enumerate(orders)}
    assert store.execute("select partmethod from pg_dist_partition"
                         " where logicalrelid = 'es.order_summary'::regclass").fetchone() == ("h",)
    with pytest.raises(psycopg.Error) as raised:
        store.execute("select es.finish_rebuild_order_summary()")
    assert raised.value.sqlstate == "ESARG"  # no rebuild in progress


def status(conn: Conn, name: str) -> tuple[int, int, float]:
    """projection_status's head, events behind and seconds behind of checkpoint `name`."""
    row = conn.execute("select head_position, events_behind, seconds_behind"
                       "  from es.projection_status(%s)", (name,)).fetchone()
    assert row is not None
    return row


def test_projection_status_and_caught_up_compare_the_vector_with_each_feed(
        store: Conn) -> None:
    orders = [str(uuid.uuid4()) for _ in range(10)]
    stored = [append(store, f"Order-{o}", NO_STREAM, [placed(o), item_added(o)]) for o in orders]
    head = store.execute("select max(global_position) from es.events").fetchone()
    assert head is not None
    first = stored[0][0]  # (event id, stream position, global position) of a stored event
    store.execute("insert into es.checkpoints (name) values ('order_summary')")  # as applied
    assert status(store, "order_summary")[:2] == (head[0], 20)  # nothing applied yet
    assert store.execute("select es.projection_caught_up('order_summary', %s)",
                         (first[2],)).fetchone() == (False,)
    catch_up(store)
    assert status(store, "order_summary") == (head[0], 0, 0)
    assert store.execute("select es.projection_caught_up('order_summary', %s)",
                         (first[2],)).fetchone() == (True,)
    append(store, f"Order-{orders[0]}", ANY, [item_added(orders[0]), item_added(orders[0])])
    late = store.execute("select global_position from es.events where stream_id = %s"
                         " order by stream_position desc limit 1",
                         (f"Order-{orders[0]}",)).fetchone()
    assert late is not None
    behind = status(store, "order_summary")
    # the head: the largest of the feeds' (each worker has its own range of positions)
    assert behind[0] == max(head[0], late[0]) and behind[1] == 2 and behind[2] > 0
    # the feed of orders[0] is 2 behind, and only it
    rows = store.execute("select name, events_behind from es.projection_status()"
                         " where name like 'order\\_summary@%'").fetchall()
    assert sorted(n for _, n in rows if n) == [2]
    assert store.execute("select es.projection_caught_up('order_summary', %s, %s)",
                         (f"Order-{orders[0]}", late[0])).fetchone() == (False,)
    catch_up(store)
    assert status(store, "order_summary")[1:] == (0, 0)
    assert store.execute("select es.projection_caught_up('order_summary', %s, %s)",
                         (f"Order-{orders[0]}", late[0])).fetchone() == (True,)


def test_a_skipped_event_retried_is_applied_in_the_projections_order(store: Conn) -> None:
    store.execute("truncate es.customer_directory")
    store.execute("delete from es.checkpoints where name like 'customer\\_directory%'")
    customer = str(uuid.uuid4())
    stream = f"Customer-{customer}"
    stored_raw(store, stream, "CustomerRegistered", {
        "customerId": "not-a-uuid", "firstName": "A", "lastName": "B", "tier": "standard"})
    directory = {"name": "customer_directory", "apply": "es.apply_feed_customer_directory"}
    assert catch_up(store, **directory) == 1  # skipped, recorded
    store.execute("update es.events set data = jsonb_set(data, '{customerId}', to_jsonb(%s::text))"
                  " where stream_id = %s", (customer, stream))  # the event fixed
    assert store.execute("select applied from es.retry_customer_directory()").fetchall() == [
        (True,)]
    append(store, stream, ANY, [event("CustomerTierChanged", 1,
                                      {"customerId": customer, "tier": "premium"})])
    assert catch_up(store, **directory) == 1
    # applied after the retried one: the retry took the projection's order, not the event's
    assert store.execute("select tier from es.customer_directory where customer_id = %s",
                         (customer,)).fetchall() == [("premium",)]
    assert store.execute("select count(*) from es.projection_failures"
                         " where projection = 'customer_directory'").fetchone() == (0,)
