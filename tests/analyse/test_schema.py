"""The canonical JSON Schema of event versions, checked with jsonschema itself."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escodegen.analyse.schema import event_version_schema
from escodegen.canonical import canonical_json, fingerprint, same_shape
from escodegen.check import compile_project
from escodegen.model import Event, EventVersion, Field, FieldType, Project
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def shop() -> Project:
    project, report = compile_project(EXAMPLES / "shop" / "escodegen.yaml")
    assert project is not None and not report.has_errors, [d.render() for d in report]
    return project


def _validator(schema: dict[str, object]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def test_every_shop_schema_is_valid_draft_2020_12(shop: Project) -> None:
    for event in shop.events:
        for version in event.versions:
            schema = event_version_schema(event, version)
            assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
            _validator(schema)


def test_titles_name_the_version_classes(shop: Project) -> None:
    registered = shop.event("CustomerRegistered")
    assert registered is not None
    assert event_version_schema(registered, 3)["title"] == "CustomerRegistered"
    assert event_version_schema(registered, 1)["title"] == "CustomerRegisteredV1"
    tier = event_version_schema(registered, 3)["properties"]["tier"]
    assert tier == {"type": "string", "title": "CustomerRegisteredTier",
                    "enum": ["standard", "premium", "enterprise"]}
    submitted = shop.event("OrderSubmitted")
    assert submitted is not None
    props = event_version_schema(submitted, 1)["properties"]
    assert props["customer"]["title"] == "OrderSubmittedCustomer"
    assert props["lineItems"]["items"]["title"] == "OrderSubmittedLineItemsItem"


def test_required_optional_pii_and_default(shop: Project) -> None:
    placed = shop.event("OrderPlaced")
    assert placed is not None
    schema = event_version_schema(placed, 2)
    assert schema["required"] == ["customerId", "orderId", "totalAmount"]
    assert schema["properties"]["currency"] == {
        "anyOf": [{"type": "string"}, {"type": "null"}], "default": "USD"}
    registered = shop.event("CustomerRegistered")
    assert registered is not None
    assert event_version_schema(registered, 1)["properties"]["email"]["x-pii"] is True
    validator = _validator(schema)
    order = {"orderId": "6f1c1a1e-0000-4000-8000-000000000001",
             "customerId": "6f1c1a1e-0000-4000-8000-000000000002", "totalAmount": "12.50"}
    assert validator.is_valid(order)
    assert validator.is_valid({**order, "currency": None, "shippingAddress": None})
    assert not validator.is_valid({**order, "totalAmount": 12.5})  # decimals travel as strings
    assert not validator.is_valid({**order, "orderId": "not-a-uuid"})
    assert not validator.is_valid({k: v for k, v in order.items() if k != "orderId"})
    assert not validator.is_valid({**order, "shippingAddress": {"street": "x"}})


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 12).flatmap(
    lambda places: st.decimals(allow_nan=False, allow_infinity=False, places=places)))
def test_decimals_round_trip_exactly_as_strings(value: Decimal) -> None:
    event = Event("Paid", (EventVersion(1, (Field("amount", FieldType("decimal")),)),))
    validator = _validator(event_version_schema(event, 1))
    text = format(value, "f")
    assert validator.is_valid({"amount": text})
    assert Decimal(text) == value


def test_fingerprint_ignores_annotations_and_names() -> None:
    amount = Field("amount", FieldType("integer"))
    v1 = EventVersion(1, (amount,))
    alone = Event("Paid", (v1,), description="money came in")
    followed = Event("Paid", (v1, EventVersion(2, (amount, Field("note", FieldType("string"), False)))))
    first, later = event_version_schema(alone, 1), event_version_schema(followed, 1)
    assert first["title"] == "Paid" and later["title"] == "PaidV1"
    assert first != later
    assert fingerprint(first) == fingerprint(later)
    assert fingerprint(event_version_schema(followed, 2)) != fingerprint(later)


def test_a_property_called_title_is_part_of_the_shape() -> None:
    def with_field(kind: str) -> dict[str, object]:
        field = Field("title", FieldType(kind))
        return event_version_schema(Event("Named", (EventVersion(1, (field,)),)), 1)

    assert fingerprint(with_field("string")) != fingerprint(with_field("integer"))


def test_canonical_json_is_stable_text() -> None:
    assert canonical_json({"b": 1, "a": ["é", {"d": 2, "c": 3}]}) == (
        '{\n  "a": [\n    "é",\n    {\n      "c": 3,\n      "d": 2\n    }\n  ],\n  "b": 1\n}\n')
    assert fingerprint({"type": "string"}).startswith("sha256:")


def test_shop_fingerprints_are_stable_across_loads(shop: Project, tmp_path: Path) -> None:
    again, _ = compile_project(EXAMPLES / "shop" / "escodegen.yaml")
    assert again is not None
    for event in shop.events:
        other = again.event(event.name)
        assert other is not None
        for version in event.versions:
            assert fingerprint(event_version_schema(event, version)) == fingerprint(
                event_version_schema(other, version.number))


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from([0.0, 1.0, 2.5, -0.5])
    | st.sampled_from(["", "a", "é", "title", "\n"]),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["type", "title", "items", "properties", "a", "é"]),
                      inner, max_size=3),
    max_leaves=8)


@settings(max_examples=400, deadline=None)
@given(_JSON, _JSON)
def test_same_shape_is_equal_fingerprints(first: object, second: object) -> None:
    """`compare` asks `same_shape` instead of taking two fingerprints: the answers must match,
    also where Python's == does not (1 == 1.0 == True, key order)."""
    a, b = {"type": "object", "x": first}, {"type": "object", "x": second}
    assert same_shape(a, b) == (fingerprint(a) == fingerprint(b))
    assert same_shape(a, {**a, "title": "annotations aside"})
    assert same_shape(a, json.loads(json.dumps(a)))  # one document: decided without shape()
    for value, same in ((1, True), (1.0, False), (True, False)):
        assert same_shape({"default": 1}, {"default": value}) == same
        assert (fingerprint({"default": 1}) == fingerprint({"default": value})) == same
    assert same_shape({"a": 1, "b": 2}, {"b": 2, "a": 1})


_ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(blacklist_categories=("Cs",))
              | st.sampled_from('"\\/\n\t:{}[], \u2028\x7f\x00')),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=30)


@settings(max_examples=1000, deadline=None)
@given(_ANY_JSON)
def test_canonical_json_is_json_indented_text(document: object) -> None:
    """canonical_json takes msgspec's C writer where it gives json's text: it must give exactly
    json's `indent=2` form (registry files and fingerprints depend on it), numbers such as
    1e+16 (msgspec: 1e16), escapes and non-ASCII text included."""
    expected = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False,
                          allow_nan=False) + "\n"
    assert canonical_json(document) == expected


def test_canonical_json_keeps_json_where_msgspec_differs() -> None:
    assert canonical_json({"big": 1e16, "small": 1e-07}) == (
        '{\n  "big": 1e+16,\n  "small": 1e-07\n}\n')
    assert canonical_json({"\ud800": [10, 2]}) == '{\n  "\ud800": [\n    10,\n    2\n  ]\n}\n'
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})  # msgspec would write null
