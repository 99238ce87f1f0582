"""`escodegen stats`: the store's monitoring views (002_monitoring.sql) read, and shown as a
table, JSON or the Prometheus text exposition format."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from psycopg.rows import dict_row

from escodegen.db.session import connect
from escodegen.printable import escape
from escodegen.sqltext import ident

APPLICATION_NAME = "escodegen-stats"

# (column of store_stats, metric name, help)
STORE_METRICS = (
    ("events", "escodegen_events", "Events stored."),
    ("streams", "escodegen_streams", "Streams with at least one event."),
    ("snapshots", "escodegen_snapshots", "Snapshots stored (one per stream at most)."),
    ("head_position", "escodegen_head_position", "Last global position of the store."),
    ("events_last_minute", "escodegen_events_last_minute", "Events appended in the last minute."),
    ("store_bytes", "escodegen_store_bytes", "Disk used by the schema's tables and indexes."),
    ("events_bytes", "escodegen_events_bytes", "Disk used by the events table and its indexes."),
    ("append_calls", "escodegen_append_calls", "Calls of append_to_stream (track_functions)."),
    ("append_mean_ms", "escodegen_append_mean_milliseconds",
     "Mean time of an append_to_stream call (track_functions)."),
)
# (column of projection_status, metric name, help), labelled by checkpoint name
PROJECTION_METRICS = (
    ("events_behind", "escodegen_projection_events_behind",
     "Events after the projection's checkpoint."),
    ("seconds_behind", "escodegen_projection_seconds_behind",
     "Age of the oldest event the projection has still to apply."),
    ("checkpoint_position", "escodegen_projection_checkpoint_position",
     "Global position of the projection's checkpoint."),
)


@dataclass(frozen=True)
class Stats:
    store: dict[str, Any]
    projections: list[dict[str, Any]]


def read_stats(dsn: str, schema: str) -> Stats:
    with connect(dsn, APPLICATION_NAME) as conn, conn.cursor(row_factory=dict_row) as cursor:
        store = cursor.execute(
            f"select * from {ident(schema, 'store_stats')}()").fetchone() or {}
        projections = cursor.execute(
            "select name, checkpoint_position, head_position, events_behind, seconds_behind "
            f"from {ident(schema, 'projection_status')}()").fetchall()
    return Stats(dict(store), [dict(p) for p in projections])


def as_json(stats: Stats) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        return value.isoformat() if isinstance(value, datetime.datetime) else value
    return {"store": {k: plain(v) for k, v in stats.store.items()},
            "projections": [{k: plain(v) for k, v in p.items()} for p in stats.projections]}


def as_table(stats: Stats) -> str:
    rows = [(key, "" if value is None else str(value)) for key, value in stats.store.items()]
    width = max(len(k) for k, _ in rows)
    lines = [f"{k.ljust(width)}  {v}" for k, v in rows]
    if stats.projections:
        header = ("projection", "checkpoint", "head", "events behind", "seconds behind")
        body = [(escape(str(p["name"])), str(p["checkpoint_position"]), str(p["head_position"]),
                 str(p["events_behind"]), f"{p['seconds_behind']:.3f}")
                for p in stats.projections]
        widths = [max(len(r[i]) for r in (header, *body)) for i in range(len(header))]
        lines.append("")
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                  for r in (header, *body)]
    return "\n".join(lines)


def as_prometheus(stats: Stats) -> str:
    """The Prometheus text exposition format, written by prometheus_client."""
    from prometheus_client import CollectorRegistry, Gauge, generate_latest

    registry = CollectorRegistry()
    for column, name, doc in STORE_METRICS:
        value = stats.store.get(column)
        if value is not None:
            Gauge(name, doc, registry=registry).set(value)
    for column, name, doc in PROJECTION_METRICS:
        gauge = Gauge(name, doc, ["projection"], registry=registry)
        for p in stats.projections:
            gauge.labels(projection=p["name"]).set(p[column])
    return generate_latest(registry).decode("utf-8")
