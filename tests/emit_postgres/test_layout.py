"""Generated SQL a reviewer can read: one keyword case (lowercase), no line longer than
`LONGEST` but where it cannot be helped, long upcast expressions pretty-printed only where
sqlglot reads the layout back as the same expression, and the files still apply.

Checked over the committed output of examples/shop (CI checks that it is current) and over a
richer project: the shop with every upcast operation of tests/upcast/ops_catalog.py; and with
values a layout must never change (`QUOTING`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlglot
from sqlglot.dialects.postgres import Postgres
from sqlglot.tokens import Token, TokenType

from devtools.postgres import apply
from escodegen.emit.migrate import template
from escodegen.emit.migrate.archive import ArchiveSql
from escodegen.emit.postgres import render
from escodegen.emit.postgres.validation import validation_sql
from escodegen.model import Event, EventVersion, Project
from escodegen.model.ops import Add, Custom, Map
from escodegen.sqltext import ident, literal
from escodegen.upcast import sql_upcasters
from escodegen.upcast.sql_layout import layout, lowercase_keywords
from escodegen.upcast.sql_module import RETURN
from escodegen.upcast.table import operation
from tests.upcast.ops_catalog import EVENTS

SHOP_SQL = Path(__file__).resolve().parents[2] / "examples" / "shop" / "generated" / "sql"

LONGEST = 120
"""The longest line a generated file may have, but for the exceptions below."""

QUOTED = {TokenType.STRING, TokenType.IDENTIFIER, TokenType.NATIONAL_STRING,
          TokenType.BIT_STRING, TokenType.HEX_STRING, TokenType.BYTE_STRING,
          TokenType.RAW_STRING, TokenType.NATIONAL_RAW_STRING, TokenType.UNICODE_STRING}

QUOTING = Event("Quoting", (
    EventVersion(1, ()),
    EventVersion(2, (), upcast=(
        Map(("k",), (("A'\n  B", "line\n  two"),), True, "ELSE 'x'"),
        Add(("CASE WHEN",), "SELECT 1; -- \n$$ END"),
        Custom("json:loads", "jsonb_set(data, '{A}', (jsonb_object(ARRAY['s'], "
                             "ARRAY[upper(data ->> 'A')]) -> 's'))"),
    )),
))
"""Values that sqlglot's layout would re-indent (a line break in a literal), and SQL words in
literals and names, which the lowercasing must leave alone."""


@pytest.fixture(scope="module")
def rich_sql(shop_project: Project) -> dict[str, str]:
    return render(dataclasses.replace(shop_project, events=(*shop_project.events, *EVENTS)))


def generated(rich_sql: dict[str, str]) -> Iterator[tuple[str, str]]:
    """Every generated SQL file: the shop's, the richer project's, and the fixed runtime SQL
    that `migrate` writes or runs (templates/migrate/runtime)."""
    for path in sorted(SHOP_SQL.glob("*.sql")):
        yield f"shop/{path.name}", path.read_text(encoding="utf-8")
    for name, text in sorted(rich_sql.items()):
        yield f"rich/{name}", text
    yield "migrate/archive.sql", ArchiveSql("es").definitions()
    yield "migrate/exchange.sql", template("runtime/exchange.sql").render(
        s=ident("es"), s_name=literal("es"))


def tokens(sql: str) -> Iterator[tuple[Token, str]]:
    """Every token with its text as written, those of dollar-quoted bodies (plpgsql, SQL) too."""
    for token in Postgres.Tokenizer().tokenize(sql):
        if token.token_type == TokenType.HEREDOC_STRING:
            yield from tokens(token.text)
        else:
            yield token, sql[token.start:token.end + 1]


def test_no_keyword_is_uppercase(rich_sql: dict[str, str]) -> None:
    """Not a keyword, and not an unquoted name either (PostgreSQL folds those to lowercase)."""
    for name, text in generated(rich_sql):
        upper = [written for token, written in tokens(text)
                 if token.token_type not in QUOTED and written != written.lower()]
        assert not upper, (name, sorted(set(upper)))


def test_the_lowercasing_never_touches_what_is_quoted() -> None:
    sql = "SELECT 'A''B', \"Col\", $Q$ SELECT $Q$, E'\\N', x::JSONB IS NOT NULL -- KEEP"
    assert lowercase_keywords(sql) == (
        "select 'A''B', \"Col\", $Q$ SELECT $Q$, E'\\N', x::jsonb is not null -- KEEP")


def _without_literals(sql: str) -> str:
    """`sql` with every string literal (outside dollar-quoted bodies) written as `''`."""
    parts: list[str] = []
    done = 0
    for token in Postgres.Tokenizer().tokenize(sql):
        if token.token_type == TokenType.STRING:
            parts += [sql[done:token.start], "''"]
            done = token.end + 1
    return "".join([*parts, sql[done:]])


def test_no_line_is_longer_than_the_limit(rich_sql: dict[str, str]) -> None:
    """A line may be longer only by a string literal: the registry's rows hold each canonical
    JSON Schema as one literal, and cutting a value into concatenated pieces would make a
    reviewer put it back together to read it."""
    for name, text in generated(rich_sql):
        long = [line for line in _without_literals(text).splitlines() if len(line) > LONGEST]
        assert not long, (name, long)


def test_the_validators_layout_changes_whitespace_only(shop_project: Project) -> None:
    """Laid out by hand (sqlglot's layout would take most of a large project's generate, and
    rewrites `mod()` as `%`, which drivers read as a placeholder): the same tokens as on one
    line, and lines that were too long are broken."""
    events = (*shop_project.events, *EVENTS)
    laid_out, one_line = validation_sql(events, "es"), validation_sql(events, "es", False)
    pairs = [*zip([f.body for f in laid_out.functions], [f.body for f in one_line.functions],
                  strict=True),
             *zip([f.problem for f in laid_out.items], [f.problem for f in one_line.items],
                  strict=True)]
    for text, line in pairs:
        assert "\n" not in line
        assert [(t.token_type, w) for t, w in tokens(text)] == [
            (t.token_type, w) for t, w in tokens(line)]
    assert sum("\n" in text for text, _ in pairs) >= len(pairs) // 2


def catalog_expressions() -> Iterator[str]:
    for event in (*EVENTS, QUOTING):
        for version in event.versions:
            for op in version.upcast:
                yield operation(op).sql(op, "data")


def test_the_long_upcast_expressions_are_laid_out() -> None:
    """Every long expression of the catalog is on several lines, and none of its lines is long;
    one stays on one line only for a literal holding a line break."""
    laid_out = 0
    for one_line in catalog_expressions():
        text = layout(one_line, RETURN)
        if text.count("\n") > one_line.count("\n"):
            laid_out += 1
            assert max(map(len, text.splitlines())) <= LONGEST, text
        elif RETURN + len(text) > LONGEST:
            assert any("\n" in written for token, written in tokens(one_line)
                       if token.token_type in QUOTED), text
    assert laid_out >= 10


def test_a_layout_parses_to_the_same_tree_and_keeps_every_quoted_token() -> None:
    for one_line in catalog_expressions():
        text = layout(one_line, RETURN)
        assert sqlglot.parse_one(text, read="postgres") == sqlglot.parse_one(
            one_line, read="postgres"), (one_line, text)
        assert sorted(w for t, w in tokens(text) if t.token_type in QUOTED) == sorted(
            w for t, w in tokens(one_line) if t.token_type in QUOTED)


def test_a_literal_holding_a_line_break_is_kept_exactly() -> None:
    map_op = QUOTING.versions[1].upcast[0]
    one_line = operation(map_op).sql(map_op, "data")
    text = layout(one_line, RETURN)
    assert RETURN + len(one_line) > LONGEST and "\n    when" in text
    assert "'A''\n  B'" in text and "'\"line\\n  two\"'" in text  # JSON's escape in jsonb


@pytest.mark.parametrize("inner", [
    "to_char((data ->> 'n')::numeric, '99D9')",  # sqlglot rewrites the format: same tree
    "(data ->> 'at')::timestamptz + interval '1 day'",  # and the interval: same tree
    "(array[1, 2])[1]",  # sqlglot shifts the subscript to its own base: another tree
])
def test_a_layout_that_changes_anything_but_whitespace_is_refused(inner: str) -> None:
    one_line = (f"jsonb_set(data, '{{\"value\"}}', to_jsonb({inner}) || "
                f"jsonb_build_object('padding', (data ->> '{'p' * 60}')))")
    assert layout(one_line, RETURN) == lowercase_keywords(one_line)
    assert inner in lowercase_keywords(one_line)


def test_the_files_apply_to_postgresql(pg_dsn: str, rich_sql: dict[str, str]) -> None:
    shop = {path.name: path.read_text(encoding="utf-8") for path in SHOP_SQL.glob("*.sql")}
    apply(pg_dsn, shop)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("drop schema es cascade")
    apply(pg_dsn, rich_sql)
    apply(pg_dsn, rich_sql)  # and again: every file is idempotent
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("create schema quoting")
        conn.execute(sql_upcasters([QUOTING], "quoting").encode())
        quoting = conn.execute(
            "select quoting.upcast('Quoting', 1, %s::jsonb)",
            ('{"k": "A\'\\n  B", "A": "x"}',)).fetchone()
    assert quoting is not None
    assert quoting[0] == {"k": "line\n  two", "CASE WHEN": "SELECT 1; -- \n$$ END", "A": "X"}
