"""Upcast operations on fields of named types and on maps: the chain checker sees through the
expansion, and the generated Python and SQL agree on a real PostgreSQL (issue 18 point 6)."""

from __future__ import annotations

from pathlib import Path

from escodegen.check import compile_project
from escodegen.db.upcasters import Upcasters
from escodegen.model import Project
from escodegen.upcast.verify import canonical, from_json, to_json

DECLARATIONS = """\
types:
  Money: {fields: {amount: decimal, currency: string}}
  Address: {fields: {street: string, city: string}}
events:
  OrderRefunded:
    versions:
      1:
        fields: {orderId: uuid, refund: Money, returnTo: Address?}
      2:
        upcast:
          - rename: {from: refund.amount, to: refund.value}
          - default: {field: returnTo, value: {street: "", city: unknown}}
          - move: {from: refund.currency, to: currency}
        fields: {orderId: uuid, refund: {type: object, fields: {value: decimal}}, returnTo: Address,
                 currency: string}
  StockCounted:
    versions:
      1:
        fields: {counts: {type: map, values: integer}}
      2:
        upcast:
          - rename: {from: counts, to: levels}
          - add: {field: prices, value: {EUR: "1.50", "NOK": "15"}}
          - default: {field: notes, value: {}}
        fields:
          levels: {type: map, values: integer}
          prices: {type: map, values: string}
          notes: {type: map, values: string, required: false}
"""


def _project(folder: Path, declarations: str) -> tuple[Project | None, list[str]]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "escodegen.yaml").write_text(
        "escodegen: 1\nname: upcasts\nsources: [declarations.yaml]\n")
    (folder / "declarations.yaml").write_text(declarations)
    project, report = compile_project(folder / "escodegen.yaml")
    return project, [d.render() for d in report if d.severity == "error"]


def test_python_and_sql_agree_through_named_types_and_maps(tmp_path: Path, pg_dsn: str) -> None:
    project, errors = _project(tmp_path, DECLARATIONS)
    assert errors == [] and project is not None
    with Upcasters.open(project.events, pg_dsn) as loaded:
        for event in project.events:
            loaded.check(event, 1, max_examples=150)
        refunded, counted = project.events
        for event, payload, expected in [
            (refunded, {"orderId": "x", "refund": {"amount": "9.90", "currency": "EUR"}},
             {"orderId": "x", "refund": {"value": "9.90"}, "currency": "EUR",
              "returnTo": {"street": "", "city": "unknown"}}),
            (refunded, {"refund": {"amount": "1", "currency": "EUR"},
                        "returnTo": {"street": "Main St 1", "city": "Oslo"}},
             {"refund": {"value": "1"}, "currency": "EUR",
              "returnTo": {"street": "Main St 1", "city": "Oslo"}}),
            (counted, {"counts": {"a-1": 3, "b": 0}},
             {"levels": {"a-1": 3, "b": 0}, "prices": {"EUR": "1.50", "NOK": "15"},
              "notes": {}}),
        ]:
            text = to_json(payload)
            wanted = canonical(from_json(to_json(expected)))
            assert canonical(loaded.python(event, 1, from_json(text))) == wanted
            (sql,) = loaded.sql(event, 1, [text])
            assert canonical(from_json(sql)) == wanted


def test_the_chain_checker_sees_through_a_named_type(tmp_path: Path) -> None:
    # Without the rename, v2's refund has a `value` that nothing produces.
    broken = DECLARATIONS.replace("          - rename: {from: refund.amount, to: refund.value}\n",
                                  "")
    _, errors = _project(tmp_path / "renamed", broken)
    assert any("ES310" in e and "refund.value" in e for e in errors), errors


def test_the_chain_checker_checks_a_map_s_values(tmp_path: Path) -> None:
    broken = DECLARATIONS.replace("levels: {type: map, values: integer}",
                                  "levels: {type: map, values: boolean}")
    _, errors = _project(tmp_path / "values", broken)
    assert any("levels" in e and "ES31" in e for e in errors), errors
