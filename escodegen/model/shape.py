"""`Shape`: one field of a canonical JSON Schema as a reader sees it.

`check` and `diff` compare versions field path by field path (`analyse.shapes.flatten`), and
`migrate projections` compares a projection's columns the same way: one type for both.
"""

from __future__ import annotations

from dataclasses import dataclass

from escodegen.model.types import TypeKind, is_kind


@dataclass(frozen=True)
class Shape:
    """One field as a reader sees it. `kind` is the declared type name (`array<...>` for arrays,
    `map<...>` for maps)."""

    kind: str
    required: bool
    pii: bool = False
    values: tuple[str, ...] = ()
    """The enum's values, in order; for an array of enums (at any depth), its items' values."""
    default: str | None = None
    """The default as canonical JSON text, None when there is none."""
    nullable: bool = False
    """The value may be null (`required` says whether the key may be absent)."""

    @property
    def base(self) -> TypeKind:
        """The type kind, `array` for any array: what a column of it is stored as."""
        base = self.kind.split("<", 1)[0]
        assert is_kind(base), f"a shape is read from a canonical schema: {self.kind!r}"
        return base

    @property
    def has_default(self) -> bool:
        return self.default is not None

    @property
    def is_enum(self) -> bool:
        """An enum, or an array (of arrays) of enums: what enum rules judge."""
        return self.kind.replace("array<", "").rstrip(">") == "enum"

    def describe(self) -> str:
        """The kind, marked `?` when optional: `string?`, `array<integer>`."""
        return self.kind + ("" if self.required else "?")
