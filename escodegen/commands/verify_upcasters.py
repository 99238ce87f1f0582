"""`escodegen verify-upcasters --dsn DSN`: prove on the user's PostgreSQL that the generated
Python and SQL upcasters of this project (custom operations included) agree."""

from __future__ import annotations

import sys

import click

from escodegen.commands.common import (
    DSN,
    TEXT,
    database_error,
    load_project_or_exit,
    refuse_volatile_custom_sql,
    require_postgres_driver,
)
from escodegen.printable import escape, escape_lines


@click.command("verify-upcasters")
@click.option("--dsn", envvar="ESCODEGEN_DSN", type=DSN, required=True,
              help="PostgreSQL connection string (or $ESCODEGEN_DSN). Nothing is left behind: "
                   "the functions are created in a scratch schema inside a transaction that is "
                   "rolled back.")
@click.option("--examples", type=click.IntRange(1, 100_000), default=200, show_default=True,
              help="Random payloads tried per event type and stored version.")
@click.option("--event", "only", type=TEXT, multiple=True,
              help="Verify only this event type (repeatable).")
@click.pass_context
def verify_upcasters(ctx: click.Context, dsn: str, examples: int, only: tuple[str, ...]) -> None:
    """Run random payloads through both upcasters of every event type and stored version.

    Exit 0 when they always agree; 1 with the first (smallest) counter-example otherwise.
    """
    try:
        import hypothesis  # noqa: F401  (the property engine; an optional dependency)
    except ImportError:
        click.echo("error: verify-upcasters needs hypothesis: pip install 'escodegen[verify]'",
                   err=True)
        sys.exit(2)
    require_postgres_driver("verify-upcasters")
    import psycopg

    from escodegen.db.upcasters import Upcasters
    from escodegen.upcast.verify import MismatchError

    project = load_project_or_exit(ctx)
    unknown = sorted(set(only) - {e.name for e in project.events})
    if unknown:
        click.echo(f"error: no event type {escape(', '.join(unknown))} in {project.name}", err=True)
        sys.exit(2)
    events = [e for e in project.events if not only or e.name in only]
    try:
        refuse_volatile_custom_sql(project, dsn)
    except psycopg.Error as exc:
        click.echo(f"error: PostgreSQL: {database_error(exc)}", err=True)
        sys.exit(1)
    sys.path.insert(0, str(project.root))  # custom operations import the project's own modules
    checked = 0
    try:
        with Upcasters.open(project.events, dsn) as upcasters:
            for event in events:
                for version in range(1, event.latest.number):
                    upcasters.check(event, version, max_examples=examples)
                    checked += 1
    except MismatchError as exc:
        click.echo(f"counter-example: {escape_lines(str(exc.mismatch))}", err=True)
        sys.exit(1)
    except psycopg.Error as exc:
        click.echo(f"error: PostgreSQL: {database_error(exc)}", err=True)
        sys.exit(1)
    except ImportError as exc:
        click.echo(f"error: a custom operation's module cannot be imported: {escape(str(exc))}",
                   err=True)
        sys.exit(1)
    finally:
        sys.path.remove(str(project.root))
    click.echo(f"{project.name}: Python and SQL upcasters agree on {checked} stored "
               f"version{'s' if checked != 1 else ''} of {len(events)} event types "
               f"({examples} random batches each)")
