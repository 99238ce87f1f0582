"""Constraints through the check stage and the model: where each is refused (ES224-ES228,
ES312, with positions), what the canonical JSON Schema holds, and which way a change goes."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from escodegen.analyse.schema import event_version_schema
from escodegen.analyse.shapes import type_of
from escodegen.check import compile_project
from escodegen.model import Project
from escodegen.model.constraints import constraint_changes, violation


def _compile(tmp_path: Path, declarations: str) -> tuple[Project | None, str]:
    (tmp_path / "escodegen.yaml").write_text("escodegen: 1\nname: c\nsources: [events]\n")
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "e.yaml").write_text(declarations)
    project, report = compile_project(tmp_path / "escodegen.yaml")
    return None if report.has_errors else project, "\n".join(
        f"{d.code} {d.span.line}:{d.span.column} {d.message}" for d in report
        if d.span is not None)


def _field(spec: str, extra: str = "") -> str:
    return f"events:\n  E:\n    versions:\n      1:\n        fields:\n          f: {spec}\n{extra}"


@pytest.mark.parametrize(("spec", "code", "words"), [
    ("{type: string, minimum: 3}", "ES224", "`minimum` does not apply to string"),
    ("{type: uuid, maxLength: 3}", "ES224", "does not apply to uuid"),
    ("{type: number, multipleOf: 0.5}", "ES224", "`multipleOf` does not apply to number"),
    ("{type: array, items: string, pattern: a}", "ES224", "does not apply to array"),
    ("{type: integer, minimum: 5, maximum: 2}", "ES225", "no value meets both"),
    ("{type: decimal, exclusiveMinimum: 1, maximum: 1}", "ES225", "leave no value"),
    ("{type: string, minLength: 4, maxLength: 3}", "ES225", "no value meets both"),
    ("{type: string, minLength: -1}", "ES226", "cannot be negative"),
    ("{type: object, fields: {}, minProperties: 1}", "ES224", "(it applies to map)"),
    ("{type: map, values: json, minProperties: 3, maxProperties: 2}", "ES225",
     "no value meets both"),
    ("{type: map, values: json, maxProperties: -1}", "ES226", "cannot be negative"),
    ("{type: map, values: json, minProperties: 2, default: {a: 1}, required: false}", "ES228",
     "fewer than 2 entries"),
    ("{type: array, items: string, maxItems: -2}", "ES226", "cannot be negative"),
    ("{type: integer, multipleOf: 0}", "ES226", "greater than 0"),
    ("{type: decimal, multipleOf: '-0.5'}", "ES226", "greater than 0"),
    ("{type: integer, minimum: 1.5}", "ES226", "an integer's bound"),
    ("{type: decimal, maximum: '0.12345678901234567'}", "ES226", "cannot hold it exactly"),
    ("{type: string, format: phone}", "ES226", "not a format"),
    ("{type: string, pattern: 'a.b'}", "ES227", "at character 2: `.`"),
    ("{type: string, pattern: '(?<=a)b'}", "ES227", "at character 2"),
    ("{type: string, maxLength: 2, default: abc}", "ES228", 'the default "abc" is longer than 2'),
    ("{type: decimal, multipleOf: '0.01', default: 1.005, required: false}", "ES228",
     "not a multiple of 0.01"),
])
def test_refused_where_declared(tmp_path: Path, spec: str, code: str, words: str) -> None:
    project, found = _compile(tmp_path, _field(spec))
    assert project is None
    line = next(line for line in found.splitlines() if line.startswith(code))
    assert words in line, found
    assert line.split()[1].startswith("6:"), found  # on the field's line


def test_an_upcast_value_that_breaks_them_is_refused(tmp_path: Path) -> None:
    _, found = _compile(tmp_path, """\
events:
  E:
    versions:
      1: {fields: {a: string}}
      2:
        upcast: [{add: {field: n, value: 0}}]
        fields: {a: string, n: {type: integer, minimum: 1}}
""")
    assert "ES312" in found and "integer{minimum: 1}" in found


def test_a_named_constrained_scalar_and_its_canonical_schema(tmp_path: Path) -> None:
    project, found = _compile(tmp_path, _field("{type: Code, maxLength: 3}", """\
          g: {type: array, items: Code, uniqueItems: true, minItems: 1}
          t: {type: decimal, minimum: "0.01", multipleOf: "0.01"}
types:
  Code: {type: string, pattern: '^[A-Z]+$'}
"""))
    assert project is not None, found
    event = project.event("E")
    assert event is not None
    properties = event_version_schema(event, 1)["properties"]
    assert properties["f"] == {"type": "string", "pattern": "^[A-Z]+$", "maxLength": 3}
    assert properties["g"] == {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]+$"},
                               "minItems": 1, "uniqueItems": True}
    assert properties["t"]["minimum"] == 0.01 and properties["t"]["multipleOf"] == 0.01
    # read back from a published schema, the same constraints
    assert type_of(properties["t"]).constraints == (("minimum", Decimal("0.01")),
                                                    ("multipleOf", Decimal("0.01")))
    assert type_of(properties["f"]) == event.latest.fields[0].type


def test_a_named_type_key_set_twice_is_refused(tmp_path: Path) -> None:
    _, found = _compile(tmp_path, _field("{type: Code, pattern: x}", """\
types:
  Code: {type: string, pattern: '^[A-Z]+$'}
"""))
    assert "ES226" in found and "set by the named type Code" in found


@pytest.mark.parametrize(("before", "after", "changes"), [
    ((("maxLength", 5),), (("maxLength", 3),), [("maxLength", "tightened")]),
    ((("maxLength", 3),), (("maxLength", 5),), [("maxLength", "loosened")]),
    ((("minimum", 1),), (("minimum", 2),), [("minimum", "tightened")]),
    ((("minimum", 2),), (), [("minimum", "loosened")]),
    ((), (("format", "email"),), [("format", "tightened")]),
    ((("pattern", "a"),), (("pattern", "b"),), [("pattern", "tightened")]),
    ((("pattern", "a"),), (("pattern", "a"),), []),
    ((("multipleOf", Decimal("0.02")),), (("multipleOf", Decimal("0.01")),),
     [("multipleOf", "loosened")]),
    ((("multipleOf", 2),), (("multipleOf", 3),), [("multipleOf", "tightened")]),
    ((("uniqueItems", False),), (("uniqueItems", True),), [("uniqueItems", "tightened")]),
    ((("uniqueItems", True),), (), [("uniqueItems", "loosened")]),
    ((("maxProperties", 2),), (("maxProperties", 1),), [("maxProperties", "tightened")]),
    ((), (("minProperties", 1),), [("minProperties", "tightened")]),
    ((("minProperties", 2),), (("minProperties", 1),), [("minProperties", "loosened")]),
])
def test_which_way_a_change_goes(before: tuple[tuple[str, object], ...],
                                 after: tuple[tuple[str, object], ...],
                                 changes: list[tuple[str, str]]) -> None:
    assert constraint_changes(before, after) == changes


def test_entry_counts_of_a_map() -> None:
    counts = (("minProperties", 1), ("maxProperties", 2))
    assert violation("map", counts, {}) == "fewer than 1 entries"
    assert violation("map", counts, {"a": 1, "b": 2}) is None
    assert violation("map", counts, {"a": 1, "b": 2, "c": 3}) == "more than 2 entries"


def test_multiple_of_is_exact_on_decimals() -> None:
    step = (("multipleOf", Decimal("0.01")),)
    assert violation("decimal", step, "12.50") is None
    assert violation("decimal", step, "1" + "0" * 60 + ".01") is None
    assert violation("decimal", step, "12.505") == "not a multiple of 0.01"


def test_the_catalog_field_table_shows_them(tmp_path: Path) -> None:
    from escodegen.analyse.browse import field_rows

    project, found = _compile(tmp_path, _field(
        "{type: array, items: {type: string, maxLength: 3}, maxItems: 2}",
        "          g: string\n"))
    assert project is not None, found
    event = project.event("E")
    assert event is not None
    types = {row["field"]: row["type"] for row in field_rows(event, 1)}
    assert types == {"f": "array<string{maxLength: 3}>{maxItems: 2}", "g": "string"}


def test_constraints_where_nothing_checks_them_are_warned_of(tmp_path: Path) -> None:
    project, found = _compile(tmp_path, """\
events:
  E:
    aggregate: A
    versions: {1: {fields: {id: uuid, n: integer}}}
aggregates:
  A:
    id: {field: id, type: uuid}
    events: [E]
    state: {version: 1, fields: {n: {type: integer, minimum: 0}}}
projections:
  p:
    key: [id]
    columns: {id: uuid, n: {type: integer, maximum: 9}}
    on: {E: {upsert: {id: $.id, n: $.n}}}
""")
    assert project is not None, found
    assert "constraints on state field A.n have no effect" in found
    assert "constraints on column p.n have no effect" in found
