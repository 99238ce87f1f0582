"""`decode` of a stored event that does not fit, in every model mode: every failure is a
CodecError (never a KeyError, TypeError or a raw pydantic ValidationError) whose message
names the event type, the stored version and the bad field, and whose attributes say the
same for code that handles it."""

from __future__ import annotations

import json
import uuid
from types import ModuleType
from typing import Any

import pytest

ORDER = str(uuid.uuid4())


@pytest.fixture(params=["shop_events", "shop_models", "shop_structs"],
                ids=["dataclasses", "pydantic", "msgspec"])
def package(request: pytest.FixtureRequest) -> ModuleType:
    """The generated shop package in each model mode."""
    module: ModuleType = request.getfixturevalue(request.param)
    return module


def _decode_error(package: ModuleType, event_type: str, version: Any, data: Any) -> Any:
    with pytest.raises(package.CodecError) as caught:
        package.decode(event_type, version, data)
    error = caught.value
    # from JSON text (the store's reads: straight into the class when the payload is at the
    # latest version) the same error, also the second time (the reader is kept)
    for _ in range(2):
        with pytest.raises(package.CodecError) as from_text:
            package.decode_json(event_type, version, json.dumps(data))
        assert type(from_text.value) is type(error)
        assert (str(from_text.value), from_text.value.fields) == (str(error), error.fields)
    assert type(error).__module__ == f"{package.__name__}._runtime"  # the package's own class
    assert "\n" not in str(error)  # one line, no pydantic report or URL
    assert "errors.pydantic.dev" not in str(error)
    assert error.__cause__ is None or isinstance(error.__cause__, Exception)
    return error


@pytest.mark.parametrize(("event_type", "version", "data", "field", "problem"), [
    # at the latest version: a wrong type, a missing field, nested and list paths
    ("OrderItemAdded", 1, {"orderId": ORDER, "sku": "x", "quantity": "many"},
     "quantity", "'many'"),
    ("OrderItemAdded", 1, {"orderId": ORDER, "sku": "x"},
     "quantity", "required field is missing"),
    ("OrderSubmitted", 1, {"orderId": ORDER, "customer": {"customerId": ORDER},
                           "lineItems": [{"sku": "a", "quantity": 1, "unitPrice": "lots"}],
                           "pricing": {"subtotal": "1", "tax": "0", "total": "1",
                                       "currency": "EUR"}},
     "lineItems[0].unitPrice", "'lots'"),
    ("OrderSubmitted", 1, {"orderId": ORDER, "customer": {"customerId": "nope"},
                           "lineItems": [],
                           "pricing": {"subtotal": "1", "tax": "0", "total": "1",
                                       "currency": "EUR"}},
     "customer.customerId", "'nope'"),
    ("CustomerRegistered", 3, {"customerId": ORDER, "firstName": "A", "lastName": "B",
                               "email": "a@b", "tier": "gold"},
     "tier", "'gold'"),
    # at an older version: named in the stored version's terms, not the latest's
    # (CustomerRegistered v1 has `name`; v3, which its upcaster produces, has no such field)
    ("CustomerRegistered", 1, {"customerId": ORDER, "email": "a@b", "name": 5},
     "name", "5"),
    ("CustomerRegistered", 1, {"customerId": ORDER, "email": "a@b"},
     "name", "required field is missing"),
    ("OrderShipped", 1, {"orderId": ORDER, "shippedAt": "2024-05-01T10:00:00+00:00"},
     "shippingInfo", "required field is missing"),
    ("OrderShipped", 1, {"orderId": ORDER, "shippedAt": "2024-05-01T10:00:00+00:00",
                         "shippingInfo": {"address": 1, "carrier": "DHL"}},
     "shippingInfo.address", "got 1"),
])
def test_a_payload_that_does_not_fit_names_type_version_and_field(
        package: ModuleType, event_type: str, version: int, data: dict[str, Any], field: str,
        problem: str) -> None:
    error = _decode_error(package, event_type, version, data)
    assert str(error).startswith(f"{event_type} version {version}: {field}: "), str(error)
    assert problem in str(error)
    assert (error.event_type, error.version, error.fields) == (event_type, version, (field,))
    assert not isinstance(error, package.UnknownEventType | package.UnsupportedVersion)


def test_every_bad_field_is_listed(package: ModuleType) -> None:
    # `fields` has them all; the message lists the first five
    error = _decode_error(package, "OrderSubmitted", 1, {
        "orderId": ORDER, "customer": {"customerId": "nope"},
        "lineItems": [{"sku": "a", "quantity": 1, "unitPrice": "x"}], "pricing": {}})
    assert error.fields == ("customer.customerId", "lineItems[0].unitPrice", "pricing.subtotal",
                            "pricing.tax", "pricing.total", "pricing.currency")
    assert str(error).endswith("pricing.total: required field is missing; and 1 more")


@pytest.mark.parametrize("data", [[1, 2], None, "text"])
def test_a_payload_that_is_not_an_object(package: ModuleType, data: Any) -> None:
    for version in (1, 3):  # the upcast path and the direct path
        error = _decode_error(package, "CustomerRegistered", version, data)
        assert str(error).startswith(f"CustomerRegistered version {version}: the payload is "
                                     "not a JSON object")
        assert error.fields == ()


def test_a_payload_its_upcaster_breaks_is_blamed_on_the_upcast(
        package: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    good_v1 = {"customerId": ORDER, "name": "Ada Lovelace", "email": "ada@example.org"}
    upcasters = package.upcasters.UPCASTERS
    monkeypatch.setitem(upcasters, ("CustomerRegistered", 1),
                        lambda data: {"customerId": data["customerId"]})
    error = _decode_error(package, "CustomerRegistered", 1, good_v1)
    assert str(error).startswith("CustomerRegistered version 1 (upcast to version 3): ")
    assert error.fields == ("firstName", "lastName", "email", "tier")

    def crash(data: dict[str, Any]) -> dict[str, Any]:
        raise KeyError("surname")

    monkeypatch.setitem(upcasters, ("CustomerRegistered", 1), crash)
    error = _decode_error(package, "CustomerRegistered", 1, good_v1)
    assert str(error).startswith("CustomerRegistered version 1: the upcaster to version 3 "
                                 "failed on a payload that fits version 1: KeyError")
    assert isinstance(error.__cause__, KeyError)  # a bug in the upcaster keeps its traceback

    # A payload that does not fit its own version is blamed on that, even when the upcaster
    # chokes on it.
    error = _decode_error(package, "CustomerRegistered", 1, {"customerId": ORDER})
    assert error.fields == ("name", "email")


@pytest.mark.parametrize(("event_type", "version", "error", "words"), [
    ("NoSuchEvent", 1, "UnknownEventType", ["unknown event type 'NoSuchEvent'", "regenerate"]),
    ("CustomerRegistered", 4, "UnsupportedVersion",
     ["CustomerRegistered version 4 is not known", "(1..3)", "regenerate"]),
    ("CustomerRegistered", 0, "UnsupportedVersion", ["CustomerRegistered version 0"]),
    ("CustomerRegistered", "2", "UnsupportedVersion", ["CustomerRegistered version '2'"]),
    ("CustomerRegistered", True, "UnsupportedVersion", ["CustomerRegistered version True"]),
])
def test_an_unknown_type_or_version_is_its_own_error(
        package: ModuleType, event_type: str, version: Any, error: str,
        words: list[str]) -> None:
    caught = _decode_error(package, event_type, version, {})
    assert type(caught) is getattr(package, error)
    assert not isinstance(caught, KeyError)
    for word in words:
        assert word in str(caught)
    assert (caught.event_type, caught.version) == (event_type, version)
