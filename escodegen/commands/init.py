"""`escodegen init [DIR]`: scaffold a small project that validates and generates as it is."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from escodegen.commands.common import TEXT, file_errors
from escodegen.model.naming import is_identifier
from escodegen.printable import escape
from escodegen.resources import data_dir, template_dir


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", type=TEXT, help="Project identifier (default: the folder's name).")
def init(directory: Path, name: str | None) -> None:
    """Create escodegen.yaml and example declarations in DIRECTORY (default: here)."""
    import jinja2

    directory = directory.absolute()
    name = name or re.sub(r"\W", "_", directory.name).strip("_").lower() or "project"
    if not is_identifier(name):
        raise click.BadParameter(f"'{name}' is not an identifier", param_hint="--name")
    source = template_dir("init")
    templates = sorted(source.rglob("*.j2"))
    targets = [directory / t.relative_to(source).with_suffix("") for t in templates]
    with file_errors("create the project in", directory):  # a name too long, say
        existing = [t for t in targets if t.exists() or t.is_symlink()]
    if existing:
        click.echo(f"error: {escape(str(existing[0]))} already exists; nothing written", err=True)
        sys.exit(1)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(source), keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined, autoescape=False)
    written = []
    with file_errors("create the project in", directory):
        for template, target in zip(templates, targets):
            target.parent.mkdir(parents=True, exist_ok=True)
            text = env.get_template(template.relative_to(source).as_posix()).render(
                name=name, schema_url=data_dir("schemas").as_uri())
            target.write_text(text, encoding="utf-8")
            written.append(target.relative_to(directory).as_posix())
    for path in written:
        click.echo(f"created {escape(path)}")
    click.echo(f"next: cd {escape(str(directory))} && escodegen validate && escodegen generate")
