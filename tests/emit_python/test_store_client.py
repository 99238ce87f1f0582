"""The generated store client against a real PostgreSQL: every expected-version mode,
idempotent retries, and reading all events or one category in batches."""

from __future__ import annotations

import uuid
from types import ModuleType
from typing import Any

import pytest


def _item(shop_events: ModuleType, order_id: uuid.UUID, sku: str) -> Any:
    return shop_events.OrderItemAdded(orderId=order_id, sku=sku, quantity=1)


@pytest.fixture
def store(shop_api: Any, store: str) -> Any:
    """The store client on an autocommit connection, sync and async (tests/emit_python/
    flavours.py)."""
    with shop_api.connect(store, autocommit=True) as conn:
        yield shop_api.EventStore(conn)


def test_every_expected_version_mode(store: Any, shop_events: ModuleType) -> None:
    order_id = uuid.uuid4()
    stream = f"Order-{order_id}"
    conflict = shop_events.ConcurrencyError

    with pytest.raises(conflict):
        store.append(stream, [_item(shop_events, order_id, "a")], expected="stream_exists")
    with pytest.raises(conflict):
        store.append(stream, [_item(shop_events, order_id, "a")], expected=1)
    assert [a.stream_position for a in store.append(
        stream, [_item(shop_events, order_id, "a")], expected="no_stream")] == [1]
    with pytest.raises(conflict):
        store.append(stream, [_item(shop_events, order_id, "b")], expected="no_stream")
    assert [a.stream_position for a in store.append(
        stream, [_item(shop_events, order_id, "b")], expected="stream_exists")] == [2]
    with pytest.raises(conflict):
        store.append(stream, [_item(shop_events, order_id, "c")], expected=1)
    assert [a.stream_position for a in store.append(
        stream, [_item(shop_events, order_id, "c"), _item(shop_events, order_id, "d")],
        expected=2)] == [3, 4]
    assert [a.stream_position for a in store.append(
        stream, [_item(shop_events, order_id, "e")], expected="any")] == [5]
    with pytest.raises(shop_events.StoreError, match=">= 0"):
        store.append(stream, [_item(shop_events, order_id, "f")], expected=-7)

    assert store.stream_version(stream) == 5
    assert [e.event.sku for e in store.read_stream(stream)] == ["a", "b", "c", "d", "e"]
    assert [e.event.sku for e in store.read_stream(stream, from_position=4)] == ["d", "e"]


def test_a_retried_append_returns_the_first_positions_and_writes_nothing(
        store: Any, shop_events: ModuleType) -> None:
    order_id = uuid.uuid4()
    stream = f"Order-{order_id}"
    batch = [shop_events.NewEvent(event=_item(shop_events, order_id, sku)) for sku in "xy"]
    first = store.append(stream, batch, expected="no_stream")
    again = store.append(stream, batch, expected="no_stream")
    assert again == first
    assert store.stream_version(stream) == 2


def test_a_raw_insert_and_a_repeated_event_are_clear_errors(
        store: Any, shop_events: ModuleType) -> None:
    order_id = uuid.uuid4()
    stream = f"Order-{order_id}"
    store.append(stream, [_item(shop_events, order_id, "a")], expected="no_stream")
    store.conn.execute(
        "insert into es.events (event_id, stream_id, stream_position, event_type, "
        "event_version, data, tx_id) values (gen_random_uuid(), %s, 2, 'OrderItemAdded', 1, "
        "%s, pg_current_xact_id())",
        (stream, f'{{"orderId": "{order_id}", "sku": "raw", "quantity": 1}}'))
    assert store.stream_version(stream) == 2
    with pytest.raises(shop_events.ConcurrencyError, match="expected 1, actual 2"):
        store.append(stream, [_item(shop_events, order_id, "b")], expected=1)
    assert [a.stream_position for a in store.append(
        stream, [_item(shop_events, order_id, "b")], expected=2)] == [3]
    twice = shop_events.NewEvent(event=_item(shop_events, order_id, "c"))
    with pytest.raises(shop_events.StoreError,
                       match=f"event id {twice.event_id} is given twice in the batch"):
        store.append(stream, [twice, twice])
    assert store.stream_version(stream) == 3


def test_read_all_and_one_category_in_batches(store: Any, shop_events: ModuleType) -> None:
    orders = [uuid.uuid4() for _ in range(3)]
    customer = uuid.uuid4()
    for order_id in orders:
        store.append(f"Order-{order_id}", [_item(shop_events, order_id, s) for s in "pq"])
    store.append(f"Customer-{customer}", [shop_events.CustomerTierChanged(
        customerId=customer, tier=shop_events.CustomerTierChangedTier.premium)])

    everything = list(store.iter_all(batch_size=2))
    assert len(everything) == 7
    positions = [e.global_position for e in everything]
    assert positions == sorted(positions) and len(set(positions)) == 7

    orders_only = list(store.iter_all(batch_size=4, category="Order-"))
    assert [e.stream_id for e in orders_only] == [
        f"Order-{o}" for o in orders for _ in "pq"]

    first = store.read_all(max_count=3)
    rest = store.read_all(first[-1].checkpoint, max_count=100)
    assert [e.event_id for e in first + rest] == [e.event_id for e in everything]
    assert store.read_all(everything[-1].checkpoint) == []
    customers = store.read_all(event_types=["CustomerTierChanged"])
    assert [type(e.event) for e in customers] == [shop_events.CustomerTierChanged]


def test_one_call_appends_to_many_streams(store: Any, shop_events: ModuleType) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    store.append(f"Order-{b}", [_item(shop_events, b, "x")])
    result = store.append_to_streams([
        (f"Order-{a}", [_item(shop_events, a, "1"), _item(shop_events, a, "2")], "no_stream"),
        (f"Order-{b}", [_item(shop_events, b, "y")], 1),
        (f"Order-{a}", [_item(shop_events, a, "3")], 2),
    ])
    assert [[x.stream_position for x in appended] for appended in result] == [[1, 2], [2], [3]]
    assert [e.event.sku for e in store.read_stream(f"Order-{a}")] == ["1", "2", "3"]
    with pytest.raises(shop_events.ConcurrencyError) as caught:
        store.append_to_streams([(f"Order-{uuid.uuid4()}", [_item(shop_events, a, "4")], "any"),
                                 (f"Order-{b}", [_item(shop_events, b, "z")], "no_stream")])
    assert caught.value.stream_id == f"Order-{b}"
    assert store.stream_version(f"Order-{b}") == 2  # nothing of the refused call was kept
