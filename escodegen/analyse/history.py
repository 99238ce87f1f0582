"""The story of each event: what every version changed, by which decision-matrix strategy,
and what the registry holds of it. The catalog's history table reads this.

The changes are the diff engine's own findings: comparing a contract that holds only each
event's first version with the declarations classifies every later version step by step (the
same judgement `escodegen diff` makes when that version arrives in a pull request).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from escodegen.analyse.browse import publication
from escodegen.analyse.compare import compare
from escodegen.analyse.findings import Finding
from escodegen.analyse.schema import event_version_schema
from escodegen.analyse.shapes import Contract
from escodegen.canonical import fingerprint
from escodegen.model import Event, Project
from escodegen.sources.registry import Registry

NEW_VERSION = "ESD133"
"""`vN is new`: said of every version step, so it tells nothing in a history."""


@dataclass(frozen=True)
class VersionHistory:
    number: int
    fingerprint: str
    registry: str
    """`published`, `revised (r2)`, `not published` or `differs` (`browse.publication`)."""
    strategies: tuple[str, ...]
    """The decision-matrix strategies the version's changes took, e.g. ("upcasting",)."""
    changes: tuple[Finding, ...]
    published: tuple[str | None, ...] = ()
    """When the registry recorded each revision, oldest first (`Registry.published`): the
    first is when the version was published, any later one a weak-schema revision; None where
    the date is unknown, empty when the version is not published."""


def version_steps(project: Project) -> dict[tuple[str, int], tuple[Finding, ...]]:
    """The findings of every version step: (event, version) -> what that version changed."""
    first_versions = Contract(
        events={e.name: {1: event_version_schema(e, 1)} for e in project.events if e.versions},
        states={}, projections={}, label="version 1")
    steps: dict[tuple[str, int], list[Finding]] = {}
    for finding in compare(first_versions, project, python_api=False):
        parts = finding.path.split(".")
        if finding.rule == NEW_VERSION or len(parts) < 2 or not parts[1].startswith("v"):
            continue
        steps.setdefault((parts[0], int(parts[1][1:])), []).append(finding)
    return {key: tuple(found) for key, found in steps.items()}


def event_history(event: Event, registry: Registry,
                  steps: dict[tuple[str, int], tuple[Finding, ...]],
                  schemas: Mapping[int, dict[str, Any]] | None = None) -> list[VersionHistory]:
    """One row per version, oldest first. Version 1 of an event that `replaces` another took
    the new-event-type strategy; a revision recorded in the registry took weak schema.
    `schemas` are the versions' canonical schemas when the caller has them already."""
    rows = []
    for version in event.versions:
        changes = steps.get((event.name, version.number), ())
        strategies = [f.strategy for f in changes if f.strategy]
        state = publication(registry, event, version.number)
        if version.number == 1 and event.replaces:
            strategies.insert(0, "new event type")
        if state.startswith("revised"):
            strategies.append("weak schema")
        rows.append(VersionHistory(
            version.number,
            fingerprint(schemas[version.number] if schemas else event_version_schema(event, version)),
            state,
            tuple(dict.fromkeys(strategies)), changes,
            registry.published(("events", event.name, str(version.number)))))
    return rows
