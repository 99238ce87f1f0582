"""What every upcast operation is: parameters plus three renderings of one meaning.

* `apply_shape` changes a `Shape` the way the operation changes a payload (the chain check);
* `python` gives statements that change the dict `d` in place (the generated Python module);
* `sql` gives a jsonb expression of the changed payload, given one for the payload.

The exact meaning of each operation is in docs/upcast/<name>.md; both renderings follow it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from escodegen.diagnostics import Report, Span
from escodegen.model import FieldPath
from escodegen.model.naming import is_identifier
from escodegen.model.types import SCALAR_KINDS, STRING_KINDS
from escodegen.pytext import py_str, py_tuple
from escodegen.upcast.shape import PathError, Shape, Slot, dotted
from escodegen.upcast.values import ascii_json


@dataclass
class Step:
    """One link of a chain being checked: where messages come from."""

    event: str
    version: int
    report: Report

    @property
    def link(self) -> str:
        return f"v{self.version - 1}->v{self.version}"

    @property
    def name(self) -> str:
        return f"{self.event} {self.link}"

    def error(self, code: str, op: UpcastOp, message: str, hint: str = "") -> None:
        self.report.error(code, f"{self.name}: {op.describe()}: {message}", op.span, hint)

    def read(self, shape: Shape, op: UpcastOp, path: FieldPath) -> Slot | None:
        """The slot an operation reads, or None after an ES311 naming what exists."""
        try:
            return shape.get(path)
        except PathError as exc:
            known = ", ".join(sorted(shape.fields)) or "none"
            self.error("ES311", op, f"it reads {dotted(path)}, but {exc} at that point "
                       f"(top-level fields there: {known})")
            return None

    def read_scalar(self, shape: Shape, op: UpcastOp, path: FieldPath) -> Slot | None:
        """The slot an operation on one scalar value reads; None after an ES311, or an ES315
        when it holds an object or array."""
        slot = self.read(shape, op, path)
        if slot is None:
            return None
        if slot.is_object or (slot.type is not None and slot.type.kind not in SCALAR_KINDS):
            self.error("ES315", op, f"it {op.name}s {dotted(path)}, which is {slot.describe()}; "
                       f"{op.name} works on strings, numbers and booleans")
            return None
        return slot

    def is_text(self, op: UpcastOp, path: FieldPath, slot: Slot) -> bool:
        """Whether the slot split or join reads holds only strings; False after an ES315."""
        if slot.type is not None and slot.type.kind in STRING_KINDS and not slot.literals:
            return True
        self.error("ES315", op, f"it {op.name}s {dotted(path)}, which is {slot.describe()}, "
                   "not a string")
        return False

    def free(self, shape: Shape, op: UpcastOp, path: FieldPath, creating: bool = False) -> bool:
        """Whether an operation may write a new field at `path`: nothing there yet (ES303) and,
        unless it creates objects on its way, an object to hold it (ES311). A field on the way
        that is not an object is an error either way: a payload without the moved value keeps
        it as it is, so no later version could declare both."""
        if shape.has(path):
            self.error("ES303", op, f"it writes {dotted(path)}, which already exists at that point")
            return False
        for depth in range(1, len(path)):
            if shape.has(path[:depth]) and not shape.get(path[:depth]).is_object:
                self.error("ES311", op, f"it writes {dotted(path)}, but {dotted(path[:depth])} "
                           "is not an object")
                return False
        if len(path) > 1 and not creating:
            try:
                shape.get(path[:-1])  # an object if it is there: the loop above saw to that
            except PathError as exc:
                self.error("ES311", op, f"it writes {dotted(path)}, but {exc} at that point")
                return False
        return True


@dataclass(frozen=True)
class UpcastOp:
    name: ClassVar[str]
    span: Span | None = field(default=None, compare=False, kw_only=True)

    def describe(self) -> str:
        """The operation as a one-line YAML flow mapping, safe to put in a code comment."""
        args = ", ".join(f"{key}: {show(value)}" for key, value in self.arguments())
        return f"{self.name} {{{args}}}"

    def arguments(self) -> list[tuple[str, Any]]:
        raise NotImplementedError

    def apply_shape(self, shape: Shape, step: Step) -> bool:
        """Change `shape`; False when the result cannot be known statically (custom)."""
        raise NotImplementedError

    def python(self) -> list[str]:
        raise NotImplementedError

    def sql(self, data: str) -> str:
        raise NotImplementedError


def show(value: Any) -> str:
    """A parameter for `describe`: paths plain when they are identifiers, all else as ASCII JSON
    (so a newline or quote in a declaration cannot end the comment it is shown in)."""
    if isinstance(value, tuple) and value and all(isinstance(v, str) for v in value):
        text = dotted(value)
        return text if all(map(is_identifier, value)) else ascii_json(text)
    if isinstance(value, tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return ascii_json(value)


# Python renderings of path access on the payload dict `d`: plain dict operations at the top
# level (the common case, and the fast one), the module's helpers for nested paths.

def py_get(path: FieldPath) -> str:
    """The value, None when absent or null."""
    return f"d.get({py_str(path[0])})" if len(path) == 1 else f"_get(d, {py_tuple(path)})"


def py_set(path: FieldPath, value: str) -> str:
    if len(path) == 1:
        return f"d[{py_str(path[0])}] = {value}"
    return f"_set(d, {py_tuple(path)}, {value})"


def py_delete(path: FieldPath) -> str:
    if len(path) == 1:
        return f"d.pop({py_str(path[0])}, None)"
    return f"_delete(d, {py_tuple(path)})"


def indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]
