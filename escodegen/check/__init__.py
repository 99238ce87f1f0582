"""Stage 2: check the loaded files and build the model.

`compile_project` is the front half of the pipeline that every command starts with:
load -> structure (meta-schemas) -> build the model -> semantic checks -> PostgreSQL names
-> upcast chains. The stages are imported when a compile runs, not with this package: a run
that finds its model in the cache (`escodegen.sources.model_cache`) never loads them (nor PyYAML).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from escodegen.diagnostics import Report

if TYPE_CHECKING:
    from escodegen.model import Project


def compile_project(project_file: Path, *,
                    cached: bool = False) -> tuple[Project | None, Report]:
    """The checked model of the project at `project_file`, and every diagnostic found.

    The model is None when the files could not be read or are structurally invalid; when it is
    not None it may still come with errors (the report says), which callers must respect.
    `cached`: take the model from the user's cache folder when none of its files changed since
    it was compiled, and keep it there otherwise (`check` and `diff`, run on every commit).
    """
    from escodegen.sources.model_cache import cached_compile, store_compile

    if cached:
        hit = cached_compile(project_file.absolute())
        if hit is not None:
            return hit
    from escodegen.check.structure import DECLARATIONS_SCHEMA, PROJECT_SCHEMA, check_structure
    from escodegen.sources.project import load_project

    report = Report()
    loaded = load_project(project_file, report)
    if loaded is None:
        return None, report
    valid = check_structure(loaded.project, PROJECT_SCHEMA, report)
    for doc in loaded.sources:
        valid = check_structure(doc, DECLARATIONS_SCHEMA, report) and valid
    if not valid or report.has_errors:
        return None, report
    from escodegen.check.build import build_project
    from escodegen.check.chains import check_chains
    from escodegen.check.semantics import check_semantics
    from escodegen.check.sqlnames import check_sql_names

    project = build_project(loaded, report)
    check_semantics(project, report)
    check_sql_names(project, report)
    check_chains(project.events, report)
    if cached:
        store_compile(project_file.absolute(), loaded, project, report)
    return project, report
