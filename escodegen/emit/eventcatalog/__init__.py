"""`escodegen export eventcatalog DIR`: the folders and frontmatter EventCatalog reads.

    events/<Event>/index.mdx, schema.json                        the latest version
    events/<Event>/versioned/<N>.0.0/index.mdx, schema.json      every earlier version
    services/<Aggregate>/index.mdx     sends its events (latest versions)
    services/<projection>/index.mdx    receives the events it handles

An escodegen version N is EventCatalog version `N.0.0` (EventCatalog orders versions as
semver). Frontmatter is written by the YAML dumper, so a description stays a string; the MDX
body holds no declared text (MDX would read `{` and `<` in it as code).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
import yaml

from escodegen.analyse.schema import event_version_schema
from escodegen.analyse.shapes import flatten
from escodegen.canonical import canonical_json
from escodegen.model import Event, Project
from escodegen.resources import template_environment


@cache
def environment() -> jinja2.Environment:
    return template_environment("eventcatalog")


def semver(number: int) -> str:
    return f"{number}.0.0"


def _frontmatter(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def render(project: Project) -> dict[str, str]:
    """Every file, by path relative to the EventCatalog folder."""
    files: dict[str, str] = {}
    replaced = {e.replaces for e in project.events if e.replaces}
    for event in project.events:
        for version in event.versions:
            folder = f"events/{event.name}"
            if version.number != event.latest.number:
                folder += f"/versioned/{semver(version.number)}"
            files[f"{folder}/index.mdx"] = _event(event, version.number, event.name in replaced)
            files[f"{folder}/schema.json"] = canonical_json(event_version_schema(event, version))
    service = environment().get_template("service.mdx.j2")
    for aggregate in project.aggregates:
        matter: dict[str, Any] = {
            "id": aggregate.name, "name": aggregate.name,
            "version": semver(aggregate.state.version),
            "summary": aggregate.description or f"Aggregate {aggregate.name}, streams "
                                                f"{aggregate.stream}",
            "sends": _references(project, aggregate.events),
        }
        files[f"services/{aggregate.name}/index.mdx"] = service.render(
            frontmatter=_frontmatter(matter), kind="aggregate", name=aggregate.name)
    for projection in project.projections:
        events = list(dict.fromkeys(h.event for h in projection.handlers))
        matter = {
            "id": projection.name, "name": projection.name, "version": semver(1),
            "summary": projection.description or f"Projection {projection.name}",
            "receives": _references(project, events),
        }
        files[f"services/{projection.name}/index.mdx"] = service.render(
            frontmatter=_frontmatter(matter), kind="projection", name=projection.name)
    return files


def _references(project: Project, names: tuple[str, ...] | list[str]) -> list[dict[str, str]]:
    return [{"id": e.name, "version": semver(e.latest.number)}
            for e in (project.event(n) for n in names) if e is not None]


def _event(event: Event, number: int, replaced: bool) -> str:
    version = event.version(number)
    schema = event_version_schema(event, version)
    summary = "\n\n".join(t for t in (event.description, version.description) if t)
    matter: dict[str, Any] = {
        "id": event.name, "name": event.name, "version": semver(number),
        "summary": summary or f"{event.name} version {number}",
        "schemaPath": "schema.json",
    }
    badges = []
    if any(shape.pii for shape in flatten(schema).values()):
        badges.append({"content": "pii", "backgroundColor": "purple", "textColor": "purple"})
    if replaced:
        badges.append({"content": "replaced", "backgroundColor": "orange", "textColor": "orange"})
    if badges:
        matter["badges"] = badges
    return environment().get_template("event.mdx.j2").render(
        frontmatter=_frontmatter(matter), name=event.name, number=number)
