"""`diff` and the generated Python API (rules ESD200-ESD202, escodegen/analyse/pyapi.py)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from escodegen.analyse.compare import compare
from escodegen.analyse.findings import Finding
from escodegen.analyse.shapes import Contract, contract_of
from tests.analyse.helpers import (
    PROJECT_FILE,
    PYTHON_PROJECT_FILE,
    compile_text,
    diff_texts,
)

PYTHON_RULES = {"ESD200", "ESD201", "ESD202"}

CATALOGUED = """\
events:
  BookCatalogued:
    versions:
      1:
        fields: {bookId: uuid, title: string}
      2:
        upcast:
          - add: {field: format, value: paper}
        fields:
          bookId: uuid
          title: string
          format: {type: enum, values: [paper, ebook]}
          shelf: {type: object, required: false, fields: {room: string, rowNumber: integer}}
"""
V3_OPTIONAL = """\
      3:
        fields:
          bookId: uuid
          title: string
          format: {type: enum, values: [paper, ebook]}
          shelf: {type: object, required: false, fields: {room: string, rowNumber: integer}}
          subtitle: string?
"""


def _python(findings: list[Finding]) -> list[tuple[str, str, tuple[str, ...]]]:
    return sorted((f.rule, f.path, f.arguments) for f in findings if f.rule in PYTHON_RULES)


def test_an_optional_field_in_a_new_version_breaks_no_python_api(tmp_path: Path) -> None:
    """The issue's scenario: v3 adds an optional field, the latest classes keep their names."""
    findings = diff_texts(tmp_path, CATALOGUED, CATALOGUED + V3_OPTIONAL, PYTHON_PROJECT_FILE)
    assert "ESD101" in {f.rule for f in findings}
    assert _python(findings) == []


def test_a_renamed_nested_field_reports_its_class_and_attribute(tmp_path: Path) -> None:
    after = CATALOGUED + V3_OPTIONAL.replace("subtitle: string?\n", "").replace(
        "shelf: {", "place: {").replace("      3:\n", "      3:\n        upcast:\n"
                                        "          - rename: {from: shelf, to: place}\n")
    findings = diff_texts(tmp_path, CATALOGUED, after, PYTHON_PROJECT_FILE)
    assert _python(findings) == [
        ("ESD200", "BookCatalogued.v3.shelf", ("BookCataloguedShelf",)),
        ("ESD201", "BookCatalogued.v3.shelf", ("BookCatalogued", "shelf")),
    ]


def test_a_type_change_inside_a_nested_record_is_reported_at_its_path(tmp_path: Path) -> None:
    after = CATALOGUED.replace("rowNumber: integer", "rowNumber: string")
    findings = diff_texts(tmp_path, CATALOGUED, after, PYTHON_PROJECT_FILE)
    assert _python(findings) == [("ESD202", "BookCatalogued.v2.shelf.rowNumber",
                                  ("BookCataloguedShelf", "rowNumber", "int", "str"))]


def test_snake_case_attributes_are_named_as_generated(tmp_path: Path) -> None:
    project = PYTHON_PROJECT_FILE.replace("package: example}",
                                          "package: example, attribute_names: snake_case}")
    after = CATALOGUED.replace("rowNumber: integer", "rowNumber: string")
    findings = diff_texts(tmp_path, CATALOGUED, after, project)
    assert _python(findings) == [("ESD202", "BookCatalogued.v2.shelf.rowNumber",
                                  ("BookCataloguedShelf", "row_number", "int", "str"))]


def test_a_renamed_named_type_is_a_removed_class(tmp_path: Path) -> None:
    before = "types:\n  Money: {fields: {amount: decimal}}\n" + """\
events:
  Paid:
    versions:
      1:
        fields: {total: Money}
"""
    findings = diff_texts(tmp_path, before, before.replace("Money", "Amount"),
                          PYTHON_PROJECT_FILE)
    assert _python(findings) == [("ESD200", "Paid.v1.total", ("Money",)),
                                 ("ESD202", "Paid.v1.total", ("Paid", "total", "Money", "Amount"))]


def test_without_a_python_target_nothing_is_reported(tmp_path: Path) -> None:
    after = CATALOGUED.replace("rowNumber: integer", "rowNumber: string")
    assert _python(diff_texts(tmp_path, CATALOGUED, after, PROJECT_FILE)) == []


def _old_titles(schema: Any, event: str, number: int) -> Any:
    """`schema` titled as escodegen titled the latest version's nested classes before the
    current scheme (`<Event>V<n><Path>`), as a registry published then holds them."""
    if isinstance(schema, dict):
        result = {key: _old_titles(value, event, number) for key, value in schema.items()}
        title = schema.get("title")
        if isinstance(title, str) and title.startswith(event) and title != event:
            result["title"] = f"{event}V{number}{title[len(event):]}"
        return result
    if isinstance(schema, list):
        return [_old_titles(item, event, number) for item in schema]
    return schema


def test_a_registry_with_the_earlier_titles_breaks_nothing(tmp_path: Path) -> None:
    head, report = compile_text(tmp_path, CATALOGUED, PYTHON_PROJECT_FILE)
    assert head is not None and not report.has_errors
    contract = contract_of(head, "registry")
    published = copy.deepcopy(dict(contract.events))
    published["BookCatalogued"] = {**published["BookCatalogued"],
                                   2: _old_titles(published["BookCatalogued"][2],
                                                  "BookCatalogued", 2)}
    assert published["BookCatalogued"][2]["properties"]["format"]["title"] == (
        "BookCataloguedV2Format")
    base = Contract(events=published, label="registry")
    assert _python(compare(base, head)) == []
    assert _python(compare(contract, head)) == []


def test_tuple_annotations_are_the_generated_ones(tmp_path: Path) -> None:
    from escodegen.analyse.pyapi import latest_api
    from escodegen.analyse.schema import event_version_schema
    from escodegen.emit.python import render

    declarations = """\
events:
  Measured:
    versions:
      1:
        fields:
          pair: {type: tuple, items: [string, integer]}
          one: {type: tuple, items: [decimal]}
          open: {type: tuple, items: [string, number, string], rest: boolean}
          loose: {type: tuple, items: [number], rest: json}
"""
    project, report = compile_text(tmp_path, declarations, PYTHON_PROJECT_FILE)
    assert project is not None and not report.has_errors
    (event,) = project.events
    api = latest_api("Measured", 1, event_version_schema(event, 1), "json")
    module = render(project)["events/measured.py"]
    for name, attribute in api.classes["Measured"].items():
        assert f"    {name}: {attribute.annotation}\n" in module, (name, attribute)
    assert api.classes["Measured"]["pair"].annotation == "tuple[str, int]"
