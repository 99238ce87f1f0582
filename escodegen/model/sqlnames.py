"""The PostgreSQL names escodegen takes and derives, in one place.

The check stage holds declarations to these (escodegen.check.sqlnames reports, with positions,
a projection that would take one of the store's names and any derived identifier PostgreSQL
would truncate); the PostgreSQL emitters build their names with the same functions, so what is
checked is what is generated. Every name here is unqualified: the configured schema holds them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from escodegen.model.naming import snake

MAX_IDENTIFIER_BYTES = 63
"""PostgreSQL's limit (NAMEDATALEN - 1); it silently truncates a longer name, so two long names
that share their first 63 bytes would be one object, and a reference to a long name may miss."""

STORE_TABLES = frozenset({"events", "event_registry", "streams", "checkpoints", "snapshots",
                          "projection_failures", "archived_streams"})
"""The event store's tables (templates/postgres/event_store.sql.j2)."""
EVENTS_COLUMNS = (
    ("global_position", "bigint generated always as identity"),
    ("event_id", "uuid not null"),
    ("stream_id", "text not null"),
    ("stream_position", "bigint not null"),
    ("event_type", "text not null"),
    ("event_version", "integer not null"),
    ("data", "jsonb not null"),
    ("metadata", "jsonb not null default '{}'"),
    ("correlation_id", "uuid"),
    ("causation_id", "uuid"),
    ("recorded_at", "timestamptz not null default now()"),
    ("tx_id", "xid8 not null default pg_current_xact_id()"),
)
"""The columns of the store's `events` table, in order, with their definitions: the store
creates the table from this list and an events rewrite copies and compares rows by it."""
EVENTS_REWRITTEN_COLUMNS = frozenset({"event_version", "data", "metadata"})
"""What an events rewrite (`migrate events`) changes in a row; it keeps every other column."""
STORE_VIEWS = frozenset({"events_latest", "projection_status", "store_stats"})
"""templates/postgres/upcasters.sql.j2 and monitoring.sql.j2."""
STORE_INDEXES = frozenset({
    "events_pkey", "events_event_id_key", "events_stream_position_key",
    "events_tx_id_global_position_idx", "events_correlation_id_idx", "events_causation_id_idx",
    "event_registry_pkey", "streams_pkey", "checkpoints_pkey", "snapshots_pkey",
    "projection_failures_pkey", "archived_streams_pkey",
})
"""Indexes (and the constraints they back) of the store's tables: they share the namespace of
tables in the schema."""
STORE_SEQUENCES = frozenset({"events_global_position_seq"})
"""The identity sequence of `events.global_position`."""
MIGRATION_TABLES = frozenset({"escodegen_migrations", "escodegen_purges"})
"""Tables `escodegen migrate` creates beside the store (templates/migrate/), with their keys."""
MIGRATION_INDEXES = frozenset({f"{t}_pkey" for t in MIGRATION_TABLES})

RESERVED_TABLES = (STORE_TABLES | STORE_VIEWS | STORE_INDEXES | STORE_SEQUENCES
                   | MIGRATION_TABLES | MIGRATION_INDEXES)
"""Every relation name the store and its migrations take in the schema: no projection table
may have one of them."""
RESERVED_TABLE_PREFIXES = ("events__", "escodegen_")
"""`events__<id>` and `events__before_<id>_<date>` are the standby and backup tables of an
events rewrite (`migrate events`); `escodegen_` names the migration machinery."""
RESERVED_TABLE_SUFFIXES = ("__rebuild", "__batch")
"""A projection's rebuild table and catch-up batch are named `<projection>__rebuild` and
`<projection>__batch`."""
_RENAMED_INDEX = re.compile(
    "(?:" + "|".join(sorted(STORE_INDEXES | STORE_SEQUENCES)) + ")_[0-9a-f]{8}")
"""An events rewrite renames the retired table's indexes and sequence `<name>_<8 hex digits>`."""

RESERVED_COLUMNS = frozenset({"last_tx_id", "last_position"})
"""The bookkeeping columns of every projection table (templates/postgres/projection.sql.j2)."""


def reserved_table(table: str) -> str | None:
    """Why `table` (a projection's snake_case name) may not name a projection table, as a phrase
    following "which", or None when it may."""
    if table in STORE_TABLES:
        return "is a table of the event store"
    if table in STORE_VIEWS:
        return "is a view of the event store"
    if table in STORE_INDEXES or table in STORE_SEQUENCES:
        return "is an index or sequence of the event store"
    if table in MIGRATION_TABLES or table in MIGRATION_INDEXES:
        return "is a table (or its key) of escodegen's migrations"
    if _RENAMED_INDEX.fullmatch(table):
        return "is the name an events rewrite gives an index of the table it retires"
    for prefix in RESERVED_TABLE_PREFIXES:
        if table.startswith(prefix):
            return f"starts with `{prefix}`, the prefix of escodegen's migration tables"
    for suffix in RESERVED_TABLE_SUFFIXES:
        if table.endswith(suffix):
            return f"ends with `{suffix}`, the suffix of a projection's own {suffix[2:]} table"
    return None


@dataclass(frozen=True)
class ProjectionNames:
    """Every unqualified name the PostgreSQL target derives from one projection."""

    base: str
    """The projection's snake_case name: its table and checkpoint."""

    @classmethod
    def of(cls, projection: str) -> ProjectionNames:
        return cls(snake(projection))

    @property
    def table(self) -> str:
        return self.base

    @property
    def pkey(self) -> str:
        return f"{self.base}_pkey"

    @property
    def rebuild_table(self) -> str:
        return f"{self.base}__rebuild"

    @property
    def rebuild_pkey(self) -> str:
        return f"{self.base}__rebuild_pkey"

    @property
    def batch(self) -> str:
        """The temporary table a catch-up fills (in pg_temp)."""
        return f"{self.base}__batch"

    FUNCTIONS: ClassVar[tuple[str, ...]] = (
        "catch_up", "apply", "begin_rebuild", "rebuild_step", "finish_rebuild", "retry",
        "catch_up_part", "partition")

    def function(self, kind: str) -> str:
        """One of `FUNCTIONS`: `catch_up_<projection>`, ..."""
        return f"{kind}_{self.base}"

    @property
    def relations(self) -> tuple[str, ...]:
        """The names it takes in the schema's namespace of tables and indexes."""
        return (self.table, self.pkey, self.rebuild_table, self.rebuild_pkey)

    def identifiers(self) -> tuple[str, ...]:
        return (*self.relations, self.batch, *(self.function(k) for k in self.FUNCTIONS))


def column_name(column: str) -> str:
    return snake(column)


def batch_key_column(key: str) -> str:
    """A key column's column in the catch-up batch."""
    return f"k_{snake(key)}"


def upcast_function(event: str) -> str:
    """`upcast_<event>(data, from_version)`: a stored payload at its latest version."""
    return f"upcast_{snake(event)}"


def upcast_step_function(event: str, version: int) -> str:
    """The step from version - 1 to `version`."""
    return f"{upcast_function(event)}_v{version - 1}_to_v{version}"


def upcast_operation_function(event: str, version: int, index: int) -> str:
    """Operation `index` (from 1) of the step to `version`."""
    return f"{upcast_function(event)}_v{version}_op{index}"


VALIDATE_EVENT = "validate_event"
"""`validate_event(event_type, event_version, data)`: the payload validator of any (type,
version) (templates/postgres/validation.sql.j2)."""


def validate_function(event: str, version: int) -> str:
    """`validate_<event>_v<n>(data)`: null when a payload fits the version, else its first
    problem."""
    return f"validate_{snake(event)}_v{version}"


def validate_items_function(event: str, version: int, index: int) -> str:
    """`validate_<event>_v<n>_items<k>(items, path)`: the items of the version's array `k`
    (from 1, in the order the validator meets them)."""
    return f"{validate_function(event, version)}_items{index}"


VALID_EVENT = "valid_event"
"""`valid_event(event_type, event_version, data)`: whether a payload fits its (type, version)
(the boolean twin of `validate_event`)."""


PAYLOAD_FITS = "payload_fits"
"""`payload_fits(event_type, event_version, data)`: `valid_event` in plpgsql, called once per
payload by the append (it compiles only the validator it meets)."""


def valid_function(event: str, version: int) -> str:
    """`valid_<event>_v<n>(data)`: whether a payload fits the version (shorter than
    `validate_function`'s name, so the length check of the latter covers it)."""
    return f"valid_{snake(event)}_v{version}"


def valid_items_function(event: str, version: int, index: int) -> str:
    """`valid_<event>_v<n>_items<k>(items)`: whether the items of array `k` fit."""
    return f"{valid_function(event, version)}_items{index}"


def too_long(name: str) -> bool:
    return len(name.encode("utf-8")) > MAX_IDENTIFIER_BYTES


__all__ = [
    "EVENTS_COLUMNS", "EVENTS_REWRITTEN_COLUMNS", "MAX_IDENTIFIER_BYTES", "MIGRATION_TABLES",
    "PAYLOAD_FITS",
    "RESERVED_COLUMNS", "RESERVED_TABLES",
    "RESERVED_TABLE_PREFIXES", "RESERVED_TABLE_SUFFIXES", "STORE_TABLES", "VALIDATE_EVENT",
    "VALID_EVENT",
    "ProjectionNames",
    "batch_key_column", "column_name", "reserved_table", "too_long", "upcast_function",
    "upcast_operation_function", "upcast_step_function", "valid_function",
    "valid_items_function", "validate_function", "validate_items_function",
]
