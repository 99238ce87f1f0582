"""`escodegen diff --against REF|FOLDER`: classify every change since a git ref or another
folder by the decision matrix."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from escodegen.commands.check import existing_project_file, fail, finish, report_options

if TYPE_CHECKING:
    from escodegen.analyse.findings import Finding, UnusedIgnore
    from escodegen.model import Project


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
    from escodegen.analyse.compare import compare, invalid_findings
    from escodegen.analyse.findings import apply_ignores
    from escodegen.analyse.shapes import contract_of
    from escodegen.check import compile_project
    from escodegen.report.formats import Outcome

    project_file = existing_project_file(ctx)
    base = base_project(ctx, project_file, against)
    head, report = compile_project(project_file, cached=True)
    unused = []
    if head is None or report.has_errors:
        findings = invalid_findings(report)
    else:
        found = compare(contract_of(base, against), head, base)
        findings = apply_ignores(found, head.ignores)
        unused = _unused_ignores(head, found, against)
    outcome = Outcome(tuple(findings), against, fail_on, project_file.parent, tuple(unused))
    finish(ctx, outcome, fmt, output)


def base_project(ctx: click.Context, project_file: Path, against: str) -> Project:
    """The checked model at a git ref or in a folder; exit 2 when it cannot be read or is
    invalid (a broken base is a tool error, not a finding)."""
    from escodegen.check import compile_project
    from escodegen.sources.baseline import BaselineError, cached_model, open_baseline, store_model

    with tempfile.TemporaryDirectory(prefix="escodegen-base-") as scratch:
        try:
            baseline = open_baseline(project_file, against, Path(scratch), lazy=True)
        except BaselineError as error:
            fail(ctx, str(error))
        base = cached_model(baseline)
        if base is None:
            try:
                baseline.write_files()
            except BaselineError as error:
                fail(ctx, str(error))
            base, base_report = compile_project(baseline.project_file)
            if base is None or base_report.has_errors:
                header, *details = baseline.errors(base_report)
                fail(ctx, header, details)
            assert base is not None
            store_model(baseline, base)
    return base


def _unused_ignores(head: Project, found: list[Finding], against: str) -> list[UnusedIgnore]:
    """Ignore entries that neither this diff nor `escodegen check` (the registry) uses.

    An entry written for `check` (a change published long ago) must not be called unused just
    because this diff does not see that change, so the registry comparison is made too, but
    only when some entry is unused by the diff. With an unreadable registry nothing is called
    unused: `check` reports the registry problem.
    """
    from escodegen.analyse.compare import compare
    from escodegen.analyse.findings import unused_ignores
    from escodegen.analyse.shapes import registry_contract
    from escodegen.sources.registry import RegistryError, open_registry

    if not head.ignores or not unused_ignores(head.ignores, found):
        return []
    try:
        contract = registry_contract(open_registry(head.registry, head.root))
    except RegistryError:
        return []
    return unused_ignores(head.ignores, [*found, *compare(contract, head)],
                          f"against {against} or the registry")
