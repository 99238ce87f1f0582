"""Upcast operations on union fields (as whole values: rename, move, remove, add and default
with a variant's value): the chain checker checks the values against the variants, and the
generated Python and SQL agree on a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from escodegen.db.upcasters import Upcasters
from escodegen.upcast.verify import canonical, from_json, to_json
from tests.upcast.test_named_types import _project

DECLARATIONS = """\
types:
  Card: {fields: {number: string}}
  Method: {type: union, tag: kind, variants: {card: Card, cash: {fields: {}}}}
events:
  Paid:
    versions:
      1:
        fields: {id: uuid, m: Method, old: Method, code: {type: union, variants: [string, integer]}}
      2:
        upcast:
          - rename: {from: m, to: method}
          - remove: {field: old}
          - add: {field: extra, value: {kind: card, number: "4242"}}
          - default: {field: spare, value: {kind: cash}}
          - move: {from: method, to: payment.method}
        fields:
          id: uuid
          extra: Method
          spare: {type: Method, required: false}
          payment: {type: object, fields: {method: Method}}
          code: {type: union, variants: [string, integer, boolean]}
"""


def test_python_and_sql_agree_on_union_fields(tmp_path: Path, pg_dsn: str) -> None:
    project, errors = _project(tmp_path, DECLARATIONS)
    assert errors == [] and project is not None
    (paid,) = project.events
    with Upcasters.open(project.events, pg_dsn) as loaded:
        loaded.check(paid, 1, max_examples=150)
        payload = {"id": "x", "m": {"kind": "card", "number": "1"}, "old": {"kind": "cash"},
                   "code": 7}
        expected = {"id": "x", "payment": {"method": {"kind": "card", "number": "1"}},
                    "extra": {"kind": "card", "number": "4242"}, "spare": {"kind": "cash"},
                    "code": 7}
        text = to_json(payload)
        wanted = canonical(from_json(to_json(expected)))
        assert canonical(loaded.python(paid, 1, from_json(text))) == wanted
        (sql,) = loaded.sql(paid, 1, [text])
        assert canonical(from_json(sql)) == wanted


def test_an_added_value_must_be_a_variant_and_a_variant_cannot_be_dropped(
        tmp_path: Path) -> None:
    bad_value = DECLARATIONS.replace('{kind: card, number: "4242"}', "{kind: card}")
    _, errors = _project(tmp_path / "value", bad_value)
    assert any("ES312" in e and "extra" in e for e in errors), errors
    narrowed = DECLARATIONS.replace("[string, integer, boolean]", "[string]")
    _, errors = _project(tmp_path / "narrowed", narrowed)
    assert any("ES313" in e and "code" in e for e in errors), errors
