"""A feed whose shard moves to another worker (citus_move_shard_placement, as rebalancing
does): its rows keep the old node's transaction ids, new appends take the new node's.
When the new node's transaction counter is behind the old one's, the feed breaks two ways:
the moved events are held back (their tx_id is not below the new node's xmin) and an append
after the move lands below a consumer's checkpoint, which then never reads it. Aligning the
workers' transaction counters before the move (the statement of docs/scale-out.md, "Moving
shards") keeps the feed whole."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest

from devtools import citus
from tests.emit_postgres.events import NO_STREAM, append, item_added

Conn = psycopg.Connection[Any]
Checkpoint = tuple[str, int]
START: Checkpoint = ("0", 0)
AHEAD = 5000  # the source worker's transaction counter ahead of the target's

# docs/scale-out.md: every worker's transaction counter brought past the highest of them, plus
# a margin for the transactions taken until the move blocks writes.
ALIGN = """
select run_command_on_workers(format(
    'do $$ begin loop perform set_config(''synchronous_commit'', ''off'', true);'
    ' exit when pg_current_xact_id() >= %L::xid8; commit; end loop; end $$',
    (select max(result::numeric) + 100000
       from run_command_on_workers('select pg_current_xact_id()'))))
"""


@pytest.fixture
def store(citus_cluster: citus.Cluster, citus_sql: dict[str, str]) -> str:
    """A store of its own: a shard of it moves."""
    dsn = citus.create_database(citus_cluster, f"moved_feed_{uuid.uuid4().hex[:8]}")
    citus.apply(citus_cluster, dsn, citus_sql)
    return dsn


def read(conn: Conn, feed_key: str, after: Checkpoint) -> list[tuple[str, int, str, int]]:
    return conn.execute("select stream_id, stream_position, tx_id::text, global_position"
                        " from es.read_feed(%s, %s::xid8, %s, 1000)",
                        (feed_key, after[0], after[1])).fetchall()


def streams_in(conn: Conn, shard: int, count: int) -> list[str]:
    found: list[str] = []
    while len(found) < count:
        stream = f"Order-{uuid.uuid4()}"
        if conn.execute("select get_shard_id_for_distribution_column('es.events', %s::text)",
                        (stream,)).fetchone() == (shard,):
            found.append(stream)
    return found


def xid(c: citus.Cluster, port: int) -> int:
    """The worker's transaction counter (one per server, whatever the database)."""
    node = next(n for n in c.workers if n.port == port)
    with psycopg.connect(node.dsn(), autocommit=True) as conn:
        (value,) = conn.execute("select pg_current_xact_id()::text").fetchone() or ("0",)
        return int(value)


def a_feed_with_events_on_the_busier_worker(
        c: citus.Cluster, conn: Conn) -> tuple[int, str, int, int, list[str]]:
    """A feed (shard, key), its worker (ahead of the other by AHEAD transactions) and the
    other, and three streams of two events each in it."""
    shard, key = conn.execute("select shard_id, feed_key from es.feeds()"
                              " order by shard_id limit 1").fetchone() or (0, "")
    (source,) = conn.execute("select nodeport from citus_shards where shardid = %s",
                             (shard,)).fetchone() or (0,)
    target = next(n.port for n in c.workers if n.port != source)
    goal = xid(c, target) + AHEAD
    node = next(n for n in c.workers if n.port == source)
    with psycopg.connect(node.dsn(), autocommit=True) as worker:
        worker.execute(f"do $$ begin while pg_current_xact_id() < '{goal}'::xid8 loop commit;"
                       " end loop; end $$")
    streams = streams_in(conn, shard, 3)
    for stream in streams:
        append(conn, stream, NO_STREAM, [item_added(stream[6:]), item_added(stream[6:])])
    return shard, key, source, target, streams


def move(conn: Conn, shard: int, source: int, target: int) -> None:
    conn.execute("select citus_move_shard_placement(%s, '127.0.0.1', %s, '127.0.0.1', %s,"
                 " shard_transfer_mode => 'block_writes')", (shard, source, target))


def test_a_feed_moved_to_a_worker_behind_in_transaction_ids_breaks(
        citus_cluster: citus.Cluster, store: str) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        shard, key, source, target, streams = a_feed_with_events_on_the_busier_worker(
            citus_cluster, conn)
        before = read(conn, key, START)
        assert len(before) == 6
        checkpoint = (before[-1][2], before[-1][3])

        move(conn, shard, source, target)

        assert citus.worker_of(citus_cluster, store, streams[0]).port == target
        assert read(conn, key, START) == [], "the moved events are held back"
        (new,) = streams_in(conn, shard, 1)
        append(conn, new, NO_STREAM, [item_added(new[6:])])
        assert read(conn, key, checkpoint) == [], "the append is below the checkpoint"
        assert [r[0] for r in read(conn, key, START)] == [new]
        assert conn.execute("select count(*) from es.events").fetchone() == (7,)


def test_aligned_transaction_ids_keep_a_moved_feed_whole(
        citus_cluster: citus.Cluster, store: str) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        shard, key, source, target, streams = a_feed_with_events_on_the_busier_worker(
            citus_cluster, conn)
        before = read(conn, key, START)
        checkpoint = (before[-1][2], before[-1][3])

        conn.execute(ALIGN)
        assert xid(citus_cluster, target) > int(checkpoint[0])
        move(conn, shard, source, target)

        assert citus.worker_of(citus_cluster, store, streams[0]).port == target
        assert read(conn, key, START) == before, "the same events, in the same order"
        (new,) = streams_in(conn, shard, 1)
        append(conn, new, NO_STREAM, [item_added(new[6:])])
        append(conn, streams[0], 2, [item_added(streams[0][6:])])
        assert [(r[0], r[1]) for r in read(conn, key, checkpoint)] == [(new, 1), (streams[0], 3)]
        assert read(conn, key, START)[:6] == before
