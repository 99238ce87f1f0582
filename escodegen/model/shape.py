"""`Shape`: what a reader may find at one field of a payload.

`check` and `diff` compare versions field path by field path (`analyse.shapes.flatten`, one
shape per path of a canonical JSON Schema), `migrate projections` compares a projection's
columns the same way, and the static upcast chain check follows a payload's shape through a
version's operations (`upcast.shape.PayloadShape`, a tree of these): one type for all three.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from escodegen.diagnostics import Span
from escodegen.model import Field, FieldType
from escodegen.model.types import TypeKind


@dataclass(frozen=True)
class Literal:
    """A value an upcast operation writes, remembered with the operation that wrote it."""

    value: Any
    op: str
    span: Span | None


@dataclass(frozen=True)
class Shape:
    """One field as a reader sees it: the type of its values, whether it is always there, and
    what is known of it where the shape comes from. Immutable: changes are `replace` copies."""

    type: FieldType | None
    """The type of the values that may be here; None when only `literals` may be. Read from a
    schema, it is the field's own type only (an object's keys, an array's object items' keys
    are shapes of their own paths)."""
    required: bool
    pii: bool = False
    default: str | None = None
    """The default as canonical JSON text, None when there is none."""
    literals: tuple[Literal, ...] = ()
    """In an upcast chain: the values operations (add, default, map) put here."""
    children: Mapping[str, Shape] | None = None
    """In an upcast chain, for an object: its keys' shapes (`type.fields` are not used then)."""
    produced_by: str | None = None
    """In an upcast chain: the operation that produced `type` (split, join, convert)."""
    nullable: bool = False
    """The value may be null (`required` says whether the key may be absent)."""
    variant_shapes: Mapping[str, Mapping[str, Shape]] | None = None
    """In an upcast chain, for a tagged union: the keys' shapes of each variant (by tag) that
    `variant` operations changed; the other variants are `type`'s records, unchanged."""

    @classmethod
    def of(cls, declared: Field) -> Shape:
        """A declared field's shape, an object's keys as `children`."""
        # Made whole, not as a `replace` of `of_type`'s: `check` makes one for every field of
        # every version, and a `replace` costs as much as the rest of it.
        type_ = declared.type
        children = {f.name: cls.of(f) for f in type_.fields} if type_.kind == "object" else None
        return cls(type_, declared.required, children=children, nullable=declared.may_be_null)

    @classmethod
    def of_type(cls, type_: FieldType, required: bool) -> Shape:
        children = {f.name: cls.of(f) for f in type_.fields} if type_.kind == "object" else None
        return cls(type_, required, children=children)

    @property
    def kind(self) -> str:
        """The declared type name, `array<...>` for arrays: `string`, `array<enum>`."""
        assert self.type is not None, "a shape read from a schema always has a type"
        return kind_name(self.type)

    @property
    def base(self) -> TypeKind:
        """The type kind, `array` for any array: what a column of it is stored as."""
        assert self.type is not None, "a shape read from a schema always has a type"
        return self.type.kind

    @property
    def values(self) -> tuple[str, ...]:
        """The enum's values, in order; for an array of enums (at any depth), its items' values."""
        type_ = self.type
        while type_ is not None and type_.kind == "array":
            type_ = type_.items
        return type_.values if type_ is not None else ()

    @property
    def has_default(self) -> bool:
        return self.default is not None

    @property
    def is_enum(self) -> bool:
        """An enum, or an array (of arrays) of enums: what enum rules judge."""
        return self.kind.replace("array<", "").rstrip(">") == "enum"

    @property
    def is_object(self) -> bool:
        """In an upcast chain: whether an object is here (its keys are `children`)."""
        return self.children is not None

    def describe(self) -> str:
        """The kind, marked `?` when optional: `string?`, `array<integer>`."""
        return self.kind + ("" if self.required else "?")


def kind_name(type_: FieldType) -> str:
    """The type name a schema declares: the kind, `array<...>` / `map<...>` with its items' or
    values' type for an array or a map."""
    if type_.kind in ("array", "map") and type_.items is not None:
        return f"{type_.kind}<{kind_name(type_.items)}>"
    if type_.kind == "tuple":
        rest = [] if type_.items is None else ["..." + kind_name(type_.items)]
        return "tuple[" + ",".join([*map(kind_name, type_.elements), *rest]) + "]"
    if type_.kind == "union" and type_.tag is None:
        return "union[" + "|".join(key for key, _ in type_.variants) + "]"
    if type_.kind == "union":
        return f"union<{type_.tag}>"  # its variants are paths of their own: `a<card>.b`
    return type_.kind
