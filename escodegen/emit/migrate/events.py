"""`migrate events`: the rewrite of stored events to their latest versions.

The plan (which event types, up to which version) is fixed when the file is generated; the
SQL finds the affected rows itself. The same SQL serves the file (`psql -f`) and the Python
runner (`escodegen migrate events --dsn`). With `postgres.distribution: citus` the rewrite is
the cluster's (templates/migrate/events_citus.sql.j2): every shard in place on its worker,
verified per shard, in one distributed transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from escodegen.diagnostics import Report
from escodegen.emit.migrate import FILE_HEADER, MIGRATION_ID, template
from escodegen.model import Project
from escodegen.model.pii import PII_SHOWN_AS, hidden_paths
from escodegen.model.sqlnames import EVENTS_COLUMNS, EVENTS_REWRITTEN_COLUMNS, upcast_function
from escodegen.sqltext import ident, jsonb, literal, text_array


@dataclass(frozen=True)
class Rewrite:
    """One event type: stored versions below `latest` are upcast to it."""

    event: str
    latest: int
    hidden: tuple[tuple[int, tuple[tuple[str, ...], ...]], ...] = ()
    """Per version with personal data, the paths the dry run's examples do not show."""


@dataclass(frozen=True)
class RewriteSql:
    name: str
    type: str
    latest: int
    upcaster: str
    records: tuple[tuple[int, str], ...]
    """Per declared older version, the metadata a first migration adds, as a jsonb literal."""
    shown_before: str
    """`e.data` as the dry run shows it: every value marked pii in its version hidden."""
    shown_after: str
    """The upcast `e.data` (an object) as the dry run shows it, its latest pii hidden."""


@dataclass(frozen=True)
class EventsMigration:
    """A planned rewrite and every SQL name it uses."""

    id: str
    schema: str
    project: str
    rewrites: tuple[Rewrite, ...]
    distributed: bool = False
    """On a Citus cluster (`postgres.distribution: citus`): every shard rewritten in place on
    its worker, in one distributed transaction (templates/migrate/events_citus.sql.j2)."""

    def function(self, step: str) -> str:
        return ident(self.schema, f"migrate_{self.id}_{step}")

    @property
    def standby_table(self) -> str:
        return f"events__{self.id}"

    @property
    def backup_prefix(self) -> str:
        """The backup's name without the date the database adds at the swap."""
        return f"events__before_{self.id}_"

    @property
    def citus_backup_table(self) -> str:
        """On a cluster: the old rows of the rewritten events, co-located with them."""
        return f"events__before_{self.id}"

    @property
    def guard_trigger(self) -> str:
        """The triggers on the live and standby tables that tell the swap whether the
        verification done ahead of it still holds."""
        return f"escodegen_guard_{self.id}"

    @property
    def lock_key(self) -> str:
        """The session advisory lock that lets one run of this migration go at a time."""
        return f"pg_catalog.hashtextextended({literal('escodegen migration ' + self.id)}, 0)"

    def definitions(self) -> str:
        """Creates (or replaces) the progress table, the fixed functions every rewrite shares
        (templates/migrate/runtime/exchange.sql) and the run's functions; moves no data."""
        schema = {"s": ident(self.schema), "s_name": literal(self.schema)}
        fixed = template("runtime/exchange.sql").render(**schema).strip()
        if self.distributed:
            return fixed + "\n\n" + self._citus_definitions()
        return fixed + "\n\n" + template("events.sql.j2").render(**self._names()).strip()

    def _names(self, *more_steps: str) -> dict[str, object]:
        """What the rewrite's templates are rendered with: every SQL name and the plan."""
        steps = ("start", "step", "catch_up", "indexes", "prepare", "verify_part", "verify",
                 "swap", "rollback", "run", *more_steps)
        return {
            "s": ident(self.schema),
            "s_name": literal(self.schema),
            "columns": [name for name, _ in EVENTS_COLUMNS],
            "kept": [name for name, _ in EVENTS_COLUMNS if name not in EVENTS_REWRITTEN_COLUMNS
                     and name != "global_position"],
            "s_events_lit": literal(ident(self.schema, "events")),
            "id": literal(self.id),
            "standby": ident(self.schema, self.standby_table),
            "standby_lit": literal(ident(self.schema, self.standby_table)),
            "standby_name": literal(self.standby_table),
            "backup_prefix": literal(self.backup_prefix),
            "guard": ident(self.guard_trigger),
            "guard_name": literal(self.guard_trigger),
            "index_suffix": literal("_" + hashlib.sha256(self.id.encode()).hexdigest()[:8]),
            "record": jsonb([{"migration": self.id}]),
            "plan": literal(json.dumps({"rewrites": {r.event: r.latest for r in self.rewrites}},
                                       sort_keys=True)),
            "fn": {step: self.function(step) for step in steps},
            "fn_lit": {step: literal(self.function(step)) for step in steps},
            "rewrites": self._rewrites_sql(),
        }

    def _citus_definitions(self) -> str:
        """The cluster's rewrite. It imports the single-node template's row expressions (that
        template is rendered with the same names to do so)."""
        return template("events_citus.sql.j2").render(
            **self._names("rewrite", "verify_shards", "record"),
            backup=ident(self.schema, self.citus_backup_table),
            backup_lit=literal(ident(self.schema, self.citus_backup_table)),
            backup_name=literal(self.citus_backup_table),
            rewritten_table=ident(self.schema, self.standby_table),
            rewritten_lit=literal(ident(self.schema, self.standby_table)),
        ).strip()

    def dry_run_shards_query(self) -> str:
        """On a cluster: per shard, its worker, its events, those to rewrite and those whose
        rewrite the latest declaration rejects."""
        return template("events_dry_run_shards.sql.j2").render(
            s=ident(self.schema), s_events_lit=literal(ident(self.schema, "events")),
            rewrites=self._rewrites_sql()).strip()

    def dry_run_query(self) -> str:
        return template("events_dry_run.sql.j2").render(
            s=ident(self.schema), rewrites=self._rewrites_sql()).strip()

    def dry_run_invalid_query(self) -> str:
        """The first events whose rewrite the latest declaration rejects, and their count."""
        return template("events_dry_run_invalid.sql.j2").render(
            s=ident(self.schema), rewrites=self._rewrites_sql()).strip()

    def file(self, batch_size: int = 10000, swap: bool = True, dry_run: bool = False) -> str:
        """The migration file: the definitions followed by the run (or only the dry run)."""
        return template("events_file.sql.j2").render(
            header=FILE_HEADER,
            project=self.project,
            id_name=self.id,
            id=literal(self.id),
            s=ident(self.schema),
            rewrites=self._rewrites_sql(),
            dry_run=dry_run,
            dry_run_query=self.dry_run_query() if dry_run else "",
            dry_run_invalid_query=self.dry_run_invalid_query() if dry_run else "",
            definitions="" if dry_run else self.definitions(),
            run=self.function("run"),
            citus=self.distributed,
            citus_swap=self.function("swap"),
            citus_rewrite=self.function("rewrite"),
            citus_verify_shards=self.function("verify_shards"),
            dry_run_shards_query=self.dry_run_shards_query() if dry_run and self.distributed
            else "",
            lock_key=self.lock_key,
            batch_size=batch_size,
            swap="true" if swap else "false",
        )

    def _rewrites_sql(self) -> list[RewriteSql]:
        rewrites = []
        for r in self.rewrites:
            upcaster = ident(self.schema, upcast_function(r.event))
            hidden = dict(r.hidden)
            before = "".join(f" when {version} then {_shown('e.data', paths)}"
                             for version, paths in r.hidden if version < r.latest)
            rewrites.append(RewriteSql(
                r.event, literal(r.event), r.latest, upcaster,
                tuple((version, jsonb(self._record(version, r.latest)))
                      for version in range(1, r.latest)),
                f"case e.event_version{before} else e.data end" if before else "e.data",
                _shown(f"{upcaster}(e.data, e.event_version)", hidden.get(r.latest, ()))))
        return rewrites

    def _record(self, from_version: int, to_version: int) -> dict[str, object]:
        return {"escodegen_migrations": [{"migration": self.id, "from_version": from_version,
                                          "to_version": to_version}]}


def plan_events(project: Project, names: tuple[str, ...], migration_id: str | None,
                report: Report) -> EventsMigration | None:
    """The rewrite of the named events (default: every event with more than one version)."""
    if project.postgres is None:
        report.error("ES701", "the project has no `postgres` target: there is no event table "
                     "to migrate", None)
        return None
    rewrites: list[Rewrite] = []
    for name in names or tuple(e.name for e in project.events if len(e.versions) > 1):
        event = project.event(name)
        if event is None:
            report.error("ES205", f"unknown event '{name}'", None)
        elif len(event.versions) == 1:
            report.error("ES702", f"event '{name}' has only one version: nothing to rewrite",
                         event.span)
        else:
            rewrites.append(Rewrite(event.name, event.latest.number, tuple(
                (v.number, paths) for v in event.versions if (paths := hidden_paths(v.fields)))))
    if not rewrites and not report.has_errors:
        report.error("ES702", "no event has more than one version: nothing to rewrite", None)
    if migration_id is not None and not MIGRATION_ID.fullmatch(migration_id):
        report.error("ES703", f"migration id '{migration_id}' is not a short lowercase "
                     "identifier ([a-z][a-z0-9_]{0,29})", None)
    if report.has_errors:
        return None
    plan = tuple(sorted(set(rewrites), key=lambda r: r.event))
    return EventsMigration(migration_id or default_id(plan), project.postgres.schema,
                           project.name, plan, project.postgres.distribution == "citus")


def _shown(payload: str, paths: tuple[tuple[str, ...], ...]) -> str:
    """SQL of `payload` (an expression, evaluated once per path: the dry run shows one row per
    type and version) with the value at each path replaced by PII_SHOWN_AS. A stored payload
    need not fit its declaration: where a path meets something other than an object, that
    value is hidden whole, and so is a payload that is no object (jsonb_set with
    create_missing false leaves a missing key missing)."""
    if not paths:
        return payload
    hidden = jsonb(PII_SHOWN_AS)
    shown = payload
    for path in paths:
        cut = " ".join(f"when jsonb_typeof({payload} #> {text_array(path[:depth])}) is distinct "
                       f"from 'object' then {text_array(path[:depth])}"
                       for depth in range(1, len(path)))
        target = f"(case {cut} else {text_array(path)} end)::text[]" if cut else text_array(path)
        shown = f"jsonb_set({shown}, {target}, {hidden}, false)"
    return f"(case when jsonb_typeof({payload}) = 'object' then {shown} else {hidden} end)"


def default_id(plan: tuple[Rewrite, ...]) -> str:
    """Derived from the plan, so the same declarations give the same file."""
    text = ",".join(f"{r.event}:{r.latest}" for r in plan)
    return "rewrite_" + hashlib.sha256(text.encode()).hexdigest()[:8]
