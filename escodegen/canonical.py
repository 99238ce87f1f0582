"""The one text form of a JSON document and the content fingerprint of a JSON Schema: pure
functions over JSON values, shared by the registry folder (which stores and verifies by them)
and the analysis (which compares by them)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

ANNOTATIONS = frozenset({"title", "description", "$comment", "examples"})
# Keywords whose value is a schema, a list of schemas or a mapping of name -> schema; the
# fingerprint walks only these, so a *property* called `title` is never mistaken for one.
_SUBSCHEMA = frozenset({"items", "not", "if", "then", "else", "contains", "additionalProperties"})
_SUBSCHEMA_LISTS = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})
_SUBSCHEMA_MAPS = frozenset({"properties", "$defs", "patternProperties"})


def canonical_json(obj: Any) -> str:
    """The one text form of a JSON document: sorted keys, two-space indent, UTF-8, final newline.

    Strict JSON: a NaN or infinity is a ValueError, never written as a bare `NaN`."""
    return json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def shape(schema: Any) -> Any:
    """`schema` without annotations: what the fingerprint is taken of."""
    if not isinstance(schema, dict):
        return schema
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ANNOTATIONS:
            continue
        if key in _SUBSCHEMA:
            result[key] = shape(value)
        elif key in _SUBSCHEMA_LISTS:
            result[key] = [shape(v) for v in value]
        elif key in _SUBSCHEMA_MAPS:
            result[key] = {name: shape(v) for name, v in value.items()}
        else:
            result[key] = value
    return result


def fingerprint(schema: dict[str, Any]) -> str:
    """Content id of a schema's shape: `sha256:<hex>`; same shape, same id."""
    digest = hashlib.sha256(canonical_json(shape(schema)).encode("utf-8")).hexdigest()
    return f"sha256:{digest}"
