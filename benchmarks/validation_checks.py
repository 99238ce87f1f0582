"""Microbenchmark of the payload validators' checks against the alternatives considered for them
(docs/postgres.md, Payload validation): the server process's CPU time per value of each boolean
SQL expression over generated rows, the least of several runs minus that of a query checking
nothing (the server must run on this machine: its CPU time is read from /proc).

Every alternative must accept the same rows as today's check (asserted on the data); only the
cheaper ones would be worth proving exact on every string (tests/test_type_validators.py).

    .venv/bin/python benchmarks/validation_checks.py [--dsn postgresql://...] [--rows 100000]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.store import _backend_cpu
from devtools.postgres import benchmark_database
from escodegen.model.types import DECIMAL_PATTERN, UUID_PATTERN

SETUP = """
create temp table v as
select (case when i % 3 = 0 then '-' else '' end) || (i::bigint * 7919 % 100000)::text
       || (case when i % 2 = 0 then '.' || (i % 100)::text else '' end) as t,
       gen_random_uuid()::text as u,
       jsonb_build_array(
           jsonb_build_object('sku', 'A-1', 'quantity', 2, 'unitPrice', '12.50'),
           jsonb_build_object('sku', 'B-2', 'quantity', 1, 'unitPrice', '3.99'),
           jsonb_build_object('sku', 'C-3', 'quantity', 5, 'unitPrice', '100.00')) as items
from generate_series(1, %(rows)s) as i;
create function pg_temp.items_loop(p_items jsonb) returns boolean
language plpgsql immutable as $$
declare
    v_item jsonb;
begin
    for v_i in 0 .. jsonb_array_length(p_items) - 1 loop
        v_item := p_items -> v_i;
        if not (case
            when jsonb_typeof(v_item) <> 'object' then false
            else (case when coalesce(jsonb_typeof(v_item -> 'sku'), 'null') <> 'string'
                       then false else true end)
                 and (case when coalesce(jsonb_typeof(v_item -> 'quantity'), 'null') <> 'number'
                           then false
                           when mod((v_item -> 'quantity')::numeric, 1) <> 0 then false
                           else true end)
                 and (case when coalesce(jsonb_typeof(v_item -> 'unitPrice'), 'null') <> 'string'
                           then false
                           when not (v_item ->> 'unitPrice') ~ '^-?[0-9]+(\\.[0-9]+)?$'
                           then false else true end)
        end) then
            return false;
        end if;
    end loop;
    return true;
end
$$;
"""

DECIMAL = DECIMAL_PATTERN.replace("'", "''")
DIGITS = "0123456789"
HEX = "0123456789abcdefABCDEF"
SHAPE = "________-____-____-____-____________"
JSONPATH_ITEMS = (
    "lax $[*] ? (!(@.type() == \"object\" && @.sku.type() == \"string\""
    " && @.quantity.type() == \"number\" && @.quantity.floor() == @.quantity"
    " && @.unitPrice.type() == \"string\""
    " && @.unitPrice like_regex \"^-?[0-9]+(\\\\.[0-9]+)?$\"))")

CASES: tuple[tuple[str, int, str], ...] = (
    # (label, values checked per row, predicate)
    ("decimal: regular expression (today)", 1, f"t ~ '{DECIMAL}'"),
    ("decimal: translate + a LIKE per leftover", 1,
     (f"(case translate(t, '{DIGITS}', '') when '' then t like '_%' when '-' then t like '-_%'"
     " when '.' then t like '_%._%' when '-.' then t like '-_%._%' else false end)")),
    ("decimal: ltrim of the digits (not exact: order)", 1,
     f"ltrim(ltrim(t, '-'), '{DIGITS}.') = ''"),
    ("3 decimals: three regular expressions (today)", 3,
     f"t ~ '{DECIMAL}' and t ~ '{DECIMAL}' and t ~ '{DECIMAL}'"),
    ("3 decimals: one over the texts joined by ','", 3,
     "(t || ',' || t || ',' || t) ~ '^" + ",".join([DECIMAL[1:-1]] * 3) + "$'"),
    ("uuid: shape, undashed, class (today)", 1,
     (f"u like '{SHAPE}' and replace(u, '-', '') like '{'_' * 32}'"
     " and u ~ '^[-0-9a-fA-F]+$'")),
    ("uuid: translate + shape", 1, f"translate(u, '{HEX}', '') = '----' and u like '{SHAPE}'"),
    ("uuid: shape + five groups", 1,
     f"u like '{SHAPE}' and u ~ '^" + "-".join(["[0-9a-fA-F]+"] * 5) + "$'"),
    ("uuid: the counted pattern", 1, f"u ~ '{UUID_PATTERN}'"),
    ("3 line items: plpgsql loop (today)", 3, "pg_temp.items_loop(items)"),
    ("3 line items: one jsonpath predicate", 3,
     f"not jsonb_path_exists(items, '{JSONPATH_ITEMS}')"),
)


def best(conn: psycopg.Connection[Any], predicate: str, runs: int) -> tuple[float, int]:
    """The least server CPU time of `runs` counts of the rows the predicate accepts (after one
    run to warm up), and the count."""
    times = []
    count = 0
    for run in range(runs + 1):
        started = _backend_cpu(conn.info.backend_pid)
        row = conn.execute(f"select count(*) from v where {predicate}").fetchone()
        if run:
            times.append(_backend_cpu(conn.info.backend_pid) - started)
        count = row[0] if row else 0
    return min(times), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dsn", help="a database to use (default: embedded PostgreSQL)")
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with benchmark_database(args.dsn, "checks") as dsn, psycopg.connect(dsn) as conn:
        conn.execute(SETUP.replace("%(rows)s", str(args.rows)))
        base, _ = best(conn, "t is not null and u is not null and items is not null", args.runs)
        print(f"server CPU per value ({args.rows:,} rows, least of {args.runs} runs):")
        today = 0
        for label, values, predicate in CASES:
            seconds, count = best(conn, predicate, args.runs)
            if "(today)" in label:
                today = count
            agrees = "" if count == today else f"  (accepts {count:,}, today {today:,})"
            micros = (seconds - base) / args.rows / values * 1e6
            print(f"  {label:<50} {micros:6.2f} µs{agrees}")


if __name__ == "__main__":
    main()
