"""Reading the registry folder without trusting it: names checked before they become paths,
every path resolved and kept inside the folder, strict JSON, content hashes.

A registry file is read by `read_file` only, and every problem it finds is a diagnostic with
a code (ES801-ES805), so a broken or hostile registry is a user error (exit 1), never a crash.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

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


_STRICT = json.JSONDecoder(parse_constant=_constant, parse_float=_float, parse_int=_int,
                           object_pairs_hook=_object)
"""One decoder for every file (`json.loads` with hooks makes a new one per call)."""


def strict_loads(text: str) -> Any:
    """`json.loads` that refuses NaN, Infinity, overflowing numbers and duplicate keys."""
    if text.startswith("\ufeff"):  # as json.loads does
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    return _STRICT.decode(text)


@cache
def shape_validator(name: str) -> Any:
    """The validator of schemas/<name> (the registry's index and log formats); imported only
    to explain a refusal, as the direct checks (`SHAPES`) decide."""
    import jsonschema

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
        self._root_text = str(self.root)
        self._folders: dict[str, bool] = {}

    def show(self, path: Path | str) -> str:
        try:
            return Path(path).relative_to(self.base).as_posix()
        except ValueError:
            return str(path)

    def error(self, code: str, path: Path | str, message: str, line: int = 1) -> None:
        self.report.error(code, message, Span(self.show(path), line, 1))

    def inside(self, path: Path | str) -> bool:
        """Does `path` (symbolic links resolved) stay inside the registry folder? If not, ES805."""
        if Path(path).resolve().is_relative_to(self.resolved_root):
            return True
        self.error("ES805", path, f"{self.show(path)} resolves outside the registry folder "
                   f"{self.show(self.root)}/ (a symbolic link?)")
        return False

    def _folder_inside(self, folder: str) -> bool:
        """Is `folder` the registry folder, or below it with no symbolic link on the way?
        (Cheaper than resolving every path: each folder is looked at once.)"""
        known = self._folders.get(folder)
        if known is None:
            parent = os.path.dirname(folder)
            known = folder == self._root_text or (
                parent != folder and not os.path.islink(folder) and self._folder_inside(parent))
            self._folders[folder] = known
        return known

    def read_bytes(self, path: Path | str, missing: str = "ES807") -> bytes | None:
        """The bytes of a registry file; None after a diagnostic (`missing` when absent).

        Each folder is resolved once; a file is resolved only when it is a symbolic link. A
        path may be given as text: `check` reads every file of the registry, and making a
        `Path` of each was a tenth of reading it."""
        try:
            status = os.lstat(path)
            if stat.S_ISLNK(status.st_mode) or not self._folder_inside(os.path.dirname(path)):
                if not self.inside(path):
                    return None
                status = os.stat(path)
            if not stat.S_ISREG(status.st_mode):  # a folder, or a FIFO that would block
                self.error("ES801", path, f"{self.show(path)} is not a regular file")
                return None
            if status.st_size > MAX_FILE_BYTES:
                self.error("ES801", path, f"{self.show(path)} is larger than "
                           f"{MAX_FILE_BYTES // 1_048_576} MiB")
                return None
            with open(path, "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            self.error(missing, path, f"{self.show(path)} is missing")
        except OSError as error:
            self.error("ES801", path, f"cannot read {self.show(path)}: "
                       f"{error.strerror or error}")
        return None

    def parse(self, path: Path | str, data: bytes, line: int = 1) -> Any:
        """Strict JSON from UTF-8 `data`; None after a diagnostic (ES801, ES802, or ES803 for
        a bare `null`: every registry file and log line holds an object, and None is this
        function's answer for a refusal)."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            self.error("ES801", path, f"{self.show(path)} is not valid UTF-8 (byte "
                       f"{error.start})", line + data[:error.start].count(b"\n"))
            return None
        try:
            value = strict_loads(text)
        except RecursionError:
            self.error("ES802", path, f"{self.show(path)} is not strict JSON: it nests arrays "
                       "or objects too deeply to read", line)
            return None
        except json.JSONDecodeError as error:
            self.error("ES802", path, f"{self.show(path)} is not JSON: {error.msg} (line "
                       f"{error.lineno}, column {error.colno})", line + error.lineno - 1)
            return None
        except ValueError as error:  # NotStrictJson, or int()'s own digit limit
            self.error("ES802", path, f"{self.show(path)} is not strict JSON: {error}", line)
            return None
        if value is None:
            self.error("ES803", path, f"{self.show(path)} holds null, not a JSON object", line)
        return value

    def check_shape(self, path: Path, data: Any, schema: str, line: int = 1) -> bool:
        """True when `data` has the format of schemas/<schema>; else ES803 for the first
        problem.

        The format is decided by a direct check (`SHAPES`): validating a 200-event index with
        jsonschema costs a quarter of a second, more than all of `check` may. jsonschema then
        only explains a refusal; tests/analyse/test_registry.py holds the two to agreement."""
        if SHAPES[schema](data):
            return True
        error = next(iter(shape_validator(schema).iter_errors(data)), None)
        where = "/".join(str(p) for p in error.absolute_path) if error is not None else ""
        problem = error.message[:200] if error is not None else "unexpected content"
        self.error("ES803", path, f"{self.show(path)} is not a registry file of this escodegen: "
                   f"at {where or 'the top level'}: {problem}", line)
        return False


_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


def _digest(value: Any) -> bool:
    return isinstance(value, str) and _DIGEST.fullmatch(value) is not None


def _mapping(value: Any, keys: set[str], optional: frozenset[str] = frozenset()) -> bool:
    """A JSON object holding exactly `keys` (and perhaps some of `optional`)."""
    return isinstance(value, dict) and keys <= value.keys() <= keys | optional


def _revision(value: Any) -> bool:
    return (_mapping(value, {"fingerprint", "sha256"})
            and _digest(value["fingerprint"]) and _digest(value["sha256"]))


def _entry(value: Any) -> bool:
    if _mapping(value, {"fingerprint", "sha256", "superseded"}):  # format 2
        return (_digest(value["fingerprint"]) and _digest(value["sha256"])
                and isinstance(value["superseded"], list)
                and all(_revision(r) for r in value["superseded"]))
    return (_mapping(value, {"fingerprint", "revisions"}) and _digest(value["fingerprint"])
            and isinstance(value["revisions"], list) and len(value["revisions"]) > 0
            and all(_digest(r) for r in value["revisions"]))


def _versioned(value: Any, key: str) -> bool:
    return (isinstance(value, dict)
            and all(_mapping(v, {key}) and isinstance(v[key], dict)
                    and all(_entry(e) for e in v[key].values()) for v in value.values()))


def _index(data: Any) -> bool:
    return (_mapping(data, {"escodegen", "events", "aggregates", "projections"})
            and type(data["escodegen"]) is int and data["escodegen"] in (1, 2)
            and _versioned(data["events"], "versions")
            and _versioned(data["aggregates"], "states")
            and isinstance(data["projections"], dict)
            and all(_entry(e) for e in data["projections"].values()))


_SECTIONS = ("events", "aggregates", "projections")


def _recorded(item: Any) -> bool:
    return (isinstance(item, list) and len(item) == 4 and item[0] in _SECTIONS
            and isinstance(item[1], str) and (item[2] is None or isinstance(item[2], str))
            and _digest(item[3]))


def _log_line(data: Any) -> bool:
    return (_mapping(data, {"previous", "index", "recorded"},
                     frozenset({"upgraded_from", "published"}))
            and (data["previous"] is None or _digest(data["previous"]))
            and isinstance(data.get("published", ""), str)
            and _digest(data["index"])
            and (data.get("upgraded_from", 1) == 1 and data.get("upgraded_from") is not True)
            and isinstance(data["recorded"], list) and all(_recorded(r) for r in data["recorded"]))


SHAPES = {"registry-index.schema.json": _index, "registry-log.schema.json": _log_line}
