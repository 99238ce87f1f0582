"""The generated package and stored events that are bad (written by a raw INSERT), on a real
PostgreSQL: the projection runners raise ProjectionError naming the event (`on_error: stop`),
or record and list it and retry it (`on_error: skip`); `read_all` and `iter_all` raise naming
an undecodable event, or give it with its error in its place (`on_error="yield"`). Against
the sync API and the async one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

Conn = psycopg.Connection[Any]


@pytest.fixture
def db(store: str) -> Iterator[Conn]:
    with psycopg.connect(store, autocommit=True) as conn:
        yield conn


@pytest.fixture
def client(shop_api: Any, store: str) -> Iterator[Any]:
    """The connection of the clients under test, sync and async (flavours.py)."""
    with shop_api.connect(store, autocommit=True) as conn:
        yield conn


def raw(conn: Conn, stream: str, event_type: str, version: int, data: dict[str, Any]) -> int:
    row = conn.execute(
        "insert into es.events (event_id, stream_id, stream_position, event_type, event_version,"
        " data) values (gen_random_uuid(), %s, 1, %s, %s, %s) returning global_position",
        (stream, event_type, version, Jsonb(data))).fetchone()
    assert row is not None
    return int(row[0])


def register(shop_events: ModuleType, conn: Conn, first: str) -> int:
    customer = uuid.uuid4()
    (appended,) = shop_events.EventStore(conn).append(
        f"Customer-{customer}", [shop_events.CustomerRegistered(
            customerId=customer, firstName=first, lastName="Tester", email="t@example.org",
            tier=shop_events.CustomerRegisteredTier.standard)], expected="no_stream")
    return int(appended.global_position)


def test_the_runner_raises_projection_error_naming_the_event(
        shop_api: Any, shop_events: ModuleType, db: Conn, client: Any) -> None:
    good = uuid.uuid4()
    db.execute("select * from es.append_to_stream(%s, -1, %s)", (f"Order-{good}", Jsonb([{
        "event_type": "OrderPlaced", "event_version": 2,
        "data": {"orderId": str(good), "customerId": str(good), "totalAmount": "3",
                 "currency": "EUR"}}])))
    position = raw(db, "Order-bad", "OrderPlaced", 2,
                   {"orderId": "not-a-uuid", "customerId": str(good), "totalAmount": "1",
                    "currency": "EUR"})
    projection = shop_api.OrderSummaryProjection(client)
    with pytest.raises(shop_events.ProjectionError) as caught:
        projection.catch_up()
    error = caught.value
    assert isinstance(error, shop_events.StoreError)
    assert (error.projection, error.global_position, error.stream_id, error.stream_position,
            error.event_type, error.version, error.sqlstate) == (
        "order_summary", position, "Order-bad", 1, "OrderPlaced", 2, "22P02")
    assert f"cannot apply the event at global position {position} (Order-bad:1" in str(error)
    assert 'invalid input syntax for type uuid: "not-a-uuid"' in error.error
    # the good event before it was applied and committed
    assert [r["order_id"] for r in projection.rows()] == [good]
    assert projection.lag().events_behind == 1


def test_a_skipping_runner_lists_and_retries_what_it_skipped(
        shop_api: Any, shop_events: ModuleType, db: Conn, client: Any) -> None:
    register(shop_events, db, "Ann")
    position = raw(db, "Customer-bad", "CustomerRegistered", 3,
                   {"customerId": str(uuid.uuid4()), "lastName": "X", "email": "x",
                    "tier": "standard"})
    register(shop_events, db, "Bob")
    directory = shop_api.CustomerDirectoryProjection(client)
    assert directory.catch_up() == 3
    assert sorted(r["first_name"] for r in directory.rows()) == ["Ann", "Bob"]
    (failure,) = directory.failures()
    assert isinstance(failure, shop_events.ProjectionFailure)
    assert (failure.global_position, failure.stream_id, failure.event_type, failure.version,
            failure.sqlstate, failure.attempts) == (
        position, "Customer-bad", "CustomerRegistered", 3, "23502", 1)
    assert directory.retry_failures() == [shop_events.RetryOutcome(
        position, failure.event_id, False, directory.failures()[0].error)]
    db.execute("update es.events set data = data || '{\"firstName\": \"Cy\"}'"
               " where global_position = %s", (position,))
    assert directory.retry_failures() == [
        shop_events.RetryOutcome(position, failure.event_id, True, None)]
    assert directory.failures() == []
    assert sorted(r["first_name"] for r in directory.rows()) == ["Ann", "Bob", "Cy"]


def _nameless(db: Conn) -> int:
    """A CustomerRegistered at version 1 without its required `name`: it does not decode."""
    return raw(db, "Customer-nameless", "CustomerRegistered", 1,
               {"customerId": str(uuid.uuid4()), "email": "nameless@example.org"})


def test_read_all_raises_naming_the_event_by_default(
        shop_api: Any, shop_events: ModuleType, db: Conn, client: Any) -> None:
    register(shop_events, db, "Ann")
    position = _nameless(db)
    store = shop_api.EventStore(client)
    with pytest.raises(shop_events.UndecodableEventError) as caught:
        store.read_all()
    error = caught.value
    assert isinstance(error, shop_events.CodecError)
    assert (error.global_position, error.stream_id, error.stream_position, error.event_type,
            error.version, error.fields) == (
        position, "Customer-nameless", 1, "CustomerRegistered", 1, ("name",))
    assert str(error) == (
        "CustomerRegistered version 1: name: required field is missing (stored as "
        f"Customer-nameless:1, global position {position}, id {error.event_id})")
    with pytest.raises(shop_events.UndecodableEventError):
        list(store.iter_all(batch_size=1))


def test_read_all_can_yield_the_undecodable_event_with_its_error(
        shop_api: Any, shop_events: ModuleType, db: Conn, client: Any) -> None:
    first = register(shop_events, db, "Ann")
    position = _nameless(db)
    last = register(shop_events, db, "Bob")
    store = shop_api.EventStore(client)
    read = store.read_all(on_error="yield")
    assert [e.global_position for e in read] == [first, position, last]
    assert [type(e).__name__ for e in read] == ["Envelope", "UndecodedEnvelope", "Envelope"]
    undecoded = read[1]
    assert isinstance(undecoded, shop_events.UndecodedEnvelope)
    assert (undecoded.stream_id, undecoded.event_type, undecoded.version) == (
        "Customer-nameless", "CustomerRegistered", 1)
    assert '"email": "nameless@example.org"' in undecoded.data
    assert undecoded.error.fields == ("name",)
    assert undecoded.checkpoint == shop_events.Checkpoint(undecoded.tx_id, position)
    assert read[2].event.firstName == "Bob"
    # batches of one: the undecodable event's checkpoint leads on to the next batch
    assert [e.global_position for e in store.iter_all(batch_size=1, on_error="yield")] == [
        first, position, last]


def test_the_runner_partitions_and_its_workers_catch_up(
        shop_api: Any, shop_events: ModuleType, db: Conn, client: Any, store: str) -> None:
    """Partitioned catch-up from Python (the SQL is tested in tests/emit_postgres)."""
    orders = [uuid.uuid4() for _ in range(48)]
    for order in orders:
        db.execute("select * from es.append_to_stream(%s, -1, %s)", (f"Order-{order}", Jsonb([{
            "event_type": "OrderPlaced", "event_version": 2,
            "data": {"orderId": str(order), "customerId": str(order), "totalAmount": "3",
                     "currency": "EUR"}}])))
    summary = shop_api.OrderSummaryProjection(client)
    summary.partition(3)
    with pytest.raises(psycopg.Error,
                       match="partitioned among workers"):
        summary.catch_up()
    applied = []
    for worker in range(3):
        with shop_api.connect(store, autocommit=True) as conn:
            applied.append(shop_api.OrderSummaryProjection(conn).catch_up_part(
                worker, 3, batch_size=2))
    # each part had some of the 48 streams (12 left a part empty in about 2% of runs)
    assert sum(applied) == 48 and all(applied)
    assert sorted(r["order_id"] for r in summary.rows()) == sorted(orders)
    assert summary.lag().events_behind == 0
    summary.partition(1)
    assert summary.catch_up() == 0


def test_iter_all_yields_outside_its_pipeline_and_a_failed_batch_leaves_the_connection_usable(
        shop_api: Any, shop_events: ModuleType, db: Conn, client: Any) -> None:
    """iter_all sends each next batch's query before decoding the current one (pipeline
    mode), but never yields inside the pipeline: the consumer's statements run as usual."""
    firsts = [register(shop_events, db, name) for name in ("Ann", "Bob", "Cem", "Dan")]
    position = _nameless(db)  # the fifth event: decoded while the fourth batch is asked for
    last = register(shop_events, db, "Eve")
    store = shop_api.EventStore(client)
    seen = []
    with pytest.raises(shop_events.UndecodableEventError) as caught:
        for envelope in store.iter_all(batch_size=2):
            assert client.pgconn.pipeline_status == psycopg.pq.PipelineStatus.OFF
            assert client.execute("select %s::int", (envelope.global_position,)).fetchone() == (
                envelope.global_position,)
            seen.append(envelope.global_position)
    assert seen == firsts
    assert caught.value.global_position == position
    assert client.pgconn.pipeline_status == psycopg.pq.PipelineStatus.OFF
    assert client.execute("select 1").fetchone() == (1,)
    # stopped early, between batches: the pending query is dropped with the pipeline
    early = store.iter_all(batch_size=2, on_error="yield")
    assert [e.global_position for e, _ in zip(early, range(3), strict=False)] == firsts[:3]
    assert client.execute("select 2").fetchone() == (2,)
    assert [e.global_position for e in store.iter_all(batch_size=2, on_error="yield")] == [
        *firsts, position, last]
