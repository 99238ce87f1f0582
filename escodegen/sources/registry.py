"""The registry folder: what has been published, committed in the user's repository.

    registry/
      index.json                               every entry: fingerprint and sha256 of its files
      log.jsonl                                one line per publish, chained (ledger.py)
      events/<Event>/v<N>.schema.json          current revision of each published version
      events/<Event>/v<N>.r<K>.schema.json     superseded revisions (weak-schema additions)
      aggregates/<Aggregate>/state-v<N>.schema.json   (+ .r<K> revisions: pii flags added)
      projections/<projection>.schema.json     (+ .r<K> revisions)

Content-addressed and tamper-evident: every schema file is checked against the sha256 the
index records for it, the index against the sha256 the last line of the log records, and the
log's lines against each other. Reading it trusts nothing: names are checked before they become
paths and every path must stay inside the folder (registry_files.py). Published versions are
immutable: `publish` only adds, records a weak-schema revision, or refreshes annotations
(titles, descriptions) that leave the fingerprint as it was. Format: docs/registry.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from escodegen.canonical import canonical_json, fingerprint
from escodegen.diagnostics import Report
from escodegen.sources.ledger import (
    LOG,
    Key,
    Line,
    check_head,
    check_recorded,
    describe,
    new_line,
    publication_times,
    read_log,
)
from escodegen.sources.registry_files import NAME, VERSION, Folder, digest

INDEX = "index.json"
INDEX_SCHEMA = "registry-index.schema.json"
FORMAT = 2
SECTIONS = ("events", "aggregates", "projections")
VERSION_KEYS = {"events": "versions", "aggregates": "states"}


class RegistryError(Exception):
    """The registry folder is broken or was tampered with: every problem, with its code."""

    def __init__(self, report: Report) -> None:
        super().__init__("\n".join(d.render() for d in report))
        self.report = report


@dataclass
class Registry:
    root: Path
    index: dict[str, Any]
    """The index in the current format (a format-1 index is converted when read)."""
    head: str | None = None
    """The sha256 of index.json as read; None for a registry not yet written."""
    upgrade_from: int | None = None
    """1 when the folder is in format 1: the next publish upgrades it."""
    log_text: str = ""
    log: list[Line] = field(default_factory=list)
    """The lines of log.jsonl, oldest first (none for a new or format-1 registry)."""
    schemas: dict[Key, Any] = field(default_factory=dict)
    """The current schema of every entry, read (and verified) when the registry was opened."""
    notes: Report = field(default_factory=Report)
    """Warnings about the folder (ES814: an old format)."""
    _times: dict[tuple[Key, str], str | None] | None = field(default=None, repr=False)

    def file(self, key: Key, revision: int | None = None) -> Path:
        """The file of an entry (`revision` k: its superseded revision `.r<k>`)."""
        return Path(self.root, self.relative(key, revision))

    @staticmethod
    def relative(key: Key, revision: int | None = None) -> str:
        """The file of an entry, relative to the registry folder (one string: this runs for
        every file on every `check`)."""
        section, name, version = key
        suffix = f".r{revision}" if revision is not None else ""
        if section == "events":
            return f"events/{name}/v{version}{suffix}.schema.json"
        if section == "aggregates":
            return f"aggregates/{name}/state-v{version}{suffix}.schema.json"
        return f"projections/{name}{suffix}.schema.json"

    def entries(self) -> Iterator[tuple[Key, dict[str, Any]]]:
        yield from _entries(self.index)

    def entry(self, key: Key) -> dict[str, Any] | None:
        section, name, version = key
        if version is None:
            found: dict[str, Any] | None = self.index[section].get(name)
            return found
        versions: dict[str, dict[str, Any]] = self.index[section].get(name, {}).get(
            VERSION_KEYS[section], {})
        return versions.get(version)

    def published(self, key: Key) -> tuple[str | None, ...]:
        """When each revision of an entry was published, oldest first (the last is the current
        file): `2024-05-01T12:00:00Z`, or None when the log does not say (a line written
        before escodegen recorded dates, a format-1 registry, the publish that upgraded one).
        Empty when the entry is not in the registry."""
        entry = self.entry(key)
        if entry is None:
            return ()
        if self._times is None:
            self._times = publication_times(self.log)
        return tuple(self._times.get((key, revision["fingerprint"]))
                     for revision in [*entry["superseded"], entry])


def _entries(index: dict[str, Any]) -> Iterator[tuple[Key, dict[str, Any]]]:
    for section in SECTIONS:
        for name, value in index[section].items():
            if section == "projections":
                yield (section, name, None), value
            else:
                for version, entry in value[VERSION_KEYS[section]].items():
                    yield (section, name, version), entry


def empty_index() -> dict[str, Any]:
    return {"escodegen": FORMAT, "events": {}, "aggregates": {}, "projections": {}}


def open_registry(root: Path, base: Path | None = None) -> Registry:
    """The registry at `root`, every file verified; an absent folder is an empty registry.

    Raises RegistryError with every problem found (file names shown relative to `base`,
    by default the folder holding the registry)."""
    folder = Folder(root, base or root.parent)
    registry = _read(folder)
    if registry is None or folder.report.has_errors:
        raise RegistryError(folder.report)
    return registry


def _read(folder: Folder) -> Registry | None:
    root = folder.root
    if root.exists() and not root.is_dir():
        folder.error("ES801", root, f"the registry {folder.show(root)} is not a folder")
        return None
    index_file = root / INDEX
    if not index_file.exists() and not index_file.is_symlink():
        if _published_files(root) or (root / LOG).exists():
            folder.error("ES809", index_file, f"{folder.show(index_file)} is missing, but "
                         f"{folder.show(root)}/ holds published files")
            return None
        return Registry(root, empty_index())
    data = folder.read_bytes(index_file)
    if data is None:
        return None
    index = folder.parse(index_file, data)
    if index is None or not folder.check_shape(index_file, index, INDEX_SCHEMA):
        return None
    registry = Registry(root, index, head=digest(data))
    if not _names_valid(folder, index_file, index):
        return None
    if index["escodegen"] == 1:
        registry.upgrade_from = 1
        registry.notes.warning("ES814", f"{folder.show(root)}/ is a format-1 registry "
                               "(no publication log, no sha256 of its files); the next "
                               "`escodegen publish` upgrades it")
    elif not _chain_holds(folder, registry):
        return None
    _read_files(folder, registry)
    _no_stray_files(folder, registry)
    return registry


def _names_valid(folder: Folder, path: Path, index: dict[str, Any]) -> bool:
    """Every key is a full-match identifier (or version number), so it names one file inside
    the folder; else ES804."""
    ok = True
    for (section, name, version), _ in _entries(index):
        for text, pattern in ((name, NAME), (version, VERSION)):
            if text is not None and not pattern.fullmatch(text):
                folder.error("ES804", path, f"{folder.show(path)}: {section} key {text!r} is not "
                             "a name escodegen writes")
                ok = False
    return ok


def _chain_holds(folder: Folder, registry: Registry) -> bool:
    log = registry.root / LOG
    read = read_log(folder, log)
    if read is None:
        return False
    lines, registry.log_text = read
    registry.log = lines
    assert registry.head is not None
    if not check_head(folder, log, lines, registry.root / INDEX, registry.head):
        return False
    fingerprints = {key: {entry["fingerprint"], *(r["fingerprint"] for r in entry["superseded"])}
                    for key, entry in registry.entries()}
    return check_recorded(folder, log, lines, fingerprints)


def _read_files(folder: Folder, registry: Registry) -> None:
    """Read every entry's files, each checked against its sha256 (format 2) or fingerprint
    (format 1, whose entries are converted to format 2 here)."""
    root = str(registry.root)
    for key, entry in registry.entries():
        if registry.upgrade_from == 1:
            revisions = entry.pop("revisions")
            entry["superseded"] = [{"fingerprint": fp} for fp in revisions[:-1]]
        for number, revision in enumerate([*entry["superseded"], entry], start=1):
            current = revision is entry
            path = os.path.join(root, registry.relative(key, None if current else number))
            data = folder.read_bytes(path)
            if data is None:
                continue
            if registry.upgrade_from == 1 or current:
                schema = folder.parse(path, data)
                if schema is None:
                    continue
                if current:
                    registry.schemas[key] = schema
            if registry.upgrade_from == 1:
                found = _fingerprint_of(schema)
                expected = revision["fingerprint"]
                revision["sha256"] = digest(data)
            else:
                found, expected = digest(data), revision["sha256"]
            if found != expected:
                folder.error("ES806", path, f"{folder.show(path)} ({describe(key)}"
                             + ("" if current else f" revision {number}")
                             + f") was changed after it was published: it has {found}, the "
                             f"index records {expected}")


def _fingerprint_of(schema: Any) -> str | None:
    return fingerprint(schema) if isinstance(schema, dict) else None


def _published_files(root: Path) -> bool:
    """Does any section folder hold a file (hidden files such as .gitkeep aside)?"""
    return any(not f.startswith(".") for section in SECTIONS
               for _, _, files in os.walk(root / section) for f in files)


def _no_stray_files(folder: Folder, registry: Registry) -> None:
    """Every file in the section folders is one the index names: else an entry was removed
    (or a file added by hand): ES813. One listing per folder, as this runs on every check."""
    expected = set()
    for key, entry in registry.entries():
        expected.add(registry.relative(key))
        expected.update(registry.relative(key, k) for k in range(1, len(entry["superseded"]) + 1))
    folders = {relative.rsplit("/", 1)[0] for relative in expected}
    pending = [section for section in SECTIONS if (registry.root / section).exists()]
    stray = []
    while pending:
        current = pending.pop()
        try:
            names = os.listdir(registry.root / current)
        except NotADirectoryError:
            stray.append(current)
            continue
        for name in names:
            relative = f"{current}/{name}"
            if relative in folders:
                pending.append(relative)
            elif relative not in expected and not name.startswith("."):
                stray.append(relative)
    for relative in sorted(stray):
        path = registry.root / relative
        folder.error("ES813", path, f"{folder.show(path)} is not named by "
                     f"{folder.show(registry.root / INDEX)} (was its entry removed?)")


@dataclass(frozen=True)
class Changes:
    """What one publish writes (decided by `analyse.publish`)."""

    index: dict[str, Any]
    """The new index."""
    recorded: list[tuple[Key, str]]
    """(entry, fingerprint) of everything the log line records."""
    files: dict[Path, str] = field(default_factory=dict)
    """Schema files to write, by path."""
    superseded: dict[Path, Path] = field(default_factory=dict)
    """Revision file -> the current file it keeps: copied before the current one is replaced."""


def write(registry: Registry, changes: Changes, published: str) -> None:
    """Keep the superseded files, write the schema files, append to the log (`published`:
    when, as `ledger.timestamp` writes it), replace the index (each file whole or not at all).
    The index comes last, so an interrupted publish is found by the next `check`."""
    index_text = canonical_json(changes.index)
    line = new_line(registry.head, digest(index_text.encode()), changes.recorded,
                    registry.upgrade_from, published)
    for revision, current in changes.superseded.items():
        _replace(revision, current.read_text(encoding="utf-8"))  # verified when opened
    for path, text in changes.files.items():
        _replace(path, text)
    _replace(registry.root / LOG, registry.log_text + line)
    _replace(registry.root / INDEX, index_text)


def _replace(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
