"""The registry's publication log, `log.jsonl`: one line per publish, naming the sha256 of the
index it replaced (`previous`) and of the index it wrote (`index`), and what it recorded.

The lines form a chain, as git's commits do: each line's `previous` is the line before's
`index`, and the last line's `index` is the sha256 of index.json as it is now. So an index
edited by hand, deleted or rolled back to an earlier one, a line removed from the log, and an
entry that a publish recorded but the index no longer holds, are all found by reading two
files. The log only grows: in review, a change to an existing line is tampering.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from escodegen.sources.registry_files import Folder

LOG = "log.jsonl"
LOG_SCHEMA = "registry-log.schema.json"

Key = tuple[str, str, str | None]
"""An entry of the index: (section, name, version); the version is None for a projection."""


@dataclass(frozen=True)
class Line:
    number: int
    previous: str | None
    index: str
    recorded: tuple[tuple[Key, str], ...]
    """(entry, fingerprint) of everything this publish added, revised or refreshed."""
    published: str | None = None
    """When the publish happened (`2024-05-01T12:00:00Z`); None on a line written before
    escodegen recorded dates."""
    upgraded_from: int | None = None


TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def timestamp(moment: datetime) -> str:
    """A publication time as the log holds it: ISO 8601 in UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def valid_timestamp(text: str) -> bool:
    """Is `text` a time `timestamp` writes: that exact form, and a real moment (no month 13,
    no February 30th)?"""
    if TIMESTAMP.fullmatch(text) is None:
        return False
    try:  # the form is checked above; this checks the moment (strptime's first call is slow)
        datetime.fromisoformat(text[:-1])
    except ValueError:
        return False
    return True


def read_log(folder: Folder, path: Path) -> tuple[list[Line], str] | None:
    """Every line of the log, each checked for format and chained to the one before, and the
    log's text; None after a diagnostic."""
    data = folder.read_bytes(path, missing="ES812")
    if data is None:
        return None
    lines: list[Line] = []
    for number, raw in enumerate(data.split(b"\n")[:-1] if data.endswith(b"\n")
                                 else data.split(b"\n"), start=1):
        parsed = folder.parse(path, raw, number)
        if parsed is None or not folder.check_shape(path, parsed, LOG_SCHEMA, number):
            return None
        published = parsed.get("published")
        if published is not None and not valid_timestamp(published):
            folder.error("ES815", path, f"line {number} of {folder.show(path)}: the publication "
                         f"time {json.dumps(published)[:60]} is not a UTC time of the form "
                         "2024-05-01T12:00:00Z", number)
            return None
        line = Line(number, parsed["previous"], parsed["index"],
                    tuple(((s, n, v), fp) for s, n, v, fp in parsed["recorded"]),
                    published, parsed.get("upgraded_from"))
        expected = lines[-1].index if lines else line.previous
        if line.previous != expected or (number == 1 and line.previous is not None
                                         and parsed.get("upgraded_from") != 1):
            folder.error("ES812", path, f"line {number} of {folder.show(path)} does not follow "
                         "the line before it (a line was removed or edited)", number)
            return None
        lines.append(line)
    if not lines:
        folder.error("ES812", path, f"{folder.show(path)} is empty")
        return None
    return lines, data.decode("utf-8")


def check_head(folder: Folder, log: Path, lines: list[Line], index: Path, head: str) -> bool:
    """Is `head` (the sha256 of index.json) the index the last publish wrote? Else ES810 (an
    earlier one) or ES808."""
    if lines[-1].index == head:
        return True
    earlier = next((line for line in lines if line.index == head), None)
    if earlier is not None:
        folder.error("ES810", index, f"{folder.show(index)} is the index written by publish "
                     f"{earlier.number} of {len(lines)} ({folder.show(log)} line "
                     f"{earlier.number}): it was rolled back")
    else:
        folder.error("ES808", index, f"{folder.show(index)} has sha256 {head}, but the last "
                     f"publish ({folder.show(log)} line {len(lines)}) wrote {lines[-1].index}: "
                     "it was changed by hand")
    return False


def check_recorded(folder: Folder, log: Path, lines: list[Line],
                   fingerprints: dict[Key, set[str]]) -> bool:
    """Does the log account for the index exactly? Every entry a publish recorded is still in
    the index with that fingerprint among its revisions (else ES811: a published version
    disappeared), and every fingerprint in the index was recorded by some publish (else
    ES812: a line of the log was removed)."""
    ok = True
    recorded: set[tuple[Key, str]] = set()
    for line in lines:
        for key, fingerprint in line.recorded:
            recorded.add((key, fingerprint))
            if fingerprint in fingerprints.get(key, ()):
                continue
            ok = False
            folder.error("ES811", log, f"{describe(key)} ({fingerprint}), published by "
                         f"{folder.show(log)} line {line.number}, is not in the index",
                         line.number)
    for key, found in sorted(fingerprints.items(), key=lambda item: str(item[0])):
        for fingerprint in sorted(found):
            if (key, fingerprint) not in recorded:
                ok = False
                folder.error("ES812", log, f"no line of {folder.show(log)} records "
                             f"{describe(key)} ({fingerprint}), which the index holds (was a "
                             "line removed?)")
    return ok


def publication_times(lines: list[Line]) -> dict[tuple[Key, str], str | None]:
    """(entry, fingerprint) -> when the publish that first recorded it happened; None when
    its line has no date, or when that line upgraded a format-1 registry (what it records was
    published before, at a time the registry never knew)."""
    times: dict[tuple[Key, str], str | None] = {}
    for line in lines:
        when = None if line.upgraded_from is not None else line.published
        for recorded in line.recorded:
            times.setdefault(recorded, when)
    return times


def describe(key: Key) -> str:
    section, name, version = key
    if section == "events":
        return f"{name} v{version}"
    if section == "aggregates":
        return f"aggregate {name} state v{version}"
    return f"projection {name}"


def new_line(previous: str | None, index: str, recorded: list[tuple[Key, str]],
             upgraded_from: int | None, published: str) -> str:
    """The log line of one publish (`published`: its `timestamp`): compact strict JSON with
    sorted keys, and a newline."""
    line: dict[str, Any] = {"previous": previous, "index": index, "published": published,
                            "recorded": [[*key, fingerprint] for key, fingerprint in recorded]}
    if upgraded_from is not None:
        line["upgraded_from"] = upgraded_from
    return json.dumps(line, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False) + "\n"
