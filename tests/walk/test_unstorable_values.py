"""Values `encode` lets through but no stored JSON can hold, appended through the generated
package on a real PostgreSQL: a NUL character (jsonb refuses `\\u0000`), an unpaired surrogate
(no UTF-8; jsonb refuses its escape, msgspec's encoder refuses it before sending) and an
integer of more than 4,300 digits (Python's JSON encoder refuses it). The append raises
InvalidEvent naming the event, its path and the problem, in ESPAY's words, where it raised
`StoreError: unsupported Unicode escape sequence` naming nothing, or a bare ValueError."""

from __future__ import annotations

import uuid
from types import ModuleType
from typing import Any

import psycopg
import pytest


def _registered(package: ModuleType, first: str) -> Any:
    return package.CustomerRegistered(
        customerId=uuid.uuid4(), firstName=first, lastName="Lovelace", email="ada@example.org",
        tier=package.CustomerRegisteredTier.standard)


@pytest.mark.parametrize(("first", "problem"), [
    ("A\x00da", "contains U+0000, which PostgreSQL's jsonb cannot store"),
    ("A\ud800da", "contains an unpaired surrogate, which is no Unicode text"),
], ids=["nul", "surrogate"])
@pytest.mark.parametrize("models", ["shop_events", "shop_structs"])
def test_an_unstorable_string_is_named(request: pytest.FixtureRequest, store: str, models: str,
                                       first: str, problem: str) -> None:
    package: ModuleType = request.getfixturevalue(models)
    with psycopg.connect(store, autocommit=True) as conn:
        client = package.EventStore(conn)
        good = _registered(package, "Ada")
        with pytest.raises(package.InvalidEvent) as single:
            client.append("Customer-1", [good, _registered(package, first)])
        assert str(single.value) == (
            'invalid payload: event 2 of the batch ("CustomerRegistered" version 3): '
            f"firstName: {problem}")
        assert (single.value.index, single.value.fields) == (2, ("firstName",))
        with pytest.raises(package.InvalidEvent) as many:
            client.append_to_streams([("Customer-1", [good], "any"),
                                      ("Customer-2", [_registered(package, first)], "any")])
        assert str(many.value).startswith("invalid payload: event 1 of append 2 (")
        assert conn.execute("select count(*) from es.events").fetchone() == (0,)


def test_unstorable_metadata_and_a_huge_integer(shop_events: ModuleType, store: str) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        client = shop_events.EventStore(conn)
        noted = shop_events.NewEvent(event=_registered(shop_events, "Ada"),
                                     metadata={"source": {"note": "a\x00"}})
        with pytest.raises(shop_events.StoreError) as metadata:
            client.append("Customer-1", [noted])
        assert str(metadata.value) == (
            "invalid metadata: event 1 of the batch: metadata.source.note: contains U+0000, "
            "which PostgreSQL's jsonb cannot store")

        order = uuid.uuid4()
        huge = shop_events.OrderItemAdded(orderId=order, sku="A-1", quantity=10**5000)
        with pytest.raises(shop_events.InvalidEvent) as caught:
            client.append(f"Order-{order}", [huge])
        assert str(caught.value) == (
            'invalid payload: event 1 of the batch ("OrderItemAdded" version 1): quantity: '
            "an integer of more digits than Python writes as JSON")
        assert conn.execute("select count(*) from es.events").fetchone() == (0,)
