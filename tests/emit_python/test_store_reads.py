"""The store client's reads are plain queries (not calls of the SQL functions): they return
what `read_all` and `read_stream` return, and keep read_all's rule against skipping an event
committed late."""

from __future__ import annotations

import uuid
from types import ModuleType
from typing import Any

import pytest
from psycopg.types.json import Jsonb


def _item(shop_events: ModuleType, order_id: uuid.UUID, sku: str) -> Any:
    return shop_events.OrderItemAdded(orderId=order_id, sku=sku, quantity=1)


@pytest.fixture
def client(shop_api: Any, store: str) -> Any:
    """The store client, sync and async (tests/emit_python/flavours.py)."""
    with shop_api.connect(store, autocommit=True) as conn:
        yield shop_api.EventStore(conn)


def test_a_late_commit_is_read_after_the_checkpoint_never_skipped(
        client: Any, shop_events: ModuleType, shop_api: Any, store: str) -> None:
    early_order, late_order = uuid.uuid4(), uuid.uuid4()
    with shop_api.connect(store, autocommit=True) as slow, slow.transaction():
        # begins first and takes the smaller global position, commits last
        shop_api.EventStore(slow).append(
            f"Order-{early_order}", [_item(shop_events, early_order, "early")])
        client.append(f"Order-{late_order}", [_item(shop_events, late_order, "late")])
        assert client.read_all() == []  # the older transaction still runs: nothing yet
        assert [e.event.sku for e in client.read_stream(f"Order-{late_order}")] == ["late"]
    read = client.read_all()
    assert [e.event.sku for e in read] == ["early", "late"]
    assert read[0].global_position < read[1].global_position
    assert client.read_all(read[-1].checkpoint) == []


def test_the_reads_return_what_the_sql_functions_return(
        client: Any, shop_events: ModuleType) -> None:
    orders = [uuid.uuid4() for _ in range(3)]
    customer = uuid.uuid4()
    for order_id in orders:
        client.append(f"Order-{order_id}", [_item(shop_events, order_id, s) for s in "pqr"])
    client.append(f"Customer-{customer}", [shop_events.CustomerTierChanged(
        customerId=customer, tier=shop_events.CustomerTierChangedTier.premium)])
    conn = client.conn
    everything = client.read_all(max_count=100)
    assert len(everything) == 10
    middle = everything[3].checkpoint
    for types, category in [(None, None), (["CustomerTierChanged"], None), (None, "Order-"),
                            (["OrderItemAdded"], "Customer-"), ([], None)]:
        for after in (shop_events.START, middle):
            ours = [e.event_id for e in client.read_all(after, 4, types, category)]
            rows = conn.execute(
                "select event_id from es.read_all(%s::text::xid8, %s, 4, %s, %s)",
                (str(after.tx_id), after.global_position, types, category)).fetchall()
            assert ours == [r[0] for r in rows], (types, category, after)
    stream = f"Order-{orders[1]}"
    for start, count in [(1, 10), (2, 1), (3, 5), (4, 2)]:
        ours = [e.event_id for e in client.read_stream(stream, start, count)]
        rows = conn.execute("select event_id from es.read_stream(%s, %s, %s)",
                            (stream, start, count)).fetchall()
        assert ours == [r[0] for r in rows]


def test_reads_decode_every_stored_version_the_same_as_decode(
        client: Any, shop_events: ModuleType) -> None:
    """The store decodes with a reader kept per (type, version); a row of an older version
    is upcast, one that does not fit is a CodecError naming where it is stored."""
    customer = str(uuid.uuid4())
    v1 = {"customerId": customer, "name": "Ada King Lovelace", "email": "ada@x.org"}
    v3 = {"customerId": customer, "firstName": "Ada", "lastName": "King", "email": "a@x.org",
          "tier": "premium"}
    stream = f"Customer-{customer}"
    client.conn.execute("select * from es.append_to_stream(%s, -1, %s)", (stream, Jsonb([
        {"event_type": "CustomerRegistered", "event_version": v, "data": d}
        for v, d in ((1, v1), (3, v3), (1, v1))])))
    read = client.read_stream(stream)
    assert [e.event for e in read] == [shop_events.decode("CustomerRegistered", v, d)
                                       for v, d in ((1, v1), (3, v3), (1, v1))]
    assert [e.version for e in read] == [1, 3, 1]
    bad = {**v3, "tier": "gold"}  # stored before validation on append, which refuses it
    client.conn.execute(
        "insert into es.events (event_id, stream_id, stream_position, event_type, event_version,"
        " data) values (gen_random_uuid(), %s, 4, 'CustomerRegistered', 3, %s)", (stream, Jsonb(bad)))
    with pytest.raises(shop_events.CodecError) as caught:
        client.read_stream(stream)
    assert str(caught.value).startswith("CustomerRegistered version 3: tier: ")
    assert caught.value.__notes__[0].startswith(f"stored as {stream}:4 ")


def test_a_retried_append_to_streams_returns_the_first_positions(
        client: Any, shop_events: ModuleType) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    appends = [(f"Order-{a}", [shop_events.NewEvent(event=_item(shop_events, a, s))
                               for s in "12"], "no_stream"),
               (f"Order-{b}", [shop_events.NewEvent(event=_item(shop_events, b, "3"))],
                "no_stream")]
    first = client.append_to_streams(appends)
    assert client.append_to_streams(appends) == first
    assert [client.stream_version(f"Order-{o}") for o in (a, b)] == [2, 1]


def test_load_replays_what_read_stream_reads_and_names_a_bad_stored_event(
        client: Any, shop_events: ModuleType) -> None:
    """`load` reads its own four columns (no envelopes): the events `read_stream` reads; a
    stored event that does not decode is named as `read_stream` names it, one of another
    aggregate is a StoreError."""
    from tests.emit_python.conftest import order_class

    order_type = order_class(shop_events)
    order_id = uuid.uuid4()
    stream = f"Order-{order_id}"
    client.append(stream, [_item(shop_events, order_id, s) for s in "abc"], expected="no_stream")
    order = client.load(order_type(order_id))
    assert (order.version, order.state.items, order.replayed) == (3, 3, 3)
    assert order.version == client.read_stream(stream)[-1].stream_position
    insert = ("insert into es.events (event_id, stream_id, stream_position, event_type,"
              " event_version, data) values (gen_random_uuid(), %s, %s, %s, %s, %s)")
    # stored before validation on append, which refuses it
    client.conn.execute(insert, (stream, 4, "OrderItemAdded", 1, Jsonb(
        {"orderId": str(order_id), "sku": "d", "quantity": "four"})))
    with pytest.raises(shop_events.CodecError) as caught:
        client.load(order_type(order_id))
    assert str(caught.value).startswith("OrderItemAdded version 1: quantity: ")
    assert caught.value.__notes__[0].startswith(f"stored as {stream}:4 ")
    other_id = uuid.uuid4()
    client.conn.execute(insert, (f"Order-{other_id}", 1, "CustomerRegistered", 3, Jsonb(
        {"customerId": str(other_id), "firstName": "A", "lastName": "B", "email": "a@x.org",
         "tier": "premium"})))
    with pytest.raises(shop_events.StoreError, match="is not an event of"):
        client.load(order_type(other_id))


def test_a_read_decodes_its_rows_with_the_garbage_collector_paused(
        client: Any, shop_events: ModuleType) -> None:
    """A batch's envelopes are built with the cyclic collector paused (its scans of the
    survivors cost a long read more than the decoding), and it is left as it was found: on
    after a read, also one that raises; off when the caller had turned it off."""
    import gc

    order_id = uuid.uuid4()
    stream = f"Order-{order_id}"
    client.append(stream, [_item(shop_events, order_id, s) for s in "ab"])
    key = ("OrderItemAdded", 1)
    readers = client.CODEC._readers
    read = client.CODEC.reader(*key)
    seen: list[bool] = []

    def watched(raw: Any) -> Any:
        seen.append(gc.isenabled())
        return read(raw)

    readers[key] = watched
    try:
        assert gc.isenabled()
        assert [e.event.sku for e in client.read_stream(stream)] == ["a", "b"]
        assert len(list(client.iter_all(batch_size=1))) >= 2
        assert seen and not any(seen)
        assert gc.isenabled()
        gc.disable()
        try:
            client.read_stream(stream)
            assert not gc.isenabled()
        finally:
            gc.enable()

        def broken(raw: Any) -> Any:
            raise shop_events.CodecError("refused", event_type=key[0], version=key[1])

        readers[key] = broken
        with pytest.raises(shop_events.CodecError):
            client.read_stream(stream)
        assert gc.isenabled()
    finally:
        readers[key] = read


def test_a_read_loads_its_rows_with_the_garbage_collector_paused(
        client: Any, shop_events: ModuleType) -> None:
    """The rows of a read are made (psycopg's loaders, in `fetchall`) with the collector
    paused too: their tuples and ids stay alive until the envelopes are made. It runs again
    after the read."""
    import gc

    from psycopg.types.uuid import UUIDBinaryLoader

    seen: list[bool] = []

    class WatchedUuidLoader(UUIDBinaryLoader):
        def load(self, data: Any) -> uuid.UUID:
            seen.append(gc.isenabled())
            return super().load(data)

    order_id = uuid.uuid4()
    stream = f"Order-{order_id}"
    client.append(stream, [_item(shop_events, order_id, s) for s in "abc"])
    client.conn.adapters.register_loader("uuid", WatchedUuidLoader)
    assert gc.isenabled()
    assert [e.event.sku for e in client.read_stream(stream)] == ["a", "b", "c"]
    assert len(client.read_all()) >= 3
    assert len(list(client.iter_all(batch_size=1))) >= 3
    assert len(seen) >= 18  # each row's event and correlation ids, three reads
    assert not any(seen)
    assert gc.isenabled()
