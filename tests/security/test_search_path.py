"""Point 2 of the security contract: a role that can create objects in a schema on someone's
search path cannot make generated SQL run its code. For every built-in function the generated
SQL calls (found by sqlglot in the files and in every function body), a raising overload is
planted in `public`, with the same argument types and with text/integer/jsonb variants, and
raising copies of the operators the SQL uses; then every generated function and migration runs
as a superuser whose search path puts `public` before `pg_catalog`, and none fires."""

from __future__ import annotations

import random
import re
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlglot
from sqlglot import exp
from sqlglot.tokens import Tokenizer, TokenType

from devtools import shop_history
from escodegen.db import runner
from escodegen.diagnostics import Report
from escodegen.emit.migrate.events import plan_events
from escodegen.emit.migrate.purge import plan_purge
from escodegen.emit.postgres import render
from escodegen.model import Project
from escodegen.model.sqlnames import ProjectionNames
from escodegen.sqltext import PIN_SEARCH_PATH, ident, text_array
from tests.emit_postgres.events import NO_STREAM, append, event
from tests.security.hostile import apply_file

BODY = re.compile(r"(\$esc[0-9]*\$)(.*?)\1", re.DOTALL)
OPERATORS = ("=", "<>", "<", ">", "<=", ">=", "->", "->>", "#>", "#>>", "#-", "||", "?", "@>",
             "+", "-", "*", "~", "!~")
PLANT = r"""
do $plant$
declare
    r record;
    v_variant text;
    v_n integer := 0;
begin
    for r in
        select p.proname, pg_get_function_identity_arguments(p.oid) as args,
               pg_get_function_result(p.oid) as result
          from pg_proc p
         where p.pronamespace = 'pg_catalog'::regnamespace and p.prokind = 'f'
           and p.proname = any ({functions}::text[])
    loop
        -- the same signature (wins when public comes first), and variants that match better
        foreach v_variant in array array[r.args, 'text', 'integer', 'bigint', 'jsonb',
                                          'text, integer', 'text, text', 'jsonb, text',
                                          'text, bigint', 'unknown']
        loop
            begin
                execute format('create function public.%I(%s) returns %s language plpgsql '
                               'as %L', r.proname, v_variant, r.result,
                               format('begin raise exception %L; end',
                                      'hijacked ' || r.proname || '(' || v_variant || ')'));
                v_n := v_n + 1;
            exception when others then
                null;
            end;
        end loop;
    end loop;
    for r in
        select o.oprname, o.oprleft::regtype::text as l, o.oprright::regtype::text as r,
               o.oprresult::regtype::text as result
          from pg_operator o
         where o.oprnamespace = 'pg_catalog'::regnamespace and o.oprname = any ({operators}::text[])
           and o.oprleft <> 0 and o.oprright <> 0
           and o.oprleft::regtype::text !~ '^any' and o.oprright::regtype::text !~ '^any'
    loop
        begin
            execute format('create function public.hijack_op_%s(%s, %s) returns %s '
                           'language plpgsql as %L', v_n, r.l, r.r, r.result,
                           format('begin raise exception %L; end',
                                  'hijacked operator ' || r.oprname));
            execute format('create operator public.%s (leftarg = %s, rightarg = %s, '
                           'function = public.hijack_op_%s)', r.oprname, r.l, r.r, v_n);
            v_n := v_n + 1;
        exception when others then
            null;
        end;
    end loop;
end
$plant$;
"""


def called_names(sql: str) -> set[str]:
    """Names called as functions in SQL text and in every function body inside it: from
    sqlglot's trees where a statement parses, and from its tokens (`name (`) everywhere else
    (PL/pgSQL bodies are not SQL sqlglot can parse whole)."""
    names: set[str] = set()
    texts = [sql, *(m.group(2) for m in BODY.finditer(sql))]
    for text in texts:
        try:
            trees = sqlglot.parse(text, read="postgres")
        except sqlglot.errors.SqlglotError:
            trees = []
        for tree in trees:
            for node in tree.walk() if tree is not None else ():
                if isinstance(node, exp.Anonymous):
                    names.add(node.name.lower())
                elif isinstance(node, exp.Func):
                    names.add(node.sql_name().lower())
        try:
            tokens = Tokenizer(dialect="postgres").tokenize(text)
        except sqlglot.errors.SqlglotError:
            continue
        for before, token, after in zip([None, *tokens], tokens, [*tokens[1:], None]):
            if (after is not None and after.token_type == TokenType.L_PAREN
                    and (before is None or before.token_type != TokenType.DOT)):
                names.add(token.text.lower())
    return names


@pytest.fixture
def shop_files(shop_project: Project, tmp_path: Path) -> dict[str, Any]:
    migration = plan_events(shop_project, (), None, Report())
    purge = plan_purge(shop_project, Report())
    assert migration is not None and purge is not None
    store = render(shop_project)
    purge_file = tmp_path / "purge.sql"
    purge_file.write_text(purge.file("subject-1", allow_no_match=True))
    events_file = tmp_path / "events.sql"
    events_file.write_text(migration.file())
    return {"store": store, "migration": migration, "purge": purge, "purge_file": purge_file,
            "events_file": events_file}


def _victim(admin: str) -> str:
    """A superuser (as whoever applies migrations often is) with public first in its path."""
    name = "victim_" + uuid.uuid4().hex[:8]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"create role {name} login superuser")
        conn.execute(f"alter role {name} set search_path = public, pg_catalog")
        conn.execute("grant create on schema public to public")
    conninfo = psycopg.conninfo.conninfo_to_dict(admin)
    conninfo["user"] = name
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in conninfo.items()})


def test_no_planted_overload_fires(pg_dsn: str, shop_project: Project, shop_files: dict[str, Any],
                                   tmp_path: Path) -> None:
    sql = "\n".join([*shop_files["store"].values(), shop_files["purge_file"].read_text(),
                     shop_files["events_file"].read_text()])
    functions = sorted(called_names(sql))
    with psycopg.connect(pg_dsn) as conn:
        builtins = {row[0] for row in conn.execute(
            "select distinct proname from pg_proc where pronamespace = "
            "'pg_catalog'::regnamespace and proname = any(%s)", (functions,))}
    # the calls the issue names, and a sample of the rest: the search finds what is called
    assert {"to_json", "format", "hashtextextended", "jsonb_set", "now", "coalesce" if False
            else "jsonb_build_object", "pg_current_xact_id", "set_config", "gen_random_uuid",
            "jsonb_typeof", "pg_advisory_lock", "sha256"} <= builtins, builtins
    victim = _victim(pg_dsn)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(PIN_SEARCH_PATH)  # the planting calls format(), which it plants too
        conn.execute(PLANT.replace("{functions}", text_array(sorted(builtins)))
                     .replace("{operators}", text_array(OPERATORS)))
        planted = conn.execute("select count(*) from pg_proc where pronamespace = "
                               "'public'::regnamespace").fetchone()
    assert planted is not None and planted[0] > 3 * len(builtins)
    with psycopg.connect(victim, autocommit=True) as conn:  # the plants work on unpinned SQL
        for probe in ("select to_json('x'::text)", "select 'a'::text = 'a'::text",
                      "select hashtextextended('x', 0)", "select now()"):
            with pytest.raises(psycopg.errors.RaiseException, match="hijacked"):
                conn.execute(probe)

    for name in sorted(shop_files["store"]):
        path = tmp_path / name
        path.write_text(shop_files["store"][name])
        apply_file(victim, path, check_function_bodies=True)
    with psycopg.connect(pg_dsn) as conn:
        shop_history.load(conn, shop_history.history(seed=11, customers=6))
    run_everything(victim, shop_project, shop_files)


def run_everything(dsn: str, project: Project, files: dict[str, Any]) -> None:
    order = str(uuid.UUID(int=random.Random(5).getrandbits(128)))
    stream = f"Order-{order}"
    placed = event("OrderPlaced", 2, {"orderId": order, "customerId": order,
                                       "totalAmount": "12.50", "currency": "EUR"})
    with psycopg.connect(dsn, autocommit=True) as conn:
        append(conn, stream, NO_STREAM, [placed])
        append(conn, stream, NO_STREAM, [placed])  # a retried batch
        with pytest.raises(psycopg.Error) as conflict:
            append(conn, stream, 0, [event("OrderShipped", 1, {"orderId": order})])
        assert conflict.value.diag.sqlstate == "ESVER"
        with pytest.raises(psycopg.Error) as unknown:
            append(conn, stream, 1, [event("Nope", 1, {})])
        assert unknown.value.diag.sqlstate == "ESREG"
        with pytest.raises(psycopg.Error) as bad:
            append(conn, stream, 1, [{"event_type": 1}])
        assert bad.value.diag.sqlstate == "ESARG"
        conn.execute("select es.stream_version(%s)", (stream,))
        conn.execute("select * from es.read_stream(%s)", (stream,)).fetchall()
        conn.execute("select * from es.read_all('0', 0, 100, array['OrderPlaced'], 'Order-')"
                     ).fetchall()
        conn.execute("select es.save_snapshot(%s, 1, 1, '{}')", (stream,))
        conn.execute("select * from es.load_snapshot(%s, 1)", (stream,)).fetchall()
        conn.execute("select * from es.events_latest").fetchall()
        conn.execute("select es.upcast(e.event_type, e.event_version, e.data) from es.events e"
                     ).fetchall()
        for projection in project.projections:
            names = ProjectionNames.of(projection.name)
            fn = {kind: ident("es", names.function(kind)) for kind in
                  ("catch_up", "apply", "begin_rebuild", "rebuild_step", "finish_rebuild")}
            conn.execute(f"select {fn['catch_up']}()")
            conn.execute(f"select {fn['apply']}(e) from es.events e")
            conn.execute(f"select {fn['begin_rebuild']}()")
            conn.execute(f"select {fn['rebuild_step']}()")
            conn.execute(f"select {fn['finish_rebuild']}()")
    migration = files["migration"]
    assert runner.dry_run(dsn, migration)
    runner.run(dsn, migration, batch_size=50, swap=False)
    assert all(ok for _, ok, _ in runner.verify(dsn, migration))
    runner.run(dsn, migration, batch_size=50)
    runner.rollback(dsn, migration)
    runner.purge(dsn, files["purge"], "subject-1", allow_no_match=True)
    apply_file(dsn, files["purge_file"], check_function_bodies=True)
