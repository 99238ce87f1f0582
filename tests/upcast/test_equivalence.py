"""The promise of issue 3: for every operation and chain, on a real PostgreSQL, the generated
Python and SQL upcasters give the same JSON for every payload hypothesis can find."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from devtools.postgres import fresh_database
from escodegen.check import compile_project
from escodegen.db.upcasters import Upcasters
from escodegen.upcast.verify import MismatchError, canonical, from_json, to_json
from tests.conftest import EXAMPLES
from tests.upcast.ops_catalog import EVENTS


@pytest.fixture(scope="module")
def upcasters(pg_server: str) -> Iterator[Upcasters]:
    with fresh_database(pg_server, "upcast_equivalence") as dsn, \
            Upcasters.open(EVENTS, dsn) as loaded:
        yield loaded


@pytest.mark.parametrize("event", EVENTS, ids=[e.name for e in EVENTS])
def test_python_and_sql_agree(upcasters: Upcasters, event) -> None:  # type: ignore[no-untyped-def]
    for version in range(1, event.latest.number):
        upcasters.check(event, version, max_examples=60)


def test_shop_chains_agree(pg_dsn: str) -> None:
    project, report = compile_project(EXAMPLES / "shop" / "escodegen.yaml")
    assert project is not None and not report.has_errors
    with Upcasters.open(project.events, pg_dsn) as loaded:
        for event in project.events:
            for version in range(1, event.latest.number + 1):
                loaded.check(event, version, max_examples=100)


@pytest.mark.parametrize(("event", "payload", "expected"), [
    # "Cher" is where hand-written split pairs drift apart: one word, no separator.
    ("Split0", {"name": "Cher", "x": 1}, {"a": "Cher", "b": "", "x": 1}),
    ("Split0", {"name": "Jean Paul  Sartre"}, {"a": "Jean", "b": "Paul  Sartre"}),
    ("Split0", {"name": ""}, {"a": "", "b": ""}),
    ("Split0", {"name": None}, {"name": None}),
    ("Split3", {"name": "a*b*c"}, {"a": "a", "b": "b*c"}),
    ("Join0", {"a": "x", "b": None}, {"name": "x"}),
    ("Join0", {"a": "x", "b": 5}, {"a": "x", "b": 5}),
    ("MapNoElse", {"a": 1}, {"a": "one"}),
    ("MapNoElse", {"a": "true"}, {"a": True}),
    ("MapElse", {"holder": {"a": Decimal("1.50")}}, {"holder": {"a": [1]}}),
    ("MapElse", {"holder": {"a": Decimal("1.5")}}, {"holder": {"a": "other"}}),
    ("ConvertInteger", {"a": "-2.5"}, {"a": -3}),
    ("ConvertString", {"a": Decimal("1.50E+3")}, {"a": "1500"}),
    ("ConvertString", {"a": Decimal("-0.0")}, {"a": "0.0"}),
    ("ConvertBoolean", {"a": "yes"}, {"a": "yes"}),
    ("MoveUnnest", {"holder": {"a": 1}}, {"a": 1}),
    ("MoveUnnest", {"holder": {"a": 1, "b": 2}}, {"a": 1, "holder": {"b": 2}}),
    ("MoveNest", {"a": None, "holder": "text"}, {"holder": {"a": None}}),
    ("DefaultNested", {"holder": {"b": None}}, {"holder": {"b": "x'y"}}),
    ("DefaultNested", {}, {}),
])
def test_documented_examples(upcasters: Upcasters, event: str, payload: dict[str, object],
                             expected: dict[str, object]) -> None:
    """The examples of docs/upcast/*.md, in both languages."""
    found = next(e for e in EVENTS if e.name == event)
    text = to_json(payload)
    wanted = canonical(from_json(to_json(expected)))
    assert canonical(upcasters.python(found, 1, from_json(text))) == wanted
    (sql,) = upcasters.sql(found, 1, [text])
    assert canonical(from_json(sql)) == wanted


def test_a_disagreement_is_found(upcasters: Upcasters) -> None:
    """The property can fail: a Python upcaster changed by hand is caught with its payload."""
    event = next(e for e in EVENTS if e.name == "Split0")
    original = upcasters.module.UPCASTERS[(event.name, 1)]

    def drifted(data: dict[str, object]) -> dict[str, object]:
        result = original(data)
        if result.get("b") == "":
            result["b"] = None
        return result

    upcasters.module.UPCASTERS[(event.name, 1)] = drifted
    try:
        with pytest.raises(MismatchError) as caught:
            upcasters.check(event, 1, max_examples=200)
    finally:
        upcasters.module.UPCASTERS[(event.name, 1)] = original
    assert '"b":null' in caught.value.mismatch.python
