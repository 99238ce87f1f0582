"""The swap under load and against late changes, on a real PostgreSQL: appenders running at
full speed through it, and a payload updated after prepare."""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

import psycopg
import pytest

from devtools import shop_history
from escodegen.db import runner
from escodegen.emit.migrate.events import EventsMigration
from tests.migrate.conftest import Upcaster, payload

APPENDERS = 4


def _registration(event_id: str) -> dict[str, Any]:
    """A CustomerRegistered at version 1: the rewrite upcasts it to version 3."""
    return {"event_id": event_id, "event_type": "CustomerRegistered", "event_version": 1,
            "data": {"customerId": str(uuid.uuid4()), "name": "Ada Lovelace",
                     "email": f"{event_id}@example.com"}}


def _append_until(dsn: str, stop: threading.Event, acknowledged: list[tuple[str, dict[str, Any]]],
                  errors: list[psycopg.Error]) -> None:
    """Appends one event per transaction through the generated append function until told to
    stop; records every append the database acknowledged (committed)."""
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            while not stop.is_set():
                event = _registration(str(uuid.uuid4()))
                conn.execute("select es.append_to_stream(%s, -1, %s::jsonb)",
                             (f"Customer-{event['event_id']}", json.dumps([event])))
                acknowledged.append((event["event_id"], event["data"]))
    except psycopg.Error as error:  # reported by the test, not lost in the thread
        errors.append(error)


def test_the_swap_completes_under_appenders_at_full_speed_and_loses_no_append(
        store: str, shop_migration: EventsMigration,
        upcasters: dict[tuple[str, int], Upcaster]) -> None:
    """Four appenders, one commit per event, from before prepare until after the swap. The old
    swap (exclusive, later access exclusive) deadlocked with them on every attempt."""
    with psycopg.connect(store, autocommit=True) as conn:
        shop_history.load(conn, shop_history.history(seed=23, customers=1500))
    stop = threading.Event()
    acknowledged: list[tuple[str, dict[str, Any]]] = []
    errors: list[psycopg.Error] = []
    threads = [threading.Thread(target=_append_until, args=(store, stop, acknowledged, errors))
               for _ in range(APPENDERS)]
    for thread in threads:
        thread.start()
    try:
        runner.run(store, shop_migration, batch_size=2000, swap=False)
        time.sleep(0.5)
        during = len(acknowledged)
        outcome = runner.run(store, shop_migration, batch_size=2000)
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    assert during > 50 and len(acknowledged) > during, "the appenders ran through the swap"
    assert outcome.backup_table is not None

    with psycopg.connect(store, autocommit=True) as conn:
        (swapped_at,) = conn.execute("select swap_position from es.escodegen_migrations "
                                     "where migration_id = %s", (shop_migration.id,)).fetchone() \
            or (None,)
        stored = {str(event_id): (position, version, data) for event_id, position, version, data
                  in conn.execute("select event_id, global_position, event_version, data::text "
                                  "from es.events where event_type = 'CustomerRegistered'")}
    upcast = upcasters[("CustomerRegistered", 1)]
    missing = [event_id for event_id, _ in acknowledged if event_id not in stored]
    assert missing == [], f"{len(missing)} acknowledged appends are not in the swapped table"
    for event_id, data in acknowledged:
        position, version, text = stored[event_id]
        if position <= swapped_at:  # appended before the swap: copied and upcast
            assert (version, payload(text)) == (3, upcast(data))
        else:  # after it: as written
            assert (version, payload(text)) == (1, data)
    assert any(stored[event_id][0] <= swapped_at for event_id, _ in acknowledged[during:])


def test_a_payload_updated_after_prepare_is_never_lost(
        store: str, shop_migration: EventsMigration,
        upcasters: dict[tuple[str, int], Upcaster]) -> None:
    """An event already copied (and verified by prepare) gets a new payload in the live table:
    the swap either carries it into the new table or refuses with a clear message. Before,
    the verification never compared rewritten payloads, so the swap kept the stale copy."""
    with psycopg.connect(store, autocommit=True) as conn:
        shop_history.load(conn, shop_history.history(seed=29, customers=200))
    runner.run(store, shop_migration, batch_size=250, swap=False)
    with psycopg.connect(store, autocommit=True) as conn:
        (position,) = conn.execute(
            "select min(global_position) from es.events "
            "where event_type = 'CustomerRegistered' and event_version = 1").fetchone() \
            or (None,)
        conn.execute("update es.events set data = jsonb_set(data, '{name}', '\"Grace Hopper\"') "
                     "where global_position = %s", (position,))
        (live,) = conn.execute("select data::text from es.events where global_position = %s",
                               (position,)).fetchone() or (None,)

    failure = None
    try:
        runner.run(store, shop_migration, batch_size=250)
    except psycopg.Error as error:
        failure = str(error)

    with psycopg.connect(store, autocommit=True) as conn:
        (version, data) = conn.execute("select event_version, data::text from es.events "
                                       "where global_position = %s", (position,)).fetchone() \
            or (None, None)
        (status,) = conn.execute("select status from es.escodegen_migrations").fetchone() \
            or (None,)
    if failure is None:
        assert (status, version) == ("swapped", 3)
        assert payload(data) == upcasters[("CustomerRegistered", 1)](payload(live))
    else:
        assert status == "copying" and (version, data) == (1, live), "nothing swapped"
        assert "verification failed, nothing swapped: rewritten payloads equal the upcast live " \
               f"payloads (changed after the copy for CustomerRegistered: 1 events, the first " \
               f"at global positions {position})" in failure


@pytest.mark.parametrize("holder", ["es.events", "es.events_latest"])
def test_a_swap_that_cannot_get_its_locks_gives_up_cleanly(
        store: str, shop_migration: EventsMigration, holder: str) -> None:
    """A long transaction reading the table (or its view) keeps the swap out: it tries a few
    times, then raises ESMIG and changes nothing."""
    with psycopg.connect(store, autocommit=True) as conn:
        shop_history.load(conn, shop_history.history(seed=37, customers=20))
    runner.run(store, shop_migration, batch_size=100, swap=False)
    with psycopg.connect(store) as reader, psycopg.connect(store, autocommit=True) as conn:
        reader.execute(f"select count(*) from {holder}")
        with pytest.raises(psycopg.Error, match="could not lock .* within 5 attempts"):
            conn.execute(f"select {shop_migration.function('swap')}('50ms')")
        assert conn.execute("select status from es.escodegen_migrations").fetchone() == (
            "copying",)
