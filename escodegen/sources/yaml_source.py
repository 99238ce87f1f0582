"""Read one YAML file into plain values, keeping the position of every node.

The tree is built from PyYAML's event stream by an explicit stack rather than PyYAML's
recursive composer, so no input can exhaust the Python stack, and every hostile shape is
a diagnostic, not a traceback: duplicate keys (PyYAML would silently keep the last),
alias bombs (expansion is counted), deep nesting, huge or binary files.

Scalars are resolved with the YAML 1.2 core schema: `on`, `yes` and `no` stay strings
(a projection's `on:` key must not become `True`), dates stay strings, mapping keys are
always their source text.

Nothing that JSON, PostgreSQL or the generated Python cannot hold gets past this module: text
with NUL or a lone surrogate (ES009), `.nan`, `.inf`, a float that overflows, an integer too
long for Python's int-to-text conversion (ES010), and tags other than `!!str`, `!!map` and
`!!seq` (ES008; PyYAML would otherwise ignore `!!binary` or `!evil` silently).
"""

from __future__ import annotations

import hashlib
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from escodegen.diagnostics import Report, Span

MAX_FILE_BYTES = 8 * 1024 * 1024
"""Declaration files are small; anything larger is refused before it is parsed."""
MAX_NODES = 250_000
"""Nodes a document may hold once its aliases are expanded."""
MAX_DEPTH = 100

MAX_INTEGER_DIGITS = sys.int_info.default_max_str_digits
"""Python refuses to convert longer integers to or from text (CVE-2020-10735), so neither
escodegen's output nor the generated code's `json` could write or read one."""
_INTEGER_LIMIT = 10 ** MAX_INTEGER_DIGITS
_TAGS = frozenset({"!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:map",
                   "tag:yaml.org,2002:seq"})
"""The tags a declaration may carry; they change nothing. Any other is refused."""

JsonPath = tuple[str | int, ...]

try:  # libyaml's parser is several times faster; both produce the same events
    _Parser: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Parser = yaml.SafeLoader


@dataclass
class Document:
    """One parsed file: plain JSON-like `data` plus the positions of its nodes."""

    path: Path
    display: str
    data: Any
    spans: dict[JsonPath, Span] = field(default_factory=dict)
    key_spans: dict[JsonPath, Span] = field(default_factory=dict)
    sha256: str = ""
    """The SHA-256 (hex) of the file's bytes as read: what a cached model is checked against."""

    def span(self, path: JsonPath) -> Span:
        """The position of the value at `path`, or of its nearest located ancestor."""
        path = tuple(path)
        while path:
            if path in self.spans:
                return self.spans[path]
            path = path[:-1]
        return self.spans.get((), Span(self.display, 1, 1))

    def key_span(self, path: JsonPath) -> Span:
        """The position of the key that holds the value at `path`."""
        return self.key_spans.get(tuple(path)) or self.span(path)


_NULL = re.compile(r"~|null|Null|NULL|")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+")
_OCT = re.compile(r"0o[0-7]+")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INF = re.compile(r"[-+]?\.(?:inf|Inf|INF)")
_NAN = re.compile(r"\.(?:nan|NaN|NAN)")


class BadNumber(ValueError):
    """A plain scalar that is a number JSON cannot hold; the message says why."""


_NOT_PLAIN_TEXT = frozenset("~nNtTfF+-.0123456789")
"""The first characters of every plain scalar that is not a string (null, a boolean, a
number, .inf, .nan): any other plain scalar (most of a declaration) is its own text."""


def resolve_scalar(text: str) -> Any:
    """A plain (unquoted) scalar under the YAML 1.2 core schema; BadNumber for a number that
    is not finite or too long."""
    if text and text[0] not in _NOT_PLAIN_TEXT:
        return text
    if _NULL.fullmatch(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.fullmatch(text):
        digits = len(text.lstrip("+-"))
        if digits > MAX_INTEGER_DIGITS:
            raise BadNumber(f"an integer of {digits:,} digits is longer than the "
                            f"{MAX_INTEGER_DIGITS:,} allowed")
        return int(text)
    if _OCT.fullmatch(text) or _HEX.fullmatch(text):
        value = int(text, 8 if text[1] == "o" else 16)  # int() takes the prefix with a base
        if value >= _INTEGER_LIMIT:
            raise BadNumber(f"the integer {text[:12]}… has more than {MAX_INTEGER_DIGITS:,} "
                            "decimal digits")
        return value
    if _FLOAT.fullmatch(text):
        number = float(text)
        if math.isinf(number):
            raise BadNumber(f"{text[:20]} is too large for a floating-point number")
        return number
    if _INF.fullmatch(text) or _NAN.fullmatch(text):
        raise BadNumber(f"{text} is not a number JSON can hold")
    return text


_SURROGATE = re.compile("[\ud800-\udfff]")


def _bad_text(text: str) -> str | None:
    """Why `text` cannot be declared: JSON, PostgreSQL text and UTF-8 files hold neither NUL
    nor a lone surrogate (which YAML's \\0 and \\ud800 escapes produce)."""
    if "\x00" in text:
        return "NUL (\\0) is not allowed in text"
    if not text.isascii() and _SURROGATE.search(text):
        return "a lone surrogate (\\ud800-\\udfff) is not allowed in text"
    return None


def _span(display: str, mark: Any) -> Span:
    return Span(display, mark.line + 1, mark.column + 1)


class _Frame:
    """A mapping or sequence under construction."""

    __slots__ = ("anchor", "is_map", "key", "key_span", "path", "size", "value")

    def __init__(self, value: Any, path: JsonPath, anchor: str | None) -> None:
        self.value = value
        self.is_map = isinstance(value, dict)
        self.path = path
        self.key: str | None = None
        self.key_span: Span | None = None
        self.anchor = anchor
        self.size = 1


class _TooLarge(Exception):
    pass


def load_yaml_text(text: str, display: str, path: Path, report: Report) -> Document | None:
    """Parse `text`; on any problem add a diagnostic to `report` and return None."""
    doc = Document(path=path, display=display, data=None)
    parser = _Parser(text)
    try:
        return _build(parser, doc, report)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = _span(display, mark) if mark else Span(display, 1, 1)
        problem = exc.problem or str(exc)
        report.error("ES001", f"{problem}" + (f" ({exc.context})" if exc.context else ""), where)
    except yaml.YAMLError as exc:
        report.error("ES001", str(exc).splitlines()[0], Span(display, 1, 1))
    except _TooLarge as exc:
        report.error("ES003", str(exc), Span(display, 1, 1))
    finally:
        parser.dispose()
    return None


_SCALAR, _ALIAS = yaml.ScalarEvent, yaml.AliasEvent
_STARTS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_SKIPPED = (yaml.StreamStartEvent, yaml.DocumentEndEvent)


def _build(parser: Any, doc: Document, report: Report) -> Document | None:
    """The tree of `doc` from the parser's events.

    This loop runs for every node of every declaration file on every command, so it dispatches
    on the event's exact class (the most frequent, a scalar, first) and keeps the innermost
    open container in `top` rather than looking it up."""
    stack: list[_Frame] = []
    top: _Frame | None = None
    anchors: dict[str, tuple[Any, int]] = {}
    pending: set[str] = set()
    total = 0
    documents = 0
    root: Any = None
    display = doc.display
    spans = doc.spans
    key_spans = doc.key_spans
    refused = False  # a value was refused: keep reading to report every one, return None

    def refuse(code: str, message: str, where: Span) -> None:
        nonlocal refused
        refused = True
        report.error(code, message, where)

    def tag_refused(event: Any, start: Span) -> None:
        tag = event.tag
        if tag is not None and tag not in _TAGS:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            refuse("ES008", f"the YAML tag {shown} is not supported; remove it", start)

    def attach(value: Any, size: int, anchor: str | None) -> None:
        """Place a finished value into its parent."""
        nonlocal root, total
        total += size
        if total > MAX_NODES:
            raise _TooLarge(
                f"the document expands to more than {MAX_NODES:,} nodes (aliases included)"
            )
        if anchor is not None:
            anchors[anchor] = (value, size)
        if top is None:
            root = value
            return
        top.size += size
        if not top.is_map:
            top.value.append(value)
            return
        key, top.key = top.key, None  # keys are never containers: rejected at their start
        assert key is not None
        if key in top.value:
            first = key_spans.get((*top.path, key))
            where = f" (first at line {first.line})" if first else ""
            report.error("ES002", f"duplicate key '{key}'{where}", top.key_span)
        top.value[key] = value

    def child_path() -> JsonPath:
        if top is None:
            return ()
        if not top.is_map:
            return (*top.path, len(top.value))
        return (*top.path, top.key) if top.key is not None else top.path

    get_event = parser.get_event
    while True:
        event = get_event()
        kind = type(event)
        if kind is _SCALAR:
            mark = event.start_mark
            start = Span(display, mark.line + 1, mark.column + 1)
            if event.tag is not None:
                tag_refused(event, start)
            value = event.value
            if "\x00" in value or not value.isascii():
                problem = _bad_text(value)
                if problem:
                    refuse("ES009", problem, start)
            if top is not None and top.is_map and top.key is None:
                top.key = value
                top.key_span = start
                if event.anchor is not None:
                    anchors[event.anchor] = (value, 1)
                key_spans.setdefault((*top.path, str(value)), start)
                continue
            if event.implicit[0] and not event.style:  # plain (libyaml: '' for plain style)
                try:
                    value = resolve_scalar(value)
                except BadNumber as exc:
                    refuse("ES010", str(exc), start)
            spans[child_path()] = start
            attach(value, 1, event.anchor)
            continue
        if kind in _STARTS:
            start = _span(display, event.start_mark)
            tag_refused(event, start)
            if top is not None and top.is_map and top.key is None:
                report.error("ES008", "a mapping key must be a plain scalar", start)
                return None
            if len(stack) >= MAX_DEPTH:
                raise _TooLarge(f"nesting deeper than {MAX_DEPTH} levels")
            path = child_path()
            spans[path] = start
            container: Any = {} if kind is yaml.MappingStartEvent else []
            if event.anchor is not None:
                pending.add(event.anchor)
            top = _Frame(container, path, event.anchor)
            stack.append(top)
            continue
        if kind in _ENDS:
            frame = stack.pop()
            top = stack[-1] if stack else None
            if frame.anchor is not None:
                pending.discard(frame.anchor)
            attach(frame.value, frame.size, frame.anchor)
            continue
        if event is None or kind is yaml.StreamEndEvent:
            break
        if kind in _SKIPPED:
            continue
        start = _span(display, event.start_mark)
        if kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                report.error("ES008", "a file holds one YAML document; remove the `---`", start)
                return None
            continue
        if kind is _ALIAS:
            if event.anchor in pending:
                report.error("ES008", f"alias *{event.anchor} refers to its own parent", start)
                return None
            if event.anchor not in anchors:
                report.error("ES001", f"unknown alias *{event.anchor}", start)
                return None
            value, size = anchors[event.anchor]
            if top is not None and top.is_map and top.key is None:
                report.error("ES008", "a mapping key must be a plain scalar", start)
                return None
            spans.setdefault(child_path(), start)
            attach(value, size, None)
    doc.data = root
    return None if refused else doc


def load_yaml_file(path: Path, display: str, report: Report) -> Document | None:
    """Read and parse one file, refusing oversized, binary and non-UTF-8 input."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        report.error("ES004", f"cannot read {display}: {exc.strerror}", Span(display, 1, 1))
        return None
    if size > MAX_FILE_BYTES:
        report.error(
            "ES003",
            f"{display} is {size / 1_048_576:.1f} MiB; declaration files may be at most "
            f"{MAX_FILE_BYTES // 1_048_576} MiB",
            Span(display, 1, 1),
        )
        return None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        report.error("ES004", f"cannot read {display}: {exc.strerror}", Span(display, 1, 1))
        return None
    if b"\x00" in raw:
        report.error("ES004", f"{display} is binary (it contains NUL bytes)", Span(display, 1, 1))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        report.error("ES004", f"{display} is not valid UTF-8 (byte {exc.start})", Span(display, line, 1))
        return None
    doc = load_yaml_text(text, display, path, report)
    if doc is not None:
        doc.sha256 = hashlib.sha256(raw).hexdigest()
    return doc
