"""A worker killed (SIGKILL of its server and every backend) while appends to its streams are
running loses no acknowledged event, and its streams stay consistent once it is restarted."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from devtools import citus
from tests.emit_postgres.events import ANY, append, item_added


@pytest.fixture(scope="module")
def crash_cluster(citus_build: Path) -> Iterator[citus.Cluster]:
    """A cluster of its own: this test kills one of its workers."""
    with citus.cluster(build=citus_build) as cluster:
        yield cluster


def test_a_killed_worker_loses_no_acknowledged_event(crash_cluster: citus.Cluster,
                                                     citus_sql: dict[str, str]) -> None:
    dsn = citus.create_database(crash_cluster, "crash")
    citus.apply(crash_cluster, dsn, citus_sql)
    victim = crash_cluster.workers[0]
    streams: list[str] = []
    while len(streams) < 6:
        stream = f"Order-{uuid.uuid4()}"
        if citus.worker_of(crash_cluster, dsn, stream) == victim:
            streams.append(stream)
    acknowledged: list[tuple[Any, ...]] = []
    failures: list[str] = []
    after_restart = threading.Event()
    stop = threading.Event()

    def write() -> None:
        conn: psycopg.Connection[Any] | None = None
        while not stop.is_set():
            for stream in streams:
                try:
                    conn = conn or psycopg.connect(dsn, autocommit=True)
                    rows = append(conn, stream, ANY, [item_added(stream[6:]) for _ in range(3)])
                    acknowledged.extend((stream, *row) for row in rows)
                    if failures:
                        after_restart.set()
                except psycopg.Error as error:
                    failures.append(type(error).__name__)
                    if conn is not None:
                        conn.close()
                    conn = None
                    time.sleep(0.05)
        if conn is not None:
            conn.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        time.sleep(1.0)
        before = len(acknowledged)
        citus.kill_node(victim)
        time.sleep(0.5)
        citus.restart_node(crash_cluster, victim)
        assert after_restart.wait(60), "no append succeeded after the worker restarted"
    finally:
        stop.set()
        writer.join()
    assert before > 0 and failures  # appends ran before the crash and the crash hit them

    with psycopg.connect(dsn) as conn:
        stored = {row[1]: row for row in conn.execute(
            "select stream_id, event_id, stream_position, global_position from es.events")}
        for stream_id, event_id, position, global_position in acknowledged:
            assert stored[event_id] == (stream_id, event_id, position, global_position)
        for stream in streams:
            positions = [r[0] for r in conn.execute(
                "select stream_position from es.read_stream(%s)", (stream,))]
            assert positions == list(range(1, len(positions) + 1))
            assert conn.execute("select version from es.streams where stream_id = %s",
                                (stream,)).fetchone() == (len(positions),)
            assert [r[1] for r in append(conn, stream, len(positions),
                                         [item_added(stream[6:])])] == [len(positions) + 1]
