"""Render every event's upcast chain as one Python module (templates/upcast/upcasters.py.j2)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import jinja2

from escodegen.model import Event
from escodegen.model.naming import snake
from escodegen.model.ops import Custom, UpcastOp
from escodegen.pytext import fit, py_str
from escodegen.resources import template_environment
from escodegen.upcast.operations.base import describe_briefly
from escodegen.upcast.table import operation


@dataclass(frozen=True)
class Block:
    """The statements of one version's operations, with a comment per operation."""

    version: int
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Chain:
    event: str
    snake: str
    latest: int
    blocks: tuple[Block, ...]
    """blocks[i] turns version i+1 into version i+2."""


def _lines(version: int, ops: Sequence[UpcastOp]) -> tuple[str, ...]:
    """The statements, indented for a function body and laid out as ruff's formatter does."""
    lines: list[str] = []
    for op in ops:
        lines.append(f"    # v{version - 1} -> v{version}: {describe_briefly(op)}")
        lines.extend(fit(f"    {line}") for line in operation(op).python(op))
    return tuple(lines)


def chains(events: Sequence[Event]) -> list[Chain]:
    return [Chain(event.name, snake(event.name), event.latest.number,
                  tuple(Block(v.number, _lines(v.number, v.upcast)) for v in event.versions[1:]))
            for event in events]


def customs(events: Sequence[Event]) -> list[Custom]:
    """The distinct custom operations, in declaration order."""
    found: dict[str, Custom] = {}
    for event in events:
        for version in event.versions:
            for op in version.upcast:
                if isinstance(op, Custom):
                    found.setdefault(op.python_path, op)
    return list(found.values())


def render(events: Sequence[Event]) -> str:
    return _template().render(chains=chains(events), customs=customs(events))


@cache
def _template() -> jinja2.Template:
    environment = template_environment("upcast")
    environment.filters["py_str"] = py_str
    environment.filters["fit"] = fit
    return environment.get_template("upcasters.py.j2")
