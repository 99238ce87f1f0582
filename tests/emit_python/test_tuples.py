"""Tuples in the generated package, in every model mode: a closed tuple of two positions or more
is a `tuple[A, B]`, one of one position a list of its type, one with a rest a list of the union
of its types; the codec checks every position and the length in each mode; mypy --strict, ruff
check and ruff format --check pass."""

from __future__ import annotations

import datetime
import json
import uuid
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.emit_python.conftest import package_in_every_mode
from tests.emit_python.test_generated_package import mypy_errors, ruff_findings

DECLARATIONS = """\
types:
  Point: {fields: {x: number, y: number}}
events:
  Measured:
    versions:
      1:
        fields:
          id: {type: uuid, required: false}
          pair: {type: tuple, items: [string, integer]}
          one: {type: tuple, items: [decimal]}
          open: {type: tuple, items: [string, number], rest: string}
          loose: {type: tuple, items: [number, json], rest: json}
          rec: {type: tuple, items: [Point, {type: object, fields: {label: string}}, date]}
          maybe: {type: tuple, items: [uuid, boolean], required: false}
          many: {type: array, items: {type: tuple, items: [string, {type: integer, minimum: 0}]}}
          nest: {type: tuple, items: [boolean, {type: tuple, items: [date, json]}]}
aggregates:
  Meter:
    id: {field: id, type: uuid}
    stream: "Meter-{id}"
    events: [Measured]
    state:
      version: 1
      fields:
        last: {type: tuple, items: [string, decimal]}
        first: {type: tuple, items: [Point, integer], required: false}
        all: {type: tuple, items: [number], rest: number}
"""


package = package_in_every_mode("tuples", {"declarations.yaml": DECLARATIONS})


def test_passes_mypy_strict_and_ruff(package: tuple[str, Path, ModuleType]) -> None:
    _, out, _ = package
    assert ruff_findings(out) == ""
    assert mypy_errors(out, search=out.parent) == []


def test_a_closed_tuple_is_a_python_tuple(package: tuple[str, Path, ModuleType]) -> None:
    _, out, _ = package
    text = (out / "events" / "measured.py").read_text()
    assert "pair: tuple[str, int]" in text
    assert "rec: tuple[Point, MeasuredRecItem1, date]" in text
    state = (out / "aggregates.py").read_text()
    assert "    last: tuple[str, Decimal]\n" in state
    assert "    first: tuple[MeterStateFirstItem0, int] | None" in state
    assert "    all: list[float]\n" in state


def _event(module: ModuleType) -> Any:
    point = module.events._types.Point(x=1.0, y=2.5)
    label = module.events.measured.MeasuredRecItem1(label="a")
    return module.Measured(
        pair=("a", 1), one=[Decimal("0.10")], open=["s", 1.5, "t", "u"], loose=[2.0, {"k": [1]}],
        rec=(point, label, datetime.date(2026, 1, 2)), maybe=(uuid.UUID(int=7), True),
        many=[("x", 3)], nest=(True, (datetime.date(2026, 3, 4), None)))


def test_encoding_writes_arrays_and_decoding_reads_them_back(
        package: tuple[str, Path, ModuleType]) -> None:
    _, _, module = package
    event = _event(module)
    event_type, version, payload = module.encode(event)
    assert (event_type, version) == ("Measured", 1)
    # as stored (msgspec's builtins keep a tuple a tuple: JSON writes both as an array)
    data = json.loads(json.dumps(payload))
    assert data["pair"] == ["a", 1]
    assert data["one"] == ["0.10"]
    assert data["rec"] == [{"x": 1.0, "y": 2.5}, {"label": "a"}, "2026-01-02"]
    assert data["maybe"] == [str(uuid.UUID(int=7)), True]
    assert data["many"] == [["x", 3]]
    assert data["nest"] == [True, ["2026-03-04", None]]
    assert module.validate("Measured", 1, data) == []
    assert module.decode(event_type, version, data) == event


@pytest.mark.parametrize(("field", "value", "problem"), [
    ("pair", ["a"], ("pair", "expected 2 items, got 1")),
    ("pair", ["a", 1, 2], ("pair", "expected 2 items, got 3")),
    ("pair", [1, 1], ("pair[0]", "expected a string, got number")),
    ("one", ["1", "2"], ("one", "expected 1 items, got 2")),
    ("one", ["x"], ("one[0]", "not a decimal")),
    ("open", ["s"], ("open", "expected 2 items or more, got 1")),
    ("open", ["s", 1, "t", 2], ("open[3]", "expected a string, got number")),
    ("open", ["s", "t"], ("open[1]", "expected a number, got string")),
    ("rec", [{"x": 1, "y": 2}, {}, "2026-01-02"], ("rec[1].label", "required field is missing")),
    ("many", [["x", -1]], ("many[0][1]", "less than 0")),
    ("pair", {"a": 1}, ("pair", "expected an array, got object")),
    ("nest", [True, ["2026-13-01", 1]], ("nest[1][0]", "not a date")),
])
def test_a_payload_that_breaks_a_tuple_is_refused_naming_the_position(
        package: tuple[str, Path, ModuleType], field: str, value: Any,
        problem: tuple[str, str]) -> None:
    _, _, module = package
    _, _, payload = module.encode(_event(module))
    data = json.loads(json.dumps(payload))
    assert module.validate("Measured", 1, {**data, field: value})[0] == problem
    with pytest.raises(module.CodecError):
        module.decode("Measured", 1, {**data, field: value})
