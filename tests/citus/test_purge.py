"""`migrate purge` on the cluster: the purge (escodegen.db.runner.purge, what the command
runs) reaches the subject's events and snapshots on every worker, and nobody else's."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from escodegen.db import runner
from escodegen.diagnostics import Report
from escodegen.emit.migrate.purge import PURGED_TEXT, plan_purge
from escodegen.model import Project
from tests.emit_postgres.events import NO_STREAM, append, event

Conn = psycopg.Connection[Any]


def registered(customer: str, email: str) -> dict[str, Any]:
    return event("CustomerRegistered", 1, {"customerId": customer, "name": "A B",
                                           "email": email})


def test_a_purge_reaches_the_subjects_events_on_every_worker(
        citus_store: str, citus_project: Project, conn: Conn) -> None:
    subject = str(uuid.uuid4())
    others = [str(uuid.uuid4()) for _ in range(8)]
    # the subject's events in streams on both workers (two registrations, as after a merge)
    streams = [f"Customer-{subject}", *(f"Customer-{subject}-{n}" for n in range(8))]
    for stream in streams:
        append(conn, stream, NO_STREAM, [registered(subject, "subject@example.org")])
    for other in others:
        append(conn, f"Customer-{other}", NO_STREAM, [registered(other, f"{other}@example.org")])
    workers = conn.execute(
        "select count(distinct p.nodeport) from pg_dist_shard_placement p"
        " where p.shardid in (select get_shard_id_for_distribution_column('es.events', s)"
        "                       from unnest(%s::text[]) s)", (streams,)).fetchone()
    assert workers == (2,)
    conn.execute("select es.save_snapshot(%s, 1, 1, %s)",
                 (f"Customer-{subject}", Jsonb({"email": "subject@example.org", "tier": "a"})))
    report = Report()
    plan = plan_purge(citus_project, report)
    assert plan is not None, list(report)
    _purge_id, counts = runner.purge(citus_store, plan, subject)
    assert counts["events"] == len(streams)
    assert counts["snapshots Customer"] == 1
    emails = dict(conn.execute("select stream_id, data->>'email' from es.events").fetchall())
    assert {emails[s] for s in streams} == {PURGED_TEXT}
    assert all(emails[f"Customer-{o}"] == f"{o}@example.org" for o in others)
    assert conn.execute("select state->>'email' from es.snapshots where stream_id = %s",
                        (f"Customer-{subject}",)).fetchone() == (PURGED_TEXT,)
    _purge_id, counts = runner.purge(citus_store, plan, subject)
    assert counts["events"] == 0  # nothing left



def test_a_purge_behind_a_writer_left_idle_gives_up_naming_it(
        citus_store: str, citus_project: Project, conn: Conn) -> None:
    """The lock timeout holds where the locks wait, on the workers (the writer's lock reaches
    them), and the coordinator names the writer's session."""
    subject = str(uuid.uuid4())
    append(conn, f"Customer-{subject}", NO_STREAM, [registered(subject, "idle@example.org")])
    plan = plan_purge(citus_project, Report())
    assert plan is not None
    errors: list[psycopg.Error] = []

    def purge() -> None:
        try:
            runner.purge(citus_store, plan, subject, lock_timeout="1s")
        except psycopg.Error as error:
            errors.append(error)

    with psycopg.connect(citus_store, application_name="idle writer") as writer:
        writer.execute("lock table es.events in row exclusive mode")
        purging = threading.Thread(target=purge)
        purging.start()
        purging.join(timeout=60)
        gave_up = not purging.is_alive()
        writer_pid = writer.info.backend_pid
    purging.join()  # the writer's end lets a purge that ignored its timeout finish
    assert gave_up, "the purge waited past its lock timeout"
    assert [e.sqlstate for e in errors] == ["ESLCK"], errors
    assert f"held by pid {writer_pid} (role " in str(errors[0].diag.message_detail)
    assert conn.execute("select data->>'email' from es.events where stream_id = %s",
                        (f"Customer-{subject}",)).fetchone() == ("idle@example.org",)
