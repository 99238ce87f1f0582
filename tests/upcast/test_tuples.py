"""Upcast operations on tuple fields (as whole values: rename, move, remove, add and default
with a tuple's value; a tuple widened needs none): the chain checker checks the values against
the positions, refuses `convert` of a tuple and a position added, and the generated Python and
SQL agree on a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from escodegen.db.upcasters import Upcasters
from escodegen.upcast.verify import canonical, from_json, to_json
from tests.upcast.test_named_types import _project

DECLARATIONS = """\
events:
  Measured:
    versions:
      1:
        fields:
          id: uuid
          p: {type: tuple, items: [string, integer]}
          old: {type: tuple, items: [boolean]}
          wide: {type: tuple, items: [string, number, string], rest: string}
      2:
        upcast:
          - rename: {from: p, to: pair}
          - remove: {field: old}
          - add: {field: extra, value: ["b", 2, true, false]}
          - default: {field: spare, value: ["a", 1]}
          - move: {from: pair, to: at.pair}
        fields:
          id: uuid
          extra: {type: tuple, items: [string, integer], rest: boolean}
          spare: {type: tuple, items: [string, integer], required: false}
          at: {type: object, fields: {pair: {type: tuple, items: [string, integer]}}}
          wide: {type: tuple, items: [string, number], rest: json}
"""


def test_python_and_sql_agree_on_tuple_fields(tmp_path: Path, pg_dsn: str) -> None:
    project, errors = _project(tmp_path, DECLARATIONS)
    assert errors == [] and project is not None
    (measured,) = project.events
    with Upcasters.open(project.events, pg_dsn) as loaded:
        loaded.check(measured, 1, max_examples=150)
        payload = {"id": "x", "p": ["s", 1], "old": [True], "wide": ["a", 1.5, "b", "c"]}
        expected = {"id": "x", "at": {"pair": ["s", 1]}, "extra": ["b", 2, True, False],
                    "spare": ["a", 1], "wide": ["a", 1.5, "b", "c"]}
        text = to_json(payload)
        wanted = canonical(from_json(to_json(expected)))
        assert canonical(loaded.python(measured, 1, from_json(text))) == wanted
        (sql,) = loaded.sql(measured, 1, [text])
        assert canonical(from_json(sql)) == wanted


def test_values_positions_and_conversions_are_checked(tmp_path: Path) -> None:
    short = DECLARATIONS.replace('value: ["a", 1]', 'value: ["a"]')
    _, errors = _project(tmp_path / "short", short)
    assert any("ES312" in e and "spare" in e for e in errors), errors
    wrong_rest = DECLARATIONS.replace("[\"b\", 2, true, false]", '["b", 2, "x"]')
    _, errors = _project(tmp_path / "rest", wrong_rest)
    assert any("ES312" in e and "extra" in e for e in errors), errors
    added = DECLARATIONS.replace("items: [string, number], rest: json",
                                 "items: [string, number, string, string], rest: json")
    _, errors = _project(tmp_path / "added", added)
    assert any("ES313" in e and "wide" in e for e in errors), errors
    converted = DECLARATIONS.replace("          - remove: {field: old}\n",
                                     "          - convert: {field: old, to: string}\n")
    _, errors = _project(tmp_path / "convert", converted.replace(
        "          extra:", "          old: string\n          extra:"))
    assert any("ES315" in e and "tuple[boolean]" in e for e in errors), errors
