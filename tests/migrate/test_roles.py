"""`postgres.roles` on a real PostgreSQL: real roles (created here, dropped afterwards) use
the store with the privileges 005_roles.sql grants, and no more."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import psycopg.errors
import pytest
from click.testing import CliRunner

from devtools import shop_history
from devtools.postgres import apply
from escodegen.check import compile_project
from escodegen.cli import cli
from escodegen.emit.migrate.events import EventsMigration
from escodegen.emit.postgres import render
from escodegen.model import PostgresRoles, Project
from tests.conftest import EXAMPLES

Roles = dict[str, str]
"""kind (writer, reader, migrator) -> role name."""


def as_role(dsn: str, role: str) -> str:
    conninfo = psycopg.conninfo.conninfo_to_dict(dsn)
    conninfo["user"] = role
    conninfo.pop("password", None)
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in conninfo.items()})


@pytest.fixture
def roles(pg_dsn: str) -> Iterator[Roles]:
    """Three login roles of this test's own (roles belong to the whole server)."""
    suffix = uuid.uuid4().hex[:8]
    names = {kind: f"esc_{kind}_{suffix}" for kind in ("writer", "reader", "migrator")}
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'create role "{name}" login')
    try:
        yield names
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute("select pg_terminate_backend(pid) from pg_stat_activity "
                         "where usename = any(%s)", (list(names.values()),))
            for name in names.values():
                conn.execute(f'reassign owned by "{name}" to current_user')
                conn.execute(f'drop owned by "{name}"')
                conn.execute(f'drop role "{name}"')


def with_roles(project: Project, roles: Roles) -> Project:
    assert project.postgres is not None
    declared = PostgresRoles(roles.get("writer"), roles.get("reader"), roles.get("migrator"))
    return dataclasses.replace(project, postgres=dataclasses.replace(project.postgres,
                                                                     roles=declared))


APPEND = "select global_position from es.append_to_stream(%s, -1, %s::jsonb)"


def registration(stream: str) -> tuple[str, str]:
    """APPEND's parameters: a CustomerRegistered at version 1 (a rewrite upcasts it)."""
    event = {"event_type": "CustomerRegistered", "event_version": 1,
             "data": {"customerId": str(uuid.uuid4()), "name": "Ada Lovelace",
                      "email": "ada@example.com"}}
    return stream, json.dumps([event])


def denied(dsn: str, statement: str, params: tuple[Any, ...] = ()) -> bool:
    with psycopg.connect(dsn, autocommit=True) as conn:
        try:
            conn.execute(statement, params)
        except psycopg.errors.InsufficientPrivilege:
            return True
    return False


def test_each_role_does_what_it_may_and_nothing_more(
        pg_dsn: str, roles: Roles, shop_project: Project,
        shop_migration: EventsMigration) -> None:
    files = render(with_roles(shop_project, roles))
    assert "005_roles.sql" in files
    apply(pg_dsn, files)  # as a superuser, as a first deployment would
    writer, reader, migrator = (as_role(pg_dsn, roles[k]) for k in ("writer", "reader",
                                                                      "migrator"))
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        shop_history.load(conn, shop_history.history(seed=41, customers=40))
        owners = {owner for (owner,) in conn.execute(
            "select distinct pg_get_userbyid(relowner) from pg_class "
            "where relnamespace = 'es'::regnamespace and relkind in ('r', 'v')")}
        assert owners == {roles["migrator"]}
        conn.execute(f'create schema own authorization "{roles["writer"]}"')

    # The writer appends, reads, snapshots and runs a projection.
    with psycopg.connect(writer, autocommit=True) as conn:
        (position,) = conn.execute(APPEND, registration("Customer-w1")).fetchone() or (None,)
        assert position is not None
        assert conn.execute("select count(*) from es.read_stream('Customer-w1')").fetchone() \
            == (1,)
        assert conn.execute("select event_version from es.events_latest "
                            "where stream_id = 'Customer-w1'").fetchone() == (3,)
        assert conn.execute("select es.stream_version('Customer-w1')").fetchone() == (1,)
        assert conn.execute("select count(*) > 0 from es.read_all('0', 0, 10)").fetchone() \
            == (True,)
        assert conn.execute("select es.save_snapshot('Customer-w1', 1, 1, '{}')").fetchone() \
            == (True,)
        assert conn.execute("select es.catch_up_customer_directory(1000) > 0").fetchone() \
            == (True,)
    # A stored event the directory cannot apply (written by the superuser): the writer's
    # catch-up records it (on_error: skip), and the writer retries it.
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("insert into es.events (event_id, stream_id, stream_position, event_type, "
                     "event_version, data) values (gen_random_uuid(), 'Customer-bad', 1, "
                     "'CustomerTierChanged', 1, '{\"customerId\": \"x\", \"tier\": \"a\"}')")
    with psycopg.connect(writer, autocommit=True) as conn:
        assert conn.execute("select es.catch_up_customer_directory(1000)").fetchone() == (1,)
        assert conn.execute("select applied from es.retry_customer_directory()").fetchall() \
            == [(False,)]
        assert conn.execute("select attempts from es.projection_failures").fetchall() == [(2,)]
    # ... but never changes a stored event, nor reaches the migration guard.
    for statement in (
            ("insert into es.events (event_id, stream_id, stream_position, event_type, "
             "event_version, data) values (gen_random_uuid(), 'x', 1, 'CustomerRegistered', 1, "
             "'{}')"),
            "update es.events set data = '{}'",
            "delete from es.events",
            "truncate es.events",
            "update es.streams set version = 0"):
        assert denied(writer, statement), statement

    # The reader reads, and cannot append.
    with psycopg.connect(reader, autocommit=True) as conn:
        assert conn.execute("select count(*) from es.events_latest").fetchone() == (
            conn.execute("select count(*) from es.events").fetchone())
        conn.execute("select * from es.customer_directory")
        conn.execute("select * from es.read_stream('Customer-w1')")
        # ... and how far the projections are behind (the writer's catch-up above moved one)
        assert conn.execute("select events_behind from es.projection_status "
                            "where name = 'customer_directory'").fetchone() == (0,)
        assert conn.execute("select events from es.store_stats").fetchone() == (
            conn.execute("select count(*) from es.events").fetchone())
        assert conn.execute("select es.projection_caught_up('customer_directory', %s)",
                            (position,)).fetchone() == (True,)
    # ... and checks the stored payloads (escodegen verify-store): the one bad event above
    result = CliRunner().invoke(cli, ["verify-store", "--dsn", reader])
    assert result.exit_code == 1, result.output
    assert "Customer-bad" in result.output and "customerId" in result.output, result.output
    for statement, params in ((APPEND, registration("Customer-r1")),
                              ("select es.save_snapshot('x', 1, 1, '{}')", ()),
                              ("select es.catch_up_customer_directory(10)", ()),
                              ("delete from es.customer_directory", ())):
        assert denied(reader, statement, params), statement

    # The migrator rewrites the events, as a user runs it; the roles keep their rights on the
    # new table.
    result = CliRunner().invoke(cli, ["-C", str(EXAMPLES / "shop"), "migrate", "events",
                                      "--dsn", migrator])
    assert result.exit_code == 0, result.output
    with psycopg.connect(writer, autocommit=True) as conn:
        conn.execute("create table own.t (x integer)")
    assert denied(writer, "create trigger g after insert on own.t for each statement execute "
                          f"function es.escodegen_migration_guard({shop_migration.id!r})")
    with psycopg.connect(writer, autocommit=True) as conn:
        conn.execute(APPEND, registration("Customer-w2"))
        assert conn.execute("select event_version from es.events "
                            "where stream_id = 'Customer-w1'").fetchone() == (3,), "rewritten"
    assert denied(writer, "delete from es.events")
    assert denied(writer, "update es.escodegen_migrations set guard_tripped = true")
    assert denied(writer, f"select {shop_migration.function('verify')}()")
    assert denied(reader, APPEND, registration("Customer-r2"))
    with psycopg.connect(reader, autocommit=True) as conn:
        assert conn.execute("select count(*) from es.events where stream_id like 'Customer-w_'"
                            ).fetchone() == (2,)
        # the status reads the rewritten table: one event (Customer-w2) is not applied yet
        assert conn.execute("select events_behind from es.projection_status "
                            "where name = 'customer_directory'").fetchone() == (1,)


def test_a_missing_role_stops_the_file_with_a_clear_message(
        pg_dsn: str, roles: Roles, shop_project: Project) -> None:
    files = render(with_roles(shop_project, {**roles, "reader": "esc_nobody_here"}))
    with pytest.raises(psycopg.Error, match='role esc_nobody_here does not exist: escodegen '
                                            'creates no roles') as raised:
        apply(pg_dsn, files)
    assert raised.value.sqlstate == "ESROL"


def test_no_role_with_usage_on_the_schema_can_attach_the_migration_guard(
        pg_dsn: str, roles: Roles, shop_project: Project,
        shop_migration: EventsMigration) -> None:
    """Without `postgres.roles` too: the guard runs as its owner, so attached to a table of
    the attacker's own it would mark the run (guard_tripped) for anyone with USAGE."""
    apply(pg_dsn, render(shop_project))
    attacker = roles["reader"]
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(shop_migration.definitions())
        conn.execute(f"select {shop_migration.function('start')}()")
        conn.execute(f'grant usage on schema es to "{attacker}"')
        conn.execute(f'create schema own authorization "{attacker}"')
    with psycopg.connect(as_role(pg_dsn, attacker), autocommit=True) as conn:
        conn.execute("create table own.t (x integer)")
    assert denied(as_role(pg_dsn, attacker),
                  "create trigger g after insert on own.t for each statement execute "
                  f"function es.escodegen_migration_guard({shop_migration.id!r})")


@pytest.mark.parametrize(("roles_yaml", "code"), [
    ("{writer: app, migrator: app}", "ES209"),
    ("{writer: 'app; drop table x'}", "ES101"),
    ("{writer: App}", "ES101"),
    ("{owner: app}", "ES101"),
])
def test_declared_roles_are_checked(shop: Path, roles_yaml: str, code: str) -> None:
    project_file = shop / "escodegen.yaml"
    text = project_file.read_text()
    project_file.write_text(text.replace("postgres: {out: generated/sql, schema: es}",
                                         f"postgres: {{out: generated/sql, schema: es, "
                                         f"roles: {roles_yaml}}}"))
    _, report = compile_project(project_file)
    assert [d.code for d in report if d.severity == "error"] == [code]


def test_declared_roles_reach_the_model(shop: Path) -> None:
    project_file = shop / "escodegen.yaml"
    project_file.write_text(project_file.read_text().replace(
        "schema: es}", "schema: es, roles: {writer: app_w, reader: app_r}}"))
    project, report = compile_project(project_file)
    assert project is not None and project.postgres is not None, report
    assert project.postgres.roles == PostgresRoles(writer="app_w", reader="app_r")
    assert "005_roles.sql" in render(project)
    assert "005_roles.sql" not in render(dataclasses.replace(
        project, postgres=dataclasses.replace(project.postgres, roles=PostgresRoles())))
