"""The one typed, immutable model of a project that every stage after `check` reads.

Nothing here parses YAML or renders code: the model is plain data. It is built (and
validated) by `escodegen.check.build_project`; generators, the registry and the diff
read it and never look at the YAML again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
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
    object, `items` for array (its items), map (its values) and tuple (its `rest`: the type of
    the items after its positions; None: no more items), `values` for enum, `elements` for
    tuple (the type of each position).

    A named type (`types:`) is expanded where it is used: its `name` says which one it came
    from (for the one Python class per named type, and the catalog), and takes no part in
    comparisons: what a field holds is its expansion."""

    kind: TypeKind
    fields: tuple[Field, ...] = ()
    items: FieldType | None = None
    values: tuple[str, ...] = ()
    name: str | None = field(default=None, compare=False)
    constraints: tuple[tuple[str, Any], ...] = ()
    """(key, value) of its constraints (escodegen.model.constraints), in that table's order."""
    tag: str | None = None
    """For a tagged union: the field of the JSON object whose value names its variant; None
    for an untagged one (scalar variants told apart by their JSON kind)."""
    variants: tuple[tuple[str, FieldType], ...] = ()
    """For a union: (tag value, record) of each variant, in declaration order (a record's
    fields do not hold the tag); untagged, (its type name, its type)."""
    elements: tuple[FieldType, ...] = ()
    """For a tuple: the type of each position, in order (every position is present)."""

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def variant(self, tag: str) -> FieldType | None:
        """A union's variant of tag value `tag`."""
        return next((v for t, v in self.variants if t == tag), None)

    def describe(self) -> str:
        """A short human form used in messages: `string`, `array<integer>`, `enum[a|b]`,
        constraints in braces: `integer{minimum: 1}`."""
        plain = self._describe()
        if not self.constraints:
            return plain
        return plain + "{" + ", ".join(f"{key}: {value}" for key, value in self.constraints) + "}"

    def _describe(self) -> str:
        if self.kind == "array" and self.items is not None:
            return f"array<{self.items.describe()}>"
        if self.kind == "map" and self.items is not None:
            return f"map<{self.items.describe()}>"
        if self.kind == "enum":
            return "enum[" + "|".join(self.values) + "]"
        if self.kind == "tuple":
            rest = [] if self.items is None else ["..." + self.items.describe()]
            return "tuple[" + ", ".join([*(e.describe() for e in self.elements), *rest]) + "]"
        if self.kind == "union" and self.tag is None:
            return "union[" + "|".join(v.describe() for _, v in self.variants) + "]"
        if self.kind == "union":
            return f"union<{self.tag}: " + "|".join(t for t, _ in self.variants) + ">"
        if self.kind == "object":
            return "object{" + ", ".join(f.describe() for f in self.fields) + "}"
        return self.kind


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType
    required: bool = True
    """The key must be present."""
    has_default: bool = False
    default: Any = None
    description: str | None = None
    pii: bool = False
    span: Span | None = field(default=None, compare=False)
    nullable: bool | None = None
    """The value may be null; None: the opposite of `required` (`string?`, `required: false`
    alone mean absent or null). Read it as `may_be_null`."""

    @property
    def may_be_null(self) -> bool:
        return not self.required if self.nullable is None else self.nullable

    def describe(self) -> str:
        mark = ("" if self.required else "?") if self.may_be_null != self.required else (
            " (nullable)" if self.required else " (absent, not null)")
        return f"{self.name}: {self.type.describe()}{mark}"


@dataclass(frozen=True)
class NamedType:
    """A type declared once under `types:` (a record, an enum or a scalar alias); fields use
    its expansion, `type` (whose `name` is this one's)."""

    name: str
    type: FieldType
    description: str | None = None
    file: str = ""
    span: Span | None = field(default=None, compare=False)


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
    """`$stream`, `$position`, `$recorded_at`, `$correlation_id`, `$causation_id`, or
    `$meta.key` (name="meta", key set)."""

    name: Literal["stream", "position", "recorded_at", "correlation_id", "causation_id", "meta"]
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
    on_error: Literal["stop", "skip"] = "stop"
    """What a catch-up does with a stored event its handler fails on: stop before it (and
    raise, naming it), or skip it and record it in the store's `projection_failures`."""
    file: str = ""
    span: Span | None = field(default=None, compare=False)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


AttributeNames = Literal["json", "snake_case"]
"""`python.attribute_names`: event attributes named as the JSON keys, or in snake_case with
the JSON key as the wire name (escodegen.model.pynames)."""


@dataclass(frozen=True)
class PythonTarget:
    out: Path
    package: str
    models: Literal["dataclasses", "pydantic", "msgspec"] = "dataclasses"
    attribute_names: AttributeNames = "json"
    pyproject: bool = False
    """Also write a pyproject.toml, so the folder installs as a distribution."""
    version: str = "0.0.0"
    """The distribution's version in that pyproject.toml."""


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
    distribution: str | None = None
    """`citus`: the store is distributed by stream on a Citus cluster (docs/scale-out.md)."""


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
    types: tuple[NamedType, ...] = ()

    def event(self, name: str) -> Event | None:
        return self._by_name[0].get(name)

    def aggregate(self, name: str) -> Aggregate | None:
        return self._by_name[1].get(name)

    def projection(self, name: str) -> Projection | None:
        return self._by_name[2].get(name)

    def handling(self, event: str) -> tuple[Projection, ...]:
        """The projections with a handler for `event`, as declared."""
        return self._handling.get(event, ())

    def listing(self, event: str) -> tuple[Aggregate, ...]:
        """The aggregates whose `events` list `event`, as declared."""
        return self._listing.get(event, ())

    @cached_property
    def _listing(self) -> dict[str, tuple[Aggregate, ...]]:
        # Asked for every finding of a diff (who reads the field): a search of every
        # aggregate's list each time was a tenth of the catalog's history of 500 events.
        found: dict[str, list[Aggregate]] = {}
        for aggregate in self.aggregates:
            for event in dict.fromkeys(aggregate.events):
                found.setdefault(event, []).append(aggregate)
        return {event: tuple(aggregates) for event, aggregates in found.items()}

    @cached_property
    def _handling(self) -> dict[str, tuple[Projection, ...]]:
        found: dict[str, list[Projection]] = {}
        for projection in self.projections:
            for event in dict.fromkeys(h.event for h in projection.handlers):
                found.setdefault(event, []).append(projection)
        return {event: tuple(projections) for event, projections in found.items()}

    @cached_property
    def _by_name(self) -> tuple[dict[str, Event], dict[str, Aggregate], dict[str, Projection]]:
        """Events, aggregates and projections by name (the first of a name, as declared): a
        diff looks up every event of both sides, a search each time was most of its time on
        1,000 events."""
        return ({e.name: e for e in reversed(self.events)},
                {a.name: a for a in reversed(self.aggregates)},
                {p.name: p for p in reversed(self.projections)})
