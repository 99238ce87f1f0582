"""On a Citus cluster, as on one node (tests/walk/test_malformed_appends.py): an event whose
event_version is no integer or whose ids are no uuids is ESARG naming it, from the distributed
append_to_stream on the worker and from append_to_streams on the coordinator."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.walk.test_malformed_appends import _event

Conn = psycopg.Connection[Any]


@pytest.mark.parametrize(("changes", "problem"), [
    ({"event_version": 2.5}, ("has an invalid event_version 2.5 (not an integer from 1 to "
                             "2147483647)")),
    ({"event_id": "nope"}, 'has an invalid event_id "nope" (not a uuid)'),
    ({"metadata": ["tenant", "a"]}, "has metadata that is not a JSON object"),
])
def test_a_malformed_event_is_esarg_naming_it(conn: Conn, changes: dict[str, Any],
                                              problem: str) -> None:
    with pytest.raises(psycopg.Error) as single:
        conn.execute("select * from es.append_to_stream('Order-m', -1, %s)",
                     (Jsonb([_event(), _event(**changes)]),))
    assert (single.value.sqlstate, single.value.diag.message_primary) == (
        "ESARG", f"event 2 {problem}")
    with pytest.raises(psycopg.Error) as many:
        conn.execute("select * from es.append_to_streams(%s)", (Jsonb([
            {"stream_id": "Order-m", "expected_version": -1, "events": [_event()]},
            {"stream_id": "Order-n", "expected_version": -1,
             "events": [_event(), _event(**changes)]}]),))
    assert (many.value.sqlstate, many.value.diag.message_primary) == (
        "ESARG", f"event 2 of append 2 {problem}")
    assert conn.execute("select count(*) from es.events").fetchone() == (0,)



def test_an_empty_stream_id_is_esarg(conn: Conn) -> None:
    with pytest.raises(psycopg.Error) as single:
        conn.execute("select * from es.append_to_stream('', -1, %s)", (Jsonb([_event()]),))
    assert (single.value.sqlstate, single.value.diag.message_primary) == (
        "ESARG", "the stream id is empty")
    with pytest.raises(psycopg.Error) as many:
        conn.execute("select * from es.append_to_streams(%s)", (Jsonb([
            {"stream_id": "", "expected_version": -1, "events": [_event()]}]),))
    assert (many.value.sqlstate, many.value.diag.message_primary) == (
        "ESARG", "append 1 has an empty stream_id")
