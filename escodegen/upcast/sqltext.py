"""Quoting for generated SQL: every name and value from a declaration passes through here, so no
input can end a string literal or an identifier early."""

from __future__ import annotations

import hashlib

from escodegen.upcast.values import json_text

MAX_IDENTIFIER = 63
"""PostgreSQL silently truncates longer names, which could make two functions collide."""


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


def short_name(name: str) -> str:
    """`name` if PostgreSQL keeps it whole, else a prefix plus a hash of the whole name."""
    if len(name.encode()) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:10]
    return name.encode()[: MAX_IDENTIFIER - 11].decode(errors="ignore") + "_" + digest


def qualified(schema: str, name: str) -> str:
    return f"{ident(schema)}.{ident(short_name(name))}"


def jsonb(value: object) -> str:
    """A jsonb constant holding `value` (a YAML value: str, int, float, bool, None, list, dict)."""
    return f"{literal(json_text(value))}::jsonb"


def text_array(path: tuple[str, ...]) -> str:
    """A text[] constant for a jsonb path such as `{holder,country}`."""
    elements = ",".join('"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"' for key in path)
    return literal("{" + elements + "}")
