"""append_to_streams, set-based: every guarantee of append_to_stream for all the appends of
one call (all or none, expectation before any position, idempotent ids, registry, reading
order), and no deadlock between importers writing to the same streams."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

import psycopg
import pytest

from tests.emit_postgres.events import (
    ANY,
    NO_STREAM,
    STREAM_EXISTS,
    append,
    event,
    item_added,
    sequence_value,
)

Append = tuple[str, int, list[dict[str, Any]]]


def append_many(conn: psycopg.Connection[Any], appends: list[Append]) -> list[tuple[Any, ...]]:
    """append_to_streams' rows: (stream_id, event_id, stream_position, global_position)."""
    return conn.execute("select * from es.append_to_streams(%s)", (json.dumps([
        {"stream_id": s, "expected_version": e, "events": events} for s, e, events in appends]),
    )).fetchall()


def refused(conn: psycopg.Connection[Any], appends: list[Append]) -> psycopg.Error:
    """The error of a call that must be refused, after checking that it wrote nothing and
    took no global position."""
    before = (sequence_value(conn), conn.execute("select count(*) from es.events").fetchone(),
              conn.execute("select array_agg(s order by s.stream_id) from es.streams s"
                           " where version > 0").fetchone())
    with pytest.raises(psycopg.Error) as raised:
        append_many(conn, appends)
    after = (sequence_value(conn), conn.execute("select count(*) from es.events").fetchone(),
             conn.execute("select array_agg(s order by s.stream_id) from es.streams s"
                          " where version > 0").fetchone())
    assert after == before
    return raised.value


def new_stream() -> tuple[str, str]:
    order = str(uuid.uuid4())
    return order, f"Order-{order}"


def test_rows_come_back_in_call_order_with_positions_in_call_order(
        conn: psycopg.Connection[Any]) -> None:
    (a, sa), (b, sb) = new_stream(), new_stream()
    append(conn, sb, ANY, [item_added(b)])
    calls: list[Append] = [(sb, 1, [item_added(b, "b2"), item_added(b, "b3")]),
                           (sa, NO_STREAM, [item_added(a, "a1")]),
                           (sb, 3, [item_added(b, "b4")]),
                           (sa, STREAM_EXISTS, [])]
    rows = append_many(conn, calls)
    given = [e["event_id"] for _, _, events in calls for e in events]
    assert [str(r[1]) for r in rows] == given
    assert [(r[0], r[2]) for r in rows] == [(sb, 2), (sb, 3), (sa, 1), (sb, 4)]
    positions = [r[3] for r in rows]
    assert positions == sorted(positions) and len(set(positions)) == 4
    assert conn.execute("select stream_id, version from es.streams order by version").fetchall(
    ) == [(sa, 1), (sb, 4)]
    stored = conn.execute("select data ->> 'sku' from es.events where stream_id = %s"
                          " order by stream_position", (sb,)).fetchall()
    assert stored == [("sku-1",), ("b2",), ("b3",), ("b4",)]


@pytest.mark.parametrize("failing", [0, 1, 2])
def test_a_wrong_expectation_anywhere_refuses_the_call_and_names_its_stream(
        conn: psycopg.Connection[Any], failing: int) -> None:
    streams = [new_stream() for _ in range(3)]
    for order, stream in streams:
        append(conn, stream, ANY, [item_added(order)])
    calls: list[Append] = [(stream, 1, [item_added(order)]) for order, stream in streams]
    calls[failing] = (calls[failing][0], NO_STREAM, calls[failing][2])
    error = refused(conn, calls)
    assert error.sqlstate == "ESVER"
    stream = streams[failing][1]
    assert error.diag.message_primary == (
        f'wrong expected version for stream "{stream}": expected no_stream, actual 1')
    assert json.loads(error.diag.message_detail or "") == {
        "stream_id": stream, "expected": NO_STREAM, "actual": 1}


def test_a_stream_named_twice_sees_its_earlier_append(conn: psycopg.Connection[Any]) -> None:
    order, stream = new_stream()
    error = refused(conn, [(stream, NO_STREAM, [item_added(order)]),
                           (stream, NO_STREAM, [item_added(order)])])
    assert error.sqlstate == "ESVER"
    assert json.loads(error.diag.message_detail or "")["actual"] == 1
    rows = append_many(conn, [(stream, NO_STREAM, [item_added(order)]),
                              (stream, 1, [item_added(order), item_added(order)]),
                              (stream, 3, [])])
    assert [r[2] for r in rows] == [1, 2, 3]


def test_a_retried_call_returns_the_first_positions_and_writes_nothing(
        conn: psycopg.Connection[Any]) -> None:
    (a, sa), (b, sb) = new_stream(), new_stream()
    calls: list[Append] = [(sa, NO_STREAM, [item_added(a), item_added(a)]),
                           (sb, NO_STREAM, [item_added(b)])]
    first = append_many(conn, calls)
    append(conn, sa, ANY, [item_added(a)])
    before = sequence_value(conn)
    # the expectations no longer hold: a retry is still no conflict
    assert append_many(conn, calls) == first
    assert sequence_value(conn) == before
    # a retried append next to a new one: the retry's stored positions, the new one written
    (c, sc) = new_stream()
    rows = append_many(conn, [calls[1], (sc, NO_STREAM, [item_added(c)]), calls[0]])
    assert [r[:3] for r in rows] == [first[2][:3], (sc, rows[1][1], 1), *[r[:3] for r in first[:2]]]
    assert rows[1][3] == before + 1
    assert conn.execute("select count(*) from es.events").fetchone() == (5,)


def test_an_event_id_given_twice_in_the_call_is_esids(conn: psycopg.Connection[Any]) -> None:
    (a, sa), (_b, sb) = new_stream(), new_stream()
    twice = item_added(a)
    error = refused(conn, [(sa, ANY, [item_added(a), twice]),
                           (sb, ANY, [{**twice, "event_id": twice["event_id"].upper()}])])
    assert error.sqlstate == "ESIDS"
    assert error.diag.message_primary == (
        f"event id {twice['event_id']} is given twice in the call (event 2 of append 1 and "
        "event 1 of append 2)")


@pytest.mark.parametrize("case", ["partial", "other stream", "reordered"])
def test_event_ids_stored_elsewhere_are_esids(conn: psycopg.Connection[Any], case: str) -> None:
    (a, sa), (b, sb) = new_stream(), new_stream()
    batch = [item_added(a), item_added(a)]
    append(conn, sa, NO_STREAM, batch)
    retry: Append = {
        "partial": (sa, ANY, [batch[0], item_added(a)]),
        "other stream": (sb, ANY, batch),
        "reordered": (sa, ANY, batch[::-1]),
    }[case]
    error = refused(conn, [(f"Order-{uuid.uuid4()}", ANY, [item_added(b)]), retry])
    assert error.sqlstate == "ESIDS"
    assert " of append 2) is already stored at " in (error.diag.message_primary or "")
    assert f'is already stored at "{sa}" position' in (error.diag.message_primary or "")


def test_an_unregistered_event_refuses_the_call(conn: psycopg.Connection[Any]) -> None:
    (a, sa), (b, sb) = new_stream(), new_stream()
    error = refused(conn, [(sa, ANY, [item_added(a)]),
                           (sb, ANY, [item_added(b), event("OrderTeleported", 1, {})])])
    assert error.sqlstate == "ESREG"
    assert error.diag.message_primary == 'event type "OrderTeleported" version 1 is not registered'


def test_the_first_failing_append_is_reported(conn: psycopg.Connection[Any]) -> None:
    """In call order; within an append in append_to_stream's order (ids, expectation,
    registry)."""
    (_a, sa), (b, sb) = new_stream(), new_stream()
    error = refused(conn, [(sa, STREAM_EXISTS, [event("OrderTeleported", 1, {})]),
                           (sb, STREAM_EXISTS, [item_added(b)])])
    assert error.sqlstate == "ESVER"
    assert json.loads(error.diag.message_detail or "")["stream_id"] == sa
    error = refused(conn, [(sa, ANY, [event("OrderTeleported", 1, {})]),
                           (sb, STREAM_EXISTS, [item_added(b)])])
    assert error.sqlstate == "ESREG"


def test_a_raw_insert_counts_in_the_version(conn: psycopg.Connection[Any]) -> None:
    order, stream = new_stream()
    append(conn, stream, NO_STREAM, [item_added(order)])
    conn.execute(
        "insert into es.events (event_id, stream_id, stream_position, event_type, "
        "event_version, data, tx_id) values (gen_random_uuid(), %s, 2, 'OrderItemAdded', 1, "
        "%s, pg_current_xact_id())",
        (stream, json.dumps({"orderId": order, "sku": "raw", "quantity": 1})))
    error = refused(conn, [(stream, 1, [item_added(order)])])
    assert json.loads(error.diag.message_detail or "")["actual"] == 2
    assert [r[2] for r in append_many(conn, [(stream, 2, [item_added(order)])])] == [3]
    assert conn.execute("select version from es.streams where stream_id = %s",
                        (stream,)).fetchone() == (3,)


@pytest.mark.parametrize(("appends", "message"), [
    ('[{"stream_id": "s", "expected_version": -4}]', "append 1 has an invalid expected version -4"),
    ('[{"stream_id": "s", "expected_version": -1}, {"stream_id": "t", "expected_version": 1.5}]',
     "append 2 has an invalid expected version 1.5"),
    ('[{"stream_id": "s", "expected_version": -1, "events": {}}]',
     "append 1 has events that are not a JSON array"),
    (('[{"stream_id": "s", "expected_version": -1, "events": [{"event_type": "OrderItemAdded",'
     ' "data": {}}]}]'), "event 1 of append 1 has no event_type, event_version or data"),
    (('[{"stream_id": "s", "expected_version": -1, "events": [{"event_type": "OrderItemAdded",'
      ' "event_version": 1, "data": {}, "metadata": ["tenant", "a"]}]}]'),
     "event 1 of append 1 has metadata that is not a JSON object"),
])
def test_malformed_appends_say_which(conn: psycopg.Connection[Any], appends: str,
                                     message: str) -> None:
    with pytest.raises(psycopg.Error) as raised:
        conn.execute("select * from es.append_to_streams(%s)", (appends,))
    assert raised.value.sqlstate == "ESARG"
    assert raised.value.diag.message_primary == message


def test_an_empty_call_and_empty_appends(conn: psycopg.Connection[Any]) -> None:
    assert conn.execute("select * from es.append_to_streams('[]')").fetchall() == []
    _order, stream = new_stream()
    assert append_many(conn, [(stream, NO_STREAM, [])]) == []
    error = refused(conn, [(stream, STREAM_EXISTS, [])])
    assert error.sqlstate == "ESVER"


def test_importers_writing_the_same_streams_in_opposite_orders_never_deadlock(
        store: str) -> None:
    streams = [new_stream() for _ in range(30)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def importer(order: list[tuple[str, str]]) -> None:
        try:
            with psycopg.connect(store, autocommit=True) as conn:
                barrier.wait()
                for _ in range(10):
                    append_many(conn, [(s, ANY, [item_added(o)]) for o, s in order])
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=importer, args=(order,))
               for order in (streams, streams[::-1])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with psycopg.connect(store) as conn:
        versions = conn.execute("select distinct version from es.streams").fetchall()
        assert versions == [(20,)]
        positions = conn.execute(
            "select stream_id, array_agg(stream_position order by tx_id, global_position)"
            " from es.events group by stream_id").fetchall()
    assert all(p == list(range(1, 21)) for _, p in positions)


def test_a_call_whose_transaction_began_earlier_keeps_stream_order(store: str) -> None:
    """The reading order (tx_id, global_position) follows stream order even when the call's
    transaction took its id before the stream's previous writer (as for append_to_stream)."""
    order, stream = new_stream()
    with psycopg.connect(store) as early, psycopg.connect(store) as late:
        append(early, f"Order-{uuid.uuid4()}", ANY, [item_added(order)])
        append(late, stream, ANY, [item_added(order, "late")])
        late.commit()
        append_many(early, [(stream, 1, [item_added(order, "early")])])
        early.commit()
        rows = early.execute(
            "select data ->> 'sku' from es.read_all('0', 0, 100) where stream_id = %s",
            (stream,)).fetchall()
    assert rows == [("late",), ("early",)]


def test_created_rows_hold_the_final_version_and_tx_id(conn: psycopg.Connection[Any]) -> None:
    """A stream row the call creates is written once, with the version and tx id the stream
    has after the call; a created row one of whose appends is a retry (its events stored by
    a raw insert, the row missing) is set right: its version counts only what was written."""
    (a, sa), (b, sb) = new_stream(), new_stream()
    stored = item_added(b, "raw")
    conn.execute(
        "insert into es.events (event_id, stream_id, stream_position, event_type, "
        "event_version, data, tx_id) values (%s, %s, 1, 'OrderItemAdded', 1, %s, "
        "pg_current_xact_id())", (stored["event_id"], sb, json.dumps(stored["data"])))
    rows = append_many(conn, [(sa, NO_STREAM, [item_added(a, "a1"), item_added(a, "a2")]),
                              (sb, ANY, [stored]), (sb, 1, [item_added(b, "b2")])])
    assert [(r[0], r[2]) for r in rows] == [(sa, 1), (sa, 2), (sb, 1), (sb, 2)]
    streams = conn.execute(
        "select s.stream_id, s.version, s.last_tx_id = max(e.tx_id) from es.streams s"
        " join es.events e using (stream_id) where s.stream_id in (%s, %s)"
        " group by s.stream_id, s.version order by s.stream_id <> %s",
        (sa, sb, sa)).fetchall()
    assert streams == [(sa, 2, True), (sb, 2, True)]
