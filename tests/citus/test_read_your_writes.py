"""Reading your writes on the cluster: the generated runner's `caught_up` and `wait_until`,
given an `Appended` (which carries its stream id), ask `projection_caught_up(name,
stream_id, position)`, which reads the stream's shard alone. Shown by locking every other
shard of the events: the one-shard call answers, the call by position alone waits on them."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from types import ModuleType
from typing import Any

import psycopg
import pytest

from devtools import citus

Conn = psycopg.Connection[Any]


@pytest.fixture
def store(conn: Conn) -> Conn:
    conn.execute("truncate es.customer_directory")
    conn.execute("delete from es.checkpoints where name like 'customer\\_directory%'")
    return conn


def register(package: ModuleType, conn: Conn) -> Any:
    customer = uuid.uuid4()
    (appended,) = package.EventStore(conn).append(
        f"Customer-{customer}", [package.CustomerRegistered(
            customerId=customer, firstName="Ada", lastName="Tester", email="a@example.org",
            tier=package.CustomerRegisteredTier.standard)], expected="no_stream")
    return appended


@contextmanager
def other_shards_locked(cluster: citus.Cluster, conn: Conn, stream_id: str) -> Iterator[int]:
    """Every shard of es.events but the stream's locked on its worker (access exclusive: a
    read of it waits); yields how many."""
    placements = conn.execute(
        "select p.shardid, p.nodeport from pg_dist_shard_placement p"
        "  join pg_dist_shard s using (shardid)"
        " where s.logicalrelid = 'es.events'::regclass"
        "   and p.shardid <> get_shard_id_for_distribution_column('es.events', %s::text)",
        (stream_id,)).fetchall()
    with ExitStack() as stack:
        for worker in cluster.workers:
            shards = [shard for shard, port in placements if port == worker.port]
            if not shards:
                continue
            locker = stack.enter_context(psycopg.connect(worker.dsn("shop")))
            locker.execute("set local citus.enable_manual_changes_to_shards = on")  # a lock
            locker.execute(psycopg.sql.SQL("lock table {} in access exclusive mode").format(
                psycopg.sql.SQL(", ").join(psycopg.sql.Identifier("es", f"events_{shard}")
                                           for shard in shards)))
        yield len(placements)


def test_caught_up_and_wait_until_read_the_streams_shard_alone(
        citus_package: ModuleType, citus_cluster: citus.Cluster, citus_store: str,
        store: Conn) -> None:
    appended = register(citus_package, store)
    assert appended.stream_id.startswith("Customer-")
    timeout = "-c statement_timeout=3000"
    with psycopg.connect(citus_store, autocommit=True, options=timeout) as runner_conn:
        runner = citus_package.projections.CustomerDirectoryProjection(runner_conn)
        assert runner.caught_up(appended) is False
        assert runner.catch_up() == 1
        with other_shards_locked(citus_cluster, store, appended.stream_id) as locked:
            assert locked > 1  # every shard on both workers but one
            started = time.monotonic()
            assert runner.caught_up(appended) is True
            assert runner.caught_up(appended.global_position,
                                    stream_id=appended.stream_id) is True
            assert runner.wait_until(appended, timeout=1.0) is True
            assert time.monotonic() - started < 3  # it waited for no lock
            # the control: by its position alone the event is looked for in every shard,
            # which waits for the locked ones (until the statement timeout)
            with pytest.raises(psycopg.errors.QueryCanceled):
                runner.caught_up(appended.global_position)


def test_wait_until_an_appended_is_woken_by_the_feed_catch_up(
        citus_package: ModuleType, citus_store: str, store: Conn) -> None:
    appended = register(citus_package, store)

    def catch_up_later() -> None:
        time.sleep(0.5)
        with psycopg.connect(citus_store, autocommit=True) as conn:
            citus_package.projections.CustomerDirectoryProjection(conn).catch_up()

    with psycopg.connect(citus_store, autocommit=True) as runner_conn:
        runner = citus_package.projections.CustomerDirectoryProjection(runner_conn)
        assert runner.wait_until(appended, timeout=0.2) is False  # nothing applies it
        worker = threading.Thread(target=catch_up_later)
        worker.start()
        try:
            assert runner.wait_until(appended, timeout=10.0) is True
        finally:
            worker.join()
        # a wrong stream: the event is not in that stream's shard
        assert runner.caught_up(appended.global_position, stream_id="Customer-none") is False
