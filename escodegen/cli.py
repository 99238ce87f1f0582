"""The `escodegen` command line.

Each subcommand lives in its own module under `escodegen.commands` and is imported only
when it runs, so `escodegen validate` (the pre-commit path) never pays for the heavy
imports of the generators (datamodel-code-generator, sqlglot).
"""

from __future__ import annotations

import atexit
import gc
import importlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from escodegen import __version__
from escodegen.printable import escape

# name -> "module:attribute" of a click command; add a line here for a new command.
COMMANDS: dict[str, str] = {
    "generate": "escodegen.commands.generate:generate",
    "catalog": "escodegen.commands.catalog:catalog",
    "check": "escodegen.commands.check:check",
    "diff": "escodegen.commands.diff:diff",
    "doctor": "escodegen.commands.doctor:doctor",
    "explain": "escodegen.commands.explain:explain",
    "export": "escodegen.commands.export:export",
    "projections": "escodegen.commands.projections:projections",
    "publish": "escodegen.commands.publish:publish",
    "registry": "escodegen.commands.registry:registry",
    "rules": "escodegen.commands.rules:rules",
    "stats": "escodegen.commands.stats:stats",
    "init": "escodegen.commands.init:init",
    "migrate": "escodegen.commands.migrate:migrate",
    "validate": "escodegen.commands.validate:validate",
    "verify-store": "escodegen.commands.verify_store:verify_store",
    "verify-upcasters": "escodegen.commands.verify_upcasters:verify_upcasters",
}


@contextmanager
def _printable_usage_errors() -> Iterator[None]:
    """click's usage errors quote the user's words (an unknown option, an extra argument, a
    value a type refuses, often without `repr`): their message is shown escaped, on one line."""
    try:
        yield
    except click.UsageError as error:  # exit 2, shown with the command's usage
        raise click.UsageError(escape(error.format_message()), error.ctx) from error
    except click.ClickException as error:  # exit 1
        raise click.ClickException(escape(error.format_message())) from error


class LazyGroup(click.Group):
    """The group of every command. Its context and its invocation wrap every subcommand's, so
    every usage error passes through `_printable_usage_errors`."""

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        with _printable_usage_errors():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with _printable_usage_errors():
            return super().invoke(ctx)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # No command line holds a NUL (the OS cannot pass one); a caller of `main` can, and no
        # path, name or value may: a usage error here, not a ValueError deep in a command.
        if any("\x00" in arg for arg in args):
            ctx.fail("an argument holds a NUL character")
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"],
                                               "max_content_width": 100})
@click.version_option(__version__, prog_name="escodegen")
@click.option("-C", "directory", type=click.Path(file_okay=False, path_type=str),
              help="Run as if started in this folder.")
@click.option("--project", "project_file", type=click.Path(dir_okay=False, path_type=str),
              help="The project file (default: escodegen.yaml in the current folder).")
@click.pass_context
def cli(ctx: click.Context, directory: str | None, project_file: str | None) -> None:
    """Declarative code generator and schema registry for event sourcing on PostgreSQL."""
    from escodegen.commands.common import ProjectLocation

    ctx.obj = ProjectLocation.from_options(directory, project_file)


def main(argv: list[str] | None = None) -> Any:
    """Console entry point. Exit 1: findings, invalid declarations, a broken registry; 2: usage
    and environment (a file that cannot be read or written); 3: a bug of escodegen's own.

    Commands report file errors where they happen (`commands.common.file_errors`), naming the
    path and what they were doing. A bug of ours must not greet the user with a traceback: it
    is reported in one line with where to send it (ESCODEGEN_DEBUG=1 shows the traceback).

    A command builds large trees of small objects (declarations, models, schemas), none of them
    garbage in a cycle: the cycle collector runs a thousand times less often while it does
    (a tenth of `diff` on 1,000 events went into it). When the process ends, the interpreter
    runs the collector again over everything still alive, for nothing (its memory goes back
    whole): a quarter of `diff` on 1,000 events. So at exit every object is frozen first
    (`gc.freeze`: the collector then skips them); an atexit handler, so a caller that runs
    `main` in its own process (the tests) keeps its collector until it ends too.
    """
    atexit.unregister(gc.freeze)  # once, however often `main` runs in one process
    atexit.register(gc.freeze)
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        return cli.main(args=argv, prog_name="escodegen")
    except Exception as exc:
        if os.environ.get("ESCODEGEN_DEBUG"):
            raise
        click.echo(f"escodegen: internal error: {type(exc).__name__}: {escape(str(exc))}\n"
                   "This is a bug in escodegen. Run again with ESCODEGEN_DEBUG=1 for details "
                   "and report it.", err=True)
        sys.exit(3)
    finally:
        gc.set_threshold(*thresholds)
