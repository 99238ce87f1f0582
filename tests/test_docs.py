"""Docs generated from code stay in step with it."""

from escodegen.diagnostics import errors_markdown
from tests.conftest import ROOT


def test_error_code_page_is_current() -> None:
    page = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert page == errors_markdown(), "run: python -m escodegen.diagnostics > docs/errors.md"


def test_the_meta_schemas_are_valid_draft_2020_12() -> None:
    import json

    from jsonschema import Draft202012Validator

    for path in sorted((ROOT / "schemas").glob("*.schema.json")):
        Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))
