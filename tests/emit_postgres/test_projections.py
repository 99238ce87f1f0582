"""Projections: set-based catch-up equals one statement per event, handlers are guarded,
a crash before commit loses nothing, and a blue-green rebuild under load ends right."""

from __future__ import annotations

import random
import threading
import uuid
from typing import Any

import psycopg
import pytest

from devtools import shop_history
from tests.emit_postgres.events import ANY, append, event

PROJECTIONS = ("order_summary", "customer_directory")
Conn = psycopg.Connection[Any]


def write(conn: Conn, seed: int, orders: int, customers: int) -> None:
    for stream, events in shop_history.batches(seed, customers, orders):
        append(conn, stream, ANY, events)


def rows(conn: Conn, table: str) -> list[tuple[Any, ...]]:
    return conn.execute(f"select * from es.{table} order by 1").fetchall()


def catch_up(conn: Conn, projection: str, batch: int) -> None:
    while conn.execute(f"select es.catch_up_{projection}(%s)", (batch,)).fetchone() != (0,):
        pass


def per_event(conn: Conn, projection: str) -> None:
    """The reference: every event in reading order, one statement each."""
    conn.execute(f"truncate es.{projection}")
    conn.execute(f"""
        do $$ declare e es.events;
        begin
            for e in select * from es.events order by tx_id, global_position loop
                perform es.apply_{projection}(e);
            end loop;
        end $$""")


def rebuild(conn: Conn, projection: str, batch: int = 10000) -> None:
    conn.execute(f"select es.begin_rebuild_{projection}()")
    while conn.execute(f"select es.rebuild_step_{projection}(%s)", (batch,)).fetchone() != (0,):
        pass


def test_handlers_do_what_the_declaration_says(conn: Conn) -> None:
    order, cancelled = str(uuid.uuid4()), str(uuid.uuid4())
    append(conn, f"Order-{order}", ANY, [
        event("OrderPlaced", 1, {"orderId": order, "customerId": order, "totalAmount": "10.50"}),
        event("OrderItemAdded", 1, {"orderId": order, "sku": "a", "quantity": 1}),
        event("OrderItemAdded", 1, {"orderId": order, "sku": "b", "quantity": 2}),
    ])
    append(conn, f"Order-{cancelled}", ANY, [
        event("OrderPlaced", 2, {"orderId": cancelled, "customerId": order,
                                 "totalAmount": "3"}),
        event("OrderCancelled", 1, {"orderId": cancelled}),
    ])
    append(conn, f"Order-{order}", ANY, [event("OrderShipped", 2, {
        "orderId": order, "shippedAt": "2024-01-01T00:00:00Z", "address": "x", "carrier": "y"})])
    assert conn.execute("select es.catch_up_order_summary(2)").fetchone() == (2,)
    catch_up(conn, "order_summary", 2)
    found = conn.execute(
        "select order_id::text, status, total, item_count from es.order_summary").fetchall()
    assert [(o, s, str(t), n) for o, s, t, n in found] == [(order, "shipped", "10.50", 2)]
    checkpoint = conn.execute(
        "select global_position from es.checkpoints where name = 'order_summary'").fetchone()
    assert checkpoint == (6,)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_set_based_catch_up_equals_the_per_event_loop(conn: Conn, seed: int) -> None:
    write(conn, seed, orders=40, customers=8)
    r = random.Random(seed)
    for projection in PROJECTIONS:
        # batches of random sizes: many rounds (several events of a row in one batch)
        while conn.execute(f"select es.catch_up_{projection}(%s)",
                           (r.randint(1, 60),)).fetchone() != (0,):
            pass
        set_based = rows(conn, projection)
        per_event(conn, projection)
        assert set_based == rows(conn, projection)
        assert len(set_based) > 3


def test_replaying_applied_events_changes_nothing(conn: Conn) -> None:
    customer = str(uuid.uuid4())
    append(conn, f"Customer-{customer}", ANY, [
        event("CustomerRegistered", 3, {"customerId": customer, "firstName": "A",
                                        "lastName": "B", "email": "e", "tier": "standard"}),
        event("CustomerTierChanged", 1, {"customerId": customer, "tier": "premium"}),
        event("CustomerTierChanged", 1, {"customerId": customer, "tier": "enterprise"}),
    ])
    order = str(uuid.uuid4())
    append(conn, f"Order-{order}", ANY, [
        event("OrderPlaced", 1, {"orderId": order, "customerId": order, "totalAmount": "1"}),
        event("OrderItemAdded", 1, {"orderId": order, "sku": "a", "quantity": 1}),
        event("OrderShipped", 2, {"orderId": order, "shippedAt": "2024-01-01T00:00:00Z",
                                  "address": "x", "carrier": "y"}),
    ])
    for projection in PROJECTIONS:
        catch_up(conn, projection, 100)
        applied = rows(conn, projection)
        conn.execute(f"""
            do $$ declare e es.events;
            begin
                for e in select * from es.events order by global_position loop
                    perform es.apply_{projection}(e);
                end loop;
            end $$""")
        assert rows(conn, projection) == applied
    assert rows(conn, "customer_directory")[0][3] == "enterprise"
    old = str(uuid.uuid4())
    append(conn, f"Customer-{old}", ANY, [event("CustomerRegistered", 1, {
        "customerId": old, "name": "Bob Ray Jr", "email": "b@example.com"})])
    catch_up(conn, "customer_directory", 100)
    upcast = conn.execute("select first_name, last_name, tier from es.customer_directory"
                          " where customer_id = %s", (old,)).fetchall()
    assert upcast == [("Bob", "Ray Jr", "standard")]
    assert rows(conn, "order_summary")[0][1:4] == ("shipped", pytest.approx(1), 1)


def test_a_runner_killed_before_commit_restarts_to_the_same_read_model(store: str) -> None:
    with psycopg.connect(store, autocommit=True) as admin:
        write(admin, 7, orders=60, customers=5)
        victim = psycopg.connect(store)
        try:
            assert victim.execute("select es.catch_up_order_summary(30)").fetchone() == (30,)
            victim.commit()
            # the next batch is applied to the table, then the process dies before commit
            assert victim.execute("select es.catch_up_order_summary(30)").fetchone() == (30,)
            admin.execute("select pg_terminate_backend(%s)", (victim.info.backend_pid,))
            with pytest.raises(psycopg.OperationalError):
                victim.commit()
        finally:
            victim.close()
        assert admin.execute(
            "select count(*) from es.events e, es.checkpoints c where c.name = 'order_summary'"
            " and (e.tx_id, e.global_position) <= (c.tx_id, c.global_position)"
            " and e.event_type like 'Order%'").fetchone() == (30,)
        catch_up(admin, "order_summary", 30)  # the restarted runner
        restarted = rows(admin, "order_summary")
        rebuild(admin, "order_summary")  # an uninterrupted run
        assert restarted == rows(admin, "order_summary__rebuild")
        assert len(restarted) > 10


def test_a_blue_green_rebuild_while_events_arrive(store: str) -> None:
    stop = threading.Event()
    errors: list[psycopg.Error] = []

    def keep_writing() -> None:
        seed = 100
        with psycopg.connect(store, autocommit=True) as conn:
            while not stop.is_set():
                write(conn, seed, orders=5, customers=1)
                seed += 1

    def keep_projecting() -> None:
        try:
            with psycopg.connect(store) as conn:
                while not stop.is_set():
                    conn.execute("select es.catch_up_order_summary(50)")
                    conn.commit()
        except psycopg.Error as error:  # reported by the test below
            errors.append(error)

    with psycopg.connect(store, autocommit=True) as conn:
        write(conn, 99, orders=80, customers=2)
        threads = [threading.Thread(target=keep_writing), threading.Thread(target=keep_projecting)]
        for t in threads:
            t.start()
        try:
            rebuild(conn, "order_summary", batch=40)
            conn.execute("select es.finish_rebuild_order_summary()")
            swapped = conn.execute("select count(*) from es.events").fetchone()
            write(conn, 98, orders=10, customers=0)  # and more after the swap
        finally:
            stop.set()
            for t in threads:
                t.join()
        assert not errors
        assert swapped is not None and swapped[0] > 0
        catch_up(conn, "order_summary", 100)
        live = rows(conn, "order_summary")
        assert conn.execute("select to_regclass('es.order_summary__rebuild')").fetchone() == (None,)
        assert conn.execute(
            "select count(*) from es.checkpoints where name like 'order_summary%'").fetchone() == (1,)
        rebuild(conn, "order_summary")  # a fresh rebuild after everything arrived
        assert live == rows(conn, "order_summary__rebuild")
        assert len(live) > 50



def test_catch_up_rebuild_and_their_repeats_send_the_client_no_notice(conn: Conn) -> None:
    """A runner calls catch-up all day: `drop table if exists` of its batch table would send a
    NOTICE ("does not exist, skipping") at every call, to psql, pg_cron and client logs."""
    notices: list[str] = []
    conn.add_notice_handler(lambda diag: notices.append(str(diag.message_primary)))
    write(conn, seed=7, orders=3, customers=2)
    for projection in PROJECTIONS:
        with conn.transaction():  # twice in one transaction: the second drops the first's table
            catch_up(conn, projection, 2)
            catch_up(conn, projection, 2)
        rebuild(conn, projection)
        rebuild(conn, projection)
    assert conn.execute("select count(*) from es.order_summary").fetchone() != (0,)
    assert notices == []
