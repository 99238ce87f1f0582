"""The archive file of `escodegen migrate archive`: gzip-compressed JSON Lines, one line per
event (every column of the `events` row, as the store's `escodegen_archive_rows` writes it),
and beside it `<file>.manifest.json` (counts and sha256 checksums per stream and of the file).

Both are written under `.partial` names, flushed to disk, and renamed into place, the file
first: a manifest under its own name means the file beside it is complete. A `.partial`
manifest left behind marks an interrupted write that the next run starts again.
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from escodegen.printable import first_unsafe

SUFFIX = ".jsonl.gz"
FORMAT = "escodegen-archive/1"
CHUNK = 1 << 20


class ArchiveError(Exception):
    """A refusal with its diagnostic code (ES709-ES712): nothing was removed or restored."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class StreamSum:
    """What the archive holds of one stream: its events, last version and the sha256 of its
    lines (each followed by a newline) in global position order."""

    events: int = 0
    last_version: int = 0
    digest: Any = field(default_factory=hashlib.sha256)

    def add(self, line: str, stream_position: int) -> None:
        self.events += 1
        self.last_version = max(self.last_version, stream_position)
        self.digest.update(line.encode("utf-8") + b"\n")

    def as_json(self) -> dict[str, Any]:
        return {"events": self.events, "last_version": self.last_version,
                "sha256": self.digest.hexdigest()}


Row = tuple[str, int, str]
"""(stream id, stream position, line) of one event."""


def sums(rows: Iterable[Row]) -> dict[str, StreamSum]:
    """Per stream, the sums of archive lines (as the file or the database gives them)."""
    found: dict[str, StreamSum] = {}
    for stream, position, line in rows:
        found.setdefault(stream, StreamSum()).add(line, position)
    return found


def sums_json(found: dict[str, StreamSum]) -> dict[str, dict[str, Any]]:
    return {stream: found[stream].as_json() for stream in sorted(found)}


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def checked_path(path: Path) -> Path:
    """The archive file's path, or ArchiveError ES709: it ends in `.jsonl.gz`, its name has no
    control or invisible characters (it is stored in tombstones and shown in errors), and its
    folder exists."""
    unsafe = first_unsafe(str(path))
    if unsafe is not None:
        raise ArchiveError("ES709", f"the archive path contains the character {unsafe}")
    if not path.name.endswith(SUFFIX) or path.name == SUFFIX:
        raise ArchiveError("ES709", f"{path}: an archive file's name ends in {SUFFIX}")
    if not path.parent.is_dir():
        raise ArchiveError("ES709", f"{path}: the folder {path.parent} does not exist")
    if path.is_dir():
        raise ArchiveError("ES709", f"{path} is a folder")
    return path


def write(path: Path, rows: Iterable[Row], manifest: dict[str, Any]) -> dict[str, Any]:
    """Write the file and its manifest (adding the counts and checksums to `manifest`), each
    under its `.partial` name first; returns the manifest as written."""
    data, meta = partial(path), partial(manifest_path(path))
    meta.write_text("{}", encoding="utf-8")  # marks the write as under way (see the module)
    content = hashlib.sha256()
    found: dict[str, StreamSum] = {}
    with open(data, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as out:
            for stream, position, line in rows:
                found.setdefault(stream, StreamSum()).add(line, position)
                encoded = line.encode("utf-8") + b"\n"
                content.update(encoded)
                out.write(encoded)
        raw.flush()
        os.fsync(raw.fileno())
    manifest = {**manifest, "format": FORMAT, "file": path.name,
                "sha256": file_sha256(data), "content_sha256": content.hexdigest(),
                "events": sum(s.events for s in found.values()), "streams": sums_json(found)}
    with open(meta, "w", encoding="utf-8") as out_meta:
        out_meta.write(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        out_meta.flush()
        os.fsync(out_meta.fileno())
    os.replace(data, path)
    os.replace(meta, manifest_path(path))
    _sync_folder(path.parent)
    return manifest


def discard_partial(path: Path) -> bool:
    """Remove what an interrupted write left (its `.partial` files and the data file it may
    have renamed already); whether there was such a write."""
    meta = partial(manifest_path(path))
    if not meta.exists():
        return False
    for leftover in (partial(path), path, meta):
        leftover.unlink(missing_ok=True)
    return True


def read_manifest(path: Path) -> dict[str, Any]:
    meta = manifest_path(path)
    try:
        manifest = json.loads(meta.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArchiveError("ES710", f"{path}: no manifest beside it ({meta.name})") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ArchiveError("ES710", f"{meta}: not a readable manifest ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT \
            or not isinstance(manifest.get("streams"), dict):
        raise ArchiveError("ES710", f"{meta}: not an escodegen archive manifest ({FORMAT})")
    return manifest


def verify(path: Path, manifest: dict[str, Any]) -> None:
    """Re-read the file: its sha256, its content's and every stream's count and checksum must be
    the manifest's, else ArchiveError ES710."""
    if not path.is_file():
        raise ArchiveError("ES710", f"{path}: no such archive file")
    if file_sha256(path) != manifest.get("sha256"):
        raise ArchiveError("ES710", f"{path}: its sha256 is not the manifest's (the file was "
                                    "changed or is another archive's)")
    content = hashlib.sha256()
    try:
        found = sums(_parsed(_counted(read_lines(path), content)))
    except (OSError, EOFError, ValueError, KeyError, TypeError) as error:
        raise ArchiveError("ES710", f"{path}: cannot be read as an archive ({error})") from None
    if content.hexdigest() != manifest.get("content_sha256"):
        raise ArchiveError("ES710", f"{path}: its content's sha256 is not the manifest's")
    compare(sums_json(found), manifest["streams"], f"{path} and its manifest")


def compare(found: dict[str, Any], expected: dict[str, Any], what: str,
            code: str = "ES710") -> None:
    """ArchiveError `code` naming the first stream whose counts or checksum differ."""
    for stream in sorted(set(found) | set(expected)):
        if found.get(stream) != expected.get(stream):
            mine, theirs = found.get(stream), expected.get(stream)
            detail = ("missing on one side" if mine is None or theirs is None else
                      f"{mine['events']} events against {theirs['events']}"
                      if mine["events"] != theirs["events"] else "different rows")
            raise ArchiveError(code, f"{what} differ at stream {json.dumps(stream)}: {detail}")


def read_lines(path: Path) -> Iterator[str]:
    with gzip.open(path, "rt", encoding="utf-8", newline="\n") as lines:
        for line in lines:
            yield line.removesuffix("\n")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        while chunk := data.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def _parsed(lines: Iterable[str]) -> Iterator[Row]:
    for line in lines:
        row = json.loads(line)
        yield str(row["stream_id"]), int(row["stream_position"]), line


def _counted(lines: Iterable[str], content: Any) -> Iterator[str]:
    for line in lines:
        content.update(line.encode("utf-8") + b"\n")
        yield line


def _sync_folder(folder: Path) -> None:
    """The renames are on disk too (a crash after the archive removed the streams must not
    lose the file's name)."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
