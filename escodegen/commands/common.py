"""What every command shares: where the project is, how to load it, how to print diagnostics."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from escodegen.diagnostics import Report
from escodegen.model import Project

PROJECT_FILE = "escodegen.yaml"


@dataclass(frozen=True)
class ProjectLocation:
    project_file: Path

    @classmethod
    def from_options(cls, directory: str | None, project_file: str | None) -> ProjectLocation:
        base = Path(directory) if directory else Path.cwd()
        if project_file:
            path = Path(project_file)
            return cls((path if path.is_absolute() else base / path).absolute())
        return cls((base / PROJECT_FILE).absolute())


def print_report(report: Report, fmt: str = "text") -> None:
    """Diagnostics to stderr as text, or to stdout as a JSON document."""
    if fmt == "json":
        payload = {
            "ok": not report.has_errors,
            "diagnostics": [d.as_json() for d in report],
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    for diagnostic in report:
        click.echo(diagnostic.render(), err=True)
    if report.has_errors:
        count = sum(1 for d in report.diagnostics if d.severity == "error")
        click.echo(f"{count} error{'s' if count != 1 else ''}", err=True)


def load_project_or_exit(ctx: click.Context, fmt: str = "text") -> Project:
    """The checked model, or exit 1 after printing every diagnostic."""
    from escodegen.check import compile_project

    location: ProjectLocation = ctx.find_object(ProjectLocation)  # type: ignore[assignment]
    project, report = compile_project(location.project_file)
    if project is None or report.has_errors:
        print_report(report, fmt)
        sys.exit(1)
    return project


def refuse_volatile_custom_sql(project: Project, dsn: str) -> None:
    """Exit 1 (ES316) when custom SQL calls a function of the user's that the database at
    `dsn` does not know as immutable; before anything runs there."""
    from escodegen.upcast.verify import volatile_custom_functions

    report = volatile_custom_functions(dsn, project.events)
    if report.has_errors:
        print_report(report)
        sys.exit(1)
