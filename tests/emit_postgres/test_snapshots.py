"""Snapshots: one per stream (the latest), and never one of another state version."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

Conn = psycopg.Connection[Any]


def save(conn: Conn, state_version: int, stream_version: int, state: dict[str, Any]) -> bool:
    row = conn.execute("select es.save_snapshot('Order-1', %s, %s, %s)",
                       (state_version, stream_version, Jsonb(state))).fetchone()
    assert row is not None
    return bool(row[0])


def load(conn: Conn, state_version: int) -> list[tuple[Any, ...]]:
    return conn.execute("select * from es.load_snapshot('Order-1', %s)",
                        (state_version,)).fetchall()


def test_only_the_latest_snapshot_is_kept(conn: Conn) -> None:
    assert save(conn, 1, 100, {"items": 100})
    assert save(conn, 1, 200, {"items": 200})
    assert not save(conn, 1, 150, {"items": 150})  # an older one arrives late: ignored
    assert load(conn, 1) == [(200, {"items": 200})]
    assert conn.execute("select count(*) from es.snapshots").fetchone() == (1,)


def test_a_snapshot_of_another_state_version_is_not_loaded(conn: Conn) -> None:
    assert save(conn, 1, 100, {"items": 100})
    assert load(conn, 2) == []
    assert save(conn, 2, 50, {"count": 50})  # the new state shape replaces the old one
    assert load(conn, 1) == []
    assert load(conn, 2) == [(50, {"count": 50})]
    # a deployment still on state version 1 cannot overwrite the newer snapshot
    assert not save(conn, 1, 300, {"items": 300})
    assert load(conn, 2) == [(50, {"count": 50})]


def test_no_snapshot_loads_nothing(conn: Conn) -> None:
    assert load(conn, 1) == []
