"""Tagged unions in the generated package, in every model mode: a union of classes, one per
variant, discriminated by the tag when decoding and writing the tag when encoding; mypy
--strict, ruff check and ruff format --check pass."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.emit_python.conftest import package_in_every_mode
from tests.emit_python.test_generated_package import mypy_errors, ruff_findings

DECLARATIONS = """\
types:
  Card: {fields: {number: string, expiry: date?}}
  PaymentMethod:
    description: How a payment is made.
    type: union
    tag: kind
    variants:
      card: Card
      transfer: {fields: {iban: string, reference: {type: string, required: false, nullable: false}}}
      wallet_pay: {fields: {provider: {type: enum, values: [apple, google]}}}
events:
  PaymentMade:
    versions:
      1:
        fields:
          paymentId: uuid
          amount: decimal
          method: PaymentMethod
          fallback: {type: PaymentMethod, required: false}
          history: {type: array, items: PaymentMethod}
          byCurrency: {type: map, values: PaymentMethod}
          refund: {type: union, tag: type, variants: {full: {fields: {}}, partial: {fields: {amount: decimal}}}}
          code: {type: union, variants: [string, integer]}
          tip: {type: union, variants: [decimal, boolean], required: false}
          single: {type: union, tag: kind, variants: {only: {fields: {n: integer}}}, required: false}
"""


package = package_in_every_mode("unions", {"declarations.yaml": DECLARATIONS})


def test_passes_mypy_strict_and_ruff(package: tuple[str, Path, ModuleType]) -> None:
    _, out, _ = package
    assert ruff_findings(out) == ""
    assert mypy_errors(out, search=out.parent) == []


def _variants(module: ModuleType) -> dict[str, Any]:
    types = module.events._types
    return {
        "card": types.PaymentMethodCard(number="4111", expiry=None),
        "transfer": types.PaymentMethodTransfer(iban="NO93 8601 1117 947"),
        "wallet": types.PaymentMethodWalletPay(provider=types.PaymentMethodWalletPayProvider.apple),
    }


def _payment(module: ModuleType) -> Any:
    variants = _variants(module)
    refund = module.events.payment_made
    return module.PaymentMade(
        paymentId=uuid.uuid4(), amount=Decimal("12.50"), method=variants["card"],
        history=[variants["transfer"], variants["wallet"]],
        byCurrency={"EUR": variants["card"]},
        refund=refund.PaymentMadeRefundPartial(amount=Decimal("1.5")), code=7,
        tip=Decimal("0.5"), single=refund.PaymentMadeSingleOnly(n=1))


def test_a_union_is_one_class_per_variant_in_the_types_module(
        package: tuple[str, Path, ModuleType]) -> None:
    _, out, module = package
    types = (out / "events" / "_types.py").read_text()
    for variant in ("PaymentMethodCard", "PaymentMethodTransfer", "PaymentMethodWalletPay"):
        assert f"class {variant}" in types
    assert "PaymentMethod: TypeAlias" in types
    assert "class PaymentMethod" not in (out / "events" / "payment_made.py").read_text()
    assert module.PaymentMethod is module.events._types.PaymentMethod


def test_encoding_writes_the_tag_and_decoding_picks_the_variant(
        package: tuple[str, Path, ModuleType]) -> None:
    _, _, module = package
    payment = _payment(module)
    event_type, version, data = module.encode(payment)
    assert (event_type, version) == ("PaymentMade", 1)
    assert data["method"] == {"kind": "card", "number": "4111", "expiry": None}
    assert data["history"] == [{"kind": "transfer", "iban": "NO93 8601 1117 947"},
                               {"kind": "wallet_pay", "provider": "apple"}]
    assert data["byCurrency"] == {"EUR": {"kind": "card", "number": "4111", "expiry": None}}
    assert data["refund"] == {"type": "partial", "amount": "1.5"}
    assert (data["code"], data["tip"]) == (7, "0.5")
    assert data["single"] == {"kind": "only", "n": 1}
    decoded = module.decode(event_type, version, data)
    assert decoded == payment
    assert type(decoded.history[1]) is module.events._types.PaymentMethodWalletPay


@pytest.mark.parametrize(("method", "path"), [
    ({"kind": "cheque"}, "method.kind"),
    ({"number": "4111"}, "method.kind"),
    ({"kind": "card"}, "method.number"),
    ({"kind": "transfer", "number": "4111"}, "method.iban"),
    ("card", "method"),
])
def test_a_payload_whose_tag_names_no_variant_is_refused_naming_the_path(
        package: tuple[str, Path, ModuleType], method: Any, path: str) -> None:
    _, _, module = package
    _, _, data = module.encode(_payment(module))
    problems = module.validate("PaymentMade", 1, {**data, "method": method})
    assert problems and problems[0][0] == path
    with pytest.raises(module.CodecError):
        module.decode("PaymentMade", 1, {**data, "method": method})


def test_an_untagged_union_decodes_by_the_value_s_json_kind(
        package: tuple[str, Path, ModuleType]) -> None:
    _, _, module = package
    _, _, data = module.encode(_payment(module))
    decoded = module.decode("PaymentMade", 1, {**data, "code": "A7", "tip": False})
    assert (decoded.code, decoded.tip) == ("A7", False)
    problems = module.validate("PaymentMade", 1, {**data, "code": 1.5})
    assert problems == [("code", "expected an integer, got a fraction")]
    with pytest.raises(module.CodecError):
        module.decode("PaymentMade", 1, {**data, "code": [1]})
