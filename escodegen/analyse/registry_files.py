"""Reading the registry folder without trusting it: names checked before they become paths,
every path resolved and kept inside the folder, strict JSON, content hashes.

A registry file is read by `read_file` only, and every problem it finds is a diagnostic with
a code (ES801-ES805), so a broken or hostile registry is a user error (exit 1), never a crash.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from escodegen.diagnostics import Report, Span
from escodegen.resources import schema_path

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,199}")
"""An event, aggregate or projection name as a registry key (full match: no separator, no dot,
no final newline); the declarations' own rules are stricter."""
VERSION = re.compile(r"[1-9][0-9]{0,8}")
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_INT_DIGITS = 4300
"""Python's own limit for converting digits to an int; a longer number is refused."""


def digest(data: bytes) -> str:
    """The content address of a file: `sha256:<hex>` of its bytes."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


class NotStrictJson(ValueError):
    """A registry file holds something JSON does not (NaN, Infinity) or that is ambiguous
    (duplicate keys, numbers too long or too large for a float)."""


def _constant(name: str) -> Any:
    raise NotStrictJson(f"{name} is not JSON")


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise NotStrictJson(f"the number {text[:40]} is too large")
    return value


def _int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS:
        raise NotStrictJson(f"a number has {len(text)} digits (at most {MAX_INT_DIGITS})")
    return int(text)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        keys = [k for k, _ in pairs]
        duplicate = next(k for n, k in enumerate(keys) if k in keys[:n])
        raise NotStrictJson(f"the key {json.dumps(duplicate)} appears twice")
    return result


def strict_loads(text: str) -> Any:
    """`json.loads` that refuses NaN, Infinity, overflowing numbers and duplicate keys."""
    return json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int,
                      object_pairs_hook=_object)


@cache
def shape_validator(name: str) -> Any:
    """The validator of schemas/<name> (the registry's index and log formats)."""
    schema = json.loads(schema_path(name).read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


@dataclass
class Folder:
    """The registry folder being read, and the diagnostics found so far."""

    root: Path
    base: Path
    """What file names are shown relative to (the project's folder)."""
    report: Report = field(default_factory=Report)

    def __post_init__(self) -> None:
        self.resolved_root = self.root.resolve()

    def show(self, path: Path) -> str:
        try:
            return path.relative_to(self.base).as_posix()
        except ValueError:
            return str(path)

    def error(self, code: str, path: Path, message: str, line: int = 1) -> None:
        self.report.error(code, message, Span(self.show(path), line, 1))

    def inside(self, path: Path) -> bool:
        """Does `path` (symbolic links resolved) stay inside the registry folder? If not, ES805."""
        if path.resolve().is_relative_to(self.resolved_root):
            return True
        self.error("ES805", path, f"{self.show(path)} resolves outside the registry folder "
                   f"{self.show(self.root)}/ (a symbolic link?)")
        return False

    def read_bytes(self, path: Path, missing: str = "ES807") -> bytes | None:
        """The bytes of a registry file; None after a diagnostic (`missing` when absent)."""
        if not self.inside(path):
            return None
        try:
            if not path.is_file():  # a folder, or a FIFO that would block the read
                if not path.exists():
                    raise FileNotFoundError(path)
                self.error("ES801", path, f"{self.show(path)} is not a regular file")
                return None
            with path.open("rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except FileNotFoundError:
            self.error(missing, path, f"{self.show(path)} is missing")
            return None
        except OSError as error:
            self.error("ES801", path, f"cannot read {self.show(path)}: "
                       f"{error.strerror or error}")
            return None
        if len(data) > MAX_FILE_BYTES:
            self.error("ES801", path, f"{self.show(path)} is larger than "
                       f"{MAX_FILE_BYTES // 1_048_576} MiB")
            return None
        return data

    def parse(self, path: Path, data: bytes, line: int = 1) -> Any:
        """Strict JSON from UTF-8 `data`; None after a diagnostic (ES801 or ES802)."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            self.error("ES801", path, f"{self.show(path)} is not valid UTF-8 (byte "
                       f"{error.start})", line + data[:error.start].count(b"\n"))
            return None
        try:
            return strict_loads(text)
        except json.JSONDecodeError as error:
            self.error("ES802", path, f"{self.show(path)} is not JSON: {error.msg} (line "
                       f"{error.lineno}, column {error.colno})", line + error.lineno - 1)
        except ValueError as error:  # NotStrictJson, or int()'s own digit limit
            self.error("ES802", path, f"{self.show(path)} is not strict JSON: {error}", line)
        return None

    def check_shape(self, path: Path, data: Any, schema: str, line: int = 1) -> bool:
        """True when `data` has the format of schemas/<schema>; else ES803 for the first
        problem."""
        error = next(iter(shape_validator(schema).iter_errors(data)), None)
        if error is None:
            return True
        where = "/".join(str(p) for p in error.absolute_path) or "the top level"
        self.error("ES803", path, f"{self.show(path)} is not a registry file of this escodegen: "
                   f"at {where}: {error.message[:200]}", line)
        return False
