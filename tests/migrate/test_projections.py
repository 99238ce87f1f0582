"""`migrate projections` on a real PostgreSQL: the published shop, a changed declaration,
and the files that move the tables, applied the way a migration tool would."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from devtools import shop_history
from devtools.postgres import fresh_database
from escodegen.analyse.shapes import contract_of
from escodegen.check import compile_project
from escodegen.cli import cli
from escodegen.emit.migrate.projections import plan_projections, render_files
from escodegen.model import Project
from tests.migrate.conftest import apply_store


def changed(shop: Path, edits: list[tuple[str, str]]) -> tuple[Path, Project]:
    """A copy of the shop with its projections file edited."""
    head = shop.parent / "head"
    shutil.copytree(shop, head)
    declarations = head / "projections" / "projections.yaml"
    text = declarations.read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    declarations.write_text(text)
    project, report = compile_project(head / "escodegen.yaml")
    assert project is not None, [d.render() for d in report]
    return head, project


def published_store(dsn: str, shop: Path) -> Project:
    base, _ = compile_project(shop / "escodegen.yaml")
    assert base is not None
    apply_store(dsn, base)
    with psycopg.connect(dsn, autocommit=True) as conn:
        shop_history.load(conn, shop_history.history(seed=23, customers=300))
        conn.execute("select es.catch_up_order_summary(1000000)")
        conn.execute("select es.catch_up_customer_directory(1000000)")
    return base


def apply_migrations(dsn: str, folder: Path) -> None:
    """Each file in one transaction, in version order, as a migration tool does."""
    with psycopg.connect(dsn) as conn:
        for path in sorted(folder.glob("V*.sql")):
            with conn.transaction():
                conn.execute(path.read_text())


def columns(conn: psycopg.Connection[Any], table: str) -> dict[str, tuple[str, bool]]:
    return {name: (kind, nullable == "YES") for name, kind, nullable in conn.execute(
        "select column_name, data_type, is_nullable from information_schema.columns "
        "where table_schema = 'es' and table_name = %s", (table,))}


def file_node(conn: psycopg.Connection[Any], table: str) -> Any:
    row = conn.execute("select pg_relation_filenode(%s)", (f"es.{table}",)).fetchone()
    return row[0] if row else None


ADD_AND_DROP = [
    ("columns: {orderId: uuid, status: string, total: decimal?, itemCount: integer}",
     ("columns: {orderId: uuid, status: string, total: decimal?, itemCount: integer, "
     "currency: string?, lines: integer}")),
    ("{upsert: {orderId: $.orderId, status: placed, total: $.totalAmount, itemCount: 0}}",
     ("{upsert: {orderId: $.orderId, status: placed, total: $.totalAmount, itemCount: 0, "
     "currency: $.currency, lines: 0}}")),
    ("{upsert: {orderId: $.orderId, status: placed, total: $.pricing.total, itemCount: 0}}",
     ("{upsert: {orderId: $.orderId, status: placed, total: $.pricing.total, itemCount: 0, "
     "currency: $.pricing.currency, lines: 0}}")),
    ("tier: string, registeredAt: datetime}", "tier: string?}"),
    ("tier: $.tier, registeredAt: $recorded_at}", "tier: $.tier}"),
]


def test_columns_added_and_dropped_without_rewriting_the_table(pg_dsn: str, shop: Path,
                                                               tmp_path: Path) -> None:
    published_store(pg_dsn, shop)
    head, _project = changed(shop, ADD_AND_DROP)
    migrations = tmp_path / "db" / "migration"
    migrations.mkdir(parents=True)
    (migrations / "V0007__create_users.sql").write_text("select 1;\n")
    result = CliRunner().invoke(cli, ["-C", str(head), "migrate", "projections", "--against",
                                      str(shop), "--out", str(migrations)])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in migrations.glob("V*__escodegen_*.sql"))
    assert written == ["V0008__escodegen_customer_directory.sql",
                       "V0009__escodegen_order_summary.sql"]
    text = (migrations / written[1]).read_text()
    assert "set local lock_timeout = '5s';" in text
    assert "add column if not exists \"lines\" bigint not null default '0'::bigint" in text

    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        before = {t: file_node(conn, t) for t in ("order_summary", "customer_directory")}
        rows_before = conn.execute("select order_id, status, total, item_count "
                                   "from es.order_summary order by 1").fetchall()
    apply_migrations(pg_dsn, migrations)

    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        assert {t: file_node(conn, t) for t in before} == before, "no table was rewritten"
        assert columns(conn, "order_summary")["currency"] == ("text", True)
        assert columns(conn, "order_summary")["lines"] == ("bigint", False)
        assert "registered_at" not in columns(conn, "customer_directory")
        assert columns(conn, "customer_directory")["tier"] == ("text", True)
        assert conn.execute("select order_id, status, total, item_count from es.order_summary "
                            "order by 1").fetchall() == rows_before
        # the handlers now write the new shape
        conn.execute("select es.append_to_stream('Order-00000000-0000-4000-8000-000000000001',"
                     " -1, '[{\"event_type\": \"OrderPlaced\", \"event_version\": 2, \"data\": "
                     "{\"orderId\": \"00000000-0000-4000-8000-000000000001\", \"customerId\": "
                     "\"00000000-0000-4000-8000-000000000002\", \"totalAmount\": \"5.00\", "
                     "\"currency\": \"CHF\"}}]')")
        conn.execute("select es.catch_up_order_summary(1000)")
        assert conn.execute("select currency, lines from es.order_summary where order_id = "
                            "'00000000-0000-4000-8000-000000000001'").fetchone() == ("CHF", 0)

    again = CliRunner().invoke(cli, ["-C", str(head), "migrate", "projections", "--against",
                                     str(shop), "--out", str(migrations)])
    assert again.exit_code == 0 and "nothing to write" in again.output
    assert sorted(p.name for p in migrations.glob("V*__escodegen_*.sql")) == written


def test_rebuild_gives_added_columns_their_true_values(pg_server: str, pg_dsn: str, shop: Path,
                                                       tmp_path: Path) -> None:
    """`--rebuild`: the same changes as above, but each changed table is rebuilt from the
    events, so it ends as the declared projection built from scratch (rows written before hold
    the added columns' values, not null or 0)."""
    published_store(pg_dsn, shop)
    head, project = changed(shop, ADD_AND_DROP)
    migrations = tmp_path / "migrations"
    result = CliRunner().invoke(cli, ["-C", str(head), "migrate", "projections", "--against",
                                      str(shop), "--out", str(migrations), "--rebuild"])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in migrations.glob("V*.sql"))
    assert written == ["V0001__escodegen_customer_directory.sql",
                       "V0002__escodegen_order_summary.sql"]
    assert all("rebuild asked for" in (migrations / name).read_text() for name in written)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        before = {t: file_node(conn, t) for t in PROJECTED}
    apply_migrations(pg_dsn, migrations)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        assert all(file_node(conn, t) != node for t, node in before.items()), "rebuilt"
        rebuilt = {t: conn.execute(query).fetchall() for t, query in PROJECTED.items()}
    with fresh_database(pg_server, "from_scratch") as fresh:
        apply_store(fresh, project)
        with psycopg.connect(fresh, autocommit=True) as conn:
            shop_history.load(conn, shop_history.history(seed=23, customers=300))
            conn.execute("select es.catch_up_order_summary(1000000)")
            conn.execute("select es.catch_up_customer_directory(1000000)")
            assert rebuilt == {t: conn.execute(query).fetchall() for t, query in PROJECTED.items()}
    assert any(currency is not None for *_, currency, _lines in rebuilt["order_summary"])


PROJECTED = {
    "order_summary": "select order_id, status, total, item_count, currency, lines "
                     "from es.order_summary order by 1",
    "customer_directory": "select customer_id, first_name, last_name, tier "
                          "from es.customer_directory order by 1",
}
"""The changed projections (ADD_AND_DROP) as their columns, without the bookkeeping ones."""


def test_a_type_or_key_change_rebuilds_from_the_events(pg_dsn: str, shop: Path,
                                                       tmp_path: Path) -> None:
    base = published_store(pg_dsn, shop)
    _, project = changed(shop, [("total: decimal?, itemCount: integer}",
                                 "total: decimal?, itemCount: number}")])
    changes = plan_projections(project, contract_of(base, "base"))
    assert [(c.projection, c.rebuild_reasons) for c in changes] == [
        ("order_summary", ("itemCount: type bigint -> double precision",))]
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    for name, text in render_files(project, changes, migrations).items():
        (migrations / name).write_text(text)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        node = file_node(conn, "order_summary")
        expected = conn.execute("select order_id, status, total, item_count::float8 "
                                "from es.order_summary order by 1").fetchall()
    apply_migrations(pg_dsn, migrations)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        assert file_node(conn, "order_summary") != node
        assert columns(conn, "order_summary")["item_count"] == ("double precision", False)
        assert conn.execute("select order_id, status, total, item_count from es.order_summary "
                            "order by 1").fetchall() == expected
        assert conn.execute("select es.catch_up_order_summary(1000)").fetchone() == (0,)


def test_key_change_and_required_column_are_rebuilds(shop: Path) -> None:
    base, _ = compile_project(shop / "escodegen.yaml")
    assert base is not None
    _, project = changed(shop, [("key: [customerId]", "key: [customerId, tier]"),
                                ("total: decimal?, itemCount", "total: decimal, itemCount")])
    changes = plan_projections(project, contract_of(base, "base"))
    assert [(c.projection, c.rebuild_reasons) for c in changes] == [
        ("customer_directory", ("key ['customerId'] -> ['customerId', 'tier']",)),
        ("order_summary", ("total: now required",))]


def test_an_empty_registry_is_said(tmp_path: Path, shop: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(shop), "migrate", "projections", "--out",
                                      str(tmp_path / "m")])
    assert result.exit_code == 0
    assert "ES705" in result.stderr and "nothing to write" in result.stdout


def test_against_the_registry_by_default(tmp_path: Path, shop: Path) -> None:
    from escodegen.commands.publish import record as publish
    from escodegen.sources.registry import open_registry

    base, _ = compile_project(shop / "escodegen.yaml")
    assert base is not None
    publish(base, open_registry(base.registry))
    declarations = shop / "projections" / "projections.yaml"
    declarations.write_text(declarations.read_text().replace(
        "tier: string, registeredAt: datetime}", "tier: string?, registeredAt: datetime}"))
    result = CliRunner().invoke(cli, ["-C", str(shop), "migrate", "projections", "--out",
                                      str(tmp_path / "m"), "--start", "41"])
    assert result.exit_code == 0, result.output
    (written,) = (tmp_path / "m").glob("*.sql")
    assert written.name == "V0041__escodegen_customer_directory.sql"
    assert 'alter column "tier" drop not null' in written.read_text()


def test_reapplying_a_changed_projection_fails_until_migrated(pg_dsn: str, shop: Path,
                                                              tmp_path: Path) -> None:
    """Issue 19: `create table if not exists` kept the old table and the next catch-up failed
    with UndefinedColumn. The generated file now refuses to apply, naming the command."""
    from escodegen.emit.postgres import render as render_postgres

    published_store(pg_dsn, shop)
    head, project = changed(shop, ADD_AND_DROP)
    new_file = render_postgres(project)["004_projection_order_summary.sql"]
    with psycopg.connect(pg_dsn) as conn:
        with pytest.raises(psycopg.Error) as caught, conn.transaction():
            conn.execute(new_file)
        assert caught.value.sqlstate == "ESPTB"
        assert "escodegen migrate projections" in (caught.value.diag.message_hint or "")
        message = caught.value.diag.message_primary or ""
        assert "currency text" in message and "lines bigint not null" in message
        assert "order_summary" in message
        assert "currency" not in columns(conn, "order_summary")  # nothing changed
    migrations = tmp_path / "migrations"
    result = CliRunner().invoke(cli, ["-C", str(head), "migrate", "projections", "--against",
                                      str(shop), "--out", str(migrations)])
    assert result.exit_code == 0, result.output
    apply_migrations(pg_dsn, migrations)
    with psycopg.connect(pg_dsn) as conn:
        for _ in range(2):  # safe to apply again once the table has the declared shape
            with conn.transaction():
                conn.execute(new_file)
