"""The one way to write SQL text: every literal, identifier, constant, comment and function body
that escodegen generates for any target is written here, so nothing a declaration says can end
the string, name, comment or body it is put in.

* Literals are standard-conforming `'...'` strings (quotes doubled, backslash not special:
  PostgreSQL's `standard_conforming_strings`, on since 9.1); never `E'...'`.
* A function body is wrapped in a dollar-quote tag that its text does not contain
  (`function_body`, the templates' `body` filter), so a `$$` in a value stays text.
* Comment text (`comment`) is one line with control, line-separator and bidi characters escaped.
* Generated functions pin their search path (`PIN_SEARCH_PATH`, `SEARCH_PATH_CLAUSE`).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from escodegen.printable import unsafe

SEARCH_PATH = "pg_catalog, pg_temp"
"""Built-ins first, temporary objects last (never before them: a temporary table or function
cannot shadow a catalog one); no schema a role can create objects in."""
SEARCH_PATH_CLAUSE = f"set search_path = {SEARCH_PATH}"
"""The clause every generated function and procedure carries (after its `language`)."""
PIN_SEARCH_PATH = f"set search_path = {SEARCH_PATH};"
"""The first statement of every generated file: what a file creates (table defaults, views,
SQL-standard function bodies) is bound to the built-ins when it is created, whatever path the
applying role has."""

_TAG = "esc"


class SqlTextError(ValueError):
    """A value PostgreSQL cannot hold (a NUL character)."""


def _no_nul(text: str, what: str) -> str:
    if "\x00" in text:
        raise SqlTextError(f"PostgreSQL {what} cannot hold a NUL character")
    return text


def literal(text: str) -> str:
    """A standard SQL string literal: quotes are doubled and nothing else is special."""
    return "'" + _no_nul(text, "text").replace("'", "''") + "'"


def ident(*names: str) -> str:
    """`"schema"."name"`: every part quoted (quotes doubled), so no name is read as a keyword or
    ends early. The check stage keeps every derived name within PostgreSQL's 63 bytes (ES208)."""
    if not names:
        raise ValueError("ident() needs a name")
    return ".".join('"' + _no_nul(name, "names").replace('"', '""') + '"' for name in names)


def json_text(value: Any, sort_keys: bool = False) -> str:
    """Compact JSON for a YAML value; floats keep Python's shortest round-trip form."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                      sort_keys=sort_keys)


def jsonb(value: Any, sort_keys: bool = False) -> str:
    """A jsonb constant holding `value` (str, int, float, bool, None, list, dict)."""
    return f"{literal(json_text(value, sort_keys))}::jsonb"


def text_array(items: tuple[str, ...] | list[str]) -> str:
    """A text[] constant, e.g. the jsonb path `{holder,country}`: each element double-quoted
    with `"` and `\\` escaped (array syntax), the whole a standard literal."""
    elements = ",".join('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"'
                        for item in items)
    return literal("{" + elements + "}")


def scalar(value: Any) -> str:
    """A literal of a scalar (str, int, float, Decimal, bool) as text, for a cast after it."""
    if isinstance(value, bool):
        return literal("true" if value else "false")
    if isinstance(value, float):
        return literal(repr(value))
    if isinstance(value, int | Decimal | str):
        return literal(str(value))
    raise TypeError(f"not a scalar: {type(value).__name__}")


def typed(value: Any, sql_type: str) -> str:
    """`value` as a constant of `sql_type` (a built-in type name from the model's type table);
    jsonb constants hold any JSON value, null is a typed null."""
    if value is None:
        return f"null::{sql_type}"
    if sql_type == "jsonb":
        return jsonb(value)
    if isinstance(value, bool | int | float | Decimal | str):
        return f"{scalar(value)}::{sql_type}"
    return f"{literal(str(value))}::{sql_type}"


def function_body(text: str) -> str:
    """`text` dollar-quoted with a tag it cannot contain: `$esc$`, else `$esc1$`, `$esc2$`, ...
    The tag must also not start inside the text's end (`...$es` + `c$`), hence the search in
    text + tag."""
    _no_nul(text, "function bodies")
    n = 0
    while True:
        tag = f"${_TAG}{n or ''}$"
        if (text + tag).find(tag) == len(text):
            return tag + text + tag
        n += 1


_COMMENT_DELIMITER = re.compile(r"\*/|/\*")


def comment(text: str) -> str:
    """Text for a `-- ...` comment line: the characters never shown raw (`printable.unsafe`:
    controls, newlines too, line and paragraph separators, bidi and other invisible format
    characters) are written as `\\uXXXX`, and `/*`, `*/` get a space, so declared text can
    neither end the comment nor hide what the line says."""
    shown = "".join(f"\\u{ord(char):04x}" if unsafe(char) else char for char in text)
    return _COMMENT_DELIMITER.sub(lambda found: found[0][0] + " " + found[0][1], shown)


def install(environment: Any) -> None:
    """Give a Jinja environment the filters SQL templates write with: `body` (a function body,
    as a filter block: `as {% filter body %}...{% endfilter %}`), `literal`, `ident`, `comment`,
    `jsonb`; and the globals `pin_search_path` (a file's first statement) and `search_path` (a
    function's clause)."""
    environment.filters.update(body=_body_block, literal=literal, ident=ident,
                               comment=comment, jsonb=jsonb)
    environment.globals.update(pin_search_path=PIN_SEARCH_PATH, search_path=SEARCH_PATH_CLAUSE)


def _body_block(text: str) -> str:
    """A template's body block on lines of its own (the block tag's newline is trimmed)."""
    return function_body(text if text.startswith((" ", "\n")) else "\n" + text)


__all__ = ["PIN_SEARCH_PATH", "SEARCH_PATH", "SEARCH_PATH_CLAUSE", "SqlTextError", "comment",
           "function_body", "ident", "install", "json_text", "jsonb", "literal", "scalar", "text_array",
           "typed"]
