"""`encode` checks a payload as append_to_stream does, in every model mode, and the store
client maps the database's refusal (ESPAY) to the same typed exception (issue 12, point 1)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from types import ModuleType
from typing import Any

import psycopg
import pytest


def _bad_customer(package: ModuleType) -> Any:
    """A latest-version CustomerRegistered its class let through (dataclasses and msgspec
    do not validate at construction; pydantic's model_construct neither)."""
    cls = package.CustomerRegistered
    build = getattr(cls, "model_construct", cls)
    return build(customerId="not-a-uuid", firstName="Ada", lastName=None, email="a@b.c",
                 tier="gold")


@pytest.mark.parametrize("mode", ["shop_events", "shop_models", "shop_structs"])
def test_encode_names_every_bad_field(mode: str, request: pytest.FixtureRequest) -> None:
    package: ModuleType = request.getfixturevalue(mode)
    with pytest.raises(package.InvalidEvent) as refused:
        package.encode(_bad_customer(package))
    error = refused.value
    assert isinstance(error, package.CodecError) and isinstance(error, package.StoreError)
    assert str(error) == (
        "invalid payload: CustomerRegistered version 3: customerId: not a uuid; lastName: "
        'expected a string, got null; tier: not one of "standard", "premium", "enterprise"')
    assert error.fields == ("customerId", "lastName", "tier")
    assert (error.event_type, error.version, error.index) == ("CustomerRegistered", 3, None)
    good = package.CustomerRegistered(customerId=uuid.uuid4(), firstName="Ada",
                                      lastName="L", email="a@b.c", tier="premium")
    assert package.encode(good)[2]["tier"] == "premium"


@pytest.mark.parametrize("mode", ["shop_events", "shop_structs"])
def test_encode_names_a_bad_nested_field(mode: str, request: pytest.FixtureRequest) -> None:
    package: ModuleType = request.getfixturevalue(mode)
    submitted = package.OrderSubmitted(
        orderId=uuid.uuid4(),
        customer=package.OrderSubmittedCustomer(customerId=uuid.uuid4()),
        lineItems=[package.OrderSubmittedLineItemsItem(sku="a", quantity=1,
                                                         unitPrice=Decimal("1.5")),
                   package.OrderSubmittedLineItemsItem(sku="b", quantity=1.5,
                                                         unitPrice="cheap")],
        pricing=package.OrderSubmittedPricing(subtotal=Decimal(1), tax=Decimal(0),
                                                total=Decimal(1), currency="EUR"))
    with pytest.raises(package.InvalidEvent) as refused:
        package.encode(submitted)
    assert refused.value.fields == ("lineItems[1].quantity", "lineItems[1].unitPrice")


def test_the_store_maps_a_refused_payload(shop_events: ModuleType, store: str) -> None:
    """An older deployment that sends without checking: the database refuses, the client
    raises InvalidEvent with the index and the path."""

    class Unchecked(shop_events.EventStore):  # type: ignore[misc,name-defined]
        def _encode(self, event: Any) -> tuple[str, int, dict[str, Any]]:
            return "OrderItemAdded", 1, {"orderId": str(uuid.uuid4()), "sku": None,
                                         "quantity": 1}

    good = shop_events.OrderItemAdded(orderId=uuid.uuid4(), sku="a", quantity=1)
    with psycopg.connect(store, autocommit=True) as conn:
        with pytest.raises(shop_events.InvalidEvent) as refused:
            Unchecked(conn).append("Order-1", [good, good])
        error = refused.value
        assert (error.index, error.fields, error.event_type, error.version) == (
            1, ("sku",), "OrderItemAdded", 1)
        assert str(error) == ('invalid payload: event 1 of the batch ("OrderItemAdded" '
                              "version 1): sku: expected a string, got null")
        with pytest.raises(shop_events.InvalidEvent):
            Unchecked(conn).append_to_streams([("Order-2", [good], "any")])
        assert shop_events.EventStore(conn).append("Order-1", [good])[0].stream_position == 1
