"""The store client given arguments of the wrong kind, on a real PostgreSQL: an expected
version "5" (read from a header), True or 2**70, a negative max_count, a batch of 0. Each is a
clear error at the call, where they gave a bare KeyError, "function es.append_to_stream(unknown,
boolean, jsonb) does not exist", PostgreSQL's "LIMIT must not be negative", an iter_all that
read nothing, and a subscribe that polled without ever waiting."""

from __future__ import annotations

import asyncio
import uuid
from types import ModuleType
from typing import Any

import psycopg
import pytest


def _added(shop_events: ModuleType) -> tuple[str, Any]:
    order = uuid.uuid4()
    return f"Order-{order}", shop_events.OrderItemAdded(orderId=order, sku="A-1", quantity=1)


@pytest.mark.parametrize("expected", ["5", "latest", True, 2**70, -7, 1.0])
def test_an_expected_version_of_the_wrong_kind(shop_events: ModuleType, store: str,
                                               expected: Any) -> None:
    stream, event = _added(shop_events)
    with psycopg.connect(store, autocommit=True) as conn:
        client = shop_events.EventStore(conn)
        with pytest.raises(shop_events.StoreError) as single:
            client.append(stream, [event], expected=expected)
        assert str(single.value) == (
            'the expected version is "any", "no_stream", "stream_exists" or the exact version,'
            f" an int >= 0, not {expected!r}")
        with pytest.raises(shop_events.StoreError):
            client.append_to_streams([(stream, [event], expected)])
        assert client.append(stream, [event], expected="no_stream")[0].stream_position == 1
        assert client.append(stream, [event], expected=1)[0].stream_position == 2


def test_counts_of_the_wrong_kind(shop_events: ModuleType, store: str) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        client = shop_events.EventStore(conn)
        with pytest.raises(ValueError, match="max_count must be an int from 0, not -1"):
            client.read_all(max_count=-1)
        assert client.read_all(max_count=0) == []
        with pytest.raises(ValueError, match="batch_size must be an int from 1, not 0"):
            client.iter_all(batch_size=0)
        with pytest.raises(ValueError, match="batch_size must be an int from 1, not 0"):
            next(iter(client.subscribe(batch_size=0)))


def test_the_async_client_too(shop_events: ModuleType, store: str) -> None:
    async def run() -> None:
        async with await psycopg.AsyncConnection.connect(store, autocommit=True) as conn:
            client = shop_events.AsyncEventStore(conn)
            stream, event = _added(shop_events)
            with pytest.raises(shop_events.StoreError, match="not '5'"):
                await client.append(stream, [event], expected="5")
            with pytest.raises(ValueError, match="max_count"):
                await client.read_all(max_count=-1)
            with pytest.raises(ValueError, match="batch_size"):
                client.iter_all(batch_size=0)
            with pytest.raises(ValueError, match="batch_size"):
                await anext(aiter(client.subscribe(batch_size=0)))

    asyncio.run(run())


def test_a_stream_id_that_is_no_str(shop_events: ModuleType, store: str) -> None:
    """Refused before anything is sent: a NULL stream id crashes a Citus coordinator's backend
    (Citus routes the delegated call by hashing the NULL), on one node it read nothing."""
    _stream, event = _added(shop_events)
    with psycopg.connect(store, autocommit=True) as conn:
        client = shop_events.EventStore(conn)
        calls = [lambda: client.append(None, [event]),
                 lambda: client.append_to_streams([("Order-1", [event], "any"), (7, [event], "any")]),
                 lambda: client.read_stream(None),
                 lambda: client.stream_version(None)]
        for call in calls:
            with pytest.raises(shop_events.StoreError) as caught:
                call()
            assert str(caught.value) in ("a stream id is a str, not None",
                                         "a stream id is a str, not 7")
        assert conn.execute("select count(*) from es.events").fetchone() == (0,)
