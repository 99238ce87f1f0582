"""Upcast operations as data: the parameters of each operation a version's `upcast` list holds.

Nothing here renders or checks: each operation's parsing, shape effect, Python and SQL, meaning
for `diff`, summary and docs are in its unit, escodegen/upcast/operations/<name>.py, found by
`name` in the table escodegen/upcast/table.py (the way sqlglot's generators dispatch on the type
of an expression).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from escodegen.diagnostics import Span

if TYPE_CHECKING:
    from escodegen.model import FieldPath
    from escodegen.model.types import TypeKind


@dataclass(frozen=True)
class UpcastOp:
    name: ClassVar[str]
    span: Span | None = field(default=None, compare=False, kw_only=True)

    def arguments(self) -> list[tuple[str, Any]]:
        """The parameters as the YAML keys that declare them, in their order."""
        raise NotImplementedError


@dataclass(frozen=True)
class Add(UpcastOp):
    name: ClassVar[str] = "add"
    field: FieldPath
    value: Any

    def arguments(self) -> list[tuple[str, Any]]:
        return [("field", self.field), ("value", self.value)]


@dataclass(frozen=True)
class Default(UpcastOp):
    name: ClassVar[str] = "default"
    field: FieldPath
    value: Any

    def arguments(self) -> list[tuple[str, Any]]:
        return [("field", self.field), ("value", self.value)]


@dataclass(frozen=True)
class Move(UpcastOp):
    name: ClassVar[str] = "move"
    source: FieldPath
    target: FieldPath

    def arguments(self) -> list[tuple[str, Any]]:
        return [("from", self.source), ("to", self.target)]


@dataclass(frozen=True)
class Rename(Move):
    """`move` under the name most changes use: one meaning, two names."""

    name: ClassVar[str] = "rename"


@dataclass(frozen=True)
class Remove(UpcastOp):
    name: ClassVar[str] = "remove"
    field: FieldPath

    def arguments(self) -> list[tuple[str, Any]]:
        return [("field", self.field)]


@dataclass(frozen=True)
class Split(UpcastOp):
    name: ClassVar[str] = "split"
    source: FieldPath
    into: tuple[FieldPath, ...]
    separator: str

    def arguments(self) -> list[tuple[str, Any]]:
        return [("from", self.source), ("into", self.into), ("separator", self.separator)]


@dataclass(frozen=True)
class Join(UpcastOp):
    name: ClassVar[str] = "join"
    sources: tuple[FieldPath, ...]
    into: FieldPath
    separator: str

    def arguments(self) -> list[tuple[str, Any]]:
        return [("from", self.sources), ("into", self.into), ("separator", self.separator)]


@dataclass(frozen=True)
class Map(UpcastOp):
    name: ClassVar[str] = "map"
    field: FieldPath
    values: tuple[tuple[str, Any], ...]
    has_else: bool = False
    otherwise: Any = None

    def arguments(self) -> list[tuple[str, Any]]:
        args: list[tuple[str, Any]] = [("field", self.field), ("values", dict(self.values))]
        return [*args, ("else", self.otherwise)] if self.has_else else args


@dataclass(frozen=True)
class Convert(UpcastOp):
    name: ClassVar[str] = "convert"
    field: FieldPath
    to: TypeKind

    def arguments(self) -> list[tuple[str, Any]]:
        return [("field", self.field), ("to", self.to)]


@dataclass(frozen=True)
class Custom(UpcastOp):
    name: ClassVar[str] = "custom"
    python_path: str
    """`package.module:function`, checked when parsed."""
    sql_expression: str
    """The expression as sqlglot rendered it back (see upcast/operations/custom.py)."""
    changes: tuple[FieldPath, ...] | None = None
    """The fields it declares it adds, removes or changes; None when undeclared (then `diff`
    cannot tell what it does to any field)."""
    user_functions: tuple[tuple[str, str], ...] = ()
    """(schema, name) of every schema-qualified function that is not a built-in: their
    volatility is known only to a database (`volatile_user_functions`)."""
    sql_span: Span | None = field(default=None, compare=False)

    def arguments(self) -> list[tuple[str, Any]]:
        args: list[tuple[str, Any]] = [("python", self.python_path)]
        return args if self.changes is None else [*args, ("changes", self.changes)]

    @property
    def module(self) -> str:
        return self.python_path.split(":")[0]

    @property
    def function(self) -> str:
        return self.python_path.split(":")[1]

    @property
    def python_name(self) -> str:
        """The module-level name the generated Python gives the function."""
        return "_custom_" + re.sub(r"[.:]", "_", self.python_path)


@dataclass(frozen=True)
class Variant(UpcastOp):
    """Operations run on one variant of a tagged union: on the object at `field` when its `tag`
    key holds the string `value`, as if that object were the payload."""

    name: ClassVar[str] = "variant"
    field: FieldPath
    tag: str
    value: str
    ops: tuple[UpcastOp, ...]

    def arguments(self) -> list[tuple[str, Any]]:
        return [("field", self.field), ("when", {self.tag: self.value}), ("upcast", self.ops)]
