"""`escodegen verify-store --dsn`: every stored event against its own version's declaration."""

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


@click.command("verify-store")
@click.option("--dsn", envvar="ESCODEGEN_DSN", type=DSN, metavar="URL", required=True,
              help="The database (libpq URL or key=value string).")
@click.option("--schema", type=TEXT, default=None,
              help="The store's schema (default: postgres.schema of the project, else es).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text for people, json for tools.")
@click.option("--first", type=click.IntRange(1, 1000), default=5, show_default=True,
              help="How many problems to show per event type.")
@click.pass_context
def verify_store(ctx: click.Context, dsn: str, schema: str | None, fmt: str, first: int) -> None:
    """Check every stored event against its (type, version)'s declaration with the store's
    SQL validators: counts per (type, version), the first problems of each type. Exit 1 when
    an event does not fit."""
    require_postgres_driver("verify-store")
    import psycopg

    from escodegen.db.verify_store import as_json, as_text, verify_store
    from escodegen.printable import json_text

    if schema is None:
        schema = project_schema(ctx)
    try:
        if sys.stderr.isatty():
            with click.progressbar(length=1, label="verifying events", file=sys.stderr) as bar:
                def progress(done: int, total: int) -> None:
                    bar.length = max(total, 1)
                    bar.update(done - bar.pos)

                found = verify_store(dsn, schema, first, progress)
        else:
            found = verify_store(dsn, schema, first)
    except psycopg.Error as error:
        click.echo(f"error: {database_error(error)}", err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json_text(as_json(found), indent=2))
    else:
        click.echo(as_text(found))
    sys.exit(1 if found.invalid else 0)
