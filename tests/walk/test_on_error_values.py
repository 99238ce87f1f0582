"""`read_all` and `iter_all` given an `on_error` that is neither "raise" nor "yield" (code
mypy does not check, a value from a configuration file), on a real PostgreSQL: a ValueError
at the call, where "skip" acted as "yield" and gave UndecodedEnvelopes to a caller that
expected none."""

from __future__ import annotations

import asyncio
from types import ModuleType
from typing import Any

import psycopg
import pytest

MESSAGE = 'on_error must be "raise" or "yield", not \'skip\''


def test_an_unknown_on_error_is_refused(shop_events: ModuleType, store: str) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute("insert into es.events (event_id, stream_id, stream_position, event_type,"
                     " event_version, data) values (gen_random_uuid(), 'Order-bad', 1,"
                     " 'OrderItemAdded', 1, '{}')")
        client: Any = shop_events.EventStore(conn)
        with pytest.raises(ValueError, match=MESSAGE):
            client.read_all(on_error="skip")
        with pytest.raises(ValueError, match=MESSAGE):
            client.iter_all(on_error="skip")
        assert [type(i).__name__ for i in client.read_all(on_error="yield")] == [
            "UndecodedEnvelope"]


def test_the_async_client_too(shop_events: ModuleType, store: str) -> None:
    async def run() -> None:
        async with await psycopg.AsyncConnection.connect(store, autocommit=True) as conn:
            client: Any = shop_events.AsyncEventStore(conn)
            with pytest.raises(ValueError, match=MESSAGE):
                await client.read_all(on_error="skip")
            with pytest.raises(ValueError, match=MESSAGE):
                client.iter_all(on_error="skip")

    asyncio.run(run())
