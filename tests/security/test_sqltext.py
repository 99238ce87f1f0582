"""escodegen/sqltext.py, the one quoting module, and the rule that nothing bypasses it."""

from __future__ import annotations

import ast
import re

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from escodegen.sqltext import SqlTextError, comment, function_body, ident, jsonb, literal
from tests.conftest import ROOT

SQL_TEMPLATES = sorted((ROOT / "templates").glob("*/*.sql.j2"))
FIXED_SQL = sorted((ROOT / "templates").glob("*/runtime/*.sql"))
"""Fixed SQL, the same in every project: rendered with only the schema."""
SQL_TEMPLATES += FIXED_SQL
DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$")


def test_no_template_writes_a_dollar_quote_by_hand() -> None:
    """Bodies come from the `body` filter, whose tag is chosen against the body's text."""
    assert SQL_TEMPLATES
    for path in SQL_TEMPLATES:
        text = path.read_text()
        assert not DOLLAR_TAG.search(text), (path.name, DOLLAR_TAG.search(text))


def test_fixed_sql_pins_the_search_path_first() -> None:
    assert FIXED_SQL
    for path in FIXED_SQL:
        text = re.sub(r"\{#.*?#\}\s*", "", path.read_text(), flags=re.DOTALL)
        assert text.startswith("{{ pin_search_path }}\n"), path.name


def test_no_template_puts_a_value_inside_quotes_by_hand() -> None:
    for path in SQL_TEMPLATES:
        assert not re.search(r"""['"]\{\{""", path.read_text()), path.name


def test_every_generated_function_pins_its_search_path() -> None:
    """Each `create ... function` header up to its body holds the clause (procedures cannot,
    and say why). A SQL-standard body (`return ...`: upcasters, payload validators) is bound
    at creation instead, so it stays inlinable: its file pins the search path before it."""
    for path in SQL_TEMPLATES:
        text = path.read_text()
        for match in re.finditer(r"create or replace function .*?\b(as|return)\b", text,
                                 re.DOTALL):
            if match.group(1) == "as":
                assert "{{ search_path }}" in match.group(0), (path.name, match.group(0)[:80])
            elif path.name == "upcasters.sql.j2" and path.parent.name == "upcast":
                # a fragment: templates/postgres/upcasters.sql.j2 pins before including it
                including = (path.parent.parent / "postgres" / path.name).read_text()
                assert including.index("{{ pin_search_path }}") < including.index(
                    "{{ upcasters }}")
            else:
                assert "{{ pin_search_path }}" in text[:match.start()], path.name


def _quoting_by_formatting(source: str) -> list[int]:
    """Lines of f-strings that put a value right after a quote (`f"'{x}'"`), outside messages
    (calls of error, warning and exceptions), and lines doubling quotes or writing `$$`."""
    tree = ast.parse(source)
    messages = {id(node) for call in ast.walk(tree) if isinstance(call, ast.Call)
                and getattr(call.func, "attr", getattr(call.func, "id", "")).endswith(
                    ("error", "warning", "Error"))
                for node in ast.walk(call)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and id(node) not in messages:
            for before, after in zip(node.values, node.values[1:]):
                if (isinstance(before, ast.Constant) and isinstance(after, ast.FormattedValue)
                        and str(before.value).endswith(("'", '"'))):
                    found.append(node.lineno)
    found += [n for n, line in enumerate(source.splitlines(), 1)
              if re.search(r"""replace\("'", "''"\)|\$\$""", line)]
    return found


def test_no_module_but_sqltext_quotes_sql() -> None:
    package = ROOT / "escodegen"
    writing_sql = [*(package / "emit" / "postgres").glob("*.py"),
                   *(package / "emit" / "migrate").glob("*.py"),
                   *(package / "upcast").rglob("*.py")]
    assert len(writing_sql) > 20
    for path in writing_sql:
        lines = _quoting_by_formatting(path.read_text())
        assert not lines, f"{path.relative_to(ROOT)}: lines {lines}"


def _psycopg_composition(source: str) -> list[int]:
    """Lines importing psycopg's own SQL composition (`psycopg.sql`: Identifier, Literal): a
    second way to quote, beside sqltext."""
    def composes(node: ast.AST) -> bool:
        if isinstance(node, ast.ImportFrom):
            return node.module == "psycopg.sql" or (
                node.module == "psycopg" and any(a.name == "sql" for a in node.names))
        if isinstance(node, ast.Import):
            return any(a.name == "psycopg.sql" for a in node.names)
        return (isinstance(node, ast.Attribute) and node.attr == "sql"
                and isinstance(node.value, ast.Name) and node.value.id == "psycopg")

    return sorted(node.lineno for node in ast.walk(ast.parse(source)) if composes(node))


def test_the_database_layer_quotes_through_sqltext_only() -> None:
    """escodegen/db runs fixed queries naming the user's schema: the names go through
    sqltext.ident like every other, never through psycopg.sql, and nothing quotes by hand."""
    modules = sorted((ROOT / "escodegen").rglob("*.py"))
    assert len([m for m in modules if m.parent.name == "db"]) > 5
    for path in modules:
        lines = _psycopg_composition(path.read_text())
        assert not lines, f"{path.relative_to(ROOT)}: lines {lines} use psycopg.sql"
    for path in sorted((ROOT / "escodegen" / "db").glob("*.py")):
        lines = _quoting_by_formatting(path.read_text())
        assert not lines, f"{path.relative_to(ROOT)}: lines {lines}"


def test_the_composition_check_sees_psycopg_sql() -> None:
    assert _psycopg_composition("from psycopg import sql\n") == [1]
    assert _psycopg_composition("from psycopg import rows, sql\n") == [1]
    assert _psycopg_composition("import psycopg.sql\n") == [1]
    assert _psycopg_composition("import psycopg\nq = psycopg.sql.Identifier('s')\n") == [2]
    assert _psycopg_composition("from psycopg.sql import Identifier\n") == [1]
    assert _psycopg_composition("from psycopg.rows import dict_row\n") == []


def test_the_quoting_check_sees_quoting_by_formatting() -> None:
    assert _quoting_by_formatting("x = f\"select '{value}'\"\n") == [1]
    assert _quoting_by_formatting("report.error('E', f\"name '{n}'\")\n") == []


text_without_nul = st.text().filter(lambda t: "\x00" not in t)


@given(text_without_nul)
def test_a_body_never_contains_its_tag(text: str) -> None:
    quoted = function_body(text)
    tag = quoted[:quoted.index("$", 1) + 1]
    assert quoted == tag + text + tag
    assert (text + tag).find(tag) == len(text)


def test_the_tag_steps_past_the_tags_a_body_holds() -> None:
    assert function_body("a $$ b") == "$esc$a $$ b$esc$"
    assert function_body("a $esc$ b") == "$esc1$a $esc$ b$esc1$"
    assert function_body("x$es") == "$esc$x$es$esc$"
    assert function_body("x $esc$ $esc1$ $esc2") == "$esc3$x $esc$ $esc1$ $esc2$esc3$"


def test_comment_text_stays_on_its_line_and_shows_what_it_says() -> None:
    text = "a\nb\r\x1b[2J\u2028\u2029\u202e\u2066\u200f\x85*/ /*-- é"
    safe = comment(text)
    assert safe == ("a\\u000ab\\u000d\\u001b[2J\\u2028\\u2029\\u202e\\u2066\\u200f\\u0085"
                    "* / / *-- é")
    assert safe.isprintable()


def test_nul_is_refused() -> None:
    for quote in (literal, ident, function_body):
        with pytest.raises(SqlTextError):
            quote("a\x00b")


@given(text_without_nul)
def test_literals_identifiers_and_bodies_read_back_unchanged(pg_server: str, text: str) -> None:
    with psycopg.connect(pg_server) as conn:
        row = conn.execute(f"select {literal(text)}, {function_body(text)}::text, "
                           f"{jsonb(text)} #>> '{{}}', 1 as {ident('c' + text)}").fetchone()
        assert row == (text, text, text, 1)
        assert conn.execute(f"select ({jsonb([text])}) ->> 0").fetchone() == (text,)
