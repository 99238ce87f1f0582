"""`escodegen verify-upcasters` on a user's project with custom operations, on a real database."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from escodegen.cli import cli

PROJECT = """escodegen: 1
name: legacy
sources: [events]
registry: registry
"""

EVENTS = """events:
  NoteTaken:
    versions:
      1:
        fields: {{noteId: uuid, text: string}}
      2:
        upcast:
          - custom:
              python: "legacy_upcasts:{function}"
              sql: "{sql}"
          - add: {{field: source, value: legacy}}
        fields: {{noteId: uuid, text: string, source: string}}
"""

UPCASTS = '''"""Hand-written custom upcasts of the test project."""
from typing import Any


def mark(data: dict[str, Any]) -> dict[str, Any]:
    data["marked"] = True
    return data


def shout(data: dict[str, Any]) -> dict[str, Any]:
    if isinstance(data.get("text"), str):
        data["text"] = data["text"].upper()
    return data
'''

AGREEING = "jsonb_set(data, '{marked}', 'true'::jsonb)"
# Python's str.upper knows every alphabet; PostgreSQL's upper() under the C collation only ASCII.
DISAGREEING = ("CASE WHEN jsonb_typeof(data -> 'text') = 'string' THEN jsonb_set(data, '{text}', "
               "jsonb_object(ARRAY['t'], ARRAY[upper((data ->> 'text') COLLATE \\\"C\\\")]) -> 't') "
               "ELSE data END")


def make_project(root: Path, function: str, sql: str) -> Path:
    (root / "events").mkdir(parents=True)
    (root / "escodegen.yaml").write_text(PROJECT)
    (root / "events" / "notes.yaml").write_text(EVENTS.format(function=function, sql=sql))
    (root / "legacy_upcasts.py").write_text(UPCASTS)
    return root


def run(root: Path, dsn: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["-C", str(root), "verify-upcasters", "--dsn", dsn,
                                      "--examples", "100"])
    return result.exit_code, result.stdout, result.stderr


def test_agreeing_custom_operations_pass(tmp_path: Path, pg_dsn: str) -> None:
    code, out, err = run(make_project(tmp_path / "ok", "mark", AGREEING), pg_dsn)
    assert code == 0, err
    assert "agree on 1 stored version of 1 event types" in out


def test_a_disagreement_is_reported_with_its_payload(tmp_path: Path, pg_dsn: str) -> None:
    code, _, err = run(make_project(tmp_path / "bad", "shout", DISAGREEING), pg_dsn)
    assert code == 1
    assert "counter-example: NoteTaken stored at v1: payload" in err
    assert "python upcaster gives" in err and "sql upcaster gives" in err


def test_a_broken_dsn_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    root = make_project(tmp_path / "ok", "mark", AGREEING)
    code, _, err = run(root, "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert code == 1
    assert err.startswith("error: PostgreSQL") and "Traceback" not in err


def test_an_unknown_event_or_a_zero_example_count_is_a_usage_error(tmp_path: Path) -> None:
    root = make_project(tmp_path / "ok", "mark", AGREEING)
    unused = "postgresql://nobody@127.0.0.1:1/none"  # refused before any connection
    unknown = CliRunner().invoke(cli, ["-C", str(root), "verify-upcasters", "--dsn", unused,
                                       "--event", "NoteTakn"])
    assert unknown.exit_code == 2
    assert "no event type NoteTakn in legacy" in unknown.stderr
    zero = CliRunner().invoke(cli, ["-C", str(root), "verify-upcasters", "--dsn", unused,
                                    "--examples", "0"])
    assert zero.exit_code == 2 and "--examples" in zero.stderr


def test_a_function_of_the_users_schema_is_checked_in_the_database(tmp_path: Path,
                                                                   pg_dsn: str) -> None:
    """The check stage knows the built-ins only; with --dsn, pg_proc says whether the user's
    own function is immutable (here it is volatile: it could change the database)."""
    import psycopg

    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("create schema mine")
        conn.execute("create function mine.stamp(d jsonb) returns jsonb language sql volatile "
                     "return d")
        conn.execute("create function mine.same(d jsonb) returns jsonb language sql immutable "
                     "return d")
    volatile = run(make_project(tmp_path / "v", "mark", "mine.stamp(data)"), pg_dsn)
    assert volatile[0] == 1 and "ES316" in volatile[2] and "mine.stamp()" in volatile[2]
    assert "notes.yaml:10:" in volatile[2], "the position of the `sql:` value"
    missing = run(make_project(tmp_path / "m", "mark", "mine.nothing(data)"), pg_dsn)
    assert missing[0] == 1 and "does not exist" in missing[2]
    immutable = run(make_project(tmp_path / "i", "mark",
                                 "jsonb_set(mine.same(data), '{marked}', 'true'::jsonb)"), pg_dsn)
    assert immutable[0] == 0, immutable[2]
