"""`split {from, into, separator}` (docs/upcast/split.md).

A string source is cut at the separator (plain text, never a pattern): each `into` field but the
last gets the part before the next separator, the last gets all the rest, missing parts are the
empty string, and the source is removed. Python: `text.partition(sep)` for two parts, else `text.split(sep, n - 1)`; SQL: `split_part` for
the first parts and `substr` after them for the rest.
A source that is absent, null or not a string leaves the payload unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from escodegen.model import FieldPath, FieldType
from escodegen.pytext import py_str
from escodegen.sqltext import literal
from escodegen.upcast import paths
from escodegen.upcast.operations.base import Step, UpcastOp, indent, py_delete, py_get, py_set
from escodegen.upcast.shape import Shape, Slot


@dataclass(frozen=True)
class Split(UpcastOp):
    name: ClassVar[str] = "split"
    source: FieldPath
    into: tuple[FieldPath, ...]
    separator: str

    def arguments(self) -> list[tuple[str, Any]]:
        return [("from", self.source), ("into", self.into), ("separator", self.separator)]

    def apply_shape(self, shape: Shape, step: Step) -> bool:
        slot = step.read(shape, self, self.source)
        if slot is None or not step.is_text(self, self.source, slot):
            return True
        required = shape.required_all_the_way(self.source)
        shape.delete(self.source)
        for target in self.into:
            if step.free(shape, self, target):
                shape.set(target, Slot(FieldType("string"), required, produced_by=self.describe()))
        return True

    def python(self) -> list[str]:
        count = len(self.into)
        remove = (f"del d[{py_str(self.source[0])}]" if len(self.source) == 1
                  else py_delete(self.source))
        if count == 2:  # partition: the same cut as split(sep, 1), and '' when there is none
            cut = [f"first, _, rest = text.partition({py_str(self.separator)})",
                   py_set(self.into[0], "first"), py_set(self.into[1], "rest")]
        else:
            cut = [f"parts = text.split({py_str(self.separator)}, {count - 1})",
                   f'parts += [""] * ({count} - len(parts))',
                   *(py_set(target, f"parts[{i}]") for i, target in enumerate(self.into))]
        return [f"text = {py_get(self.source)}",
                "if isinstance(text, str):",
                *indent([remove, *cut])]

    def sql(self, data: str) -> str:
        text, sep, count = paths.get_text(data, self.source), literal(self.separator), len(self.into)
        parts = [f"split_part({text}, {sep}, {i})" for i in range(1, count)]
        # The rest starts after the first count-1 parts and their separators, if there are that
        # many separators (string_to_array cuts where split_part does).
        if count == 2:
            rest = (f"(CASE WHEN strpos({text}, {sep}) > 0 "
                    f"THEN substr({text}, strpos({text}, {sep}) + length({sep})) ELSE '' END)")
        else:
            before = " + ".join(f"length({part})" for part in parts)
            rest = (f"(CASE WHEN cardinality(string_to_array({text}, {sep})) >= {count} "
                    f"THEN substr({text}, {before} + {count - 1} * length({sep}) + 1) ELSE '' END)")
        writes = list(zip(self.into, [*parts, rest]))
        split = paths.set_strings(paths.delete(data, self.source), writes)
        return (f"(CASE WHEN {paths.type_of(data, self.source)} = 'string' "
                f"THEN {split} ELSE {data} END)")
