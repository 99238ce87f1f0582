"""Every type kind of the one table (escodegen/model/types.py) is handled by every target: a
project with a field of each kind goes through the meta-schema, the canonical JSON Schema,
both Python model modes, the PostgreSQL target (applied to a real database), the exports, the
purge and the projection migration."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml

from devtools.postgres import apply, fresh_database
from escodegen.analyse.schema import type_schema
from escodegen.analyse.shapes import flatten, kind_of, projection_schema
from escodegen.check import compile_project
from escodegen.diagnostics import Report
from escodegen.emit import asyncapi, eventcatalog
from escodegen.emit import postgres as postgres_target
from escodegen.emit.migrate.projections import compare_projection
from escodegen.emit.migrate.purge import plan_purge
from escodegen.emit.postgres.sqltext import column_type
from escodegen.emit.python import render as render_python
from escodegen.model import FieldType, Project
from escodegen.model.types import (
    KINDS,
    SHORT_FORM_KINDS,
    TYPES,
    ModelMode,
    TypeKind,
)
from escodegen.sqltext import jsonb, literal, text_array, typed

ROOT = Path(__file__).resolve().parent.parent
_COLUMN_KINDS = [k for k in KINDS if k not in ("object", "array", "map", "union", "tuple")]  # ES101: columns hold scalars


def _long_form(kind: TypeKind) -> dict[str, Any]:
    parts: dict[str, dict[str, Any]] = {"object": {"fields": {"x": "string"}},
                                        "array": {"items": "integer"},
                                        "enum": {"values": ["a", "b"]},
                                        "map": {"values": "integer"},
                                        "union": {"variants": ["string", "integer"]},
                                        "tuple": {"items": ["string", "integer"],
                                                  "rest": "boolean"}}
    return {"type": kind, **parts.get(kind, {})}


def _declarations(columns: list[TypeKind]) -> dict[str, Any]:
    fields: dict[str, Any] = {"id": "uuid"}
    for kind in KINDS:
        fields[f"f_{kind}"] = {**_long_form(kind), "pii": True}
        fields[f"o_{kind}"] = {**_long_form(kind), "required": False}
    return {
        "events": {"Everything": {"aggregate": "Thing", "subject": "id",
                                  "versions": {1: {"fields": fields}}},
                   # A second version somewhere: the events_latest view of a project without
                   # one is not valid SQL (`case else ... end`), reported apart.
                   "Renamed": {"versions": {1: {"fields": {"id": "uuid"}},
                                            2: {"fields": {"id": "uuid", "note": "string?"}}}}},
        "aggregates": {"Thing": {
            "id": {"field": "id", "type": "uuid"}, "stream": "Thing-{id}",
            "events": ["Everything"], "snapshot": {"every": 10},
            "state": {"version": 1, "fields": {f"s_{k}": _long_form(k) for k in KINDS}}}},
        "projections": {"things": {
            "key": ["id"],
            "columns": {"id": "uuid", **{f"c_{k}": _long_form(k) for k in columns}},
            "on": {"Everything": {"upsert": {"id": "$.id",
                                             **{f"c_{k}": f"$.f_{k}" for k in columns}}}}}},
    }


def _project(folder: Path, models: ModelMode = "dataclasses",
             columns: list[TypeKind] = _COLUMN_KINDS) -> Project:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "escodegen.yaml").write_text(
        "escodegen: 1\nname: kinds\nsources: [kinds.yaml]\nregistry: registry\n"
        f"python: {{out: gen/py, package: kinds, models: {models}}}\n"
        "postgres: {out: gen/sql, schema: es}\n", encoding="utf-8")
    (folder / "kinds.yaml").write_text(yaml.safe_dump(_declarations(columns)), encoding="utf-8")
    project, report = compile_project(folder / "escodegen.yaml")
    assert project is not None and not report.has_errors, [d.render() for d in report]
    return project


def test_the_table_has_every_kind() -> None:
    assert tuple(TYPES) == KINDS == get_args(TypeKind)
    assert all(info.kind == kind for kind, info in TYPES.items())


def test_the_meta_schema_names_the_table_s_kinds() -> None:
    text = (ROOT / "schemas" / "declarations.schema.json").read_text(encoding="utf-8")
    # The short forms: the table's kinds, or a named type.
    short_forms = set(re.findall(r'"pattern": "\^\(([a-z|]+)\|\[A-Z\]\[A-Za-z0-9\]\*\)', text))
    assert short_forms == {"|".join(SHORT_FORM_KINDS)}
    assert f'"type": {{"anyOf": [{{"enum": {json.dumps(list(KINDS))}}}' in text


@pytest.mark.parametrize("kind", KINDS)
def test_canonical_schema_reads_back_as_its_kind(kind: TypeKind) -> None:
    items = FieldType("integer") if kind in ("array", "map") else None
    variants = (("string", FieldType("string")),) if kind == "union" else ()
    elements = (FieldType("string"),) if kind == "tuple" else ()
    schema = type_schema(FieldType(kind, items=items, values=("a",), variants=variants,
                                   elements=elements), "T")
    expected = {"array": "array<integer>", "map": "map<integer>", "union": "union[string]",
                "tuple": "tuple[string]"}
    assert kind_of(schema) == expected.get(kind, kind)


@pytest.mark.parametrize("models", get_args(ModelMode))
def test_python_annotations_are_the_table_s(tmp_path: Path, models: ModelMode) -> None:
    files = render_python(_project(tmp_path, models))
    event = files["events/everything.py"]
    aggregates = files["aggregates.py"]
    for kind, info in TYPES.items():
        if info.python is None:
            continue
        # Event classes in the chosen mode; state classes are dataclasses in every mode.
        assert f"    f_{kind}: {info.python[models].text}\n" in event, kind
        assert f"    s_{kind}: {info.python['dataclasses'].text}\n" in aggregates, kind


def test_postgres_columns_are_the_table_s_and_apply(tmp_path: Path, pg_server: str) -> None:
    project = _project(tmp_path)
    files = postgres_target.render(project)
    projection = next(text for name, text in files.items() if "projection" in name)
    for kind in _COLUMN_KINDS:
        assert f'"c_{kind}" {TYPES[kind].sql_type}' in projection, kind
    with fresh_database(pg_server, "kinds") as dsn:
        apply(dsn, files)


def test_exports_handle_every_kind(tmp_path: Path) -> None:
    project = _project(tmp_path)
    document = asyncapi.document(project)
    payload = json.dumps(document)
    for kind in KINDS:
        assert f'"f_{kind}"' in payload, kind
    pages = "".join(eventcatalog.render(project).values())
    assert all(f"f_{kind}" in pages for kind in KINDS)


def test_purge_places_every_kind_s_placeholder(tmp_path: Path) -> None:
    report = Report()
    plan = plan_purge(_project(tmp_path), report)
    assert plan is not None and not report.has_errors
    assert set(plan.fields) >= {f"Everything v1: f_{kind}" for kind in KINDS}
    purged = next(v.purged for v in plan.versions if v.type == literal("Everything"))
    sets = dict(plan.projections[0].sets)
    text = TYPES["string"].purge_placeholder
    # In a payload, a value that fits the field's declaration (escodegen.model.placeholders):
    # an enum's first value, an untagged union's first variant's, a tuple's positions', an
    # object of its required fields', a decimal's text.
    in_payload = {"enum": "a", "union": text, "tuple": [text, 0], "object": {"x": text},
                  "decimal": "0"}
    for kind in KINDS:
        placeholder = in_payload.get(kind, TYPES[kind].purge_placeholder)
        assert f"{text_array([f'f_{kind}'])}, {jsonb(placeholder)}, false" in (purged or ""), kind
        if kind in _COLUMN_KINDS:  # a column of the SQL type: a decimal's is numeric 0
            column = "a" if kind == "enum" else TYPES[kind].purge_placeholder
            assert sets[f'"c_{kind}"'] == typed(column, TYPES[kind].sql_type), kind


def test_projection_migration_adds_a_column_of_every_kind(tmp_path: Path) -> None:
    published = projection_schema(_project(tmp_path / "before", columns=[]).projections[0])
    projection = _project(tmp_path / "after").projections[0]
    change = compare_projection(published, projection)
    assert not change.rebuild_reasons
    for kind in _COLUMN_KINDS:
        sql_type = column_type(FieldType(kind))
        default = typed(TYPES[kind].column_default, sql_type)
        assert (f'add column if not exists "c_{kind}" {sql_type} not null default {default}'
                in change.alters), kind
    assert set(flatten(projection_schema(projection))) >= {f"c_{k}" for k in _COLUMN_KINDS}
