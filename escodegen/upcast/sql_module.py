"""Render every event's upcast chain as SQL functions (templates/upcast/upcasters.sql.j2).

Each operation becomes one IMMUTABLE `LANGUAGE sql` function whose body is a single expression
over its parameter `data`; a step composes its operations, and `upcast_<event>` composes the steps
for the stored version. PostgreSQL inlines such functions into the calling query, and an
operation's function that reads its input several times is then called once with the value
computed once, instead of its input expression being copied (and computed) several times.

Every expression is laid out by escodegen/upcast/sql_layout.py: keywords in lowercase, a long
one pretty-printed (where sqlglot's layout parses back to the same tree).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from escodegen.model import Event
from escodegen.model.sqlnames import (
    upcast_function,
    upcast_operation_function,
    upcast_step_function,
)
from escodegen.resources import template_environment
from escodegen.sqltext import ident, install, literal
from escodegen.upcast.operations.base import describe_briefly
from escodegen.upcast.sql_layout import layout, nested_calls
from escodegen.upcast.table import operation

RETURN = len("return ")
"""Where a function's body starts on its line (templates/upcast/upcasters.sql.j2)."""
BRANCH = len("    when 99 then ")
"""Where a branch of `upcast_<event>` starts on its line."""


@dataclass(frozen=True)
class Function:
    name: str
    """Schema-qualified and quoted."""
    comment: str
    body: str
    """One expression over `data`, laid out to follow `return `."""


@dataclass(frozen=True)
class EventFunctions:
    event: str
    literal: str
    operations: tuple[Function, ...]
    steps: tuple[Function, ...]
    upcast: str
    """The qualified name of `upcast_<event>(data jsonb, from_version int)`."""
    branches: tuple[tuple[int, str], ...]
    """(stored version, expression upcasting `data` from it) for every version but the latest,
    laid out to follow `    when <version> then `."""


def _event_functions(event: Event, schema: str) -> EventFunctions:
    operations: list[Function] = []
    steps: list[Function] = []
    for version in event.versions[1:]:
        n = version.number
        names: list[str] = []
        for index, op in enumerate(version.upcast, start=1):
            name = ident(schema, upcast_operation_function(event.name, n, index))
            operations.append(Function(name, f"v{n - 1} -> v{n}: {describe_briefly(op)}",
                                       layout(operation(op).sql(op, "data"), RETURN)))
            names.append(name)
        steps.append(Function(ident(schema, upcast_step_function(event.name, n)),
                              f"{event.name} v{n - 1} -> v{n}", nested_calls(names, RETURN)))
    branches = [(start, nested_calls([step.name for step in steps[start - 1:]], BRANCH))
                for start in range(1, event.latest.number)]
    return EventFunctions(event.name, literal(event.name), tuple(operations), tuple(steps),
                          ident(schema, upcast_function(event.name)), tuple(branches))


def render(events: Sequence[Event], schema: str) -> str:
    environment = template_environment("upcast")
    install(environment)
    template = environment.get_template("upcasters.sql.j2")
    return template.render(events=[_event_functions(e, schema) for e in events],
                           dispatcher=ident(schema, "upcast"), schema=ident(schema))
