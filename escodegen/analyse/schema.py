"""The canonical JSON Schema (draft 2020-12) of an event version (fingerprint: canonical.py).

This is the one place where the model becomes JSON Schema: the registry stores these
schemas, the Python target feeds them to datamodel-code-generator and the PostgreSQL target
stores them in its registry table. Decisions (documented in docs/registry.md):

- `decimal` is a JSON *string* with `format: decimal` and a plain-decimal `pattern`, because a
  JSON number goes through binary floating point in most readers and PostgreSQL `numeric`
  must round-trip exactly (`"0.10"` stays `"0.10"`). datamodel-code-generator maps
  `format: decimal` to `Decimal`.
- An optional field (`required: false`) is absent from `required`; a nullable one
  (`nullable: true`, and by default an optional one) is `anyOf: [<type>, {type: null}]`.
- A map is an object whose `additionalProperties` is the values' schema.
- A tuple is an array whose `prefixItems` are its positions, `items` its rest (`false`: none)
  and `minItems` the number of positions (every position is present).
- Named types are expanded where they are used (no `$ref`): a version's schema is all its
  stored events depend on, so its fingerprint changes exactly when an expansion it uses does.
  A named record or enum is titled by its name.
- Constraints (`maxLength`, `pattern`, `minimum`, ...) are the JSON Schema keywords of the same
  name on the type's schema; a decimal's bounds are JSON numbers too (a JSON Schema validator
  applies them to numbers only, so it does not check them on a decimal's text: the generated
  validators do).
- Objects are open (no `additionalProperties: false`): a weak-schema addition (an optional
  field added in place) must not make old readers reject new payloads.
- `title` is the class name of the version (`CustomerRegistered` for the latest,
  `CustomerRegisteredV1` for older ones); nested objects and enums are named after it and
  their path (`CustomerRegisteredAddress`, `CustomerRegisteredV1Address`), so the latest
  version's nested types keep their names when an optional field is added in a new version.
  The names come from `escodegen.model.pynames`.
- The fingerprint hashes the shape only: annotations (`title`, `description`, `$comment`,
  `examples`) are left out, so a documentation fix or the latest class being renamed to
  `...V<n>` when a newer version arrives keeps the id, and equal shapes share one id.
"""

from __future__ import annotations

import datetime as _dt
import decimal as _decimal
import json
from typing import Any

from escodegen.canonical import forget_shared, share
from escodegen.model import Event, EventVersion, Field, FieldType
from escodegen.model.constraints import CONSTRAINTS, json_number
from escodegen.model.naming import pascal
from escodegen.model.pynames import (
    event_class,
    item_class,
    nested_class,
    position_class,
    value_class,
)
from escodegen.model.types import EXACT_NUMBER_KINDS, TYPES

DRAFT = "https://json-schema.org/draft/2020-12/schema"


_SHARED: dict[tuple[int, int], tuple[Event, EventVersion, dict[str, Any]]] = {}
"""The schemas made so far, by (id of the event, id of the version), holding both so that
neither id is reused while its entry lives."""
_SHARED_LIMIT = 50_000


def event_version_schema(event: Event, version: EventVersion | int) -> dict[str, Any]:
    """The canonical JSON Schema of one version of `event`, keys in declaration order.

    Made once per version and shared by every caller (the model is immutable, and a command
    asks for the same version's schema many times: compare, history, the catalog's pages):
    never modify the result; copy it first."""
    ev = event.version(version) if isinstance(version, int) else version
    key = (id(event), id(ev))
    held = _SHARED.get(key)
    if held is not None and held[0] is event and held[1] is ev:
        return held[2]
    schema = _event_version_schema(event, ev)
    if len(_SHARED) >= _SHARED_LIMIT:
        _SHARED.clear()
        forget_shared()
    _SHARED[key] = (event, ev, schema)
    share(schema)
    return schema


def _event_version_schema(event: Event, ev: EventVersion) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "$schema": DRAFT,
        "title": event_class(event.name, ev.number, event.latest.number),
    }
    description = _describe(event, ev)
    if description:
        schema["description"] = description
    schema.update(_object(ev.fields, schema["title"]))
    return schema


def fields_schema(fields: tuple[Field, ...], title: str) -> dict[str, Any]:
    """The schema of a plain record of fields (an aggregate's state, a projection's row)."""
    return {"$schema": DRAFT, "title": title, **_object(fields, title)}


def type_schema(field_type: FieldType, title: str = "") -> dict[str, Any]:
    """The schema of one field type; `title` names objects and enums (`<Class><Path>`)."""
    schema = _unconstrained(field_type, title)
    if field_type.constraints:
        schema.update(constraint_keywords(field_type.constraints))
    return schema


def constraint_keywords(constraints: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    """The JSON Schema keywords of a type's constraints: the same keys, numbers as JSON
    numbers (a decimal's bound too: the keyword's meaning is the number's)."""
    return {key: json_number(value) if CONSTRAINTS[key].value in ("bound", "step") else value
            for key, value in constraints}


def _unconstrained(field_type: FieldType, title: str) -> dict[str, Any]:
    scalar = TYPES[field_type.kind].schema
    if scalar is not None:
        return dict(scalar)
    title = field_type.name or title
    if field_type.kind == "enum":
        return {"type": "string", "title": title, "enum": list(field_type.values)}
    if field_type.kind == "array":
        assert field_type.items is not None, "the check stage gives every array its items"
        return {"type": "array", "items": type_schema(field_type.items, item_class(title))}
    if field_type.kind == "map":
        assert field_type.items is not None, "the check stage gives every map its values"
        return {"type": "object",
                "additionalProperties": type_schema(field_type.items, value_class(title))}
    if field_type.kind == "object":
        return {"title": title, **_object(field_type.fields, title)}
    if field_type.kind == "union":
        return union_schema(field_type, title)
    if field_type.kind == "tuple":
        return tuple_schema(field_type, title)
    raise ValueError(f"unknown field type {field_type.kind!r}")


def tuple_schema(field_type: FieldType, title: str) -> dict[str, Any]:
    """A tuple: `prefixItems` its positions, `items` its rest (`false`: no more items), and
    `minItems` the number of positions, as every position is present (JSON Schema's positions
    alone would let an array stop early)."""
    positions = [type_schema(element, position_class(title, index))
                 for index, element in enumerate(field_type.elements)]
    rest = (False if field_type.items is None
            else type_schema(field_type.items, item_class(title)))
    return {"type": "array", "prefixItems": positions, "items": rest,
            "minItems": len(positions)}


def union_schema(field_type: FieldType, title: str) -> dict[str, Any]:
    """A tagged union: `oneOf` its variants, each an object whose tag is a `const` (so exactly
    one variant fits any value), and the OpenAPI `discriminator` annotation naming the tag (a
    validator ignores it; code generators read it). A variant is titled by the union and its tag
    value (`PaymentMethodCard`), also when its record is a named type: the variant's class holds
    the tag, the named record's does not."""
    if field_type.tag is None:
        # untagged: scalars of distinct JSON kinds, so exactly one variant fits a value
        return {"oneOf": [type_schema(variant, title) for _, variant in field_type.variants]}
    tag = field_type.tag
    variants = []
    for value, record in field_type.variants:
        variant_title = title + pascal(value)
        body = _object(record.fields, variant_title)
        body["properties"] = {tag: {"const": value}, **body["properties"]}
        body["required"] = sorted([tag, *body["required"]])
        variants.append({"title": variant_title, **body})
    return {"title": title, "oneOf": variants, "discriminator": {"propertyName": tag}}


def _object(fields: tuple[Field, ...], title: str) -> dict[str, Any]:
    properties = {f.name: _property(f, nested_class(title, f.name)) for f in fields}
    return {
        "type": "object",
        "properties": properties,
        "required": sorted(f.name for f in fields if f.required),
    }


def _property(field: Field, title: str) -> dict[str, Any]:
    inner = type_schema(field.type, title)
    prop: dict[str, Any] = {"anyOf": [inner, {"type": "null"}]} if field.may_be_null else inner
    if field.description:
        prop["description"] = field.description
    if field.has_default:
        prop["default"] = _json_value(field.default, field.type.kind)
    if field.pii:
        prop["x-pii"] = True
    return prop


def _describe(event: Event, version: EventVersion) -> str:
    parts = [event.description or ""]
    if version.description:
        parts.append(f"Version {version.number}: {version.description}")
    return "\n\n".join(p for p in parts if p)


def default_json(value: Any, kind: str) -> str:
    """A default (or a value an upcaster fills in) as the JSON text a payload holds."""
    return json.dumps(_json_value(value, kind), sort_keys=True)


def _json_value(value: Any, kind: str) -> Any:
    """A default as JSON: decimals as exact strings, dates in ISO form (YAML reads them natively)."""
    if value is None:
        return None
    if kind in EXACT_NUMBER_KINDS and isinstance(value, int | float | _decimal.Decimal):
        return str(value)
    if isinstance(value, _dt.date | _dt.datetime):
        return value.isoformat()
    return value
