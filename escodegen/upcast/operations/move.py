"""`move {from, to}` and `rename {from, to}`: one meaning, two names (docs/upcast/move.md).

When `from` is present (even as null) its value goes to `to`: objects on the way to `to` are
created, and objects that `from` leaves empty are removed. An absent `from` changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from escodegen.model import FieldPath
from escodegen.pytext import py_literal, py_str
from escodegen.upcast import paths
from escodegen.upcast.operations.base import Step, UpcastOp, indent
from escodegen.upcast.shape import Shape


@dataclass(frozen=True)
class Move(UpcastOp):
    name: ClassVar[str] = "move"
    source: FieldPath
    target: FieldPath

    def arguments(self) -> list[tuple[str, Any]]:
        return [("from", self.source), ("to", self.target)]

    def apply_shape(self, shape: Shape, step: Step) -> bool:
        slot = step.read(shape, self, self.source)
        if slot is None:
            return True
        required = shape.required_all_the_way(self.source)
        taken = shape.take(self.source)
        if not step.free(shape, self, self.target, creating=True):
            shape.put(self.source, taken)  # leave the shape as it was for the next checks
            return True
        shape.put(self.target, replace(taken, required=required))
        return True

    def python(self) -> list[str]:
        if len(self.source) == 1 and len(self.target) == 1:
            source, target = self.source[0], self.target[0]
            return [f"if {py_str(source)} in d:",
                    *indent([f"d[{py_str(target)}] = d.pop({py_str(source)})"])]
        source, target = py_literal(self.source), py_literal(self.target)
        return [f"if _has(d, {source}):", *indent([f"_put(d, {target}, _take(d, {source}))"])]

    def sql(self, data: str) -> str:
        moved = paths.put(paths.take(data, self.source), self.target, paths.get(data, self.source))
        return f"(CASE WHEN {paths.get(data, self.source)} IS NULL THEN {data} ELSE {moved} END)"


@dataclass(frozen=True)
class Rename(Move):
    name: ClassVar[str] = "rename"
