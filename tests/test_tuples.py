"""Tuples through the meta-schema, the model, the checks, the canonical JSON Schema and the
kinds the diff compares (docs/language.md#tuples)."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from escodegen.analyse.schema import event_version_schema
from escodegen.analyse.shapes import flatten, type_of
from escodegen.check.chains import compatible
from escodegen.model import FieldType
from escodegen.upcast.shape import widens
from tests.test_unions import TYPES, _compile, _event


def test_a_tuple_is_its_positions_and_rest_in_the_model(tmp_path: Path) -> None:
    project, errors = _compile(tmp_path, _event(
        "{p: {type: tuple, items: [string, Card]}, r: {type: tuple, items: [uuid], "
        "rest: boolean}}"))
    assert errors == [] and project is not None
    p, r = (f.type for f in project.events[0].latest.fields)
    assert p.kind == "tuple" and p.items is None and [e.kind for e in p.elements] == [
        "string", "object"]
    assert r.items == FieldType("boolean") and r.describe() == "tuple[uuid, ...boolean]"


def test_the_canonical_schema_has_every_position_and_no_more_unless_a_rest(
        tmp_path: Path) -> None:
    project, _ = _compile(tmp_path, _event(
        "{p: {type: tuple, items: [string, integer]}, r: {type: tuple, items: [string], "
        "rest: number}}"))
    assert project is not None
    schema = event_version_schema(project.events[0], 1)
    assert schema["properties"]["p"] == {
        "type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}],
        "items": False, "minItems": 2}
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid({"p": ["a", 1], "r": ["a", 1.5, 2]})
    assert validator.is_valid({"p": ["a", 1], "r": ["a"]})
    assert not validator.is_valid({"p": ["a"], "r": ["a"]})
    assert not validator.is_valid({"p": ["a", 1, 2], "r": ["a"]})
    assert not validator.is_valid({"p": ["a", 1], "r": ["a", "b"]})
    kinds = {path: shape.kind for path, shape in flatten(schema).items()}
    assert kinds == {"p": "tuple[string,integer]", "r": "tuple[string,...number]"}
    assert type_of(schema["properties"]["r"]) == project.events[0].latest.fields[1].type


@pytest.mark.parametrize(("fields", "code", "words"), [
    ("{t: {type: tuple, items: [string, decimal], rest: string}}", "ES245", "both JSON strings"),
    ("{t: {type: tuple, items: [integer], rest: number}}", "ES245", "both JSON numbers"),
    ("{t: {type: tuple, items: [Card], rest: string}}", "ES245", "only plain scalars"),
    ("{t: {type: tuple, items: [string], rest: Tier}}", "ES245", "only plain scalars"),
    ("{t: {type: tuple, items: []}}", "ES101", ""),
    ("{t: {type: tuple, items: string}}", "ES101", "a list of one type or more"),
    ("{t: {type: array, items: [string]}}", "ES101", "a type per position is a tuple"),
    ("{t: {type: array, items: string, rest: string}}", "ES101", "only a tuple has rest"),
    ("{t: {type: tuple, items: [string?]}}", "ES101", ""),
    ("{t: {type: tuple, items: [Nope]}}", "ES222", "unknown type 'Nope'"),
    ("{t: {type: tuple, items: [string], maxItems: 2}}", "ES224", "maxItems"),
    ("{t: {type: tuple, items: [string, integer], default: [a]}}", "ES312", "default of 't'"),
])
def test_bad_tuples_are_refused_with_a_code_and_position(
        tmp_path: Path, fields: str, code: str, words: str) -> None:
    _, errors = _compile(tmp_path, _event(fields), TYPES)
    assert any(code in e and words in e and "events.yaml:" in e for e in errors), errors


def test_a_tuple_with_rest_may_repeat_a_type_and_hold_json(tmp_path: Path) -> None:
    _, errors = _compile(tmp_path, _event(
        "{t: {type: tuple, items: [string, number, string, json], rest: string, "
        "default: [a, 1, b, null, c]}}"))
    assert errors == []


def test_a_tuple_is_no_projection_column(tmp_path: Path) -> None:
    events = _event("{id: uuid, t: {type: tuple, items: [string, integer]}}") + (
        "projections:\n  p:\n    key: [id]\n    columns: {id: uuid, t: {type: tuple, "
        "items: [string, integer]}}\n    on:\n      Paid: {upsert: {id: $.id, t: $.t}}\n")
    _, errors = _compile(tmp_path, events)
    assert any("ES101" in e and "is a tuple" in e for e in errors), errors


@pytest.mark.parametrize(("old", "new", "wider"), [
    ("tuple[string,number,...string]", "tuple[string,number,string,...string]", False),
    ("tuple[string,number,string,...string]", "tuple[string,number,...string]", True),
    ("tuple[string,number,number,...string]", "tuple[string,number,...string]", False),
    ("tuple[string,number]", "tuple[string,number,...json]", True),
    ("tuple[string,number]", "tuple[string,...number]", True),
    ("tuple[string,number]", "tuple[string,...string]", False),
    ("tuple[string,number]", "tuple[string,...json]", True),
    ("tuple[string,integer]", "tuple[string,number]", True),
    ("tuple[string,number]", "array<json>", True),
    ("tuple[string,...string]", "array<string>", True),
    ("array<string>", "tuple[string,...string]", False),
    ("tuple[union[string|integer],array<integer>]",
     "tuple[union[string|integer|boolean],array<number>]", True),
    ("tuple[string]", "tuple[string]", False),
])
def test_a_tuple_widens_when_every_stored_value_fits_the_new_one(
        old: str, new: str, wider: bool) -> None:
    assert widens(old, new) is wider


def test_the_chain_check_takes_what_the_diff_calls_a_widening() -> None:
    def tuple_(*elements: str, rest: str | None = None) -> FieldType:
        return FieldType("tuple", elements=tuple(FieldType(e) for e in elements),  # type: ignore[arg-type]
                         items=FieldType(rest) if rest else None)  # type: ignore[arg-type]

    assert compatible(tuple_("string", "number", "string", rest="string"),
                      tuple_("string", "number", rest="string"))
    assert not compatible(tuple_("string", "number", rest="string"),
                          tuple_("string", "number", "string", rest="string"))
    assert compatible(tuple_("string", "integer"), FieldType("array", items=FieldType("json")))
    assert not compatible(FieldType("array", items=FieldType("string")), tuple_("string"))
