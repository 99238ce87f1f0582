"""A stored payload the package's JSON parser refuses, on a real PostgreSQL: jsonb holds an
integer of 5,000 digits (and the payload validators accept it as an integer), Python's `int`
reads at most 4,300. The readers treat it as any undecodable event (a CodecError naming it),
never a bare ValueError: `read_all(on_error="yield")` gives it in its place and goes on."""

from __future__ import annotations

import asyncio
import uuid
from types import ModuleType
from typing import Any

import psycopg
import pytest

HUGE = "1" + "0" * 5000


def _store_huge_quantity(store: str) -> tuple[str, int]:
    """A good event, then an OrderItemAdded whose quantity has 5,001 digits (a raw INSERT,
    as a script or another client could write it): its stream and global position."""
    stream = f"Order-{uuid.uuid4()}"
    order = stream.removeprefix("Order-")
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute(
            "select * from es.append_to_stream(%s, -1, jsonb_build_array(jsonb_build_object("
            "'event_type', 'OrderItemAdded', 'event_version', 1, 'data', jsonb_build_object("
            "'orderId', %s::text, 'sku', 'A-1', 'quantity', 2))))", (stream, order))
        row = conn.execute(
            "insert into es.events (event_id, stream_id, stream_position, event_type,"
            " event_version, data) values (gen_random_uuid(), %s, 2, 'OrderItemAdded', 1,"
            " jsonb_build_object('orderId', %s::text, 'sku', 'A-1', 'quantity', %s::numeric))"
            " returning global_position", (stream, order, HUGE)).fetchone()
        assert row is not None
        # the store's own validator calls it an integer: only the reader can refuse it
        problem = conn.execute("select es.validate_event('OrderItemAdded', 1, data) from es.events"
                               " where global_position = %s", (row[0],)).fetchone()
        assert problem == (None,)
    return stream, int(row[0])


def test_read_all_yields_an_unparsable_event_in_its_place(shop_events: ModuleType,
                                                          store: str) -> None:
    stream, position = _store_huge_quantity(store)
    with psycopg.connect(store, autocommit=True) as conn:
        client = shop_events.EventStore(conn)
        items = client.read_all(after=shop_events.START, on_error="yield")
        assert [type(i).__name__ for i in items] == ["Envelope", "UndecodedEnvelope"]
        undecoded = items[1]
        assert (undecoded.global_position, undecoded.stream_id) == (position, stream)
        assert isinstance(undecoded.error, shop_events.CodecError)
        assert "OrderItemAdded version 1: the payload cannot be parsed" in str(undecoded.error)
        assert sum(1 for _ in client.iter_all(after=shop_events.START, on_error="yield")) == 2

        with pytest.raises(shop_events.UndecodableEventError) as caught:
            client.read_all(after=shop_events.START)
        assert caught.value.global_position == position
        assert f"global position {position}" in str(caught.value)

        with pytest.raises(shop_events.CodecError) as read:
            list(client.read_stream(stream))
        assert (read.value.event_type, read.value.version) == ("OrderItemAdded", 1)
        assert f"stored as {stream}:2" in " ".join(getattr(read.value, "__notes__", []))


def test_the_async_reader_too(shop_events: ModuleType, store: str) -> None:
    _stream, position = _store_huge_quantity(store)

    async def read() -> list[Any]:
        async with await psycopg.AsyncConnection.connect(store, autocommit=True) as conn:
            return list(await shop_events.AsyncEventStore(conn).read_all(
                after=shop_events.START, on_error="yield"))

    items = asyncio.run(read())
    assert [i.global_position for i in items][1] == position
    assert isinstance(items[1], shop_events.UndecodedEnvelope)
