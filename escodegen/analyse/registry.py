"""The registry folder: what has been published, committed in the user's repository.

    registry/
      index.json                               every entry and its fingerprints
      events/<Event>/v<N>.schema.json          current revision of each published version
      events/<Event>/v<N>.r<K>.schema.json     superseded revisions (weak-schema additions)
      aggregates/<Aggregate>/state-v<N>.schema.json   (+ .r<K> revisions: pii flags added)
      projections/<projection>.schema.json     (+ .r<K> revisions)

Every file is canonical JSON (`schema.canonical_json`), so the folder diffs cleanly in review.
Published versions are immutable: `publish` only adds, records a weak-schema revision, or
refreshes annotations (titles, descriptions) that leave the fingerprint as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from escodegen.analyse.compare import compare
from escodegen.analyse.findings import Finding
from escodegen.analyse.schema import canonical_json, event_version_schema, fingerprint
from escodegen.analyse.shapes import Contract, projection_schema, state_schema
from escodegen.model import Project

INDEX = "index.json"
FORMAT = 1
# Changes that would rewrite something published: publish refuses them.
REFUSED = frozenset({"ESD120", "ESD140"})


class RegistryError(Exception):
    """The registry folder cannot be read (a broken index or schema file)."""


@dataclass
class Registry:
    root: Path
    index: dict[str, Any]

    def event_file(self, event: str, version: int, revision: int | None = None) -> Path:
        suffix = f".r{revision}" if revision is not None else ""
        return self.root / "events" / event / f"v{version}{suffix}.schema.json"

    def state_file(self, aggregate: str, version: int, revision: int | None = None) -> Path:
        suffix = f".r{revision}" if revision is not None else ""
        return self.root / "aggregates" / aggregate / f"state-v{version}{suffix}.schema.json"

    def projection_file(self, projection: str, revision: int | None = None) -> Path:
        suffix = f".r{revision}" if revision is not None else ""
        return self.root / "projections" / f"{projection}{suffix}.schema.json"

    def contract(self) -> Contract:
        """The published schemas (current revisions) as the base of a comparison."""
        return Contract(
            events={name: {int(n): _read_json(self.event_file(name, int(n)))
                           for n in entry["versions"]}
                    for name, entry in self.index["events"].items()},
            states={name: {int(n): _read_json(self.state_file(name, int(n)))
                           for n in entry["states"]}
                    for name, entry in self.index["aggregates"].items()},
            projections={name: _read_json(self.projection_file(name))
                         for name in self.index["projections"]},
            label="registry",
        )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RegistryError(f"{path}: {error}") from error


def empty_index() -> dict[str, Any]:
    return {"escodegen": FORMAT, "events": {}, "aggregates": {}, "projections": {}}


def open_registry(root: Path) -> Registry:
    """The registry at `root`; an absent folder is an empty registry."""
    index_file = root / INDEX
    if not index_file.is_file():
        return Registry(root, empty_index())
    index = _read_json(index_file)
    if not isinstance(index, dict) or index.get("escodegen") != FORMAT:
        raise RegistryError(f"{index_file}: not an escodegen registry index (format {FORMAT})")
    for key in ("events", "aggregates", "projections"):
        index.setdefault(key, {})
    return Registry(root, index)


@dataclass
class Publication:
    """What `publish` did, or why it refused."""

    added: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    refreshed: list[str] = field(default_factory=list)
    refused: list[Finding] = field(default_factory=list)
    unchanged: int = 0


def publish(project: Project, registry: Registry, dry_run: bool = False) -> Publication:
    """Record every new event version, state version and projection shape of `project`.

    Nothing is written when any change would rewrite a published version (rules in REFUSED).
    """
    result = Publication()
    result.refused = [f for f in compare(registry.contract(), project) if f.rule in REFUSED]
    if result.refused:
        return result
    writes: dict[Path, str] = {}
    index = registry.index
    for event in project.events:
        versions = index["events"].setdefault(event.name, {"versions": {}})["versions"]
        for version in event.versions:
            _record(versions, str(version.number), event_version_schema(event, version),
                    partial(registry.event_file, event.name, version.number),
                    f"{event.name} v{version.number}", result, writes)
    for aggregate in project.aggregates:
        states = index["aggregates"].setdefault(aggregate.name, {"states": {}})["states"]
        number = aggregate.state.version
        _record(states, str(number), state_schema(aggregate),
                partial(registry.state_file, aggregate.name, number),
                f"aggregate {aggregate.name} state v{number}", result, writes)
    for projection in project.projections:
        _record(index["projections"], projection.name, projection_schema(projection),
                partial(registry.projection_file, projection.name),
                f"projection {projection.name}", result, writes)
    if writes and not dry_run:
        writes[registry.root / INDEX] = canonical_json(index)
        for path, text in writes.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return result


def _record(entries: dict[str, Any], key: str, schema: dict[str, Any],
            file: Callable[[int | None], Path], label: str, result: Publication,
            writes: dict[Path, str]) -> None:
    """Add, revise or refresh one entry; `file(None)` is its current file, `file(k)` where its
    revision k is kept."""
    path = file(None)
    text = canonical_json(schema)
    digest = fingerprint(schema)
    entry = entries.get(key)
    if entry is None:
        entries[key] = {"fingerprint": digest, "revisions": [digest]}
        writes[path] = text
        result.added.append(f"{label} {digest}")
        return
    if entry["fingerprint"] == digest:
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            writes[path] = text
            result.refreshed.append(label)
        else:
            result.unchanged += 1
        return
    # compare() has refused every other in-place change: this one is a weak-schema revision
    # (an optional field or a pii flag added) or a projection's new shape.
    revisions: list[str] = entry["revisions"]
    if path.is_file():
        writes[file(len(revisions))] = path.read_text(encoding="utf-8")
    revisions.append(digest)
    entry["fingerprint"] = digest
    writes[path] = text
    result.revised.append(f"{label} revision {len(revisions)} {digest}")
