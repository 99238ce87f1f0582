"""Benchmark of the store on Citus (docs/scale-out.md) against one PostgreSQL, same machine.

1. Appends of 10 and 100 events per transaction (`append_to_stream`, one commit each) across
   many streams from several connections: events per second, and the servers' CPU time per
   event, split between the coordinator and the workers (the coordinator only routes: nothing
   serializes appends there).
2. Catch-up: reading every event back, page by page, through `read_all` on one node and
   through the per-shard feeds (`read_feed`, a checkpoint per feed) on the cluster; the same
   per feed (the events per second of one feed read alone, the spread over the feeds).
3. A projection's catch-up (order_summary, its table distributed by its key on the cluster):
   `catch_up_order_summary` on one node; on the cluster each feed's batches read on its worker
   (`read_feed_json`) and applied on the coordinator (`apply_feed_order_summary`), whose
   writes go to the projection's shards; then the same with the table kept on the coordinator.

On a machine with few cores the cluster's three servers share them, so it is not faster; the
point is the cost per event and where it is spent. Needs the Citus build
(`python -m devtools.citus build`).

    .venv/bin/python benchmarks/citus.py [--appends 200] [--streams 100] [--clients 4]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import psycopg
from psycopg.types.json import Jsonb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devtools import citus
from devtools.postgres import apply, benchmark_database
from escodegen.check import compile_project
from escodegen.emit.postgres import render


def server_cpu(dsn: str) -> float:
    """CPU seconds the server of `dsn` has used: its postmaster and every backend, the
    finished ones included (the postmaster's children times)."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute("select pg_backend_pid()").fetchone()
        assert row is not None
        postmaster = psutil.Process(int(row[0])).parent()
    assert postmaster is not None
    times = postmaster.cpu_times()
    total = times.user + times.system + times.children_user + times.children_system
    for child in postmaster.children():
        try:
            child_times = child.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += child_times.user + child_times.system
    return total


def item(order: str) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "event_type": "OrderItemAdded", "event_version": 1,
            "data": {"orderId": order, "sku": "sku-1", "quantity": 1}}


def placed(order: str) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "event_type": "OrderPlaced", "event_version": 1,
            "data": {"orderId": order, "customerId": str(uuid.uuid4()), "totalAmount": "10.5"}}


def appends(dsn: str, appends_count: int, batch: int, streams: int, clients: int) -> float:
    """Seconds for `appends_count` appends of `batch` events, spread over `streams` streams and
    `clients` connections (a stream's first append starts with its OrderPlaced, so that the
    projection has rows to update)."""
    orders = [str(uuid.uuid4()) for _ in range(streams)]
    work = [(orders[i % streams],
             ([placed(orders[i])] if i < streams else [])
             + [item(orders[i % streams]) for _ in range(batch - (i < streams))])
            for i in range(appends_count)]
    chunks = [work[i::clients] for i in range(clients)]

    def run(chunk: list[tuple[str, list[dict[str, Any]]]]) -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            for order, events in chunk:
                conn.execute("select * from es.append_to_stream(%s, -1, %s)",
                             (f"Order-{order}", Jsonb(events))).fetchall()

    threads = [threading.Thread(target=run, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def read_all(dsn: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        after: tuple[Any, int] = ("0", 0)
        count = 0
        while rows := conn.execute(
                "select tx_id, global_position from es.read_all(%s::xid8, %s, 1000)",
                after).fetchall():
            count += len(rows)
            after = (str(rows[-1][0]), rows[-1][1])
    return count


def read_feeds(dsn: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        keys = [r[0] for r in conn.execute("select feed_key from es.feeds()").fetchall()]
        return sum(_read_feed(conn, key) for key in keys)  # one checkpoint per feed


def read_feed(dsn: str, key: str) -> int:
    """One feed, from its start, pages of 1,000."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        return _read_feed(conn, key)


def _read_feed(conn: psycopg.Connection[Any], key: str) -> int:
    after: tuple[Any, int] = ("0", 0)
    count = 0
    while rows := conn.execute(
            "select tx_id, global_position from es.read_feed(%s, %s::xid8, %s, 1000)",
            (key, *after)).fetchall():
        count += len(rows)
        after = (str(rows[-1][0]), rows[-1][1])
    return count


def per_feed(dsn: str) -> None:
    """Each feed read alone: its events per second (the spread over the feeds)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        keys = [r[0] for r in conn.execute("select feed_key from es.feeds()").fetchall()]
    rates = []
    for key in keys:
        started = time.perf_counter()
        count = read_feed(dsn, key)
        rates.append(count / (time.perf_counter() - started))
    rates.sort()
    print(f"{'catch-up per feed (' + str(len(keys)) + ' feeds)':<34} events/s of one feed: "
          f"min {rates[0]:,.0f}, median {rates[len(rates) // 2]:,.0f}, max {rates[-1]:,.0f}")


def project_single(dsn: str) -> int:
    """order_summary caught up on one node, batches of 1,000."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("truncate es.order_summary")
        conn.execute("update es.checkpoints set tx_id = '0', global_position = 0"
                     " where name = 'order_summary'")
        total = 0
        while row := conn.execute("select es.catch_up_order_summary(1000)").fetchone():
            if not row[0]:
                break
            total += row[0]
    return total


def project_feeds(dsn: str) -> int:
    """order_summary caught up from the feeds, batches of 1,000: each read on the feed's
    worker, applied on the coordinator with the feed's checkpoint."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("truncate es.order_summary")
        conn.execute("delete from es.checkpoints where name like 'order\\_summary@%'")
        keys = [r[0] for r in conn.execute("select feed_key from es.feeds()").fetchall()]
        total = 0
        for key in keys:
            after: tuple[Any, int] = ("0", 0)
            while True:
                row = conn.execute("select es.read_feed_json(%s, %s::xid8, %s, 1000)",
                                   (key, *after)).fetchone()
                if row is None or not row[0]:
                    break
                applied = conn.execute(
                    "select es.apply_feed_order_summary(%s, %s::xid8, %s, %s)",
                    (key, *after, Jsonb(row[0]))).fetchone()
                total += applied[0] if applied else 0
                after = (str(row[0][-1]["tx_id"]), row[0][-1]["global_position"])
    return total


def measure(label: str, nodes: dict[str, str], action: Callable[[], Any],
            events: int) -> None:
    before = {name: server_cpu(dsn) for name, dsn in nodes.items()}
    cpu_before = time.process_time()
    started = time.perf_counter()
    action()
    wall = time.perf_counter() - started
    client = time.process_time() - cpu_before
    used = {name: server_cpu(dsn) - before[name] for name, dsn in nodes.items()}
    split = ", ".join(f"{name} {1e6 * cpu / events:.0f}" for name, cpu in used.items())
    print(f"{label:<34} {events / wall:>9,.0f} events/s   server CPU µs/event: "
          f"{1e6 * sum(used.values()) / events:.0f} ({split}); client {1e6 * client / events:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=200)
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    project, report = compile_project(ROOT / "examples" / "shop" / "escodegen.yaml")
    if project is None or project.postgres is None:
        raise SystemExit(f"examples/shop does not compile: {report}")
    distributed = dataclasses.replace(project, postgres=dataclasses.replace(
        project.postgres, distribution="citus"))
    print(f"load average before: {os.getloadavg()}; {os.cpu_count()} cores")
    with benchmark_database(None, "citus_bench") as single, citus.cluster() as cluster:
        apply(single, render(project))
        cluster_dsn = citus.create_database(cluster, "bench")
        citus.apply(cluster, cluster_dsn, render(distributed))
        targets = {
            "single node": ({"node": single}, single),
            "citus 2 workers": ({"coordinator": cluster_dsn, **{
                w.name: w.dsn("bench") for w in cluster.workers}}, cluster_dsn),
        }
        for batch in (10, 100):
            for label, (nodes, dsn) in targets.items():
                count = args.appends if batch == 10 else max(1, args.appends // 5)
                measure(f"append {batch}/tx, {label}", nodes,
                        lambda dsn=dsn, count=count, batch=batch: appends(
                            dsn, count, batch, args.streams, args.clients),
                        count * batch)
        for label, (nodes, dsn) in targets.items():
            total = (read_all if label == "single node" else read_feeds)(dsn)
            reader = "read_all" if label == "single node" else "feeds"
            measure(f"catch-up ({reader}), {label}", nodes,
                    lambda dsn=dsn, label=label: (read_all if label == "single node"
                                                  else read_feeds)(dsn), total)
        per_feed(cluster_dsn)
        with psycopg.connect(single) as conn:
            row = conn.execute("select count(*) from es.events").fetchone()
        events = int(row[0]) if row else 0
        for label, (nodes, dsn) in targets.items():
            project = project_single if label == "single node" else project_feeds
            measure(f"projection catch-up, {label}", nodes,
                    lambda project=project, dsn=dsn: project(dsn), events)
        # the same with the projection's table kept on the coordinator: what distributing it
        # costs the apply
        with psycopg.connect(cluster_dsn, autocommit=True) as conn:
            conn.execute("select undistribute_table('es.order_summary')")
        nodes, dsn = targets["citus 2 workers"]
        measure("projection catch-up, citus, table on coordinator", nodes,
                lambda: project_feeds(dsn), events)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
