"""Diff findings of the language's named types, maps and nullable fields beyond the rules'
own examples (tests/analyse/test_rules.py)."""

from __future__ import annotations

from pathlib import Path

from tests.analyse.helpers import diff_texts

_SHARED = """\
types:
  Address: {fields: {street: string, city: string}}
  Money: {fields: {amount: decimal, currency: string}}
events:
  CustomerMoved:
    versions:
      1: {fields: {customerId: uuid, to: Address}}
  OrderPlaced:
    versions:
      1: {fields: {orderId: uuid, ship: {type: array, items: Address}, total: Money}}
  OrderPaid:
    versions:
      1: {fields: {orderId: uuid, paid: Money}}
projections:
  moves:
    key: [customerId]
    columns: {customerId: uuid, city: string}
    on:
      CustomerMoved: {upsert: {customerId: $.customerId, city: $.to.city}}
"""


def test_a_shared_type_change_is_reported_per_version_that_uses_it(tmp_path: Path) -> None:
    after = _SHARED.replace("street: string, city: string}", "street: string, town: string}")
    findings = diff_texts(tmp_path, _SHARED, after.replace("city: $.to.city", "city: $.to.town"))
    shared = {f.path: f for f in findings if f.rule == "ESD122"}
    assert set(shared) == {"CustomerMoved.v1", "OrderPlaced.v1"}  # not OrderPaid: no Address
    assert shared["CustomerMoved.v1"].arguments == ("Address",)
    assert shared["CustomerMoved.v1"].consumers == ("projection moves",)
    assert "ESD120" not in {f.rule for f in findings}
    assert {f.path for f in findings if f.rule == "ESD105"} == {
        "CustomerMoved.v1.to.city", "OrderPlaced.v1.ship[].city"}


def test_an_optional_field_added_to_a_shared_type_is_a_weak_schema_change(tmp_path: Path) -> None:
    after = _SHARED.replace("street: string, city: string}", "street: string, city: string, zip: string?}")
    findings = diff_texts(tmp_path, _SHARED, after)
    assert {f.rule for f in findings} == {"ESD101"}
    assert {f.path for f in findings} == {"CustomerMoved.v1.to.zip", "OrderPlaced.v1.ship[].zip"}


_MAP = """\
events:
  StockCounted:
    versions:
      1:
        fields: {counts: {type: map, values: integer}}
"""


def test_a_map_of_wider_values_is_a_widening(tmp_path: Path) -> None:
    findings = diff_texts(tmp_path, _MAP, _MAP + """\
      2:
        fields: {counts: {type: map, values: number}}
""")
    assert "ESD117" in {f.rule for f in findings}
    assert not any(f.severity == "error" for f in findings)


def test_a_field_inside_a_map_s_records_is_compared(tmp_path: Path) -> None:
    before = _MAP.replace("values: integer", "values: {type: object, fields: {n: integer}}")
    findings = diff_texts(tmp_path, before, before.replace("n: integer", "n: string"))
    assert {(f.rule, f.path) for f in findings if f.severity == "error"} == {
        ("ESD110", "StockCounted.v1.counts{}.n"), ("ESD120", "StockCounted.v1")}


_NOTE = """\
events:
  OrderNoted:
    versions:
      1:
        fields: {orderId: uuid, note: string}
"""


def test_optional_and_nullable_together_is_one_finding(tmp_path: Path) -> None:
    findings = diff_texts(tmp_path, _NOTE, _NOTE + """\
      2:
        fields: {orderId: uuid, note: string?}
""")
    assert {f.rule for f in findings} == {"ESD115", "ESD133"}


def test_optional_but_never_null(tmp_path: Path) -> None:
    findings = diff_texts(tmp_path, _NOTE, _NOTE + """\
      2:
        fields: {orderId: uuid, note: {type: string, required: false, nullable: false}}
""")
    assert {f.rule for f in findings} == {"ESD115", "ESD133"}


_UNION = """\
types:
  Card: {fields: {number: string}}
  Method: {type: union, tag: kind, variants: {card: Card, cash: {fields: {}}}}
events:
  PaymentMade:
    versions:
      1: {fields: {paymentId: uuid, method: Method, history: {type: array, items: Method}}}
"""


def test_a_variant_record_change_is_judged_under_the_variant_path(tmp_path: Path) -> None:
    after = _UNION.replace("{number: string}", "{number: string, cvc: string?}")
    findings = diff_texts(tmp_path, _UNION, after)
    assert {(f.rule, f.path) for f in findings} == {
        ("ESD101", "PaymentMade.v1.method<card>.cvc"),
        ("ESD101", "PaymentMade.v1.history[]<card>.cvc")}


def test_a_removed_variant_is_one_finding_not_one_per_field(tmp_path: Path) -> None:
    after = _UNION.replace("card: Card, cash", "cash")
    findings = diff_texts(tmp_path / "removed", _UNION, after)
    removed = {(f.rule, f.path, f.arguments) for f in findings if f.rule.startswith("ESD1")}
    assert ("ESD182", "PaymentMade.v1.method", ("card",)) in removed
    assert ("ESD182", "PaymentMade.v1.history", ("card",)) in removed
    assert not any(f.rule == "ESD108" for f in findings)


def test_a_variant_added_in_a_new_version_is_a_warning(tmp_path: Path) -> None:
    after = _UNION.replace("events:", "  Method2: {type: union, tag: kind, variants: {card: Card, "
                           "cash: {fields: {}}, wallet: {fields: {p: string}}}}\nevents:")
    after += "      2: {fields: {paymentId: uuid, method: Method2, history: {type: array, items: Method}}}\n"
    findings = diff_texts(tmp_path, _UNION, after)
    assert ("ESD183", "PaymentMade.v2.method") in {(f.rule, f.path) for f in findings}
    assert not any(f.severity == "error" for f in findings), findings
