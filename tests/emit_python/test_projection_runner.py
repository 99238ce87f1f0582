"""`ProjectionRunner.run` against a real PostgreSQL: it catches up, then sleeps until the
store's NOTIFY wakes it (not a poll: the idle timeout is far beyond the test's patience),
and stops promptly when asked, no longer listening."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import psycopg
import pytest

PATIENCE = 5.0  # seconds the test waits for the runner; its idle timeout is far longer
IDLE = 600.0


def _eventually(condition: Callable[[], bool], what: str) -> float:
    """Seconds until `condition()` holds; fails after PATIENCE."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > PATIENCE:
            raise AssertionError(f"not within {PATIENCE}s: {what}")
        time.sleep(0.02)
    return time.monotonic() - started


class Runner:
    """`run` of the customer directory in a thread with its own connection, stopped by an
    event; counts how often it asked whether to stop (it does while it waits)."""

    def __init__(self, shop_events: Any, dsn: str, batch_size: int) -> None:
        self.stop = threading.Event()
        self.asked = 0
        self.applied: int | None = None
        self.error: BaseException | None = None
        self.channels_after: list[Any] | None = None
        self.thread = threading.Thread(target=self._work, args=(shop_events, dsn, batch_size),
                                       daemon=True)

    def should_stop(self) -> bool:
        self.asked += 1
        return self.stop.is_set()

    def _work(self, shop_events: Any, dsn: str, batch_size: int) -> None:
        try:
            with shop_events.connect(dsn, autocommit=True) as conn:
                projection = shop_events.CustomerDirectoryProjection(conn)
                self.applied = projection.run(self.should_stop, idle_seconds=IDLE,
                                              batch_size=batch_size, stop_check_seconds=0.05)
                self.channels_after = conn.execute(
                    "select * from pg_listening_channels()").fetchall()
        except BaseException as error:  # noqa: BLE001 (reported by the test)
            self.error = error

    def wait_until_waiting(self) -> None:
        """Return once the runner is waiting: then it asks `should_stop` every 0.05 s."""
        before = self.asked
        _eventually(lambda: self.asked >= before + 3, "run waiting (checking stop) again")


@pytest.fixture
def shop_db(store: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(store, autocommit=True) as conn:
        yield conn


def _register(shop_events: ModuleType, conn: psycopg.Connection[Any], first: str) -> None:
    customer = uuid.uuid4()
    shop_events.EventStore(conn).append(f"Customer-{customer}", [shop_events.CustomerRegistered(
        customerId=customer, firstName=first, lastName="Tester", email=f"{first}@example.org",
        tier=shop_events.CustomerRegisteredTier.standard)], expected="no_stream")


def _names(conn: psycopg.Connection[Any]) -> set[str]:
    return {row[0] for row in conn.execute("select first_name from es.customer_directory")}


def _checkpoint(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("select global_position from es.checkpoints "
                       "where name = 'customer_directory'").fetchone()
    return int(row[0]) if row else 0


def _last_position(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("select max(global_position) from es.events").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def test_run_catches_up_wakes_on_notify_and_stops_cleanly(
        shop_api: Any, shop_events: ModuleType, shop_db: psycopg.Connection[Any],
        store: str) -> None:
    conn = shop_db
    for name in ("Ada", "Grace", "Edsger"):  # stored before the runner starts
        _register(shop_events, conn, name)
    runner = Runner(shop_api, store, batch_size=2)  # two batches to catch up
    runner.thread.start()
    try:
        # 1. The initial catch-up, checkpoint included.
        _eventually(lambda: _names(conn) == {"Ada", "Grace", "Edsger"}, "initial catch-up")
        _eventually(lambda: _checkpoint(conn) == _last_position(conn), "checkpoint")
        runner.wait_until_waiting()

        # 2. An event appended while it waits wakes it. Its idle timeout is IDLE (600 s):
        # within PATIENCE only the notification can have woken it.
        _register(shop_events, conn, "Barbara")
        _eventually(lambda: "Barbara" in _names(conn), "the NOTIFY wake-up")
        _eventually(lambda: _checkpoint(conn) == _last_position(conn), "checkpoint")
        runner.wait_until_waiting()

        # 3. The control: without the notification, nothing happens (so step 2 was the
        # wake-up, not a busy loop); a bare NOTIFY on the channel then brings it in.
        conn.execute("drop trigger events_notify on es.events")
        _register(shop_events, conn, "Alan")
        time.sleep(1.0)
        assert "Alan" not in _names(conn)
        runner.wait_until_waiting()
        conn.execute("notify es_events")
        _eventually(lambda: "Alan" in _names(conn), "a bare NOTIFY es_events")
        assert runner.error is None, runner.error
    finally:
        stopping = time.monotonic()
        runner.stop.set()
        runner.thread.join(timeout=PATIENCE)
    # 4. A prompt, clean stop: within a few stop checks, no error, no longer listening.
    assert not runner.thread.is_alive(), "run did not stop"
    assert time.monotonic() - stopping < 2.0  # not IDLE: it checks every 0.05 s
    assert runner.error is None, runner.error
    assert runner.applied == 5
    assert runner.channels_after == []
    assert _checkpoint(conn) == _last_position(conn)


def test_run_refuses_a_connection_inside_a_transaction(
        shop_api: Any, shop_events: ModuleType, shop_db: psycopg.Connection[Any],
        store: str) -> None:
    # LISTEN inside an uncommitted transaction never takes effect, and every batch would be
    # a savepoint of it: run would wait forever without a word.
    with shop_api.connect(store) as conn:
        conn.execute("select 1")
        projection = shop_api.CustomerDirectoryProjection(conn)
        with pytest.raises(psycopg.ProgrammingError, match="outside a transaction"):
            projection.run(lambda: True)
        conn.rollback()
        assert projection.run(lambda: True) == 0  # idle, not autocommit: fine
        assert conn.execute("select * from pg_listening_channels()").fetchall() == []
