"""Declared text made safe to show: the one definition of the characters escodegen never prints raw.

A declaration is written by whoever can open a pull request, and its text reaches terminals,
CI logs, PR comments and generated source. Control characters (ESC sequences that rewrite a
terminal line, BEL, CR, a newline that starts a forged diagnostic), bidi overrides that make
source read differently from how it runs ("Trojan Source"), line/paragraph separators and other
invisible format characters are therefore shown as escapes (`\\n`, `\\x1b`, `\\u202e`), never raw.

The escape syntax is Python's, so `escape` also keeps a non-raw Python string literal's value.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Controls, format characters (bidi marks and overrides, zero-width characters, BOM), lone
surrogates and the line/paragraph separators U+2028/U+2029."""


def unsafe(char: str) -> bool:
    """Is `char` one that is never shown raw?"""
    return unicodedata.category(char) in _UNSAFE_CATEGORIES


_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(char: str) -> str:
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def escape(text: str, keep: str = "") -> str:
    """`text` with every unsafe character but those in `keep` written as a Python escape.

    Messages and report cells keep nothing, so a newline cannot start a line of its own;
    multi-line documentation keeps "\\n". Text that starts (after spaces) with "::" has its
    first colon written `\\x3a`: GitHub Actions runs a log line that starts so as a workflow
    command (an annotation, `add-mask`, `stop-commands`), and declared text often starts a
    line of escodegen's text output (a file name, a table's first cell).
    """
    if text.isprintable() and not _starts_command(text):  # the common case: nothing to do
        return text
    shown = "".join(_escape_char(c) if c not in keep and unsafe(c) else c for c in text)
    if _starts_command(shown):
        colon = shown.index(":")
        shown = f"{shown[:colon]}\\x3a{shown[colon + 1:]}"
    return shown


def _starts_command(text: str) -> bool:
    """Would a log line starting with `text` be a GitHub Actions workflow command? The runner
    strips leading whitespace before looking for "::"."""
    return text.lstrip().startswith("::")


def escape_lines(text: str) -> str:
    """Documentation as generated docstrings hold it: line breaks kept, every other unsafe
    character escaped, so neither the source nor `help()` shows text that reads differently
    from what it is."""
    return escape(text, keep="\n")


def first_unsafe(text: str) -> str | None:
    """The first unsafe character in `text`, escaped for a message, or None."""
    for char in text:
        if unsafe(char):
            return _escape_char(char)
    return None


def _json_escape(char: str) -> str:
    data = char.encode("utf-16-be", "surrogatepass")
    return "".join(f"\\u{int.from_bytes(data[i:i + 2], 'big'):04x}" for i in range(0, len(data), 2))


def json_text(value: Any, **options: Any) -> str:
    """`json.dumps(value, ensure_ascii=False, **options)` with every unsafe character a `\\u`
    escape.

    JSON writers escape C0 controls only; this also covers DEL, C1 controls, bidi and other
    format characters and U+2028/U+2029, so a report piped to a terminal prints none raw. The
    document's value is unchanged: only string contents hold such characters (a raw newline is
    the indentation's) and `\\u` is their JSON escape.
    """
    text = json.dumps(value, ensure_ascii=False, **options)
    return "".join(_json_escape(c) if c != "\n" and unsafe(c) else c for c in text)
