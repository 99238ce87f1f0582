"""Reading and writing a dotted path in a jsonb payload, as SQL expressions.

Each function mirrors one helper of the generated Python module (templates/upcast/upcasters.py.j2)
and the docs (docs/upcast/paths.md) state the shared rules:

* reading walks objects only: a missing key, or a value on the way that is not an object, reads
  as absent;
* `set` writes only into objects that exist (an absent parent means no write);
* `put` (move, rename) creates the objects on its way, replacing a non-object found there;
* `take` (move, rename) removes the value and every enclosing object this leaves empty.

`data` is always a jsonb expression for a JSON object (the payload).

Only IMMUTABLE functions and operators appear here (no `jsonb_build_object`, `to_jsonb`,
`concat_ws` or `array_to_string`, which are STABLE): PostgreSQL inlines an IMMUTABLE SQL function
only when its body is no more volatile than it, and inlining is what makes the upcast cheap.
"""

from __future__ import annotations

from escodegen.model import FieldPath
from escodegen.sqltext import literal, text_array


def get(data: str, path: FieldPath) -> str:
    """The jsonb value at `path`; SQL NULL when absent (JSON null is the jsonb `'null'`)."""
    if len(path) == 1:
        return f"({data} -> {literal(path[0])})"
    return f"({data} #> {text_array(path)})"


def get_text(data: str, path: FieldPath) -> str:
    """The text of the scalar at `path` (a string's content, a number's digits); NULL when absent
    or JSON null."""
    if len(path) == 1:
        return f"({data} ->> {literal(path[0])})"
    return f"({data} #>> {text_array(path)})"


def type_of(data: str, path: FieldPath) -> str:
    """`'string'`, `'number'`, `'boolean'`, `'null'`, `'object'`, `'array'`, or NULL when absent."""
    return f"jsonb_typeof{get(data, path)}"


def parent_is_object(data: str, path: FieldPath) -> str:
    if len(path) == 1:
        return "TRUE"
    return f"({type_of(data, path[:-1])} = 'object')"


def string(text: str) -> str:
    """A jsonb string holding the text expression `text` (to_jsonb is only STABLE)."""
    return f"(jsonb_object(ARRAY['s'], ARRAY[{text}]) -> 's')"


def set_(data: str, path: FieldPath, value: str) -> str:
    """`data` with `value` at `path`, if every object on the way exists (else `data` unchanged)."""
    if len(path) == 1:
        return f"jsonb_set({data}, {text_array(path)}, {value})"
    # jsonb_set raises on an array on the way: the guard sees that the parent is an object.
    return (f"(CASE WHEN {parent_is_object(data, path)} "
            f"THEN jsonb_set({data}, {text_array(path)}, {value}) ELSE {data} END)")


def set_strings(data: str, writes: list[tuple[FieldPath, str]]) -> str:
    """Several `set_`s of text values in order; the top-level ones in one `jsonb_object`."""
    top = [(path[0], text) for path, text in writes if len(path) == 1]
    result = data
    if top:
        keys = ", ".join(literal(key) for key, _ in top)
        texts = ", ".join(text for _, text in top)
        result = f"({data} || jsonb_object(ARRAY[{keys}], ARRAY[{texts}]))"
    for path, text in writes:
        if len(path) > 1:
            result = set_(result, path, string(text))
    return result


def delete(data: str, path: FieldPath) -> str:
    """`data` without the key at `path` (unchanged when absent)."""
    if len(path) == 1:
        return f"({data} - {literal(path[0])})"
    return (f"(CASE WHEN {parent_is_object(data, path)} "
            f"THEN {data} #- {text_array(path)} ELSE {data} END)")


def take(data: str, path: FieldPath) -> str:
    """`data` without the value at `path` (which must be present) and without every enclosing
    object that this leaves empty; the payload itself always stays."""
    if len(path) == 1:
        return f"({data} - {literal(path[0])})"
    # Object k on the way is left empty when each object from k down holds only the next key.
    only_key = [f"(({get(data, path[:i])} - {literal(path[i])}) = '{{}}'::jsonb)"
                for i in range(1, len(path))]
    branches = [f"WHEN {' AND '.join(only_key[level - 1:])} THEN {data} #- {text_array(path[:level])}"
                for level in range(1, len(path))]
    return f"(CASE {' '.join(branches)} ELSE {data} #- {text_array(path)} END)"


def put(data: str, path: FieldPath, value: str) -> str:
    """`data` with `value` at `path`, creating the objects on the way (a non-object found there is
    replaced by a new object)."""
    key = literal(path[0])
    if len(path) == 1:
        return f"jsonb_set({data}, {text_array(path[:1])}, {value})"
    child = (f"(CASE WHEN jsonb_typeof({data} -> {key}) = 'object' "
             f"THEN {data} -> {key} ELSE '{{}}'::jsonb END)")
    return f"jsonb_set({data}, {text_array(path[:1])}, {put(child, path[1:], value)})"
