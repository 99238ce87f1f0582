"""Every command of the `escodegen` command line, found by walking click's command tree, so a
test parametrized over it covers a command added later without being told; and running one."""

from __future__ import annotations

import click

from escodegen.cli import cli, main


def leaf_commands() -> dict[str, click.Command]:
    """"migrate archive" -> its click command: every command that runs (not the groups)."""
    found: dict[str, click.Command] = {}

    def walk(group: click.Group, path: tuple[str, ...]) -> None:
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, name
            if isinstance(command, click.Group):
                walk(command, (*path, name))
            else:
                found[" ".join((*path, name))] = command

    walk(cli, ())
    return found


LEAVES = leaf_commands()
DSN_COMMANDS = sorted(name for name, command in LEAVES.items()
                      if any(p.name == "dsn" for p in command.params))


def required_arguments(command: click.Command, but: str) -> list[str]:
    """A placeholder for every required option and argument of `command` except `but`, so a
    test reaches the one it is about whatever order click checks them in."""
    words: list[str] = []
    for param in command.params:
        if param.required and param.name != but:
            words += [param.opts[0], "x"] if isinstance(param, click.Option) else ["x"]
    return words


def main_exit(argv: list[str]) -> int:
    """The exit code of `escodegen argv`, run in this process."""
    try:
        main(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0
