"""The store's transaction contract (issue 19, point 2) and its unit of work (point 5), on
real psycopg connections (autocommit and not) and a psycopg_pool pool: a write owns its
transaction or runs in one it is handed, and refuses a transaction an earlier query opened
implicitly instead of hiding its events in a savepoint that is never committed. Each test runs
against the sync API and the async one (tests/emit_python/flavours.py)."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal
from types import ModuleType
from typing import Any

import psycopg
import pytest

from tests.emit_python.conftest import book_class, book_lent


def _stored(dsn: str, stream_id: str) -> int:
    """The stream's version as another session sees it (committed events only)."""
    with psycopg.connect(dsn, autocommit=True) as other:
        row = other.execute("select lib.stream_version(%s)", (stream_id,)).fetchone()
    assert row is not None
    return int(row[0])


def test_a_save_owns_its_transaction_on_an_idle_connection(
        library_api: Any, library_events: ModuleType, library_store: str) -> None:
    Book = book_class(library_events)
    for autocommit in (True, False):
        with library_api.connect(library_store, autocommit=autocommit) as conn:
            store = library_api.EventStore(conn)
            book = store.load(Book(uuid.uuid4()))
            book.lend(uuid.uuid4())
            store.save(book)
            assert _stored(library_store, book.stream_id) == 1  # committed already


def test_a_save_in_an_implicit_transaction_is_refused(
        library_api: Any, library_events: ModuleType, library_store: str) -> None:
    Book = book_class(library_events)
    with library_api.connect(library_store) as conn:  # no autocommit: queries open transactions
        store = library_api.EventStore(conn)
        book = Book(uuid.uuid4())
        book.lend(uuid.uuid4())
        conn.execute("select 1")
        with pytest.raises(library_events.TransactionError, match="store.transaction"):
            store.save(book)
        with pytest.raises(library_events.TransactionError):
            store.append(book.stream_id, [book_lent(library_events, uuid.uuid4(),
                                                    uuid.uuid4())])
        with pytest.raises(library_events.TransactionError), store.transaction():
            pass
        assert book.pending  # nothing was taken
        conn.rollback()
        store.save(book)
        assert _stored(library_store, book.stream_id) == 1
        try:
            conn.execute("select 1/0")
        except psycopg.errors.DivisionByZero:
            pass
        with pytest.raises(library_events.TransactionError, match="roll it back"):
            store.save(book)


def test_writes_in_a_handed_transaction_commit_with_it(
        library_api: Any, library_events: ModuleType, library_store: str) -> None:
    Book = book_class(library_events)
    for autocommit in (True, False):
        with library_api.connect(library_store, autocommit=autocommit) as conn:
            store = library_api.EventStore(conn)
            first, second = Book(uuid.uuid4()), Book(uuid.uuid4())
            first.lend(uuid.uuid4())
            second.lend(uuid.uuid4())
            with store.transaction():
                store.save(first)
                store.save(second)
                assert _stored(library_store, first.stream_id) == 0  # not yet committed
            assert _stored(library_store, second.stream_id) == 1
            third = Book(uuid.uuid4())
            third.lend(uuid.uuid4())
            with pytest.raises(RuntimeError), conn.transaction():
                store.save(third)
                raise RuntimeError("the request failed")
            assert _stored(library_store, third.stream_id) == 0  # rolled back together
            with conn.transaction():  # a rolled-back save is redone from a fresh load
                retry = store.load(Book(third.book_id))
                retry.lend(uuid.uuid4())
                store.save(retry)
            assert _stored(library_store, third.stream_id) == 1


def test_a_pool_connection_saves_or_refuses(
        library_api: Any, library_events: ModuleType, library_store: str) -> None:
    Book = book_class(library_events)
    with library_api.pool(library_store, min_size=1, max_size=1, timeout=5) as pool:
        book = Book(uuid.uuid4())
        book.lend(uuid.uuid4())
        with pool.connection() as conn:
            conn.execute("select 1")
            with pytest.raises(library_events.TransactionError):
                library_api.EventStore(conn).save(book)
        with pool.connection() as conn:  # the one connection is free again: no lock held
            store = library_api.EventStore(conn)
            store.save(book)
            assert _stored(library_store, book.stream_id) == 1
    with library_api.pool(library_store, min_size=1, max_size=2,
                          kwargs={"autocommit": True}) as pool:
        with pool.connection() as conn:
            store = library_api.EventStore(conn)
            again = store.load(Book(book.book_id))
            again.lend(uuid.uuid4())
            store.save(again)
        assert _stored(library_store, book.stream_id) == 2


def test_concurrency_error_carries_expected_and_actual(
        library_api: Any, library_events: ModuleType, library_store: str) -> None:
    Book = book_class(library_events)
    with library_api.connect(library_store, autocommit=True) as conn:
        store = library_api.EventStore(conn)
        book = Book(uuid.uuid4())
        book.lend(uuid.uuid4())
        store.save(book)
        stale = Book(book.book_id)
        stale.lend(uuid.uuid4())
        with pytest.raises(library_events.ConcurrencyError) as caught:
            store.save(stale)
        assert (caught.value.stream_id, caught.value.expected, caught.value.actual) == (
            book.stream_id, 0, 1)
        with pytest.raises(library_events.ConcurrencyError) as caught:
            store.append(book.stream_id, [book_lent(library_events, book.book_id,
                                                    uuid.uuid4())], expected="no_stream")
        assert (caught.value.expected, caught.value.actual) == ("no_stream", 1)


def test_update_loads_runs_saves_and_retries_on_a_conflict(
        library_api: Any, library_events: ModuleType, library_store: str) -> None:
    Book = book_class(library_events)
    book_id, member, rival = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    runs: list[int] = []
    with library_api.connect(library_store, autocommit=True) as conn, \
            library_api.connect(library_store, autocommit=True) as other:
        store, other_store = (library_api.EventStore(conn),
                              library_api.EventStore(other))

        def lend(book: Any) -> None:
            runs.append(book.version)
            if len(runs) == 1:  # another request wins the race once
                other_store.update(Book(book_id), lambda b: b.lend(rival))
            book.lend(member, Decimal("2.00"))

        saved = store.update(Book(book_id), lend, retries=1)
        assert runs == [0, 1] and saved.version == 2 and not saved.pending
        assert [loan.memberId for loan in store.load(Book(book_id)).state.loans] == [
            rival, member]

        def always_loses(book: Any) -> None:
            other_store.update(Book(book_id), lambda b: b.lend(uuid.uuid4()))
            book.lend(uuid.uuid4())

        with pytest.raises(library_events.ConcurrencyError):
            store.update(Book(book_id), always_loses, retries=2)
        with pytest.raises(ValueError, match="already lent"):  # a refusing command
            store.update(Book(book_id), lambda b: b.lend(member))


def test_record_takes_request_ids_and_projections_read_them(
        library_api: Any, library_events: ModuleType, library_store: str) -> None:
    Book = book_class(library_events)
    correlation, causation = uuid.uuid4(), uuid.uuid4()
    with library_api.connect(library_store, autocommit=True) as conn:
        store = library_api.EventStore(conn)
        book = Book(uuid.uuid4())
        member = uuid.uuid4()
        book.record(book_lent(library_events, book.book_id, member),
                    correlation_id=correlation, causation_id=causation)
        store.save(book)
        [envelope] = store.read_stream(book.stream_id)
        assert (envelope.correlation_id, envelope.causation_id) == (correlation, causation)
        with pytest.raises(ValueError, match="not both"):
            book.record(book_lent(library_events, book.book_id, uuid.uuid4()),
                        cause=envelope, correlation_id=correlation)
        loans = library_api.LoansProjection(conn)
        assert loans.catch_up() == 1
        [row] = loans.rows()
        assert (row["correlation_id"], row["causation_id"]) == (correlation, causation)


def test_a_refused_save_holds_no_lock(library_api: Any, library_events: ModuleType,
                                      library_store: str) -> None:
    """The failure of issue 19: a save hidden in an implicit transaction kept the stream's
    row lock, so the next writer of the stream waited."""
    Book = book_class(library_events)
    book = Book(uuid.uuid4())
    book.lend(uuid.uuid4())
    with library_api.connect(library_store, autocommit=True) as conn:
        library_api.EventStore(conn).save(book)
    done = threading.Event()
    with library_api.connect(library_store) as held:
        held.execute("select 1")
        again = library_api.EventStore(held).load(Book(book.book_id))
        again.lend(uuid.uuid4())
        with pytest.raises(library_events.TransactionError):
            library_api.EventStore(held).save(again)

        def writer() -> None:
            with psycopg.connect(library_store, autocommit=True) as conn:
                conn.execute("set lock_timeout = '2s'")
                other = library_events.EventStore(conn).load(Book(book.book_id))
                other.lend(uuid.uuid4())
                library_events.EventStore(conn).save(other)
                done.set()

        thread = threading.Thread(target=writer)
        thread.start()
        thread.join(10)
        assert done.is_set()
