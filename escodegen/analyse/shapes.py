"""What a comparison reads: the published side as JSON Schemas (a `Contract`) and every schema
flattened to one `Shape` per field path.

A contract comes from the registry folder (for `check`) or from the model at a git ref or
in another folder (for `diff`): both sides of every comparison are the same canonical
schemas, so `check` and `diff` judge changes by one engine.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from escodegen.analyse.schema import event_version_schema, fields_schema
from escodegen.canonical import derived
from escodegen.model import Aggregate, Field, FieldType, Project, Projection
from escodegen.model.constraints import CONSTRAINTS, number
from escodegen.model.naming import pascal
from escodegen.model.shape import Shape, kind_name
from escodegen.model.types import KIND_OF_FORMAT, TypeKind, is_kind

if TYPE_CHECKING:
    from escodegen.sources.registry import Registry


@dataclass(frozen=True)
class Owner:
    """The event-level facts stored events depend on: whose streams hold them, and the field
    naming the data subject a purge finds them by."""

    aggregate: str | None
    subject: str | None


@dataclass(frozen=True)
class Contract:
    """The published side of a comparison: schemas by event and version, aggregate state
    schemas by aggregate and state version, projection schemas by name."""

    events: Mapping[str, Mapping[int, dict[str, Any]]] = field(default_factory=dict)
    states: Mapping[str, Mapping[int, dict[str, Any]]] = field(default_factory=dict)
    projections: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    owners: Mapping[str, Owner] = field(default_factory=dict)
    """By event; known when the base is a project (git ref or folder), not from the registry."""
    label: str = "base"
    """What the contract was read from, shown in reports: `registry`, `origin/main`, a folder."""


def state_schema(aggregate: Aggregate) -> dict[str, Any]:
    title = f"{aggregate.name}StateV{aggregate.state.version}"
    return fields_schema(aggregate.state.fields, title)


def projection_schema(projection: Projection) -> dict[str, Any]:
    """A projection row's shape; `x-key` lists the key columns (a change forces a rebuild too)."""
    fields = tuple(Field(c.name, c.type, c.required) for c in projection.columns)
    return {**fields_schema(fields, pascal(projection.name) + "Row"), "x-key": list(projection.key)}


def contract_of(project: Project, label: str) -> Contract:
    """The contract a project's declarations define: every declared version counts as published."""
    return Contract(
        events={e.name: {v.number: event_version_schema(e, v) for v in e.versions}
                for e in project.events},
        states={a.name: {a.state.version: state_schema(a)} for a in project.aggregates},
        projections={p.name: projection_schema(p) for p in project.projections},
        owners={e.name: Owner(e.aggregate, e.subject) for e in project.events},
        label=label,
    )


def registry_contract(registry: Registry) -> Contract:
    """The published schemas (current revisions) as the base of a comparison."""
    events: dict[str, dict[int, Any]] = {}
    states: dict[str, dict[int, Any]] = {}
    projections: dict[str, Any] = {}
    for (section, name, version), schema in registry.schemas.items():
        if section == "events":
            events.setdefault(name, {})[int(str(version))] = schema
        elif section == "aggregates":
            states.setdefault(name, {})[int(str(version))] = schema
        else:
            projections[name] = schema
    return Contract(events=events, states=states, projections=projections, label="registry")


def flatten(schema: dict[str, Any]) -> dict[str, Shape]:
    """Every field path of an object schema: `a`, `a.b` for nested objects, `a[].b` for objects
    inside arrays, `a{}.b` for objects as a map's values; parents come before their children."""
    return dict(derived(schema, "flatten", _flatten))


def _flatten(schema: dict[str, Any]) -> dict[str, Shape]:
    result: dict[str, Shape] = {}
    _flatten_object(schema, "", result)
    return result


def _flatten_object(schema: dict[str, Any], prefix: str, out: dict[str, Shape]) -> None:
    required = set(schema.get("required", ()))
    for name, prop in schema.get("properties", {}).items():
        path = prefix + name
        inner = non_null(prop)
        out[path] = Shape(
            type_of(inner),
            required=name in required,
            pii=bool(prop.get("x-pii")),
            default=json.dumps(prop["default"], sort_keys=True) if "default" in prop else None,
            nullable=inner is not prop,
        )
        _flatten_inner(inner, path, out)


def _flatten_inner(inner: dict[str, Any], path: str, out: dict[str, Shape]) -> None:
    if _is_union(inner):
        _flatten_union(inner, path, out)
    elif _is_map(inner):
        values = inner["additionalProperties"]
        if values.get("type") == "object" and not _is_map(values):
            _flatten_object(values, path + "{}.", out)
        else:
            _flatten_inner(values, path + "{}", out)
    elif inner.get("type") == "object":
        _flatten_object(inner, path + ".", out)
    elif inner.get("type") == "array" and "prefixItems" not in inner:
        # a tuple is one shape: its kind (`tuple[string,number]`) names every position's type
        items = inner.get("items", {})
        if items.get("type") == "object":
            _flatten_object(items, path + "[].", out)
        elif items.get("type") == "array" or _is_map(items) or _is_union(items):
            _flatten_inner(items, path + "[]", out)


def _is_union(schema: dict[str, Any]) -> bool:
    """A tagged union: `oneOf` its variants, the tag named by `discriminator`."""
    return isinstance(schema.get("oneOf"), list) and isinstance(schema.get("discriminator"), dict)


def _tag_values(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(tag value, variant schema) of a tagged union."""
    tag = schema["discriminator"].get("propertyName")
    result = []
    for variant in schema["oneOf"]:
        const = variant.get("properties", {}).get(tag, {}).get("const")
        if isinstance(const, str):
            result.append((const, variant))
    return result


def _flatten_union(schema: dict[str, Any], path: str, out: dict[str, Shape]) -> None:
    """A variant's fields as `path<tag value>.field` (the tag itself is the union's)."""
    tag = schema["discriminator"].get("propertyName")
    for value, variant in _tag_values(schema):
        fields = dict(variant)
        fields["properties"] = {k: v for k, v in variant.get("properties", {}).items()
                                if k != tag}
        _flatten_object(fields, f"{path}<{value}>.", out)


def _is_map(schema: dict[str, Any]) -> bool:
    """A map: an object whose values are typed by `additionalProperties`."""
    return schema.get("type") == "object" and isinstance(schema.get("additionalProperties"), dict)


def non_null(prop: dict[str, Any]) -> dict[str, Any]:
    """The type of an optional property, `anyOf: [<type>, {type: null}]`, without its null branch."""
    any_of = prop.get("anyOf")
    if any_of:
        return next((s for s in any_of if s.get("type") != "null"), {})
    return prop


def kind_of(schema: dict[str, Any]) -> str:
    """The declared type name of a (non-null) schema: `string`, `array<integer>`."""
    return kind_name(type_of(schema))


def type_of(schema: dict[str, Any]) -> FieldType:
    """The declared type of a (non-null) schema, the inverse of `schema.type_schema`; an object
    without its keys (`flatten` gives them paths of their own). No type, or one escodegen never
    writes, is `json`: any value."""
    found = _unconstrained_type_of(schema)
    constraints = constraints_of(schema, found.kind)
    return replace(found, constraints=constraints) if constraints else found


def constraints_of(schema: dict[str, Any], kind: TypeKind) -> tuple[tuple[str, Any], ...]:
    """The constraints (escodegen.model.constraints) a schema of the kind states, as the
    model holds them (a decimal's bounds as Decimal)."""
    found = []
    for key, constraint in CONSTRAINTS.items():
        if key in schema and kind in constraint.kinds:
            value = schema[key]
            if constraint.value in ("bound", "step") and kind == "decimal":
                value = number(value)
            found.append((key, value))
    return tuple(found)


def _unconstrained_type_of(schema: dict[str, Any]) -> FieldType:
    if isinstance(schema.get("oneOf"), list) and "discriminator" not in schema:
        variants = [type_of(variant) for variant in schema["oneOf"]]
        return FieldType("union", variants=tuple((kind_name(v), v) for v in variants))
    if _is_union(schema):
        return FieldType("union", tag=schema["discriminator"].get("propertyName"),
                         variants=tuple((value, FieldType("object"))
                                        for value, _ in _tag_values(schema)))
    kind = schema.get("type")
    if not isinstance(kind, str) or not is_kind(kind):
        return FieldType("json")
    if kind == "string":
        if "enum" in schema:
            return FieldType("enum", values=tuple(schema["enum"]))
        return FieldType(KIND_OF_FORMAT.get(schema.get("format", ""), "string"))
    if kind == "array" and isinstance(schema.get("prefixItems"), list):
        rest = schema.get("items", {})
        return FieldType("tuple", elements=tuple(type_of(e) for e in schema["prefixItems"]),
                         items=None if rest is False else type_of(rest))
    if kind == "array":
        return FieldType("array", items=type_of(schema.get("items", {})))
    if _is_map(schema):
        return FieldType("map", items=type_of(schema["additionalProperties"]))
    return FieldType(kind)
