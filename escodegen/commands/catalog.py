"""`escodegen catalog --out DIR [--against REF]`: the static HTML catalog of the project."""

from __future__ import annotations

from pathlib import Path

import click

from escodegen.commands.check import existing_project_file, fail
from escodegen.commands.common import load_project_or_exit, open_registry_or_exit
from escodegen.printable import escape


@click.command()
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The folder to write the site into (new, empty, or an earlier catalog).")
@click.option("--against", metavar="REF|FOLDER",
              help="Add a changes page: what `escodegen diff --against` finds.")
@click.pass_context
def catalog(ctx: click.Context, out: Path, against: str | None) -> None:
    """Write a static HTML catalog of every event, version, field, upcast chain and consumer.

    It works from file:// and any static host, and is byte-identical for the same input.
    Exit 0 when written, 1 on invalid declarations or a broken registry (ES8xx), 2 when the
    base of --against or the output folder cannot be used.
    """
    from escodegen.analyse.compare import compare
    from escodegen.analyse.findings import apply_ignores
    from escodegen.analyse.shapes import contract_of
    from escodegen.commands.diff import base_project
    from escodegen.emit.catalog import SiteError, render, write_site

    project = load_project_or_exit(ctx)
    registry = open_registry_or_exit(project)
    changes = None
    if against is not None:
        base = base_project(ctx, existing_project_file(ctx), against)
        changes = apply_ignores(compare(contract_of(base, against), project, base),
                                project.ignores)
    files = render(project, registry, changes, against)
    try:
        write_site(out, files)
    except (SiteError, OSError) as error:
        fail(ctx, f"cannot write the catalog: {error}")
    pages = sum(1 for path in files if path.endswith(".html"))
    click.echo(f"catalog: {pages} pages and {len(files) - pages} other files in {escape(str(out))}")
