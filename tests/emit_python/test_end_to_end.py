"""The generated package against a real PostgreSQL with the PostgreSQL target's SQL applied:
events stored at old versions come back at the latest, aggregates load and snapshot,
projections run."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest

from tests.emit_python.conftest import order_class


def _append_raw(conn: Any, stream: str, events: list[dict[str, Any]]) -> None:
    """Store events as an old deployment wrote them (old versions), bypassing the client."""
    conn.execute("select * from es.append_to_stream(%s, -1, %s::jsonb)",
                 (stream, json.dumps(events)))


def test_old_versions_load_project_and_read_back_at_the_latest(
        shop_api: Any, shop_events: ModuleType, store: str) -> None:
    customer, order_id = uuid.uuid4(), uuid.uuid4()
    with shop_api.connect(store) as conn:
        _append_raw(conn, f"Customer-{customer}", [{
            "event_type": "CustomerRegistered", "event_version": 1,
            "data": {"customerId": str(customer), "name": "Grace Brewster Hopper",
                     "email": "grace@example.org"}}])
        _append_raw(conn, f"Order-{order_id}", [
            {"event_type": "OrderPlaced", "event_version": 1,
             "data": {"orderId": str(order_id), "customerId": str(customer),
                      "totalAmount": "12.50"}},
            {"event_type": "OrderItemAdded", "event_version": 1,
             "data": {"orderId": str(order_id), "sku": "A", "quantity": 2}},
            {"event_type": "OrderShipped", "event_version": 1,
             "data": {"orderId": str(order_id), "shippedAt": "2024-05-01T10:00:00+00:00",
                      "shippingInfo": {"address": "1 Main St", "carrier": "DHL"}}}])
        conn.commit()

        event_store = shop_api.EventStore(conn)
        history = event_store.read_stream(f"Order-{order_id}")
        assert [e.version for e in history] == [1, 1, 1]
        assert type(history[0].event) is shop_events.OrderPlaced
        assert history[2].event.carrier == "DHL"
        assert history[0].correlation_id is None or isinstance(history[0].correlation_id,
                                                               uuid.UUID)

        order = event_store.load(order_class(shop_events)(order_id))
        assert (order.version, order.state.status, order.state.items) == (3, "shipped", 2)
        assert order.state.total == Decimal("12.50")

        order.record(shop_events.OrderCancelled(orderId=order_id), cause=history[-1])
        event_store.save(order)
        latest = event_store.read_stream(f"Order-{order_id}", from_position=4)
        assert latest[0].causation_id == history[-1].event_id
        assert latest[0].correlation_id == (history[-1].correlation_id or history[-1].event_id)

        stale = order_class(shop_events)(order_id)
        stale.record(shop_events.OrderItemAdded(orderId=order_id, sku="B", quantity=1))
        try:
            event_store.save(stale)
        except shop_events.ConcurrencyError:
            pass
        else:
            raise AssertionError("a save from version 0 must conflict")

        directory = shop_api.CustomerDirectoryProjection(conn)
        summary = shop_api.OrderSummaryProjection(conn)
        assert directory.catch_up(batch_size=2) == 1
        assert summary.catch_up(batch_size=2) == 4
        assert summary.catch_up() == 0
        [row] = directory.rows()
        assert (row["first_name"], row["last_name"], row["tier"]) == (
            "Grace", "Brewster Hopper", "standard")
        assert summary.rows() == []  # the order was cancelled: its row deleted

        summary.rebuild()
        assert summary.rows() == []
        assert directory.rebuild() == 1 and len(directory.rows()) == 1


def test_snapshots_every_n_across_a_batch_and_never_of_another_state_version(
        shop_api: Any, shop_events: ModuleType, store: str) -> None:
    order_id = uuid.uuid4()
    Order = order_class(shop_events)
    with shop_api.connect(store) as conn:
        event_store = shop_api.EventStore(conn)
        order = event_store.load(Order(order_id))
        for _ in range(98):
            order.record(shop_events.OrderItemAdded(orderId=order_id, sku="x", quantity=1))
        event_store.save(order)
        assert order.snapshot_version == 0  # 98 < 100: none yet
        for _ in range(5):  # 98 -> 103 crosses 100 without landing on it
            order.record(shop_events.OrderItemAdded(orderId=order_id, sku="x", quantity=1))
        event_store.save(order)
        assert order.snapshot_version == 103

        loaded = event_store.load(Order(order_id))
        assert (loaded.version, loaded.replayed, loaded.state.items) == (103, 0, 103)

        # A snapshot of another state version is never deserialized (this one would not
        # even parse): the load replays everything and replaces it.
        conn.execute("update es.snapshots set state_version = 0, state = '{\"bad\": 1}'")
        conn.commit()  # a load writes no snapshot into a transaction it was not handed
        replayed = event_store.load(Order(order_id))
        assert (replayed.replayed, replayed.state.items) == (103, 103)
        row = conn.execute("select state_version, stream_version from es.snapshots").fetchone()
        assert row == (1, 103)


def test_a_snapshot_that_does_not_decode_falls_back_to_a_replay(
        shop_api: Any, shop_events: ModuleType, store: str, caplog: pytest.LogCaptureFixture) -> None:
    """The classic incident after an aggregate refactoring that kept the state version: the
    load replays the stream, replaces the snapshot and logs a warning, instead of raising."""
    order_id = uuid.uuid4()
    Order = order_class(shop_events)
    with shop_api.connect(store) as conn:
        event_store = shop_api.EventStore(conn)
        order = event_store.load(Order(order_id))
        for _ in range(100):
            order.record(shop_events.OrderItemAdded(orderId=order_id, sku="x", quantity=1))
        event_store.save(order)
        conn.execute("update es.snapshots set state = '{\"renamed\": 1}'")
        conn.commit()
        with caplog.at_level("WARNING"):
            loaded = event_store.load(Order(order_id))
        assert (loaded.version, loaded.replayed, loaded.state.items) == (100, 100, 100)
        assert [r.levelname for r in caplog.records] == ["WARNING"]
        assert f"snapshot of Order-{order_id} at version 100 does not decode" in caplog.text
        conn.commit()
        state = conn.execute("select state from es.snapshots").fetchone()
        assert state is not None and state[0]["items"] == 100
        again = event_store.load(Order(order_id))
        assert (again.version, again.replayed) == (100, 0)


def test_a_stored_event_that_does_not_decode_says_which_and_where(
        shop_api: Any, shop_events: ModuleType, store: str) -> None:
    with shop_api.connect(store) as conn:
        # written before the store validated appends (append_to_stream now refuses it)
        conn.execute(
            "insert into es.events (event_id, stream_id, stream_position, event_type, "
            "event_version, data) values (gen_random_uuid(), 'Customer-bad', 1, "
            "'CustomerRegistered', 1, %s::jsonb)",
            (json.dumps({"customerId": str(uuid.uuid4()), "email": "nameless@example.org"}),))
        conn.commit()
        with pytest.raises(shop_events.CodecError) as caught:
            shop_api.EventStore(conn).read_stream("Customer-bad")
        row = conn.execute("select global_position, event_id from es.events").fetchone()
    assert row is not None
    error = caught.value
    assert str(error) == "CustomerRegistered version 1: name: required field is missing"
    assert (error.event_type, error.version, error.fields) == ("CustomerRegistered", 1, ("name",))
    assert error.__notes__ == [
        f"stored as Customer-bad:1 (global position {row[0]}, id {row[1]})"]
