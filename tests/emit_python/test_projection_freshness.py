"""Projection freshness on a real PostgreSQL: `projection_status` (SQL view and function),
`Projection.lag()`, and read-your-writes with `append`'s position and `wait_until`, woken by
the checkpoint's NOTIFY (the control without the trigger shows it does not poll)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import psycopg
import pytest

PATIENCE = 5.0


@pytest.fixture
def shop_db(store: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(store, autocommit=True) as conn:
        yield conn


def _register(shop_events: ModuleType, conn: psycopg.Connection[Any]) -> Any:
    customer = uuid.uuid4()
    (appended,) = shop_events.EventStore(conn).append(
        f"Customer-{customer}", [shop_events.CustomerRegistered(
            customerId=customer, firstName="Ada", lastName="Tester", email="a@example.org",
            tier=shop_events.CustomerRegisteredTier.standard)], expected="no_stream")
    return appended


def test_lag_and_the_status_view_say_how_far_behind(
        shop_api: Any, shop_events: ModuleType, shop_db: psycopg.Connection[Any],
        store: str) -> None:
    connection = shop_api.connect(store, autocommit=True)
    directory = shop_api.CustomerDirectoryProjection(connection)
    assert directory.lag() == shop_events.ProjectionLag(shop_events.START, 0, 0, 0.0)
    last = [_register(shop_events, shop_db) for _ in range(3)][-1]
    time.sleep(0.3)
    lag = directory.lag()
    assert (lag.checkpoint, lag.head_position, lag.events_behind) == (
        shop_events.START, last.global_position, 3)
    assert 0.3 <= lag.seconds_behind < 30
    rows = shop_db.execute("select name, events_behind, head_position "
                           "from es.projection_status order by name").fetchall()
    assert rows == [("customer_directory", 3, last.global_position),
                    ("order_summary", 3, last.global_position)]

    assert directory.catch_up() == 3
    lag = directory.lag()
    assert (lag.checkpoint.global_position, lag.events_behind, lag.seconds_behind) == (
        last.global_position, 0, 0.0)
    assert shop_db.execute("select events_behind from es.projection_status('order_summary')"
                           ).fetchone() == (3,)
    connection.close()


def test_wait_until_returns_when_the_projection_applied_the_append(
        shop_api: Any, shop_events: ModuleType, shop_db: psycopg.Connection[Any],
        store: str) -> None:
    appended = _register(shop_events, shop_db)
    connection = shop_api.connect(store, autocommit=True)
    directory = shop_api.CustomerDirectoryProjection(connection)
    assert not directory.caught_up(appended)
    assert not directory.caught_up(10**9)  # a position never stored
    started = time.monotonic()
    assert directory.wait_until(appended, timeout=0.3) is False  # no runner: it times out
    assert 0.3 <= time.monotonic() - started < 2

    applied_at: list[float] = []

    def catch_up_later(delay: float) -> None:
        time.sleep(delay)
        with psycopg.connect(store, autocommit=True) as conn:
            shop_events.CustomerDirectoryProjection(conn).catch_up()
        applied_at.append(time.monotonic())

    worker = threading.Thread(target=catch_up_later, args=(0.5,))
    worker.start()
    assert directory.wait_until(appended.global_position, timeout=PATIENCE) is True
    returned = time.monotonic()
    worker.join()
    assert applied_at and returned - applied_at[0] < 0.5  # woken at once, not at a poll
    assert connection.execute("select * from pg_listening_channels()").fetchall() == []

    # The control: without the checkpoint's NOTIFY nothing wakes it, though the projection
    # catches up at 0.2 s: it waits for the notification, it does not poll. (At the timeout
    # it looks once more, and finds it caught up.)
    shop_db.execute("drop trigger checkpoints_notify on es.checkpoints")
    later = _register(shop_events, shop_db)
    applied_at.clear()
    worker = threading.Thread(target=catch_up_later, args=(0.2,))
    started = time.monotonic()
    worker.start()
    assert directory.wait_until(later, timeout=1.5) is True
    returned = time.monotonic()
    worker.join()
    assert applied_at[0] - started < 1.0 and returned - started >= 1.5
    connection.close()


def test_wait_until_refuses_a_connection_inside_a_transaction(
        shop_api: Any, store: str) -> None:
    with shop_api.connect(store) as conn:
        conn.execute("select 1")
        with pytest.raises(psycopg.ProgrammingError, match="outside a transaction"):
            shop_api.CustomerDirectoryProjection(conn).wait_until(1, timeout=0.1)


def test_an_appended_carries_its_stream_and_caught_up_takes_it(
        shop_api: Any, shop_events: ModuleType, shop_db: psycopg.Connection[Any],
        store: str) -> None:
    """The stream id rides on `Appended` (the cluster's one-shard lookup needs it); one node
    answers by the global position as before, with or without it."""
    appended = _register(shop_events, shop_db)
    assert appended.stream_id is not None and appended.stream_id.startswith("Customer-")
    # not compared: an `Appended` made without it is the same event
    assert appended == shop_events.Appended(appended.event_id, appended.stream_position,
                                            appended.global_position)
    customer = uuid.uuid4()
    [[batch]] = shop_events.EventStore(shop_db).append_to_streams([(
        f"Customer-{customer}", [shop_events.CustomerRegistered(
            customerId=customer, firstName="Bo", lastName="Tester", email="b@example.org",
            tier=shop_events.CustomerRegisteredTier.standard)], "no_stream")])
    assert batch.stream_id == f"Customer-{customer}"
    with shop_api.connect(store, autocommit=True) as connection:
        directory = shop_api.CustomerDirectoryProjection(connection)
        assert not directory.caught_up(appended)
        assert directory.catch_up() == 2
        assert directory.caught_up(appended)
        assert directory.caught_up(batch.global_position, stream_id=batch.stream_id)
        assert directory.caught_up(batch.global_position)  # the old call
        assert directory.wait_until(batch, timeout=0.1) is True
        assert directory.wait_until(batch.global_position, 0.1, stream_id=batch.stream_id)
