"""What every upcast operation's unit holds (`Operation`): its parameters are data in the model
(escodegen/model/ops.py); the unit parses them, and gives three renderings of one meaning:

* `shape` changes a `PayloadShape` the way the operation changes a payload (the chain check);
* `python` gives statements that change the dict `d` in place (the generated Python module);
* `sql` gives a jsonb expression of the changed payload, given one for the payload;

and what the rest of escodegen needs to know of it: the paths it reads and writes, what it can
lose, its meaning for `diff`, a one-line summary, and its docs page with examples that the tests
run through both renderings (docs/upcast/<name>.md is generated from them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from escodegen.diagnostics import Report, Span
from escodegen.model import FieldPath
from escodegen.model.naming import is_identifier
from escodegen.model.ops import UpcastOp
from escodegen.model.shape import Shape
from escodegen.model.types import SCALAR_KINDS, STRING_KINDS
from escodegen.pytext import py_literal, py_str
from escodegen.upcast.shape import PathError, PayloadShape, describe_contents, dotted
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
        self.report.error(code, f"{self.name}: {describe(op)}: {message}", op.span, hint)

    def read(self, shape: PayloadShape, op: UpcastOp, path: FieldPath) -> Shape | None:
        """The slot an operation reads, or None after an ES311 naming what exists."""
        try:
            return shape.get(path)
        except PathError as exc:
            known = ", ".join(sorted(shape.fields)) or "none"
            self.error("ES311", op, f"it reads {dotted(path)}, but {exc} at that point "
                       f"(top-level fields there: {known})")
            return None

    def read_scalar(self, shape: PayloadShape, op: UpcastOp, path: FieldPath) -> Shape | None:
        """The slot an operation on one scalar value reads; None after an ES311, or an ES315
        when it holds an object or array."""
        slot = self.read(shape, op, path)
        if slot is None:
            return None
        if slot.is_object or (slot.type is not None and slot.type.kind not in SCALAR_KINDS):
            self.error("ES315", op, f"it {op.name}s {dotted(path)}, which is "
                       f"{describe_contents(slot)}; {op.name} works on strings, numbers and "
                       "booleans")
            return None
        return slot

    def is_text(self, op: UpcastOp, path: FieldPath, slot: Shape) -> bool:
        """Whether the slot split or join reads holds only strings; False after an ES315."""
        if slot.type is not None and slot.type.kind in STRING_KINDS and not slot.literals:
            return True
        self.error("ES315", op, f"it {op.name}s {dotted(path)}, which is "
                   f"{describe_contents(slot)}, not a string")
        return False

    def free(self, shape: PayloadShape, op: UpcastOp, path: FieldPath,
             creating: bool = False) -> bool:
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
class Arguments:
    """One YAML entry's arguments, which the meta-schema has already accepted."""

    values: dict[str, Any]
    span: Span
    report: Report
    value_span: Callable[[str], Span] | None = None
    """The position of one argument's value (custom's `sql`), when known."""

    def path(self, key: str) -> FieldPath:
        return path_of(self.values[key])

    def paths(self, key: str) -> tuple[FieldPath, ...]:
        return tuple(path_of(p) for p in self.values[key])


def path_of(text: str) -> FieldPath:
    return tuple(text.split("."))


@dataclass(frozen=True)
class Paths:
    """The fields an operation reads and the fields it writes (or deletes)."""

    reads: tuple[FieldPath, ...] = ()
    writes: tuple[FieldPath, ...] = ()


# What an operation means to `diff` (escodegen/analyse/compare.py): one of these records, which
# compare judges; an operation picks the one that says what it does to stored values.

@dataclass(frozen=True)
class Moves:
    """The value is kept, at another path (rename, move)."""

    source: FieldPath
    target: FieldPath


@dataclass(frozen=True)
class Derives:
    """New values made of the sources, which are removed (split, join)."""

    sources: tuple[FieldPath, ...]
    targets: tuple[FieldPath, ...]
    verb: str
    """How findings say it: `split into`, `joined into`."""


@dataclass(frozen=True)
class Fills:
    """A value written where there was none (`replaces` False: default) or whatever was there
    (`replaces` True: add, whose field then holds a new value, not the stored one)."""

    field: FieldPath
    value: Any
    replaces: bool


@dataclass(frozen=True)
class Removes:
    field: FieldPath


Loss = tuple[str, str, bool]
"""(a stored value, what becomes of it, partial: whether some values stay unconverted)."""


@dataclass(frozen=True)
class Converts:
    """Each value of a type rewritten as a value of another; `loss(old kind, new kind)` says how
    a stored value fails or loses information, None when every value converts exactly."""

    field: FieldPath
    loss: Callable[[str, str], Loss | None]


@dataclass(frozen=True)
class Maps:
    """Listed values replaced; with `total`, every other value too."""

    field: FieldPath
    keys: tuple[str, ...]
    total: bool


@dataclass(frozen=True)
class Declares:
    """What only running it shows, on the fields it declares it changes (custom `changes`)."""

    fields: tuple[FieldPath, ...]


@dataclass(frozen=True)
class Opaque:
    """What only running it shows, on fields it does not name: nothing can be judged."""

    label: str


Meaning = Moves | Derives | Fills | Removes | Converts | Maps | Declares | Opaque


@dataclass(frozen=True)
class Example:
    """A docs example, run by the tests through the generated Python and the generated SQL:
    `before` upcast by the operation `op` (YAML, as declared in `upcast:`) is `after`."""

    op: str
    before: dict[str, Any]
    after: dict[str, Any]
    note: str = ""


@dataclass(frozen=True)
class Docs:
    """The page docs/upcast/<name>.md: `text` (Markdown) then the examples as a table."""

    title: str
    text: str
    examples: tuple[Example, ...]
    module: tuple[str, str] | None = None
    """(name, source) of the project's module that `custom` examples call."""


O = TypeVar("O", bound=UpcastOp)


@dataclass(frozen=True)
class Operation(Generic[O]):
    """One upcast operation, complete: the table (escodegen/upcast/table.py) holds one per name."""

    name: str
    type: type[O]
    parse: Callable[[Arguments], O | None]
    """The op from its YAML arguments; None after reporting an error."""
    paths: Callable[[O], Paths]
    shape: Callable[[O, PayloadShape, Step], bool]
    """Change the shape; False when the result cannot be known statically (custom)."""
    loses: str
    """What stored information the operation can lose (a sentence of the docs)."""
    meaning: Callable[[O], Meaning]
    summary: Callable[[O], str]
    """One line for `registry show`, e.g. `split name -> firstName, lastName (separator ' ')`."""
    python: Callable[[O], list[str]]
    sql: Callable[[O, str], str]
    docs: Docs


def describe(op: UpcastOp) -> str:
    """The operation as a one-line YAML flow mapping, safe to put in a code comment."""
    args = ", ".join(f"{key}: {show(value)}" for key, value in op.arguments())
    return f"{op.name} {{{args}}}"


COMMENT_WIDTH = 90
"""The longest description a generated file's comment shows of an operation (a `variant`
holding others can be far longer: the declaration has it whole)."""


def describe_briefly(op: UpcastOp) -> str:
    """`describe(op)`, cut to `COMMENT_WIDTH` characters: for the comment above its code."""
    text = describe(op)
    return text if len(text) <= COMMENT_WIDTH else text[:COMMENT_WIDTH - 3] + "..."


def show(value: Any) -> str:
    """A parameter for `describe`: paths plain when they are identifiers, all else as ASCII JSON
    (so a newline or quote in a declaration cannot end the comment it is shown in)."""
    if isinstance(value, UpcastOp):  # an operation inside another (variant's `upcast`)
        return f"{{{describe(value).replace(' ', ': ', 1)}}}"
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
    return f"d.get({py_str(path[0])})" if len(path) == 1 else f"_get(d, {py_literal(path)})"


def py_set(path: FieldPath, value: str) -> str:
    if len(path) == 1:
        return f"d[{py_str(path[0])}] = {value}"
    return f"_set(d, {py_literal(path)}, {value})"


def py_delete(path: FieldPath) -> str:
    if len(path) == 1:
        return f"d.pop({py_str(path[0])}, None)"
    return f"_delete(d, {py_literal(path)})"


def indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]
