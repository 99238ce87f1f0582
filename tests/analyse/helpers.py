"""Small projects made from declaration text, and golden files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


def compile_text(folder: Path, declarations: str,
                 project_file: str = PROJECT_FILE) -> tuple[Project | None, Report]:
    """The checked project of one declarations file (the one such helper of the tests)."""
    return compile_project(write_project(folder, declarations, project_file))


PYTHON_PROJECT_FILE = PROJECT_FILE + "python: {out: generated/example, package: example}\n"
"""A project with a Python target: the rules of the generated Python API apply."""


def diff_texts(tmp: Path, before: str, after: str,
               project_file: str = PROJECT_FILE) -> list[Finding]:
    """The findings of `escodegen diff` from `before` to `after`, both declaration files."""
    base, base_report = compile_text(tmp / "before", before, project_file)
    assert base is not None and not base_report.has_errors, [d.render() for d in base_report]
    head, report = compile_text(tmp / "after", after, project_file)
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


HEAVY = ("datamodel_code_generator", "sqlglot", "jinja2", "psycopg")
"""Packages that only generating and migrating need: the fast commands must not load them."""


def heavy_imports(*argv: str) -> list[str]:
    """The modules of HEAVY that `escodegen ARGV` loads, in a fresh interpreter (the command
    must exit 0)."""
    probe = (
        "import json, sys\n"
        "from escodegen.cli import main\n"
        "try:\n"
        f"    main({list(argv)!r})\n"
        "except SystemExit as e:\n"
        "    assert e.code in (0, None), e.code\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded: list[str] = json.loads(out.stdout.splitlines()[-1])
    return loaded
