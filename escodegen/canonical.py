"""The one text form of a JSON document and the content fingerprint of a JSON Schema: pure
functions over JSON values, shared by the registry folder (which stores and verifies by them)
and the analysis (which compares by them)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")

ANNOTATIONS = frozenset({"title", "description", "$comment", "examples"})
# Keywords whose value is a schema, a list of schemas or a mapping of name -> schema; the
# fingerprint walks only these, so a *property* called `title` is never mistaken for one.
_SUBSCHEMA = frozenset({"items", "not", "if", "then", "else", "contains", "additionalProperties"})
_SUBSCHEMA_LISTS = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})
_SUBSCHEMA_MAPS = frozenset({"properties", "$defs", "patternProperties"})


def canonical_json(obj: Any) -> str:
    """The one text form of a JSON document: sorted keys, two-space indent, UTF-8, final newline.

    Strict JSON: a NaN or infinity is a ValueError, never written as a bare `NaN`.

    The text is json's `indent=2` form, which json writes in Python (only its compact form is
    in C): 0.3 s of the 5 s of a catalog of 500 events (2,000 schemas, 2,000 fingerprints).
    msgspec writes the same layout in C, but spells some numbers its own way (`1e16`, json:
    `1e+16`): so its compact text is used only when it is json's compact text, and the layout
    made of those same tokens is then json's indented text. Anything else (such a float, a lone
    surrogate) is written by json; what json refuses (NaN, a cycle) it refuses first."""
    import msgspec  # loaded once a text is written: a command that writes none never needs it

    compact = _compact(obj)
    try:
        encoded = _sorted_encoder().encode(obj)
    except (TypeError, ValueError, OverflowError, msgspec.EncodeError):
        encoded = None
    if encoded is not None and encoded.decode("utf-8") == compact:
        return msgspec.json.format(encoded, indent=2).decode("utf-8") + "\n"
    return json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


@cache
def _sorted_encoder() -> Any:
    import msgspec

    return msgspec.json.Encoder(order="sorted")


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


_SHARED_IDS: set[int] = set()
"""The ids of the schemas shared read-only by their maker (`analyse.schema.event_version_schema`),
alive while the maker holds them."""
_DERIVED: dict[tuple[int, str], Any] = {}
"""What `derived` computed from shared schemas, by (the schema's id, what)."""


def share(schema: dict[str, Any]) -> None:
    """Mark `schema` as shared and never modified: what is derived from it is then kept."""
    _SHARED_IDS.add(id(schema))


def forget_shared() -> None:
    """The maker let its shared schemas go: their ids may be reused."""
    _SHARED_IDS.clear()
    _DERIVED.clear()


def derived(schema: dict[str, Any], what: str, compute: Callable[[dict[str, Any]], T]) -> T:
    """`compute(schema)`, taken once for each shared schema, under the name `what`; a result
    that is mutable is shared too: copy it before changing it."""
    if id(schema) not in _SHARED_IDS:
        return compute(schema)
    key = (id(schema), what)
    if key not in _DERIVED:
        _DERIVED[key] = compute(schema)
    result: T = _DERIVED[key]
    return result


def fingerprint(schema: dict[str, Any]) -> str:
    """Content id of a schema's shape: `sha256:<hex>`; same shape, same id."""
    return derived(schema, "fingerprint", _fingerprint)


def _fingerprint(schema: dict[str, Any]) -> str:
    digest = hashlib.sha256(canonical_json(shape(schema)).encode("utf-8")).hexdigest()
    return f"sha256:{digest}"


def same_shape(first: dict[str, Any], second: dict[str, Any]) -> bool:
    """Do the two schemas have the same fingerprint? Decided without taking it: the compact
    form below is the canonical text without its indentation, so one is equal exactly when the
    other is, and json writes it in C (`indent` makes it fall back to Python, ten times slower:
    most of a `check` on 200 events went into fingerprints taken only to compare them).

    Two equal compact texts are one JSON document, so one shape: that is asked first, as an
    unchanged version's schema is the same document on both sides (annotations included), and
    only when it differs are the annotations taken out (in Python, most of the time left)."""
    return (_compact(first) == _compact(second)
            or _compact(shape(first)) == _compact(shape(second)))


def _compact(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)
