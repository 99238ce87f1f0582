"""`escodegen publish`: record what is new in the registry folder; published versions stay as
they are (an optional field added in place is recorded as a revision)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from escodegen.commands.common import file_errors, load_project_or_exit, open_registry_or_exit

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
    """
    from escodegen.report.formats import Outcome, render
    from escodegen.sources.ledger import LOG
    from escodegen.sources.registry import FORMAT

    project = load_project_or_exit(ctx)
    registry = open_registry_or_exit(project, warn=False)
    with file_errors("write the registry", project.registry):
        result = record(project, registry, dry_run=dry_run)
    if result.refused:
        click.echo(render(Outcome(tuple(result.refused), "registry", root=project.root), "text"),
                   err=True, nl=False)
        click.echo("publish refused: published versions are immutable; nothing was written",
                   err=True)
        ctx.exit(1)
    verb = "would record" if dry_run else "recorded"
    for line in result.added:
        click.echo(f"{verb} {line}")
    for line in result.revised:
        click.echo(f"{verb} {line} (changed in place; the previous file is kept)")
    for line in result.refreshed:
        click.echo(f"{verb} {line} (annotations only; same fingerprint)")
    where = f"{project.registry.relative_to(project.root).as_posix()}/"
    if result.upgraded_from is not None:
        click.echo(f"{'would upgrade' if dry_run else 'upgraded'} {where} from format "
                   f"{result.upgraded_from} to format {FORMAT}: the sha256 of every schema file "
                   f"is {'would be ' if dry_run else ''}recorded in index.json and {LOG} "
                   f"{'would start' if dry_run else 'starts'} the publication log; commit both")
    changed = len(result.added) + len(result.revised) + len(result.refreshed)
    click.echo(f"{changed} {verb}, {result.unchanged} unchanged in {where}")


def record(project: Project, registry: Registry, dry_run: bool = False) -> Publication:
    """Plan the publication of `project` and, unless refused or `dry_run`, write it."""
    from escodegen.analyse.publish import plan_publication
    from escodegen.sources.registry import write

    result = plan_publication(project, registry)
    if result.changes is not None and not dry_run:
        write(registry, result.changes)
    return result
