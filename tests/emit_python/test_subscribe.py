"""The subscriber helper (issue 19, point 9): events in checkpoint order from a checkpoint,
woken by NOTIFY, and by its poll when a transaction left open held delivery back and ended
without a notification. On PostgreSQL."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from types import ModuleType
from typing import Any

import psycopg
import pytest

from tests.emit_python.conftest import book_lent


class Subscriber:
    """`store.subscribe` on a connection of its own, in a thread, collecting envelopes (`lib`:
    the package in a flavour, tests/emit_python/flavours.py)."""

    def __init__(self, lib: Any, dsn: str, after: Any, idle_seconds: float) -> None:
        self.seen: list[Any] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

        def run() -> None:
            try:
                with lib.connect(dsn, autocommit=True) as conn:
                    store = lib.EventStore(conn)
                    for envelope in store.subscribe(after, stop=self.stop.is_set,
                                                    idle_seconds=idle_seconds, batch_size=2,
                                                    stop_check_seconds=0.05):
                        self.seen.append(envelope)
            except Exception as error:  # noqa: BLE001 - the thread reports it to the test
                self.error = error

        self.thread = threading.Thread(target=run)
        self.thread.start()

    def wait_for(self, count: int, timeout: float) -> float:
        """Seconds until `count` envelopes were seen (fails after `timeout`)."""
        started = time.monotonic()
        while len(self.seen) < count:
            assert self.error is None, self.error
            assert time.monotonic() - started < timeout, f"saw {len(self.seen)} of {count}"
            time.sleep(0.02)
        return time.monotonic() - started

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        assert not self.thread.is_alive() and self.error is None, self.error


def _append(lib: ModuleType, dsn: str, count: int) -> list[Any]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        store = lib.EventStore(conn)
        return [store.append(f"Book-{uuid.uuid4()}",
                             [book_lent(lib, uuid.uuid4(), uuid.uuid4())])[0]
                for _ in range(count)]


def _subscriber(lib: Any, dsn: str, after: Any, idle: float,
                body: Callable[[Subscriber], None]) -> None:
    subscriber = Subscriber(lib, dsn, after, idle)
    try:
        body(subscriber)
    finally:
        subscriber.close()


def test_from_a_checkpoint_in_order_and_woken_by_notify(
        library_api: Any, library_events: ModuleType, library_store: str) -> None:
    first = _append(library_events, library_store, 5)
    with psycopg.connect(library_store, autocommit=True) as conn:
        [third] = [e for e in library_events.EventStore(conn).read_all()
                   if e.event_id == first[2].event_id]

    def body(subscriber: Subscriber) -> None:
        subscriber.wait_for(2, 10)  # the two after the third, in batches of 2
        assert [e.event_id for e in subscriber.seen] == [a.event_id for a in first[3:]]
        later = _append(library_events, library_store, 3)
        # the poll is 60 s away: only the NOTIFY can deliver these in time
        assert subscriber.wait_for(5, 10) < 10
        assert [e.event_id for e in subscriber.seen[2:]] == [a.event_id for a in later]
        checkpoints = [e.checkpoint for e in subscriber.seen]
        assert checkpoints == sorted(checkpoints) and len(set(checkpoints)) == 5

    _subscriber(library_api, library_store, third.checkpoint, 60, body)


def test_a_transaction_left_open_holds_delivery_back_and_the_poll_delivers(
        library_api: Any, library_events: ModuleType, library_store: str) -> None:
    def body(subscriber: Subscriber) -> None:
        with psycopg.connect(library_store) as blocker:
            # a transaction holding a transaction id, writing no event: it never notifies
            blocker.execute("select pg_current_xact_id()")
            [appended] = _append(library_events, library_store, 1)  # notifies at commit
            time.sleep(1.5)
            assert subscriber.seen == []  # held back behind the open transaction
            blocker.rollback()
        subscriber.wait_for(1, 10)  # the poll (every 0.5 s) delivers it
        assert subscriber.seen[0].event_id == appended.event_id

    _subscriber(library_api, library_store, library_events.START, 0.5, body)


def test_subscribe_refuses_a_connection_inside_a_transaction(
        library_api: Any, library_events: ModuleType, library_store: str) -> None:
    with library_api.connect(library_store) as conn:
        conn.execute("select 1")
        with pytest.raises(library_events.TransactionError):
            next(library_api.EventStore(conn).subscribe())


def test_global_position_alone_goes_backwards_in_read_order(
        library_events: ModuleType, library_store: str) -> None:
    """Why the checkpoint is the pair (docs/python.md): a transaction that began first takes
    the lower transaction id but may take its global position after a later one did."""
    lib = library_events
    with psycopg.connect(library_store) as slow:
        with slow.transaction():
            slow.execute("select pg_current_xact_id()")  # its transaction id, taken first
            [fast] = _append(lib, library_store, 1)  # commits at once, position n
            [late] = lib.EventStore(slow).append(
                f"Book-{uuid.uuid4()}", [book_lent(lib, uuid.uuid4(), uuid.uuid4())])
        assert late.global_position > fast.global_position
    with psycopg.connect(library_store, autocommit=True) as conn:
        read = lib.EventStore(conn).read_all()
    assert [e.event_id for e in read] == [late.event_id, fast.event_id]
    assert read[0].global_position > read[1].global_position  # backwards
    assert read[0].checkpoint < read[1].checkpoint  # the pair never is
