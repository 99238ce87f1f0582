"""append_to_stream: the expected-version matrix, no gap on rejection, idempotent retries,
the registry check, and the wake-up signal."""

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

ORDER = str(uuid.uuid4())
STREAM = f"Order-{ORDER}"

# (events already in the stream, expected version, accepted?)
MATRIX = [
    (0, ANY, True),
    (0, NO_STREAM, True),
    (0, STREAM_EXISTS, False),
    (0, 0, True),
    (0, 1, False),
    (2, ANY, True),
    (2, NO_STREAM, False),
    (2, STREAM_EXISTS, True),
    (2, 2, True),
    (2, 1, False),
    (2, 3, False),
    (2, 0, False),
]


@pytest.mark.parametrize(("existing", "expected", "accepted"), MATRIX)
def test_the_expected_version_matrix(conn: psycopg.Connection[Any], existing: int,
                                     expected: int, accepted: bool) -> None:
    if existing:
        append(conn, STREAM, NO_STREAM, [item_added(ORDER) for _ in range(existing)])
    before = sequence_value(conn)
    if accepted:
        rows = append(conn, STREAM, expected, [item_added(ORDER), item_added(ORDER)])
        assert [r[1] for r in rows] == [existing + 1, existing + 2]
        assert conn.execute("select es.stream_version(%s)", (STREAM,)).fetchone() == (existing + 2,)
        return
    with pytest.raises(psycopg.Error) as raised:
        append(conn, STREAM, expected, [item_added(ORDER), item_added(ORDER)])
    error = raised.value
    assert error.sqlstate == "ESVER"
    assert error.diag.message_primary is not None
    assert error.diag.message_primary.startswith(f'wrong expected version for stream "{STREAM}"')
    assert error.diag.message_detail is not None
    assert json.loads(error.diag.message_detail) == {
        "stream_id": STREAM, "expected": expected, "actual": existing}
    # the rejection took no position: the sequence is where it was, the stream unchanged
    assert sequence_value(conn) == before
    assert conn.execute("select es.stream_version(%s)", (STREAM,)).fetchone() == (existing,)
    rows = append(conn, STREAM, existing, [item_added(ORDER)])
    assert rows[0][2] == (before or 0) + 1


def test_positions_are_consecutive_and_returned_in_order(conn: psycopg.Connection[Any]) -> None:
    events = [item_added(ORDER, f"sku-{i}") for i in range(5)]
    rows = append(conn, STREAM, NO_STREAM, events)
    assert [str(r[0]) for r in rows] == [e["event_id"] for e in events]
    assert [r[1] for r in rows] == [1, 2, 3, 4, 5]
    assert [r[2] for r in rows] == [1, 2, 3, 4, 5]
    stored = conn.execute(
        "select data ->> 'sku' from es.read_stream(%s, 2, 3)", (STREAM,)).fetchall()
    assert stored == [("sku-1",), ("sku-2",), ("sku-3",)]


def test_a_retried_batch_returns_the_original_positions(conn: psycopg.Connection[Any]) -> None:
    batch = [item_added(ORDER), item_added(ORDER)]
    first = append(conn, STREAM, NO_STREAM, batch)
    append(conn, STREAM, 2, [item_added(ORDER)])
    before = sequence_value(conn)
    # the retry carries the old expectation, which no longer holds: still no conflict
    assert append(conn, STREAM, NO_STREAM, batch) == first
    assert sequence_value(conn) == before
    assert conn.execute("select count(*) from es.events").fetchone() == (3,)


@pytest.mark.parametrize("case", ["partial", "other stream", "reordered"])
def test_event_ids_stored_elsewhere_are_a_conflict(conn: psycopg.Connection[Any],
                                                   case: str) -> None:
    batch = [item_added(ORDER), item_added(ORDER)]
    append(conn, STREAM, NO_STREAM, batch)
    retry = {
        "partial": (STREAM, [batch[0], item_added(ORDER)]),
        "other stream": (f"Order-{uuid.uuid4()}", batch),
        "reordered": (STREAM, batch[::-1]),
    }[case]
    with pytest.raises(psycopg.Error) as raised:
        append(conn, retry[0], ANY, retry[1])
    assert raised.value.sqlstate == "ESIDS"
    assert conn.execute("select count(*) from es.events").fetchone() == (2,)


def test_esids_names_the_stored_id_and_its_place(conn: psycopg.Connection[Any]) -> None:
    stored = item_added(ORDER)
    append(conn, STREAM, NO_STREAM, [item_added(ORDER), stored])
    new = item_added(ORDER)
    with pytest.raises(psycopg.Error) as raised:
        append(conn, STREAM, ANY, [new, stored])
    assert raised.value.sqlstate == "ESIDS"
    assert raised.value.diag.message_primary == (
        f'event id {stored["event_id"]} (event 2 of the batch) is already stored at "{STREAM}" '
        "position 2, but event 1 of the batch is not: a retried batch holds the same events")
    other = f"Order-{uuid.uuid4()}"
    with pytest.raises(psycopg.Error) as raised:
        append(conn, other, ANY, [stored])
    assert raised.value.diag.message_primary == (
        f'event id {stored["event_id"]} (event 1 of the batch) is already stored at "{STREAM}" '
        "position 2: the batch is not a retry of the append that stored it")


def test_an_event_id_twice_in_one_batch_is_esids(conn: psycopg.Connection[Any]) -> None:
    twice = item_added(ORDER)
    before = sequence_value(conn)
    with pytest.raises(psycopg.Error) as raised:
        append(conn, STREAM, ANY, [item_added(ORDER), twice, {**twice,
                                                               "event_id": twice["event_id"].upper()}])
    assert raised.value.sqlstate == "ESIDS"
    assert raised.value.diag.message_primary == (
        f"event id {twice['event_id']} is given twice in the batch (events 2 and 3)")
    assert sequence_value(conn) == before
    assert conn.execute("select count(*) from es.events").fetchone() == (0,)


def test_a_raw_insert_does_not_break_the_next_append(conn: psycopg.Connection[Any]) -> None:
    """A script or a restore inserting into events directly leaves `streams` behind: the
    store reads the stream's last event, so versions and the next append stay right."""
    append(conn, STREAM, NO_STREAM, [item_added(ORDER)])
    conn.execute(
        "insert into es.events (event_id, stream_id, stream_position, event_type, "
        "event_version, data, tx_id) values (gen_random_uuid(), %s, 2, 'OrderItemAdded', 1, "
        "%s, pg_current_xact_id())",
        (STREAM, json.dumps({"orderId": ORDER, "sku": "raw", "quantity": 1})))
    assert conn.execute("select es.stream_version(%s)", (STREAM,)).fetchone() == (2,)
    with pytest.raises(psycopg.Error) as raised:
        append(conn, STREAM, 1, [item_added(ORDER)])
    assert raised.value.sqlstate == "ESVER"
    assert json.loads(raised.value.diag.message_detail or "")["actual"] == 2
    assert [r[1] for r in append(conn, STREAM, 2, [item_added(ORDER)])] == [3]
    assert [r[1] for r in append(conn, STREAM, ANY, [item_added(ORDER)])] == [4]
    assert conn.execute("select version from es.streams where stream_id = %s",
                        (STREAM,)).fetchone() == (4,)
    # a stream that only a raw insert wrote
    fresh = f"Order-{uuid.uuid4()}"
    conn.execute(
        "insert into es.events (event_id, stream_id, stream_position, event_type, "
        "event_version, data, tx_id) values (gen_random_uuid(), %s, 1, 'OrderItemAdded', 1, "
        "%s, pg_current_xact_id())",
        (fresh, json.dumps({"orderId": ORDER, "sku": "raw", "quantity": 1})))
    assert [r[1] for r in append(conn, fresh, STREAM_EXISTS, [item_added(ORDER)])] == [2]


def test_an_unregistered_type_or_version_is_rejected(conn: psycopg.Connection[Any]) -> None:
    before = sequence_value(conn)
    for bad in (event("OrderItemAdded", 2, {}), event("OrderTeleported", 1, {})):
        with pytest.raises(psycopg.Error) as raised:
            append(conn, STREAM, ANY, [item_added(ORDER), bad])
        assert raised.value.sqlstate == "ESREG"
        assert f'"{bad["event_type"]}" version {bad["event_version"]} is not registered' in str(
            raised.value)
    assert sequence_value(conn) == before
    # a direct insert is refused by the foreign key
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        conn.execute(
            "insert into es.events (event_id, stream_id, stream_position, event_type,"
            " event_version, data) values (gen_random_uuid(), 's', 1, 'OrderTeleported', 1, '{}')")


@pytest.mark.parametrize(("expected", "events"), [
    (-4, [item_added(ORDER)]),
    (ANY, [{"event_type": "OrderItemAdded", "data": {}}]),
    (ANY, [{"event_type": "OrderItemAdded", "event_version": 1, "data": "text"}]),
    (ANY, ["not an object"]),
])
def test_malformed_arguments_are_rejected(conn: psycopg.Connection[Any], expected: int,
                                          events: list[Any]) -> None:
    with pytest.raises(psycopg.Error) as raised:
        append(conn, STREAM, expected, events)
    assert raised.value.sqlstate == "ESARG"


def test_envelope_columns_are_stored(conn: psycopg.Connection[Any]) -> None:
    correlation, causation = uuid.uuid4(), uuid.uuid4()
    given = item_added(ORDER)
    given.update(metadata={"user": "ann"}, correlation_id=str(correlation),
                 causation_id=str(causation))
    append(conn, STREAM, ANY, [given, item_added(ORDER)])
    rows = conn.execute(
        "select metadata, correlation_id, causation_id, tx_id::text::bigint > 0,"
        " recorded_at is not null from es.events order by global_position").fetchall()
    assert rows == [({"user": "ann"}, correlation, causation, True, True),
                    ({}, None, None, True, True)]


def test_an_empty_batch_checks_the_expectation_only(conn: psycopg.Connection[Any]) -> None:
    assert append(conn, STREAM, NO_STREAM, []) == []
    with pytest.raises(psycopg.Error) as raised:
        append(conn, STREAM, STREAM_EXISTS, [])
    assert raised.value.sqlstate == "ESVER"


def test_one_notification_per_committed_append(store: str) -> None:
    with psycopg.connect(store, autocommit=True) as listener, \
            psycopg.connect(store) as writer:
        listener.execute("listen es_events")
        append(writer, STREAM, ANY, [item_added(ORDER)])
        append(writer, f"Order-{uuid.uuid4()}", ANY, [item_added(ORDER)])
        assert list(listener.notifies(timeout=0.2, stop_after=1)) == []  # nothing before commit
        writer.commit()
        received = list(listener.notifies(timeout=1))
        # the transaction's two appends are merged into one wake-up
        assert [(n.channel, n.payload) for n in received] == [("es_events", "")]


def test_concurrent_no_stream_appends_let_exactly_one_win(store: str) -> None:
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def write() -> None:
        with psycopg.connect(store, autocommit=True) as conn:
            barrier.wait()
            try:
                append(conn, STREAM, NO_STREAM, [item_added(ORDER)])
                outcomes.append("ok")
            except psycopg.Error as error:
                outcomes.append(error.sqlstate or "?")

    threads = [threading.Thread(target=write) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ESVER"] * 7 + ["ok"]


def _append_many(conn: psycopg.Connection[Any],
                 appends: list[tuple[str, int, list[dict[str, Any]]]]) -> list[tuple[Any, ...]]:
    return conn.execute("select * from es.append_to_streams(%s)", (json.dumps([
        {"stream_id": s, "expected_version": e, "events": events} for s, e, events in appends]),
    )).fetchall()


def test_one_call_appends_to_many_streams_each_with_its_expectation(
        conn: psycopg.Connection[Any]) -> None:
    a, b = (str(uuid.uuid4()) for _ in range(2))
    append(conn, f"Order-{b}", ANY, [item_added(b)])
    rows = _append_many(conn, [(f"Order-{a}", NO_STREAM, [item_added(a), item_added(a)]),
                               (f"Order-{b}", 1, [item_added(b)]),
                               (f"Order-{a}", 2, [item_added(a)])])
    assert [(r[0], r[2]) for r in rows] == [(f"Order-{a}", 1), (f"Order-{a}", 2),
                                            (f"Order-{b}", 2), (f"Order-{a}", 3)]
    assert [r[3] for r in rows] == sorted(r[3] for r in rows)  # global order = call order


def test_one_refused_append_refuses_the_whole_call(conn: psycopg.Connection[Any]) -> None:
    a, b = (str(uuid.uuid4()) for _ in range(2))
    append(conn, f"Order-{b}", ANY, [item_added(b)])
    with pytest.raises(psycopg.Error) as caught:
        _append_many(conn, [(f"Order-{a}", NO_STREAM, [item_added(a)]),
                            (f"Order-{b}", NO_STREAM, [item_added(b)])])
    assert caught.value.sqlstate == "ESVER"
    assert json.loads(caught.value.diag.message_detail or "")["stream_id"] == f"Order-{b}"
    assert conn.execute("select count(*) from es.events where stream_id = %s",
                        (f"Order-{a}",)).fetchone() == (0,)


@pytest.mark.parametrize("appends", ['{}', '[{"stream_id": 1, "expected_version": -1}]',
                                     '[{"stream_id": "x"}]'])
def test_malformed_appends_are_rejected(conn: psycopg.Connection[Any], appends: str) -> None:
    with pytest.raises(psycopg.Error) as caught:
        conn.execute("select * from es.append_to_streams(%s)", (appends,))
    assert caught.value.sqlstate == "ESARG"
