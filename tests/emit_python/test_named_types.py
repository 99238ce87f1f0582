"""Named types, maps and optional apart from nullable in the generated package, in every model
mode: one class per named type shared by every event, `dict[str, T]` for a map, an absent key
apart from a null value; mypy --strict, ruff check and ruff format --check pass."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from tests.emit_python.conftest import package_in_every_mode
from tests.emit_python.test_generated_package import mypy_errors, ruff_findings

TYPES = """\
types:
  Money: {fields: {amount: decimal, currency: Currency}}
  Currency: {type: string, description: An ISO 4217 code.}
  Tier: {type: enum, values: [standard, gold]}
  Address:
    description: Where a parcel goes.
    fields: {street: string, city: string, region: {type: string, required: false, nullable: false}}
  Shipment: {fields: {to: Address, cost: Money}}
"""

EVENTS = """\
events:
  OrderPlaced:
    versions:
      1:
        fields:
          orderId: uuid
          total: Money
          lines: {type: array, items: Money}
          prices: {type: map, values: Money}
          stock: {type: map, values: integer}
          shipment: Shipment?
          billing: {type: Address, nullable: true}
          tier: {type: Tier, default: standard}
          level: {type: enum, values: [low, high], default: low}
          note: {type: string, required: false, nullable: false}
  OrderRefunded:
    versions:
      1:
        fields: {orderId: uuid, amount: Money, tier: Tier}
"""


package = package_in_every_mode("named", {"types.yaml": TYPES, "events.yaml": EVENTS})


def test_passes_mypy_strict_and_ruff(package: tuple[str, Path, ModuleType]) -> None:
    _, out, _ = package
    assert ruff_findings(out) == ""
    assert mypy_errors(out, search=out.parent) == []


def test_one_class_per_named_type_shared_by_every_event(
        package: tuple[str, Path, ModuleType]) -> None:
    _, out, module = package
    texts = {p.name: p.read_text() for p in (out / "events").glob("*.py")}
    assert "class Money" in texts["_types.py"] and "class Tier" in texts["_types.py"]
    assert not any("class Money" in text or "class Tier" in text
                   for name, text in texts.items() if name != "_types.py")
    assert "class Currency" not in texts["_types.py"]  # a scalar alias is its scalar
    assert "OrderPlacedTotal" not in texts["order_placed.py"]
    hints_placed = module.OrderPlaced.__annotations__
    hints_refunded = module.OrderRefunded.__annotations__
    assert hints_placed["total"] == hints_refunded["amount"] == "Money"
    assert module.events.order_placed.Money is module.events.order_refunded.Money is module.Money
    assert "dict[str, Money]" in texts["order_placed.py"]
    assert "dict[str, int]" in texts["order_placed.py"]
    assert "Where a parcel goes." in texts["_types.py"]


def _order(module: ModuleType, **changes: object) -> object:
    money = module.Money(amount=Decimal("9.90"), currency="EUR")
    address = module.Address(street="1 Main St", city="Oslo")
    fields: dict[str, object] = {
        "orderId": uuid.uuid4(), "total": money, "lines": [money],
        "prices": {"EUR": money, "NOK": module.Money(amount=Decimal(100), currency="NOK")},
        "stock": {"A-1": 3}, "shipment": module.Shipment(to=address, cost=money),
        "billing": None, "tier": module.Tier.gold}
    fields["level"] = module.events.order_placed.OrderPlacedLevel.high
    fields.update(changes)
    return module.OrderPlaced(**fields)


def test_the_codec_round_trips_named_types_and_maps(
        package: tuple[str, Path, ModuleType]) -> None:
    _, _, module = package
    order = _order(module)
    event_type, version, data = module.encode(order)
    assert (event_type, version) == ("OrderPlaced", 1)
    assert data["prices"]["NOK"] == {"amount": "100", "currency": "NOK"}
    assert data["shipment"]["to"] == {"street": "1 Main St", "city": "Oslo"}
    decoded = module.decode(event_type, version, data)
    assert decoded == order
    assert decoded.tier is module.Tier.gold


def test_an_enum_field_of_a_named_type_takes_its_default(
        package: tuple[str, Path, ModuleType]) -> None:
    _, _, module = package
    order = module.decode("OrderPlaced", 1, {
        "orderId": str(uuid.uuid4()), "total": {"amount": "1", "currency": "EUR"}, "lines": [],
        "prices": {}, "stock": {}, "billing": None})
    assert order.tier is module.Tier.standard
    assert order.level == type(order.level)("low")


def test_a_nullable_required_field_is_a_required_key(
        package: tuple[str, Path, ModuleType]) -> None:
    _, _, module = package
    with pytest.raises(module.CodecError):
        module.decode("OrderPlaced", 1, {
            "orderId": str(uuid.uuid4()), "total": {"amount": "1", "currency": "EUR"},
            "lines": [], "prices": {}, "stock": {}})


def test_an_optional_not_nullable_field_is_absent_never_null(
        package: tuple[str, Path, ModuleType]) -> None:
    models, _, module = package
    _, _, data = module.encode(_order(module))
    assert "note" not in data
    assert "region" not in data["shipment"]["to"]
    _, _, data = module.encode(_order(module, note="fragile"))
    assert data["note"] == "fragile"
    if models != "pydantic":  # pydantic reads a null there as None (docs/language.md)
        with pytest.raises(module.CodecError):
            module.decode("OrderPlaced", 1, {**data, "note": None})


def test_a_map_value_of_the_wrong_type_is_refused(
        package: tuple[str, Path, ModuleType]) -> None:
    _, _, module = package
    _, _, data = module.encode(_order(module))
    with pytest.raises(module.CodecError):
        module.decode("OrderPlaced", 1, {**data, "stock": {"A-1": "three"}})
