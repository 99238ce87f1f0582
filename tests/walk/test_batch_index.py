"""The store client's `encode` refusing one event of a batch, on a real PostgreSQL: the
InvalidEvent says which (`index`, from 1, and a note "event 2 of the batch" / "event 1 of
append 2"), as the database's ESPAY does, where it said only the type and the field. Nothing
is sent. Sync and async."""

from __future__ import annotations

import asyncio
import uuid
from types import ModuleType
from typing import Any

import psycopg
import pytest


def _registered(shop_events: ModuleType, customer_id: Any) -> Any:
    return shop_events.CustomerRegistered(
        customerId=customer_id, firstName="Ada", lastName="Lovelace", email="ada@example.org",
        tier=shop_events.CustomerRegisteredTier.standard)


def _calls(shop_events: ModuleType) -> list[tuple[str, Any, int, str]]:
    good, bad = _registered(shop_events, uuid.uuid4()), _registered(shop_events, "not-a-uuid")
    return [
        ("append", ("Customer-1", [good, good, bad]), 3, "event 3 of the batch"),
        ("append_to_streams", ([("Customer-1", [good], "any"), ("Customer-2", [bad, good], "any")],),
         1, "event 1 of append 2"),
    ]


def test_the_refused_event_of_a_batch_is_named(shop_events: ModuleType, store: str) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        client = shop_events.EventStore(conn)
        for method, args, index, note in _calls(shop_events):
            with pytest.raises(shop_events.InvalidEvent) as caught:
                getattr(client, method)(*args)
            assert (caught.value.index, caught.value.fields) == (index, ("customerId",))
            assert caught.value.__notes__ == [note]
        assert conn.execute("select count(*) from es.events").fetchone() == (0,)


def test_the_async_client_too(shop_events: ModuleType, store: str) -> None:
    async def run() -> list[tuple[int, list[str]]]:
        found = []
        async with await psycopg.AsyncConnection.connect(store, autocommit=True) as conn:
            client = shop_events.AsyncEventStore(conn)
            for method, args, _index, _note in _calls(shop_events):
                try:
                    await getattr(client, method)(*args)
                except shop_events.InvalidEvent as error:
                    found.append((error.index, error.__notes__))
        return found

    assert asyncio.run(run()) == [(3, ["event 3 of the batch"]), (1, ["event 1 of append 2"])]
