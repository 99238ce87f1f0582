"""Upcast operations: each one a unit (escodegen/upcast/operations/<name>.py) that parses its
parameters (data in escodegen/model/ops.py) and knows its effect on a version's shape, its
Python rendering and its SQL rendering side by side, so they cannot drift; `OPERATIONS` holds
them by name.

`parse_operation` turns a structurally valid YAML entry (`{split: {...}}`) into an op;
`python_upcasters` and `sql_upcasters` render every event's chain as a Python module and as SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from escodegen.upcast.table import OPERATIONS, operation, parse_operation

if TYPE_CHECKING:
    from escodegen.model import Event

__all__ = ["OPERATIONS", "operation", "parse_operation", "python_upcasters", "sql_upcasters"]


def python_upcasters(events: Sequence[Event]) -> str:
    """The generated `upcasters.py` (without the generated-file header line)."""
    from escodegen.upcast.python_module import render  # jinja2 only when generating

    return render(events)


def sql_upcasters(events: Sequence[Event], schema: str) -> str:
    """The SQL creating the upcast functions in `schema` (without the header line)."""
    from escodegen.upcast.sql_module import render

    return render(events, schema)
