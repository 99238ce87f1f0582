"""What `escodegen publish` records: every new event version, aggregate state version and
projection shape, as changes to the registry's index and files (written by
`sources.registry.write`). Published versions are immutable: a change that would rewrite one is
refused, and nothing is written."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from escodegen.analyse.compare import compare
from escodegen.analyse.findings import Finding
from escodegen.analyse.schema import event_version_schema
from escodegen.analyse.shapes import projection_schema, registry_contract, state_schema
from escodegen.canonical import canonical_json, fingerprint
from escodegen.model import Project
from escodegen.sources.ledger import Key
from escodegen.sources.registry import FORMAT, VERSION_KEYS, Changes, Registry
from escodegen.sources.registry_files import digest

# Changes that would rewrite something published: publish refuses them.
REFUSED = frozenset({"ESD120", "ESD140"})


@dataclass
class Publication:
    """What `publish` records, or why it refuses."""

    added: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    refreshed: list[str] = field(default_factory=list)
    refused: list[Finding] = field(default_factory=list)
    unchanged: int = 0
    upgraded_from: int | None = None
    changes: Changes | None = None
    """What to write; None when nothing is (refused, or nothing new)."""


def plan_publication(project: Project, registry: Registry) -> Publication:
    """Every new event version, state version and projection shape of `project`.

    No changes when any would rewrite a published version (rules in REFUSED). A format-1
    registry is upgraded even when nothing is new.
    """
    result = Publication(upgraded_from=registry.upgrade_from)
    result.refused = [f for f in compare(registry_contract(registry), project)
                      if f.rule in REFUSED]
    if result.refused:
        return result
    index = copy.deepcopy(registry.index)
    index["escodegen"] = FORMAT
    changes = Changes(index, [])
    for key, entry in ([] if registry.upgrade_from is None else registry.entries()):
        changes.recorded.extend((key, r["fingerprint"]) for r in [*entry["superseded"], entry])
    for key, schema, label in _declared(project):
        if _record(registry, index, key, schema, label, result, changes):
            changes.recorded.append((key, fingerprint(schema)))
    if changes.files or registry.upgrade_from is not None:
        result.changes = changes
    return result


def _declared(project: Project) -> Iterator[tuple[Key, dict[str, Any], str]]:
    for event in project.events:
        for version in event.versions:
            yield (("events", event.name, str(version.number)),
                   event_version_schema(event, version), f"{event.name} v{version.number}")
    for aggregate in project.aggregates:
        number = aggregate.state.version
        yield (("aggregates", aggregate.name, str(number)), state_schema(aggregate),
               f"aggregate {aggregate.name} state v{number}")
    for projection in project.projections:
        yield (("projections", projection.name, None), projection_schema(projection),
               f"projection {projection.name}")


def _record(registry: Registry, index: dict[str, Any], key: Key, schema: dict[str, Any],
            label: str, result: Publication, changes: Changes) -> bool:
    """Add, revise or refresh one entry in `index`; True when it changed."""
    section, name, version = key
    entries = index[section]
    if version is not None:
        entries = entries.setdefault(name, {VERSION_KEYS[section]: {}})[VERSION_KEYS[section]]
    slot = version if version is not None else name
    path = registry.file(key)
    text = canonical_json(schema)
    digest_ = fingerprint(schema)
    entry = entries.get(slot)
    if entry is None:
        entries[slot] = {"fingerprint": digest_, "sha256": digest(text.encode()), "superseded": []}
        changes.files[path] = text
        result.added.append(f"{label} {digest_}")
        return True
    if entry["fingerprint"] == digest_:
        if entry["sha256"] == digest(text.encode()):
            result.unchanged += 1
            return False
        entry["sha256"] = digest(text.encode())
        changes.files[path] = text
        result.refreshed.append(label)
        return True
    # compare() has refused every other in-place change: this one is a weak-schema revision
    # (an optional field or a pii flag added) or a projection's new shape.
    superseded: list[dict[str, str]] = entry["superseded"]
    superseded.append({"fingerprint": entry["fingerprint"], "sha256": entry["sha256"]})
    changes.superseded[registry.file(key, len(superseded))] = path
    entry.update(fingerprint=digest_, sha256=digest(text.encode()))
    changes.files[path] = text
    result.revised.append(f"{label} revision {len(superseded) + 1} {digest_}")
    return True


