"""`postgres.roles` on the cluster: 006_citus.sql grants the feeds and the per-feed monitoring
to the reader and the writer, and the projections' apply_feed to the writer only (the rebuild
to neither); the replaced append stays the writer's only way in (security definer)."""

from __future__ import annotations

import dataclasses
import uuid

import psycopg
import pytest
from psycopg.types.json import Jsonb

from devtools import citus
from escodegen.emit.postgres import render
from escodegen.model import PostgresRoles, Project
from tests.emit_postgres.events import NO_STREAM, append, item_added


def as_role(dsn: str, role: str) -> str:
    conninfo = psycopg.conninfo.conninfo_to_dict(dsn)
    conninfo["user"] = role
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in conninfo.items()})


def test_the_reader_reads_the_feeds_and_the_writer_also_appends_and_applies_them(
        citus_cluster: citus.Cluster, citus_project: Project) -> None:
    suffix = uuid.uuid4().hex[:8]
    writer, reader = f"esc_writer_{suffix}", f"esc_reader_{suffix}"
    dsn = citus.create_database(citus_cluster, f"shop_roles_{suffix}")
    with psycopg.connect(dsn, autocommit=True) as owner:
        for role in (writer, reader):
            owner.execute(f'create role "{role}" login')  # propagated to the workers
    assert citus_project.postgres is not None
    project = dataclasses.replace(citus_project, postgres=dataclasses.replace(
        citus_project.postgres, roles=PostgresRoles(writer=writer, reader=reader)))
    citus.apply(citus_cluster, dsn, render(project))
    stream = f"Order-{uuid.uuid4()}"
    with psycopg.connect(as_role(dsn, writer), autocommit=True) as w:
        append(w, stream, NO_STREAM, [item_added(stream[6:])])  # through the definer's rights
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            w.execute("delete from es.events")
        key = w.execute("select f.feed_key from es.feeds() f where f.shard_id ="
                        " get_shard_id_for_distribution_column('es.events', %s::text)",
                        (stream,)).fetchone()
        assert key is not None
        batch = w.execute("select es.read_feed_json(%s, '0', 0, 10)", key).fetchone()
        assert batch is not None and len(batch[0]) == 1
        applied = w.execute("select es.apply_feed_order_summary(%s, '0', 0, %s)",
                            (key[0], Jsonb(batch[0]))).fetchone()
        assert applied == (1,)  # an item added to an order not in the summary: no row
    with psycopg.connect(as_role(dsn, reader), autocommit=True) as r:
        batch = r.execute("select es.read_feed_json(%s, '0', 0, 10)", key).fetchone()
        assert batch is not None and [e["stream_id"] for e in batch[0]] == [stream]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            r.execute("select es.apply_feed_order_summary(%s, '0', 0, %s)",
                      (key[0], Jsonb(batch[0])))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            append(r, stream, -1, [item_added(stream[6:])])
        # the reader sees how far a projection is, per feed (counted on the workers)
        assert r.execute("select events_behind from es.projection_status('order_summary')"
                         ).fetchone() == (0,)
        assert r.execute("select es.projection_caught_up('order_summary', %s, %s)",
                         (stream, batch[0][0]["global_position"])).fetchone() == (True,)
    for role in (reader, writer):  # a rebuild is the schema owner's, as on one node
        with psycopg.connect(as_role(dsn, role), autocommit=True) as conn, pytest.raises(
                psycopg.errors.InsufficientPrivilege):
            conn.execute("select es.rebuild_step_order_summary(%s, '0', 0, %s)",
                         (key[0], Jsonb(batch[0])))
    with psycopg.connect(dsn, autocommit=True) as owner:
        owner.execute("select es.begin_rebuild_order_summary()")
        assert owner.execute("select es.rebuild_step_order_summary(%s, '0', 0, %s)",
                             (key[0], Jsonb(batch[0]))).fetchone() == (1,)
