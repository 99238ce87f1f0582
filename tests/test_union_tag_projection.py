"""A projection reads a tagged union's tag (`$.method.kind`): an enum of the tag values, there
whenever the union's value is (issue 18 point 4). Its SQL is proven in
tests/test_payments_example.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.upcast.test_named_types import _project

DECLARATIONS = """\
types:
  Method: {type: union, tag: kind, variants: {card: {fields: {number: string}}, cash: {fields: {}}}}
events:
  Paid:
    versions:
      1:
        fields: {id: uuid, method: Method, refund: Method?}
projections:
  paid:
    key: [id]
    columns: {id: uuid, method: COLUMN}
    on:
      Paid: {upsert: {id: $.id, method: PATH}}
"""


@pytest.mark.parametrize(("column", "path", "problem"), [
    ("string", "$.method.kind", None),
    ("{type: enum, values: [card, cash]}", "$.method.kind", None),
    ("{type: enum, values: [card]}", "$.method.kind", "ES406"),
    ("string", "$.refund.kind", "ES406"),
    ("string?", "$.refund.kind", None),
    ("string", "$.method.kind.x", "ES401"),
    ("string", "$.method.type", "ES401"),
])
def test_a_projection_reads_a_unions_tag(tmp_path: Path, column: str, path: str,
                                          problem: str | None) -> None:
    _, errors = _project(tmp_path, DECLARATIONS.replace("COLUMN", column).replace("PATH", path))
    if problem is None:
        assert errors == []
    else:
        assert any(problem in e for e in errors), errors
