"""The shape of a payload at one point of an upcast chain, for the static chain check.

A `Slot` is what may be at one key: values of a type (carried from the previous version, or
produced by split/join/convert), literal values an operation put there (add, default, map), or
nested slots for an object. Operations change the shape the way they change a payload.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from escodegen.diagnostics import Span
from escodegen.model import Field, FieldPath, FieldType
from escodegen.upcast.values import ascii_json

SAFE_WIDENINGS = frozenset({("integer", "number"), ("enum", "string")})
"""Scalar type changes under which every stored value is still a value of the new type (any
type also widens to `json`, and an array to an array of a wider item type)."""


def widens(old: str, new: str) -> bool:
    """Whether `old` -> `new` is a safe widening: every stored value of kind `old` is a value of
    kind `new`, so stored events decode without an upcaster. Kinds as `array<integer>`."""
    if old == new:
        return False
    if new == "json" or (old, new) in SAFE_WIDENINGS:
        return True
    for container in ("array<", "map<"):
        if old.startswith(container) and new.startswith(container):
            return widens(old[len(container):-1], new[len(container):-1])
    return False


@dataclass(frozen=True)
class Literal:
    """A value an operation writes, remembered with the operation that wrote it."""

    value: Any
    op: str
    span: Span | None


@dataclass
class Slot:
    type: FieldType | None
    """The type of the values that may be here; None when only `literals` may be."""
    required: bool
    literals: tuple[Literal, ...] = ()
    children: dict[str, Slot] | None = None
    """For an object: its keys' slots (the `fields` of `type` are not used then)."""
    produced_by: str | None = None
    """The operation that produced this slot's type (split, join, convert), for messages."""
    nullable: bool = False
    """The value may be null where the key is present (`nullable: true`, or `string?` with
    `required` false too)."""

    @classmethod
    def of(cls, declared: Field) -> Slot:
        slot = cls.of_type(declared.type, declared.required)
        slot.nullable = declared.may_be_null
        return slot

    @classmethod
    def of_type(cls, type_: FieldType, required: bool) -> Slot:
        children = {f.name: cls.of(f) for f in type_.fields} if type_.kind == "object" else None
        return cls(type_, required, children=children)

    @property
    def is_object(self) -> bool:
        return self.children is not None

    def describe(self) -> str:
        parts = [self.type.describe()] if self.type is not None and not self.is_object else []
        if self.is_object:
            parts.append("object")
        parts += [ascii_json(lit.value) for lit in self.literals]
        return " or ".join(parts) + ("" if self.required else " (optional)")


class PathError(Exception):
    """A path that does not lead to a slot; the message says where it stops."""


@dataclass
class Shape:
    fields: dict[str, Slot] = field(default_factory=dict)

    @classmethod
    def of(cls, declared: tuple[Field, ...]) -> Shape:
        return cls({f.name: Slot.of(f) for f in declared})

    def _parent(self, path: FieldPath) -> dict[str, Slot]:
        slots = self.fields
        for depth, key in enumerate(path[:-1]):
            slot = slots.get(key)
            if slot is None:
                raise PathError(f"{dotted(path[:depth + 1])} does not exist")
            if slot.children is None:
                raise PathError(f"{dotted(path[:depth + 1])} is not an object")
            slots = slot.children
        return slots

    def get(self, path: FieldPath) -> Slot:
        slot = self._parent(path).get(path[-1])
        if slot is None:
            raise PathError(f"{dotted(path)} does not exist")
        return slot

    def has(self, path: FieldPath) -> bool:
        try:
            self.get(path)
        except PathError:
            return False
        return True

    def required_all_the_way(self, path: FieldPath) -> bool:
        """Whether the value is present whenever the payload is: it and its parents required."""
        slots = self.fields
        for key in path:
            slot = slots[key]
            if not slot.required or slot.nullable:
                return False  # absent, or null (whose parts are absent)
            slots = slot.children or {}
        return True

    def set(self, path: FieldPath, slot: Slot) -> None:
        """Write into an existing parent object."""
        self._parent(path)[path[-1]] = slot

    def delete(self, path: FieldPath) -> Slot:
        return self._parent(path).pop(path[-1])

    def take(self, path: FieldPath) -> Slot:
        """Remove the slot and every enclosing object this leaves without keys (as `move` does).

        An enclosing object whose remaining keys are all optional may be left empty, and so
        removed, by some payloads: it becomes optional."""
        slot = self.delete(path)
        for depth in range(len(path) - 1, 0, -1):
            parent = self.get(path[:depth])
            if not parent.children:
                self.delete(path[:depth])
            elif any(child.required for child in parent.children.values()):
                break
            else:
                self.set(path[:depth], replace(parent, required=False))
        return slot

    def put(self, path: FieldPath, slot: Slot) -> None:
        """Write, creating the objects on the way (present exactly when the moved value is).

        An object already on the way is then present also whenever the value is; one that may
        have been absent or null is created by some payloads holding nothing but the way to the
        value, so its other keys become optional."""
        slots = self.fields
        created = False  # whether the object at this depth may be new, holding only this write
        for key in path[:-1]:
            parent = slots.get(key)
            if parent is None or parent.children is None:
                parent = Slot(FieldType("object"), slot.required, children={})
                created = True
            else:
                created = created or not parent.required
                children = parent.children
                if created:
                    children = {name: replace(child, required=False)
                                for name, child in children.items()}
                # A null object on the way is replaced by one holding the value.
                parent = replace(parent, required=parent.required or slot.required,
                                 nullable=parent.nullable and not slot.required,
                                 children=children)
            slots[key] = parent
            assert parent.children is not None
            slots = parent.children
        slots[path[-1]] = slot


def dotted(path: FieldPath) -> str:
    return ".".join(path)
