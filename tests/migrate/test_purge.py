"""The regulatory purge on a real PostgreSQL: afterwards a pg_dump of the database holds none
of the subject's pii values, in events of any version, the backup an earlier rewrite kept,
snapshots or projection rows; everybody else's data is untouched."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from devtools import shop_history
from escodegen.check import compile_project
from escodegen.db import runner
from escodegen.diagnostics import Report
from escodegen.emit.migrate.events import EventsMigration, plan_events
from escodegen.emit.migrate.purge import PURGED_TEXT, PurgePlan, plan_purge
from escodegen.model import Project
from tests.migrate.conftest import apply_file, apply_store, psql

SUBJECT_EMAIL = "subject.person@example.org"
OTHER_EMAIL = "c1@example.com"


def pii_shop(shop: Path) -> Project:
    """The shop (whose customer state's email is pii already), with a directory column that
    holds the email too."""
    aggregates = shop / "aggregates" / "aggregates.yaml"
    assert "fields: {email: {type: string, pii: true}, tier: string}" in aggregates.read_text()
    projections = shop / "projections" / "projections.yaml"
    text = projections.read_text()
    for old, new in [("tier: string, registeredAt: datetime}",
                      "tier: string, registeredAt: datetime, email: string?}"),
                     ("tier: $.tier, registeredAt: $recorded_at}",
                      "tier: $.tier, registeredAt: $recorded_at, email: $.email}")]:
        assert old in text
        text = text.replace(old, new)
    projections.write_text(text)
    project, report = compile_project(shop / "escodegen.yaml")
    assert project is not None, list(report)
    return project


def dump(dsn: str) -> str:
    pg_dump = str(Path(psql()).with_name("pg_dump"))
    return subprocess.run([pg_dump, "--no-owner", "-d", dsn], check=True, capture_output=True,
                          text=True).stdout


def seed(conn: psycopg.Connection[Any]) -> str:
    """The shop's history, the first customer's email made recognisable; their id."""
    rows = shop_history.history(seed=17, customers=300)
    subject = rows[[r[1] for r in rows].index("CustomerRegistered")][3]["customerId"]
    for _, event_type, _, data, _ in rows:
        if event_type == "CustomerRegistered" and data["customerId"] == subject:
            data["email"] = SUBJECT_EMAIL
    shop_history.load(conn, rows)
    return str(subject)


@pytest.mark.parametrize("state_version", [1, 7], ids=["current state", "older state"])
def test_purge_leaves_no_pii_of_the_subject_in_a_dump(pg_dsn: str, shop: Path,
                                                      state_version: int) -> None:
    project = pii_shop(shop)
    apply_store(pg_dsn, project)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        subject = seed(conn)
    report = Report()
    rewrite = plan_events(project, (), None, report)
    plan = plan_purge(project, report)
    assert rewrite is not None and plan is not None, list(report)
    backup = runner.run(pg_dsn, rewrite, batch_size=1000).backup_table
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        # the subject registers again at an old version, after the rewrite
        conn.execute("select es.append_to_stream(%s, -1, %s)", (f"Customer-{subject}", Jsonb([{
            "event_type": "CustomerRegistered", "event_version": 1,
            "data": {"customerId": subject, "name": "Sub Ject", "email": SUBJECT_EMAIL}}])))
        # a snapshot of the current state version is purged, of another one deleted
        conn.execute("insert into es.snapshots (stream_id, state_version, stream_version, "
                     "state) values (%s, %s, 1, %s)",
                     (f"Customer-{subject}", state_version,
                      Jsonb({"email": SUBJECT_EMAIL, "tier": "premium"})))
        conn.execute("select es.save_snapshot('Customer-other', 1, 1, %s)",
                     (Jsonb({"email": OTHER_EMAIL, "tier": "standard"}),))
        conn.execute("select es.catch_up_customer_directory(100000)")
    before = dump(pg_dsn)
    assert before.count(SUBJECT_EMAIL) >= 5 and OTHER_EMAIL in before

    purge_file = shop / "purge.sql"
    purge_file.write_text(plan.file(subject))
    apply_file(pg_dsn, purge_file)

    after = dump(pg_dsn)
    assert SUBJECT_EMAIL not in after
    assert after.count(OTHER_EMAIL) == before.count(OTHER_EMAIL), "nobody else is purged"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        (audit,) = conn.execute("select row(a.*)::text from es.escodegen_purges a").fetchall()
        assert subject not in audit[0] and "example" not in audit[0]
        counts = conn.execute("select counts from es.escodegen_purges").fetchone()
        # the subject's registration: rewritten table, backup, and the one appended later
        assert counts is not None and counts[0] == {
            "events": 2, "events_in_kept_tables": 1, "snapshots Customer": 1,
            "projection customer_directory": 1}
        events = conn.execute("select data, metadata from es.events where data->>'customerId' "
                              "= %s and event_type = 'CustomerRegistered'", (subject,)).fetchall()
        assert [d["email"] for d, _ in events] == [PURGED_TEXT, PURGED_TEXT]
        assert all("escodegen_purged" in m for _, m in events)
        assert conn.execute(f"select count(*) from es.{backup} where data->>'email' = %s",
                            (PURGED_TEXT,)).fetchone() == (1,)
        assert conn.execute("select email from es.customer_directory where customer_id = %s",
                            (subject,)).fetchone() == (None,)
        snapshot = conn.execute("select state from es.snapshots where stream_id = %s",
                                (f"Customer-{subject}",)).fetchone()
        assert snapshot == ({"email": PURGED_TEXT, "tier": "premium"},) if state_version == 1 \
            else snapshot is None

    # a second purge finds nothing left to change
    _purge_id, counts = runner.purge(pg_dsn, plan, subject)
    assert counts == {"events": 0, "events_in_kept_tables": 0, "snapshots Customer": 0,
                      "projection customer_directory": 0}


def test_purge_needs_pii_fields_with_a_subject(shop: Path) -> None:
    declarations = shop / "events" / "customer.yaml"
    text = declarations.read_text()
    assert "subject: customerId\n" in text
    declarations.write_text(text.replace("    subject: customerId\n", ""))
    project, _ = compile_project(shop / "escodegen.yaml")
    assert project is not None
    report = Report()
    assert plan_purge(project, report) is None
    assert sorted(d.code for d in report) == ["ES305", "ES704"]


@pytest.mark.parametrize("subject", ["'; drop table es.events; --", "%1$s %s"])
def test_a_hostile_subject_is_only_a_value(store: str, shop_project: Project,
                                           subject: str) -> None:
    plan = plan_purge(shop_project, Report())
    assert plan is not None
    _, counts = runner.purge(store, plan, subject, allow_no_match=True)
    assert counts["events"] == 0
    with psycopg.connect(store) as conn:
        assert conn.execute("select count(*) from es.events").fetchone() == (0,)


def _started_rewrite(store: str, project: Project, copied: int
                     ) -> tuple[str, EventsMigration, PurgePlan]:
    """The seeded shop's subject, a rewrite of its events that has copied the first `copied`
    (its progress row still `copying`), and the purge plan."""
    with psycopg.connect(store, autocommit=True) as conn:
        subject = seed(conn)
    rewrite = plan_events(project, (), None, Report())
    plan = plan_purge(project, Report())
    assert rewrite is not None and plan is not None
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute(rewrite.definitions())
        conn.execute(f"select {rewrite.function('start')}()")
        conn.execute(f"select {rewrite.function('step')}(%s)", (copied,))
    return subject, rewrite, plan


def test_a_purge_during_a_rewrite_reaches_the_new_table(store: str, shop_project: Project
                                                        ) -> None:
    """Events already copied are purged in the new table too; a batch waiting for the purge
    copies the purged rows."""
    subject, rewrite, plan = _started_rewrite(store, shop_project, copied=300)  # a part
    with psycopg.connect(store) as conn:
        assert conn.execute(f"select count(*) from es.{rewrite.standby_table} "
                            "where data ->> 'email' = %s", (SUBJECT_EMAIL,)).fetchone() == (1,)
    runner.purge(store, plan, subject)
    runner.run(store, rewrite, batch_size=300)
    assert SUBJECT_EMAIL not in dump(store)


def test_a_purge_and_a_rewrite_preparing_its_table_do_not_deadlock(
        store: str, shop_project: Project) -> None:
    """The rewrite's prepare holds its new table in SHARE mode (building indexes) and then
    takes it ACCESS EXCLUSIVE (adding their constraints). A purge reaching that table in
    between must wait for it holding nothing there: were it to read the table (ACCESS SHARE)
    before asking to write it, each would wait for the other, and PostgreSQL would end one
    of them (deadlock detected)."""
    subject, rewrite, plan = _started_rewrite(store, shop_project, copied=100_000)  # all
    failures: list[str] = []

    def purge() -> None:
        try:
            runner.purge(store, plan, subject)
        except psycopg.Error as error:
            failures.append(f"purge: {error}")

    with psycopg.connect(store) as preparing:
        preparing.execute(f"lock table es.{rewrite.standby_table} in share mode")
        purging = threading.Thread(target=purge)
        purging.start()
        _sessions_waiting_for_a_lock(store, 1)
        try:
            preparing.execute(f"select {rewrite.function('indexes')}()")
        except psycopg.Error as error:
            failures.append(f"prepare: {error}")
    purging.join(timeout=120)
    assert failures == []
    with psycopg.connect(store) as conn:
        for table in ("events", rewrite.standby_table):
            assert conn.execute(f"select count(*) from es.{table} where data ->> 'email' = %s",
                                (SUBJECT_EMAIL,)).fetchone() == (0,), table


def test_a_purge_holding_the_rewrite_progress_row_and_prepare_do_not_deadlock(
        store: str, shop_project: Project) -> None:
    """A purge takes the copying rewrite's progress row first (as each batch and the swap
    do), then the tables. Prepare must take that row first too: were it to build the new
    table's indexes first (holding the table) and ask for the row after, a purge holding the
    row and reaching the table would wait for it while it waits for the purge. The purge is
    held after taking the row (a writer holds the events table), prepare started meanwhile."""
    subject, rewrite, plan = _started_rewrite(store, shop_project, copied=100_000)  # all
    failures: list[str] = []

    def run(name: str, call: Callable[[], object]) -> threading.Thread:
        def guarded() -> None:
            try:
                call()
            except psycopg.Error as error:
                failures.append(f"{name}: {error}")
        thread = threading.Thread(target=guarded)
        thread.start()
        return thread

    def prepare() -> None:
        with psycopg.connect(store, autocommit=True) as conn:
            conn.execute(f"select {rewrite.function('prepare')}()")

    with psycopg.connect(store) as writer:
        writer.execute("lock table es.events in access exclusive mode")
        purging = run("purge", lambda: runner.purge(store, plan, subject))
        _sessions_waiting_for_a_lock(store, 1)
        preparing = run("prepare", prepare)
        _sessions_waiting_for_a_lock(store, 2)
    for thread in (purging, preparing):
        thread.join(timeout=120)
    assert failures == []
    with psycopg.connect(store) as conn:
        for table in ("events", rewrite.standby_table):
            assert conn.execute(f"select count(*) from es.{table} where data ->> 'email' = %s",
                                (SUBJECT_EMAIL,)).fetchone() == (0,), table


def with_event(shop: Path, name: str, declaration: str) -> Project:
    """The shop with one more events file, checked."""
    (shop / "events" / name).write_text(declaration)
    project, report = compile_project(shop / "escodegen.yaml")
    assert project is not None, [d.render() for d in report]
    return project


def test_pii_inside_an_array_is_refused(shop: Path) -> None:
    project = with_event(
        shop, "contacts.yaml",
        "events:\n"
        "  ContactsImported:\n"
        "    subject: customerId\n"
        "    versions:\n"
        "      1:\n"
        "        fields:\n"
        "          customerId: uuid\n"
        "          contacts:\n"
        "            type: array\n"
        "            items: {type: object, fields: {phone: {type: string, pii: true}}}\n")
    report = Report()
    assert plan_purge(project, report) is None
    assert [(d.code, d.message) for d in report] == [
        ("ES706", "'ContactsImported' has a pii field inside the array 'contacts'")]


def test_pii_inside_a_map_of_a_named_record_is_refused(shop: Path) -> None:
    project = with_event(
        shop, "contacts.yaml",
        "types:\n"
        "  Contact: {fields: {phone: {type: string, pii: true}}}\n"
        "events:\n"
        "  ContactsImported:\n"
        "    subject: customerId\n"
        "    versions:\n"
        "      1:\n"
        "        fields: {customerId: uuid, contacts: {type: map, values: Contact}}\n")
    report = Report()
    assert plan_purge(project, report) is None
    assert [(d.code, d.message) for d in report] == [
        ("ES706", "'ContactsImported' has a pii field inside the map 'contacts'")]


@pytest.mark.parametrize(("field", "message"), [
    ("{type: union, tag: kind, variants: {card: Contact}}",
     "'ContactsImported' has a pii field inside a variant of the union 'contact'"),
    ("{type: tuple, items: [string, Contact]}",
     "'ContactsImported' has a pii field inside the tuple 'contact'"),
    ("{type: union, tag: kind, pii: true, variants: {card: {fields: {n: string}}}}",
     ("'ContactsImported' marks the union 'contact' pii but it cannot be null: a purge has no "
     "variant to put in its place")),
])
def test_pii_inside_or_on_a_union_that_cannot_be_null_is_refused(
        shop: Path, field: str, message: str) -> None:
    project = with_event(
        shop, "contacts.yaml",
        "types:\n"
        "  Contact: {fields: {phone: {type: string, pii: true}}}\n"
        "events:\n"
        "  ContactsImported:\n"
        "    subject: customerId\n"
        "    versions:\n"
        "      1:\n"
        f"        fields: {{customerId: uuid, contact: {field}}}\n")
    report = Report()
    assert plan_purge(project, report) is None
    assert [(d.code, d.message) for d in report] == [("ES706", message)]


def test_nested_and_optional_pii_fields(pg_dsn: str, shop: Path) -> None:
    project = with_event(
        shop, "address.yaml",
        "events:\n"
        "  AddressChanged:\n"
        "    subject: customerId\n"
        "    versions:\n"
        "      1:\n"
        "        fields:\n"
        "          customerId: uuid\n"
        "          address:\n"
        "            type: object\n"
        "            fields: {street: {type: string, pii: true}, city: string,\n"
        "                     floor: {type: integer, required: false, pii: true}}\n")
    plan = plan_purge(project, Report())
    assert plan is not None
    apply_store(pg_dsn, project)
    subject, other = "8d9c4f43-0d0f-4a53-9a57-7e1f4b0e8f11", "1d9c4f43-0d0f-4a53-9a57-7e1f4b0e8f11"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        for customer, floor in [(subject, 3), (subject, None), (other, 4)]:
            address: dict[str, Any] = {"street": f"Secret St {customer[:2]}", "city": "Bern"}
            if floor is not None:
                address["floor"] = floor
            conn.execute("select es.append_to_stream(%s, -1, %s)", (f"Customer-{customer}", Jsonb([{
                "event_type": "AddressChanged", "event_version": 1,
                "data": {"customerId": customer, "address": address}}])))
    runner.purge(pg_dsn, plan, subject)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        stored = [row[0]["address"] for row in conn.execute(
            "select data from es.events order by global_position")]
    assert stored == [{"street": PURGED_TEXT, "city": "Bern", "floor": None},
                      {"street": PURGED_TEXT, "city": "Bern"},
                      {"street": "Secret St 1d", "city": "Bern", "floor": 4}]


def test_the_scaffolded_project_can_be_purged(pg_dsn: str, tmp_path: Path) -> None:
    """`escodegen init` declares whose pii its events hold: a purge of its project runs."""
    from click.testing import CliRunner

    from escodegen.cli import cli

    created = CliRunner().invoke(cli, ["init", str(tmp_path / "bank")])
    assert created.exit_code == 0, created.output
    project, report = compile_project(tmp_path / "bank" / "escodegen.yaml")
    assert project is not None, list(report)
    assert [d.code for d in report] == [], "the scaffold validates without a warning"
    plan = plan_purge(project, report)
    assert plan is not None, [d.render() for d in report]
    apply_store(pg_dsn, project)
    subject, other = "8d9c4f43-0d0f-4a53-9a57-7e1f4b0e8f11", "1d9c4f43-0d0f-4a53-9a57-7e1f4b0e8f11"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        for account in (subject, other):
            conn.execute("select es.append_to_stream(%s, -1, %s)", (f"Account-{account}", Jsonb([{
                "event_type": "AccountOpened", "event_version": 1,
                "data": {"accountId": account, "owner": f"Owner {account[:2]}",
                         "email": f"{account[:2]}@example.org"}}])))
        conn.execute("select es.catch_up_account_balance(100)")
    runner.purge(pg_dsn, plan, subject)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        stored = [row[0] for row in conn.execute(
            "select data from es.events order by global_position")]
        owners = conn.execute("select owner from es.account_balance order by owner").fetchall()
    assert stored == [{"accountId": subject, "owner": PURGED_TEXT, "email": PURGED_TEXT},
                      {"accountId": other, "owner": "Owner 1d", "email": "1d@example.org"}]
    assert sorted(owners) == [("Owner 1d",), (PURGED_TEXT,)]


def test_validate_warns_of_pii_fields_without_a_subject(shop: Path) -> None:
    project = with_event(
        shop, "newsletter.yaml",
        "events:\n"
        "  NewsletterJoined:\n"
        "    versions:\n"
        "      1: {fields: {email: {type: string, pii: true}, topic: string}}\n"
        "      2: {fields: {email: {type: string, pii: true}, topic: string,\n"
        "                   phone: {type: string, required: false, pii: true}}}\n")
    report = compile_project(shop / "escodegen.yaml")[1]
    assert project is not None
    assert [(d.code, d.severity, d.message) for d in report] == [
        ("ES305", "warning", ("NewsletterJoined has pii fields (email, phone) but no "
                              "`subject`: `migrate purge` cannot tell whose they are, and "
                              "leaves them"))]


def purge_command(store: str, *args: str) -> Any:
    from click.testing import CliRunner

    from escodegen.cli import cli

    return CliRunner().invoke(cli, ["-C", str(Path(__file__).parents[2] / "examples" / "shop"),
                                    "migrate", "purge", "--dsn", store, *args])


def content(dsn: str) -> str:
    """The dump without pg_dump's random per-run `\\restrict` key lines."""
    return "\n".join(line for line in dump(dsn).splitlines()
                     if not line.startswith(("\\restrict", "\\unrestrict")))


def audit_rows(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        if conn.execute("select to_regclass('es.escodegen_purges')").fetchone() == (None,):
            return 0
        row = conn.execute("select count(*) from es.escodegen_purges").fetchone()
        return row[0] if row else 0


def test_a_subject_id_of_the_wrong_type_is_refused(store: str) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        seed(conn)
    before = content(store)
    result = purge_command(store, "--subject", "not-a-uuid")
    assert result.exit_code == 1, result.output
    assert "ES707" in result.output and "uuid in CustomerRegistered.customerId" in result.output
    assert audit_rows(store) == 0 and content(store) == before


NOT_UUIDS = {
    "Arabic-Indic digits": "\u0660" * 32,
    "underscores": "8d9c4f43_0d0f_4a53_9a57_7e1f4b0e8f1",
    "0x prefix": "0x9c4f430d0f4a539a577e1f4b0e8f11",
    "a sign": "+8d9c4f430d0f4a539a577e1f4b0e8f1",
    "a space inside": " 8d9c4f430d0f4a539a577e1f4b0e8f1",
    "unbalanced braces": "{{8d9c4f43-0d0f-4a53-9a57-7e1f4b0e8f11",
    "hyphens anywhere": "8-d-9-c-4-f-4-3-0d0f4a539a577e1f4b0e8f11",
}
"""Words Python's uuid.UUID reads as some UUID (int() takes any Unicode digit, `_`, a sign,
`0x` and spaces; braces and hyphens are stripped wherever they are) though none is one:
a mistyped id read as another subject's."""


@pytest.mark.parametrize("word", sorted(NOT_UUIDS))
def test_a_subject_id_python_reads_as_a_uuid_but_is_none_is_refused(store: str,
                                                                    word: str) -> None:
    result = purge_command(store, "--subject", NOT_UUIDS[word], "--allow-no-match")
    assert result.exit_code == 1, result.output
    assert "ES707" in result.output
    assert audit_rows(store) == 0


@pytest.mark.parametrize("form", ["{8D9C4F43-0D0F-4A53-9A57-7E1F4B0E8F11}",
                                  "8d9c4f430d0f4a539a577e1f4b0e8f11",
                                  "urn:uuid:8d9c4f43-0d0f-4a53-9a57-7e1f4b0e8f11"])
def test_the_written_forms_of_a_uuid_are_one_subject(tmp_path: Path, form: str) -> None:
    """Braces, capitals, no hyphens, the URN: the id in its stored form in the purge file."""
    from click.testing import CliRunner

    from escodegen.cli import cli

    out = tmp_path / "purge.sql"
    result = CliRunner().invoke(cli, ["-C", str(Path(__file__).parents[2] / "examples" / "shop"),
                                      "migrate", "purge", "--subject", form, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "escodegen_purge_subject\"('8d9c4f43-0d0f-4a53-9a57-7e1f4b0e8f11', " in out.read_text()


def test_a_purge_matching_no_event_is_refused_unless_allowed(store: str) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        seed(conn)
    unknown = "0b9c4f43-0d0f-4a53-9a57-7e1f4b0e8f11"
    result = purge_command(store, "--subject", unknown)
    assert result.exit_code == 1, result.output
    assert "ES708" in result.output and "no stored event has this subject id" in result.output
    assert audit_rows(store) == 0
    allowed = purge_command(store, "--subject", unknown, "--allow-no-match")
    assert allowed.exit_code == 0, allowed.output
    assert "events: 0" in allowed.output and audit_rows(store) == 1


def test_a_subject_id_is_compared_in_its_stored_form(store: str) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        subject = seed(conn)
    result = purge_command(store, "--subject", subject.upper())
    assert result.exit_code == 0, result.output
    assert SUBJECT_EMAIL not in dump(store)


def test_the_dry_run_counts_without_showing_or_changing_anything(store: str) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        subject = seed(conn)
    before = content(store)
    result = purge_command(store, "--subject", subject, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output and "events: 1" in result.output
    assert "CustomerRegistered v1: email" in result.output
    assert SUBJECT_EMAIL not in result.output and subject not in result.output
    assert content(store) == before and audit_rows(store) == 0


def test_the_purge_file_refuses_a_subject_without_events(store: str, shop_project: Project,
                                                         tmp_path: Path) -> None:
    plan = plan_purge(shop_project, Report())
    assert plan is not None
    refused = tmp_path / "refused.sql"
    refused.write_text(plan.file("0b9c4f43-0d0f-4a53-9a57-7e1f4b0e8f11"))
    with pytest.raises(subprocess.CalledProcessError) as failed:
        apply_file(store, refused)
    assert "no stored event has this subject id" in failed.value.stderr
    allowed = tmp_path / "allowed.sql"
    allowed.write_text(plan.file("0b9c4f43-0d0f-4a53-9a57-7e1f4b0e8f11", allow_no_match=True))
    apply_file(store, allowed)
    assert audit_rows(store) == 1


def _sessions_waiting_for_a_lock(dsn: str, count: int) -> None:
    """Until `count` sessions other than this one wait for a lock (a purge's), or fail."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for _ in range(600):
            row = conn.execute("select count(*) from pg_stat_activity where datname = "
                               "current_database() and wait_event_type = 'Lock'").fetchone()
            if row is not None and row[0] >= count:
                return
            time.sleep(0.05)
    raise AssertionError(f"{count} purges never waited")


@pytest.mark.parametrize("machinery", ["first purge", "installed"])
def test_purges_started_together_wait_for_each_other(store: str, shop_project: Project,
                                                     machinery: str) -> None:
    """Erasure requests worked in parallel (`migrate purge --dsn`, each one transaction): a
    purge started while another runs waits for it and then succeeds, rather than failing on
    the other's uncommitted (re)creation of the audit table and functions ("duplicate key
    value violates unique constraint pg_type_typname_nsp_index" on a store's first purges,
    "tuple concurrently updated" later). The first purge is held once its machinery is
    created (a writer holds the events table), the second started meanwhile."""
    with psycopg.connect(store, autocommit=True) as conn:
        seed(conn)
        subjects = [row[0] for row in conn.execute(
            "select distinct data ->> 'customerId' from es.events "
            "where event_type = 'CustomerRegistered' order by 1 limit 2")]
    plan = plan_purge(shop_project, Report())
    assert plan is not None and len(subjects) == 2
    if machinery == "installed":
        runner.purge(store, plan, "0b9c4f43-0d0f-4a53-9a57-7e1f4b0e8f11", allow_no_match=True)
    failures: list[str] = []

    def purge(subject: str) -> None:
        try:
            runner.purge(store, plan, subject)
        except psycopg.Error as error:
            failures.append(str(error))

    with psycopg.connect(store) as writer:
        writer.execute("lock table es.events in access exclusive mode")
        workers = []
        for waiting, subject in enumerate(subjects, 1):
            workers.append(threading.Thread(target=purge, args=(subject,)))
            workers[-1].start()
            _sessions_waiting_for_a_lock(store, waiting)
    for worker in workers:
        worker.join(timeout=120)
    assert failures == []
    assert audit_rows(store) == 2 + (machinery == "installed")
    with psycopg.connect(store) as conn:
        assert conn.execute("select count(*) from es.events where event_type = "
                            "'CustomerRegistered' and data ->> 'customerId' = any(%s) and "
                            "data ->> 'email' = %s", (subjects, PURGED_TEXT)).fetchone() == (2,)
