"""`custom` SQL runs inside IMMUTABLE upcasters: only immutable built-ins (the shipped list), and
functions of the user's own schema (checked with a DSN) may be called; one expression only."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from escodegen.upcast.immutable_builtins import IMMUTABLE_BUILTINS
from tests.upcast.test_chains import check, customer

SIDE_EFFECTS = [
    "jsonb_set(data, '{p}', to_jsonb(set_config('search_path', 'public', false)))",
    "data || jsonb_object(ARRAY['f'], ARRAY[pg_read_file('/etc/passwd')])",
    "CASE WHEN lo_export(1, '/tmp/x') > 0 THEN data ELSE data END",
    "CASE WHEN dblink_exec('host=evil', 'drop table es.events') = '' THEN data ELSE data END",
    "data || jsonb_object(ARRAY['x'], ARRAY[query_to_xml('select 1', true, true, '')::text])",
    "CASE WHEN pg_catalog.pg_sleep(1) IS NULL THEN data ELSE data END",
    "jsonb_set(data, '{t}', to_jsonb(now()))",
    "CASE WHEN random() > 0.5 THEN data ELSE data END",
]


def custom(sql: str) -> str:
    quoted = sql.replace("'", "''")
    return customer(f"[{{custom: {{python: 'm:f', sql: '{quoted}'}}}}]",
                    "{customerId: uuid, name: string, email: string}")


@pytest.mark.parametrize("sql", SIDE_EFFECTS)
def test_a_function_that_is_not_immutable_is_refused(tmp_path: Path, sql: str) -> None:
    found = check(tmp_path, custom(sql))
    assert [d.code for d in found] == ["ES316"], [d.render() for d in found]
    # the position of the `sql:` value: line 7 of the file `customer` writes, after `sql: `
    assert found[0].span is not None and found[0].span.line == 7 and found[0].span.column == 48


@pytest.mark.parametrize("sql", [
    "(SELECT data FROM es.events LIMIT 1)",
    "data || (SELECT jsonb_object(ARRAY['a'], ARRAY['b']))",
    "EXISTS (SELECT 1) AND data IS NOT NULL",
    "data; DROP TABLE x",
    "data OPERATOR(public.||) data",
])
def test_anything_but_one_expression_is_refused(tmp_path: Path, sql: str) -> None:
    found = check(tmp_path, custom(sql))
    assert [d.code for d in found] == ["ES314"], [d.render() for d in found]


@pytest.mark.parametrize("sql", [
    ("jsonb_set(data, '{phone}', jsonb_object(ARRAY['p'], ARRAY[regexp_replace(data ->> 'phone', "
     "'[^0-9+]', '', 'g')]) -> 'p')"),
    "CASE WHEN jsonb_typeof(data -> 'n') = 'number' THEN data - 'n' ELSE COALESCE(data, '{}') END",
    "pg_catalog.jsonb_set(data, '{a}', '1'::jsonb)",
    "myschema.my_upcast(data)",  # the user's own: checked against the database with --dsn
])
def test_immutable_built_ins_and_own_functions_are_accepted(tmp_path: Path, sql: str) -> None:
    assert check(tmp_path, custom(sql)) == []


def test_the_shipped_list_is_what_the_server_says(pg_server: str) -> None:
    """The list was made from this query on a stock server (see its module's docstring)."""
    with psycopg.connect(pg_server) as conn:
        names = {row[0] for row in conn.execute(
            "select proname from pg_proc where pronamespace = 'pg_catalog'::regnamespace "
            "and prokind = 'f' group by proname "
            "having bool_or(provolatile = 'i') and bool_and(provolatile <> 'v')")}
    assert names == IMMUTABLE_BUILTINS
    assert not {"set_config", "pg_read_file", "lo_export", "query_to_xml", "pg_sleep",
                "random", "now", "nextval", "dblink_exec"} & IMMUTABLE_BUILTINS
