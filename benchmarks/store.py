"""Benchmark of the generated PostgreSQL event store (docs/postgres.md).

1. Append throughput through `append_to_stream` with batches of 1, 10 and 100 events, from
   several connections at once, each committing every append.
2. Projection catch-up of N events (default 1,000,000) of the shop's `order_summary`: the
   set-based `catch_up_order_summary` against loops applying one event per statement
   (`apply_order_summary`) over the same events: a runner's loop, one statement per event
   sent from the client, and the same loop inside the server (no round trips, its best case).

    .venv/bin/python benchmarks/store.py              # starts an embedded PostgreSQL
    .venv/bin/python benchmarks/store.py --dsn postgresql://...   # a database to fill (empty)
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import uuid
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devtools.postgres import benchmark_database
from escodegen.check import compile_project
from escodegen.emit.postgres import render


def database(dsn: str | None) -> AbstractContextManager[str]:
    return benchmark_database(dsn, "bench")


def install(dsn: str) -> None:
    project, report = compile_project(ROOT / "examples" / "shop" / "escodegen.yaml")
    if project is None:
        raise SystemExit(f"examples/shop does not compile: {report}")
    with psycopg.connect(dsn) as conn:
        for name, text in sorted(render(project).items()):
            conn.execute(text)


def append_throughput(dsn: str, batch: int, writers: int, seconds: float) -> float:
    """Events per second appended by `writers` connections, one append per commit."""
    counts = [0] * writers
    start = threading.Barrier(writers + 1)
    stop = threading.Event()

    def writer(i: int) -> None:
        order = str(uuid.uuid4())
        events = Jsonb([{"event_type": "OrderItemAdded", "event_version": 1,
                         "data": {"orderId": order, "sku": "sku", "quantity": 1}}] * batch)
        with psycopg.connect(dsn, autocommit=True) as conn:
            statement = "select count(*) from es.append_to_stream(%s, -1, %s)"
            conn.execute(statement, (f"Order-{order}-warmup", events))
            start.wait()
            n = 0
            while not stop.is_set():
                # a new stream every 100 appends: like many aggregates, not one hot stream
                conn.execute(statement, (f"Order-{order}-{n // 100}", events), prepare=True)
                n += 1
            counts[i] = n * batch

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - began)


FILL = """
insert into es.events (event_id, stream_id, stream_position, event_type, event_version, data)
select gen_random_uuid(), 'Order-' || o.id, s.n,
       case when s.n = 1 then 'OrderPlaced' when s.n = %(per_order)s then 'OrderShipped'
            else 'OrderItemAdded' end,
       case when s.n in (1, %(per_order)s) then 1 + o.n %% 2 else 1 end,
       case when s.n = 1 then jsonb_build_object('orderId', o.id, 'customerId', o.id,
                                                 'totalAmount', (o.n %% 1000)::text || '.50')
            when s.n = %(per_order)s and o.n %% 2 = 0 then jsonb_build_object(
                'orderId', o.id, 'shippedAt', '2024-01-01T00:00:00Z',
                'shippingInfo', jsonb_build_object('address', 'a', 'carrier', 'c'))
            when s.n = %(per_order)s then jsonb_build_object(
                'orderId', o.id, 'shippedAt', '2024-01-01T00:00:00Z', 'address', 'a',
                'carrier', 'c')
            else jsonb_build_object('orderId', o.id, 'sku', 'sku-' || s.n, 'quantity', 1) end
  from (select n, gen_random_uuid() as id from generate_series(1, %(orders)s) n) o,
       generate_series(1, %(per_order)s) s(n)
 order by o.n, s.n
"""


def fill(conn: psycopg.Connection[Any], events: int, per_order: int = 10) -> None:
    """`events` order events (placed, items, shipped; half in old versions) in one go."""
    conn.execute("truncate es.events, es.streams, es.order_summary")
    conn.execute(FILL, {"orders": events // per_order, "per_order": per_order})
    conn.execute("vacuum analyze es.events")


def reset(conn: psycopg.Connection[Any]) -> None:
    conn.execute("truncate es.order_summary")
    conn.execute("update es.checkpoints set tx_id = '0', global_position = 0")


def timed(conn: psycopg.Connection[Any], statement: str) -> float:
    began = time.perf_counter()
    conn.execute(statement)
    return time.perf_counter() - began


def client_loop(conn: psycopg.Connection[Any]) -> float:
    """One statement per event from the client, in one transaction, prepared."""
    positions = [p for (p,) in conn.execute(
        "select global_position from es.events order by tx_id, global_position")]
    began = time.perf_counter()
    with conn.transaction():
        for position in positions:
            conn.execute("select es.apply_order_summary(e) from es.events e"
                         " where e.global_position = %s", (position,), prepare=True)
    return time.perf_counter() - began


def catch_up(dsn: str, events: int, batch: int) -> tuple[float, float, float, int]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        fill(conn, events)
        reset(conn)
        set_based = timed(conn, f"""
            do $$ begin
                while es.catch_up_order_summary({batch}) > 0 loop
                    commit;
                end loop;
            end $$""")
        expected = conn.execute("select * from es.order_summary order by 1").fetchall()
        reset(conn)
        per_event = timed(conn, """
            do $$ declare e es.events;
            begin
                for e in select * from es.events order by tx_id, global_position loop
                    perform es.apply_order_summary(e);
                end loop;
            end $$""")
        if conn.execute("select * from es.order_summary order by 1").fetchall() != expected:
            raise SystemExit("the set-based and per-event read models differ")
        reset(conn)
        per_event_client = client_loop(conn)
        if conn.execute("select * from es.order_summary order by 1").fetchall() != expected:
            raise SystemExit("the set-based and per-event read models differ")
        return set_based, per_event_client, per_event, len(expected)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dsn", help="an empty database to use (default: embedded PostgreSQL)")
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=100_000,
                        help="events per catch_up call (one transaction each)")
    args = parser.parse_args()
    with database(args.dsn) as dsn:
        install(dsn)
        print(f"append throughput, {args.writers} connections, one commit per append:")
        for size in (1, 10, 100):
            rate = append_throughput(dsn, size, args.writers, args.seconds)
            print(f"  batch {size:>3}: {rate:>10,.0f} events/s  {rate / size:>9,.0f} appends/s")
        set_based, client, server, rows = catch_up(dsn, args.events, args.batch)
        print(f"projection catch-up of {args.events:,} events ({rows:,} rows), same read model:")
        for label, seconds in ((f"set-based catch_up, {args.batch:,} per call", set_based),
                               ("per-event loop from the client", client),
                               ("per-event loop inside the server", server)):
            print(f"  {label:<42} {seconds:8.2f} s {args.events / seconds:>10,.0f} events/s")
        print(f"  ratio vs the client loop: {client / set_based:5.1f}x (goal: >= 10x)")
        print(f"  ratio vs the server loop: {server / set_based:5.1f}x")


if __name__ == "__main__":
    main()
