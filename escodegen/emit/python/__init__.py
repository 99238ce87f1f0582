"""The Python target: a self-contained package (standard library, psycopg and, when chosen,
pydantic) with the event classes, envelope, codec, upcasters, aggregate bases, projection
runners and an event store client for the PostgreSQL target's SQL API (docs/postgres.md).

The event classes come from datamodel-code-generator (`models.py`); everything else is
rendered from the jinja2 templates in templates/python/, fed by `context.py`.
"""

from __future__ import annotations

from escodegen.emit import HEADER
from escodegen.emit.python.context import package_context
from escodegen.emit.python.json_code import event_json, state_json
from escodegen.emit.python.models import render_event_modules
from escodegen.emit.python.payloads import payloads_table, runtime_context
from escodegen.emit.python.templates import render_template
from escodegen.model import Project
from escodegen.model.naming import snake
from escodegen.upcast import python_upcasters

# Package modules rendered from templates/python/<name>.j2, in this order.
_MODULES = (
    "__init__.py", "events/__init__.py", "_runtime.py", "codec.py", "aggregates.py", "store.py",
    "projections.py",
)


def render(project: Project) -> dict[str, str]:
    """Paths inside `python.out` -> file text."""
    assert project.python is not None, "only called for projects with a python target"
    modules = render_event_modules(project, project.python.models)
    context = package_context(project, {name: classes for name, (_, classes) in modules.items()})
    states = state_json([(a["state"], [(f["name"], f["annotation"], f["optional"])
                                        for f in a["state_fields"]])
                         for a in context["aggregates"]])
    context["state_json"], context["state_runtime"] = states.text(), sorted(states.runtime)
    if project.python.models == "dataclasses":
        events = event_json([text for text, _ in modules.values()])
        context["event_json"], context["event_runtime"] = events.text(), sorted(events.runtime)
    context["payloads"] = payloads_table(sorted(project.events, key=lambda e: snake(e.name)))
    context.update(runtime_context())
    files = {f"events/{snake(name)}.py": text for name, (text, _) in modules.items()}
    files["upcasters.py"] = upcasters_module(project)
    for module in _MODULES:
        files[module] = render_template(f"{module}.j2", context)
    return dict(sorted(files.items()))


def upcasters_module(project: Project) -> str:
    body = python_upcasters(project.events).strip("\n")
    return f"# {HEADER}\n{body}\n"
