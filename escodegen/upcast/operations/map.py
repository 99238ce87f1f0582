"""`map {field, values, else?}` (docs/upcast/map.md).

A string, number or boolean is matched by its text against the keys of `values` (YAML keys are
always text: key "1" matches the string "1" and the number 1, key "true" matches true and
"true"); a match is replaced by its value; a non-match gets `else` when there is one, else stays.
Absent, null, objects and arrays are left unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from escodegen.model import FieldPath, FieldType
from escodegen.pytext import py_literal, py_str
from escodegen.sqltext import jsonb, literal
from escodegen.upcast import paths
from escodegen.upcast.operations.base import Step, UpcastOp, indent, py_get, py_set
from escodegen.upcast.shape import Literal, Shape, Slot


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

    def apply_shape(self, shape: Shape, step: Step) -> bool:
        slot = step.read_scalar(shape, self, self.field)
        if slot is None:
            return True
        keys = {key for key, _ in self.values}
        written = [Literal(value, self.describe(), self.span) for _, value in self.values]
        if self.has_else:
            written.append(Literal(self.otherwise, self.describe(), self.span))
            shape.set(self.field, Slot(None, slot.required, literals=tuple(written)))
            return True
        kept = tuple(lit for lit in slot.literals if not isinstance(lit.value, str)
                     or lit.value not in keys)
        base = slot.type
        if base is not None and base.kind == "enum":
            left = tuple(v for v in base.values if v not in keys)
            base = FieldType("enum", values=left) if left else None
        shape.set(self.field, Slot(base, slot.required, literals=(*kept, *written)))
        return True

    def python(self) -> list[str]:
        lines = [f"key = _text({py_get(self.field)})"]
        for index, (key, value) in enumerate(self.values):
            keyword = "if" if index == 0 else "elif"
            lines += [f"{keyword} key == {py_str(key)}:", *indent([py_set(self.field, py_literal(value, fresh=True))])]
        if self.has_else:
            lines += ["elif key is not None:",
                      *indent([py_set(self.field, py_literal(self.otherwise, fresh=True))])]
        return lines

    def sql(self, data: str) -> str:
        branches = " ".join(f"WHEN {literal(key)} THEN {paths.set_(data, self.field, jsonb(value))}"
                            for key, value in self.values)
        otherwise = paths.set_(data, self.field, jsonb(self.otherwise)) if self.has_else else data
        scalar = f"{paths.type_of(data, self.field)} IN ('string', 'number', 'boolean')"
        return (f"(CASE WHEN {scalar} THEN (CASE {paths.get_text(data, self.field)} {branches} "
                f"ELSE {otherwise} END) ELSE {data} END)")
