"""`default {field, value}`: write `value` where `field` is absent or null (docs/upcast/default.md)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from escodegen.model import FieldPath
from escodegen.pytext import py_literal
from escodegen.sqltext import jsonb
from escodegen.upcast import paths
from escodegen.upcast.operations.base import Step, UpcastOp, indent, py_get, py_set
from escodegen.upcast.shape import Literal, PathError, Shape, Slot


@dataclass(frozen=True)
class Default(UpcastOp):
    name: ClassVar[str] = "default"
    field: FieldPath
    value: Any

    def arguments(self) -> list[tuple[str, Any]]:
        return [("field", self.field), ("value", self.value)]

    def apply_shape(self, shape: Shape, step: Step) -> bool:
        literal = Literal(self.value, self.describe(), self.span)
        try:
            slot = shape.get(self.field)
        except PathError:
            if step.free(shape, self, self.field):
                shape.set(self.field, Slot(None, self.value is not None, literals=(literal,)))
            return True
        required = slot.required or self.value is not None
        shape.set(self.field, replace(slot, required=required, literals=(*slot.literals, literal)))
        return True

    def python(self) -> list[str]:
        return [f"if {py_get(self.field)} is None:",
                *indent([py_set(self.field, py_literal(self.value, fresh=True))])]

    def sql(self, data: str) -> str:
        missing = f"COALESCE({paths.type_of(data, self.field)}, 'null') = 'null'"
        return (f"(CASE WHEN {missing} THEN {paths.set_(data, self.field, jsonb(self.value))} "
                f"ELSE {data} END)")
