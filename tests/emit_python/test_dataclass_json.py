"""The generated JSON functions of `models: dataclasses` (escodegen/emit/python/json_code.py):
every field kind decodes to its class and encodes back, defaults apply, and a payload that
does not fit names every bad field by its path, however deep."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.emit_python.conftest import _imported, run_cli

EVENTS = """\
events:
  Everything:
    versions:
      1:
        fields:
          s: string
          i: integer
          n: number
          d: decimal
          b: boolean
          u: uuid
          dt: date
          ts: datetime
          j: json
          jo: json?
          e: {type: enum, values: [a, "b c"]}
          eo: {type: enum, values: [x, y], required: false}
          al: {type: array, items: integer}
          ae: {type: array, items: {type: enum, values: [p, q]}}
          ao: {type: array, items: {type: object, fields: {k: string, v: decimal?}}}
          aa: {type: array, items: {type: array, items: string}}
          o: {type: object, fields: {inner: {type: object, fields: {deep: uuid}},
                                     tags: {type: array, items: string, required: false}}}
          sd: {type: string, default: "hi"}
          dd: {type: decimal, default: 1.5}
          ld: {type: array, items: string, default: []}
          od: {type: object, required: false, fields: {z: string}}
          so: string?
"""
ID = str(uuid.uuid4())
FULL: dict[str, Any] = {
    "s": "text", "i": 3, "n": 1.5, "d": "12.50", "b": True, "u": ID, "dt": "2024-05-01",
    "ts": "2024-05-01T10:00:00+00:00", "j": {"any": [1, "x", None]}, "jo": None, "e": "b c",
    "eo": "y", "al": [1, 2], "ae": ["q", "p"], "ao": [{"k": "a", "v": "1.0"}, {"k": "b", "v": None}],
    "aa": [["x"], []], "o": {"inner": {"deep": ID}, "tags": ["t"]}, "sd": "set", "dd": "2",
    "ld": ["l"], "od": {"z": "zz"}, "so": "so",
}


@pytest.fixture(scope="module")
def kinds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    root: Path = tmp_path_factory.mktemp("kinds")
    (root / "events").mkdir()
    (root / "events" / "events.yaml").write_text(EVENTS)
    (root / "escodegen.yaml").write_text(
        "escodegen: 1\nname: kinds\nsources: [events]\nregistry: registry\n"
        "python: {out: generated/kinds_json, package: kinds_json, models: dataclasses}\n")
    result = run_cli("generate", "--target", "python", cwd=root)
    assert result.returncode == 0, result.stderr
    yield from _imported(root, "kinds_json")


def test_every_kind_decodes_to_its_type_and_encodes_back(kinds: ModuleType) -> None:
    event = kinds.decode("Everything", 1, FULL)
    assert (event.d, event.u, event.dt) == (Decimal("12.50"), uuid.UUID(ID),
                                            datetime.date(2024, 5, 1))
    assert event.ts == datetime.datetime(2024, 5, 1, 10, tzinfo=datetime.UTC)
    assert event.e is kinds.EverythingE.b_c and event.ae == [kinds.EverythingAeItem.q,
                                                               kinds.EverythingAeItem.p]
    assert isinstance(event.ao[0], kinds.EverythingAoItem) and event.ao[0].v == Decimal("1.0")
    assert event.o.inner.deep == uuid.UUID(ID) and event.od.z == "zz"
    assert kinds.encode(event) == ("Everything", 1, FULL)


def test_absent_fields_take_their_defaults(kinds: ModuleType) -> None:
    required = {k: FULL[k] for k in ("s", "i", "n", "d", "b", "u", "dt", "ts", "j", "e", "al",
                                      "ae", "ao", "aa")}
    required["o"] = {"inner": {"deep": ID}}
    first, second = (kinds.decode("Everything", 1, required) for _ in range(2))
    assert (first.sd, first.so, first.jo, first.eo, first.od, first.o.tags) == (
        "hi", None, None, None, None, None)
    assert first.dd == Decimal("1.5")  # the declared default, as the field's type
    assert first.ld == [] and first.ld is not second.ld  # a fresh list each time


def test_every_bad_field_is_named_by_its_path(kinds: ModuleType) -> None:
    bad = {**FULL, "i": True, "n": "1", "ao": [{"k": "a"}, {"k": 1, "v": "x"}], "aa": [["x", 2]],
           "o": {"inner": {"deep": "nope"}}, "ae": ["r"], "al": "1"}
    del bad["s"]
    with pytest.raises(kinds.CodecError) as caught:
        kinds.decode("Everything", 1, bad)
    assert caught.value.fields == ("s", "i", "n", "al", "ae[0]", "ao[1].k", "ao[1].v",
                                   "aa[0][1]", "o.inner.deep")
    message = str(caught.value)
    assert "s: required field is missing" in message and "i: expected int, got True" in message
    assert "ae[0]: 'r' is not one of 'p', 'q'" in message


@pytest.mark.parametrize("value", [[1], "x", None, 5])
def test_a_nested_value_that_is_not_an_object(kinds: ModuleType, value: Any) -> None:
    with pytest.raises(kinds.CodecError) as caught:
        kinds.decode("Everything", 1, {**FULL, "o": value})
    assert caught.value.fields == ("o",)
    assert f"o: expected an object, got {value!r}" in str(caught.value)
