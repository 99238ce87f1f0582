"""`escodegen migrate projections` on the cluster: the files it writes for a projection
changed since publishing, applied with `psql -1 -f`, keep the projection a cluster one (its
table distributed by the documented rule, its catch-up from the feeds) where the
single-node files alone would bring back the single-node catch-up and a rebuild into a table
of the coordinator."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from devtools import citus
from escodegen.cli import cli
from tests.citus.test_projections import placed, summary
from tests.emit_postgres.events import ANY, NO_STREAM, append, event, item_added
from tests.migrate.test_projections import ADD_AND_DROP, changed

Conn = psycopg.Connection[Any]
CLUSTER = ("postgres: {out: generated/sql, schema: es}",
           "postgres: {out: generated/sql, schema: es, distribution: citus}")


@pytest.fixture
def published(citus_cluster: citus.Cluster, citus_sql: dict[str, str]) -> Iterator[str]:
    """A database of its own on the cluster with the published shop's store, events on both
    workers, its projections caught up from the feeds."""
    name = f"mp_{uuid.uuid4().hex[:8]}"
    dsn = citus.create_database(citus_cluster, name)
    citus.apply(citus_cluster, dsn, citus_sql)
    yield dsn
    for node in citus_cluster.nodes:
        with psycopg.connect(node.dsn(), autocommit=True) as conn:
            conn.execute(psycopg.sql.SQL("drop database {} with (force)").format(
                psycopg.sql.Identifier(name)))


def orders(conn: Conn, package: ModuleType, count: int = 12) -> list[str]:
    made = [str(uuid.uuid4()) for _ in range(count)]
    for order in made:
        append(conn, f"Order-{order}", NO_STREAM, [placed(order), item_added(order)])
    assert package.projections.OrderSummaryProjection(conn).catch_up(batch_size=5) == 2 * count
    return made


def migrations(shop: Path, tmp_path: Path, edits: list[tuple[str, str]]) -> dict[str, str]:
    """The files `migrate projections` writes for the shop changed by `edits`, declared for
    the cluster, against the published shop."""
    head, _ = changed(shop, edits)
    config = head / "escodegen.yaml"
    config.write_text(config.read_text().replace(*CLUSTER))
    folder = tmp_path / "migrations"
    result = CliRunner().invoke(cli, ["-C", str(head), "migrate", "projections", "--against",
                                      str(shop), "--out", str(folder)])
    assert result.exit_code == 0, result.output
    return {path.name: path.read_text() for path in sorted(folder.glob("V*.sql"))}


def distribution(conn: Conn, table: str) -> tuple[str, str, int] | None:
    row = conn.execute("select partmethod::text, column_to_column_name(logicalrelid, partkey),"
                       "       colocationid"
                       "  from pg_dist_partition where logicalrelid = %s::regclass",
                       (table,)).fetchone()
    return None if row is None else (row[0], row[1], row[2])


def refuses_single_node_catch_up(conn: Conn) -> bool:
    try:
        conn.execute("select es.catch_up_order_summary()")
    except psycopg.Error as error:
        return error.sqlstate == "ESDIS"
    return False


def test_columns_added_and_dropped_on_the_distributed_tables(
        citus_cluster: citus.Cluster, citus_package: ModuleType, published: str, shop: Path,
        tmp_path: Path) -> None:
    files = migrations(shop, tmp_path, ADD_AND_DROP)
    assert sorted(files) == ["V0001__escodegen_customer_directory.sql",
                             "V0002__escodegen_order_summary.sql"]
    with psycopg.connect(published, autocommit=True) as conn:
        made = orders(conn, citus_package)
        before = summary(conn)
        placement = distribution(conn, "es.order_summary")
    citus.apply(citus_cluster, published, files)
    with psycopg.connect(published, autocommit=True) as conn:
        assert distribution(conn, "es.order_summary") == placement  # the same table
        assert summary(conn) == before
        assert refuses_single_node_catch_up(conn)  # the cluster's catch-up, not one node's
        # the handlers write the new columns, on the shards, from the feeds
        append(conn, f"Order-{made[0]}", ANY, [item_added(made[0])])
        order = str(uuid.uuid4())
        append(conn, f"Order-{order}", NO_STREAM, [event("OrderPlaced", 2, {
            "orderId": order, "customerId": str(uuid.uuid4()), "totalAmount": "5.00",
            "currency": "CHF"})])
        assert citus_package.projections.OrderSummaryProjection(conn).catch_up() == 2
        assert conn.execute("select currency, lines, item_count from es.order_summary"
                            " where order_id = %s", (order,)).fetchone() == ("CHF", 0, 0)
        assert summary(conn)[made[0]] == ("placed", 2)
        assert "registered_at" not in [name for name, in conn.execute(
            "select column_name from information_schema.columns"
            " where table_schema = 'es' and table_name = 'customer_directory'")]


def test_a_key_type_change_rebuilds_from_the_feeds_into_a_table_distributed_by_the_rule(
        citus_cluster: citus.Cluster, citus_package: ModuleType, published: str, shop: Path,
        tmp_path: Path) -> None:
    files = migrations(shop, tmp_path, [(
        "columns: {orderId: uuid, status: string, total: decimal?, itemCount: integer}",
        "columns: {orderId: string, status: string, total: decimal?, itemCount: integer}")])
    [(name, text)] = files.items()
    assert "order_summary" in name and "run_command_on_shards" in text
    with psycopg.connect(published, autocommit=True) as conn:
        made = orders(conn, citus_package, 16)
        expected = summary(conn)
        old = distribution(conn, "es.order_summary")
        assert old is not None and old[:2] == ("h", "order_id")
        append(conn, f"Order-{made[1]}", ANY, [item_added(made[1])])  # not applied yet
        expected[made[1]] = ("placed", 2)
    citus.apply(citus_cluster, published, files)
    with psycopg.connect(published, autocommit=True) as conn:
        # rebuilt from every feed, the event not applied before included
        assert summary(conn) == expected
        assert conn.execute("select data_type from information_schema.columns where"
                            " table_schema = 'es' and table_name = 'order_summary'"
                            " and column_name = 'order_id'").fetchone() == ("text",)
        new = distribution(conn, "es.order_summary")
        assert new is not None and new[:2] == ("h", "order_id")  # by the rule: its key
        assert new[2] != old[2]  # a text column: not in the uuid table's group
        assert refuses_single_node_catch_up(conn)
        assert conn.execute("select to_regclass('es.order_summary__rebuild')").fetchone() == (
            None,)
        runner = citus_package.projections.OrderSummaryProjection(conn)
        assert runner.catch_up() == 0  # live at the rebuild's vector: nothing twice
        append(conn, f"Order-{made[2]}", ANY, [item_added(made[2])])
        assert runner.catch_up() == 1
        assert summary(conn)[made[2]] == ("placed", 2)
        assert runner.lag().events_behind == 0
