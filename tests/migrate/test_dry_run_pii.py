"""`migrate events --dry-run` shows one stored payload per type and version, before and after:
the values marked pii are hidden there (a dry run's output goes to terminals and CI logs),
including inside objects, and an array holding pii is hidden whole; a stored payload that
does not fit its declaration is shown without failing the dry run."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import psycopg
from click.testing import CliRunner
from psycopg.types.json import Jsonb

from devtools import shop_history
from devtools.postgres import apply
from escodegen.cli import cli
from escodegen.emit.postgres import render
from tests.analyse.helpers import compile_text
from tests.conftest import EXAMPLES

MEMBERS = """\
events:
  MemberJoined:
    subject: memberId
    versions:
      1:
        fields:
          memberId: uuid
          contact: {type: object, fields: {email: {type: string, pii: true}, city: string}}
          guests: {type: array, items: {type: object, fields: {name: {type: string, pii: true}}}}
          plan: string
      2:
        upcast:
          - add: {field: source, value: web}
        fields:
          memberId: uuid
          contact: {type: object, fields: {email: {type: string, pii: true}, city: string}}
          guests: {type: array, items: {type: object, fields: {name: {type: string, pii: true}}}}
          plan: string
          source: string
"""
RAW = """
insert into es.events (event_id, stream_id, stream_position, event_type, event_version, data)
values (gen_random_uuid(), %s, 1, 'MemberJoined', 1, %s)"""


def _dry_run(root: Path, dsn: str) -> str:
    result = CliRunner().invoke(cli, ["-C", str(root), "migrate", "events", "--dsn", dsn,
                                      "--dry-run"])
    return result.output


def test_the_shops_dry_run_hides_the_email_and_shows_the_rest(store: str) -> None:
    rows = shop_history.history(seed=5, customers=5)
    first = next(r for r in rows if r[1] == "CustomerRegistered" and r[2] == 1)
    first[3]["email"] = "someone.private@example.org"
    with psycopg.connect(store, autocommit=True) as conn:
        shop_history.load(conn, rows)
    result = CliRunner().invoke(cli, ["-C", str(EXAMPLES / "shop"), "migrate", "events",
                                      "--dsn", store, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "someone.private@example.org" not in result.output
    assert '"email": "[pii]"' in result.output
    assert f'"customerId": "{first[3]["customerId"]}"' in result.output


def test_nested_pii_and_arrays_holding_it_are_hidden_even_in_payloads_that_do_not_fit(
        tmp_path: Path, pg_dsn: str) -> None:
    project, report = compile_text(tmp_path, MEMBERS, "escodegen: 1\nname: members\nsources: "
                                   "[declarations.yaml]\npostgres: {out: sql, schema: es}\n")
    assert project is not None, list(report)
    apply(pg_dsn, render(project))
    member = str(uuid.uuid4())
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(RAW, ("Member-1", Jsonb({
            "memberId": member, "contact": {"email": "ann@example.org", "city": "Lyon"},
            "guests": [{"name": "Bob Guest"}], "plan": "gold"})))
    out = _dry_run(tmp_path, pg_dsn)
    before, after = (json.loads(line.split(":", 1)[1]) for line in out.splitlines()
                     if line.strip().startswith(("e.g. before:", "after:")))
    assert before == {"memberId": member, "contact": {"email": "[pii]", "city": "Lyon"},
                      "guests": "[pii]", "plan": "gold"}
    assert after == {**before, "source": "web"}

    # Shapes the declaration does not have, stored by raw INSERTs: a string where the object
    # holding pii is declared, and a payload that is no object: hidden whole, nothing fails.
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("delete from es.events")
        conn.execute(RAW, ("Member-2", Jsonb({"memberId": member, "contact": "ann@example.org",
                                              "plan": "gold"})))
    out = _dry_run(tmp_path, pg_dsn)
    assert "ann@example.org" not in out and '"contact": "[pii]"' in out, out
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("delete from es.events")
        conn.execute(RAW, ("Member-3", Jsonb(["ann@example.org"])))
    out = _dry_run(tmp_path, pg_dsn)
    assert "ann@example.org" not in out and 'e.g. before: "[pii]"' in out, out
    assert "expected an object, got array" in out
