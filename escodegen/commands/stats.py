"""`escodegen stats --dsn`: the event store's size, activity and projection lag."""

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


@click.command()
@click.option("--dsn", envvar="ESCODEGEN_DSN", type=DSN, metavar="URL", required=True,
              help="The database (libpq URL or key=value string).")
@click.option("--schema", type=TEXT, default=None,
              help="The store's schema (default: postgres.schema of the project, else es).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "prometheus"]),
              default="table", show_default=True,
              help="table for people, json for tools, prometheus for a scrape.")
@click.pass_context
def stats(ctx: click.Context, dsn: str, schema: str | None, fmt: str) -> None:
    """Events, streams, disk use, append rate and latency, and every projection's lag."""
    require_postgres_driver("stats")
    import psycopg

    from escodegen.db.stats import as_json, as_prometheus, as_table, read_stats
    from escodegen.printable import json_text

    if schema is None:
        schema = project_schema(ctx)
    try:
        found = read_stats(dsn, schema)
    except psycopg.Error as error:
        click.echo(f"error: {database_error(error)}", err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json_text(as_json(found), indent=2))
    elif fmt == "prometheus":
        click.echo(as_prometheus(found), nl=False)
    else:
        click.echo(as_table(found))

