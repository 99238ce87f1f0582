"""`join {from, into, separator}` (docs/upcast/join.md).

The string sources, in order, joined by the separator; absent and null sources are skipped (as
SQL's `concat_ws` skips NULL). The sources are removed and `into` written. Nothing changes when no
source is a string, or when any source holds something else than a string or null.
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
class Join(UpcastOp):
    name: ClassVar[str] = "join"
    sources: tuple[FieldPath, ...]
    into: FieldPath
    separator: str

    def arguments(self) -> list[tuple[str, Any]]:
        return [("from", self.sources), ("into", self.into), ("separator", self.separator)]

    def apply_shape(self, shape: Shape, step: Step) -> bool:
        slots = [step.read(shape, self, source) for source in self.sources]
        if any(slot is None for slot in slots):
            return True
        for source, slot in zip(self.sources, slots):
            assert slot is not None
            if not step.is_text(self, source, slot):
                return True
        required = any(shape.required_all_the_way(source) for source in self.sources)
        for source in self.sources:
            shape.delete(source)
        if step.free(shape, self, self.into):
            shape.set(self.into, Slot(FieldType("string"), required, produced_by=self.describe()))
        return True

    def python(self) -> list[str]:
        writes = [py_delete(source) for source in self.sources]
        sources = ", ".join(py_get(source) for source in self.sources)
        return [f"sources = [{sources}]",
                "texts = [value for value in sources if value is not None]",
                "if texts and all(isinstance(value, str) for value in texts):",
                *indent([*writes, py_set(self.into, f"{py_str(self.separator)}.join(texts)")])]

    def sql(self, data: str) -> str:
        types = [paths.type_of(data, source) for source in self.sources]
        only_strings = " AND ".join(f"COALESCE({t}, 'null') IN ('string', 'null')" for t in types)
        some_string = " OR ".join(f"{t} = 'string'" for t in types)
        # concat_ws is STABLE: every present text is prefixed by the separator, then the first
        # separator is cut off (there is one: some source is a string).
        sep = literal(self.separator)
        prefixed = " || ".join(f"COALESCE({sep} || {paths.get_text(data, source)}, '')"
                               for source in self.sources)
        removed = data
        for source in self.sources:
            removed = paths.delete(removed, source)
        joined = paths.set_(removed, self.into,
                            paths.string(f"substr({prefixed}, length({sep}) + 1)"))
        return f"(CASE WHEN ({only_strings}) AND ({some_string}) THEN {joined} ELSE {data} END)"
