"""Benchmark of the generated PostgreSQL event store (docs/postgres.md).

1. Append throughput through `append_to_stream` with batches of 1, 10 and 100 events, from
   several connections at once, each committing every append.
2. What payload validation (`postgres.validate_on_append`) costs an append, batches of 1, 10
   and 100 events, alternating between a schema with the validation and one generated without
   it (`es_unchecked`), in the same run, measured twice:
   a. as a user's append costs it: `EventStore.append` of the generated package
      (examples/shop/generated; its `encode` checks every payload in both schemas), the CPU
      time of this process and of the server's (synchronous_commit off: a disk flush's
      latency varies more than the check costs); the median of the rounds' ratios;
   b. the server process's CPU time alone for the same appends sent as JSON (one connection,
      synchronous_commit off): the check's own share of the server's work.
3. Projection catch-up of N events (default 1,000,000) of the shop's `order_summary`: the
   set-based `catch_up_order_summary` against loops applying one event per statement
   (`apply_order_summary`) over the same events: a runner's loop, one statement per event
   sent from the client, and the same loop inside the server (no round trips, its best case).

    .venv/bin/python benchmarks/store.py              # starts an embedded PostgreSQL
    .venv/bin/python benchmarks/store.py --dsn postgresql://...   # a database to fill (empty)
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples" / "shop" / "generated"))

from devtools.postgres import benchmark_database
from escodegen.check import compile_project
from escodegen.emit.postgres import render


def database(dsn: str | None) -> AbstractContextManager[str]:
    return benchmark_database(dsn, "bench")


UNCHECKED = "es_unchecked"
"""The schema of the same store generated with `validate_on_append: false`."""


def install(dsn: str) -> None:
    project, report = compile_project(ROOT / "examples" / "shop" / "escodegen.yaml")
    if project is None or project.postgres is None:
        raise SystemExit(f"examples/shop does not compile: {report}")
    unchecked = dataclasses.replace(project, postgres=dataclasses.replace(
        project.postgres, schema=UNCHECKED, validate_on_append=False))
    with psycopg.connect(dsn) as conn:
        for files in (render(project), render(unchecked)):
            for name, text in sorted(files.items()):
                conn.execute(text)


def _submitted() -> dict[str, Any]:
    """An OrderSubmitted: uuids, a nested customer, three line items with decimals."""
    return {"event_type": "OrderSubmitted", "event_version": 1, "data": {
        "orderId": str(uuid.uuid4()),
        "customer": {"customerId": str(uuid.uuid4()), "email": "ada@example.com"},
        "lineItems": [{"sku": f"sku-{i}", "quantity": i, "unitPrice": "9.99"}
                      for i in range(1, 4)],
        "pricing": {"subtotal": "59.94", "tax": "11.39", "total": "71.33", "currency": "EUR"}}}


def _item() -> dict[str, Any]:
    return {"event_type": "OrderItemAdded", "event_version": 1,
            "data": {"orderId": str(uuid.uuid4()), "sku": "sku", "quantity": 1}}


def _backend_cpu(pid: int) -> float:
    """CPU seconds the server process `pid` has used (user + system): unlike the wall clock,
    not inflated by the other processes of a loaded machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def same_start(dsn: str) -> None:
    """The same rows and statistics in both schemas, so that their appends have the same plans:
    run before the validation's measures (an empty table's statistics plan scans)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for schema in ("es", UNCHECKED):
            conn.execute(f"""
                insert into {schema}.events (event_id, stream_id, stream_position, event_type,
                                             event_version, data)
                select gen_random_uuid(), 'Warm-' || n, 1, 'OrderItemAdded', 1,
                       jsonb_build_object('orderId', gen_random_uuid(), 'sku', 's',
                                          'quantity', 1)
                  from generate_series(1, 20000) n""")
            conn.execute(f"analyze {schema}.events")
            conn.execute(f"analyze {schema}.streams")


Cost = tuple[float, float, float]
"""CPU seconds per append with validation, without, and the median of the rounds' ratios."""


def alternate(seconds: float, appends: int, clock: Callable[[], float],
              append: Callable[[str], None]) -> Cost:
    """`append(schema)` `appends` times a turn, turns alternating between the checked schema
    and the unchecked one (which goes first swaps each round), for at least `seconds` and six
    rounds; `clock` is the CPU time measured."""
    cpu = {"es": 0.0, UNCHECKED: 0.0}
    ratios = []
    rounds = 0
    ended = time.perf_counter() + seconds
    while time.perf_counter() < ended or rounds < 6:
        turn = {}
        for schema in ("es", UNCHECKED) if rounds % 2 else (UNCHECKED, "es"):
            began = clock()
            for _ in range(appends):
                append(schema)
            turn[schema] = (clock() - began) / appends
            cpu[schema] += turn[schema]
        ratios.append(turn["es"] / turn[UNCHECKED])
        rounds += 1
    return cpu["es"] / rounds, cpu[UNCHECKED] / rounds, statistics.median(ratios)


def _measuring(conn: psycopg.Connection[Any]) -> int:
    """The server process id of `conn`, set up for measuring."""
    # no wait for the WAL flush: the disk's latency varies more than the check costs
    conn.execute("set synchronous_commit = off")
    row = conn.execute("select pg_backend_pid()").fetchone()
    assert row is not None
    return int(row[0])


def validation_cost(dsn: str, seconds: float) -> list[tuple[str, int, Cost]]:
    """Per event and batch, what the server process's CPU spends on appends sent as JSON,
    with and without the check."""
    results = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        pid = _measuring(conn)
        for label, make in (("OrderSubmitted", _submitted), ("OrderItemAdded", _item)):
            for size in (1, 10, 100):
                events = Jsonb([make() for _ in range(size)])

                def append(schema: str, events: Jsonb = events) -> None:
                    conn.execute(f"select count(*) from {schema}.append_to_stream(%s, -1, %s)",
                                 (f"Order-{uuid.uuid4()}", events), prepare=True)

                # ~2,000 events a turn: well above the CPU clock's 10 ms tick
                results.append((label, size, alternate(
                    seconds, max(1, 2000 // size), lambda: _backend_cpu(pid), append)))
    return results


def _client_submitted(events: Any) -> Any:
    """The OrderSubmitted of `_submitted` as the generated package's dataclass."""
    return events.OrderSubmitted(
        orderId=uuid.uuid4(),
        customer=events.OrderSubmittedCustomer(customerId=uuid.uuid4(), email="ada@example.com"),
        lineItems=[events.OrderSubmittedLineItemsItem(sku=f"sku-{i}", quantity=i,
                                                      unitPrice=Decimal("9.99"))
                   for i in range(1, 4)],
        pricing=events.OrderSubmittedPricing(subtotal=Decimal("59.94"), tax=Decimal("11.39"),
                                             total=Decimal("71.33"), currency="EUR"))


def _client_item(events: Any) -> Any:
    return events.OrderItemAdded(orderId=uuid.uuid4(), sku="sku", quantity=1)


def client_validation_cost(dsn: str, seconds: float) -> list[tuple[str, int, Cost]]:
    """Per event and batch, the CPU of this process and the server's for `EventStore.append`
    of the generated package, with and without the check."""
    import shop_events
    from shop_events import events

    results = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        pid = _measuring(conn)
        stores = {"es": shop_events.EventStore(conn, "es"),
                  UNCHECKED: shop_events.EventStore(conn, UNCHECKED)}
        for label, make in (("OrderSubmitted", _client_submitted), ("OrderItemAdded", _client_item)):
            for size in (1, 10, 100):
                batch = [make(events) for _ in range(size)]

                def append(schema: str, batch: list[Any] = batch) -> None:
                    stores[schema].append(f"Order-{uuid.uuid4()}", batch, expected="no_stream")

                # >= 100 ms of CPU a turn at every size: well above the server's tick
                results.append((label, size, alternate(
                    seconds, max(1, (1000 if size == 1 else 3000) // size),
                    lambda: time.process_time() + _backend_cpu(pid), append)))
    return results


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
        same_start(dsn)
        print("payload validation as a user's append costs it: EventStore.append of the "
              "generated package, CPU of client and server per append:")
        for label, size, (on, off, ratio) in client_validation_cost(dsn, args.seconds):
            print(f"  {label:<15} batch {size:>3}: validated {on * 1000:7.3f} ms, "
                  f"unchecked {off * 1000:7.3f} ms, cost {(ratio - 1) * 100:+6.1f}% "
                  "(median of rounds; goal at batch 100: <= 15%)")
        print("payload validation, the server's share: server CPU per append, one connection:")
        for label, size, (on, off, ratio) in validation_cost(dsn, args.seconds):
            print(f"  {label:<15} batch {size:>3}: validated {on * 1000:7.3f} ms, "
                  f"unchecked {off * 1000:7.3f} ms, cost {(on / off - 1) * 100:+6.1f}% "
                  f"of the sums, {(ratio - 1) * 100:+6.1f}% median of rounds "
                  "(goal at batch 100: <= 15%)")
        print(f"append throughput, {args.writers} connections, one commit per append:")
        for size in (1, 10, 100):
            rate = append_throughput(dsn, size, args.writers, args.seconds)
            print(f"  batch {size:>3}: {rate:>10,.0f} events/s  {rate / size:>9,.0f} appends/s")
        if args.events <= 0:
            return
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
