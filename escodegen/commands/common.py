"""What every command shares: where the project is, how to load it, how to print diagnostics."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from escodegen.diagnostics import Report
from escodegen.model import Project
from escodegen.printable import escape, json_text

if TYPE_CHECKING:
    from escodegen.sources.registry import Registry

PROJECT_FILE = "escodegen.yaml"


@dataclass(frozen=True)
class ProjectLocation:
    project_file: Path

    @classmethod
    def from_options(cls, directory: str | None, project_file: str | None) -> ProjectLocation:
        base = Path(directory) if directory else Path.cwd()
        if project_file:
            path = Path(project_file)
            return cls((path if path.is_absolute() else base / path).absolute())
        return cls((base / PROJECT_FILE).absolute())


class ConnectionString(click.ParamType):
    """`--dsn`: a libpq URL or key=value string, parsed by libpq itself when the option is read,
    so every command answers one that cannot be parsed the same way: a usage error, exit 2,
    before anything runs. Without psycopg the value passes: the command then says the driver
    is missing (`require_postgres_driver`)."""

    name = "dsn"

    def convert(self, value: str, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        origin = ""
        if ctx is not None and param is not None and param.name and param.envvar and (
                ctx.get_parameter_source(param.name) == click.core.ParameterSource.ENVIRONMENT):
            origin = f" (from ${param.envvar})"
        try:
            import psycopg
            from psycopg.conninfo import conninfo_to_dict
        except ImportError:
            return value
        try:
            conninfo_to_dict(value)
        except psycopg.ProgrammingError as error:
            self.fail(f"not a connection string (a libpq URL or key=value string){origin}: "
                      f"{str(error).strip()}", param, ctx)
        return value


DSN = ConnectionString()


class Text(click.ParamType):
    """A word of the command line that becomes a name or a value (a stream id, a schema, an
    event type; not a path): refused, exit 2, when it holds bytes that are not UTF-8 (Python
    keeps those as lone surrogates, which no database or file accepts)."""

    name = "text"

    def convert(self, value: str, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            self.fail(f"it is not UTF-8 text (byte {error.start + 1} is not)", param, ctx)
        return value


TEXT = Text()


def require_postgres_driver(command: str) -> None:
    """Exit 2 with the install line when psycopg, an optional dependency, is missing: only the
    commands that connect to a database need it."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        click.echo(f"error: {command} connects to PostgreSQL and needs psycopg: "
                   "pip install 'escodegen[postgres]'", err=True)
        sys.exit(2)


def database_error(error: Exception) -> str:
    """What PostgreSQL (or psycopg) says about `error`, for one line of a terminal: its primary
    message (without the `LINE 1:` context), escaped, as it quotes the user's words (a schema,
    a stream id) and what the database holds."""
    diag = getattr(error, "diag", None)
    primary = diag.message_primary if diag is not None else None
    # psycopg's own message (a failed connection) spans lines: one line, not `\n\t` escapes
    text = escape(primary.strip() if primary else
                  " ".join(line.strip() for line in str(error).splitlines()))
    if diag is not None and diag.sqlstate in _NO_STORE:
        text += (": is the store's SQL of this escodegen version applied to this database "
                 "(the generated postgres files), and is its schema the one given?")
    return text


_NO_STORE = frozenset({"3F000", "42P01", "42883"})
"""invalid_schema_name, undefined_table, undefined_function: what a command meets where the
store is missing, older than the command, or in another schema."""


def print_report(report: Report, fmt: str = "text") -> None:
    """Diagnostics to stderr as text, or to stdout as a JSON document."""
    if fmt == "json":
        payload = {
            "ok": not report.has_errors,
            "diagnostics": [d.as_json() for d in report],
        }
        click.echo(json_text(payload, indent=2))
        return
    for diagnostic in report:
        click.echo(diagnostic.render(), err=True)
    if report.has_errors:
        count = sum(1 for d in report.diagnostics if d.severity == "error")
        click.echo(f"{count} error{'s' if count != 1 else ''}", err=True)


def load_project_or_exit(ctx: click.Context, fmt: str = "text") -> Project:
    """The checked model, or exit 1 after printing every diagnostic."""
    from escodegen.check import compile_project

    location: ProjectLocation = ctx.find_object(ProjectLocation)  # type: ignore[assignment]
    project, report = compile_project(location.project_file)
    if project is None or report.has_errors:
        print_report(report, fmt)
        sys.exit(1)
    return project


def open_registry_or_exit(project: Project, warn: bool = True) -> Registry:
    """The project's registry, every file verified; exit 1 after printing every problem (ES8xx)
    when it is broken or was tampered with. Warnings (an old format) go to stderr unless
    `warn` is false (publish, which acts on them)."""
    from escodegen.sources.registry import RegistryError, open_registry

    try:
        registry = open_registry(project.registry, project.root)
    except RegistryError as error:
        print_report(error.report)
        sys.exit(1)
    for note in registry.notes if warn else ():
        click.echo(note.render(), err=True)
    return registry


@contextmanager
def file_errors(action: str, path: Path) -> Iterator[None]:
    """An input or output file the environment refuses (missing folder, a file where a folder
    is expected, no permission, a full disk) is the user's to fix: one line naming the path,
    exit 2. `action` says what was being done: "write the report to"."""
    try:
        yield
    except OSError as error:
        reason = error.strerror or str(error)
        culprit = f" ({error.filename})" if error.filename and Path(error.filename) != path else ""
        click.echo(escape(f"escodegen: cannot {action} {path}: {reason}{culprit}"), err=True)
        sys.exit(2)


def refuse_volatile_custom_sql(project: Project, dsn: str) -> None:
    """Exit 1 (ES316) when custom SQL calls a function of the user's that the database at
    `dsn` does not know as immutable; before anything runs there."""
    from escodegen.db.custom_sql import volatile_custom_functions

    report = volatile_custom_functions(dsn, project.events)
    if report.has_errors:
        print_report(report)
        sys.exit(1)


def project_schema(ctx: click.Context) -> str:
    """postgres.schema of the project when there is a valid one, else `es` (commands that
    take --dsn and may run outside a project)."""
    from escodegen.check import compile_project

    location = ctx.find_object(ProjectLocation)
    if location is None or not location.project_file.is_file():
        return "es"
    project, _ = compile_project(location.project_file)
    return project.postgres.schema if project and project.postgres else "es"
