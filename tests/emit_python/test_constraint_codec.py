"""Constraints in the generated codec, in every model mode: `decode` (and `decode_json`, the
store's read) of a payload that breaks one raises a CodecError naming the event type, the
stored version and the field path; `encode` refuses an event object that breaks one
(InvalidEvent), as `append_to_stream` would; the model classes hold no checks of their own,
so every mode says the same."""

from __future__ import annotations

import dataclasses
import importlib
import json
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from escodegen.check import compile_project
from escodegen.emit.python import render as render_python

DECLARATIONS = """\
types:
  Currency: {type: string, pattern: '^[A-Z]{3}$'}
  Money:
    fields: {amount: {type: decimal, minimum: 0, multipleOf: "0.01"}, currency: Currency}
events:
  Paid:
    versions:
      1:
        fields:
          price: Money
          tags: {type: array, items: {type: string, maxLength: 3}, maxItems: 2}
      2:
        upcast: [{add: {field: note, value: ok}}]
        fields:
          price: Money
          tags: {type: array, items: {type: string, maxLength: 3}, maxItems: 2}
          note: {type: string, minLength: 2, format: hostname}
"""

MODES = ["dataclasses", "pydantic", "msgspec"]


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ModuleType]]:
    root = tmp_path_factory.mktemp("constrained")
    (root / "escodegen.yaml").write_text(
        "escodegen: 1\nname: constrained\nsources: [events]\n"
        "python: {out: generated/p, package: constrained_dataclasses}\n")
    (root / "events").mkdir()
    (root / "events" / "events.yaml").write_text(DECLARATIONS)
    project, report = compile_project(root / "escodegen.yaml")
    assert project is not None, report
    assert project.python is not None
    folder = tmp_path_factory.mktemp("constrained_packages")
    sys.path.insert(0, str(folder))
    try:
        found = {}
        for mode in MODES:
            package = f"constrained_{mode}"
            moded = dataclasses.replace(project, python=dataclasses.replace(
                project.python, models=mode, package=package))
            for name, text in render_python(moded).items():
                path = Path(folder, package, name)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
            found[mode] = importlib.import_module(package)
        yield found
    finally:
        sys.path.remove(str(folder))


GOOD = {"price": {"amount": "12.50", "currency": "EUR"}, "tags": ["a", "bcd"],
        "note": "example.com"}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("version", "change", "error"), [
    (2, {"price": {"amount": "12.505", "currency": "EUR"}},
     "Paid version 2: price.amount: not a multiple of 0.01"),
    (2, {"price": {"amount": "-1", "currency": "EUR"}}, "Paid version 2: price.amount: less than 0"),
    (2, {"price": {"amount": "1", "currency": "EURO"}},
     'Paid version 2: price.currency: does not match "^[A-Z]{3}$"'),
    (2, {"tags": ["a", "b", "c"]}, "Paid version 2: tags: more than 2 items"),
    (2, {"tags": ["abcd"]}, "Paid version 2: tags[0]: longer than 3 characters"),
    (2, {"note": "x"}, "Paid version 2: note: shorter than 2 characters"),
    (2, {"note": "-x-"}, "Paid version 2: note: not a hostname"),
    (1, {"price": {"amount": "1", "currency": "eur"}},
     'Paid version 1: price.currency: does not match "^[A-Z]{3}$"'),
])
def test_decode_names_the_broken_constraint(packages: dict[str, ModuleType], mode: str,
                                            version: int, change: dict[str, Any],
                                            error: str) -> None:
    package = packages[mode]
    data = {**GOOD, **change}
    if version == 1:
        del data["note"]
    for decode in (lambda: package.decode("Paid", version, data),
                   lambda: package.decode_json("Paid", version, json.dumps(data))):
        with pytest.raises(package.CodecError) as caught:
            decode()
        assert str(caught.value) == error
        assert (caught.value.event_type, caught.value.version) == ("Paid", version)
        assert caught.value.fields == (error.split(": ")[1],)


@pytest.mark.parametrize("mode", MODES)
def test_a_payload_that_meets_them_decodes_and_encodes(packages: dict[str, ModuleType],
                                                       mode: str) -> None:
    package = packages[mode]
    event = package.decode("Paid", 2, GOOD)
    assert event.price.amount == Decimal("12.50")
    assert package.encode(event) == ("Paid", 2, GOOD)
    old = package.decode("Paid", 1, {key: GOOD[key] for key in ("price", "tags")})
    assert old.note == "ok"


@pytest.mark.parametrize("mode", MODES)
def test_encode_refuses_an_event_that_breaks_one(packages: dict[str, ModuleType],
                                                 mode: str) -> None:
    package = packages[mode]
    event = package.decode("Paid", 2, GOOD)
    if mode == "pydantic":
        broken = event.model_copy(update={"tags": ["a", "b", "c"]})
    elif mode == "msgspec":
        import msgspec

        broken = msgspec.structs.replace(event, tags=["a", "b", "c"])
    else:
        broken = dataclasses.replace(event, tags=["a", "b", "c"])
    with pytest.raises(package.InvalidEvent) as caught:
        package.encode(broken)
    assert "tags: more than 2 items" in str(caught.value)
