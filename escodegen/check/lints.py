"""Design lints: declarations that are valid but follow a known event-sourcing anti-pattern.

They are warnings of `escodegen validate` (codes ES5xx, docs/lints.md). Each names the event or
aggregate it is about as its path, so an `ignore:` entry of escodegen.yaml
(`{rule: ES503, path: PlaceOrder, reason: ...}`) silences it, with its reason on record.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from escodegen.diagnostics import Report, Span
from escodegen.model import Aggregate, Event, Ignore, Project
from escodegen.model.naming import pascal

LINT_CODES = ("ES501", "ES502", "ES503", "ES504")

# Field names (lowercase, without `_`) that make an event a generic name/value setter.
_NAME_SLOTS = frozenset({"field", "fieldname", "property", "propertyname", "attribute",
                         "attributename", "key", "path"})
_VALUE_SLOTS = frozenset({"value", "newvalue", "fieldvalue", "propertyvalue", "attributevalue"})
_SETTER_SUFFIXES = ("Changed", "Updated", "Set")
# An aggregate with at least this many one-field setter events, covering half of its state or
# more, is sourced property by property.
_SETTERS_MIN = 3
# An event carrying this share of its aggregate's state fields (of a state of at least
# _FAT_MIN_STATE fields) is a state transfer, not a fact.
_FAT_SHARE = 0.8
_FAT_MIN_STATE = 4
# Imperative verbs that commands start with; an event name is a past fact (`OrderPlaced`).
_COMMAND_VERBS = frozenset({
    "Add", "Approve", "Assign", "Book", "Calculate", "Cancel", "Change", "Charge", "Check",
    "Close", "Complete", "Confirm", "Create", "Deactivate", "Delete", "Do", "Enable",
    "Disable", "Execute", "Get", "Handle", "Make", "Modify", "Move", "Open", "Pay", "Place",
    "Process", "Publish", "Refund", "Register", "Reject", "Remove", "Rename", "Request",
    "Reserve", "Run", "Save", "Schedule", "Send", "Set", "Ship", "Start", "Stop", "Submit",
    "Update", "Upsert", "Validate",
})
_WORD = re.compile(r"[A-Z][a-z0-9]*|[a-z0-9]+")
# Past participles that do not end in -ed.
_PARTICIPLES = frozenset({
    "Begun", "Bound", "Bought", "Broken", "Brought", "Built", "Caught", "Chosen", "Cut", "Dealt",
    "Done", "Drawn", "Found", "Forgotten", "Frozen", "Given", "Gone", "Got", "Held", "Hidden",
    "Kept", "Known", "Laid", "Led", "Left", "Lent", "Lost", "Made", "Met", "Paid", "Put",
    "Read", "Run", "Said", "Seen", "Sent", "Set", "Shown", "Shut", "Sold", "Spent", "Split",
    "Stolen", "Taken", "Taught", "Thrown", "Told", "Torn", "Undone", "Withdrawn", "Won", "Worn",
    "Written"})
# {every: N}: below this, the snapshot is rewritten at (almost) every save.
_SNAPSHOT_MIN_EVENTS = 2


@dataclass(frozen=True)
class Lint:
    code: str
    path: str
    """The event or aggregate name: what an `ignore:` entry's `path` matches."""
    message: str
    span: Span | None


def lint_project(project: Project, report: Report) -> None:
    """Add every design lint that no `ignore:` entry of the project silences as a warning."""
    for lint in design_lints(project):
        if not ignored(lint, project.ignores):
            report.warning(lint.code, lint.message, lint.span)


def ignored(lint: Lint, ignores: Sequence[Ignore]) -> bool:
    return any(entry.rule.upper() == lint.code and fnmatch.fnmatchcase(lint.path, entry.path)
               for entry in ignores)


def design_lints(project: Project) -> Iterator[Lint]:
    for event in project.events:
        yield from _generic_setter(event)
        yield from _command_name(event)
    events = {e.name: e for e in project.events}
    for aggregate in project.aggregates:
        own = [events[name] for name in aggregate.events if name in events]
        yield from _setter_per_field(aggregate, own)
        yield from _fat_events(aggregate, own)
        yield from _snapshot_policy(aggregate)


def _slot(name: str) -> str:
    return name.replace("_", "").lower()


def _generic_setter(event: Event) -> Iterator[Lint]:
    names = {_slot(f.name): f.name for f in event.latest.fields}
    name_slot = next((names[n] for n in sorted(_NAME_SLOTS) if n in names), None)
    value_slot = next((names[n] for n in sorted(_VALUE_SLOTS) if n in names), None)
    if name_slot and value_slot:
        yield Lint("ES501", event.name,
                   f"event {event.name} carries a generic pair ({name_slot}, {value_slot}): "
                   "property sourcing records which field changed, not what happened",
                   event.span)


def _setter_per_field(aggregate: Aggregate, events: Sequence[Event]) -> Iterator[Lint]:
    state = {pascal(f.name): f.name for f in aggregate.state.fields}
    setters = []
    for event in events:
        payload = [f for f in event.latest.fields if f.name != aggregate.id_field]
        for suffix in _SETTER_SUFFIXES:
            stem = event.name.removesuffix(suffix)
            field = next((state[p] for p in state if stem != event.name and stem.endswith(p)),
                         None)
            if field is not None and len(payload) == 1:
                setters.append((event.name, field))
                break
    covered = {field for _, field in setters}
    if len(setters) >= _SETTERS_MIN and 2 * len(covered) >= len(state):
        names = ", ".join(name for name, _ in setters)
        yield Lint("ES501", aggregate.name,
                   f"aggregate {aggregate.name} has one setter event per state field ({names}): "
                   "property sourcing records field changes, not what happened",
                   aggregate.span)


def _fat_events(aggregate: Aggregate, events: Sequence[Event]) -> Iterator[Lint]:
    state = {_slot(f.name) for f in aggregate.state.fields} - {_slot(aggregate.id_field)}
    if len(state) < _FAT_MIN_STATE:
        return
    for event in events:
        carried = state & {_slot(f.name) for f in event.latest.fields}
        if len(carried) >= _FAT_SHARE * len(state):
            yield Lint("ES502", event.name,
                       f"event {event.name} carries {len(carried)} of the {len(state)} state "
                       f"fields of {aggregate.name}: a fat event transfers state instead of "
                       "saying what happened", event.span)


def _command_name(event: Event) -> Iterator[Lint]:
    words = _WORD.findall(event.name)
    if not words or words[0] not in _COMMAND_VERBS:
        return
    if any(w.endswith("ed") or w in _PARTICIPLES for w in words[1:]):
        return
    yield Lint("ES503", event.name,
               f"event {event.name} is named as a command (imperative {words[0]!r}): an event "
               "names a fact that happened, in the past tense",
               event.span)


def _snapshot_policy(aggregate: Aggregate) -> Iterator[Lint]:
    policy = aggregate.snapshot
    if policy.kind == "every" and policy.events is not None \
            and policy.events < _SNAPSHOT_MIN_EVENTS:
        yield Lint("ES504", aggregate.name,
                   f"aggregate {aggregate.name} snapshots at every event ({{every: "
                   f"{policy.events}}}): the snapshot is rewritten at every save",
                   aggregate.span)
