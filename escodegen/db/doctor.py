"""`escodegen doctor`: the production checklist of an event-sourced system, run against the
declarations and, given a DSN, the live database.

Each item is a small function bound to a stable id in `CHECKS` (like the diff rules: data and
function together); docs/commands/doctor.md says for each what it checks, why and how to fix it.
A database item is skipped without a connection; an item that needs the project is skipped when
the declarations do not compile.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from escodegen.diagnostics import Report
from escodegen.model import Project
from escodegen.model.pii import field_holds_pii
from escodegen.model.sqlnames import upcast_step_function
from escodegen.printable import escape
from escodegen.report.doctor import Item, Status
from escodegen.sqltext import ident

if TYPE_CHECKING:
    import psycopg

    from escodegen.upcast.verify import MismatchError

APPLICATION_NAME = "escodegen-doctor"
RECENT_EVENTS = 1000
"""How many of the latest events the correlation item looks at."""
MIN_TRACED_SHARE = 0.95
"""Below this share of recent events with correlation and causation ids, the item warns."""
MONITORING_FUNCTIONS = ("projection_status", "store_stats")
DEFAULT_MAX_LAG = 60.0
VERIFY_SAMPLE = 50
"""Stored payloads per (type, older version) the upcast-verification item runs through both
upcasters: a bounded sample, so the item stays fast on a large store."""


@dataclass
class Context:
    project: Project | None
    report: Report
    """The diagnostics of compiling the declarations."""
    conn: psycopg.Connection[Any] | None = None
    dsn: str | None = None
    """For the items that open a session of their own (upcast-verification)."""
    schema: str = "es"
    max_lag: float = DEFAULT_MAX_LAG


Outcome = tuple[Status, str]


@dataclass(frozen=True)
class Check:
    id: str
    run: Callable[[Context], Outcome]
    needs_project: bool = True
    needs_database: bool = False


def run_checks(ctx: Context) -> list[Item]:
    items = []
    for check in CHECKS:
        if check.needs_project and ctx.project is None:
            items.append(Item(check.id, "skip", "the declarations do not compile"))
        elif check.needs_database and ctx.conn is None:
            items.append(Item(check.id, "skip", "needs --dsn"))
        else:
            items.append(Item(check.id, *check.run(ctx)))
    return items


def doctor(project_file: Path, dsn: str | None, max_lag: float = DEFAULT_MAX_LAG) -> list[Item]:
    """Compile the project and run every item; raises psycopg.Error when the database cannot
    be reached. psycopg, an optional dependency, is imported only with a DSN."""
    from escodegen.check import compile_project
    from escodegen.check.lints import lint_project

    project, report = compile_project(project_file)
    if project is None or report.has_errors:
        project = None
    else:
        lint_project(project, report)
    schema = project.postgres.schema if project and project.postgres else "es"
    ctx = Context(project, report, schema=schema, max_lag=max_lag)
    if dsn is None:
        return run_checks(ctx)
    from escodegen.db.session import connect

    with connect(dsn, APPLICATION_NAME) as conn:
        ctx.conn = conn
        ctx.dsn = dsn
        return run_checks(ctx)


def _project(ctx: Context) -> Project:
    assert ctx.project is not None
    return ctx.project


def _rows(ctx: Context, query: str, *params: Any) -> list[tuple[Any, ...]]:
    assert ctx.conn is not None
    return ctx.conn.execute(query, params).fetchall()


def declarations(ctx: Context) -> Outcome:
    errors = [d for d in ctx.report if d.severity == "error"]
    if errors:
        return "fail", f"{len(errors)} error(s), first: {errors[0].code} {errors[0].message}"
    warnings = [d for d in ctx.report if d.severity == "warning"]
    if warnings:
        codes = ", ".join(sorted({d.code for d in warnings}))
        return "warn", f"valid, {len(warnings)} warning(s) ({codes}): see `escodegen validate`"
    return "pass", "valid, no design lint"


def registry(ctx: Context) -> Outcome:
    from escodegen.analyse.compare import compare
    from escodegen.analyse.findings import apply_ignores
    from escodegen.analyse.shapes import registry_contract
    from escodegen.sources.registry import RegistryError, open_registry

    project = _project(ctx)
    try:
        found = open_registry(project.registry, project.root)
    except RegistryError as error:
        first = next(iter(error.report))
        return "fail", f"the registry is broken or was tampered with: {first.code} {first.message}"
    if found.head is None:
        return "fail", "no registry yet: run `escodegen publish`"
    findings = [f for f in apply_ignores(compare(registry_contract(found), project),
                                         project.ignores) if f.ignored_by is None]
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        rules = ", ".join(sorted({f.rule for f in errors}))
        return "fail", (f"{len(errors)} breaking change(s) against the registry ({rules}): "
                        "see `escodegen check`")
    if findings:
        return "warn", (f"verified; {len(findings)} change(s) not published yet: "
                        "run `escodegen publish`")
    return "pass", "verified, and the declarations match it"


def upcast_paths(ctx: Context) -> Outcome:
    project = _project(ctx)
    events = {e.name: e for e in project.events}
    functions = _functions(ctx)
    stored = _stored_versions(ctx)
    problems = []
    for name, version in stored:
        event = events.get(name)
        if event is None:
            problems.append(f"{name} v{version} is not declared")
        elif not 1 <= version <= len(event.versions):
            problems.append(f"{name} v{version} is not a declared version")
        else:
            missing = [upcast_step_function(name, n.number) for n in event.versions[version:]
                       if upcast_step_function(name, n.number) not in functions]
            if missing:
                problems.append(f"{name} v{version}: upcaster {missing[0]} is not in the database")
    if problems:
        return "fail", f"{len(problems)} stored version(s) without an upcast path: " \
                       + "; ".join(problems[:3])
    return "pass", f"{len(stored)} stored (type, version) pair(s), each with an upcast path"


def upcast_verification(ctx: Context) -> Outcome:
    """A sample of the stored payloads of each older (type, version) through both generated
    upcasters (what `verify-upcasters` does with random payloads): they must agree and
    neither may fail. Versions without a path are upcast-paths' to report."""
    from escodegen.db.custom_sql import volatile_custom_functions
    from escodegen.db.upcasters import Upcasters
    from escodegen.upcast.verify import MismatchError, from_json

    project = _project(ctx)
    assert ctx.dsn is not None
    events = {e.name: e for e in project.events}
    stored = [(events[name], version) for name, version in _stored_versions(ctx)
              if name in events and 1 <= version < events[name].latest.number]
    if not stored:
        return "pass", "no stored event is below its latest version: nothing to upcast"
    volatile = volatile_custom_functions(ctx.dsn, project.events)
    if volatile.has_errors:
        first = next(iter(volatile))
        return "fail", f"cannot load the upcasters: {first.code} {first.message}"
    failures = []
    sampled = 0
    root = str(project.root)
    sys.path.insert(0, root)  # custom operations import the project's own modules
    try:
        with Upcasters.open(project.events, ctx.dsn) as upcasters:
            for event, version in stored:
                payloads = [from_json(text) for (text,) in _rows(
                    ctx, f"select data::text from {_table(ctx, 'events')} "
                         "where event_type = %s and event_version = %s limit %s",
                    event.name, version, VERIFY_SAMPLE)]
                sampled += len(payloads)
                try:
                    upcasters.compare(event, version, payloads)
                except MismatchError as error:
                    failures.append(_mismatch(error))
    except ImportError as error:
        return "fail", f"a custom operation's module cannot be imported: {error}"
    finally:
        sys.path.remove(root)
    sample = f"a sample of up to {VERIFY_SAMPLE} stored payloads per version, {sampled} in all"
    if failures:
        return "fail", (f"{len(failures)} of {len(stored)} stored older version(s) fail "
                        f"({sample}): " + "; ".join(failures[:3]))
    return "pass", (f"{len(stored)} stored older version(s) upcast alike in Python and SQL "
                    f"({sample})")


def _mismatch(error: MismatchError) -> str:
    found = error.mismatch
    worse = found.python if found.python.startswith("ERROR:") else found.sql
    what = worse if worse.startswith("ERROR:") else "Python and SQL disagree"
    return f"{found.event} v{found.version}: {_short(what)} on {_short(found.payload)}"


def _short(text: str, limit: int = 80) -> str:
    """One line of a stored payload or error, its control characters escaped."""
    shown = escape(" ".join(text.split()))
    return shown if len(shown) <= limit else shown[:limit - 3] + "..."


def _stored_versions(ctx: Context) -> list[tuple[Any, ...]]:
    return _rows(ctx, "select distinct event_type, event_version from "
                 + _table(ctx, "events") + " order by 1, 2")


def snapshots(ctx: Context) -> Outcome:
    project = _project(ctx)
    taken = [a for a in project.aggregates if a.snapshot.kind != "none"]
    every = [a.name for a in taken if a.snapshot.kind == "every" and (a.snapshot.events or 0) < 2]
    if every:
        return "warn", (f"{', '.join(every)} snapshot(s) at every event (ES504): raise "
                        "`snapshot: {every: N}`")
    return "pass", (f"{len(taken)} aggregate(s) with snapshots, each with a state version; "
                    "the store keeps the latest snapshot per stream and a load ignores one of "
                    "another state version")


def projections(ctx: Context) -> Outcome:
    count = len(_project(ctx).projections)
    return "pass", (f"{count} projection(s), idempotent by construction: each batch applies "
                    "its rows and moves the checkpoint in one transaction, rows are keyed; "
                    "a failing handler stops catch-up at that event (no on-error policy is "
                    "declared)")


def tracing(ctx: Context) -> Outcome:
    recent = f"(select correlation_id, causation_id from {_table(ctx, 'events')} " \
             "order by global_position desc limit %s) e"
    (total, traced), = _rows(ctx, "select count(*), count(*) filter (where correlation_id is "
                             "not null and causation_id is not null) from " + recent,
                             RECENT_EVENTS)
    if total == 0:
        return "pass", "no events stored yet"
    share = traced / total
    text = f"{traced} of the last {total} events ({share:.0%}) have correlation and causation ids"
    if share < MIN_TRACED_SHARE:
        return "warn", f"{text}, below {MIN_TRACED_SHARE:.0%}: pass them to append_to_stream"
    return "pass", text


def monitoring(ctx: Context) -> Outcome:
    missing = [name for name in MONITORING_FUNCTIONS if name not in _functions(ctx)]
    if missing:
        return "fail", (f"{', '.join(missing)} missing in schema {ctx.schema}: "
                        "apply 002_monitoring.sql")
    return "pass", f"{' and '.join(MONITORING_FUNCTIONS)} present in schema {ctx.schema}"


def pii_subjects(ctx: Context) -> Outcome:
    with_pii = [e for e in _project(ctx).events
                if any(field_holds_pii(f) for v in e.versions for f in v.fields)]
    missing = [e.name for e in with_pii if e.subject is None]
    if missing:
        return "fail", (f"{', '.join(missing)} carry pii fields but declare no `subject:` "
                        "(a purge could not find them)")
    return "pass", f"{len(with_pii)} event(s) with pii fields, each with a subject"


def lag(ctx: Context) -> Outcome:
    if "projection_status" not in _functions(ctx):
        return "skip", "projection_status is missing (see monitoring-views)"
    status = _rows(ctx, "select name, seconds_behind from "
                   + _table(ctx, "projection_status") + "() order by name")
    behind = [(name, seconds) for name, seconds in status if seconds > ctx.max_lag]
    if behind:
        worst = max(behind, key=lambda row: row[1])
        return "fail", (f"{len(behind)} checkpoint(s) over {ctx.max_lag:g} s behind, "
                        f"{worst[0]} by {worst[1]:.1f} s")
    return "pass", f"{len(status)} checkpoint(s), each under {ctx.max_lag:g} s behind"


def _table(ctx: Context, name: str) -> str:
    return ident(ctx.schema, name)


def _functions(ctx: Context) -> set[str]:
    return {name for (name,) in _rows(
        ctx, "select p.proname from pg_catalog.pg_proc p join pg_catalog.pg_namespace n "
             "on n.oid = p.pronamespace where n.nspname = %s", ctx.schema)}


CHECKS = (
    Check("declarations", declarations, needs_project=False),
    Check("registry", registry),
    Check("upcast-paths", upcast_paths, needs_database=True),
    Check("upcast-verification", upcast_verification, needs_database=True),
    Check("snapshots", snapshots),
    Check("projections", projections),
    Check("pii-subjects", pii_subjects),
    Check("correlation-ids", tracing, needs_project=False, needs_database=True),
    Check("monitoring-views", monitoring, needs_project=False, needs_database=True),
    Check("projection-lag", lag, needs_project=False, needs_database=True),
)
