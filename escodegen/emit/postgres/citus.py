"""`postgres.distribution: citus`: the file that distributes the store on a Citus cluster.

It is applied after the single-node files (which it leaves unchanged): its tables are
distributed by stream id and co-located, the registry becomes a reference table, and the
stream's functions become distributed functions delegated to the worker holding the stream.
The design and its trade-offs: docs/scale-out.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from escodegen.emit.postgres.projection import ProjectionSql
from escodegen.model import EnvelopeRef, Projection
from escodegen.model.sqlnames import ProjectionNames, column_name
from escodegen.sqltext import ident, literal

FILE = "006_citus.sql"

STREAM_FUNCTIONS = (
    "append_to_stream(text, bigint, jsonb)",
    "stream_version(text)",
    "read_stream(text, bigint, integer)",
    "load_snapshot(text, integer)",
    "save_snapshot(text, integer, bigint, jsonb)",
    "replace_snapshot(text, integer, bigint, jsonb, bigint)",
)
"""The store's functions of one stream, all with the stream id as `p_stream_id`: each runs on
the node holding the stream's shard."""


@dataclass(frozen=True)
class StreamFunction:
    name: str
    """The function with its argument types, as SQL (`"es".stream_version(text)`)."""
    literal: str
    """The same as a string literal, for Citus's functions that take it as text."""


@dataclass(frozen=True)
class Distribution:
    """How a projection's table is distributed on the cluster (docs/scale-out.md)."""

    column: str
    """The distribution column, a key column, as a string literal (Citus takes its name)."""
    with_events: bool
    """Co-located with the events: the column is the stream id (set from `$stream` by every
    handler, a text), hashed as the events' `stream_id`."""


@dataclass(frozen=True)
class ProjectionFeedSql:
    """A projection's catch-up from the feeds: `apply_feed_<projection>`."""

    p: ProjectionSql
    apply_feed: str
    """The function applying a batch of one feed, qualified."""
    rebuild_step_text: str
    """Its rebuild's step (the one of a feed on the cluster), qualified, as a string literal."""
    distribution: Distribution | None
    """None: the table stays a table of the coordinator."""


def projection_distribution(projection: Projection) -> Distribution | None:
    """The rule for a projection's table on the cluster. Every handler finds its row by the
    whole key (an upsert sets it, an update or delete matches it), so any key column can be
    the distribution column: each write goes to one shard. Chosen, in order:

    1. a key column every handler sets (or matches) from `$stream` and of type string: the
       rows are hashed as the events' `stream_id`, co-located with them;
    2. else the first key column that is not a boolean (two values would put every row in
       at most two shards);
    3. else (a key of booleans only: at most a few rows) none: the table stays on the
       coordinator."""
    for key in projection.key:
        column = projection.column(key)
        if column is not None and column.type.kind == "string" and all(
                isinstance(a.value, EnvelopeRef) and a.value.name == "stream"
                for h in projection.handlers
                for a in (h.set if h.action == "upsert" else h.where) if a.column == key):
            return Distribution(literal(column_name(key)), with_events=True)
    for key in projection.key:
        column = projection.column(key)
        if column is not None and column.type.kind != "boolean":
            return Distribution(literal(column_name(key)), with_events=False)
    return None


def apply_feed_function(projection: str) -> str:
    """The name of a projection's function applying a batch of one feed (unqualified)."""
    return ProjectionNames.of(projection).function("apply_feed")


@dataclass(frozen=True)
class CitusSql:
    """Literals naming the store's objects, for Citus's functions that take names as text."""

    events: str
    streams: str
    snapshots: str
    archived_streams: str
    event_registry: str
    stream_functions: tuple[StreamFunction, ...]
    read_feed: str
    read_feed_json: str
    projections: tuple[ProjectionFeedSql, ...]


def citus_sql(schema: str,
              projections: tuple[tuple[Projection, ProjectionSql], ...] = ()) -> CitusSql:
    """`projections`: each projection with its SQL."""

    def name(obj: str) -> str:
        return literal(f"{ident(schema)}.{obj}")

    return CitusSql(
        events=name("events"),
        streams=name("streams"),
        snapshots=name("snapshots"),
        archived_streams=name("archived_streams"),
        event_registry=name("event_registry"),
        stream_functions=tuple(
            StreamFunction(f"{ident(schema)}.{f}", name(f)) for f in STREAM_FUNCTIONS),
        read_feed=name("read_feed(text, xid8, bigint, integer)"),
        read_feed_json=name("read_feed_json(text, xid8, bigint, integer)"),
        projections=tuple(
            ProjectionFeedSql(
                sql, ident(schema, apply_feed_function(declared.name)),
                literal(ident(schema, ProjectionNames.of(declared.name).function("rebuild_step"))),
                projection_distribution(declared))
            for declared, sql in projections),
    )
