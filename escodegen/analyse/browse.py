"""What `escodegen registry list/show` shows: the declarations joined with the registry.

Plain data (dicts) so that the same content is printed as terminal tables or as JSON.
"""

from __future__ import annotations

from typing import Any

from escodegen.analyse.consumers import event_consumers
from escodegen.analyse.schema import event_version_schema
from escodegen.analyse.shapes import Shape, flatten, non_null
from escodegen.canonical import fingerprint
from escodegen.model import Event, Project
from escodegen.model.ops import UpcastOp
from escodegen.sources.registry import Registry
from escodegen.upcast.table import operation


def describe_op(op: UpcastOp) -> str:
    """One line per operation, e.g. `split name -> firstName, lastName (separator " ")`."""
    return operation(op).summary(op)


def publication(registry: Registry, event: Event, number: int) -> str:
    """`published`, `revised (r2)`, `not published` or `differs` (edited since publishing)."""
    entry = registry.entry(("events", event.name, str(number)))
    if entry is None:
        return "not published"
    if entry["fingerprint"] != fingerprint(event_version_schema(event, number)):
        return "differs"
    superseded = len(entry["superseded"])
    return f"revised (r{superseded + 1})" if superseded else "published"


def published_summary(states: list[str]) -> str:
    """`publication`s of an event's versions in one cell: `2/3`, `1/2 (differs)`."""
    done = sum(1 for s in states if s == "published" or s.startswith("revised"))
    flags = sorted({s for s in states if s not in ("published", "not published")
                    and not s.startswith("revised")})
    return f"{done}/{len(states)}" + (f" ({', '.join(flags)})" if flags else "")


def listing(project: Project, registry: Registry) -> dict[str, Any]:
    return {
        "events": [{
            "name": e.name,
            "versions": e.latest.number,
            "published": [publication(registry, e, v.number) for v in e.versions],
            "fingerprint": fingerprint(event_version_schema(e, e.latest)),
            "producer": f"aggregate {e.aggregate}" if e.aggregate else None,
            "consumers": list(event_consumers(project, e.name)),
        } for e in project.events],
        "aggregates": [{
            "name": a.name, "state_version": a.state.version, "events": list(a.events),
        } for a in project.aggregates],
        "projections": [{
            "name": p.name, "key": list(p.key), "events": sorted({h.event for h in p.handlers}),
        } for p in project.projections],
    }


def chain(event: Event, start: int) -> list[str]:
    """The operations that take a v`start` payload to the latest version, with their versions."""
    return [f"v{n}: {describe_op(op)}" for n in range(start + 1, event.latest.number + 1)
            for op in event.version(n).upcast]


def field_rows(event: Event, number: int) -> list[dict[str, Any]]:
    schema = event_version_schema(event, number)
    rows = []
    for path, shape in flatten(schema).items():
        prop = _property(schema, path)
        rows.append({"field": path, "type": _constrained(shape) or (
                         shape.kind if shape.kind != "enum"
                         else "enum[" + "|".join(shape.values) + "]"),
                     "required": shape.required, "pii": shape.pii,
                     "default": prop.get("default"), "description": prop.get("description")})
    return rows


def _constrained(shape: Shape) -> str | None:
    """The type with its constraints and its items' (`string{maxLength: 3}`,
    `array<string{pattern: ^[A-Z]+$}>{maxItems: 2}`); None when it has none."""
    type_ = shape.type
    while type_ is not None:
        if type_.constraints:
            assert shape.type is not None
            return shape.type.describe()
        type_ = type_.items
    return None


def _property(schema: dict[str, Any], path: str) -> dict[str, Any]:
    current: dict[str, Any] = schema
    prop: dict[str, Any] = {}
    for part in path.split("."):
        name = part.replace("[]", "")
        prop = current.get("properties", {}).get(name, {})
        inner = non_null(prop)
        while inner.get("type") == "array" and "prefixItems" not in inner:  # a tuple ends it
            inner = inner.get("items", {})
        current = inner
    return prop


def field_diff(event: Event, old: int, new: int) -> list[dict[str, Any]]:
    """Field-level differences between two versions: added, removed, changed (type, required, pii)."""
    before = flatten(event_version_schema(event, old))
    after = flatten(event_version_schema(event, new))
    rows: list[dict[str, Any]] = []
    for path in [*before, *(p for p in after if p not in before)]:
        a, b = before.get(path), after.get(path)
        if a is None and b is not None:
            rows.append({"field": path, "change": "added", "old": None, "new": b.describe()})
        elif b is None and a is not None:
            rows.append({"field": path, "change": "removed", "old": a.describe(), "new": None})
        elif a is not None and b is not None and a != b:
            rows.append({"field": path, "change": "changed", "old": _in_full(a), "new": _in_full(b)})
    return rows


def _in_full(shape: Shape) -> str:
    """`describe` with the pii flag and enum values: what a change may be in."""
    return (shape.describe() + (" pii" if shape.pii else "")
            + (" " + "|".join(shape.values) if shape.values else ""))


def details(project: Project, registry: Registry, event: Event, number: int,
            between: tuple[int, int] | None) -> dict[str, Any]:
    version = event.version(number)
    return {
        "name": event.name,
        "description": event.description,
        "version": number,
        "latest": event.latest.number,
        "version_description": version.description,
        "replaces": event.replaces,
        "subject": event.subject,
        "fingerprint": fingerprint(event_version_schema(event, number)),
        "published": {str(v.number): publication(registry, event, v.number) for v in event.versions},
        "published_at": {str(v.number): list(registry.published(
            ("events", event.name, str(v.number)))) for v in event.versions},
        "fields": field_rows(event, number),
        "upcast_chains": {str(v.number): chain(event, v.number) for v in event.versions[:-1]},
        "producers": [f"aggregate {event.aggregate}"] if event.aggregate else [],
        "consumers": list(event_consumers(project, event.name)),
        "diff": ({"from": between[0], "to": between[1],
                  "changes": field_diff(event, *between)} if between else None),
    }
