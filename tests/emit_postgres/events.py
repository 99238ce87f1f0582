"""Building shop events and appending them, for the store and projection tests."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

ANY, NO_STREAM, STREAM_EXISTS = -1, -2, -3


def event(event_type: str, version: int, data: dict[str, Any], **envelope: Any) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "event_type": event_type, "event_version": version,
            "data": data, **envelope}


def item_added(order: str, sku: str = "sku-1") -> dict[str, Any]:
    return event("OrderItemAdded", 1, {"orderId": order, "sku": sku, "quantity": 1})


def append(conn: psycopg.Connection[Any], stream: str, expected: int,
           events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """`append_to_stream`'s rows: (event_id, stream_position, global_position)."""
    return conn.execute(
        "select * from es.append_to_stream(%s, %s, %s)", (stream, expected, Jsonb(events))
    ).fetchall()


def sequence_value(conn: psycopg.Connection[Any]) -> int | None:
    row = conn.execute(
        "select pg_sequence_last_value(pg_get_serial_sequence('es.events', 'global_position'))"
    ).fetchone()
    assert row is not None
    return int(row[0]) if row[0] is not None else None
