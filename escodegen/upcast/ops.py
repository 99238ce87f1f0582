"""The upcast operations by name, and `parse_operation`, which the model builder calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from escodegen.diagnostics import Report, Span
from escodegen.model import FieldPath
from escodegen.upcast.operations.add import Add
from escodegen.upcast.operations.base import UpcastOp
from escodegen.upcast.operations.convert import Convert
from escodegen.upcast.operations.custom import Custom, check_custom
from escodegen.upcast.operations.default import Default
from escodegen.upcast.operations.join import Join
from escodegen.upcast.operations.map import Map
from escodegen.upcast.operations.move import Move, Rename
from escodegen.upcast.operations.remove import Remove
from escodegen.upcast.operations.split import Split

__all__ = ["OPERATIONS", "Add", "Convert", "Custom", "Default", "Join", "Map", "Move", "Remove",
           "Rename", "Split", "UpcastOp", "parse_operation"]

OPERATIONS: dict[str, type[UpcastOp]] = {
    op.name: op for op in (Add, Default, Rename, Remove, Split, Join, Map, Convert, Move, Custom)
}


def _path(text: str) -> FieldPath:
    return tuple(text.split("."))


def parse_operation(entry: dict[str, Any], span: Span, report: Report,
                    value_span: Callable[[str], Span] | None = None) -> UpcastOp | None:
    """Build an op from a one-key mapping the meta-schema has already accepted;
    `value_span(key)` is the position of one argument's value (custom's `sql`)."""
    (name, args), = entry.items()
    if name == "add":
        return Add(_path(args["field"]), args["value"], span=span)
    if name == "default":
        return Default(_path(args["field"]), args["value"], span=span)
    if name == "rename":
        return Rename(_path(args["from"]), _path(args["to"]), span=span)
    if name == "remove":
        return Remove(_path(args["field"]), span=span)
    if name == "split":
        return Split(_path(args["from"]), tuple(_path(p) for p in args["into"]),
                     args.get("separator", " "), span=span)
    if name == "join":
        return Join(tuple(_path(p) for p in args["from"]), _path(args["into"]),
                    args.get("separator", " "), span=span)
    if name == "map":
        return Map(_path(args["field"]), tuple((str(k), v) for k, v in args["values"].items()),
                   "else" in args, args.get("else"), span=span)
    if name == "convert":
        return Convert(_path(args["field"]), args["to"], span=span)
    if name == "move":
        return Move(_path(args["from"]), _path(args["to"]), span=span)
    if name == "custom":
        sql_span = value_span("sql") if value_span is not None else span
        checked = check_custom(args["python"], args["sql"], span, report, sql_span)
        if checked is None:
            return None
        sql, user_functions = checked
        changes = tuple(_path(p) for p in args["changes"]) if "changes" in args else None
        return Custom(args["python"], sql, changes, user_functions, sql_span, span=span)
    report.error("ES101", f"unknown upcast operation '{name}'", span)
    return None
