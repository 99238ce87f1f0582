"""Small projects made from declaration text, and golden files."""

from __future__ import annotations

import os
from pathlib import Path

from escodegen.analyse.compare import compare, invalid_findings
from escodegen.analyse.findings import Finding, apply_ignores
from escodegen.analyse.shapes import contract_of
from escodegen.check import compile_project
from escodegen.diagnostics import Report
from escodegen.model import Project

GOLDEN = Path(__file__).resolve().parent / "golden"
PROJECT_FILE = "escodegen: 1\nname: example\nsources: [declarations.yaml]\nregistry: registry\n"


def write_project(folder: Path, declarations: str, project_file: str = PROJECT_FILE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "escodegen.yaml").write_text(project_file, encoding="utf-8")
    (folder / "declarations.yaml").write_text(declarations, encoding="utf-8")
    return folder / "escodegen.yaml"


def compile_text(folder: Path, declarations: str) -> tuple[Project | None, Report]:
    return compile_project(write_project(folder, declarations))


def diff_texts(tmp: Path, before: str, after: str) -> list[Finding]:
    """The findings of `escodegen diff` from `before` to `after`, both declaration files."""
    base, base_report = compile_text(tmp / "before", before)
    assert base is not None and not base_report.has_errors, [d.render() for d in base_report]
    head, report = compile_text(tmp / "after", after)
    if head is None or report.has_errors:
        return invalid_findings(report)
    return apply_ignores(compare(contract_of(base, "base"), head, base), head.ignores)


def assert_golden(name: str, actual: str) -> None:
    """Compare with tests/analyse/golden/<name>; ESCODEGEN_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if os.environ.get("ESCODEGEN_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"no golden file {path}; run with ESCODEGEN_UPDATE_GOLDEN=1 and review it"
    assert actual == path.read_text(encoding="utf-8")
