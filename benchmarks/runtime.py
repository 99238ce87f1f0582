"""Benchmark of the generated Python runtime against pyeventsourcing (issue 13, docs/python.md).

Both run in this process on the same PostgreSQL database, with the same synchronous_commit
(off), and are reported as ratios (escodegen / pyeventsourcing; above 1 is faster):

a. stored JSON payloads of CustomerRegistered (stored at v1 and at v3) to latest-version
   objects, per model mode (dataclasses, pydantic, msgspec); pyeventsourcing's Mapper with
   its JSON transcoder and the upcast methods v1 -> v2 -> v3;
b. loading a 1,000-event aggregate without snapshot, repeated (`EventStore.load` against
   the recorder's `select_events` + Mapper + apply);
c. `iter_all` over N events with decoding (against `select_notifications` + Mapper), by
   wall time and by CPU time (this process plus the server's processes, when the server
   runs on this machine);
d. appends of 1, 10 and 100 events per transaction (`EventStore.append` against
   `PostgresApplicationRecorder.insert_events`), one writer, autocommit;
e. one call writing to 1,000 streams: pyeventsourcing's `insert_events` with events of 1,000
   originators against `EventStore.append_to_streams` (each with its expected version).

(d) and (e) run twice, against the store generated with `postgres.validate_on_append` (the
default: the server checks every payload) and against the same store generated without it
(schema `es_unchecked`), so both figures come from one run (`--validation on|off|both`).

    .venv/bin/python benchmarks/runtime.py --count 200000      # starts an embedded PostgreSQL
    .venv/bin/python benchmarks/runtime.py --dsn postgresql://...   # a database to fill (empty)

Needs the benchmark extra: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    UUIDAsHex,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.conninfo import conninfo_to_dict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devtools.postgres import benchmark_database
from escodegen.check import compile_project
from escodegen.emit.postgres import render

MODES = {"dataclasses": "bench_dataclasses", "pydantic": "bench_pydantic",
         "msgspec": "bench_msgspec"}


# pyeventsourcing's side: the same events, the same upcast (v1 name -> first/last, v3 tier)
@dataclass(frozen=True)
class CustomerRegistered(DomainEvent):
    class_version = 3
    customer_id: uuid.UUID
    first_name: str
    last_name: str
    email: str
    tier: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        first, _, last = state.pop("name").partition(" ")
        state["first_name"], state["last_name"] = first, last

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["tier"] = "standard"


@dataclass(frozen=True)
class OrderItemAdded(DomainEvent):
    order_id: uuid.UUID
    sku: str
    quantity: int


def peer_mapper() -> Mapper[uuid.UUID]:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    return Mapper(transcoder=transcoder)


def peer_recorder(dsn: str) -> PostgresApplicationRecorder:
    info = conninfo_to_dict(dsn)
    datastore = PostgresDatastore(
        dbname=str(info["dbname"]), host=str(info.get("host", "localhost")),
        port=str(info.get("port", 5432)), user=str(info.get("user", "")),
        password=str(info.get("password", "")))
    recorder = PostgresApplicationRecorder(datastore)
    recorder.create_table()
    return recorder


def generate_packages(folder: Path) -> dict[str, ModuleType]:
    """examples/shop generated in every model mode into `folder`, imported."""
    packages = {}
    for models, package in MODES.items():
        project = folder / models
        shutil.copytree(ROOT / "examples" / "shop", project,
                        ignore=shutil.ignore_patterns("generated"))
        config = project / "escodegen.yaml"
        text = config.read_text()
        old = "{out: generated/shop_events, package: shop_events, models: dataclasses}"
        config.write_text(text.replace(
            old, f"{{out: generated/{package}, package: {package}, models: {models}}}"))
        code = "import sys; from escodegen.cli import main; sys.exit(main(sys.argv[1:]))"
        subprocess.run([sys.executable, "-c", code, "generate", "--target", "python"],
                       cwd=project, check=True, capture_output=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    for models, package in MODES.items():
        sys.path.insert(0, str(folder / models / "generated"))
        packages[models] = __import__(package)
    return packages


UNCHECKED = "es_unchecked"
"""The schema of the same store generated with `validate_on_append: false`."""


def install(dsn: str) -> None:
    project, report = compile_project(ROOT / "examples" / "shop" / "escodegen.yaml")
    if project is None or project.postgres is None:
        raise SystemExit(f"examples/shop does not compile: {report}")
    unchecked = dataclasses.replace(project, postgres=dataclasses.replace(
        project.postgres, schema=UNCHECKED, validate_on_append=False))
    with psycopg.connect(dsn, autocommit=True) as conn:
        for files in (render(project), render(unchecked)):
            for _, text in sorted(files.items()):
                conn.execute(text)
        conn.execute(f"alter database {conn.info.dbname} set synchronous_commit = off")


def best(repeat: int, run: Callable[[], int]) -> float:
    """Items per second of the best of `repeat` runs (`run` returns how many it did)."""
    rates = []
    for _ in range(repeat):
        began = time.perf_counter()
        n = run()
        rates.append(n / (time.perf_counter() - began))
    return max(rates)


def paired(repeat: int, ours: Callable[[], int], peer: Callable[[], int]) -> tuple[float, float]:
    """`best` of both, their runs alternating (ours, peer, ours, ...): a load that comes and
    goes on a shared machine falls on both alike."""
    rates: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for rate, run in zip(rates, (ours, peer), strict=True):
            began = time.perf_counter()
            n = run()
            rate.append(n / (time.perf_counter() - began))
    return max(rates[0]), max(rates[1])


class ServerClock:
    """CPU seconds spent by a local PostgreSQL server's processes (the postmaster, its living
    children and the children it has reaped, from /proc), or None when the server is not a
    process of this machine that this user can read (a remote `--dsn`)."""

    def __init__(self, dsn: str) -> None:
        self.postmaster: int | None = None
        self.tick = os.sysconf("SC_CLK_TCK")
        try:
            with psycopg.connect(dsn) as conn:
                row = conn.execute("show data_directory").fetchone()
            pid = int((Path(row[0]) / "postmaster.pid").read_text().split()[0])
            self.postmaster = pid if self._ticks(pid, children=True) else None
        except (psycopg.Error, OSError, ValueError, TypeError, IndexError):
            self.postmaster = None

    @staticmethod
    def _ticks(pid: int, children: bool = False) -> int:
        # fields after the command's closing parenthesis: utime, stime, cutime, cstime are
        # the 12th to 15th
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return sum(int(f) for f in fields[11:15 if children else 13])

    def seconds(self) -> float | None:
        if self.postmaster is None:
            return None
        ticks = self._ticks(self.postmaster, children=True)
        for task in Path(f"/proc/{self.postmaster}/task").iterdir():
            for child in (task / "children").read_text().split():
                try:
                    ticks += self._ticks(int(child))
                except (OSError, ValueError):
                    pass  # ended meanwhile: now in the postmaster's cutime
        return ticks / self.tick


def paired_cpu(repeat: int, ours: Callable[[], int], peer: Callable[[], int],
               server: ServerClock) -> tuple[tuple[float, float], tuple[float, float] | None]:
    """`paired`, and items per CPU second of the client (this process) plus the server
    (None without a server clock), best of each: the load of other processes on a shared
    machine disturbs CPU time less than wall time."""
    wall: tuple[list[float], list[float]] = ([], [])
    cpu: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for rates, cpu_rates, run in zip(wall, cpu, (ours, peer), strict=True):
            began, began_cpu, began_server = (time.perf_counter(), time.process_time(),
                                              server.seconds())
            n = run()
            ended, ended_cpu, ended_server = (time.perf_counter(), time.process_time(),
                                              server.seconds())
            rates.append(n / (ended - began))
            if began_server is not None and ended_server is not None:
                cpu_rates.append(n / (ended_cpu - began_cpu + ended_server - began_server))
    by_cpu = (max(cpu[0]), max(cpu[1])) if cpu[0] and cpu[1] else None
    return (max(wall[0]), max(wall[1])), by_cpu


def row(label: str, ours: float, peer: float) -> None:
    print(f"| {label} | {ours:,.0f} | {peer:,.0f} | {ours / peer:.2f}x |", flush=True)


def decode_payloads(packages: dict[str, ModuleType], count: int, repeat: int) -> None:
    mapper = peer_mapper()
    topic = f"{__name__}:CustomerRegistered"
    v1 = {"customerId": str(uuid.uuid4()), "name": "Ada King Lovelace", "email": "ada@x.org"}
    v3 = {"customerId": v1["customerId"], "firstName": "Ada", "lastName": "King Lovelace",
          "email": "ada@x.org", "tier": "standard"}
    peer_v1 = {"originator_id": uuid.uuid4(), "originator_version": 1,
               "timestamp": DomainEvent.create_timestamp(), "customer_id": uuid.uuid4(),
               "name": "Ada King Lovelace", "email": "ada@x.org"}
    peer_v3 = mapper.to_stored_event(CustomerRegistered(
        originator_id=uuid.uuid4(), originator_version=1,
        timestamp=DomainEvent.create_timestamp(), customer_id=uuid.uuid4(),
        first_name="Ada", last_name="King Lovelace", email="ada@x.org", tier="standard"))
    stored = {
        1: (json.dumps(v1).encode(), StoredEvent(uuid.uuid4(), 1, topic,
                                                 mapper.transcoder.encode(peer_v1))),
        3: (json.dumps(v3).encode(), peer_v3),
    }
    for version, (ours_raw, peer_event) in stored.items():
        ours_rows = [ours_raw] * count
        peer_rows = [peer_event] * count

        def peer(peer_rows: list[StoredEvent] = peer_rows) -> int:
            for event in peer_rows:
                mapper.to_domain_event(event)
            return count

        peer_rate = best(repeat, peer)
        for models, package in packages.items():
            decode_json = package.decode_json

            def ours(decode_json: Any = decode_json, ours_rows: list[bytes] = ours_rows,
                     version: int = version) -> int:
                for raw in ours_rows:
                    decode_json("CustomerRegistered", version, raw)
                return count

            row(f"(a) {count:,} payloads stored at v{version}, `{models}`",
                best(repeat, ours), peer_rate)


def new_events(package: ModuleType, order: uuid.UUID, n: int) -> list[Any]:
    return [package.OrderItemAdded(orderId=order, sku=f"sku-{i}", quantity=1) for i in range(n)]


def peer_events(order: uuid.UUID, start: int, n: int) -> list[OrderItemAdded]:
    return [OrderItemAdded(originator_id=order, originator_version=start + i,
                           timestamp=DomainEvent.create_timestamp(), order_id=order,
                           sku=f"sku-{i}", quantity=1) for i in range(n)]


def load_aggregate(dsn: str, packages: dict[str, ModuleType], recorder: Any,
                   repeat: int) -> None:
    from tests.emit_python.conftest import order_class

    mapper = peer_mapper()
    order = uuid.uuid4()
    recorder.insert_events([mapper.to_stored_event(e) for e in peer_events(order, 1, 1000)])

    def peer() -> int:
        items = 0
        for _ in range(10):
            for stored in recorder.select_events(order):
                event = mapper.to_domain_event(stored)
                assert isinstance(event, OrderItemAdded)
                items += event.quantity
        return 10

    for models, package in packages.items():
        aggregate = order_class(package)
        with psycopg.connect(dsn, autocommit=True) as conn:
            store = package.EventStore(conn)
            ours_id = uuid.uuid4()
            stream = aggregate(ours_id).stream_id
            store.append(stream, new_events(package, ours_id, 1000), expected="no_stream")

            def ours(store: Any = store, aggregate: Any = aggregate,
                     ours_id: uuid.UUID = ours_id) -> int:
                for _ in range(10):
                    assert store.load(aggregate(ours_id)).version == 1000
                return 10

            row(f"(b) loads of a 1,000-event aggregate, `{models}`", *paired(repeat, ours, peer))


def iterate_all(dsn: str, packages: dict[str, ModuleType], recorder: Any, count: int,
                repeat: int) -> None:
    """`count` events in streams of 100, read back in batches of 1,000 with decoding."""
    mapper = peer_mapper()
    server = ServerClock(dsn)
    for _ in range(count // 100):
        order = uuid.uuid4()
        recorder.insert_events([mapper.to_stored_event(e) for e in peer_events(order, 1, 100)])

    def peer() -> int:
        seen, start = 0, 1
        while batch := recorder.select_notifications(start, 1000):
            for notification in batch:
                mapper.to_domain_event(notification)
            seen += len(batch)
            start = batch[-1].id + 1
        return seen

    package = packages["dataclasses"]
    with psycopg.connect(dsn, autocommit=True) as conn:
        store = package.EventStore(conn)
        with conn.transaction():
            for _ in range(count // 100):
                order = uuid.uuid4()
                store.append(f"Order-{order}", new_events(package, order, 100))
    for models, package in packages.items():
        with psycopg.connect(dsn, autocommit=True) as conn:
            store = package.EventStore(conn)

            def ours(store: Any = store) -> int:
                return sum(1 for _ in store.iter_all(batch_size=1000))

            by_wall, by_cpu = paired_cpu(repeat, ours, peer, server)
            row(f"(c) `iter_all` over {count:,} events, `{models}`", *by_wall)
            if by_cpu is not None:
                row(f"(c) the same by CPU time (client + server), `{models}`", *by_cpu)


def appends(dsn: str, package: ModuleType, recorder: Any, seconds: float,
            repeat: int, schema: str | None, label: str) -> None:
    mapper = peer_mapper()
    for size in (1, 10, 100):
        def peer(size: int = size) -> int:
            n, stop = 0, time.perf_counter() + seconds
            while time.perf_counter() < stop:
                order = uuid.uuid4()
                recorder.insert_events([mapper.to_stored_event(e)
                                        for e in peer_events(order, 1, size)])
                n += size
            return n

        with psycopg.connect(dsn, autocommit=True) as conn:
            store = package.EventStore(conn, schema)

            def ours(size: int = size, store: Any = store) -> int:
                n, stop = 0, time.perf_counter() + seconds
                while time.perf_counter() < stop:
                    order = uuid.uuid4()
                    store.append(f"Order-{order}", new_events(package, order, size),
                                 expected="no_stream")
                    n += size
                return n

            row(f"(d) events/s appended {size} per transaction{label}",
                *paired(repeat, ours, peer))


def many_streams(dsn: str, package: ModuleType, recorder: Any, repeat: int,
                 schema: str | None, label: str) -> None:
    mapper = peer_mapper()

    def peer() -> int:
        events = [e for _ in range(1000) for e in peer_events(uuid.uuid4(), 1, 1)]
        recorder.insert_events([mapper.to_stored_event(e) for e in events])
        return 1000

    with psycopg.connect(dsn, autocommit=True) as conn:
        store = package.EventStore(conn, schema)

        def ours() -> int:
            appends = []
            for _ in range(1000):
                order = uuid.uuid4()
                appends.append((f"Order-{order}", new_events(package, order, 1), "no_stream"))
            store.append_to_streams(appends)
            return 1000

        row(f"(e) streams/s, one event to each of 1,000 streams in one call{label}",
            *paired(repeat, ours, peer))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dsn", help="an empty database (default: an embedded server)")
    parser.add_argument("--count", type=int, default=1_000_000,
                        help="payloads decoded in (a) (default 1,000,000)")
    parser.add_argument("--events", type=int, default=100_000,
                        help="events read by iter_all in (c) (default 100,000)")
    parser.add_argument("--seconds", type=float, default=3.0, help="per append run in (d)")
    parser.add_argument("--repeat", type=int, default=3, help="runs, the best is reported")
    parser.add_argument("--validation", choices=("on", "off", "both"), default="both",
                        help="the server's payload check on append in (d) and (e)")
    parser.add_argument("--parts", default="abcde",
                        help="the measures to run, e.g. `ce` for (c) and (e) (default abcde)")
    args = parser.parse_args()
    parts = set(args.parts)
    if not parts or not parts <= set("abcde"):
        parser.error("--parts takes letters of abcde")
    with tempfile.TemporaryDirectory() as folder:
        packages = generate_packages(Path(folder))
        print("| measure | escodegen /s | pyeventsourcing /s | ratio |\n|---|---|---|---|",
              flush=True)
        if "a" in parts:
            decode_payloads(packages, args.count, args.repeat)
        if not parts & set("bcde"):
            return
        with benchmark_database(args.dsn, "runtime") as dsn:
            install(dsn)
            recorder = peer_recorder(dsn)
            if "b" in parts:
                load_aggregate(dsn, packages, recorder, args.repeat)
            if "c" in parts:
                iterate_all(dsn, packages, recorder, args.events, args.repeat)
            stores = {"on": (None, ", validation on"), "off": (UNCHECKED, ", validation off")}
            chosen = ("on", "off") if args.validation == "both" else (args.validation,)
            for schema, label in (stores[c] for c in chosen if "d" in parts):
                appends(dsn, packages["msgspec"], recorder, args.seconds, args.repeat, schema,
                        label)
            for schema, label in (stores[c] for c in chosen if "e" in parts):
                many_streams(dsn, packages["msgspec"], recorder, args.repeat, schema, label)


if __name__ == "__main__":
    main()
