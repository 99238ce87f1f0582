"""`escodegen projections failures|retry --dsn`: the stored events projections skipped
(`on_error: skip`). Reference: docs/commands/projections.md."""

from __future__ import annotations

import sys

import click

from escodegen.commands.common import (
    DSN,
    TEXT,
    database_error,
    project_schema,
    require_postgres_driver,
)

DSN_HELP = "The database (libpq URL or key=value string)."
SCHEMA_HELP = "The store's schema (default: postgres.schema of the project, else es)."
PROJECTION_HELP = "Only this projection (its declared name or its table's name)."


@click.group()
def projections() -> None:
    """The stored events projections skipped: list them, apply them again."""


@projections.command()
@click.option("--dsn", envvar="ESCODEGEN_DSN", type=DSN, metavar="URL", required=True,
              help=DSN_HELP)
@click.option("--schema", type=TEXT, default=None, help=SCHEMA_HELP)
@click.option("--projection", type=TEXT, metavar="NAME", default=None, help=PROJECTION_HELP)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text for people, json for tools.")
@click.pass_context
def failures(ctx: click.Context, dsn: str, schema: str | None, projection: str | None,
             fmt: str) -> None:
    """List the events projections skipped, with the error and when."""
    require_postgres_driver("projections failures")
    import psycopg

    from escodegen.db.projection_failures import (
        UnknownProjection,
        failures_json,
        failures_text,
        read_failures,
    )
    from escodegen.printable import json_text

    try:
        found = read_failures(dsn, schema or project_schema(ctx), projection)
    except (psycopg.Error, UnknownProjection) as error:
        click.echo(f"error: {database_error(error)}", err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json_text(failures_json(found), indent=2))
    else:
        click.echo(failures_text(found))


@projections.command()
@click.option("--dsn", envvar="ESCODEGEN_DSN", type=DSN, metavar="URL", required=True,
              help=DSN_HELP)
@click.option("--schema", type=TEXT, default=None, help=SCHEMA_HELP)
@click.option("--projection", type=TEXT, metavar="NAME", default=None, help=PROJECTION_HELP)
@click.pass_context
def retry(ctx: click.Context, dsn: str, schema: str | None, projection: str | None) -> None:
    """Apply the skipped events again: remove those that now succeed, keep and report those
    that still fail (exit 1)."""
    require_postgres_driver("projections retry")
    import psycopg

    from escodegen.db.projection_failures import (
        NoRetryFunction,
        UnknownProjection,
        retried_text,
        retry_failures,
    )

    try:
        retried = retry_failures(dsn, schema or project_schema(ctx), projection)
    except (psycopg.Error, NoRetryFunction, UnknownProjection) as error:
        click.echo(f"error: {database_error(error)}", err=True)
        sys.exit(2)
    click.echo(retried_text(retried))
    if not all(r.applied for r in retried):
        sys.exit(1)
