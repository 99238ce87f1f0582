"""`python.attribute_names: snake_case`: snake_case attributes, the JSON names on the wire, in
every model mode (docs/python.md, *Names*)."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.emit_python.conftest import ROOT, _imported, order_class, run_cli
from tests.emit_python.test_generated_package import mypy_errors, ruff_findings

MODES = ("dataclasses", "pydantic", "msgspec")

USER_CODE = '''
from decimal import Decimal
from uuid import uuid4

from {package} import (
    CustomerRegistered,
    OrderSubmitted,
    OrderSubmittedCustomer,
    OrderSubmittedLineItemsItem,
    OrderSubmittedPricing,
    decode,
    encode,
)

order = OrderSubmitted(
    order_id=uuid4(),
    customer=OrderSubmittedCustomer(customer_id=uuid4(), email=None),
    line_items=[OrderSubmittedLineItemsItem(sku="A", quantity=1, unit_price=Decimal(1))],
    pricing=OrderSubmittedPricing(
        subtotal=Decimal(1), tax=Decimal(0), total=Decimal(1), currency="EUR"
    ),
)
price: Decimal = order.line_items[0].unit_price
event = decode("CustomerRegistered", 3, {{}})
if isinstance(event, CustomerRegistered):
    first: str = event.first_name
print(encode(order))
'''

SUBMITTED = {
    "orderId": "6f1c2b9e-1111-4c3a-9d7e-000000000001",
    "customer": {"customerId": "6f1c2b9e-1111-4c3a-9d7e-000000000002",
                 "email": "ada@example.org"},
    "lineItems": [{"sku": "A-1", "quantity": 2, "unitPrice": "9.90"},
                  {"sku": "B-2", "quantity": 1, "unitPrice": "0.10"}],
    "pricing": {"subtotal": "19.90", "tax": "0.00", "total": "19.90", "currency": "EUR"},
}
PLACED = {
    "orderId": "6f1c2b9e-1111-4c3a-9d7e-000000000003",
    "customerId": "6f1c2b9e-1111-4c3a-9d7e-000000000004",
    "totalAmount": "5.00", "currency": "NOK",
    "shippingAddress": {"street": "1 Main St", "city": "Oslo", "country": "NO",
                        "postcode": None},
}


@pytest.fixture(scope="module", params=MODES)
def snake_shop(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[tuple[str, Path, ModuleType]]:
    """examples/shop with `attribute_names: snake_case`, generated and imported."""
    models: str = request.param
    package = f"snake_{models}"
    project = tmp_path_factory.mktemp(package) / "shop"
    shutil.copytree(ROOT / "examples" / "shop", project, ignore=shutil.ignore_patterns("generated"))
    config = project / "escodegen.yaml"
    before = "{out: generated/shop_events, package: shop_events, models: dataclasses}"
    assert before in config.read_text()
    config.write_text(config.read_text().replace(
        before, f"{{out: generated/{package}, package: {package}, models: {models}, "
                "attribute_names: snake_case}"))
    aggregates = project / "aggregates" / "aggregates.yaml"
    state = "fields: {status: string, total: decimal, items: integer}"
    assert state in aggregates.read_text()
    aggregates.write_text(aggregates.read_text().replace(
        state, "fields: {status: string, total: decimal, items: integer, lastSku: string?}"))
    result = run_cli("generate", "--target", "python", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    for module in _imported(project, package):
        yield package, project / "generated", module


def test_the_package_and_code_using_snake_case_names_pass_mypy_strict_and_ruff(
        snake_shop: tuple[str, Path, ModuleType], tmp_path: Path) -> None:
    package, generated, _ = snake_shop
    user = tmp_path / "user_code.py"
    user.write_text(USER_CODE.format(package=package))
    assert ruff_findings(generated / package) == ""
    assert mypy_errors(generated / package, user, search=generated) == []


@pytest.mark.parametrize(("event_type", "version", "payload"), [
    ("OrderSubmitted", 1, SUBMITTED), ("OrderPlaced", 2, PLACED)])
def test_attributes_are_snake_case_and_the_json_is_unchanged(
        snake_shop: tuple[str, Path, ModuleType], event_type: str, version: int,
        payload: dict[str, Any]) -> None:
    _, _, module = snake_shop
    event = module.decode(event_type, version, payload)
    assert event.order_id == uuid.UUID(payload["orderId"])
    assert not hasattr(event, "orderId")
    assert module.encode(event) == (event_type, version, payload)
    assert module.decode_json(event_type, version, json.dumps(payload)) == event


def test_nested_and_upcast_events_read_by_their_python_names(
        snake_shop: tuple[str, Path, ModuleType]) -> None:
    _, _, module = snake_shop
    submitted = module.decode("OrderSubmitted", 1, SUBMITTED)
    assert submitted.customer.customer_id == uuid.UUID(SUBMITTED["customer"]["customerId"])
    assert [item.unit_price for item in submitted.line_items] == [Decimal("9.90"),
                                                                   Decimal("0.10")]
    registered = module.decode("CustomerRegistered", 1, {
        "customerId": str(uuid.uuid4()), "name": "Ada King Lovelace",
        "email": "ada@example.org"})
    assert (registered.first_name, registered.last_name) == ("Ada", "King Lovelace")
    _, version, data = module.encode(registered)
    assert version == 3 and {"firstName", "lastName"} <= data.keys()


def test_an_event_built_by_python_names_encodes_with_json_names(
        snake_shop: tuple[str, Path, ModuleType]) -> None:
    _, _, module = snake_shop
    order = module.OrderSubmitted(
        order_id=uuid.UUID(SUBMITTED["orderId"]),
        customer=module.OrderSubmittedCustomer(
            customer_id=uuid.UUID(SUBMITTED["customer"]["customerId"]), email="ada@example.org"),
        line_items=[module.OrderSubmittedLineItemsItem(sku="A-1", quantity=2,
                                                       unit_price=Decimal("9.90")),
                    module.OrderSubmittedLineItemsItem(sku="B-2", quantity=1,
                                                       unit_price=Decimal("0.10"))],
        pricing=module.OrderSubmittedPricing(subtotal=Decimal("19.90"), tax=Decimal("0.00"),
                                             total=Decimal("19.90"), currency="EUR"))
    assert module.encode(order) == ("OrderSubmitted", 1, SUBMITTED)
    problem = module.validate("OrderSubmitted", 1, {**SUBMITTED, "lineItems": [{}]})
    assert ("lineItems[0].sku", "required field is missing") in problem


def test_state_attributes_are_snake_case_and_snapshots_keep_the_json_names(
        snake_shop: tuple[str, Path, ModuleType]) -> None:
    _, _, module = snake_shop
    state = module.OrderState(status="placed", total=Decimal("1.50"), items=2, last_sku="A-1")
    order = order_class(module)(uuid.uuid4())
    order.state = state
    snapshot = order.state_to_json()
    assert snapshot == {"status": "placed", "total": "1.50", "items": 2, "lastSku": "A-1"}
    assert order.state_from_json(snapshot) == state


def _check(tmp_path: Path, fields: str, models: str = "dataclasses") -> str:
    (tmp_path / "events").mkdir(exist_ok=True)
    (tmp_path / "escodegen.yaml").write_text(
        "escodegen: 1\nname: names\nsources: [events]\nregistry: registry\n"
        f"python: {{out: generated/names, package: names, models: {models}, "
        "attribute_names: snake_case}\n")
    (tmp_path / "events" / "noted.yaml").write_text(
        f"events:\n  Noted:\n    versions:\n      1:\n        fields: {fields}\n")
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_an_attribute_that_becomes_a_keyword_is_an_error_with_its_position(
        tmp_path: Path) -> None:
    said = _check(tmp_path, "{orderId: uuid, Import: string}")
    assert "events/noted.yaml:5:" in said and "ES203" in said
    assert "'Import' of Noted v1 becomes 'import', a Python keyword" in said


def test_two_fields_with_one_attribute_are_an_error(tmp_path: Path) -> None:
    said = _check(tmp_path, "{orderId: uuid, order_id: uuid}")
    assert "ES204" in said and "'order_id' and 'orderId' both become 'order_id'" in said


def test_a_pydantic_reserved_attribute_is_an_error(tmp_path: Path) -> None:
    said = _check(tmp_path, "{modelName: string}", models="pydantic")
    assert "ES203" in said and "becomes 'model_name', reserved by pydantic" in said
