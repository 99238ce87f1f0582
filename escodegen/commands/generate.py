"""`escodegen generate`: write every target's files; `--check` only says what is out of date."""

from __future__ import annotations

import sys

import click

from escodegen.commands.common import (
    ProjectLocation,
    file_errors,
    load_project_or_exit,
    print_report,
)
from escodegen.diagnostics import Report
from escodegen.emit import TARGETS, EmitError, Target, project_targets
from escodegen.emit.files import UnsafePath, changes, project_digest, up_to_date, write
from escodegen.emit.fresh import all_up_to_date
from escodegen.model import Project
from escodegen.printable import escape_lines
from escodegen.sources.project import display_path


@click.command()
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 listing stale, missing and orphaned files with a diff.")
@click.option("--force", is_flag=True, help="Render even when the inputs have not changed.")
@click.option("--target", "only", multiple=True, type=click.Choice(sorted(TARGETS)),
              help="Only this target (repeatable). Default: every configured one.")
@click.pass_context
def generate(ctx: click.Context, check: bool, force: bool, only: tuple[str, ...]) -> None:
    """Generate the Python package and the PostgreSQL SQL into their configured folders."""
    location = ctx.find_object(ProjectLocation)
    assert location is not None
    fresh = None if force else all_up_to_date(location.project_file, only)
    if fresh is not None:
        for target in fresh:
            click.echo(f"{target.name}: {display_path(location.project_file.parent, target.out)} "
                       "is up to date")
        return
    project = load_project_or_exit(ctx)
    targets = [t for t in project_targets(project) if not only or t.name in only]
    report = _overlapping(targets)
    if report.has_errors:
        print_report(report)
        sys.exit(1)
    out_of_date = 0
    for target in targets:
        out_of_date += _run(project, target, check, force)
    if check and out_of_date:
        click.echo(f"{out_of_date} generated file{'s' if out_of_date != 1 else ''} out of date; "
                   "run `escodegen generate`", err=True)
        sys.exit(1)


def _run(project: Project, target: Target, check: bool, force: bool) -> int:
    """Handle one target; the number of files that are (check) or were out of date."""
    where = display_path(project.root, target.out)
    digest = project_digest(project, target)
    if not force and up_to_date(target, digest):
        click.echo(f"{target.name}: {where} is up to date")
        return 0
    try:
        rendered = target.render(project)
        with file_errors(f"write the {target.name} target to", target.out):
            found = changes(target, rendered) if check else write(target, rendered, digest)
    except EmitError as error:
        print_report(error.report)
        sys.exit(1)
    except UnsafePath as error:
        report = Report()
        report.error("ES603", str(error))
        print_report(report)
        sys.exit(1)
    if check:
        for change in found:
            click.echo(f"{change.kind}: {display_path(project.root, target.out / change.relative)}")
        for change in found:
            click.echo(escape_lines(change.diff), nl=False)  # the file on disk may be anyone's
        if not found:
            click.echo(f"{target.name}: {where} is up to date")
    else:
        click.echo(f"{target.name}: {len(found)} of {len(rendered)} files changed in {where}")
    return len(found)


def _overlapping(targets: list[Target]) -> Report:
    """Two targets in one folder would take each other's files for orphans."""
    report = Report()
    for i, first in enumerate(targets):
        for second in targets[i + 1:]:
            a, b = first.out.resolve(), second.out.resolve()
            if a == b or a.is_relative_to(b) or b.is_relative_to(a):
                report.error("ES602", f"the {first.name} output folder {first.out} and the "
                             f"{second.name} output folder {second.out} overlap")
    return report
