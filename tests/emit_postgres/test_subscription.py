"""read_all never lets a subscriber skip or repeat an event, whatever the commit order."""

from __future__ import annotations

import random
import threading
import time
import uuid
from typing import Any

import psycopg

from tests.emit_postgres.events import ANY, append, item_added

Delivered = tuple[str, str, int, int]
"""(event id, stream, stream position, global position)"""


class Subscriber:
    """Reads in small batches from its (tx_id, global_position) checkpoint, like a real one."""

    def __init__(self, dsn: str, batch: int) -> None:
        self.dsn = dsn
        self.batch = batch
        self.checkpoint: tuple[str, int] = ("0", 0)
        self.delivered: list[Delivered] = []

    def read(self, conn: psycopg.Connection[Any]) -> int:
        rows = conn.execute(
            "select event_id::text, stream_id, stream_position, global_position, tx_id::text"
            " from es.read_all(%s::xid8, %s, %s)", (*self.checkpoint, self.batch)).fetchall()
        for event_id, stream, stream_position, position, tx in rows:
            self.delivered.append((event_id, stream, stream_position, position))
            self.checkpoint = (tx, position)
        return len(rows)

    def run(self, stop: threading.Event) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not stop.is_set():
                if self.read(conn) == 0:
                    time.sleep(0.002)
            while self.read(conn):  # drain what the last writers committed
                pass


def _in_stream_order(delivered: list[Delivered]) -> bool:
    last: dict[str, int] = {}
    for _, stream, position, _ in delivered:
        if position != last.get(stream, 0) + 1:
            return False
        last[stream] = position
    return True


def test_concurrent_writers_rollbacks_and_a_slow_early_transaction(store: str) -> None:
    streams = [f"Order-{uuid.uuid4()}" for _ in range(4)]
    committed: list[str] = []
    lock = threading.Lock()
    rng = random.Random(5)
    seeds = [rng.randrange(1 << 30) for _ in range(6)]

    def writer(seed: int) -> None:
        r = random.Random(seed)
        with psycopg.connect(store) as conn:
            for _ in range(40):
                events = [item_added(str(uuid.uuid4()), "x") for _ in range(r.randint(1, 3))]
                append(conn, r.choice(streams), ANY, events)
                if r.random() < 0.25:
                    conn.rollback()
                    continue
                conn.commit()
                with lock:
                    committed.extend(e["event_id"] for e in events)

    slow_stream = f"Order-{uuid.uuid4()}"
    slow_events = [item_added(str(uuid.uuid4()), "slow") for _ in range(3)]
    subscriber = Subscriber(store, batch=7)
    stop = threading.Event()
    with psycopg.connect(store) as slow:
        # begins first and takes the smallest positions, commits after everybody else
        slow_rows = append(slow, slow_stream, ANY, slow_events)
        reader = threading.Thread(target=subscriber.run, args=(stop,))
        reader.start()
        writers = [threading.Thread(target=writer, args=(s,)) for s in seeds]
        for t in writers:
            t.start()
        for t in writers:
            t.join()
        time.sleep(0.05)
        delivered_before_slow_commit = len(subscriber.delivered)
        slow.commit()
    committed.extend(e["event_id"] for e in slow_events)
    stop.set()
    reader.join()

    ids = [d[0] for d in subscriber.delivered]
    assert len(ids) == len(set(ids)), "an event was delivered twice"
    assert sorted(ids) == sorted(committed), "an event was skipped or a rolled back one read"
    assert _in_stream_order(subscriber.delivered)
    # the open, older transaction held every later one back (they were committed long before)
    assert delivered_before_slow_commit == 0
    assert len(committed) < 6 * 40 * 2 + 3, "some transactions rolled back"
    slow_positions = {r[2] for r in slow_rows}
    later = [d for d in subscriber.delivered if d[3] not in slow_positions]
    assert later and min(d[3] for d in later) > max(slow_positions)
    assert [d[0] for d in subscriber.delivered if d[3] in slow_positions] == [
        e["event_id"] for e in slow_events]


def test_a_writer_whose_transaction_began_earlier_keeps_stream_order(store: str) -> None:
    stream = f"Order-{uuid.uuid4()}"
    with psycopg.connect(store) as early, psycopg.connect(store) as late:
        # `early` takes its transaction id first (by writing elsewhere) ...
        append(early, f"Order-{uuid.uuid4()}", ANY, [item_added(str(uuid.uuid4()), "a")])
        # ... `late` appends to the stream and commits ...
        append(late, stream, ANY, [item_added(str(uuid.uuid4()), "b")])
        late.commit()
        # ... and `early` appends to the same stream after it
        append(early, stream, ANY, [item_added(str(uuid.uuid4()), "c")])
        early.commit()
    subscriber = Subscriber(store, batch=100)
    with psycopg.connect(store, autocommit=True) as conn:
        subscriber.read(conn)
    in_stream = [d for d in subscriber.delivered if d[1] == stream]
    assert [d[2] for d in in_stream] == [1, 2]
