"""The one typed, immutable model of a project that every stage after `check` reads.

Nothing here parses YAML or renders code: the model is plain data. It is built (and
validated) by `escodegen.check.build_project`; generators, the registry and the diff
read it and never look at the YAML again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from escodegen.diagnostics import Span
from escodegen.model.types import TypeKind

if TYPE_CHECKING:
    from escodegen.model.ops import UpcastOp

FieldPath = tuple[str, ...]
"""A dotted path into nested objects, `holder.country` -> ("holder", "country")."""


@dataclass(frozen=True)
class FieldType:
    """A field's type (its kind's facts are in `escodegen.model.types.TYPES`). `fields` for
    object, `items` for array, `values` for enum."""

    kind: TypeKind
    fields: tuple[Field, ...] = ()
    items: FieldType | None = None
    values: tuple[str, ...] = ()

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def describe(self) -> str:
        """A short human form used in messages: `string`, `array<integer>`, `enum[a|b]`."""
        if self.kind == "array" and self.items is not None:
            return f"array<{self.items.describe()}>"
        if self.kind == "enum":
            return "enum[" + "|".join(self.values) + "]"
        if self.kind == "object":
            return "object{" + ", ".join(f.describe() for f in self.fields) + "}"
        return self.kind


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType
    required: bool = True
    has_default: bool = False
    default: Any = None
    description: str | None = None
    pii: bool = False
    span: Span | None = field(default=None, compare=False)

    def describe(self) -> str:
        return f"{self.name}: {self.type.describe()}{'' if self.required else '?'}"


@dataclass(frozen=True)
class EventVersion:
    number: int
    fields: tuple[Field, ...]
    upcast: tuple[UpcastOp, ...] = ()
    description: str | None = None
    span: Span | None = field(default=None, compare=False)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class Event:
    name: str
    versions: tuple[EventVersion, ...]
    description: str | None = None
    aggregate: str | None = None
    subject: str | None = None
    replaces: str | None = None
    file: str = ""
    span: Span | None = field(default=None, compare=False)

    @property
    def latest(self) -> EventVersion:
        return self.versions[-1]

    def version(self, number: int) -> EventVersion:
        return self.versions[number - 1]


@dataclass(frozen=True)
class SnapshotPolicy:
    """`every` N events, a temporal `interval` in seconds, on demand when a replay takes
    longer than `replay_over` seconds, or `none`."""

    kind: Literal["every", "interval", "replay_over", "none"]
    events: int | None = None
    seconds: float | None = None


@dataclass(frozen=True)
class AggregateState:
    version: int
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Aggregate:
    name: str
    id_field: str
    id_type: FieldType
    stream: str
    events: tuple[str, ...]
    state: AggregateState
    snapshot: SnapshotPolicy
    description: str | None = None
    file: str = ""
    span: Span | None = field(default=None, compare=False)

    def stream_prefix(self) -> str:
        """The category: the stream template's text before the id placeholder."""
        return self.stream.split("{", 1)[0]


@dataclass(frozen=True)
class PayloadRef:
    """`$.path`: a field of the event payload at its latest version."""

    path: FieldPath


@dataclass(frozen=True)
class EnvelopeRef:
    """`$stream`, `$position`, `$recorded_at`, or `$meta.key` (name="meta", key set)."""

    name: Literal["stream", "position", "recorded_at", "meta"]
    key: str | None = None


@dataclass(frozen=True)
class Constant:
    """Anything else: a literal value."""

    value: Any


@dataclass(frozen=True)
class Increment:
    """`{increment: n}`: add n to the column's current value (n may be negative)."""

    amount: int | float


ValueExpr = PayloadRef | EnvelopeRef | Constant | Increment


@dataclass(frozen=True)
class Assignment:
    column: str
    value: ValueExpr
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Handler:
    event: str
    action: Literal["upsert", "update", "delete"]
    set: tuple[Assignment, ...] = ()
    where: tuple[Assignment, ...] = ()
    """How `update`/`delete` find their row: one assignment per key column."""
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Column:
    name: str
    type: FieldType
    required: bool = True
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Projection:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    handlers: tuple[Handler, ...]
    description: str | None = None
    file: str = ""
    span: Span | None = field(default=None, compare=False)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True)
class PythonTarget:
    out: Path
    package: str
    models: Literal["dataclasses", "pydantic", "msgspec"] = "dataclasses"


@dataclass(frozen=True)
class PostgresRoles:
    """`postgres.roles`: existing database roles the generated SQL grants least privileges to
    (escodegen creates no role). Each is optional."""

    writer: str | None = None
    """Appends (through `append_to_stream` only), reads, snapshots, checkpoints, projection
    catch-up; never changes or removes a stored event."""
    reader: str | None = None
    """Reads events, snapshots and projections."""
    migrator: str | None = None
    """Owns the schema and everything in it: applies the DDL and runs `escodegen migrate`."""

    @property
    def declared(self) -> tuple[str, ...]:
        return tuple(r for r in (self.writer, self.reader, self.migrator) if r is not None)


@dataclass(frozen=True)
class PostgresTarget:
    out: Path
    schema: str = "es"
    roles: PostgresRoles = PostgresRoles()
    validate_on_append: bool = True
    """`append_to_stream` refuses a payload that does not fit its (type, version)."""


@dataclass(frozen=True)
class Ignore:
    """A suppressed diff finding: rule id and path, with the mandatory reason."""

    rule: str
    path: str
    reason: str
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Project:
    name: str
    root: Path
    """The folder holding escodegen.yaml; every other path is inside it."""
    project_file: Path
    sources: tuple[str, ...]
    registry: Path
    python: PythonTarget | None
    postgres: PostgresTarget | None
    events: tuple[Event, ...] = ()
    aggregates: tuple[Aggregate, ...] = ()
    projections: tuple[Projection, ...] = ()
    ignores: tuple[Ignore, ...] = ()
    source_files: tuple[Path, ...] = ()

    def event(self, name: str) -> Event | None:
        return next((e for e in self.events if e.name == name), None)

    def aggregate(self, name: str) -> Aggregate | None:
        return next((a for a in self.aggregates if a.name == name), None)

    def projection(self, name: str) -> Projection | None:
        return next((p for p in self.projections if p.name == name), None)
