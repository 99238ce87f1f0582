"""`append_to_stream` and `append_to_streams` given an event whose event_version is no integer
(2.5, beyond int4) or whose event_id, correlation_id or causation_id is no uuid, on a real
PostgreSQL: ESARG naming the event (and its append), before the stream is locked, where they
raised a bare 22P02/22003 with a page of the function's SQL as context. Every form of uuid
PostgreSQL reads is still taken."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb


def _event(**changes: Any) -> dict[str, Any]:
    order = str(uuid.uuid4())
    return {"event_type": "OrderItemAdded", "event_version": 1,
            "data": {"orderId": order, "sku": "A-1", "quantity": 1}, **changes}


@pytest.mark.parametrize(("changes", "problem"), [
    ({"event_version": 2.5}, ("has an invalid event_version 2.5 (not an integer from 1 to "
                             "2147483647)")),
    ({"event_version": 99999999999}, ("has an invalid event_version 99999999999 (not an"
                                     " integer from 1 to 2147483647)")),
    ({"event_id": "nope"}, 'has an invalid event_id "nope" (not a uuid)'),
    ({"correlation_id": 5}, "has an invalid correlation_id 5 (not a uuid)"),
    ({"causation_id": "1111-1111"}, 'has an invalid causation_id "1111-1111" (not a uuid)'),
    ({"metadata": ["tenant", "a"]}, "has metadata that is not a JSON object"),
    ({"metadata": "tenant a"}, "has metadata that is not a JSON object"),
])
def test_a_malformed_event_is_esarg_naming_it(store: str, changes: dict[str, Any],
                                              problem: str) -> None:
    stream = f"Order-{uuid.uuid4()}"
    with psycopg.connect(store, autocommit=True) as conn:
        with pytest.raises(psycopg.Error) as single:
            conn.execute("select * from es.append_to_stream(%s, -1, %s)",
                         (stream, Jsonb([_event(), _event(**changes)])))
        assert single.value.sqlstate == "ESARG"
        assert single.value.diag.message_primary == f"event 2 {problem}"

        with pytest.raises(psycopg.Error) as many:
            conn.execute("select * from es.append_to_streams(%s)", (Jsonb([
                {"stream_id": stream, "expected_version": -1, "events": [_event()]},
                {"stream_id": "Order-other", "expected_version": -1},
                {"stream_id": stream, "expected_version": -1,
                 "events": [_event(), _event(), _event(**changes)]}]),))
        assert many.value.sqlstate == "ESARG"
        assert many.value.diag.message_primary == f"event 3 of append 3 {problem}"

        # refused before the stream was locked: no row for it, no event
        assert conn.execute("select count(*) from es.streams where stream_id = %s",
                            (stream,)).fetchone() == (0,)
        assert conn.execute("select count(*) from es.events").fetchone() == (0,)


def test_every_form_of_uuid_postgresql_reads_is_taken(store: str) -> None:
    forms = {"event_id": "{8D9C4F43-1111-4111-8111-111111111111}",
             "correlation_id": "8d9c4f431111411181111111111111ff",
             "causation_id": "8d9c-4f43-1111-4111-8111-1111-1111-11ee"}
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute("select * from es.append_to_stream('Order-forms', -2, %s)",
                     (Jsonb([_event(**forms)]),))
        row = conn.execute("select event_id::text, correlation_id::text, causation_id::text"
                           " from es.events").fetchone()
    assert row == ("8d9c4f43-1111-4111-8111-111111111111",
                   "8d9c4f43-1111-4111-8111-1111111111ff",
                   "8d9c4f43-1111-4111-8111-1111111111ee")


def test_a_null_stream_id_is_esarg(store: str) -> None:
    with psycopg.connect(store, autocommit=True) as conn, pytest.raises(psycopg.Error) as caught:
        conn.execute("select * from es.append_to_stream(null, -1, %s)", (Jsonb([_event()]),))
    assert (caught.value.sqlstate, caught.value.diag.message_primary) == (
        "ESARG", "the stream id is null")


def test_an_empty_stream_id_is_esarg(store: str) -> None:
    """An empty stream id is a missing one (an unset variable, a failed lookup), never a
    stream's name: refused by both appends, and nothing is stored."""
    with psycopg.connect(store, autocommit=True) as conn:
        with pytest.raises(psycopg.Error) as single:
            conn.execute("select * from es.append_to_stream('', -1, %s)", (Jsonb([_event()]),))
        assert (single.value.sqlstate, single.value.diag.message_primary) == (
            "ESARG", "the stream id is empty")
        with pytest.raises(psycopg.Error) as many:
            conn.execute("select * from es.append_to_streams(%s)", (Jsonb([
                {"stream_id": "Order-a", "expected_version": -1, "events": [_event()]},
                {"stream_id": "", "expected_version": -1, "events": [_event()]}]),))
        assert (many.value.sqlstate, many.value.diag.message_primary) == (
            "ESARG", "append 2 has an empty stream_id")
        assert conn.execute("select count(*) from es.events").fetchone() == (0,)
