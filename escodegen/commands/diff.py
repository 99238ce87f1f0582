"""`escodegen diff --against REF|FOLDER`: classify every change since a git ref or another
folder by the decision matrix."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from escodegen.commands.check import fail, finish, report_options
from escodegen.commands.common import ProjectLocation


@click.command()
@click.option("--against", required=True, metavar="REF|FOLDER",
              help="A git ref (origin/main, a tag, HEAD~1) or a folder holding the base project.")
@report_options
@click.pass_context
def diff(ctx: click.Context, against: str, fmt: str, fail_on: str, output: Path | None) -> None:
    """Compare the declarations with those at a git ref or in a folder.

    Exit 0 when no active finding reaches --fail-on, 1 when one does, 2 on tool errors
    (unknown ref, unreadable base).
    """
    from escodegen.analyse.baseline import BaselineError, extract_at_ref, project_file_in_folder
    from escodegen.analyse.compare import compare, invalid_findings
    from escodegen.analyse.findings import apply_ignores
    from escodegen.analyse.formats import Outcome
    from escodegen.analyse.shapes import contract_of
    from escodegen.check import compile_project

    location = ctx.find_object(ProjectLocation)
    assert location is not None
    if not location.project_file.is_file():
        fail(ctx, f"no project file at {location.project_file} (run `escodegen init`)")
    with tempfile.TemporaryDirectory(prefix="escodegen-base-") as scratch:
        try:
            folder = Path(against)
            if folder.exists():
                base_file = project_file_in_folder(folder, location.project_file.name)
            else:
                base_file = extract_at_ref(location.project_file, against, Path(scratch))
        except BaselineError as error:
            fail(ctx, str(error))
        base, base_report = compile_project(base_file)
    if base is None or base_report.has_errors:
        problems = "; ".join(d.render().splitlines()[0] for d in base_report if d.severity == "error")
        fail(ctx, f"the declarations at {against} are invalid: {problems}")
    assert base is not None
    head, report = compile_project(location.project_file)
    if head is None or report.has_errors:
        findings = invalid_findings(report)
    else:
        findings = apply_ignores(compare(contract_of(base, against), head, base), head.ignores)
    outcome = Outcome(tuple(findings), against, fail_on, location.project_file.parent)
    finish(ctx, outcome, fmt, output)
