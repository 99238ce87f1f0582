"""Stage 2: check the loaded files and build the model.

`compile_project` is the front half of the pipeline that every command starts with:
load -> structure (meta-schemas) -> build the model -> semantic checks -> PostgreSQL names
-> upcast chains.
"""

from __future__ import annotations

from pathlib import Path

from escodegen.check.build import build_project
from escodegen.check.chains import check_chains
from escodegen.check.semantics import check_semantics
from escodegen.check.sqlnames import check_sql_names
from escodegen.check.structure import DECLARATIONS_SCHEMA, PROJECT_SCHEMA, check_structure
from escodegen.diagnostics import Report
from escodegen.model import Project
from escodegen.sources.project import load_project


def compile_project(project_file: Path) -> tuple[Project | None, Report]:
    """The checked model of the project at `project_file`, and every diagnostic found.

    The model is None when the files could not be read or are structurally invalid; when it is
    not None it may still come with errors (the report says), which callers must respect.
    """
    report = Report()
    loaded = load_project(project_file, report)
    if loaded is None:
        return None, report
    valid = check_structure(loaded.project, PROJECT_SCHEMA, report)
    for doc in loaded.sources:
        valid = check_structure(doc, DECLARATIONS_SCHEMA, report) and valid
    if not valid or report.has_errors:
        return None, report
    project = build_project(loaded, report)
    check_semantics(project, report)
    check_sql_names(project, report)
    check_chains(project.events, report)
    return project, report
