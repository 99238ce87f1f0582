"""`escodegen doctor [--dsn]`: the production checklist, one line per item."""

from __future__ import annotations

import math

import click

from escodegen.commands.check import existing_project_file, fail
from escodegen.commands.common import DSN, database_error


def _finite_seconds(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """FloatRange lets nan through (no comparison is true of it), and a limit of nan or inf
    would pass any lag: a number of seconds is finite."""
    if not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number of seconds")
    return value


@click.command()
@click.option("--dsn", envvar="ESCODEGEN_DSN", type=DSN, metavar="URL", default=None,
              help="The live database; without it the database items are skipped.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text for people, json for tools.")
@click.option("--max-lag", type=click.FloatRange(min=0), default=60.0, show_default=True,
              metavar="SECONDS", callback=_finite_seconds,
              help="The most a projection may be behind the store.")
@click.pass_context
def doctor(ctx: click.Context, dsn: str | None, fmt: str, max_lag: float) -> None:
    """Run the production checklist against the declarations and, with --dsn, the database.

    Exit 0 when no item fails, 1 when one does, 2 on usage errors and an unreachable database.
    """
    project_file = existing_project_file(ctx)
    from escodegen.db.doctor import doctor as run_doctor
    from escodegen.printable import json_text
    from escodegen.report.doctor import as_json, as_text

    if dsn is None:
        items = run_doctor(project_file, None, max_lag)
    else:
        from escodegen.commands.common import require_postgres_driver

        require_postgres_driver("doctor")
        import psycopg

        try:
            items = run_doctor(project_file, dsn, max_lag)
        except psycopg.Error as error:
            fail(ctx, f"cannot check the database: {database_error(error)}")
    if fmt == "json":
        click.echo(json_text(as_json(items), indent=2))
    else:
        click.echo(as_text(items), nl=False)
    ctx.exit(1 if any(item.status == "fail" for item in items) else 0)
