"""`remove {field}`: delete the key if it is there (docs/upcast/remove.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from escodegen.model import FieldPath
from escodegen.upcast import paths
from escodegen.upcast.operations.base import Step, UpcastOp, py_delete
from escodegen.upcast.shape import Shape


@dataclass(frozen=True)
class Remove(UpcastOp):
    name: ClassVar[str] = "remove"
    field: FieldPath

    def arguments(self) -> list[tuple[str, Any]]:
        return [("field", self.field)]

    def apply_shape(self, shape: Shape, step: Step) -> bool:
        if step.read(shape, self, self.field) is not None:
            shape.delete(self.field)
        return True

    def python(self) -> list[str]:
        return [py_delete(self.field)]

    def sql(self, data: str) -> str:
        return paths.delete(data, self.field)
