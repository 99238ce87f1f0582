"""`escodegen migrate`: migration SQL for the PostgreSQL event store.

`events` rewrites stored events to their latest versions (file, or run here with a progress
bar), `purge` removes one data subject's pii, `projections` moves projection tables to their
declared shape, `archive` moves whole streams to a file (leaving tombstones) and `restore` brings
them back. Reference: docs/commands/migrate.md, docs/runbook-migration.md.
"""

from __future__ import annotations

import datetime
import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from escodegen.commands.common import (
    DSN,
    TEXT,
    database_error,
    file_errors,
    load_project_or_exit,
    open_registry_or_exit,
    print_report,
    refuse_volatile_custom_sql,
    require_postgres_driver,
)
from escodegen.diagnostics import Diagnostic, Report
from escodegen.printable import escape

if TYPE_CHECKING:
    from escodegen.analyse.shapes import Contract
    from escodegen.emit.migrate.events import EventsMigration
    from escodegen.model import Project

DSN_HELP = "Run against this database (libpq URL or key=value string) instead of writing a file."


@click.group()
def migrate() -> None:
    """Migration SQL: rewrite stored events, purge a data subject, change projection tables."""


@migrate.command()
@click.option("--event", "events", type=TEXT, multiple=True, metavar="NAME",
              help="Rewrite this event type (repeatable). Default: every event with more than "
                   "one version.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the migration file here (default: standard output).")
@click.option("--id", "migration_id", type=TEXT, metavar="ID",
              help="The migration's id (names its tables and functions). Default: derived "
                   "from the plan.")
@click.option("--batch-size", default=10000, show_default=True, type=click.IntRange(1, 2**31 - 1),
              help="Events per batch (one transaction each).")
@click.option("--no-swap", is_flag=True,
              help="Copy, prepare and verify (reporting each check), but leave the swap "
                   "for later.")
@click.option("--dry-run", is_flag=True, help="Only report what would change.")
@click.option("--dsn", envvar="ESCODEGEN_DSN", type=DSN, metavar="URL", help=DSN_HELP)
@click.option("--rollback", is_flag=True,
              help="With --dsn: swap back to the backup kept by the swap.")
@click.pass_context
def events(ctx: click.Context, events: tuple[str, ...], out: Path | None,
           migration_id: str | None, batch_size: int, no_swap: bool, dry_run: bool,
           dsn: str | None, rollback: bool) -> None:
    """Rewrite stored events to their latest versions: new table, batched, resumable,
    verified, swapped."""
    from escodegen.emit.migrate.events import plan_events

    dsn = _run_against(ctx, out, dsn)
    if dsn is not None:
        require_postgres_driver("migrate events --dsn")

    project = load_project_or_exit(ctx)
    report = Report()
    migration = plan_events(project, events, migration_id, report)
    if migration is None:
        print_report(report)
        sys.exit(1)
    if rollback and dsn is None:
        raise click.UsageError("--rollback needs --dsn")
    if dsn is None:
        _write(out, migration.file(batch_size, swap=not no_swap, dry_run=dry_run))
        return
    from escodegen.db import runner

    waiting = _waiting_for(f"another run of migration {migration.id}")
    with _database_errors():
        refuse_volatile_custom_sql(project, dsn)
        if dry_run:
            _print_dry_run(runner.dry_run(dsn, migration))
            if migration.distributed:
                _print_dry_run_shards(runner.dry_run_shards(dsn, migration))
            if not _print_invalid(runner.dry_run_invalid(dsn, migration)):
                sys.exit(1)
        elif rollback and migration.distributed:
            kept = runner.rollback(dsn, migration, waiting)
            click.echo(f"rolled back: every event the migration rewrote is at its old version "
                       f"again (the old rows stay in {kept})")
        elif rollback:
            kept = runner.rollback(dsn, migration, waiting)
            click.echo(f"rolled back: the rewritten table is kept as {kept}")
        elif migration.distributed:
            _run_on_cluster(dsn, migration, not no_swap, waiting)
        else:
            outcome = runner.run(dsn, migration, batch_size, swap=not no_swap,
                                 progress=_progress_bar, waiting=waiting)
            click.echo(f"migration {migration.id}: {outcome.copied} events copied by this run")
            if outcome.backup_table is None:
                checks = runner.verify(dsn, migration)
                for name, ok, detail in checks:
                    click.echo(f"  {'ok  ' if ok else 'DIFF'} {name}"
                               + (f": {escape(detail)}" if detail else ""))
                click.echo(f"not swapped; swap with `escodegen migrate events --dsn ...` "
                           f"again or `select {migration.function('swap')}()`")
                if not all(ok for _, ok, _ in checks):
                    sys.exit(1)
            else:
                click.echo(f"verified and swapped; the old table is kept as "
                           f"{migration.schema}.{outcome.backup_table}")


def _run_on_cluster(dsn: str, migration: EventsMigration, swap: bool,
                    waiting: Callable[[list[int]], None]) -> None:
    """`postgres.distribution: citus`: every shard rewritten and verified on its worker, in
    one distributed transaction (kept, or with --no-swap rolled back); each shard's checks."""
    from escodegen.db import runner

    outcome, checks = runner.run_on_cluster(dsn, migration, swap, waiting)
    click.echo(f"migration {migration.id}: {outcome.copied} events rewritten on "
               f"{len({c.shard_id for c in checks})} shards")
    for check in checks:
        click.echo(f"  {'ok  ' if check.ok else 'DIFF'} shard {check.shard_id} ({check.node}): "
                   f"{check.name}" + (f": {escape(check.detail)}" if check.detail else ""))
    if outcome.backup_table is None:
        click.echo("not swapped: the rewrite was verified and rolled back; run again without "
                   "--no-swap to keep it")
        if not all(check.ok for check in checks):
            sys.exit(1)
    else:
        click.echo(f"verified and swapped on every shard; the old rows are kept in "
                   f"{migration.schema}.{outcome.backup_table}")


def _print_dry_run_shards(rows: list[dict[str, Any]]) -> None:
    click.echo("per shard (Citus):")
    for row in rows:
        click.echo(f"  shard {row['shard_id']} ({row['node']}): {row['to_rewrite']} of "
                   f"{row['events']} events would be rewritten"
                   + (f", {row['invalid']} would not fit" if row["invalid"] else ""))


@contextmanager
def _progress_bar(total: int) -> Iterator[Callable[[int], None]]:
    with click.progressbar(length=total, label="copying events", show_pos=True,
                           file=sys.stderr) as bar:
        yield bar.update


def _print_dry_run(rows: list[dict[str, Any]]) -> None:
    if not rows:
        click.echo("nothing to rewrite: every stored event of the chosen types is at its "
                   "latest version")
        return
    total = 0
    for row in rows:
        total += int(row["events"])
        click.echo(f"{escape(row['event_type'])} v{row['from_version']} -> v{row['to_version']}: "
                   f"{row['events']} events")
        click.echo(f"  e.g. before: {json.dumps(row['first_before'], sort_keys=True)}")
        click.echo(f"       after:  {json.dumps(row['first_after'], sort_keys=True)}")
    click.echo(f"{total} events would be rewritten (dry run: nothing changed)")


def _print_invalid(rows: list[dict[str, Any]]) -> bool:
    """The events whose rewrite would not fit the latest declaration; whether there is none."""
    if not rows:
        return True
    invalid = rows[0]["invalid"]
    click.echo(f"{invalid} event would not fit its latest version after the rewrite (the swap "
               "would be refused):" if invalid == 1 else
               f"{invalid} events would not fit their latest version after the rewrite (the "
               "swap would be refused):")
    for row in rows:
        click.echo(f"  position {row['global_position']} in stream "
                   f"{escape(row['stream_id'])} ({escape(row['event_type'])} "
                   f"v{row['event_version']} -> v{row['to_version']}): {escape(row['problem'])}")
    click.echo("Repair or purge these events at their stored version (`escodegen verify-store` "
               "lists stored events that do not fit their own version), or fix the upcast, "
               "then run the migration.")
    return False


def _run_against(ctx: click.Context, out: Path | None, dsn: str | None) -> str | None:
    """The database to run against now, or None to write the file. `--out` asks for a file to
    review and apply later: a DSN from ESCODEGEN_DSN is then left unused (a purge or a rewrite
    must not run when a file was asked for), and `--dsn` beside it is refused."""
    if out is None or dsn is None:
        return dsn
    if ctx.get_parameter_source("dsn") is ParameterSource.ENVIRONMENT:
        return None
    raise click.UsageError("--out writes the file to apply later and --dsn runs it now: "
                           "pass one of them")


def _write(out: Path | None, text: str) -> None:
    if out is None:
        click.echo(text, nl=False)
        return
    with file_errors("write", out):
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    click.echo(f"wrote {escape(str(out))}")


def _waiting_for(run: str) -> Callable[[list[int]], None]:
    """What a run behind another prints before it waits for its turn."""
    def tell(pids: list[int]) -> None:
        sessions = ", ".join(str(pid) for pid in pids)
        click.echo(f"waiting for {run} to end first (session pid {sessions}; if it is "
                   "stuck, pg_cancel_backend(pid) stops it)", err=True)
    return tell


_REFUSALS = {"ESNOM": "ES708", "ESLCK": "ES714"}
"""The SQLSTATEs the migration SQL raises for a refusal the user can act on, and their codes."""


@contextmanager
def _database_errors() -> Iterator[None]:
    """A database's refusal (verification failed, lock timeout, no connection) in one line."""
    import psycopg

    try:
        yield
    except psycopg.Error as error:
        if error.sqlstate in _REFUSALS:
            message = "; ".join(filter(None, (error.diag.message_primary or str(error),
                                              error.diag.message_detail)))
            click.echo(Diagnostic(_REFUSALS[error.sqlstate], message.strip()).render(), err=True)
            sys.exit(1)
        click.echo(f"escodegen: database error: {database_error(error)}", err=True)
        sys.exit(1)


@migrate.command()
@click.option("--subject", type=TEXT, required=True, metavar="ID",
              help="The data subject's id, as stored in the field each event's `subject` names.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the purge file here (default: standard output).")
@click.option("--dsn", envvar="ESCODEGEN_DSN", type=DSN, metavar="URL", help=DSN_HELP)
@click.option("--allow-no-match", is_flag=True,
              help="Purge (and record the audit row) even when no stored event has the subject.")
@click.option("--dry-run", is_flag=True,
              help="With --dsn: count what would be purged, then roll back (no value is shown).")
@click.option("--lock-timeout", type=TEXT, metavar="DURATION",
              help="Give up (ES714, nothing purged) when another session holds a table the "
                   "purge writes for longer than this, e.g. 30s, 2m; 0s waits without a limit. "
                   "Default: 10s.")
@click.pass_context
def purge(ctx: click.Context, subject: str, out: Path | None, dsn: str | None,
          allow_no_match: bool, dry_run: bool, lock_timeout: str | None) -> None:
    """Purge every `pii` field of one data subject: events of every version, tables a rewrite
    kept, snapshots and projection rows; with an audit row that holds no purged value."""
    from escodegen.emit.migrate.purge import LOCK_TIMEOUT, plan_purge, subject_id

    dsn = _run_against(ctx, out, dsn)
    if dsn is not None:
        require_postgres_driver("migrate purge --dsn")
    if dry_run and dsn is None:
        raise click.UsageError("--dry-run needs --dsn")
    if not subject.strip():
        raise click.BadParameter("the subject id is empty", param_hint="--subject")
    lock_timeout = LOCK_TIMEOUT if lock_timeout is None else _lock_timeout(lock_timeout)

    project = load_project_or_exit(ctx)
    report = Report()
    plan = plan_purge(project, report)
    stored_id = subject_id(project, subject, report) if plan is not None else None
    print_report(report)
    if plan is None or stored_id is None:
        sys.exit(1)
    if dsn is None:
        _write(out, plan.file(stored_id, allow_no_match, lock_timeout))
        return
    from escodegen.db import runner

    with _database_errors():
        refuse_volatile_custom_sql(project, dsn)
        purge_id, counts = runner.purge(dsn, plan, stored_id, allow_no_match, dry_run,
                                         lock_timeout, _waiting_for("another purge of this store"))
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    if dry_run:
        click.echo(f"dry run (rolled back, nothing purged): would rewrite {summary}")
        click.echo("fields it purges: " + escape("; ".join(plan.fields)))
        return
    click.echo(f"purge {purge_id}: {summary}")
    click.echo("now VACUUM the tables (see docs/runbook-migration.md) so the old row versions "
               "leave the table files too")


@migrate.command()
@click.option("--against", metavar="REF|FOLDER",
              help="The published shapes: the declarations at a git ref or in a folder. "
                   "Default: the registry.")
@click.option("--out", "folder", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="The migration tool's folder: files are numbered after its highest V<n>__.")
@click.option("--start", type=click.IntRange(1), help="Number the first file with this.")
@click.option("--rebuild", is_flag=True,
              help="Rebuild every changed projection, also when columns were only added or "
                   "dropped (so added columns get their true values).")
@click.pass_context
def projections(ctx: click.Context, against: str | None, folder: Path, start: int | None,
                rebuild: bool) -> None:
    """Write the DDL moving projection tables from their published shape to the declared one."""
    from escodegen.emit.migrate.projections import plan_projections, render_files

    project = load_project_or_exit(ctx)
    if project.postgres is None:
        report = Report()
        report.error("ES701", "the project has no `postgres` target: there are no projection "
                     "tables", None)
        print_report(report)
        sys.exit(1)
    published = _published(project, against)
    if not published.projections and project.projections:
        report = Report()
        report.warning("ES705", f"{published.label} records no projection: there is no "
                       "published shape to migrate from", None)
        print_report(report)
    changes = plan_projections(project, published, rebuild)
    with file_errors("read the migrations in", folder):  # numbered after its highest V<n>__
        files = render_files(project, changes, folder, start)
    if not files:
        click.echo("every published projection table has its declared shape: nothing to write")
        return
    with file_errors("write migrations to", folder):
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
            click.echo(f"wrote {escape(str(folder / name))}")


def _published(project: Project, against: str | None) -> Contract:
    """The published side: the registry, or the declarations at a git ref or in a folder."""
    import tempfile

    from escodegen.analyse.shapes import contract_of, registry_contract
    from escodegen.check import compile_project
    from escodegen.sources.baseline import BaselineError, open_baseline

    if against is None:
        return registry_contract(open_registry_or_exit(project))
    with tempfile.TemporaryDirectory(prefix="escodegen-base-") as scratch:
        try:
            baseline = open_baseline(project.project_file, against, Path(scratch))
        except BaselineError as error:
            raise click.ClickException(str(error)) from error
        base, report = compile_project(baseline.project_file)
    if base is None or report.has_errors:
        print_report(report)
        raise click.ClickException(f"the declarations at {against} are invalid")
    return contract_of(base, against)


DURATION = re.compile(r"(?:(\d{1,9})([smhdw]))+")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def _duration(text: str, option: str) -> datetime.timedelta:
    """`90d`, `12h`, `1w2d`: units s, m, h, d, w."""
    if not DURATION.fullmatch(text):
        raise click.BadParameter(f"{json.dumps(text)} is not a duration such as 90d, 12h or 1w2d "
                                 "(units s, m, h, d, w)", param_hint=option)
    seconds = sum(int(n) * _UNIT_SECONDS[unit] for n, unit in re.findall(r"(\d+)([smhdw])", text))
    try:
        return datetime.timedelta(seconds=seconds)
    except OverflowError:
        raise click.BadParameter(f"{text} is too long", param_hint=option) from None


LOCK_TIMEOUT_MAX = datetime.timedelta(days=24)
"""PostgreSQL's lock_timeout holds at most 2^31 - 1 milliseconds (24.8 days)."""


def _lock_timeout(text: str) -> str:
    """`--lock-timeout` as PostgreSQL's `lock_timeout` setting (its minutes are `min`, not
    `m`): whole seconds, `0s` for no limit."""
    timeout = _duration(text, "--lock-timeout")
    if timeout > LOCK_TIMEOUT_MAX:
        raise click.BadParameter(f"{text} is longer than PostgreSQL waits for a lock (24d at "
                                 "most; 0s waits without a limit)", param_hint="--lock-timeout")
    return f"{int(timeout.total_seconds())}s"


STREAMS_FILE_MAX_BYTES = 64 * 2**20
"""A million stream ids of 60 characters, with room to spare."""


def _stream_list(streams: tuple[str, ...], streams_file: Path | None) -> tuple[str, ...] | None:
    chosen = list(streams)
    if streams_file is not None:
        with file_errors("read", streams_file), streams_file.open("rb") as listing:
            raw = listing.read(STREAMS_FILE_MAX_BYTES + 1)  # /dev/zero would never end
        if len(raw) > STREAMS_FILE_MAX_BYTES:
            raise click.BadParameter(f"{streams_file} is larger than "
                                     f"{STREAMS_FILE_MAX_BYTES // 2**20} MiB",
                                     param_hint="--streams-file")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise click.BadParameter(f"{streams_file} is not UTF-8 text",
                                     param_hint="--streams-file") from None
        if "\x00" in text:
            raise click.BadParameter(f"{streams_file} is binary (it holds NUL bytes)",
                                     param_hint="--streams-file")
        chosen += [line.strip() for line in text.splitlines() if line.strip()]
        if not chosen:
            raise click.BadParameter(f"{streams_file} names no stream",
                                     param_hint="--streams-file")
    return tuple(dict.fromkeys(chosen)) if chosen else None


def _archive_sql(ctx: click.Context) -> Any:
    from escodegen.emit.migrate.archive import ArchiveSql

    project = load_project_or_exit(ctx)
    if project.postgres is None:
        report = Report()
        report.error("ES701", "the project has no `postgres` target: there is no event store "
                     "to archive", None)
        print_report(report)
        sys.exit(1)
    return ArchiveSql(project.postgres.schema)


@contextmanager
def _archive_errors(path: Path | None) -> Iterator[None]:
    """An archive's refusal (ES709-ES712) as a diagnostic: exit 2 for a path refused, else 1."""
    from escodegen.db.archive_file import ArchiveError

    try:
        with _database_errors(), file_errors("write or read the archive", path or Path(".")):
            yield
    except ArchiveError as error:
        click.echo(Diagnostic(error.code, error.message).render(), err=True)
        sys.exit(2 if error.code == "ES709" else 1)


@migrate.command()
@click.option("--dsn", envvar="ESCODEGEN_DSN", type=DSN, required=True, metavar="URL",
              help="The database whose streams are archived (or $ESCODEGEN_DSN).")
@click.option("--category", type=TEXT, metavar="C",
              help="Streams whose id starts with `C-` (with --older-than).")
@click.option("--older-than", type=TEXT, metavar="DURATION",
              help="With --category: streams whose last event is older than this "
                   "(90d, 12h, 1w2d; units s, m, h, d, w).")
@click.option("--stream", "streams", type=TEXT, multiple=True, metavar="ID",
              help="Archive this stream (repeatable).")
@click.option("--streams-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Archive the streams this file names, one id per line.")
@click.option("--out", type=click.Path(path_type=Path),
              help="The archive file, ending in .jsonl.gz; its manifest is written beside it "
                   "as <file>.manifest.json.")
@click.option("--dry-run", is_flag=True, help="Only list the streams that would move.")
@click.pass_context
def archive(ctx: click.Context, dsn: str, category: str | None, older_than: str | None,
            streams: tuple[str, ...], streams_file: Path | None, out: Path | None,
            dry_run: bool) -> None:
    """Move whole streams to a compressed JSON Lines file with a manifest, verify it, then
    remove them from the store, leaving a tombstone per stream."""
    require_postgres_driver("migrate archive")
    from escodegen.db import archive as archiving

    listed = _stream_list(streams, streams_file)
    if listed is not None and (category is not None or older_than is not None):
        raise click.UsageError("choose streams either by --category and --older-than or by "
                               "--stream/--streams-file, not both")
    if listed is None and (category is None or older_than is None):
        raise click.UsageError("choose streams by --category C --older-than DURATION, or by "
                               "--stream ID / --streams-file FILE")
    if category is not None and not category.strip("-").strip():
        raise click.BadParameter("the category is empty", param_hint="--category")
    if out is None and not dry_run:
        raise click.UsageError("--out FILE.jsonl.gz is needed (or --dry-run)")
    older = None if older_than is None else _duration(older_than, "--older-than")
    criteria = archiving.Criteria(category, older, listed)
    sql = _archive_sql(ctx)
    with _archive_errors(out):
        if dry_run:
            chosen = archiving.candidates(dsn, sql, criteria)
            for c in chosen:
                click.echo(f"{json.dumps(c.stream_id)}: {c.events} events up to version "
                           f"{c.last_version}, last at {c.last_recorded_at.isoformat()}")
            click.echo(f"{len(chosen)} streams, {sum(c.events for c in chosen)} events would be "
                       "archived (dry run: nothing changed)")
            return
        assert out is not None
        outcome = archiving.archive(dsn, sql, criteria, out)
    if listed is not None:
        archived = set(outcome.manifest["streams"]) if outcome.manifest else set()
        missing = [stream for stream in listed if stream not in archived]
        if missing:
            click.echo(f"note: {len(missing)} named stream(s) have no events and were not "
                       f"archived, first {json.dumps(missing[0])}", err=True)
    if outcome.state == "nothing to archive":
        click.echo("nothing to archive: no stream matches")
        return
    click.echo(f"{outcome.state}: {outcome.streams} streams, {outcome.events} events in "
               f"{escape(str(out))} "
               f"(manifest {escape(out.name)}.manifest.json)")


@migrate.command()
@click.option("--dsn", envvar="ESCODEGEN_DSN", type=DSN, required=True, metavar="URL",
              help="The database the streams were archived from (or $ESCODEGEN_DSN).")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def restore(ctx: click.Context, dsn: str, file: Path) -> None:
    """Verify an archive against its manifest and bring its streams back, identical (same
    ids, positions, payloads and metadata), removing their tombstones."""
    require_postgres_driver("migrate restore")
    from escodegen.db import archive as archiving

    if not file.name:
        raise click.BadParameter(f"{str(file)!r} names no file", param_hint="FILE")

    sql = _archive_sql(ctx)
    with _archive_errors(file):
        outcome = archiving.restore(dsn, sql, file)
    click.echo(f"{outcome.state}: {outcome.streams} streams, {outcome.events} events from "
               f"{escape(str(file))}")
