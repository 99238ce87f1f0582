"""Partitioned catch-up on a real PostgreSQL: `partition_p(n)` splits the streams among n
workers (`catch_up_part_p(worker, n)`), each with its own checkpoint. Workers running side by
side, while events arrive, end at the read model of the per-event loop (each event once per
row, each stream in order); changing n, also while the workers are unevenly far, drains the
old parts first; the projection's own checkpoint is where every worker has got to."""

from __future__ import annotations

import random
import threading
from typing import Any

import psycopg
import pytest

from devtools.shop_history import batches
from tests.emit_postgres.events import ANY, append

Conn = psycopg.Connection[Any]


def write(conn: Conn, seed: int, **sizes: int) -> None:
    for stream, events in batches(seed, **sizes):
        append(conn, stream, ANY, events)


def table(conn: Conn) -> list[tuple[Any, ...]]:
    return conn.execute("select * from es.order_summary order by 1").fetchall()


def reference(conn: Conn) -> list[tuple[Any, ...]]:
    """The per-event loop in reading order, in a transaction rolled back."""
    with conn.transaction(force_rollback=True):
        conn.execute("truncate es.order_summary")
        conn.execute("""
            do $$ declare e es.events;
            begin
                for e in select * from es.events order by tx_id, global_position loop
                    perform es.apply_order_summary(e);
                end loop;
            end $$""")
        return table(conn)


def work(store: str, worker: int, workers: int, seed: int, until: threading.Event | None,
         errors: list[BaseException]) -> None:
    """One worker: random batches, each committed, until caught up (and `until` is set)."""
    r = random.Random(seed)
    try:
        with psycopg.connect(store, autocommit=True) as conn:
            while True:
                count = conn.execute("select es.catch_up_part_order_summary(%s, %s, %s)",
                                     (worker, workers, r.randint(1, 30))).fetchone()
                if count == (0,) and (until is None or until.is_set()):
                    return
    except BaseException as error:  # noqa: BLE001 (reported by the test)
        errors.append(error)


def run_workers(store: str, workers: int, seed: int,
                until: threading.Event | None = None) -> None:
    errors: list[BaseException] = []
    threads = [threading.Thread(target=work, args=(store, w, workers, seed + w, until, errors))
               for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def checkpoints(conn: Conn) -> list[tuple[str, int]]:
    return [(n, int(p)) for n, p in conn.execute(
        "select name, global_position from es.checkpoints"
        " where name like 'order_summary%' order by name")]


def test_workers_side_by_side_while_events_arrive_equal_the_per_event_loop(store: str) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        write(conn, 31, orders=60, customers=5)
        conn.execute("select es.partition_order_summary(3)")
        stop = threading.Event()

        def keep_writing() -> None:
            with psycopg.connect(store, autocommit=True) as writer:
                for seed in range(40, 46):
                    write(writer, seed, orders=10, customers=1)
            stop.set()

        writer = threading.Thread(target=keep_writing)
        writer.start()
        run_workers(store, 3, seed=1, until=stop)
        writer.join()
        run_workers(store, 3, seed=2)  # what arrived after each worker's last look
        assert table(conn) == reference(conn)
        assert len(table(conn)) > 60
        head = conn.execute("select max(global_position) from es.events").fetchone()
        assert head is not None
        # each part passed the events of the others: every checkpoint is at the head
        assert {p for _, p in checkpoints(conn)} == {head[0]}
        assert [n for n, _ in checkpoints(conn)] == [
            "order_summary", "order_summary/0/3", "order_summary/1/3", "order_summary/2/3"]
        assert conn.execute("select events_behind from es.projection_status('order_summary')"
                            ).fetchone() == (0,)


@pytest.mark.parametrize(("before", "after"), [(1, 2), (2, 4), (4, 3), (3, 1)])
def test_changing_the_number_of_workers_drains_the_old_parts(store: str, before: int,
                                                             after: int) -> None:
    with psycopg.connect(store, autocommit=True) as conn:
        write(conn, 50 + before, orders=50, customers=3)
        conn.execute("select es.partition_order_summary(%s)", (before,))
        # the workers unevenly far: worker w applies w batches of 7 (the plain catch-up 2)
        if before == 1:
            for _ in range(2):
                conn.execute("select es.catch_up_order_summary(7)")
        else:
            for w in range(before):
                for _ in range(w):
                    conn.execute("select es.catch_up_part_order_summary(%s, %s, 7)",
                                 (w, before))
        furthest = max(p for _, p in checkpoints(conn))
        write(conn, 60 + after, orders=20, customers=1)  # and more arrive meanwhile
        conn.execute("select es.partition_order_summary(%s)", (after,))
        # every new part (and the projection's checkpoint) starts where the furthest was
        assert {p for _, p in checkpoints(conn)} == {furthest}
        assert len(checkpoints(conn)) == (1 if after == 1 else after + 1)
        # the rows hold every event up to there, once
        with conn.transaction(force_rollback=True):
            applied = table(conn)
            conn.execute("truncate es.order_summary")
            conn.execute(f"""
                do $$ declare e es.events;
                begin
                    for e in select * from es.events where global_position <= {furthest}
                              order by tx_id, global_position loop
                        perform es.apply_order_summary(e);
                    end loop;
                end $$""")
            assert applied == table(conn)
        if after == 1:
            while conn.execute("select es.catch_up_order_summary(25)").fetchone() != (0,):
                pass
        else:
            run_workers(store, after, seed=after)
        assert table(conn) == reference(conn)


def test_the_plain_catch_up_and_a_wrong_worker_are_refused(conn: Conn) -> None:
    write(conn, 70, orders=5, customers=0)
    conn.execute("select es.partition_order_summary(2)")
    with pytest.raises(psycopg.Error, match="is partitioned among workers") as plain:
        conn.execute("select es.catch_up_order_summary(10)")
    assert plain.value.sqlstate == "ESARG"
    assert "partition_order_summary" in (plain.value.diag.message_hint or "")
    with pytest.raises(psycopg.Error, match="not partitioned among 3 workers"):
        conn.execute("select es.catch_up_part_order_summary(0, 3)")
    for worker, workers in ((2, 2), (-1, 2), (0, 1)):
        with pytest.raises(psycopg.Error, match="numbered 0 to n - 1"):
            conn.execute("select es.catch_up_part_order_summary(%s, %s)", (worker, workers))
    with pytest.raises(psycopg.Error, match="at least one"):
        conn.execute("select es.partition_order_summary(0)")
    conn.execute("select es.partition_order_summary(1)")
    assert conn.execute("select es.catch_up_order_summary(100)").fetchone() is not None
    assert table(conn) == reference(conn)


def test_a_re_partition_waits_for_a_running_worker(store: str) -> None:
    with psycopg.connect(store, autocommit=True) as conn, psycopg.connect(store) as worker:
        write(conn, 80, orders=10, customers=0)
        conn.execute("select es.partition_order_summary(2)")
        worker.execute("select es.catch_up_part_order_summary(0, 2, 3)")  # not committed
        done = threading.Event()

        def repartition() -> None:
            with psycopg.connect(store, autocommit=True) as other:
                other.execute("select es.partition_order_summary(3)")
            done.set()

        thread = threading.Thread(target=repartition)
        thread.start()
        assert not done.wait(0.5)
        worker.commit()
        thread.join()
        run_workers(store, 3, seed=5)
        assert table(conn) == reference(conn)


def test_a_rebuild_swapped_in_starts_every_worker_at_its_checkpoint(conn: Conn) -> None:
    write(conn, 90, orders=20, customers=0)
    conn.execute("select es.partition_order_summary(2)")
    conn.execute("select es.begin_rebuild_order_summary()")
    conn.execute("select es.finish_rebuild_order_summary()")
    assert len({p for _, p in checkpoints(conn)}) == 1 and len(checkpoints(conn)) == 3
    write(conn, 91, orders=5, customers=0)
    for worker in (0, 1):
        while conn.execute("select es.catch_up_part_order_summary(%s, 2)",
                           (worker,)).fetchone() != (0,):
            pass
    assert table(conn) == reference(conn)
