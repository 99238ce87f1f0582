"""What the projection template needs to know about one projection, as SQL fragments.

The statements' shape (insert ... on conflict, update, delete, the guard) lives in
templates/postgres/projection.sql.j2; this module only turns the model's handlers into the
column lists and expressions that fill it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from escodegen.emit.postgres.sqltext import BATCH, column_type, value
from escodegen.model import Assignment, Event, Increment, PayloadRef, Project, Projection
from escodegen.model.sqlnames import (
    ProjectionNames,
    batch_key_column,
    column_name,
    upcast_function,
)
from escodegen.sqltext import ident, literal, text_array, typed
from escodegen.upcast.sql_layout import WIDTH

TARGET = "t"
"""Alias of the projection table in handler statements."""


@dataclass(frozen=True)
class ColumnSql:
    name: str
    type: str
    not_null: bool
    key: bool = False
    incremented: bool = False
    """Some handler adds to it: the set-based catch-up then also sums increments."""
    op: str = ""
    """The prefix (`col<i>`, the column's position) of this column's columns in the catch-up
    batch: per event <op>_change (what the event does to it: 'set', 'add' or null), <op>_value
    (the value set), <op>_amount (the amount added); per segment <op>_is_set, <op>_set_value,
    <op>_added and <op>_inserted."""


@dataclass(frozen=True)
class ColumnOp:
    """What one event does to one column: `change` 'set' (to `value`) or 'add' (`amount`)."""

    change: Literal["set", "add"]
    value: str
    amount: str


@dataclass(frozen=True)
class EventSource:
    """How to read one event type's payload at its latest version."""

    type: str
    latest: int
    upcaster: str | None
    """The SQL upcast function from older versions; None when there is only version 1."""

    def latest_data(self, row: str, column: int) -> str:
        """The payload of `row` at the latest version; laid out to start at `column`."""
        if self.upcaster is None:
            return f"{row}.data"
        pad = " " * column
        return (f"case when {row}.event_version = {self.latest} then {row}.data\n"
                f"{pad}    else {self.upcaster}({row}.data, {row}.event_version)\n{pad}end")


@dataclass(frozen=True)
class HandlerSql:
    event: str
    """The event type as a SQL string literal."""
    source: EventSource
    action: str
    insert_columns: tuple[str, ...]
    insert_values: tuple[str, ...]
    conflict_sets: tuple[str, ...]
    update_sets: tuple[str, ...]
    key_matches: tuple[str, ...]
    keys: tuple[str, ...]
    """The row key this event touches, one expression per key column, in key order."""
    ops: dict[str, ColumnOp]
    """By column name (quoted), what the event does to each non-key column it touches."""


@dataclass(frozen=True)
class ProjectionSql:
    name: str
    """The projection's snake_case name, as used in function names."""
    table: str
    rebuild_table: str
    rebuild_table_text: str
    """The rebuild table's qualified name as a string literal (for to_regclass)."""
    table_name: str
    """The live table's name without its schema (for a rename)."""
    table_text: str
    """The live table's qualified name as a string literal (for a regclass cast)."""
    shape: tuple[str, str, str]
    """The declared columns, bookkeeping ones included, as three text[] constants: names,
    types, whether each is not null (what the applied file checks an existing table has)."""
    pkey: str
    rebuild_pkey: str
    checkpoint: str
    rebuild_checkpoint: str
    columns: tuple[ColumnSql, ...]
    key: tuple[str, ...]
    batch_keys: tuple[str, ...]
    """Names of the batch's key columns (`k_order_id`), computed per event from `keys`."""
    handlers: tuple[HandlerSql, ...]
    on_error: Literal["stop", "skip"]
    batch: str
    """The temporary table a catch-up fills with its batch of events (in pg_temp)."""
    batch_text: str
    """`pg_temp.<batch>` as a literal, for to_regclass."""
    catch_up: str
    apply: str
    begin_rebuild: str
    rebuild_step: str
    finish_rebuild: str
    retry: str
    catch_up_part: str
    catch_up_part_text: str
    partition: str
    partition_text: str
    """Function names as string literals, for messages."""
    lock_key: str
    """The advisory lock (a bigint expression) a re-partition holds exclusively and each
    worker of a partitioned catch-up shared."""

    @property
    def value_columns(self) -> tuple[ColumnSql, ...]:
        return tuple(c for c in self.columns if not c.key)

    def column_ops(self, column: ColumnSql) -> list[tuple[str, ColumnOp]]:
        """(event type literal, op) of every handler that touches the column."""
        return [(h.event, h.ops[column.name]) for h in self.handlers if column.name in h.ops]

    def event_types(self, column: int) -> str:
        """The handled event types as a text[]; one a line (aligned) when the array, starting
        at `column`, would make its line long."""
        one_line = "array[" + ", ".join(h.event for h in self.handlers) + "]::text[]"
        if column + len(one_line) <= WIDTH:
            return one_line
        separator = ",\n" + " " * (column + len("array["))
        return "array[" + separator.join(h.event for h in self.handlers) + "]::text[]"


def projection_sql(project: Project, projection: Projection, schema: str) -> ProjectionSql:
    names = ProjectionNames.of(projection.name)
    name = names.base
    types = {c.name: column_type(c.type) for c in projection.columns}
    incremented = {a.column for h in projection.handlers for a in h.set
                   if isinstance(a.value, Increment)}
    columns = tuple(
        ColumnSql(ident(column_name(c.name)), types[c.name], c.required or c.name in projection.key,
                  key=c.name in projection.key, incremented=c.name in incremented,
                  op=f"col{i}")
        for i, c in enumerate(projection.columns)
    )
    handlers = tuple(
        _handler(projection, h.event, h.action, h.set, h.where, types,
                 _source(project.event(h.event), h.event, schema))
        for h in projection.handlers
    )
    return ProjectionSql(
        name=name,
        table=ident(schema, names.table),
        rebuild_table=ident(schema, names.rebuild_table),
        rebuild_table_text=literal(ident(schema, names.rebuild_table)),
        table_name=ident(names.table),
        table_text=literal(ident(schema, names.table)),
        shape=_shape(projection, types),
        pkey=ident(names.pkey),
        rebuild_pkey=ident(names.rebuild_pkey),
        checkpoint=literal(name),
        rebuild_checkpoint=literal(names.rebuild_table),
        columns=columns,
        key=tuple(ident(column_name(k)) for k in projection.key),
        batch_keys=tuple(ident(batch_key_column(k)) for k in projection.key),
        handlers=handlers,
        on_error=projection.on_error,
        batch=ident(names.batch),
        batch_text=literal(f"pg_temp.{ident(names.batch)}"),
        catch_up=ident(schema, names.function("catch_up")),
        apply=ident(schema, names.function("apply")),
        begin_rebuild=ident(schema, names.function("begin_rebuild")),
        rebuild_step=ident(schema, names.function("rebuild_step")),
        finish_rebuild=ident(schema, names.function("finish_rebuild")),
        retry=ident(schema, names.function("retry")),
        catch_up_part=ident(schema, names.function("catch_up_part")),
        catch_up_part_text=literal(ident(schema, names.function("catch_up_part"))),
        partition=ident(schema, names.function("partition")),
        partition_text=literal(ident(schema, names.function("partition"))),
        lock_key=f"hashtextextended({literal(ident(schema, names.table))}, 0)",
    )


def _shape(projection: Projection, types: dict[str, str]) -> tuple[str, str, str]:
    declared = [(column_name(c.name), types[c.name],
                 c.required or c.name in projection.key) for c in projection.columns]
    declared += [("last_tx_id", "xid8", True), ("last_position", "bigint", True)]
    return (text_array([name for name, _, _ in declared]),
            text_array([sql_type for _, sql_type, _ in declared]),
            text_array(["true" if not_null else "false" for _, _, not_null in declared]))


def event_source(event: Event, schema: str) -> EventSource:
    upcaster = ident(schema, upcast_function(event.name)) if event.latest.number > 1 else None
    return EventSource(literal(event.name), event.latest.number, upcaster)


def _source(event: Event | None, name: str, schema: str) -> EventSource:
    if event is None:  # the checker reports unknown events; render only checked projects
        raise ValueError(f"projection handler of an undeclared event {name!r}")
    return event_source(event, schema)


def _handler(projection: Projection, event: str, action: str, sets: tuple[Assignment, ...],
             where: tuple[Assignment, ...], types: dict[str, str],
             source: EventSource) -> HandlerSql:
    col = {a.column: ident(column_name(a.column)) for a in (*sets, *where)}
    if action == "upsert":
        by_column = {a.column: a for a in sets}
        keys = tuple(value(by_column[k].value, types[k]) for k in projection.key)
    else:
        by_where = {a.column: a for a in where}
        keys = tuple(
            value(by_where[k].value if k in by_where else PayloadRef((k,)), types[k])
            for k in projection.key
        )
    key_matches = tuple(
        f"{TARGET}.{ident(column_name(k))} = {expr}"
        for k, expr in zip(projection.key, keys, strict=True)
    )
    insert_values = tuple(value(a.value, types[a.column]) for a in sets)
    conflict_sets = tuple(
        f"{col[a.column]} = coalesce({TARGET}.{col[a.column]}, 0) + "
        f"{typed(a.value.amount, types[a.column])}"
        if isinstance(a.value, Increment)
        else f"{col[a.column]} = excluded.{col[a.column]}"
        for a in sets if a.column not in projection.key
    )
    update_sets = tuple(
        f"{col[a.column]} = coalesce({TARGET}.{col[a.column]}, 0) + "
        f"{typed(a.value.amount, types[a.column])}"
        if isinstance(a.value, Increment)
        else f"{col[a.column]} = {value(a.value, types[a.column])}"
        for a in sets
    )
    ops = {
        col[a.column]: ColumnOp("add", f"null::{types[a.column]}",
                                typed(a.value.amount, types[a.column]))
        if isinstance(a.value, Increment)
        else ColumnOp("set", value(a.value, types[a.column]), f"null::{types[a.column]}")
        for a in sets if a.column not in projection.key
    }
    return HandlerSql(
        event=literal(event),
        ops=ops,
        source=source,
        action=action,
        insert_columns=tuple(col[a.column] for a in sets),
        insert_values=insert_values,
        conflict_sets=conflict_sets,
        update_sets=update_sets,
        key_matches=key_matches,
        keys=keys,
    )


__all__ = ["BATCH", "TARGET", "EventSource", "ProjectionSql", "event_source", "projection_sql"]
