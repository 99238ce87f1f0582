"""Quoting for generated SQL: every name and value from a declaration passes through here, so no
input can end a string literal or an identifier early."""

from __future__ import annotations

from escodegen.upcast.values import json_text


def literal(text: str) -> str:
    """A standard SQL string literal: quotes are doubled and nothing else is special (PostgreSQL's
    standard_conforming_strings, on by default since 9.1)."""
    if "\x00" in text:
        raise ValueError("PostgreSQL text cannot hold a NUL character")
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    """A quoted identifier."""
    if "\x00" in name:
        raise ValueError("PostgreSQL identifiers cannot hold a NUL character")
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str, name: str) -> str:
    """`"schema"."name"`; the check stage keeps every derived name within PostgreSQL's 63 bytes
    (ES208), so none is truncated."""
    return f"{ident(schema)}.{ident(name)}"


def jsonb(value: object) -> str:
    """A jsonb constant holding `value` (a YAML value: str, int, float, bool, None, list, dict)."""
    return f"{literal(json_text(value))}::jsonb"


def text_array(path: tuple[str, ...]) -> str:
    """A text[] constant for a jsonb path such as `{holder,country}`."""
    elements = ",".join('"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"' for key in path)
    return literal("{" + elements + "}")
