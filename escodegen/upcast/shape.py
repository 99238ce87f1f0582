"""The shape of a payload at one point of an upcast chain, for the static chain check.

A `PayloadShape` holds one `Shape` (escodegen/model/shape.py) per top-level key: what may be
there, values of a type (carried from the previous version, or produced by split/join/convert),
literal values an operation put there (add, default, map), or, for an object, its keys' shapes.
Operations change it the way they change a payload; each change replaces the shapes on the way
to the key, which are immutable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from escodegen.model import Field, FieldPath, FieldType
from escodegen.model.shape import Shape
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
    if old.startswith("tuple[") or new.startswith("tuple["):
        return _tuple_widens(old, new)
    if new.startswith("union[") or old.startswith("union["):
        # every variant of the old is one of the new (a one-variant union is its variant)
        return set(_members(old)) <= set(_members(new))
    return False


def _tuple_widens(old: str, new: str) -> bool:
    """Every value of `old` is one of `new`, either a tuple (`tuple[string,number,...string]`)
    or an array: every position `new` declares is present in every old value, and each old
    item (a position, or one of the rest) is a value of the new type at its index."""
    old_positions, old_rest = _tuple_parts(old)
    new_positions, new_rest = _tuple_parts(new)
    if old_positions is None and new_positions is None:
        return False
    if len(new_positions or ()) > len(old_positions or ()):
        return False  # an old value may end before a position the new type requires

    def fits(item: str, index: int) -> bool:
        target = new_positions[index] if new_positions and index < len(new_positions) else new_rest
        return target is not None and (item == target or widens(item, target))

    items = list(old_positions or ())
    if not all(fits(item, index) for index, item in enumerate(items)):
        return False
    return old_rest is None or fits(old_rest, max(len(items), len(new_positions or ())))


def _tuple_parts(kind: str) -> tuple[list[str] | None, str | None]:
    """(positions, rest) of a tuple's kind; an array's is (None, its items' kind): a list of
    any length; any other kind's (None, None)."""
    if kind.startswith("array<"):
        return None, kind[len("array<"):-1]
    if not kind.startswith("tuple["):
        return None, None
    parts, depth, start, body = [], 0, 0, kind[len("tuple["):-1]
    for index, char in enumerate(body):
        if char in "[<":
            depth += 1
        elif char in "]>":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(body[start:index])
            start = index + 1
    parts.append(body[start:])
    rest = parts[-1][3:] if parts[-1].startswith("...") else None
    return (parts[:-1] if rest is not None else parts), rest


def _members(kind: str) -> list[str]:
    """The variants of an untagged union's kind (`union[string|integer]`), or the kind itself:
    a value of one variant is a value of any union that has it."""
    return kind[len("union["):-1].split("|") if kind.startswith("union[") else [kind]


def describe_contents(shape: Shape) -> str:
    """What may be at a key, for messages: `string or "x" (optional)`."""
    parts = [shape.type.describe()] if shape.type is not None and not shape.is_object else []
    if shape.is_object:
        parts.append("object")
    parts += [ascii_json(lit.value) for lit in shape.literals]
    return " or ".join(parts) + ("" if shape.required else " (optional)")


class PathError(Exception):
    """A path that does not lead to a shape; the message says where it stops."""


@dataclass
class PayloadShape:
    """A payload's keys' shapes, changed in place by the operations of one chain link."""

    fields: dict[str, Shape] = field(default_factory=dict)

    @classmethod
    def of(cls, declared: tuple[Field, ...]) -> PayloadShape:
        return cls({f.name: Shape.of(f) for f in declared})

    def _parent(self, path: FieldPath) -> Mapping[str, Shape]:
        keys: Mapping[str, Shape] = self.fields
        for depth, key in enumerate(path[:-1]):
            shape = keys.get(key)
            if shape is None:
                raise PathError(f"{dotted(path[:depth + 1])} does not exist")
            if shape.children is None:
                raise PathError(f"{dotted(path[:depth + 1])} is not an object")
            keys = shape.children
        return keys

    def _rebuild(self, path: FieldPath, keys: dict[str, Shape]) -> None:
        """Make `keys` the keys of the object at `path` (the top level when empty), replacing
        the objects on the way."""
        for depth in range(len(path), 0, -1):
            above = dict(self._parent(path[:depth]))
            above[path[depth - 1]] = replace(above[path[depth - 1]], children=keys)
            keys = above
        self.fields = keys

    def get(self, path: FieldPath) -> Shape:
        shape = self._parent(path).get(path[-1])
        if shape is None:
            raise PathError(f"{dotted(path)} does not exist")
        return shape

    def has(self, path: FieldPath) -> bool:
        try:
            self.get(path)
        except PathError:
            return False
        return True

    def required_all_the_way(self, path: FieldPath) -> bool:
        """Whether the value is present whenever the payload is: it and its parents required."""
        keys: Mapping[str, Shape] = self.fields
        for key in path:
            shape = keys[key]
            if not shape.required or shape.nullable:
                return False  # absent, or null (whose parts are absent)
            keys = shape.children or {}
        return True

    def set(self, path: FieldPath, shape: Shape) -> None:
        """Write into an existing parent object."""
        keys = dict(self._parent(path))
        keys[path[-1]] = shape
        self._rebuild(path[:-1], keys)

    def delete(self, path: FieldPath) -> Shape:
        keys = dict(self._parent(path))
        deleted = keys.pop(path[-1])
        self._rebuild(path[:-1], keys)
        return deleted

    def take(self, path: FieldPath) -> Shape:
        """Remove the shape and every enclosing object this leaves without keys (as `move`
        does).

        An enclosing object whose remaining keys are all optional may be left empty, and so
        removed, by some payloads: it becomes optional."""
        taken = self.delete(path)
        for depth in range(len(path) - 1, 0, -1):
            parent = self.get(path[:depth])
            if not parent.children:
                self.delete(path[:depth])
            elif any(child.required for child in parent.children.values()):
                break
            else:
                self.set(path[:depth], replace(parent, required=False))
        return taken

    def put(self, path: FieldPath, shape: Shape) -> None:
        """Write, creating the objects on the way (present exactly when the moved value is).

        An object already on the way is then present also whenever the value is; one that may
        have been absent or null is created by some payloads holding nothing but the way to the
        value, so its other keys become optional."""
        self.fields = _put(self.fields, path, shape, created=False)


def _put(keys: Mapping[str, Shape], path: FieldPath, shape: Shape,
         created: bool) -> dict[str, Shape]:
    """`keys` with `shape` written at `path`; `created`: whether the object holding `keys` may
    be new, holding only this write."""
    result = dict(keys)
    if len(path) == 1:
        result[path[0]] = shape
        return result
    parent = keys.get(path[0])
    children: Mapping[str, Shape]
    if parent is None or parent.children is None:
        parent, children, created = Shape(FieldType("object"), shape.required), {}, True
    else:
        created = created or not parent.required
        children = parent.children
        if created:
            children = {name: replace(child, required=False) for name, child in children.items()}
    # A null object on the way is replaced by one holding the value.
    result[path[0]] = replace(parent, required=parent.required or shape.required,
                              nullable=parent.nullable and not shape.required,
                              children=_put(children, path[1:], shape, created))
    return result


def dotted(path: FieldPath) -> str:
    return ".".join(path)
