"""Moving an existing single-node store onto a cluster: the single-node files applied and
used on the coordinator, then 006_citus.sql distributes the tables with their rows; the
streams go on where they were, and a shard moved to the other worker keeps them."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg

from devtools import citus
from tests.emit_postgres.events import NO_STREAM, append, item_added
from tests.emit_postgres.test_snapshots import load, save

Conn = psycopg.Connection[Any]


def test_a_single_node_store_is_distributed_with_its_events(
        citus_cluster: citus.Cluster, citus_sql: dict[str, str]) -> None:
    dsn = citus.create_database(citus_cluster, f"moved_{uuid.uuid4().hex[:8]}")
    single = {name: text for name, text in citus_sql.items() if name != "006_citus.sql"}
    citus.apply(citus_cluster, dsn, single)
    streams = [f"Order-{uuid.uuid4()}" for _ in range(20)]
    with psycopg.connect(dsn, autocommit=True) as conn:
        for stream in streams:  # plain tables on the coordinator: the single-node append
            append(conn, stream, NO_STREAM, [item_added(stream[6:]), item_added(stream[6:])])
        assert save(conn, 1, 2, {"items": 2})
        before = conn.execute("select event_id, stream_id, stream_position, global_position"
                              " from es.events order by 1").fetchall()

    citus.apply(citus_cluster, dsn, {"006_citus.sql": citus_sql["006_citus.sql"]})

    with psycopg.connect(dsn, autocommit=True) as conn:
        assert conn.execute("select event_id, stream_id, stream_position, global_position"
                            " from es.events order by 1").fetchall() == before
        assert conn.execute("select count(distinct nodeport) from citus_shards"
                            " where table_name = 'es.events'::regclass").fetchone() == (2,)
        assert load(conn, 1) == [(2, {"items": 2})]
        for stream in streams:  # the stream versions carried over: expectations hold
            assert [r[1] for r in append(conn, stream, 2, [item_added(stream[6:])])] == [3]
        # a shard moved to the other worker (rebalancing moves shards so) keeps its streams
        shard, source, target = conn.execute(
            "select s.shardid, s.nodeport, (select w.nodeport from citus_shards w"
            "   where w.table_name = s.table_name and w.nodeport <> s.nodeport limit 1)"
            " from citus_shards s where s.table_name = 'es.events'::regclass"
            "  and s.shardid = get_shard_id_for_distribution_column('es.events', %s::text)",
            (streams[0],)).fetchone() or (None, None, None)
        conn.execute("select citus_move_shard_placement(%s, '127.0.0.1', %s, '127.0.0.1', %s,"
                     " shard_transfer_mode => 'block_writes')", (shard, source, target))
        assert citus.worker_of(citus_cluster, dsn, streams[0]).port == target
        assert [r[1] for r in append(conn, streams[0], 3, [item_added(streams[0][6:])])] == [4]
        assert conn.execute("select count(*) from es.events").fetchone() == (61,)
