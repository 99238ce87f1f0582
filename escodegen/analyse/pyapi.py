"""The Python API the generated package gives an event's latest version, read from its
canonical schema by the naming scheme of `escodegen.model.pynames`: the classes (the event's,
its nested records and enums, the named types' it uses) and each class's attributes with
their annotations. `diff` compares the base's and the head's to find what breaks code using
the package (rules ESD200-ESD202).

Names are computed from the schema's structure, not read from its titles: a registry written
by an older escodegen may title the latest version's nested classes `<Event>V<n><Field>`. A
title that is neither that nor the current name is a named type's, which is its class name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from escodegen.analyse.shapes import non_null, type_of
from escodegen.model import AttributeNames
from escodegen.model.pynames import (
    attribute_name,
    event_class,
    item_class,
    nested_class,
    position_class,
    value_class,
)
from escodegen.model.types import TYPES, TypeKind


@dataclass(frozen=True)
class Attribute:
    annotation: str
    """As the dataclass of the `dataclasses` mode writes it (`Decimal | None`)."""
    path: str
    """The field's JSON path in the payload (`pricing.total`, `lineItems[].sku`)."""


@dataclass
class PythonApi:
    classes: dict[str, dict[str, Attribute]] = field(default_factory=dict)
    """Class -> attribute -> what it is; an enum has no attributes here."""
    where: dict[str, str] = field(default_factory=dict)
    """Class -> the JSON path of the first field holding it ("" for the event's own)."""


def latest_api(event: str, number: int, schema: dict[str, Any],
               style: AttributeNames) -> PythonApi:
    """The API of version `number` of `event`, taken as its latest version."""
    api = PythonApi()
    # The name the version's classes had before this scheme, and have once a newer one exists.
    versioned = event_class(event, number, number + 1)
    _record(schema, event, versioned, "", api, style)
    return api


def _record(schema: dict[str, Any], cls: str, versioned: str, prefix: str, api: PythonApi,
            style: AttributeNames) -> None:
    api.where.setdefault(cls, prefix.rstrip("."))
    attributes = api.classes.setdefault(cls, {})
    required = set(schema.get("required", ()))
    for name, prop in schema.get("properties", {}).items():
        inner = non_null(prop)
        annotation = _annotation(inner, nested_class(cls, name), nested_class(versioned, name),
                                 prefix + name, api, style)
        if inner is not prop or name not in required:
            annotation += " | None"
        attributes[attribute_name(name, style)] = Attribute(annotation, prefix + name)


def _annotation(schema: dict[str, Any], cls: str, versioned: str, path: str, api: PythonApi,
                style: AttributeNames) -> str:
    title = schema.get("title")
    if isinstance(title, str) and title not in (cls, versioned):
        cls = versioned = title  # a named type's class
    ftype = type_of(schema)
    if ftype.kind == "enum":
        api.classes.setdefault(cls, {})
        api.where.setdefault(cls, path)
        return cls
    if ftype.kind == "object":
        _record(schema, cls, versioned, path + ".", api, style)
        return cls
    if ftype.kind == "array":
        inner = _annotation(schema.get("items", {}), item_class(cls), item_class(versioned),
                            path + "[]", api, style)
        return f"list[{inner}]"
    if ftype.kind == "map":
        inner = _annotation(schema["additionalProperties"], value_class(cls),
                            value_class(versioned), path + "{}", api, style)
        return f"dict[str, {inner}]"
    if ftype.kind == "tuple":
        return _tuple_annotation(schema, cls, versioned, path, api, style)
    if ftype.kind == "union":
        # A tagged union is its type alias (its variants' classes are not followed here); an
        # untagged one the union of its members' types.
        return cls if ftype.tag is not None else " | ".join(
            _scalar(member.kind) or key for key, member in ftype.variants)
    python = _scalar(ftype.kind)
    assert python is not None, "every scalar kind has a Python type"
    return python


def _tuple_annotation(schema: dict[str, Any], cls: str, versioned: str, path: str,
                      api: PythonApi, style: AttributeNames) -> str:
    """A tuple's annotation as escodegen.emit.python.models writes it: `tuple[A, B]` when
    closed with two positions or more, else a list of its one type or of the union of its
    positions' and rest's (Any when one is json)."""
    rest = schema.get("items")
    members = [_annotation(position, position_class(cls, index),
                           position_class(versioned, index), f"{path}[{index}]", api, style)
               for index, position in enumerate(schema.get("prefixItems", []))]
    if rest is False and len(members) > 1:
        return "tuple[" + ", ".join(members) + "]"
    if isinstance(rest, dict):
        members.append(_annotation(rest, item_class(cls), item_class(versioned), path + "[]",
                                   api, style))
    unique = list(dict.fromkeys(members))
    return "list[" + ("Any" if "Any" in unique else " | ".join(unique)) + "]"


def _scalar(kind: TypeKind) -> str | None:
    """The annotation of a scalar kind in the `dataclasses` mode."""
    python = TYPES[kind].python
    return None if python is None else python["dataclasses"].text
