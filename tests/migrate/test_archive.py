"""`escodegen migrate archive` and `migrate restore` on a real PostgreSQL: streams move to a
verified file and back, identical; an archived stream says where it went; global reads,
projections and positions are not disturbed; bad paths and tampered files are refused."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner, Result

from devtools import shop_history
from escodegen.cli import cli
from tests.conftest import EXAMPLES

DUMP = ("select global_position, event_id, stream_id, stream_position, event_type, "
        "event_version, data::text, metadata::text, correlation_id, causation_id, "
        "recorded_at, tx_id::text from es.events order by global_position")


def migrate(*args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(EXAMPLES / "shop"), "migrate", *args])


def dump(dsn: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return (conn.execute(DUMP).fetchall(),
                conn.execute("select * from es.streams order by stream_id").fetchall())


def seeded(dsn: str, customers: int = 40) -> list[str]:
    """The store with a shop history; its order streams, by id."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        shop_history.load(conn, shop_history.history(seed=5, customers=customers))
        return [s for (s,) in conn.execute("select stream_id from es.streams "
                                           "where stream_id like 'Order-%' order by 1")]


def scalar(dsn: str, query: str, *params: Any) -> Any:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(query, params).fetchone()
        return None if row is None else row[0]


def test_archive_and_restore_give_back_every_row_identical(store: str, tmp_path: Path) -> None:
    orders = seeded(store)
    before = dump(store)
    out = tmp_path / "orders.jsonl.gz"
    chosen = orders[:3]
    result = migrate("archive", "--dsn", store, *[a for s in chosen for a in ("--stream", s)],
                     "--out", str(out))
    assert result.exit_code == 0, result.output
    archived = sum(1 for row in before[0] if row[2] in chosen)
    assert result.output.startswith(f"archived: 3 streams, {archived} events in {out}")

    manifest = json.loads((tmp_path / "orders.jsonl.gz.manifest.json").read_text())
    assert manifest["events"] == archived and sorted(manifest["streams"]) == chosen
    assert manifest["criteria"]["streams"] == chosen and manifest["escodegen_version"]
    lines = gzip.decompress(out.read_bytes()).decode().splitlines()
    assert len(lines) == archived
    assert set(json.loads(lines[0])) == {
        "global_position", "event_id", "stream_id", "stream_position", "event_type",
        "event_version", "data", "metadata", "correlation_id", "causation_id", "recorded_at",
        "tx_id"}

    after_archive = dump(store)
    assert after_archive[0] == [row for row in before[0] if row[2] not in chosen]
    assert after_archive[1] == before[1]  # the streams' rows (versions) stay
    tombstones = _tombstones(store)
    assert [(t[0], t[2], t[4], t[5]) for t in tombstones] == [
        (s, "orders.jsonl.gz", sum(1 for r in before[0] if r[2] == s),
         max(r[3] for r in before[0] if r[2] == s)) for s in chosen]

    result = migrate("restore", "--dsn", store, str(out))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"restored: 3 streams, {archived} events")
    assert dump(store) == before
    assert _tombstones(store) == []
    # again: nothing to do
    result = migrate("restore", "--dsn", store, str(out))
    assert result.exit_code == 0 and result.output.startswith("already restored"), result.output
    assert dump(store) == before


def test_reading_or_appending_to_an_archived_stream_names_the_archive(
        store: str, tmp_path: Path) -> None:
    orders = seeded(store, customers=10)
    stream = orders[0]
    version = scalar(store, "select es.stream_version(%s)", stream)
    result = migrate("archive", "--dsn", store, "--stream", stream,
                     "--out", str(tmp_path / "one.jsonl.gz"))
    assert result.exit_code == 0, result.output
    with psycopg.connect(store, autocommit=True) as conn:
        with pytest.raises(psycopg.Error) as read:
            conn.execute("select * from es.read_stream(%s)", (stream,))
        assert read.value.sqlstate == "ESARC"
        assert "is archived in one.jsonl.gz" in str(read.value)
        detail = json.loads(read.value.diag.message_detail or "")
        assert detail["archive_file"] == "one.jsonl.gz" and detail["stream_id"] == stream
        with pytest.raises(psycopg.Error) as append:
            conn.execute("select * from es.append_to_stream(%s, -1, %s::jsonb)", (stream, json.dumps(
                [{"event_type": "OrderCancelled", "event_version": 1,
                  "data": {"orderId": stream[6:], "reason": "x"}}])))
        assert append.value.sqlstate == "ESARC" and "one.jsonl.gz" in str(append.value)
        # the version is kept; another stream reads as before
        assert conn.execute("select es.stream_version(%s)", (stream,)).fetchone() == (version,)
        assert conn.execute("select count(*) from es.read_stream(%s)",
                            (orders[1],)).fetchone()[0] > 0
        assert conn.execute("select count(*) from es.read_stream('Order-none')").fetchone() == (0,)


def test_global_reads_projections_and_positions_are_not_disturbed(
        store: str, tmp_path: Path) -> None:
    orders = seeded(store, customers=20)
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute("select es.catch_up_order_summary(100000)")
        summaries = conn.execute("select * from es.order_summary order by 1").fetchall()
        top = conn.execute("select max(global_position) from es.events").fetchone()[0]
        total = conn.execute("select count(*) from es.read_all('0', 0, 100000)").fetchone()[0]
    result = migrate("archive", "--dsn", store, "--stream", orders[0], "--stream", orders[1],
                     "--out", str(tmp_path / "two.jsonl.gz"))
    assert result.exit_code == 0, result.output
    removed = sum(t[4] for t in _tombstones(store))
    with psycopg.connect(store, autocommit=True) as conn:
        assert conn.execute("select count(*) from es.read_all('0', 0, 100000)"
                            ).fetchone()[0] == total - removed
        conn.execute("select es.catch_up_order_summary(100000)")
        assert conn.execute("select * from es.order_summary order by 1").fetchall() == summaries
        appended = conn.execute(
            "select global_position from es.append_to_stream('Customer-new', -1, %s::jsonb)",
            (json.dumps([{"event_type": "CustomerTierChanged", "event_version": 1,
                          "data": {"customerId": "00000000-0000-0000-0000-000000000001",
                                   "tier": "premium"}}]),)).fetchone()[0]
        assert appended > top  # an archived event's position is never taken again


def test_category_and_age_choose_the_streams_and_dry_run_changes_nothing(
        store: str, tmp_path: Path) -> None:
    orders = seeded(store, customers=10)
    old = orders[:2]
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute("update es.events set recorded_at = now() - interval '100 days' "
                     "where stream_id = any(%s)", (old,))
    before = dump(store)
    result = migrate("archive", "--dsn", store, "--category", "Order", "--older-than", "90d",
                     "--dry-run")
    assert result.exit_code == 0, result.output
    assert [line.split(":")[0] for line in result.output.splitlines()[:-1]] == [
        json.dumps(s) for s in old]
    assert result.output.splitlines()[-1].startswith("2 streams,")
    assert dump(store) == before and not list(tmp_path.iterdir())

    out = tmp_path / "old.jsonl.gz"
    result = migrate("archive", "--dsn", store, "--category", "Order", "--older-than", "90d",
                     "--out", str(out))
    assert result.exit_code == 0, result.output
    assert [t[0] for t in _tombstones(store)] == old
    manifest = json.loads((tmp_path / "old.jsonl.gz.manifest.json").read_text())
    assert manifest["criteria"] == {"category": "Order", "older_than_seconds": 90 * 86400.0,
                                    "streams": None}
    # the same command again: the archive is complete, nothing more to do
    result = migrate("archive", "--dsn", store, "--category", "Order", "--older-than", "90d",
                     "--out", str(out))
    assert result.exit_code == 0 and result.output.startswith("already archived"), result.output
    result = migrate("archive", "--dsn", store, "--category", "Customer", "--older-than", "1w",
                     "--out", str(tmp_path / "none.jsonl.gz"))
    assert result.exit_code == 0 and "nothing to archive" in result.output


def test_a_streams_file_names_the_streams(store: str, tmp_path: Path) -> None:
    orders = seeded(store, customers=10)
    listed = tmp_path / "streams.txt"
    listed.write_text(f"{orders[0]}\n\n{orders[1]}\nOrder-unknown\n")
    result = migrate("archive", "--dsn", store, "--streams-file", str(listed),
                     "--out", str(tmp_path / "listed.jsonl.gz"))
    assert result.exit_code == 0, result.output
    assert 'note: 1 named stream(s) have no events and were not archived, first ' \
        '"Order-unknown"' in result.output
    assert [t[0] for t in _tombstones(store)] == orders[:2]


@pytest.mark.parametrize(("args", "message"), [
    (["--stream", "x", "--out", "{tmp}/a.json"], "ends in .jsonl.gz"),
    (["--stream", "x", "--out", "{tmp}/missing/a.jsonl.gz"], "does not exist"),
    (["--stream", "x", "--out", "{tmp}/bad\x1b[2J.jsonl.gz"], "contains the character"),
    (["--stream", "x", "--out", "{tmp}/taken.jsonl.gz"], "exists and has no manifest"),
])
def test_bad_archive_paths_are_refused(store: str, tmp_path: Path, args: list[str],
                                       message: str) -> None:
    seeded(store, customers=2)
    (tmp_path / "taken.jsonl.gz").write_text("mine")
    before = dump(store)
    result = migrate("archive", "--dsn", store, "--stream", "Order-x",
                     *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.exit_code == 2, result.output
    assert "ES709" in result.output and message in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert dump(store) == before
    assert (tmp_path / "taken.jsonl.gz").read_text() == "mine"


@pytest.mark.parametrize(("args", "message"), [
    ([], "choose streams by --category"),
    (["--category", "Order"], "choose streams by --category"),
    (["--category", "Order", "--older-than", "soon", "--dry-run"], "is not a duration"),
    (["--category", "Order", "--older-than", "1d", "--stream", "x"], "not both"),
    (["--stream", "x"], "--out FILE.jsonl.gz is needed"),
])
def test_bad_choices_are_usage_errors(store: str, args: list[str], message: str) -> None:
    result = migrate("archive", "--dsn", store, *args)
    assert result.exit_code == 2 and message in result.output, result.output


def test_a_tampered_or_missing_archive_is_refused_and_nothing_is_restored(
        store: str, tmp_path: Path) -> None:
    orders = seeded(store, customers=10)
    out = tmp_path / "t.jsonl.gz"
    assert migrate("archive", "--dsn", store, "--stream", orders[0], "--out", str(out)
                   ).exit_code == 0
    archived = dump(store)
    good = out.read_bytes()
    lines = gzip.decompress(good).decode().splitlines()
    row = json.loads(lines[0])
    row["data"]["sku"] = "changed"
    out.write_bytes(gzip.compress(("\n".join([json.dumps(row), *lines[1:]]) + "\n").encode()))
    result = migrate("restore", "--dsn", store, str(out))
    assert result.exit_code == 1 and "ES710" in result.output and "sha256" in result.output
    assert dump(store) == archived

    out.write_bytes(good)
    manifest = tmp_path / "t.jsonl.gz.manifest.json"
    saved = manifest.read_text()
    manifest.unlink()
    result = migrate("restore", "--dsn", store, str(out))
    assert result.exit_code == 1 and "no manifest beside it" in result.output
    manifest.write_text(saved)
    result = migrate("restore", "--dsn", store, str(tmp_path / "absent.jsonl.gz"))
    assert result.exit_code == 1 and "ES710" in result.output
    assert dump(store) == archived
    assert migrate("restore", "--dsn", store, str(out)).exit_code == 0


def test_an_archive_is_refused_when_its_streams_changed_after_the_file_was_written(
        store: str, tmp_path: Path) -> None:
    orders = seeded(store, customers=10)
    out = tmp_path / "c.jsonl.gz"
    assert migrate("archive", "--dsn", store, "--stream", orders[0], "--out", str(out)
                   ).exit_code == 0
    assert migrate("restore", "--dsn", store, str(out)).exit_code == 0
    # a complete archive file whose streams then took another event
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute("delete from es.archived_streams")
        conn.execute("select * from es.append_to_stream(%s, -1, %s::jsonb)", (orders[0], json.dumps(
            [{"event_type": "OrderCancelled", "event_version": 1,
              "data": {"orderId": orders[0][6:], "reason": "late"}}])))
    before = dump(store)
    result = migrate("archive", "--dsn", store, "--stream", orders[0], "--out", str(out))
    assert result.exit_code == 1 and "ES711" in result.output, result.output
    assert dump(store) == before


def test_a_store_without_the_tombstone_table_is_told_to_apply_the_store_sql(
        store: str, tmp_path: Path) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute("drop table es.archived_streams cascade")
    result = migrate("archive", "--dsn", store, "--stream", "x", "--out",
                     str(tmp_path / "x.jsonl.gz"))
    assert result.exit_code == 1 and "ES712" in result.output, result.output


def _tombstones(dsn: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute("select stream_id, archived_at, archive_file, archive_id, "
                            "event_count, last_version from es.archived_streams "
                            "order by stream_id").fetchall()


def test_a_complete_file_whose_streams_are_still_there_is_finished_by_the_rerun(
        store: str, tmp_path: Path) -> None:
    """What a run killed after writing the file but before its transaction committed leaves
    (the same as a restore leaves): the rerun verifies that file and removes the streams."""
    orders = seeded(store, customers=10)
    out = tmp_path / "r.jsonl.gz"
    args = ("archive", "--dsn", store, "--stream", orders[0], "--stream", orders[1],
            "--out", str(out))
    assert migrate(*args).exit_code == 0
    archived = dump(store)
    written = out.read_bytes()
    assert migrate("restore", "--dsn", store, str(out)).exit_code == 0
    result = migrate(*args)
    assert result.exit_code == 0 and result.output.startswith("archived: 2 streams"), \
        result.output
    assert dump(store) == archived and out.read_bytes() == written


def test_a_write_interrupted_before_the_manifest_is_started_again(
        store: str, tmp_path: Path) -> None:
    orders = seeded(store, customers=10)
    out = tmp_path / "p.jsonl.gz"
    # as a kill between the two renames leaves them: the data file renamed, the manifest not
    out.write_bytes(b"half")
    (tmp_path / "p.jsonl.gz.manifest.json.partial").write_text("{}")
    (tmp_path / "p.jsonl.gz.partial").write_bytes(b"")
    result = migrate("archive", "--dsn", store, "--stream", orders[0], "--out", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.jsonl.gz",
                                                           "p.jsonl.gz.manifest.json"]
    assert [t[0] for t in _tombstones(store)] == [orders[0]]


def test_a_schema_name_that_needs_quoting(pg_dsn: str, shop_project: Any, tmp_path: Path) -> None:
    import dataclasses

    from devtools.postgres import apply
    from escodegen.db import archive
    from escodegen.emit.migrate.archive import ArchiveSql
    from escodegen.emit.postgres import render

    schema = 'Shop "Store"'
    other = dataclasses.replace(
        shop_project, postgres=dataclasses.replace(shop_project.postgres, schema=schema))
    apply(pg_dsn, render(other))
    table = '"Shop ""Store"""'
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"select * from {table}.append_to_stream('Customer-1', -1, %s::jsonb)", (
            json.dumps([{"event_type": "CustomerTierChanged", "event_version": 1,
                         "data": {"customerId": "00000000-0000-0000-0000-000000000001",
                                  "tier": "premium"}}]),))
        before = conn.execute(f"select * from {table}.events").fetchall()
    out = tmp_path / "q.jsonl.gz"
    sql = ArchiveSql(schema)
    done = archive.archive(pg_dsn, sql, archive.Criteria(streams=("Customer-1",)), out)
    assert (done.state, done.streams, done.events) == ("archived", 1, 1)
    with psycopg.connect(pg_dsn, autocommit=True) as conn, \
            pytest.raises(psycopg.Error, match="q.jsonl.gz"):
        conn.execute(f"select * from {table}.read_stream('Customer-1')")
    assert archive.restore(pg_dsn, sql, out).state == "restored"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        assert conn.execute(f"select * from {table}.events").fetchall() == before
