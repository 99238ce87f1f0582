"""A projection and the stored events it cannot apply, on a real PostgreSQL: the checkpoint of
a caught-up projection passes the events it does not handle; a failing batch is applied event
by event so the bad event is isolated; `on_error: stop` (order_summary) stops before it and
raises ESPRJ naming it; `on_error: skip` (customer_directory) records it in
projection_failures and goes on; `retry_<p>` applies the recorded ones again; a rebuild's
failures replace the live ones. Each row still takes each event exactly once."""

from __future__ import annotations

import json
import random
import threading
import uuid
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from devtools.shop_history import batches
from tests.emit_postgres.events import ANY, append, event

Conn = psycopg.Connection[Any]


def raw(conn: Conn, stream: str, event_type: str, version: int, data: dict[str, Any]) -> int:
    """A stored event as a script or an old deployment wrote it (no append, no checks); its
    global position."""
    row = conn.execute(
        "insert into es.events (event_id, stream_id, stream_position, event_type, event_version,"
        " data) values (%s, %s, coalesce((select max(stream_position) from es.events"
        " where stream_id = %s), 0) + 1, %s, %s, %s) returning global_position",
        (uuid.uuid4(), stream, stream, event_type, version, Jsonb(data))).fetchone()
    assert row is not None
    return int(row[0])


def registered(customer: str, first: str = "Ann") -> dict[str, Any]:
    return event("CustomerRegistered", 3, {"customerId": customer, "firstName": first,
                                           "lastName": "Lee", "email": "a@example.org",
                                           "tier": "standard"})


def placed(order: str) -> dict[str, Any]:
    return event("OrderPlaced", 2, {"orderId": order, "customerId": order, "totalAmount": "5",
                                    "currency": "EUR"})


def status(conn: Conn, name: str) -> tuple[int, int]:
    """(checkpoint position, events behind) of projection_status."""
    row = conn.execute("select checkpoint_position, events_behind from es.projection_status(%s)",
                       (name,)).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def catch_up(conn: Conn, projection: str, batch: int = 1000) -> int:
    total = 0
    while (row := conn.execute(f"select es.catch_up_{projection}(%s)", (batch,)).fetchone()) \
            and row[0]:
        total += row[0]
    return total


def failures(conn: Conn, projection: str) -> list[tuple[Any, ...]]:
    return conn.execute("select global_position, event_type, sqlstate, attempts"
                        " from es.projection_failures where projection = %s"
                        " order by global_position", (projection,)).fetchall()


def table(conn: Conn, name: str) -> list[tuple[Any, ...]]:
    return conn.execute(f"select * from es.{name} order by 1").fetchall()


# -- the checkpoint passes unhandled events (issue 17, point 1) --------------------------

def test_a_caught_up_projection_is_not_behind_the_events_it_does_not_handle(conn: Conn) -> None:
    customer, order = str(uuid.uuid4()), str(uuid.uuid4())
    append(conn, f"Customer-{customer}", ANY, [registered(customer)])
    last = append(conn, f"Order-{order}", ANY, [placed(order), placed(order)])[-1]
    assert catch_up(conn, "customer_directory") == 1
    assert status(conn, "customer_directory") == (last[2], 0)
    assert conn.execute("select es.projection_caught_up('customer_directory', %s)",
                        (last[2],)).fetchone() == (True,)
    # a call that finds nothing new moves nothing (no checkpoint write, no NOTIFY)
    before = conn.execute("select updated_at from es.checkpoints"
                          " where name = 'customer_directory'").fetchone()
    assert catch_up(conn, "customer_directory") == 0
    assert conn.execute("select updated_at from es.checkpoints"
                        " where name = 'customer_directory'").fetchone() == before
    # a full batch stops at its last event: the next one reads on from there
    append(conn, f"Customer-{customer}", ANY, [event("CustomerTierChanged", 1, {
        "customerId": customer, "tier": "premium"})])
    append(conn, f"Order-{order}", ANY, [placed(order)])
    assert conn.execute("select es.catch_up_customer_directory(1)").fetchone() == (1,)
    assert status(conn, "customer_directory")[1] == 1
    assert catch_up(conn, "customer_directory") == 0
    assert status(conn, "customer_directory")[1] == 0


def test_the_checkpoint_never_passes_a_handled_event_committed_late(store: str) -> None:
    with psycopg.connect(store, autocommit=True) as conn, psycopg.connect(store) as slow:
        customer, order = str(uuid.uuid4()), str(uuid.uuid4())
        # a transaction that took its id first writes a customer, and commits last
        slow.execute("select pg_current_xact_id()")
        append(slow, f"Customer-{customer}", ANY, [registered(customer)])
        append(conn, f"Order-{order}", ANY, [placed(order)])
        assert catch_up(conn, "customer_directory") == 0
        assert status(conn, "customer_directory") == (0, 1)  # the order, waiting
        slow.commit()
        assert catch_up(conn, "customer_directory") == 1
        assert [r[1] for r in table(conn, "customer_directory")] == ["Ann"]
        assert status(conn, "customer_directory")[1] == 0


# -- on_error: stop --------------------------------------------------------------------

def test_stop_applies_the_events_before_the_bad_one_and_then_names_it(conn: Conn) -> None:
    good, bad, later = (str(uuid.uuid4()) for _ in range(3))
    append(conn, f"Order-{good}", ANY, [placed(good)])
    position = raw(conn, f"Order-{bad}", "OrderPlaced", 1,
                   {"orderId": bad, "customerId": bad, "totalAmount": "not a number"})
    append(conn, f"Order-{later}", ANY, [placed(later)])
    # the batch of three fails set-based; event by event, the first is applied and kept
    assert conn.execute("select es.catch_up_order_summary(100)").fetchone() == (1,)
    assert [str(r[0]) for r in table(conn, "order_summary")] == [good]
    assert status(conn, "order_summary") == (position - 1, 2)
    with pytest.raises(psycopg.Error) as caught:
        conn.execute("select es.catch_up_order_summary(100)")
    error = caught.value
    assert error.sqlstate == "ESPRJ"
    assert error.diag.message_primary == (
        f"projection order_summary cannot apply the event at global position {position} "
        f"(Order-{bad}:1, OrderPlaced version 1, id {json.loads(error.diag.message_detail or '')['event_id']}): "
        'invalid input syntax for type numeric: "not a number"')
    detail = json.loads(error.diag.message_detail or "")
    assert {k: detail[k] for k in ("projection", "global_position", "stream_id",
                                    "stream_position", "event_type", "event_version",
                                    "sqlstate")} == {
        "projection": "order_summary", "global_position": position,
        "stream_id": f"Order-{bad}", "stream_position": 1, "event_type": "OrderPlaced",
        "event_version": 1, "sqlstate": "22P02"}
    assert "on_error: skip" in (error.diag.message_hint or "")
    assert status(conn, "order_summary") == (position - 1, 2)
    # repaired (as `escodegen migrate events` or a script would), the catch-up goes on
    conn.execute("update es.events set data = jsonb_set(data, '{totalAmount}', '\"7\"')"
                 " where global_position = %s", (position,))
    assert catch_up(conn, "order_summary") == 2
    assert len(table(conn, "order_summary")) == 3
    assert failures(conn, "order_summary") == []


def test_a_bad_first_event_of_a_batch_raises_at_once(conn: Conn) -> None:
    bad = str(uuid.uuid4())
    position = raw(conn, f"Order-{bad}", "OrderPlaced", 2, {"customerId": bad, "totalAmount": "1"})
    with pytest.raises(psycopg.Error, match=f"global position {position} .*null value in column"
                                            ' "order_id"') as caught:
        conn.execute("select es.catch_up_order_summary(10)")
    assert caught.value.sqlstate == "ESPRJ"


# -- on_error: skip --------------------------------------------------------------------

def test_skip_records_the_bad_event_and_applies_the_rest_of_its_batch(conn: Conn) -> None:
    first, bad, last = (str(uuid.uuid4()) for _ in range(3))
    append(conn, f"Customer-{first}", ANY, [registered(first, "First")])
    missing = raw(conn, f"Customer-{bad}", "CustomerRegistered", 3,
                  {"customerId": bad, "lastName": "X", "email": "x", "tier": "standard"})
    not_uuid = raw(conn, "Customer-x", "CustomerTierChanged", 1,
                   {"customerId": "not-a-uuid", "tier": "premium"})
    append(conn, f"Customer-{last}", ANY, [registered(last, "Last")])
    assert conn.execute("select es.catch_up_customer_directory(100)").fetchone() == (4,)
    assert sorted(r[1] for r in table(conn, "customer_directory")) == ["First", "Last"]
    assert failures(conn, "customer_directory") == [
        (missing, "CustomerRegistered", "23502", 1), (not_uuid, "CustomerTierChanged", "22P02", 1)]
    row = conn.execute("select stream_id, stream_position, event_version, error, event_id"
                       " from es.projection_failures where global_position = %s",
                       (missing,)).fetchone()
    assert row is not None and row[:3] == (f"Customer-{bad}", 1, 3)
    assert 'null value in column "first_name"' in row[3]
    assert status(conn, "customer_directory")[1] == 0
    assert catch_up(conn, "customer_directory") == 0
    assert len(failures(conn, "customer_directory")) == 2  # skipped once, not again


def test_retry_applies_what_now_succeeds_and_keeps_what_still_fails(conn: Conn) -> None:
    fixed, broken = str(uuid.uuid4()), str(uuid.uuid4())
    repaired = raw(conn, f"Customer-{fixed}", "CustomerRegistered", 3,
                   {"customerId": fixed, "lastName": "Fix", "email": "x", "tier": "standard"})
    still = raw(conn, f"Customer-{broken}", "CustomerRegistered", 3,
                {"customerId": broken, "lastName": "Bro", "email": "x", "tier": "standard"})
    catch_up(conn, "customer_directory")
    assert [f[0] for f in failures(conn, "customer_directory")] == [repaired, still]
    conn.execute("update es.events set data = data || '{\"firstName\": \"Fred\"}'"
                 " where global_position = %s", (repaired,))
    outcome = conn.execute("select global_position, applied, error"
                           " from es.retry_customer_directory()").fetchall()
    assert outcome[0] == (repaired, True, None)
    assert outcome[1][:2] == (still, False) and "first_name" in outcome[1][2]
    assert [r[1] for r in table(conn, "customer_directory")] == ["Fred"]
    assert failures(conn, "customer_directory") == [(still, "CustomerRegistered", "23502", 2)]


def test_a_rebuild_replaces_the_live_failures_with_its_own(conn: Conn) -> None:
    bad = str(uuid.uuid4())
    position = raw(conn, f"Customer-{bad}", "CustomerRegistered", 3,
                   {"customerId": bad, "lastName": "B", "email": "x", "tier": "standard"})
    catch_up(conn, "customer_directory")
    conn.execute("update es.projection_failures set attempts = 9")
    conn.execute("select es.begin_rebuild_customer_directory()")
    while conn.execute("select es.rebuild_step_customer_directory(10)").fetchone() != (0,):
        pass
    assert [f[0] for f in failures(conn, "customer_directory__rebuild")] == [position]
    conn.execute("select es.finish_rebuild_customer_directory()")
    assert failures(conn, "customer_directory") == [(position, "CustomerRegistered", "23502", 1)]
    assert failures(conn, "customer_directory__rebuild") == []


# -- exactly once per row, with bad events among good ones ------------------------------

APPLY_SKIPPING = """
    do $$ declare e es.events;
    begin
        for e in select * from es.events order by tx_id, global_position loop
            begin
                perform es.apply_{p}(e);
            exception when others then
                null;
            end;
        end loop;
    end $$"""


def _bad_events(conn: Conn, r: random.Random, count: int) -> None:
    for _ in range(count):
        who = str(uuid.uuid4())
        stream, event_type, data = r.choice([
            (f"Customer-{who}", "CustomerRegistered",
             {"customerId": who, "lastName": "N", "email": "e", "tier": "standard"}),
            ("Customer-x", "CustomerTierChanged", {"customerId": "not-a-uuid", "tier": "premium"}),
            (f"Order-{who}", "OrderItemAdded", {"orderId": "1", "sku": "s", "quantity": 1}),
        ])
        raw(conn, stream, event_type, 1 if event_type != "CustomerRegistered" else 3, data)


@pytest.mark.parametrize("seed", [11, 12])
def test_skipping_equals_the_per_event_loop_that_skips_failures(conn: Conn, seed: int) -> None:
    r = random.Random(seed)
    for i, (stream, events) in enumerate(batches(seed, orders=30, customers=25)):
        append(conn, stream, ANY, events)
        if i % 7 == 3:
            _bad_events(conn, r, 2)
    while conn.execute("select es.catch_up_customer_directory(%s)",
                       (r.randint(1, 40),)).fetchone() != (0,):
        pass
    set_based = table(conn, "customer_directory")
    skipped = len(failures(conn, "customer_directory"))
    conn.execute("truncate es.customer_directory")
    conn.execute(APPLY_SKIPPING.format(p="customer_directory"))
    assert set_based == table(conn, "customer_directory")
    assert len(set_based) > 10 and skipped > 3


@pytest.mark.parametrize("seed", [21, 22])
def test_stopping_and_going_on_after_a_repair_applies_each_event_once(conn: Conn,
                                                                      seed: int) -> None:
    r = random.Random(seed)
    bad: list[int] = []
    for i, (stream, events) in enumerate(batches(seed, orders=50, customers=0)):
        append(conn, stream, ANY, events)
        if i % 11 == 5:
            order = str(uuid.uuid4())
            bad.append(raw(conn, f"Order-{order}", "OrderPlaced", 2,
                           {"orderId": order, "customerId": order, "totalAmount": "x"}))
    stops = 0
    while True:
        try:
            if conn.execute("select es.catch_up_order_summary(%s)",
                            (r.randint(1, 40),)).fetchone() == (0,):
                break
        except psycopg.Error as error:
            assert error.sqlstate == "ESPRJ"
            position = json.loads(error.diag.message_detail or "")["global_position"]
            assert position == bad[stops]
            # what the catch-up applied so far is the per-event result of the events before it
            applied = table(conn, "order_summary")
            conn.execute("begin")
            conn.execute("truncate es.order_summary")
            conn.execute(f"""
                do $$ declare e es.events;
                begin
                    for e in select * from es.events where global_position < {position}
                              order by tx_id, global_position loop
                        perform es.apply_order_summary(e);
                    end loop;
                end $$""")
            assert table(conn, "order_summary") == applied
            conn.execute("rollback")
            conn.execute("update es.events set data = data || '{\"totalAmount\": \"1\"}'"
                         " where global_position = %s", (position,))
            stops += 1
    assert stops == len(bad) > 2
    caught_up = table(conn, "order_summary")
    conn.execute("truncate es.order_summary")
    conn.execute(APPLY_SKIPPING.format(p="order_summary"))
    assert caught_up == table(conn, "order_summary")


def test_a_catch_up_racing_a_retry_takes_turns(store: str) -> None:
    """retry_<p> holds the live checkpoint: a catch-up waits for it, never interleaves."""
    with psycopg.connect(store, autocommit=True) as conn, psycopg.connect(store) as retrying:
        who = str(uuid.uuid4())
        raw(conn, f"Customer-{who}", "CustomerRegistered", 3,
            {"customerId": who, "lastName": "N", "email": "e", "tier": "standard"})
        catch_up(conn, "customer_directory")
        retrying.execute("select * from es.retry_customer_directory()").fetchall()
        done = threading.Event()

        def run() -> None:
            with psycopg.connect(store, autocommit=True) as other:
                other.execute("select es.catch_up_customer_directory(10)")
            done.set()

        worker = threading.Thread(target=run)
        worker.start()
        assert not done.wait(0.5)
        retrying.commit()
        worker.join()
        assert done.is_set()
