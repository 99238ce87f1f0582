"""`escodegen validate`: load and check the declarations; nothing is written."""

from __future__ import annotations

import sys

import click

from escodegen.commands.common import ProjectLocation, print_report


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text for people, json for tools.")
@click.pass_context
def validate(ctx: click.Context, fmt: str) -> None:
    """Check escodegen.yaml and every declaration file. Exit 0 when clean, 1 on errors.

    Design lints (ES5xx, docs/lints.md) are warnings: they do not change the exit code."""
    from escodegen.check import compile_project
    from escodegen.check.lints import lint_project

    location = ctx.find_object(ProjectLocation)
    assert location is not None
    project, report = compile_project(location.project_file)
    if project is not None and not report.has_errors:
        lint_project(project, report)
    print_report(report, fmt)
    if report.has_errors or project is None:
        sys.exit(1)
    if fmt == "text":
        from escodegen.report.formats import plural

        click.echo(
            f"{project.name}: {plural(len(project.events), 'event')}, "
            f"{plural(len(project.aggregates), 'aggregate')}, "
            f"{plural(len(project.projections), 'projection')} - valid"
        )
