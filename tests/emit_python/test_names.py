"""Stable, Pythonic names (docs/python.md, *Names*): the latest version's nested classes keep
their names when a version is added; events are immutable in every model mode."""

from __future__ import annotations

import dataclasses
import re
import uuid
from pathlib import Path
from types import ModuleType

import pydantic
import pytest

from tests.emit_python.conftest import run_cli

CATALOGUED = """\
events:
  BookCatalogued:
    versions:
      1:
        fields: {bookId: uuid, title: string}
      2:
        fields:
          bookId: uuid
          title: string
          format: {type: enum, values: [paper, ebook]}
          shelf: {type: object, required: false, fields: {room: string, row: integer}}
        upcast:
          - add: {field: format, value: paper}
"""
V3 = """\
      3:
        fields:
          bookId: uuid
          title: string
          format: {type: enum, values: [paper, ebook]}
          shelf: {type: object, required: false, fields: {room: string, row: integer}}
          subtitle: string?
"""


def _classes(project: Path) -> set[str]:
    result = run_cli("generate", "--target", "python", cwd=project)
    assert result.returncode == 0, result.stderr
    text = (project / "generated" / "library" / "events" / "book_catalogued.py").read_text()
    return set(re.findall(r"^class (\w+)", text, re.MULTILINE))


def test_an_optional_field_in_a_new_version_renames_no_class_of_the_latest(
        tmp_path: Path) -> None:
    """The issue's scenario: v3 adds an optional field; user code naming the latest class's
    nested enum (`BookCataloguedFormat`) still type-checks."""
    (tmp_path / "events").mkdir()
    (tmp_path / "escodegen.yaml").write_text(
        "escodegen: 1\nname: library\nsources: [events]\nregistry: registry\n"
        "python: {out: generated/library, package: library}\n")
    declarations = tmp_path / "events" / "books.yaml"
    declarations.write_text(CATALOGUED)
    before = _classes(tmp_path)
    assert before == {"BookCatalogued", "BookCataloguedFormat", "BookCataloguedShelf",
                      "BookCataloguedV1"}
    declarations.write_text(CATALOGUED + V3)
    after = _classes(tmp_path)
    assert before - {"BookCatalogued"} < after  # nothing of v2's latest API is renamed
    assert after - before == {"BookCataloguedV2", "BookCataloguedV2Format",
                              "BookCataloguedV2Shelf"}


@pytest.mark.parametrize(("package", "refused"), [
    ("shop_events", dataclasses.FrozenInstanceError),
    ("shop_models", pydantic.ValidationError),
    ("shop_structs", AttributeError),
])
def test_events_are_immutable_in_every_model_mode(
        package: str, refused: type[Exception], request: pytest.FixtureRequest) -> None:
    module: ModuleType = request.getfixturevalue(package)
    event = module.decode("OrderSubmitted", 1, {
        "orderId": str(uuid.uuid4()), "customer": {"customerId": str(uuid.uuid4())},
        "lineItems": [{"sku": "A-1", "quantity": 1, "unitPrice": "2.50"}],
        "pricing": {"subtotal": "2.50", "tax": "0", "total": "2.50", "currency": "EUR"}})
    with pytest.raises(refused):
        event.orderId = uuid.uuid4()
    with pytest.raises(refused):  # nested records too
        event.pricing.total = 0


@pytest.mark.parametrize(("declarations", "said"), [
    # the latest version's nested record `v1` would be named as the older version's class
    (("events:\n  Clash:\n    versions:\n      1: {fields: {a: string}}\n"
     "      2: {fields: {a: string, v1: {type: object, required: false, fields: {b: string}}}}\n"),
     "class 'ClashV1' would be generated for both another class of event Clash and event Clash"),
    # an event named as another event's older version
    (("events:\n  Clash:\n    versions:\n      1: {fields: {a: string}}\n"
     "      2: {fields: {a: string, b: string?}}\n"
     "  ClashV1:\n    versions:\n      1: {fields: {c: string}}\n"),
     "class 'ClashV1' would be generated for both event Clash and event ClashV1"),
    # a named type named as an event's nested record
    (("types:\n  ClashNote: {fields: {text: string}}\n"
     "events:\n  Clash:\n    versions:\n"
     "      1: {fields: {note: {type: object, fields: {text: string}}}}\n"),
     "class 'ClashNote' would be generated for both named type ClashNote and event Clash"),
])
def test_check_refuses_colliding_generated_classes(tmp_path: Path, declarations: str,
                                                   said: str) -> None:
    (tmp_path / "events").mkdir()
    (tmp_path / "escodegen.yaml").write_text(
        "escodegen: 1\nname: clash\nsources: [events]\nregistry: registry\n")
    (tmp_path / "events" / "clash.yaml").write_text(declarations)
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "ES204" in output and said in output and "events/clash.yaml:" in output
