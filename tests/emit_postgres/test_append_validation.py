"""append_to_stream validates each payload against its (type, version) declaration (issue 12,
point 1): a bad payload from any client is refused with ESPAY naming the event's index in the
batch, the field path and what is wrong; `postgres.validate_on_append: false` leaves the check
out of the generated SQL."""

from __future__ import annotations

import dataclasses
import json
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest

from devtools.postgres import apply
from escodegen.check import compile_project
from escodegen.emit.postgres import render
from escodegen.model import Project
from tests.emit_postgres.events import ANY, NO_STREAM, append, event

ACCOUNTS = """\
events:
  AccountOpened:
    versions:
      1:
        fields: {accountId: uuid, kind: string, opened: date, limits: {type: array, items: {type: object, fields: {amount: decimal}}}}
"""


@pytest.fixture(scope="module")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("accounts")
    (root / "escodegen.yaml").write_text(
        "escodegen: 1\nname: accounts\nsources: [events]\n"
        "postgres: {out: generated/sql, schema: es}\n")
    (root / "events").mkdir()
    (root / "events" / "accounts.yaml").write_text(ACCOUNTS)
    project, report = compile_project(root / "escodegen.yaml")
    assert project is not None, report
    return project


def _opened(**data: Any) -> dict[str, Any]:
    payload = {"accountId": str(uuid.uuid4()), "kind": "savings", "opened": "2024-02-29",
               "limits": [{"amount": "10.50"}]}
    payload.update(data)
    return event("AccountOpened", 1, payload)


def _store(dsn: str, project: Project, validate: bool) -> psycopg.Connection[Any]:
    assert project.postgres is not None
    postgres = dataclasses.replace(project.postgres, validate_on_append=validate)
    apply(dsn, render(dataclasses.replace(project, postgres=postgres)))
    return psycopg.connect(dsn, autocommit=True)


def test_the_raw_kind_null_of_the_issue_is_refused(pg_dsn: str, accounts: Project) -> None:
    with _store(pg_dsn, accounts, validate=True) as conn:
        with pytest.raises(psycopg.Error) as refused:
            append(conn, "Account-1", NO_STREAM, [_opened(kind=None)])
        assert refused.value.sqlstate == "ESPAY"
        assert refused.value.diag.message_primary == (
            'invalid payload: event 1 of the batch ("AccountOpened" version 1): '
            "kind: expected a string, got null")
        assert conn.execute("select count(*) from es.events").fetchone() == (0,)


@pytest.mark.parametrize(("bad", "problem"), [
    ({"kind": 3}, "kind: expected a string, got number"),
    ({"accountId": "not-a-uuid"}, "accountId: not a uuid"),
    ({"opened": "2023-02-29"}, "opened: not a date"),
    ({"limits": [{"amount": "1"}, {"amount": 2}]}, "limits[1].amount: expected a decimal, got number"),
    ({"limits": [{}, {"amount": "x"}]}, "limits[0].amount: required field is missing"),
])
def test_a_bad_event_is_named_by_index_path_and_problem(
        pg_dsn: str, accounts: Project, bad: dict[str, Any], problem: str) -> None:
    with _store(pg_dsn, accounts, validate=True) as conn:
        batch = [_opened(), _opened(), _opened(**bad), _opened(kind=None)]
        with pytest.raises(psycopg.Error) as refused:
            append(conn, "Account-1", ANY, batch)
        assert refused.value.sqlstate == "ESPAY"
        assert refused.value.diag.message_primary == (
            f'invalid payload: event 3 of the batch ("AccountOpened" version 1): {problem}')
        assert json.loads(refused.value.diag.message_detail or "") == {
            "index": 3, "event_type": "AccountOpened", "event_version": 1, "problem": problem}
        assert conn.execute("select count(*) from es.events").fetchone() == (0,)
        # the good ones alone go in
        assert len(append(conn, "Account-1", NO_STREAM, batch[:2])) == 2


def test_append_to_streams_refuses_the_whole_call(pg_dsn: str, accounts: Project) -> None:
    with _store(pg_dsn, accounts, validate=True) as conn:
        appends = [{"stream_id": "Account-1", "expected_version": NO_STREAM, "events": [_opened()]},
                   {"stream_id": "Account-2", "expected_version": NO_STREAM,
                    "events": [_opened(), _opened(kind=None)]}]
        with pytest.raises(psycopg.Error) as refused:
            conn.execute("select * from es.append_to_streams(%s::jsonb)", (json.dumps(appends),))
        assert refused.value.sqlstate == "ESPAY"
        assert "event 2 of append 2" in str(refused.value.diag.message_primary)
        assert conn.execute("select count(*) from es.events").fetchone() == (0,)


def test_validate_on_append_false_stores_it(pg_dsn: str, accounts: Project) -> None:
    assert accounts.postgres is not None
    off = dataclasses.replace(accounts, postgres=dataclasses.replace(
        accounts.postgres, validate_on_append=False))
    files = render(off)
    assert "validate_event" not in files["001_event_store.sql"]
    assert "validate_event" in render(accounts)["001_event_store.sql"]
    with _store(pg_dsn, accounts, validate=False) as conn:
        append(conn, "Account-1", NO_STREAM, [_opened(kind=None)])
        assert conn.execute("select data -> 'kind' from es.events").fetchone() == (None,)
        # the validators are still there, for verify-store and migrations
        assert conn.execute(
            "select es.validate_event(event_type, event_version, data) from es.events"
        ).fetchone() == ("kind: expected a string, got null",)


def test_the_project_file_key_is_read(tmp_path: Path) -> None:
    (tmp_path / "escodegen.yaml").write_text(
        "escodegen: 1\nname: p\nsources: [events]\n"
        "postgres: {out: generated/sql, validate_on_append: false}\n")
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "e.yaml").write_text(ACCOUNTS)
    project, report = compile_project(tmp_path / "escodegen.yaml")
    assert project is not None and project.postgres is not None, report
    assert project.postgres.validate_on_append is False
    (tmp_path / "escodegen.yaml").write_text(
        "escodegen: 1\nname: p\nsources: [events]\n"
        "postgres: {out: generated/sql, validate_on_append: 'no'}\n")
    project, report = compile_project(tmp_path / "escodegen.yaml")
    assert project is None and report.has_errors
