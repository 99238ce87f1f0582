"""Tagged unions through the meta-schema, the model, the checks and the canonical JSON Schema
(docs/language.md#tagged-unions)."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from escodegen.analyse.schema import event_version_schema
from escodegen.analyse.shapes import flatten
from escodegen.check import compile_project
from escodegen.model import Project

PROJECT = "escodegen: 1\nname: unions\nsources: [types.yaml, events.yaml]\n"
TYPES = """\
types:
  Card: {fields: {number: string, expiry: date?}}
  Tier: {type: enum, values: [a, b]}
  Method:
    type: union
    tag: kind
    variants:
      card: Card
      transfer: {fields: {iban: string}}
"""


def _compile(folder: Path, events: str, types: str = TYPES) -> tuple[Project | None, list[str]]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "escodegen.yaml").write_text(PROJECT)
    (folder / "types.yaml").write_text(types)
    (folder / "events.yaml").write_text(events)
    project, report = compile_project(folder / "escodegen.yaml")
    return project, [d.render() for d in report if d.severity == "error"]


def _event(fields: str, upcast: str = "") -> str:
    text = f"events:\n  Paid:\n    versions:\n      1:\n        fields: {fields}\n"
    if upcast:
        text += f"      2:\n{upcast}"
    return text


def test_a_union_is_its_variants_by_tag_in_the_model(tmp_path: Path) -> None:
    project, errors = _compile(tmp_path, _event("{method: Method, other: {type: union, tag: t, "
                                                "variants: {x: {fields: {n: integer}}}}}"))
    assert errors == [] and project is not None
    method = project.events[0].latest.fields[0].type
    assert method.kind == "union" and method.tag == "kind" and method.name == "Method"
    card = method.variant("card")
    assert card is not None and [f.name for f in card.fields] == ["number", "expiry"]
    assert method.describe() == "union<kind: card|transfer>"


def test_the_canonical_schema_is_one_of_the_variants_by_their_tag(tmp_path: Path) -> None:
    project, _ = _compile(tmp_path, _event("{method: Method}"))
    assert project is not None
    schema = event_version_schema(project.events[0], 1)
    method = schema["properties"]["method"]
    assert method["discriminator"] == {"propertyName": "kind"}
    card, _ = method["oneOf"]
    assert card["title"] == "MethodCard" and card["properties"]["kind"] == {"const": "card"}
    assert card["required"] == ["kind", "number"]
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid({"method": {"kind": "transfer", "iban": "x"}})
    assert not validator.is_valid({"method": {"kind": "transfer", "number": "x"}})
    assert not validator.is_valid({"method": {"kind": "cheque"}})
    assert list(flatten(schema)) == ["method", "method<card>.number", "method<card>.expiry",
                                     "method<transfer>.iban"]


@pytest.mark.parametrize(("fields", "types", "code", "words"), [
    ("{m: {type: union, tag: kind, variants: {}}}", TYPES, "ES240", "without variants"),
    ("{m: {type: union, tag: kind, variants: {a: Tier}}}", TYPES, "ES241", "not a record"),
    ("{m: {type: union, tag: kind, variants: {a: Nope}}}", TYPES, "ES222", "unknown type 'Nope'"),
    ("{m: {type: union, tag: number, variants: {a: Card}}}", TYPES, "ES242", "also a field"),
    ("{m: {type: union, tag: kind, variants: {card: Card, Card: Card}}}", TYPES, "ES243",
     "differ only"),
    ("{m: {type: Method, default: {kind: cheque}}}", TYPES, "ES312", "default of 'm'"),
    ("{m: {type: union, tag: kind}}", TYPES, "ES101", ""),
    ("{m: {type: string, tag: kind}}", TYPES, "ES101", ""),
    ("{m: {type: union, tag: 'a-b', variants: {a: Card}}}", TYPES, "ES101", ""),
    ("{m: {type: union, variants: [integer, number]}}", TYPES, "ES244", "both JSON numbers"),
    ("{m: {type: union, variants: [string, Tier]}}", TYPES, "ES244", "both JSON strings"),
    ("{m: {type: union, variants: [string, Card]}}", TYPES, "ES244", "not a scalar"),
    ("{m: {type: union, variants: []}}", TYPES, "ES240", "without variants"),
    ("{m: {type: union, tag: kind, variants: [string]}}", TYPES, "ES101", ""),
])
def test_bad_unions_are_refused_with_a_code_and_position(
        tmp_path: Path, fields: str, types: str, code: str, words: str) -> None:
    _, errors = _compile(tmp_path, _event(fields), types)
    assert any(code in e and words in e and "events.yaml:" in e for e in errors), errors


def test_a_valid_default_of_a_union_is_accepted(tmp_path: Path) -> None:
    _, errors = _compile(tmp_path, _event("{m: {type: Method, default: {kind: transfer, "
                                          "iban: x}}}"))
    assert errors == []


def test_an_added_union_value_is_checked_against_its_variants(tmp_path: Path) -> None:
    good = ("        upcast: [{add: {field: m, value: {kind: card, number: '4'}}}]\n"
            "        fields: {n: integer, m: Method}\n")
    _, errors = _compile(tmp_path / "good", _event("{n: integer}", good))
    assert errors == []
    bad = good.replace("number: '4'", "iban: '4'")
    _, errors = _compile(tmp_path / "bad", _event("{n: integer}", bad))
    assert any("ES312" in e for e in errors), errors


def test_a_union_is_no_projection_column(tmp_path: Path) -> None:
    events = _event("{id: uuid, m: Method}") + (
        "projections:\n  p:\n    key: [id]\n    columns: {id: uuid, m: Method}\n"
        "    on:\n      Paid: {upsert: {id: $.id, m: $.m}}\n")
    _, errors = _compile(tmp_path, events)
    assert any("ES101" in e and "is a union" in e for e in errors), errors


def test_an_untagged_union_is_one_of_its_scalars(tmp_path: Path) -> None:
    project, errors = _compile(tmp_path, _event("{v: {type: union, variants: [string, integer, "
                                                "Tier]}}"))
    assert any("ES244" in e for e in errors)
    project, errors = _compile(tmp_path / "ok", _event("{v: {type: union, variants: [string, "
                                                       "integer, boolean], default: 3}}"))
    assert errors == [] and project is not None
    schema = event_version_schema(project.events[0], 1)
    assert schema["properties"]["v"]["anyOf"][0]["oneOf"] == [
        {"type": "string"}, {"type": "integer"}, {"type": "boolean"}]
    assert flatten(schema)["v"].kind == "union[string|integer|boolean]"
    _, errors = _compile(tmp_path / "bad", _event("{v: {type: union, variants: [string, "
                                                  "integer], default: 1.5}}"))
    assert any("ES312" in e for e in errors), errors


def test_a_tagged_union_is_no_aggregate_state_field(tmp_path: Path) -> None:
    events = _event("{id: uuid}") + (
        "aggregates:\n  Thing:\n    id: {field: id}\n    events: [Paid]\n"
        "    state: {version: 1, fields: {m: Method, u: {type: union, variants: [string, "
        "integer]}}}\n")
    _, errors = _compile(tmp_path, events)
    assert [e for e in errors if "ES101" in e and "tagged union" in e and "Thing.m" in e], errors
    assert not any("Thing.u" in e for e in errors)
