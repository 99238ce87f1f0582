"""`escodegen check`: validate + conformance to the registry. The pre-commit hook: no database,
no generator imports (datamodel-code-generator, sqlglot stay unloaded)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from escodegen.commands.common import ProjectLocation, file_errors, open_registry_or_exit
from escodegen.printable import escape

if TYPE_CHECKING:
    from escodegen.report.formats import Outcome

F = Callable[..., Any]


def report_options(command: F) -> F:
    """The options every finding-producing command shares: format, --fail-on, --output."""
    from escodegen.report.formats import FAIL_ON, FORMATS

    command = click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
                           help="Write the report to this file instead of standard output.")(command)
    command = click.option("--fail-on", type=click.Choice(FAIL_ON), default="error",
                           show_default=True,
                           help="Exit 1 when an active finding is at least this severe.")(command)
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="text",
                        show_default=True, help="Report format.")(command)


def finish(ctx: click.Context, outcome: Outcome, fmt: str, output: Path | None) -> None:
    """Print or write the report, then exit 0 (nothing reaches --fail-on) or 1."""
    from escodegen.report.formats import render

    text = render(outcome, fmt)
    if output is not None:
        with file_errors("write the report to", output):
            output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    ctx.exit(1 if outcome.failed else 0)


def fail(ctx: click.Context, message: str, details: Sequence[str] = ()) -> NoReturn:
    """A tool or usage error: message to stderr, exit 2. The message quotes the user's words
    (a ref, a path, git's or PostgreSQL's error text quoting them): it is shown on one line,
    escaped. `details`: lines of their own under it (rendered diagnostics)."""
    click.echo(f"escodegen: {escape(message)}", err=True)
    for line in details:
        click.echo(escape(line), err=True)
    ctx.exit(2)


def existing_project_file(ctx: click.Context) -> Path:
    """The project file named by -C/--project; exit 2 when there is none."""
    location = ctx.find_object(ProjectLocation)
    assert location is not None
    if not location.project_file.is_file():
        fail(ctx, f"no project file at {location.project_file} (run `escodegen init`)")
    return location.project_file


@click.command()
@report_options
@click.pass_context
def check(ctx: click.Context, fmt: str, fail_on: str, output: Path | None) -> None:
    """Validate the declarations and check them against the published registry.

    Exit 0 when no active finding reaches --fail-on, 1 when one does or when the registry is
    broken or was tampered with (ES8xx, on stderr), 2 on usage and file errors.
    """
    from escodegen.analyse.compare import compare, invalid_findings
    from escodegen.analyse.findings import apply_ignores, unused_ignores
    from escodegen.analyse.shapes import registry_contract
    from escodegen.check import compile_project
    from escodegen.report.formats import Outcome

    project_file = existing_project_file(ctx)
    project, report = compile_project(project_file, cached=True)
    unused = []
    if project is None or report.has_errors:
        findings = invalid_findings(report)
    else:
        found = compare(registry_contract(open_registry_or_exit(project)), project)
        findings = apply_ignores(found, project.ignores)
        unused = unused_ignores(project.ignores, found, "against the registry")
    outcome = Outcome(tuple(findings), "registry", fail_on, project_file.parent, tuple(unused))
    finish(ctx, outcome, fmt, output)
