"""`add {field, value}`: write `value` at `field`, whatever was there (docs/upcast/add.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from escodegen.model import FieldPath
from escodegen.pytext import py_literal
from escodegen.sqltext import jsonb
from escodegen.upcast import paths
from escodegen.upcast.operations.base import Step, UpcastOp, py_set
from escodegen.upcast.shape import Literal, Shape, Slot


@dataclass(frozen=True)
class Add(UpcastOp):
    name: ClassVar[str] = "add"
    field: FieldPath
    value: Any

    def arguments(self) -> list[tuple[str, Any]]:
        return [("field", self.field), ("value", self.value)]

    def apply_shape(self, shape: Shape, step: Step) -> bool:
        if step.free(shape, self, self.field):
            literal = Literal(self.value, self.describe(), self.span)
            shape.set(self.field, Slot(None, self.value is not None, literals=(literal,)))
        return True

    def python(self) -> list[str]:
        return [py_set(self.field, py_literal(self.value, fresh=True))]

    def sql(self, data: str) -> str:
        return paths.set_(data, self.field, jsonb(self.value))
