"""The upcast operations by name: each one's complete unit (escodegen/upcast/operations/)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from escodegen.diagnostics import Report, Span
from escodegen.model.ops import UpcastOp
from escodegen.upcast.operations.add import ADD
from escodegen.upcast.operations.base import Arguments, Operation
from escodegen.upcast.operations.convert import CONVERT
from escodegen.upcast.operations.custom import CUSTOM
from escodegen.upcast.operations.default import DEFAULT
from escodegen.upcast.operations.join import JOIN
from escodegen.upcast.operations.map import MAP
from escodegen.upcast.operations.move import MOVE, RENAME
from escodegen.upcast.operations.remove import REMOVE
from escodegen.upcast.operations.split import SPLIT
from escodegen.upcast.operations.variant import VARIANT

OPERATIONS: dict[str, Operation[Any]] = {
    op.name: op for op in (ADD, DEFAULT, RENAME, REMOVE, SPLIT, JOIN, MAP, CONVERT, MOVE, CUSTOM,
                               VARIANT)
}


def operation(op: UpcastOp) -> Operation[Any]:
    """The unit of an op: what renders, checks and judges it."""
    unit = OPERATIONS.get(op.name)
    if unit is None or not isinstance(op, unit.type):
        raise LookupError(f"no upcast operation unit for {type(op).__name__} ({op.name!r}): "
                          "add it to escodegen/upcast/table.py")
    return unit


def parse_operation(entry: dict[str, Any], span: Span, report: Report,
                    value_span: Callable[[str], Span] | None = None) -> UpcastOp | None:
    """Build an op from a one-key mapping the meta-schema has already accepted;
    `value_span(key)` is the position of one argument's value (custom's `sql`)."""
    (name, args), = entry.items()
    unit = OPERATIONS.get(name)
    if unit is None:
        report.error("ES101", f"unknown upcast operation '{name}'", span)
        return None
    parsed: UpcastOp | None = unit.parse(Arguments(args, span, report, value_span))
    return parsed
