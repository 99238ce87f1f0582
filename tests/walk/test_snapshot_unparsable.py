"""A snapshot the JSON parser cannot read (a state field holding an integer of 5,001 digits,
which jsonb stores), on a real PostgreSQL: `load` falls back to a replay, replaces the
snapshot and logs a warning, as for a snapshot that does not decode, instead of raising the
parser's ValueError from the fetch."""

from __future__ import annotations

import asyncio
import uuid
from types import ModuleType

import psycopg
import pytest

from tests.emit_python.conftest import order_class

HUGE = "1" + "0" * 5000


def _saved_order(shop_events: ModuleType, store: str) -> uuid.UUID:
    order_id = uuid.uuid4()
    Order = order_class(shop_events)
    with psycopg.connect(store, autocommit=True) as conn:
        client = shop_events.EventStore(conn)
        order = client.load(Order(order_id))
        for _ in range(100):  # the shop's Order snapshots every 100 events
            order.record(shop_events.OrderItemAdded(orderId=order_id, sku="x", quantity=1))
        client.save(order)
        conn.execute("update es.snapshots set state = jsonb_set(state, '{items}', %s::jsonb)",
                     (HUGE,))
    return order_id


def test_load_replays_past_a_snapshot_it_cannot_parse(
        shop_events: ModuleType, store: str, caplog: pytest.LogCaptureFixture) -> None:
    order_id = _saved_order(shop_events, store)
    with psycopg.connect(store, autocommit=True) as conn:
        client = shop_events.EventStore(conn)
        with caplog.at_level("WARNING"):
            loaded = client.load(order_class(shop_events)(order_id))
        assert (loaded.version, loaded.replayed, loaded.state.items) == (100, 100, 100)
        assert f"snapshot of Order-{order_id} at version 100 does not decode" in caplog.text
        assert conn.execute("select state ->> 'items' from es.snapshots").fetchone() == ("100",)


def test_the_async_client_too(shop_events: ModuleType, store: str) -> None:
    order_id = _saved_order(shop_events, store)

    async def load() -> tuple[int, int]:
        async with await psycopg.AsyncConnection.connect(store, autocommit=True) as conn:
            loaded = await shop_events.AsyncEventStore(conn).load(
                order_class(shop_events)(order_id))
            return loaded.replayed, loaded.state.items

    assert asyncio.run(load()) == (100, 100)
