"""The one way to write Python source text in generated code: string literals in the quotes
ruff's formatter gives them, and lines laid out the way it lays them out, so the generated
package passes `ruff format --check` (with ruff's defaults) as it is written, without running a
formatter at generation time.
"""

from __future__ import annotations

import re
from typing import Any

LINE_LENGTH = 88
"""The line length generated Python is laid out for: ruff's (and black's) default."""

_REPR_ESCAPES = re.compile(r"\\\\|\\'|\"")
_OPENING = {"(": ")", "[": "]", "{": "}"}


def py_str(text: str) -> str:
    """A Python string literal in the quotes ruff's formatter (and black) would give it: double
    quotes unless the text holds more double than single quotes. Escapes are `repr`'s, so any
    text (newlines, quotes, backslashes, control characters) stays inside the literal."""
    literal = repr(text)
    if text.count('"') > text.count("'") or literal[0] == '"':
        return literal  # repr already chose the quotes the formatter keeps
    if "'" not in text:
        return '"' + literal[1:-1] + '"'  # no quote inside: only the delimiters change
    # repr escaped the single quotes; unescape them and escape the double quotes instead.
    swap = {"\\\\": "\\\\", "\\'": "'", '"': '\\"'}
    return '"' + _REPR_ESCAPES.sub(lambda m: swap[m.group()], literal[1:-1]) + '"'


def py_literal(value: Any, *, fresh: bool = False) -> str:
    """Python source for a JSON-like value (str, int, float, bool, None, list or tuple, dict),
    strings quoted as ruff's formatter would (`py_str`).

    By default a constant: sequences become tuples, floats their `repr`. With `fresh`, source
    that builds the value afresh each time it runs (no shared mutable constant: sequences
    become lists) with floats as `Decimal("<repr>")`, for the upcasters, which work on payloads
    decoded with `parse_float=Decimal` so that a number keeps its exact digits."""
    if isinstance(value, str):
        return py_str(value)
    if value is None or isinstance(value, bool | int):
        return repr(value)
    if isinstance(value, float):
        return f"Decimal({py_str(repr(value))})" if fresh else repr(value)
    if isinstance(value, list | tuple):
        items = [py_literal(item, fresh=fresh) for item in value]
        if fresh:
            return "[" + ", ".join(items) + "]"
        return f"({items[0]},)" if len(items) == 1 else "(" + ", ".join(items) + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_literal(k, fresh=fresh)}: {py_literal(v, fresh=fresh)}"
                               for k, v in value.items()) + "}"
    raise TypeError(f"no Python literal for {type(value).__name__}")


def fit(line: str, first: bool = False) -> str:
    """One statement line (with its indentation) as ruff's formatter leaves it: unchanged when
    it fits in LINE_LENGTH, else with the contents of its last bracket (its first with
    `first`, for a `def`) one item per line after a trailing comma, which the formatter keeps
    as it is. Subscripts and comprehensions are never split; a line with nothing to split is
    returned as it is (`ruff format` leaves such a line long too)."""
    if len(line) <= LINE_LENGTH or line.lstrip().startswith("#"):
        return line
    pairs = [pair for pair in _top_level_pairs(line) if _splittable(line, *pair)]
    if not pairs:
        return line
    start, end = pairs[0] if first else pairs[-1]
    indent = " " * (len(line) - len(line.lstrip()))
    items = _split_items(line[start + 1:end])
    lines = [line[:start + 1]]
    lines += [fit(f"{indent}    {item},") for item in items]
    lines.append(indent + line[end:])
    return "\n".join(lines)


def union(head: str, names: list[str]) -> str:
    """`head = A | B | C` (a type alias at module level), laid out as ruff's formatter does: on
    one line, else the union on one indented line in parentheses, else one name per line."""
    one_line = f"{head} = {' | '.join(names)}"
    if len(one_line) <= LINE_LENGTH:
        return one_line
    inner = "    " + " | ".join(names)
    if len(inner) <= LINE_LENGTH:
        return f"{head} = (\n{inner}\n)"
    return f"{head} = (\n    " + "\n    | ".join(names) + "\n)"


def _top_level_pairs(line: str) -> list[tuple[int, int]]:
    """(opening, closing) offsets of the outermost brackets of a line, outside string literals."""
    pairs: list[tuple[int, int]] = []
    stack: list[int] = []
    quote = ""
    index = 0
    while index < len(line):
        char = line[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        elif char in _OPENING:
            stack.append(index)
        elif char in ")]}" and stack:
            opening = stack.pop()
            if not stack:
                pairs.append((opening, index))
        index += 1
    return pairs


def _split_items(text: str) -> list[str]:
    """`text` cut at its top-level commas (outside brackets and strings), trimmed."""
    items: list[str] = []
    depth, start, quote, index = 0, 0, "", 0
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in _OPENING:
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(text[start:index].strip())
            start = index + 1
        index += 1
    last = text[start:].strip()
    if last:
        items.append(last)
    return items


def _splittable(line: str, start: int, end: int) -> bool:
    """A call's arguments, a def's parameters or a collection display, not a subscript, and
    not a lone generator or comprehension (a trailing comma would change their meaning)."""
    before = line[:start].rstrip()
    is_call = bool(before) and (before[-1].isalnum() or before[-1] in "_)]")
    if line[start] == "[" and is_call:
        return False  # a subscript: `d["key"]`, `dict[str, Any]`
    items = _split_items(line[start + 1:end])
    return len(items) > 1 or (len(items) == 1 and " for " not in f" {items[0]} ")
