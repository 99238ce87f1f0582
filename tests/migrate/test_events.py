"""The events rewrite on a real PostgreSQL: seeded with the shop's events at every version
they ever had, migrated, and compared event by event with the Python upcasters."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from devtools import shop_history
from escodegen.db import runner
from escodegen.emit.migrate.events import EventsMigration
from tests.migrate.conftest import Upcaster, payload

COLUMNS = ("global_position, event_id, stream_id, stream_position, event_type, event_version, "
           "data::text, metadata::text, correlation_id, causation_id, recorded_at, tx_id::text")


def rows(conn: psycopg.Connection[Any], table: str) -> list[tuple[Any, ...]]:
    return conn.execute(f"select {COLUMNS} from es.{table} order by global_position").fetchall()


def test_every_event_equals_the_python_upcasters_output(
        store: str, shop_migration: EventsMigration,
        upcasters: dict[tuple[str, int], Upcaster]) -> None:
    seeded = shop_history.history(seed=7, customers=6000)
    assert len(seeded) > 20000
    with psycopg.connect(store, autocommit=True) as conn:
        shop_history.load(conn, seeded)
        before = rows(conn, "events")
    assert set(shop_history.stored_versions(seeded)) == {
        ("CustomerRegistered", 1), ("CustomerRegistered", 2), ("CustomerRegistered", 3),
        ("CustomerTierChanged", 1), ("OrderCancelled", 1), ("OrderItemAdded", 1),
        ("OrderPlaced", 1), ("OrderPlaced", 2), ("OrderShipped", 1), ("OrderShipped", 2),
        ("OrderSubmitted", 1)}

    outcome = runner.run(store, shop_migration, batch_size=5000)

    latest = {"CustomerRegistered": 3, "OrderPlaced": 2, "OrderShipped": 2}
    with psycopg.connect(store, autocommit=True) as conn:
        after = rows(conn, "events")
        backup = rows(conn, outcome.backup_table or "missing")
    assert outcome.copied == len(seeded)
    assert backup == before, "the old table is kept, unchanged, as the backup"
    assert len(after) == len(before)
    rewritten = 0
    for old, new in zip(before, after, strict=True):
        (position, event_id, stream, stream_position, event_type, version, data, metadata,
         *envelope) = old
        assert new[:5] == (position, event_id, stream, stream_position, event_type)
        assert new[8:] == tuple(envelope), "correlation, causation, time and tx id are kept"
        assert payload(new[6]) == upcasters[(event_type, version)](payload(data))
        old_metadata, new_metadata = payload(metadata), payload(new[7])
        if version < latest.get(event_type, version):
            rewritten += 1
            assert new[5] == latest[event_type]
            assert new_metadata == {**old_metadata, "escodegen_migrations": [
                {"migration": shop_migration.id, "from_version": version,
                 "to_version": latest[event_type]}]}
        else:
            assert (new[5], new[6], new_metadata) == (version, data, old_metadata)
    assert rewritten > 5000


def test_a_record_of_an_earlier_migration_is_kept_and_extended(
        store: str, shop_migration: EventsMigration) -> None:
    """An event rewritten before (by another migration) keeps that record and gets this one
    after it; a first rewrite gets a record of its own: the two ways the SQL builds it."""
    earlier = {"migration": "older", "from_version": 1, "to_version": 1}
    seeded: list[shop_history.Row] = [
        ("Customer-1", "CustomerRegistered", 1,
         {"customerId": "5a4f1c1e-7a89-4d3e-9a51-2d0c1c4f7e10", "name": "Ada Lovelace",
          "email": "ada@example.com"}, {"escodegen_migrations": [earlier], "source": "x"}),
        ("Customer-2", "CustomerRegistered", 2,
         {"customerId": "5a4f1c1e-7a89-4d3e-9a51-2d0c1c4f7e11", "firstName": "Cher",
          "lastName": "", "email": "cher@example.com"}, {"source": "y"}),
    ]
    with psycopg.connect(store, autocommit=True) as conn:
        shop_history.load(conn, seeded)
    runner.run(store, shop_migration, batch_size=10)
    with psycopg.connect(store, autocommit=True) as conn:
        metadata = [payload(text) for (text,) in conn.execute(
            "select metadata::text from es.events order by global_position")]
    record = {"migration": shop_migration.id, "to_version": 3}
    assert metadata == [
        {"escodegen_migrations": [earlier, {**record, "from_version": 1}], "source": "x"},
        {"escodegen_migrations": [{**record, "from_version": 2}], "source": "y"},
    ]


def test_the_store_keeps_working_after_the_swap_and_the_rollback(
        store: str, shop_migration: EventsMigration) -> None:
    seeded = shop_history.history(seed=3, customers=50)
    with psycopg.connect(store, autocommit=True) as conn:
        shop_history.load(conn, seeded)
        last_position = conn.execute("select max(global_position) from es.events").fetchone()
    outcome = runner.run(store, shop_migration, batch_size=100)
    append = ("select global_position from es.append_to_stream('Customer-new', -1, "
              "'[{\"event_type\": \"CustomerRegistered\", \"event_version\": 1, "
              "\"data\": {\"customerId\": \"5a4f1c1e-7a89-4d3e-9a51-2d0c1c4f7e10\", "
              "\"name\": \"New Comer\", \"email\": \"n@example.com\"}}]')")
    with psycopg.connect(store, autocommit=True) as conn:
        # appended after the swap: the sequence went on from where the old table was
        (appended,) = conn.execute(append).fetchone() or (None,)
        assert last_position is not None and appended == last_position[0] + 1
        assert conn.execute("select count(*) from es.events_latest").fetchone() == (
            len(seeded) + 1,)
        assert conn.execute("select count(*) from es.read_all('0', 0, 1000000)").fetchone() == (
            len(seeded) + 1,)
        assert conn.execute("select es.catch_up_customer_directory(100000)").fetchone() == (
            len([r for r in seeded if r[1].startswith("Customer")]) + 1,)
        tables = {name for (name,) in conn.execute(
            "select tablename from pg_tables where schemaname = 'es'")}
        assert outcome.backup_table in tables

    standby = runner.rollback(store, shop_migration)

    with psycopg.connect(store, autocommit=True) as conn:
        assert standby == shop_migration.standby_table
        versions = conn.execute("select event_version, count(*) from es.events "
                                "where event_type = 'CustomerRegistered' group by 1 order by 1")
        stored = {v: 0 for v in (1, 2, 3)}
        for _, event_type, version, _, _ in seeded:
            if event_type == "CustomerRegistered":
                stored[version] += 1
        stored[1] += 1  # the one appended after the swap, carried over as written
        assert dict(versions.fetchall()) == {v: n for v, n in stored.items() if n}
        (appended_again,) = conn.execute(append.replace("Customer-new", "Customer-newer")
                                         .replace("5a4f1c1e", "6a4f1c1e")).fetchone() or (None,)
        assert appended_again == appended + 1
        assert conn.execute("select count(*) from es.events_latest").fetchone() == (
            len(seeded) + 2,)


def test_a_tampered_row_blocks_the_swap(store: str, shop_migration: EventsMigration) -> None:
    seeded = shop_history.history(seed=5, customers=200)
    with psycopg.connect(store, autocommit=True) as conn:
        shop_history.load(conn, seeded)
    runner.run(store, shop_migration, batch_size=250, swap=False)
    assert all(ok for _, ok, _ in runner.verify(store, shop_migration))
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute(f"update es.{shop_migration.standby_table} "
                     "set recorded_at = recorded_at + interval '1 second' "
                     "where global_position = 77")
        before = rows(conn, "events")

    failed = [name for name, ok, _ in runner.verify(store, shop_migration) if not ok]
    assert failed == ["kept columns equal, event by event"]
    with pytest.raises(psycopg.Error, match="verification failed, nothing swapped"):
        runner.run(store, shop_migration, batch_size=250)

    with psycopg.connect(store, autocommit=True) as conn:
        assert rows(conn, "events") == before
        assert conn.execute("select status from es.escodegen_migrations").fetchone() == (
            "copying",)


def _run_row(conn: psycopg.Connection[Any], migration: EventsMigration) -> tuple[Any, ...]:
    row = conn.execute("select verified_upto, guard_tripped from es.escodegen_migrations "
                       "where migration_id = %s", (migration.id,)).fetchone()
    assert row is not None
    return tuple(row)


def _append_registration(conn: psycopg.Connection[Any], stream: str) -> None:
    conn.execute(f"select es.append_to_stream('{stream}', -1, '[{{\"event_type\": "
                 "\"CustomerRegistered\", \"event_version\": 1, \"data\": {\"customerId\": "
                 "\"5a4f1c1e-7a89-4d3e-9a51-2d0c1c4f7e10\", \"name\": \"A B\", "
                 "\"email\": \"a@example.com\"}}]')")


def test_prepare_verifies_ahead_and_the_swap_checks_only_the_rest(
        store: str, shop_migration: EventsMigration) -> None:
    """Prepare verifies what is copied; events appended after it are the swap's part, which
    the swap copies and verifies; the guard triggers are gone after the swap."""
    with psycopg.connect(store, autocommit=True) as conn:
        shop_history.load(conn, shop_history.history(seed=13, customers=60))
    runner.run(store, shop_migration, batch_size=100, swap=False)
    verify_part = shop_migration.function("verify_part")
    with psycopg.connect(store, autocommit=True) as conn:
        verified_upto, tripped = _run_row(conn, shop_migration)
        top = conn.execute("select max(global_position) from es.events").fetchone()
        assert top is not None and verified_upto == top[0] and tripped is False
        _append_registration(conn, "Customer-late")
        (xmin,) = conn.execute("select verified_xmin from es.escodegen_migrations").fetchone() \
            or (None,)
        checks = conn.execute(f"select check_name, ok from {verify_part}(%s, %s, false)",
                              (verified_upto, xmin)).fetchall()
        assert all(ok for _, ok in checks), "the verified part is unchanged by an append"
        rest = conn.execute(f"select check_name, ok from {verify_part}(%s, %s, true)",
                            (verified_upto, xmin)).fetchall()
        assert [name for name, ok in rest if not ok] == [
            "count per event type", "kept columns equal, event by event"], \
            "the appended event is in the swap's part, not copied yet"

    outcome = runner.run(store, shop_migration)

    with psycopg.connect(store, autocommit=True) as conn:
        assert conn.execute("select event_version from es.events "
                            "where stream_id = 'Customer-late'").fetchone() == (3,)
        triggers = conn.execute("select tgrelid::regclass::text from pg_trigger "
                                "where tgname = %s", (shop_migration.guard_trigger,)).fetchall()
        assert triggers == [], f"guard triggers left behind on {triggers}"
        assert outcome.backup_table is not None


@pytest.mark.parametrize("change", [
    ("update es.events set recorded_at = recorded_at + interval '1 second' "
     "where global_position = 42"),
    "delete from es.events where global_position = 42",
])
def test_a_change_to_a_verified_live_event_blocks_the_swap(
        store: str, shop_migration: EventsMigration, change: str) -> None:
    """After prepare verified the copy, someone changes the live table (not an append): the
    copy no longer matches, the guard makes the swap verify everything, and it refuses."""
    with psycopg.connect(store, autocommit=True) as conn:
        shop_history.load(conn, shop_history.history(seed=17, customers=60))
    runner.run(store, shop_migration, batch_size=100, swap=False)
    with psycopg.connect(store, autocommit=True) as conn:
        assert _run_row(conn, shop_migration)[1] is False
        conn.execute(change)
        assert _run_row(conn, shop_migration)[1] is True

    with pytest.raises(psycopg.Error, match="verification failed, nothing swapped"):
        runner.run(store, shop_migration)
    with psycopg.connect(store, autocommit=True) as conn:
        assert conn.execute("select status from es.escodegen_migrations").fetchone() == (
            "copying",)


@pytest.mark.parametrize("tamper", [
    "delete from es.{standby} where global_position = 10",
    ("update es.{standby} set data = data || '{{\"extra\": 1}}' "
    "where global_position = (select min(global_position) from es.{standby} "
    "where event_type = 'OrderItemAdded')"),
    ("update es.{standby} set event_version = 1 "
    "where global_position = (select min(global_position) from es.{standby} "
    "where event_type = 'OrderShipped' and metadata ? 'escodegen_migrations')"),
])
def test_verification_finds_every_kind_of_difference(
        store: str, shop_migration: EventsMigration, tamper: str) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        shop_history.load(conn, shop_history.history(seed=11, customers=100))
    runner.run(store, shop_migration, swap=False)
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute(tamper.format(standby=shop_migration.standby_table))
    assert not all(ok for _, ok, _ in runner.verify(store, shop_migration))


def test_an_event_committed_behind_a_batch_is_not_lost(
        store: str, shop_migration: EventsMigration) -> None:
    """A slow transaction takes a position, a later one commits first and is copied; the
    slow one commits after the batches passed its position: the swap still copies it."""
    def registration(stream: str) -> str:
        return (f"select global_position from es.append_to_stream('Customer-{stream}', -1, "
                "'[{\"event_type\": \"CustomerRegistered\", \"event_version\": 1, \"data\": "
                "{\"customerId\": \"5a4f1c1e-7a89-4d3e-9a51-2d0c1c4f7e10\", \"name\": \"A B\", "
                "\"email\": \"a@example.com\"}}]')")

    with psycopg.connect(store, autocommit=True) as conn:
        shop_history.load(conn, shop_history.history(seed=31, customers=30))
    with psycopg.connect(store) as slow, psycopg.connect(store, autocommit=True) as fast:
        runner.run(store, shop_migration, batch_size=50, swap=False)  # the run has started
        (late,) = slow.execute(registration("slow")).fetchone() or (None,)
        (early,) = fast.execute(registration("fast")).fetchone() or (None,)
        assert late is not None and early is not None and late < early
        runner.run(store, shop_migration, batch_size=50, swap=False)
        copied = fast.execute("select copied_upto from es.escodegen_migrations").fetchone()
        assert copied == (early,), "the batches went past the uncommitted position"
        slow.commit()

    runner.run(store, shop_migration, batch_size=50)

    with psycopg.connect(store, autocommit=True) as conn:
        found = conn.execute("select event_version, data ->> 'firstName' from es.events "
                             "where global_position = %s", (late,)).fetchone()
        assert found == (3, "A")


def test_a_progress_table_of_an_earlier_escodegen_gains_the_new_columns(
        store: str, shop_migration: EventsMigration) -> None:
    """The progress table as the first released migration created it: a run still works."""
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute("""create table es.escodegen_migrations (
            migration_id text not null, kind text not null, status text not null,
            standby_table text, backup_table text, start_xmin xid8,
            copied_upto bigint not null default 0, copied bigint not null default 0,
            swap_position bigint, detail jsonb not null default '{}',
            started_at timestamptz not null default now(),
            updated_at timestamptz not null default now(), finished_at timestamptz,
            constraint escodegen_migrations_pkey primary key (migration_id))""")
        shop_history.load(conn, shop_history.history(seed=19, customers=20))
    outcome = runner.run(store, shop_migration, batch_size=100)
    assert outcome.backup_table is not None
    with psycopg.connect(store, autocommit=True) as conn:
        verified_upto, tripped = _run_row(conn, shop_migration)
        assert verified_upto is not None and tripped is False
