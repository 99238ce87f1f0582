"""`escodegen publish`: record what is new in the registry folder; published versions stay as
they are (an optional field added in place is recorded as a revision)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from escodegen.commands.check import fail
from escodegen.commands.common import file_errors, load_project_or_exit, open_registry_or_exit
from escodegen.printable import escape

if TYPE_CHECKING:
    from escodegen.analyse.publish import Publication
    from escodegen.model import Project
    from escodegen.sources.registry import Registry


@click.command()
@click.option("--dry-run", is_flag=True, help="Show what would be recorded; write nothing.")
@click.pass_context
def publish(ctx: click.Context, dry_run: bool) -> None:
    """Record new event versions, aggregate state versions and projection shapes.

    Refuses (exit 1, nothing written) when a published version or state was changed in place.
    Each publish records when it happened: now, or SOURCE_DATE_EPOCH when set.
    """
    from escodegen.report.formats import Outcome, render
    from escodegen.sources.ledger import LOG
    from escodegen.sources.registry import FORMAT

    try:
        published = publication_time()
    except ValueError as error:
        fail(ctx, str(error))
    project = load_project_or_exit(ctx)
    registry = open_registry_or_exit(project, warn=False)
    with file_errors("write the registry", project.registry):
        result = record(project, registry, dry_run=dry_run, published=published)
    if result.refused:
        click.echo(render(Outcome(tuple(result.refused), "registry", root=project.root), "text"),
                   err=True, nl=False)
        click.echo("publish refused: published versions are immutable; nothing was written",
                   err=True)
        ctx.exit(1)
    verb = "would record" if dry_run else "recorded"
    for line in result.added:
        click.echo(f"{verb} {escape(line)}")
    for line in result.revised:
        click.echo(f"{verb} {escape(line)} (changed in place; the previous file is kept)")
    for line in result.refreshed:
        click.echo(f"{verb} {escape(line)} (annotations only; same fingerprint)")
    where = f"{escape(project.registry.relative_to(project.root).as_posix())}/"
    if result.upgraded_from is not None:
        click.echo(f"{'would upgrade' if dry_run else 'upgraded'} {where} from format "
                   f"{result.upgraded_from} to format {FORMAT}: the sha256 of every schema file "
                   f"is {'would be ' if dry_run else ''}recorded in index.json and {LOG} "
                   f"{'would start' if dry_run else 'starts'} the publication log; commit both")
    changed = len(result.added) + len(result.revised) + len(result.refreshed)
    click.echo(f"{changed} {verb}, {result.unchanged} unchanged in {where}")


def publication_time() -> str:
    """When this publish happens, as the log records it: SOURCE_DATE_EPOCH (seconds since
    1970 in UTC, https://reproducible-builds.org/specs/source-date-epoch/) when set, so a
    build or a test can fix it; else now. ValueError for a SOURCE_DATE_EPOCH that is not one."""
    from datetime import UTC, datetime

    from escodegen.sources.ledger import timestamp

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return timestamp(datetime.now(UTC))
    if not (epoch.isascii() and epoch.isdigit()):
        raise ValueError(f"SOURCE_DATE_EPOCH={epoch[:40]!r} is not a number of seconds since "
                         "1970-01-01T00:00:00Z")
    try:
        moment = datetime.fromtimestamp(int(epoch), UTC)
    except (OverflowError, OSError, ValueError):
        moment = None
    if moment is None or moment.year > 9999:
        raise ValueError(f"SOURCE_DATE_EPOCH={epoch[:40]} is after the year 9999")
    return timestamp(moment)


def record(project: Project, registry: Registry, dry_run: bool = False,
           published: str | None = None) -> Publication:
    """Plan the publication of `project` and, unless refused or `dry_run`, write it with the
    time `published` (by default `publication_time()`)."""
    from escodegen.analyse.publish import plan_publication
    from escodegen.sources.registry import write

    result = plan_publication(project, registry)
    if result.changes is not None and not dry_run:
        write(registry, result.changes, published or publication_time())
    return result
