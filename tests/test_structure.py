"""The structure check's two validators agree: jsonschema-rs decides (fast), jsonschema explains
(escodegen.check.structure). Were they to disagree on a document, a file could pass that
jsonschema refuses, or be refused with no message; so every YAML file of the examples, and
many variants of each made by breaking one node at a time, is put to both."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from escodegen.check.structure import (
    DECLARATIONS_SCHEMA,
    PROJECT_SCHEMA,
    fast_valid,
    structure_errors,
)
from escodegen.diagnostics import Report
from escodegen.sources.yaml_source import load_yaml_file
from tests.conftest import EXAMPLES

# What a broken node is replaced by: every JSON type, and texts that patterns refuse (a final
# newline, which Python's `$` would accept, a dot, a digit first, non-ASCII, a huge integer).
REPLACEMENTS: tuple[Any, ...] = (None, True, 0, 1.0, -1, 10**40, 2.5, "", "x", "1a", "a.b.",
                                 "ok\n", "é", "string?", "12ms", [], ["x"], {}, {"x": 1})


def _documents() -> list[tuple[str, Any, str]]:
    found = []
    for path in sorted(EXAMPLES.rglob("*.yaml")):
        if "generated" in path.parts:
            continue
        doc = load_yaml_file(path, path.name, Report())
        if doc is None:
            continue
        schema = PROJECT_SCHEMA if path.name == "escodegen.yaml" else DECLARATIONS_SCHEMA
        found.append((str(path.relative_to(EXAMPLES)), doc.data, schema))
    return found


DOCUMENTS = _documents()


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _nodes(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _nodes(child, (*path, index))


def _variants(data: Any) -> Iterator[Any]:
    """`data` with one node replaced, one key removed or one unknown key added."""
    for number, path in enumerate(_nodes(data)):
        if not path:
            continue
        replacement = REPLACEMENTS[number % len(REPLACEMENTS)]
        for change in ("replace", "remove", "add"):
            variant = copy.deepcopy(data)
            parent = variant
            for part in path[:-1]:
                parent = parent[part]
            if change == "replace":
                parent[path[-1]] = replacement
            elif change == "remove":
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent[f"unknown{number}"] = replacement
            else:
                continue
            yield variant


def test_the_examples_are_many_and_varied() -> None:
    assert len(DOCUMENTS) >= 20
    assert {schema for _, _, schema in DOCUMENTS} == {PROJECT_SCHEMA, DECLARATIONS_SCHEMA}


@pytest.mark.parametrize(("name", "data", "schema"), DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
def test_both_validators_agree_on_every_example_and_its_variants(name: str, data: Any,
                                                                  schema: str) -> None:
    verdicts = {True: 0, False: 0}
    for variant in [data, *_variants(data)]:
        fast = fast_valid(variant, schema)
        assert fast == (not structure_errors(variant, schema)), (name, variant)
        verdicts[fast] += 1
    assert verdicts[False] > 0  # the variants do break it


def test_values_beyond_json_numbers_agree() -> None:
    for value in (10**400, -(10**400), 1e308, 1.0, True):
        data = {"events": {"E": {"versions": {"1": {"fields": {"a": "string"}}}, "x": value}}}
        assert fast_valid(data, DECLARATIONS_SCHEMA) == (
            not structure_errors(data, DECLARATIONS_SCHEMA))
