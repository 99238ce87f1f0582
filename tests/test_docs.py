"""Docs generated from code stay in step with it."""

from escodegen.diagnostics import errors_markdown
from tests.conftest import ROOT


def test_error_code_page_is_current() -> None:
    page = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert page == errors_markdown(), "run: python -m escodegen.diagnostics > docs/errors.md"
