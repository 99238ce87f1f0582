"""Benchmark of the yes/no payload check (docs/postgres.md, Payload validation): the server
process's CPU time per payload of the shop's boolean twins (`valid_<event>_v1`, SQL checks)
against one constant jsonpath predicate per version (evaluated in C by `@@`), over N generated
payloads (default 100,000), in the same run: the runs of the two alternate, and each is the
count less that of a count checking nothing.

The jsonpath predicates below are what a generator of them wrote (branch h/jsonpath, commit
5283d7e): lax mode, every value guarded by `.type()` (which never unwraps an array) before it is
read further, array items filtered only once none is an array, a uuid as four dashes between
hex digits plus its LIKE shape in SQL beside the jsonpath. That generator's property tests held
them to the validators', the Python's and jsonschema's verdicts; they are not generated since
they cost what the SQL checks cost (docs/postgres.md).

    .venv/bin/python benchmarks/payload_check.py [--dsn postgresql://...] [--rows 100000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from store import _backend_cpu, _item, _submitted, install

from devtools.postgres import benchmark_database
from escodegen.model.sqlnames import valid_function
from escodegen.sqltext import ident

_UUID = r'like_regex "^[0-9a-fA-F]+-[0-9a-fA-F]+-[0-9a-fA-F]+-[0-9a-fA-F]+-[0-9a-fA-F]+$"'
_DECIMAL = r'like_regex "^-?[0-9]+(\\.[0-9]+)?$"'
_SHAPE = "like '________-____-____-____-____________'"

JSONPATH = {
    "OrderSubmitted": r"""coalesce(data @@ 'lax $.type() == "object"
    && ($."orderId".type() == "string" && $."orderId" UUID)
    && ($."customer".type() == "object"
        && ($."customer"."customerId".type() == "string" && $."customer"."customerId" UUID)
        && (!exists($."customer"."email") || $."customer"."email".type() == "null"
            || $."customer"."email".type() == "string"))
    && ($."lineItems".type() == "array" && !($."lineItems"[*].type() == "array")
        && !exists($."lineItems"[*] ? (!(@.type() == "object" && @."sku".type() == "string"
            && (@."quantity".type() == "number" && @."quantity".floor() == @."quantity")
            && (@."unitPrice".type() == "string" && @."unitPrice" DECIMAL)))))
    && ($."pricing".type() == "object"
        && ($."pricing"."subtotal".type() == "string" && $."pricing"."subtotal" DECIMAL)
        && ($."pricing"."tax".type() == "string" && $."pricing"."tax" DECIMAL)
        && ($."pricing"."total".type() == "string" && $."pricing"."total" DECIMAL)
        && $."pricing"."currency".type() == "string")'::jsonpath, false)
    and coalesce((data #>> '{orderId}') SHAPE, true)
    and coalesce((data #>> '{customer,customerId}') SHAPE, true)""",
    "OrderItemAdded": r"""coalesce(data @@ 'lax $.type() == "object"
    && ($."orderId".type() == "string" && $."orderId" UUID)
    && $."sku".type() == "string"
    && ($."quantity".type() == "number" && $."quantity".floor() == $."quantity")'::jsonpath, false)
    and coalesce((data #>> '{orderId}') SHAPE, true)""",
}
JSONPATH = {event: text.replace("UUID", _UUID).replace("DECIMAL", _DECIMAL).replace("SHAPE", _SHAPE)
            for event, text in JSONPATH.items()}
"""Per event (version 1): whether `data` fits, as the SQL twin says."""

NEAR = {
    "OrderSubmitted": [("{lineItems,0,quantity}", "1.5"), ("{pricing,tax}", '"1e3"'),
                       ("{customer,customerId}", '"00000000-0000-0000-0000-00000000000g"'),
                       ("{lineItems}", '[[{"sku": "a", "quantity": 1, "unitPrice": "1"}]]'),
                       ("{orderId}", '["00000000-0000-0000-0000-000000000000"]')],
    "OrderItemAdded": [("{quantity}", '"1"'), ("{orderId}", '"0000000-00000-0000-0000-000000000000"'),
                       ("{sku}", '["s"]')],
}
"""Payloads that do not fit: each change makes a copy both checks must refuse."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dsn", help="an empty database to use (default: embedded PostgreSQL)")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with benchmark_database(args.dsn, "payload_check") as dsn:
        install(dsn)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("set max_parallel_workers_per_gather = 0")
            pid = conn.info.backend_pid
            print(f"server CPU per payload ({args.rows:,} payloads, {args.runs} alternating runs):")
            for make in (_submitted, _item):
                sample = make()
                event = sample["event_type"]
                conn.execute("drop table if exists v")
                conn.execute("create temp table v as select %s::jsonb as data "
                             "from generate_series(1, %s)", (Jsonb(sample["data"]), args.rows))
                # fresh uuids: the same shape, not the same text in every row
                conn.execute("update v set data = jsonb_set(data, '{orderId}', "
                             "to_jsonb(gen_random_uuid()::text))")
                conn.execute("vacuum analyze v")
                twin = f"{ident('es', valid_function(event, 1))}(data)"
                for path, value in NEAR[event]:
                    row = conn.execute(
                        f"select {twin}, {JSONPATH[event]} from "
                        "(select jsonb_set(%s::jsonb, %s::text[], %s::jsonb) as data) d",
                        (Jsonb(sample["data"]), path, value)).fetchone()
                    assert row == (False, False), (event, path, value, row)
                cases = {"nothing": "data is not null", "SQL checks (today)": twin,
                         "one jsonpath predicate": JSONPATH[event]}
                seconds: dict[str, list[float]] = {label: [] for label in cases}
                for _ in range(args.runs):
                    for label, predicate in cases.items():
                        began = _backend_cpu(pid)
                        row = conn.execute(f"select count(*) from v where {predicate}").fetchone()
                        seconds[label].append(_backend_cpu(pid) - began)
                        assert row == (args.rows,), (label, row)
                print(f"  {event} version 1:")
                per = {}
                for label in list(cases)[1:]:
                    spent = [s - n for s, n in zip(seconds[label], seconds["nothing"], strict=True)]
                    per[label] = (min(spent) / args.rows * 1e6,
                                  statistics.median(spent) / args.rows * 1e6)
                    print(f"    {label:<24} least {per[label][0]:6.2f} µs, "
                          f"median {per[label][1]:6.2f} µs")
                today, jsonpath = per["SQL checks (today)"], per["one jsonpath predicate"]
                print(f"    jsonpath / SQL checks: {jsonpath[0] / today[0]:4.2f} (least), "
                      f"{jsonpath[1] / today[1]:4.2f} (median)")


if __name__ == "__main__":
    main()
