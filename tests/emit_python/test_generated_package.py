"""The generated package for examples/shop: quality gate, codec, envelope, aggregates."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.emit_python.conftest import order_class, run_cli
from tests.emit_python.large_project import write_large_project

INCOMPLETE_AGGREGATE = '''
from decimal import Decimal
from uuid import uuid4

from shop_events import CustomerAggregate, CustomerState, OrderAggregate, OrderState
from shop_events import OrderPlaced


class Order(OrderAggregate):
    def initial_state(self) -> OrderState:
        return OrderState(status="new", total=Decimal(0), items=0)

    def apply_order_placed(self, event: OrderPlaced) -> None:
        self.state.status = "placed"


order = Order(uuid4())  # four apply_ hooks are missing
'''


def ruff_findings(*paths: Path) -> str:
    """What `ruff check` and `ruff format --check` say with ruff's defaults (no project
    configuration); empty when both pass."""
    said = []
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run([sys.executable, "-m", "ruff", *command, "--isolated",
                                 "--no-cache", *map(str, paths)],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            said.append(result.stdout + result.stderr)
    return "\n".join(said)


def mypy_errors(*paths: Path, search: Path) -> list[str]:
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *map(str, paths)],
        capture_output=True, text=True, check=False,
        env={"MYPYPATH": str(search), "PATH": "/usr/bin:/bin"})
    return [line for line in mypy.stdout.splitlines() if ": error:" in line]


def test_generated_package_passes_mypy_strict_and_ruff(
        generated_shop: Path, generated_pydantic_shop: Path, generated_msgspec_shop: Path,
        tmp_path: Path) -> None:
    user = tmp_path / "user_code.py"
    user.write_text(INCOMPLETE_AGGREGATE)
    packages = [generated_shop / "generated" / "shop_events",
                generated_pydantic_shop / "generated" / "shop_models",
                generated_msgspec_shop / "generated" / "shop_structs"]
    assert ruff_findings(*packages) == ""
    errors = mypy_errors(*packages, user, search=generated_shop / "generated")
    # The only finding is the user's aggregate lacking hooks, at the line instantiating it.
    assert len(errors) == 1, errors
    line = INCOMPLETE_AGGREGATE.splitlines().index("order = Order(uuid4())  # four apply_ hooks "
                                                    "are missing") + 1
    assert f"user_code.py:{line}:" in errors[0]
    assert 'Cannot instantiate abstract class "Order"' in errors[0]
    assert "apply_order_shipped" in errors[0]


@pytest.mark.parametrize("models", ["dataclasses", "pydantic", "msgspec"])
def test_a_larger_package_passes_mypy_strict_and_ruff(tmp_path: Path, models: str) -> None:
    """Long names (whose lines wrap), one-name and many-name unions and tuples, every upcast
    operation, quotes in descriptions and values."""
    package = write_large_project(tmp_path, models)
    result = run_cli("generate", "--target", "python", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "generated" / package
    assert ruff_findings(out) == ""
    assert mypy_errors(out, search=out.parent) == []


def test_the_library_package_passes_mypy_strict_and_ruff(generated_library: Path) -> None:
    """Typed nested state records, projection row classes, a pyproject.toml (issue 19)."""
    out = generated_library / "generated" / "library_events"
    assert ruff_findings(out) == ""
    assert mypy_errors(out, search=out.parent) == []


def test_the_runtime_module_is_the_same_in_every_project(
        generated_shop: Path, generated_pydantic_shop: Path, generated_msgspec_shop: Path,
        tmp_path: Path) -> None:
    package = write_large_project(tmp_path, "pydantic")
    assert run_cli("generate", "--target", "python", cwd=tmp_path).returncode == 0
    runtimes = {(generated_shop / "generated" / "shop_events" / "_runtime.py").read_text(),
                (generated_pydantic_shop / "generated" / "shop_models" / "_runtime.py").read_text(),
                (generated_msgspec_shop / "generated" / "shop_structs" / "_runtime.py").read_text(),
                (tmp_path / "generated" / package / "_runtime.py").read_text()}
    assert len(runtimes) == 1
    assert "same in every project" in runtimes.pop()


def test_every_generated_file_starts_with_the_header(generated_shop: Path) -> None:
    files = [p for p in (generated_shop / "generated").rglob("*")
             if p.is_file() and "__pycache__" not in p.parts
             and p.name != "escodegen-manifest.json"]
    assert len(files) == 26  # 18 modules, py.typed, and the 7 SQL files as package resources
    for path in files:
        comment = "-- " if path.suffix == ".sql" else "# "
        assert path.read_text().startswith(f"{comment}Code generated by escodegen. DO NOT EDIT.\n"), path


def test_decode_upcasts_old_versions_to_the_latest_class(shop_events: ModuleType) -> None:
    customer = uuid.uuid4()
    event = shop_events.decode("CustomerRegistered", 1, {
        "customerId": str(customer), "name": "Ada King Lovelace", "email": "ada@example.org"})
    assert type(event) is shop_events.CustomerRegistered
    assert event.customerId == customer
    assert (event.firstName, event.lastName) == ("Ada", "King Lovelace")
    assert event.tier == shop_events.CustomerRegisteredTier.standard

    shipped = shop_events.decode("OrderShipped", 1, {
        "orderId": str(customer), "shippedAt": "2024-05-01T10:00:00+00:00",
        "shippingInfo": {"address": "1 Main St", "carrier": "DHL"}})
    assert (shipped.address, shipped.carrier) == ("1 Main St", "DHL")
    assert shipped.shippedAt == datetime(2024, 5, 1, 10, tzinfo=UTC)


def test_encode_gives_the_latest_version_and_round_trips(shop_events: ModuleType) -> None:
    order = shop_events.OrderSubmitted(
        orderId=uuid.uuid4(),
        customer=shop_events.OrderSubmittedCustomer(customerId=uuid.uuid4()),
        lineItems=[shop_events.OrderSubmittedLineItemsItem(
            sku="A-1", quantity=2, unitPrice=Decimal("9.90"))],
        pricing=shop_events.OrderSubmittedPricing(
            subtotal=Decimal("19.80"), tax=Decimal("0.10"), total=Decimal("19.90"),
            currency="EUR"))
    event_type, version, data = shop_events.encode(order)
    assert (event_type, version) == ("OrderSubmitted", 1)
    assert data["pricing"]["tax"] == "0.10"  # decimals stay exact strings
    assert data["lineItems"] == [{"sku": "A-1", "quantity": 2, "unitPrice": "9.90"}]
    assert shop_events.decode(event_type, version, data) == order


def test_encode_refuses_an_old_version_class(shop_events: ModuleType) -> None:
    old = shop_events.OrderPlacedV1(orderId=uuid.uuid4(), customerId=uuid.uuid4(),
                                    totalAmount=Decimal(1))
    with pytest.raises(shop_events.CodecError):
        shop_events.encode(old)


def test_follow_up_carries_correlation_and_sets_causation(shop_events: ModuleType) -> None:
    cause = shop_events.Envelope(
        event_id=uuid.uuid4(), stream_id="Order-1", stream_position=1, global_position=7,
        tx_id=3, event_type="OrderCancelled", version=1, recorded_at=datetime.now(UTC),
        correlation_id=uuid.uuid4(), causation_id=None, metadata={},
        event=shop_events.OrderCancelled(orderId=uuid.uuid4()))
    follow = shop_events.follow_up(cause, shop_events.OrderCancelled(orderId=uuid.uuid4()),
                                   {"user": "ops"})
    assert follow.correlation_id == cause.correlation_id
    assert follow.causation_id == cause.event_id
    assert follow.event_id != cause.event_id
    assert follow.metadata == {"user": "ops"}


def test_aggregate_dispatches_hooks_and_tracks_versions(shop_events: ModuleType) -> None:
    order_id = uuid.uuid4()
    order = order_class(shop_events)(order_id)
    assert order.stream_id == f"Order-{order_id}"
    order.record(shop_events.OrderItemAdded(orderId=order_id, sku="a", quantity=3))
    order.record(shop_events.OrderCancelled(orderId=order_id))
    assert (order.state.items, order.state.status, order.version) == (3, "cancelled", 2)
    assert order.expected_version == 0 and len(order.pending) == 2
    with pytest.raises(TypeError):
        order.apply(shop_events.CustomerTierChanged(
            customerId=order_id, tier=shop_events.CustomerTierChangedTier.premium))


def test_a_missing_hook_fails_at_instantiation(shop_events: ModuleType) -> None:
    class Incomplete(shop_events.OrderAggregate):  # type: ignore[name-defined,misc]
        def initial_state(self) -> Any:
            return None

    with pytest.raises(TypeError, match="abstract"):
        Incomplete(uuid.uuid4())


@pytest.mark.parametrize(("before", "after", "due"), [
    (0, 99, False), (0, 100, True), (98, 103, True), (100, 101, False), (150, 199, False),
    (199, 250, True), (5, 5, False), (0, 250, True),
])
def test_every_n_snapshots_when_a_batch_crosses_the_boundary(
        shop_events: ModuleType, before: int, after: int, due: bool) -> None:
    policy = shop_events.SnapshotPolicy("every", events=100)
    assert policy.due_after_save(before, after, None, datetime.now(UTC)) is due


def test_temporal_and_on_demand_policies(shop_events: ModuleType) -> None:
    now = datetime.now(UTC)
    hourly = shop_events.CustomerAggregate.SNAPSHOT
    assert (hourly.kind, hourly.seconds) == ("interval", 3600)
    assert hourly.due_after_save(3, 4, None, now)
    assert not hourly.due_after_save(3, 4, now - timedelta(minutes=59), now)
    assert hourly.due_after_save(3, 4, now - timedelta(minutes=61), now)
    on_demand = shop_events.SnapshotPolicy("replay_over", seconds=0.05)
    assert on_demand.due_after_load(0.06, 10) and not on_demand.due_after_load(0.01, 10)
    assert not on_demand.due_after_save(1, 2, None, now)
