"""The Python target: a self-contained package (standard library, psycopg and, when chosen,
pydantic) with the event classes, envelope, codec, upcasters, aggregate bases, projection
runners and an event store client for the PostgreSQL target's SQL API (docs/postgres.md).

The event classes come from datamodel-code-generator (`models.py`); everything else is
rendered from the jinja2 templates in templates/python/, fed by `context.py`.
"""

from __future__ import annotations

from escodegen.emit import HEADER
from escodegen.emit.postgres import render as render_postgres
from escodegen.emit.python.context import package_context
from escodegen.emit.python.json_code import event_json, state_json
from escodegen.emit.python.models import (
    TYPES_MODULE,
    absent_only,
    attribute_keys,
    class_types,
    event_schemas,
    render_event_modules,
    render_types_module,
    types_schema,
)
from escodegen.emit.python.payloads import constrained_versions, payloads_table, runtime_context
from escodegen.emit.python.templates import render_template
from escodegen.model import Project
from escodegen.model.naming import snake
from escodegen.upcast import python_upcasters

# Package modules rendered from templates/python/<name>.j2, in this order (and, when asked
# for, pyproject.toml).
_MODULES = (
    "__init__.py", "events/__init__.py", "_runtime.py", "codec.py", "aggregates.py", "store.py",
    "projections.py",
)


def render(project: Project) -> dict[str, str]:
    """Paths inside `python.out` -> file text."""
    assert project.python is not None, "only called for projects with a python target"
    types_module = render_types_module(project, project.python.models)
    type_texts, type_classes = ([types_module[0]], types_module[1]) if types_module else ([], [])
    modules = render_event_modules(project, project.python.models, "".join(type_texts))
    context = package_context(project, {name: classes for name, (_, classes) in modules.items()},
                              type_classes)
    states = state_json([(record["name"], [(f["name"], f["annotation"], f["optional"], f["key"])
                                           for f in record["fields"]])
                         for a in context["aggregates"]
                         for record in [*a["records"], {"name": a["state"],
                                                        "fields": a["state_fields"]}]])
    context["state_json"], context["state_runtime"] = states.text(), sorted(states.runtime)
    schemas = [types_schema(class_types(project))] + [event_schemas(e) for e in project.events]
    absent = frozenset(pair for schema in schemas for pair in absent_only(schema))
    by_class: dict[str, list[str]] = {}
    for cls, name in sorted(absent):
        by_class.setdefault(cls, []).append(name)
    context["absent_only"] = sorted(by_class.items())
    if project.python.models == "dataclasses":
        keys = {pair: key for schema in schemas
                for pair, key in attribute_keys(schema, project.python.attribute_names).items()}
        events = event_json(type_texts + [text for text, _ in modules.values()], absent, keys)
        context["event_json"], context["event_runtime"] = events.text(), sorted(events.runtime)
    context["payloads"] = payloads_table(sorted(project.events, key=lambda e: snake(e.name)))
    context["constrained"] = constrained_versions(project.events)
    context.update(runtime_context())
    files = {f"events/{snake(name)}.py": text for name, (text, _) in modules.items()}
    files.update({f"events/{TYPES_MODULE}.py": text for text in type_texts})
    files["upcasters.py"] = upcasters_module(project)
    for module in _MODULES:
        files[module] = render_template(f"{module}.j2", context)
    files["py.typed"] = f"# {HEADER}\n"  # PEP 561: the package's annotations are for checkers
    if project.postgres is not None:
        # the PostgreSQL target's files as package resources, for `apply_schema`
        files.update({f"sql/{name}": text for name, text in render_postgres(project).items()})
    if project.python.pyproject:
        files["pyproject.toml"] = render_template("pyproject.toml.j2", {
            **context, "distribution": project.python.package.replace(".", "-").replace("_", "-"),
            "version": project.python.version,
            "packages": [project.python.package, f"{project.python.package}.events"],
        })
    return dict(sorted(files.items()))


def upcasters_module(project: Project) -> str:
    body = python_upcasters(project.events).strip("\n")
    return f"# {HEADER}\n{body}\n"
