"""The upcast operations' parameters (shape, Python and SQL behaviour to follow)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from escodegen.diagnostics import Report, Span
from escodegen.model import FieldPath


def _path(text: str) -> FieldPath:
    return tuple(text.split("."))


@dataclass(frozen=True)
class UpcastOp:
    name: ClassVar[str]
    span: Span | None = field(default=None, compare=False, kw_only=True)


@dataclass(frozen=True)
class Add(UpcastOp):
    name: ClassVar[str] = "add"
    field: FieldPath
    value: Any


@dataclass(frozen=True)
class Default(UpcastOp):
    name: ClassVar[str] = "default"
    field: FieldPath
    value: Any


@dataclass(frozen=True)
class Rename(UpcastOp):
    name: ClassVar[str] = "rename"
    source: FieldPath
    target: FieldPath


@dataclass(frozen=True)
class Remove(UpcastOp):
    name: ClassVar[str] = "remove"
    field: FieldPath


@dataclass(frozen=True)
class Split(UpcastOp):
    name: ClassVar[str] = "split"
    source: FieldPath
    into: tuple[FieldPath, ...]
    separator: str


@dataclass(frozen=True)
class Join(UpcastOp):
    name: ClassVar[str] = "join"
    sources: tuple[FieldPath, ...]
    into: FieldPath
    separator: str


@dataclass(frozen=True)
class Map(UpcastOp):
    name: ClassVar[str] = "map"
    field: FieldPath
    values: tuple[tuple[Any, Any], ...]
    has_else: bool = False
    otherwise: Any = None


@dataclass(frozen=True)
class Convert(UpcastOp):
    name: ClassVar[str] = "convert"
    field: FieldPath
    to: str


@dataclass(frozen=True)
class Move(UpcastOp):
    name: ClassVar[str] = "move"
    source: FieldPath
    target: FieldPath


@dataclass(frozen=True)
class Custom(UpcastOp):
    name: ClassVar[str] = "custom"
    python: str
    sql: str


OPERATIONS: dict[str, type[UpcastOp]] = {
    op.name: op for op in (Add, Default, Rename, Remove, Split, Join, Map, Convert, Move, Custom)
}


def parse_operation(entry: dict[str, Any], span: Span, report: Report) -> UpcastOp | None:
    """Build an op from a one-key mapping the meta-schema has already accepted."""
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
        return Map(_path(args["field"]), tuple(args["values"].items()), "else" in args,
                   args.get("else"), span=span)
    if name == "convert":
        return Convert(_path(args["field"]), args["to"], span=span)
    if name == "move":
        return Move(_path(args["from"]), _path(args["to"]), span=span)
    if name == "custom":
        return Custom(args["python"], args["sql"], span=span)
    report.error("ES101", f"unknown upcast operation '{name}'", span)
    return None
