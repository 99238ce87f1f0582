"""Projections read the fields of named types and maps through their expansion, on a real
PostgreSQL: `$.paid.amount` is a field of the shared Money record."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg

from devtools.postgres import apply, fresh_database
from escodegen.check import compile_project
from escodegen.emit import postgres as postgres_target
from tests.emit_postgres.events import ANY, append, event

DECLARATIONS = """\
types:
  Money: {fields: {amount: decimal, currency: string}}
events:
  OrderPaid:
    versions:
      1: {fields: {orderId: uuid, paid: Money, fees: {type: map, values: Money}}}
  OrderRefunded:
    versions:
      1: {fields: {orderId: uuid, refund: Money}}
projections:
  payments:
    key: [orderId]
    columns: {orderId: uuid, paid: decimal?, currency: string?, fees: json?, refunded: decimal?}
    on:
      OrderPaid: {upsert: {orderId: $.orderId, paid: $.paid.amount, currency: $.paid.currency,
                           fees: $.fees}}
      OrderRefunded: {update: {refunded: $.refund.amount}}
"""


def test_a_projection_reads_fields_of_a_named_type(tmp_path: Path, pg_server: str) -> None:
    (tmp_path / "escodegen.yaml").write_text(
        "escodegen: 1\nname: pay\nsources: [declarations.yaml]\n"
        "postgres: {out: sql, schema: es}\n")
    (tmp_path / "declarations.yaml").write_text(DECLARATIONS)
    project, report = compile_project(tmp_path / "escodegen.yaml")
    assert project is not None and not report.has_errors, [d.render() for d in report]
    order = str(uuid.uuid4())
    fees = {"card": {"amount": "0.30", "currency": "EUR"}}
    with fresh_database(pg_server, "named_types") as dsn:
        apply(dsn, postgres_target.render(project))
        with psycopg.connect(dsn, autocommit=True) as conn:
            append(conn, f"Order-{order}", ANY, [
                event("OrderPaid", 1, {"orderId": order, "fees": fees,
                                       "paid": {"amount": "19.90", "currency": "EUR"}}),
                event("OrderRefunded", 1, {"orderId": order,
                                           "refund": {"amount": "5.00", "currency": "EUR"}}),
            ])
            while conn.execute("select es.catch_up_payments(10)").fetchone() != (0,):
                pass
            found = conn.execute("select order_id::text, paid, currency, fees, refunded "
                                 "from es.payments").fetchall()
    assert [(o, str(p), c, f, str(r)) for o, p, c, f, r in found] == [
        (order, "19.90", "EUR", fees, "5.00")]
