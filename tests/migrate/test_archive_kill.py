"""`migrate archive` and `migrate restore` killed at random points, then run again: after each
kill the database is before or after (never some streams removed, or some restored) and the
archive file is complete or absent; the rerun finishes, and the end state is the uninterrupted
run's. Each run works on its own copy of one seeded database (CREATE DATABASE ... TEMPLATE).
Kills: SIGKILL of the command's process, or pg_terminate_backend of its session.
ESCODEGEN_KILL_RUNS / 4 runs (default 5), each killing the archive and the restore once or twice.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

from devtools import shop_history
from escodegen.db import archive_file
from escodegen.db.archive import APPLICATION_NAME
from tests.conftest import EXAMPLES
from tests.migrate.test_archive import DUMP
from tests.migrate.test_kill import clone, wait_for_session

MAIN = "import sys\nfrom escodegen.cli import main\nsys.exit(main(sys.argv[1:]))\n"
"""The command line in a fresh interpreter, as a user runs it."""
RUNS = max(int(os.environ.get("ESCODEGEN_KILL_RUNS", "20")) // 4, 2)


def command(dsn: str, *args: str) -> list[str]:
    return [sys.executable, "-c", MAIN, "-C", str(EXAMPLES / "shop"), "migrate", *args,
            "--dsn", dsn]


def run(args: list[str]) -> None:
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def timed(args: list[str], dsn: str) -> float:
    """Run to the end; the seconds from its session's start (where the kills are aimed)."""
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for_session(dsn, APPLICATION_NAME, lambda: process.poll() is None)
    started = time.monotonic()
    _, errors = process.communicate()
    assert process.returncode == 0, errors
    return time.monotonic() - started


def killed(args: list[str], dsn: str, delay: float, backend: bool) -> None:
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_session(dsn, APPLICATION_NAME, lambda: process.poll() is None)
    time.sleep(delay)
    if backend:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("select pg_terminate_backend(pid) from pg_stat_activity "
                         "where application_name = %s and datname = current_database()",
                         (APPLICATION_NAME,))
    else:
        process.send_signal(signal.SIGKILL)
    process.wait()


def state(dsn: str) -> tuple[Any, ...]:
    """Every event row, and the tombstones without what differs between runs (id and time)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        return (conn.execute(DUMP).fetchall(),
                conn.execute("select stream_id, archive_file, event_count, last_version "
                             "from es.archived_streams order by 1").fetchall())


def where(dsn: str, before: tuple[Any, ...], after: tuple[Any, ...]) -> str:
    now = state(dsn)
    assert now in (before, after), "half archived or half restored"
    return "before" if now == before else "after"


def file_whole_or_absent(out: Path) -> str:
    if archive_file.manifest_path(out).exists():
        archive_file.verify(out, archive_file.read_manifest(out))
        return "file"
    assert not out.exists() or archive_file.partial(archive_file.manifest_path(out)).exists()
    return "no file"


def test_a_killed_archive_or_restore_is_before_or_after_and_a_rerun_finishes(
        pg_server: str, store: str, tmp_path: Path) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        shop_history.load(conn, shop_history.history(seed=21, customers=1000))
        streams = [s for (s,) in conn.execute(
            "select stream_id from es.streams where stream_id like 'Order-%' order by 1")]
    listed = tmp_path / "streams.txt"
    listed.write_text("\n".join(streams[::2]) + "\n")

    database, reference = clone(pg_server, store, "archive_reference")
    original = state(reference)
    archive = ["archive", "--streams-file", str(listed)]
    duration = timed(command(reference, *archive, "--out", str(tmp_path / "reference.jsonl.gz")),
                     reference)
    archived = state(reference)
    database.__exit__(None, None, None)
    assert archived[1] and len(archived[0]) < len(original[0])
    archived = (archived[0], [(s, "orders.jsonl.gz", *rest) for s, _, *rest in archived[1]])

    hits: list[str] = []
    r = random.Random(17)
    for number in range(RUNS):
        database, dsn = clone(pg_server, store, f"archive_kill{number}")
        out = tmp_path / f"run{number}" / "orders.jsonl.gz"
        out.parent.mkdir()
        try:
            for attempt in range(r.randint(1, 2)):
                killed(command(dsn, *archive, "--out", str(out)), dsn,
                       r.uniform(0, duration), backend=(number + attempt) % 3 == 2)
                hits.append(f"archive {where(dsn, original, archived)}, "
                            f"{file_whole_or_absent(out)}")
            run(command(dsn, *archive, "--out", str(out)))
            assert state(dsn) == archived, f"run {number}: the archive differs"

            for attempt in range(r.randint(1, 2)):
                killed(command(dsn, "restore", str(out)), dsn, r.uniform(0, duration),
                       backend=(number + attempt) % 3 == 1)
                hits.append(f"restore {where(dsn, archived, original)}")
            run(command(dsn, "restore", str(out)))
            assert state(dsn) == original, f"run {number}: the restore differs"
        finally:
            database.__exit__(None, None, None)
    # the kills landed at different points, not only before or only after
    # the kills landed before and after the end of each command, not only on one side
    assert {h.rsplit(",", 1)[0] for h in hits} == {
        "archive before", "archive after", "restore before", "restore after"}, hits
