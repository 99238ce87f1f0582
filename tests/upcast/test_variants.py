"""`variant`: upcast operations on one variant of a tagged union (issue 18 point 4). The chain
checker follows the variant's record through them, and the generated Python and SQL agree on
a real PostgreSQL, on random payloads that hold the variant, other variants, unknown tags,
nulls and absent keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import find, settings

from escodegen.db.upcasters import Upcasters
from escodegen.upcast.verify import canonical, from_json, payloads, to_json
from tests.upcast.ops_catalog import EVENTS
from tests.upcast.test_named_types import _project

DECLARATIONS = """\
types:
  Card: {fields: {number: string, holder: string?}}
  CardV2: {fields: {pan: string, holder: string?, brand: string}}
  Transfer: {fields: {iban: string, bank: {type: object, fields: {name: string, bic: string}}}}
  TransferV2: {fields: {iban: string, bank: {type: object, fields: {name: string}}, bic: string}}
events:
  Paid:
    versions:
      1:
        fields:
          id: uuid
          method: {type: union, tag: kind, variants: {card: Card, transfer: Transfer, cash: {fields: {}}}}
          refund: {type: union, tag: kind, variants: {card: Card, cash: {fields: {}}}, required: false}
      2:
        upcast:
          - variant:
              field: method
              when: {kind: card}
              upcast:
                - rename: {from: number, to: pan}
                - default: {field: brand, value: unknown}
          - variant:
              field: method
              when: {kind: transfer}
              upcast: [{move: {from: bank.bic, to: bic}}]
          - variant:
              field: refund
              when: {kind: card}
              upcast: [{rename: {from: number, to: pan}}, {add: {field: brand, value: "é"}}]
        fields:
          id: uuid
          method: {type: union, tag: kind, variants: {card: CardV2, transfer: TransferV2, cash: {fields: {}}}}
          refund: {type: union, tag: kind, variants: {card: CardV2, cash: {fields: {}}}, required: false}
"""


def test_python_and_sql_agree_on_variants(tmp_path: Path, pg_dsn: str) -> None:
    project, errors = _project(tmp_path, DECLARATIONS)
    assert errors == [] and project is not None
    (paid,) = project.events
    with Upcasters.open(project.events, pg_dsn) as loaded:
        loaded.check(paid, 1, max_examples=200)
        card = {"kind": "card", "number": "4242 ü"}
        transfer = {"kind": "transfer", "iban": "DE89", "bank": {"name": "Bänk", "bic": "X"}}
        for payload, expected in [
            ({"id": "x", "method": card, "refund": card},
             {"id": "x", "method": {"kind": "card", "pan": "4242 ü", "brand": "unknown"},
              "refund": {"kind": "card", "pan": "4242 ü", "brand": "é"}}),
            ({"method": transfer, "refund": None},
             {"method": {"kind": "transfer", "iban": "DE89", "bank": {"name": "Bänk"},
                         "bic": "X"}, "refund": None}),
            ({"method": {"kind": "cash"}}, {"method": {"kind": "cash"}}),
            ({"method": {"kind": "crypto", "number": "1"}},
             {"method": {"kind": "crypto", "number": "1"}}),
            ({"method": {"kind": 1, "number": "1"}}, {"method": {"kind": 1, "number": "1"}}),
            ({"method": ["card"]}, {"method": ["card"]}),
        ]:
            text = to_json(payload)
            wanted = canonical(from_json(to_json(expected)))
            assert canonical(loaded.python(paid, 1, from_json(text))) == wanted
            (sql,) = loaded.sql(paid, 1, [text])
            assert canonical(from_json(sql)) == wanted


def test_random_payloads_reach_nested_variants() -> None:
    """The property test meets the variant, and the variant inside it: not only other values."""
    event = next(e for e in EVENTS if e.name == "VariantInVariant")

    def nested(payload: dict[str, Any]) -> bool:
        method = payload.get("method")
        return (isinstance(method, dict) and method.get("kind") == "card"
                and isinstance(method.get("holder"), dict)
                and method["holder"].get("type") == "é'x")

    found = find(payloads(event), nested, settings=settings(max_examples=5000, database=None))
    assert nested(found)


def _errors(tmp_path: Path, old: str, new: str) -> list[str]:
    assert old in DECLARATIONS
    _, errors = _project(tmp_path, DECLARATIONS.replace(old, new))
    return errors


def test_the_variant_record_must_become_the_declared_one(tmp_path: Path) -> None:
    errors = _errors(tmp_path, "- default: {field: brand, value: unknown}", "- remove: {field: holder}")
    assert any("ES310" in e and "method<card>.brand" in e for e in errors), errors
    errors = _errors(tmp_path / "b", "{add: {field: brand, value: \"é\"}}", "{add: {field: brand, value: 1}}")
    assert any("ES312" in e and "refund<card>.brand" in e for e in errors), errors


def test_a_variant_operation_needs_a_tagged_union_with_that_variant(tmp_path: Path) -> None:
    errors = _errors(tmp_path, "when: {kind: transfer}", "when: {kind: wire}")
    assert any("ES315" in e and "no variant `wire`" in e for e in errors), errors
    errors = _errors(tmp_path / "b", "when: {kind: transfer}", "when: {type: transfer}")
    assert any("ES315" in e and "told apart by `kind`" in e for e in errors), errors
    errors = _errors(tmp_path / "c", "field: refund", "field: id")
    assert any("ES315" in e and "not a tagged union" in e for e in errors), errors
    errors = _errors(tmp_path / "d", "upcast: [{move: {from: bank.bic, to: bic}}]",
                     "upcast: [{move: {from: kind, to: bic}}]")
    assert any("ES311" in e and "Paid method<transfer> v1->v2" in e for e in errors), errors


def test_a_custom_operation_cannot_run_inside_a_variant(tmp_path: Path) -> None:
    errors = _errors(tmp_path, "upcast: [{move: {from: bank.bic, to: bic}}]",
                     "upcast: [{custom: {python: 'm:f', sql: 'data'}}]")
    assert any("ES314" in e and "inside `variant`" in e for e in errors), errors


def test_an_unchanged_variant_must_still_fit(tmp_path: Path) -> None:
    errors = _errors(tmp_path, "transfer: TransferV2, cash: {fields: {}}",
                     "transfer: TransferV2, cash: Card")
    assert any("ES313" in e and "method" in e for e in errors), errors


def test_diff_judges_a_variant_upcast_against_the_registry(tmp_path: Path) -> None:
    """`check` against a registry holding v1: the new version's variant operations are a
    change of the union field (ESD116), and the Python API of a union field is compared."""
    from tests.emit_python.conftest import run_cli

    v1_only = DECLARATIONS[:DECLARATIONS.index("      2:\n")]
    (tmp_path / "escodegen.yaml").write_text(
        "escodegen: 1\nname: upcasts\nsources: [declarations.yaml]\nregistry: registry\n"
        "python: {out: generated/upcasts, package: upcasts}\n")
    (tmp_path / "declarations.yaml").write_text(v1_only)
    published = run_cli("publish", cwd=tmp_path)
    assert published.returncode == 0, published.stdout + published.stderr
    (tmp_path / "declarations.yaml").write_text(DECLARATIONS)
    checked = run_cli("check", cwd=tmp_path)
    output = checked.stdout + checked.stderr
    assert checked.returncode == 0 and "internal error" not in output, output
    assert "Paid.method changed by variant" in output and "ESD116" in output, output
    assert "Paid.refund changed by variant" in output, output
