"""`migrate projections`: the DDL that moves each projection table from its published shape
(the registry, or the declarations at a git ref or in a folder) to the declared one.

Per projection, one file named for a migration tool (`V0003__escodegen_order_summary.sql`):
- a column added: `add column` (null when optional; with a constant default when required,
  which PostgreSQL 11+ stores without rewriting the table); existing rows hold that value
  until the projection is rebuilt;
- a column dropped, or made optional: `drop column`, `drop not null` (no rewrite, no scan);
- the key changed, a column's type changed, or a column made required: a blue-green rebuild
  (the values cannot be derived from the old rows; they are replayed from the events).
Every file sets a lock timeout, so a statement waiting behind a long reader gives up instead
of queueing every other session behind it; then it re-applies the projection's generated
SQL (idempotent), so table and handlers change together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from escodegen.analyse.shapes import Contract, flatten, projection_schema
from escodegen.emit.migrate import FILE_HEADER, template
from escodegen.emit.postgres import citus_projection
from escodegen.emit.postgres import render as render_postgres
from escodegen.model import Project, Projection
from escodegen.model.shape import Shape
from escodegen.model.sqlnames import ProjectionNames, column_name
from escodegen.model.types import TYPES
from escodegen.sqltext import ident, literal, typed

LOCK_TIMEOUT = "5s"
REBUILD_BATCH = 10000
VERSIONED = re.compile(r"^V(\d+)__")

@dataclass(frozen=True)
class ProjectionChange:
    projection: str
    rebuild_reasons: tuple[str, ...]
    alters: tuple[str, ...]
    """`alter table` clauses, when no rebuild is needed."""
    notes: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.rebuild_reasons or self.alters)


def shape_of(schema: dict[str, Any]) -> tuple[tuple[str, ...], dict[str, Shape]]:
    """A projection's key and columns from its canonical JSON Schema (published or declared)."""
    columns = {path: shape for path, shape in flatten(schema).items()
               if "." not in path and "[" not in path}  # inside one: a jsonb column's value
    return tuple(schema.get("x-key", ())), columns


def _sql_type(column: Shape) -> str:
    return TYPES[column.base].sql_type


def compare_projection(published: dict[str, Any], projection: Projection,
                       rebuild: bool = False) -> ProjectionChange:
    old_key, old = shape_of(published)
    new_key, new = shape_of(projection_schema(projection))
    reasons: list[str] = []
    alters: list[str] = []
    notes: list[str] = []
    if old_key != new_key:
        reasons.append(f"key {list(old_key)} -> {list(new_key)}")
    for name, column in new.items():
        before = old.get(name)
        column_sql, sql_type = ident(column_name(name)), _sql_type(column)
        if before is None:
            if column.required:
                zero = typed(TYPES[column.base].column_default, sql_type)
                alters.append(f"add column if not exists {column_sql} "
                              f"{sql_type} not null default {zero}")
                notes.append(f"{name}: added; rows written before hold {zero} until a rebuild")
            else:
                alters.append(f"add column if not exists {column_sql} {sql_type}")
                notes.append(f"{name}: added; rows written before hold null until a rebuild")
        elif _sql_type(before) != sql_type:
            reasons.append(f"{name}: type {_sql_type(before)} -> {sql_type}")
        elif column.required and not before.required and name not in new_key:
            reasons.append(f"{name}: now required")
        elif before.required and not column.required:
            alters.append(f"alter column {column_sql} drop not null")
            notes.append(f"{name}: now optional")
    for name in old:
        if name not in new:
            alters.append(f"drop column if exists {ident(column_name(name))}")
            notes.append(f"{name}: dropped")
    if rebuild and alters and not reasons:
        reasons.append("rebuild asked for (" + "; ".join(notes) + ")")
    if reasons:
        return ProjectionChange(projection.name, tuple(reasons), (), tuple(reasons))
    return ProjectionChange(projection.name, (), tuple(alters), tuple(notes))


def plan_projections(project: Project, base: Contract,
                     rebuild: bool = False) -> list[ProjectionChange]:
    """The changed projections that were published, in name order."""
    changes = []
    for projection in sorted(project.projections, key=lambda p: p.name):
        published = base.projections.get(projection.name)
        if published is None:
            continue  # new: its generated file creates it
        change = compare_projection(published, projection, rebuild)
        if change.changed:
            changes.append(change)
    return changes


def next_number(folder: Path) -> int:
    """One past the highest `V<n>__` file in the migration folder (1 for an empty one)."""
    numbers = [int(m.group(1)) for p in folder.glob("V*__*.sql")
               if (m := VERSIONED.match(p.name))] if folder.is_dir() else []
    return max(numbers, default=0) + 1


def render_files(project: Project, changes: list[ProjectionChange], folder: Path,
                 start: int | None = None) -> dict[str, str]:
    """File name -> text; a change already written (same text, any number) is not repeated."""
    assert project.postgres is not None
    schema = project.postgres.schema
    generated = render_postgres(project)
    existing = {p.read_text(encoding="utf-8") for p in folder.glob("V*__escodegen_*.sql")} \
        if folder.is_dir() else set()
    number = next_number(folder) if start is None else start
    files: dict[str, str] = {}
    for change in changes:
        names = ProjectionNames.of(change.projection)
        projection_sql = generated[f"004_projection_{names.base}.sql"]
        text = template("projection.sql.j2").render(
            header=FILE_HEADER, project=project.name, change=change,
            cluster=_cluster(project, change.projection),
            table=ident(schema, names.table), lock_timeout=LOCK_TIMEOUT,
            projection_sql=_without_header(projection_sql).strip(),
            begin_rebuild=ident(schema, names.function("begin_rebuild")),
            rebuild_step=ident(schema, names.function("rebuild_step")),
            finish_rebuild=ident(schema, names.function("finish_rebuild")),
        )
        if text in existing:
            continue
        files[f"V{number:04d}__escodegen_{names.base}.sql"] = text
        number += 1
    return files


@dataclass(frozen=True)
class ClusterSql:
    """What a migration adds on a Citus cluster (`postgres.distribution: citus`)."""

    projection_sql: str
    """The projection's part of 006_citus.sql."""
    events: str
    """`S.events`, as a string literal (Citus takes the table's name)."""
    feeds: str
    checkpoints: str
    rebuild_checkpoint: str
    batch_size: int
    """Events per feed and round of the rebuild."""


def _cluster(project: Project, projection: str) -> ClusterSql | None:
    assert project.postgres is not None
    if project.postgres.distribution != "citus":
        return None
    schema = project.postgres.schema
    return ClusterSql(
        projection_sql=citus_projection(project, projection),
        events=literal(f"{ident(schema)}.events"),
        feeds=ident(schema, "feeds"),
        checkpoints=ident(schema, "checkpoints"),
        rebuild_checkpoint=literal(ProjectionNames.of(projection).rebuild_table),
        batch_size=REBUILD_BATCH,
    )


def _without_header(text: str) -> str:
    return "\n".join(text.splitlines()[1:])
