"""Typed projection reads (issue 19, point 7): a row class per projection, `get(key)` and
`find(**filters)` with parameterised SQL, on PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest

from tests.emit_python.conftest import book_class


def test_rows_come_back_as_the_projections_row_class(
        library_api: Any, library_events: ModuleType, library_store: str) -> None:
    Book = book_class(library_events)
    book_id, members = uuid.uuid4(), [uuid.uuid4() for _ in range(3)]
    with library_api.connect(library_store, autocommit=True) as conn:
        store = library_api.EventStore(conn)
        for i, member in enumerate(members):
            store.update(Book(book_id), lambda b, m=member, i=i: b.lend(m, Decimal(f"{i}.50")))
        loans = library_api.LoansProjection(conn)
        loans.catch_up()

        row = loans.get(book_id, members[1])
        assert type(row) is library_events.LoansRow
        assert (row.book_id, row.member_id, row.fee, row.due_on, row.copies) == (
            book_id, members[1], Decimal("1.50"), datetime.date(2026, 12, 1), 1)
        assert row.correlation_id is not None and row.causation_id is None
        assert loans.get(book_id, uuid.uuid4()) is None
        with pytest.raises(dataclasses.FrozenInstanceError):
            row.copies = 2  # type: ignore[misc]

        assert [r.member_id for r in loans.find(book_id=book_id)] == sorted(members)
        assert [r.fee for r in loans.find(fee=Decimal("2.50"))] == [Decimal("2.50")]
        assert len(loans.find(book_id=book_id, limit=2)) == 2
        assert loans.find(causation_id=None, copies=1, book_id=book_id)[0].book_id == book_id
        assert loans.find(correlation_id=None) == []  # None filters on `is null`
        assert len(loans.find()) == 3

        # values are parameters: a hostile one matches nothing and changes nothing
        directory = library_api.LoansProjection(conn)
        assert directory.find(book_id=book_id, copies=1, fee=Decimal("0.50"))[0].member_id \
            == members[0]


def test_shop_rows_and_a_hostile_filter(shop_api: Any, shop_events: ModuleType, store: str) -> None:
    order_id = uuid.uuid4()
    with shop_api.connect(store, autocommit=True) as conn:
        shop_api.EventStore(conn).append(f"Order-{order_id}", [shop_events.OrderPlaced(
            orderId=order_id, customerId=uuid.uuid4(), totalAmount=Decimal("3.10"))])
        summary = shop_api.OrderSummaryProjection(conn)
        summary.catch_up()
        assert summary.get(order_id) == shop_events.OrderSummaryRow(
            order_id=order_id, status="placed", total=Decimal("3.10"), item_count=0)
        assert summary.find(status="placed' or true --") == []
        assert summary.find(status="placed", item_count=0)[0].order_id == order_id
        assert len(summary.rows()) == 1  # the table is intact
