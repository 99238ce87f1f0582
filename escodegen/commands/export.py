"""`escodegen export asyncapi|eventcatalog`: the declarations in other tools' formats."""

from __future__ import annotations

from pathlib import Path

import click

from escodegen.commands.check import fail
from escodegen.commands.common import TEXT, load_project_or_exit
from escodegen.printable import escape


@click.group()
def export() -> None:
    """Export the declarations as an AsyncAPI document or an EventCatalog folder."""


@export.command()
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the document to this file instead of standard output.")
@click.option("--api-version", type=TEXT, default="1.0.0", show_default=True,
              help="The document's info.version.")
@click.pass_context
def asyncapi(ctx: click.Context, fmt: str, output: Path | None, api_version: str) -> None:
    """An AsyncAPI 3.0 document: a channel per stream category, a message per event version
    with its JSON Schema payload, the correlation id in the envelope headers."""
    from escodegen.emit.asyncapi import render

    text = render(load_project_or_exit(ctx), fmt, api_version)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        fail(ctx, f"cannot write {output}: {error}")


@export.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def eventcatalog(ctx: click.Context, directory: Path) -> None:
    """Write events (every version, with its JSON Schema) and services (aggregates and
    projections) into an EventCatalog folder. Files of other events are left alone."""
    from escodegen.emit.eventcatalog import render

    files = render(load_project_or_exit(ctx))
    try:
        for relative, text in files.items():
            path = directory / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
    except OSError as error:
        fail(ctx, f"cannot write into {directory}: {error}")
    click.echo(f"eventcatalog: {len(files)} files in {escape(str(directory))}")
