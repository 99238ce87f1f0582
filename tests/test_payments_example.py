"""examples/payments, the second example project (tagged unions, maps, named types,
constraints, upcasts, one of them on a union's variant): it validates, its generated/ folder
is current, the generated package passes mypy --strict and ruff, and its SQL applies to
PostgreSQL, where stored v1 and v2 events upcast to v3 as in the package, and union payloads and
constraints are validated by the database as by the package."""

from __future__ import annotations

import importlib
import sys
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from devtools.postgres import apply, fresh_database
from escodegen.check import compile_project
from escodegen.emit.postgres import render as render_sql
from tests.emit_python.conftest import run_cli
from tests.emit_python.test_generated_package import mypy_errors, ruff_findings

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "payments"
GENERATED = EXAMPLE / "generated"


def test_the_example_validates_and_its_generated_folder_is_current() -> None:
    validated = run_cli("validate", cwd=EXAMPLE)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    checked = run_cli("generate", "--check", cwd=EXAMPLE)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_generated_package_passes_mypy_strict_and_ruff() -> None:
    package = GENERATED / "payments_events"
    assert ruff_findings(package) == ""
    assert mypy_errors(package, search=GENERATED) == []


@pytest.fixture(scope="module")
def payments() -> Iterator[ModuleType]:
    sys.path.insert(0, str(GENERATED))
    try:
        yield importlib.import_module("payments_events")
    finally:
        sys.path.remove(str(GENERATED))


@pytest.fixture(scope="module")
def conn(pg_server: str) -> Iterator[psycopg.Connection[Any]]:
    project, report = compile_project(EXAMPLE / "escodegen.yaml")
    assert project is not None, report
    with fresh_database(pg_server, "payments") as dsn:
        apply(dsn, render_sql(project))
        with psycopg.connect(dsn, autocommit=True) as connection:
            yield connection


def _authorized(payments: ModuleType) -> Any:
    types = payments.events._types
    return payments.PaymentAuthorized(
        paymentId=uuid.uuid4(), orderId=uuid.uuid4(),
        total=types.Money(amount=Decimal("49.90"), currency="EUR"),
        method=types.InstrumentCard(last4="4242", network=types.InstrumentCardNetwork.visa,
                                    expiry=date(2028, 1, 31),
                                    funding=types.InstrumentCardFunding.credit),
        metadata={"channel": "web"})


def test_events_with_unions_and_maps_round_trip_through_the_store(
        payments: ModuleType, conn: psycopg.Connection[Any]) -> None:
    store = payments.EventStore(conn)
    event = _authorized(payments)
    stream = f"Payment-{event.paymentId}"
    types = payments.events._types
    failed = payments.PaymentFailed(
        paymentId=event.paymentId, reason=payments.PaymentFailedReason.declined,
        method=types.PaymentMethodWallet(provider=types.PaymentMethodWalletProvider.paypal,
                                         account="a@example.org"),
        attempts=[types.PaymentMethodBankTransfer(iban="DE89370400440532013000")])
    store.append(stream, [event, failed], expected="no_stream")
    read = [envelope.event for envelope in store.read_stream(stream)]
    assert read == [event, failed]
    row = conn.execute("select data -> 'method' from payments.events where stream_id = %s "
                       "and stream_position = 1", (stream,)).fetchone()
    assert row is not None and row[0]["kind"] == "card"


def test_the_database_refuses_a_variant_the_tag_does_not_name(
        payments: ModuleType, conn: psycopg.Connection[Any]) -> None:
    _, _, data = payments.encode(_authorized(payments))
    data["method"] = {"kind": "cheque", "number": "1"}
    assert payments.validate("PaymentAuthorized", 3, data)[0] == (
        "method.kind", 'not one of "card", "bank_transfer", "wallet"')
    with pytest.raises(psycopg.Error, match="method.kind: not one of"):
        conn.execute("select * from payments.append_to_stream(%s, -1, %s)", (
            f"Payment-{uuid.uuid4()}",
            Jsonb([{"event_type": "PaymentAuthorized", "event_version": 3, "data": data}])))


def test_a_stored_v1_event_reads_as_v3_in_python_and_sql(
        payments: ModuleType, conn: psycopg.Connection[Any]) -> None:
    payment = uuid.uuid4()
    v1 = {"paymentId": str(payment), "orderId": str(uuid.uuid4()), "amount": "10.00",
          "currency": "NOK", "method": {"kind": "bank_transfer", "iban": "NO93 8601 1117 947"}}
    conn.execute("select * from payments.append_to_stream(%s, -1, %s)", (
        f"Payment-{payment}",
        Jsonb([{"event_type": "PaymentAuthorized", "event_version": 1, "data": v1}])))
    row = conn.execute("select payments.upcast_payment_authorized(data, 1) from payments.events "
                       "where stream_id = %s", (f"Payment-{payment}",)).fetchone()
    assert row is not None
    upcast = row[0]
    assert upcast["total"] == {"amount": "10.00", "currency": "NOK"}
    assert upcast["metadata"] == {}
    decoded = payments.decode("PaymentAuthorized", 1, v1)
    assert decoded == payments.decode("PaymentAuthorized", 3, upcast)
    assert decoded.total.amount == Decimal("10.00") and decoded.metadata == {}
    assert type(decoded.method) is payments.events._types.InstrumentBankTransfer


def test_a_stored_card_reads_with_its_v3_details_in_python_and_sql(
        payments: ModuleType, conn: psycopg.Connection[Any]) -> None:
    """The `variant` upcast of v3 renames the card's brand and adds its funding, on cards only."""
    types = payments.events._types
    card = {"kind": "card", "last4": "0005", "brand": "amex", "expiry": "2027-06-30"}
    v2 = {"paymentId": str(uuid.uuid4()), "orderId": str(uuid.uuid4()),
          "total": {"amount": "12.50", "currency": "EUR"}, "method": card, "metadata": {}}
    row = conn.execute("select payments.upcast_payment_authorized(%s, 2)", (Jsonb(v2),)).fetchone()
    assert row is not None
    assert row[0]["method"] == {"kind": "card", "last4": "0005", "network": "amex",
                                "expiry": "2027-06-30", "funding": "unknown"}
    decoded = payments.decode("PaymentAuthorized", 2, v2)
    assert decoded == payments.decode("PaymentAuthorized", 3, row[0])
    assert decoded.method == types.InstrumentCard(
        last4="0005", network=types.InstrumentCardNetwork.amex, expiry=date(2027, 6, 30),
        funding=types.InstrumentCardFunding.unknown)
    wallet = {**v2, "method": {"kind": "wallet", "provider": "paypal", "account": "a@b.example"}}
    row = conn.execute("select payments.upcast_payment_authorized(%s, 2)",
                       (Jsonb(wallet),)).fetchone()
    assert row is not None and row[0]["method"] == wallet["method"]


def test_the_constraints_are_checked_by_the_package_and_the_database(
        payments: ModuleType, conn: psycopg.Connection[Any]) -> None:
    _, _, good = payments.encode(_authorized(payments))
    for path, value, problem in [
        (("total", "currency"), "eur", "total.currency"),
        (("total", "amount"), "-1.00", "total.amount"),
        (("total", "amount"), "1.005", "total.amount"),
        (("method", "last4"), "42", "method.last4"),
    ]:
        data = {**good, path[0]: {**good[path[0]], path[1]: value}}
        assert payments.validate("PaymentAuthorized", 3, data)[0][0] == problem
        with pytest.raises(psycopg.Error, match=problem.replace(".", "\\.")):
            conn.execute("select * from payments.append_to_stream(%s, -1, %s)", (
                f"Payment-{uuid.uuid4()}",
                Jsonb([{"event_type": "PaymentAuthorized", "event_version": 3, "data": data}])))


def test_the_projection_reads_the_payment_methods_tag(
        payments: ModuleType, conn: psycopg.Connection[Any]) -> None:
    """`method: $.method.kind`: a projection column from a tagged union's tag."""
    event = _authorized(payments)
    payments.EventStore(conn).append(f"Payment-{event.paymentId}", [event], expected="no_stream")
    while conn.execute("select payments.catch_up_payments(100)").fetchone() != (0,):
        pass
    row = conn.execute("select method from payments.payments where payment_id = %s",
                       (event.paymentId,)).fetchone()
    assert row == ("card",)
