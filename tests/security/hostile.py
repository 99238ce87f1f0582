"""A project whose every string-valued slot that reaches SQL holds a given text, written,
generated and migrated with the real commands and applied with the real `psql -f`."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from escodegen.cli import cli
from tests.migrate.conftest import psql

SLOTS = ("upsert", "update", "where", "enum_first", "enum_other", "add", "default",
         "map_key", "map_value", "map_else", "split_separator", "join_separator", "description")
"""Every string-valued slot of the language that reaches generated SQL. The `where` value is
also the subject id the purge is run for (the row the update finds). A `$meta.<key>` key is a
name, refused unless an identifier (tests/test_name_slots.py), so it is META_KEY here."""

META_KEY = "source_system"


@dataclass(frozen=True)
class Hostile:
    values: dict[str, str]
    """By slot, the text put there (each starts with a letter: a projection value starting
    with `$` is a reference, which the checker resolves, not a constant)."""

    def __getitem__(self, slot: str) -> str:
        return self.values[slot]


def declarations(h: Hostile, with_note: bool = True) -> dict[str, Any]:
    """Two events and a projection using every slot; `with_note` false is the published shape
    the projection migration starts from (without the `note` column)."""
    enum = {"type": "enum", "values": [h["enum_first"], h["enum_other"]], "pii": True}
    columns = {"thingId": "string", "status": "string", "meta": "string?", "kind": "string?"}
    upsert = {"thingId": "$.thingId", "status": h["upsert"], "meta": "$meta." + META_KEY,
              "kind": "$.kind"}
    if with_note:
        columns["note"] = "string?"
        upsert["note"] = h["upsert"]
    return {
        "events": {
            "ThingHappened": {
                "description": h["description"],
                "subject": "thingId",
                "versions": {
                    1: {"fields": {"thingId": "string", "name": "string", "parts": "string",
                                   "kind": enum, "a": "string?"}},
                    2: {"description": h["description"],
                        "upcast": [
                            {"add": {"field": "added", "value": h["add"]}},
                            {"default": {"field": "a", "value": h["default"]}},
                            {"map": {"field": "name", "values": {h["map_key"]: h["map_value"]},
                                     "else": h["map_else"]}},
                            {"split": {"from": "parts", "into": ["p1", "p2"],
                                       "separator": h["split_separator"]}},
                            {"join": {"from": ["p1", "p2"], "into": "joined",
                                      "separator": h["join_separator"]}},
                        ],
                        "fields": {"thingId": "string", "name": "string", "kind": enum,
                                   "a": "string", "added": "string", "joined": "string"}},
                },
            },
            "ThingRenamed": {"versions": {1: {"fields": {"thingId": "string"}}}},
        },
        "projections": {
            "things": {
                "description": h["description"],
                "key": ["thingId"],
                "columns": columns,
                "on": {
                    "ThingHappened": {"upsert": upsert},
                    "ThingRenamed": {"update": {"status": h["update"]},
                                     "where": {"thingId": h["where"]}},
                },
            },
        },
    }


def write_project(folder: Path, h: Hostile, with_note: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "escodegen.yaml").write_text(yaml.safe_dump({
        "escodegen": 1, "name": "hostile", "sources": ["declarations.yaml"],
        "registry": "registry", "postgres": {"out": "sql", "schema": "es"}}))
    data = declarations(h, with_note)
    # non-ASCII escaped: PyYAML writes U+0085 raw into a quoted scalar, where it reads a break
    text = yaml.safe_dump(data)
    assert yaml.safe_load(text) == data, "the YAML holds exactly the values"
    (folder / "declarations.yaml").write_text(text, encoding="utf-8")
    return folder


def escodegen(project: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["-C", str(project), *args])
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.output


def apply_file(dsn: str, path: Path, check_function_bodies: bool, user: str | None = None,
               one_transaction: bool = False) -> None:
    """The real `psql -X -v ON_ERROR_STOP=1 -f`, as a user runs it."""
    env = dict(os.environ)
    env["PGOPTIONS"] = f"-c check_function_bodies={'on' if check_function_bodies else 'off'}"
    if user is not None:
        env["PGUSER"] = user
    command = [psql(), "-X", "-q", "-v", "ON_ERROR_STOP=1", *(["-1"] if one_transaction else []),
               "-f", str(path), dsn]
    result = subprocess.run(command, check=False, capture_output=True, text=True, env=env)
    assert result.returncode == 0, (path.name, result.stderr[-2000:])


def build_and_apply(root: Path, dsn: str, h: Hostile, check_function_bodies: bool,
                    events: list[tuple[str, list[dict[str, Any]]]],
                    append: Any) -> None:
    """Generate the published shape and apply it, append `events` (stream, batch) with
    `append(stream, batch)`, then bring the database to the declared shape with the files of
    `generate`, `migrate projections`, `migrate events` and `migrate purge`, each applied with
    psql."""
    base = write_project(root / "base", h, with_note=False)
    final = write_project(root / "project", h)
    escodegen(base, "generate")
    for path in sorted((base / "sql").glob("*.sql")):
        apply_file(dsn, path, check_function_bodies)
    for stream, batch in events:
        append(stream, batch)
    escodegen(final, "generate")
    escodegen(final, "migrate", "projections", "--out", str(root / "migrations"),
              "--against", str(base))
    for path in sorted((root / "migrations").glob("*.sql")):
        apply_file(dsn, path, check_function_bodies, one_transaction=True)
    for path in sorted((final / "sql").glob("*.sql")):
        apply_file(dsn, path, check_function_bodies)
    escodegen(final, "migrate", "events", "--out", str(root / "events.sql"))
    apply_file(dsn, root / "events.sql", check_function_bodies)
    escodegen(final, "migrate", "purge", "--subject", h["where"], "--out",
              str(root / "purge.sql"))
    apply_file(dsn, root / "purge.sql", check_function_bodies)
