"""The language's named types, maps and optional apart from nullable through the meta-schema,
the model and the canonical JSON Schema (docs/language.md#named-types)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from escodegen.analyse.schema import event_version_schema
from escodegen.analyse.shapes import flatten
from escodegen.canonical import fingerprint
from escodegen.check import compile_project
from escodegen.model import Project

PROJECT = "escodegen: 1\nname: named\nsources: [types.yaml, events.yaml]\n"


def _compile(folder: Path, types: str, events: str) -> tuple[Project | None, list[str]]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "escodegen.yaml").write_text(PROJECT)
    (folder / "types.yaml").write_text(types)
    (folder / "events.yaml").write_text(events)
    project, report = compile_project(folder / "escodegen.yaml")
    return project, [d.render() for d in report if d.severity == "error"]


TYPES = """\
types:
  Money: {fields: {amount: decimal, currency: Currency}}
  Currency: {type: string}
  Tier: {type: enum, values: [standard, gold]}
  Address: {fields: {street: string, city: string}}
"""
EVENTS = """\
events:
  OrderPlaced:
    versions:
      1:
        fields:
          total: Money
          lines: {type: array, items: Money}
          prices: {type: map, values: Money}
          stock: {type: map, values: integer}
          ship: Address?
          tier: {type: Tier, required: false}
  OrderRefunded:
    versions:
      1: {fields: {amount: Money}}
  CustomerMoved:
    versions:
      1: {fields: {to: Address}}
"""


def test_a_named_type_is_expanded_where_it_is_used(tmp_path: Path) -> None:
    project, errors = _compile(tmp_path, TYPES, EVENTS)
    assert errors == [] and project is not None
    placed = project.event("OrderPlaced")
    assert placed is not None
    schema = event_version_schema(placed, 1)
    money = {"title": "Money", "type": "object", "properties": {
        "amount": {"type": "string", "format": "decimal", "pattern": "^-?[0-9]+(\\.[0-9]+)?$"},
        "currency": {"type": "string"}}, "required": ["amount", "currency"]}
    assert schema["properties"]["total"] == money
    assert schema["properties"]["lines"] == {"type": "array", "items": money}
    assert schema["properties"]["prices"] == {"type": "object", "additionalProperties": money}
    assert schema["properties"]["stock"] == {"type": "object",
                                             "additionalProperties": {"type": "integer"}}
    assert "$ref" not in str(schema)
    shapes = flatten(schema)
    assert shapes["prices"].kind == "map<object>"
    assert shapes["prices{}.amount"].kind == "decimal"
    assert shapes["stock"].kind == "map<integer>"
    assert shapes["tier"].kind == "enum" and shapes["tier"].values == ("standard", "gold")
    assert [t.name for t in project.types] == ["Money", "Currency", "Tier", "Address"]
    assert placed.latest.fields[0].type.name == "Money"


def test_a_type_may_be_declared_after_its_use_and_in_another_file(tmp_path: Path) -> None:
    types = "types:\n  Order: {fields: {total: Money}}\n  Money: {fields: {amount: decimal}}\n"
    _, errors = _compile(tmp_path, types, "events:\n  E:\n    versions: {1: {fields: {o: Order}}}\n")
    assert errors == []


def test_editing_a_shared_type_changes_exactly_the_versions_that_use_it(tmp_path: Path) -> None:
    before, _ = _compile(tmp_path / "a", TYPES, EVENTS)
    after, _ = _compile(tmp_path / "b", TYPES.replace("city: string", "city: string, zip: string?"),
                        EVENTS)
    assert before is not None and after is not None

    def prints(project: Project) -> dict[str, str]:
        return {e.name: fingerprint(event_version_schema(e, 1)) for e in project.events}

    old, new = prints(before), prints(after)
    assert {name for name in old if old[name] != new[name]} == {"OrderPlaced", "CustomerMoved"}


@pytest.mark.parametrize(("types", "events", "expected"), [
    ("types: {Money: {fields: {amount: decimal}}}\n",
     "events:\n  E:\n    versions: {1: {fields: {m: Mony}}}\n",
     "events.yaml:3:32: error ES222: unknown type 'Mony' (named types: Money)"),
    ("types: {Money: {fields: {amount: decimal}}}\n",
     "events:\n  E:\n    versions: {1: {fields: {m: {type: array, items: Mony}}}}\n",
     "events.yaml:3:53: error ES222: unknown type 'Mony' (named types: Money)"),
    ("types:\n  A: {fields: {b: B}}\n  B: {fields: {a: {type: map, values: A}}}\n",
     "events:\n  E:\n    versions: {1: {fields: {a: A}}}\n",
     "types.yaml:3:39: error ES223: type 'A' contains itself: A -> B -> A"),
    ("types:\n  A: {fields: {self: A?}}\n",
     "events:\n  E:\n    versions: {1: {fields: {a: A}}}\n",
     "types.yaml:2:22: error ES223: type 'A' contains itself: A -> A"),
    ("types:\n  Decimal: {type: string}\n",
     "events:\n  E:\n    versions: {1: {fields: {a: string}}}\n",
     ("types.yaml:2:3: error ES221: type 'Decimal' has the name of a built-in type of the "
      "generated Python")),
    ("types:\n  E: {type: string}\n",
     "events:\n  E:\n    versions: {1: {fields: {a: string}}}\n",
     "events.yaml:2:3: error ES201: 'E' is declared twice (first at types.yaml:2:3)"),
])
def test_a_bad_type_reference_is_refused_with_its_position(
        tmp_path: Path, types: str, events: str, expected: str) -> None:
    _, errors = _compile(tmp_path, types, events)
    assert expected in [e.splitlines()[0] for e in errors], errors


@pytest.mark.parametrize("spec", [
    "{type: map}",                                   # no values
    "{type: map, values: [a, b]}",                   # enum values on a map
    "{type: enum, values: integer}",                 # a type on an enum
    "{type: map, values: string?}",                  # a value is never optional
    "{type: map, values: {type: string, nullable: true}}",
    "{type: string, nullable: 1}",
    "{type: money}",                                 # a type name is PascalCase
])
def test_the_meta_schema_refuses(tmp_path: Path, spec: str) -> None:
    _, errors = _compile(tmp_path, "types: {}\n",
                         f"events:\n  E:\n    versions: {{1: {{fields: {{a: {spec}}}}}}}\n")
    assert any("ES101" in e for e in errors), errors


@pytest.mark.parametrize("types", [
    "types: {money: {type: string}}\n",               # not PascalCase
    "types: {Money: {type: map, values: string}}\n",  # maps are used, not named (yet)
    "types: {Money: {type: enum}}\n",
    "types: {Money: {type: object}}\n",
    "types: {Money: {fields: {a: string}, required: false}}\n",
])
def test_the_meta_schema_refuses_a_type_declaration(tmp_path: Path, types: str) -> None:
    _, errors = _compile(tmp_path, types, "events:\n  E:\n    versions: {1: {fields: {a: string}}}\n")
    assert any("ES101" in e for e in errors), errors


@pytest.mark.parametrize(("spec", "in_required", "nullable"), [
    ("string", True, False),
    ("string?", False, True),
    ("{type: string, required: false}", False, True),   # as before: absent or null
    ("{type: string, required: false, nullable: false}", False, False),
    ("{type: string, nullable: true}", True, True),
    ("{type: string, nullable: false}", True, False),
    ("{type: string, default: x}", False, True),
])
def test_optional_and_nullable_apart(tmp_path: Path, spec: str, in_required: bool,
                                     nullable: bool) -> None:
    project, errors = _compile(tmp_path, "types: {}\n",
                               f"events:\n  E:\n    versions: {{1: {{fields: {{a: {spec}}}}}}}\n")
    assert errors == [] and project is not None
    schema = event_version_schema(project.events[0], 1)
    prop: dict[str, Any] = schema["properties"]["a"]
    assert ("a" in schema["required"]) == in_required
    assert ("anyOf" in prop) == nullable
    shape = flatten(schema)["a"]
    assert (shape.required, shape.nullable) == (in_required, nullable)


def test_a_projection_column_may_be_a_scalar_alias_but_no_map_or_record(tmp_path: Path) -> None:
    events = """\
events:
  Paid:
    versions:
      1: {fields: {id: uuid, paid: Money}}
projections:
  p:
    key: [id]
    columns: {id: uuid, currency: Currency, paid: Money, m: {type: map, values: integer}}
    on:
      Paid: {upsert: {id: $.id, currency: $.paid.currency}}
"""
    _, errors = _compile(tmp_path, TYPES, events)
    assert [e.splitlines()[0].split(": error ", 1)[1] for e in errors] == [
        "ES101: column p.paid is an object; columns hold scalars (use json for structured values)",
        "ES101: column p.m is a map; columns hold scalars (use json for structured values)"]


@pytest.mark.parametrize(("before", "after", "ops", "error"), [
    ("{type: string, nullable: true}", "{type: string, nullable: true}", "", None),
    ("string?", "{type: string, required: false, nullable: false}", "",
     "declares a never null but after E v1->v2 it may be null"),
    ("string?", "{type: string, required: false, nullable: false}",
     "upcast: [default: {field: a, value: x}]", None),
    ("{type: string, nullable: true}", "string", "",
     "declares a never null but after E v1->v2 it may be null"),
    ("{type: string, required: false, nullable: false}", "{type: string, nullable: true}", "",
     "requires a but after E v1->v2 it may be absent or null"),
])
def test_the_chain_check_tells_absent_from_null(tmp_path: Path, before: str, after: str,
                                                ops: str, error: str | None) -> None:
    events = (f"events:\n  E:\n    versions:\n      1: {{fields: {{a: {before}}}}}\n"
              f"      2: {{{ops + ', ' if ops else ''}fields: {{a: {after}}}}}\n")
    _, errors = _compile(tmp_path, "types: {}\n", events)
    if error is None:
        assert errors == []
    else:
        assert len(errors) == 1 and "ES310" in errors[0] and error in errors[0], errors
