"""The read side on the cluster: one gap-safe feed per shard of events (es.feeds,
es.read_feed), each read on the node holding its shard, with a checkpoint per feed."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg

from tests.emit_postgres.events import ANY, NO_STREAM, append, item_added

Conn = psycopg.Connection[Any]
Checkpoint = tuple[str, int]  # (tx_id as text, global_position)
START: Checkpoint = ("0", 0)


def read(conn: Conn, feed_key: str, after: Checkpoint, limit: int = 1000) -> list[Any]:
    return conn.execute(
        "select stream_id, stream_position, tx_id::text, global_position, event_id"
        " from es.read_feed(%s, %s::xid8, %s, %s)", (feed_key, after[0], after[1], limit)
    ).fetchall()


def catch_up(conn: Conn, checkpoints: dict[str, Checkpoint]) -> list[Any]:
    """Everything after the checkpoint vector, feed by feed, in pages of 3; moves it on."""
    rows: list[Any] = []
    for key, start in checkpoints.items():
        after = start
        while page := read(conn, key, after, 3):
            rows += page
            after = (page[-1][2], page[-1][3])
        checkpoints[key] = after
    return rows


def feeds(conn: Conn) -> dict[int, str]:
    return dict(conn.execute("select shard_id, feed_key from es.feeds()").fetchall())


def test_there_is_a_feed_per_shard_and_each_event_is_in_one_in_stream_order(conn: Conn) -> None:
    by_shard = feeds(conn)
    shards = conn.execute("select shardid from pg_dist_shard"
                          " where logicalrelid = 'es.events'::regclass").fetchall()
    assert set(by_shard) == {s[0] for s in shards}
    streams = [f"Order-{uuid.uuid4()}" for _ in range(24)]
    for round_ in range(3):
        for stream in streams:
            append(conn, stream, ANY if round_ else NO_STREAM,
                   [item_added(stream[6:]), item_added(stream[6:])])
    checkpoints = {key: START for key in by_shard.values()}
    rows = catch_up(conn, checkpoints)
    assert sorted(r[4] for r in rows) == sorted(
        r[0] for r in conn.execute("select event_id from es.events").fetchall())
    for stream in streams:  # a stream is in one feed, in its own order
        assert [r[1] for r in rows if r[0] == stream] == list(range(1, 7))
    assert catch_up(conn, checkpoints) == []  # nothing twice


def _same_shard_stream(conn: Conn, stream: str) -> str:
    shard = conn.execute("select get_shard_id_for_distribution_column('es.events', %s::text)",
                         (stream,)).fetchone()
    while True:
        other = f"Order-{uuid.uuid4()}"
        if conn.execute("select get_shard_id_for_distribution_column('es.events', %s::text)",
                        (other,)).fetchone() == shard:
            return other


def test_an_event_committed_late_is_delivered_after_the_checkpoint_never_skipped(
        citus_store: str, conn: Conn) -> None:
    slow_stream = f"Order-{uuid.uuid4()}"
    fast_stream = _same_shard_stream(conn, slow_stream)
    key = conn.execute("select f.feed_key from es.feeds() f where f.shard_id ="
                       " get_shard_id_for_distribution_column('es.events', %s::text)",
                       (slow_stream,)).fetchone()
    assert key is not None
    with psycopg.connect(citus_store) as slow:
        append(slow, slow_stream, NO_STREAM, [item_added(slow_stream[6:])])  # not committed
        append(conn, fast_stream, NO_STREAM, [item_added(fast_stream[6:])])  # committed
        # the fast event's transaction is younger than the open one on the same node: held back
        assert read(conn, key[0], START) == []
        slow.commit()
    rows = read(conn, key[0], START)
    assert [r[0] for r in rows] == [slow_stream, fast_stream]  # in transaction order
