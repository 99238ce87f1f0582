"""The jinja2 environment of the Python target, and the filters that keep input out of code.

Every declared value reaches a template either as an identifier the check stage has
validated, or through `py` (escodegen.pytext.py_literal), which writes a Python literal, so a description or a
default can never break out of a string.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jinja2

from escodegen.emit import HEADER
from escodegen.emit.python.sync_twin import unasync_source
from escodegen.printable import escape_lines
from escodegen.pytext import fit, py_literal, union
from escodegen.resources import template_environment


def isort_key(name: str) -> tuple[int, str, str]:
    """The order ruff's isort and RUF022 want names in: CONSTANTS, Classes, then the rest."""
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name.lower(), name


def isorted(names: Any) -> list[str]:
    return sorted(names, key=isort_key)


def all_sorted(names: Any) -> list[str]:
    """The order RUF022 wants `__all__` in: CONSTANTS, Classes, then the rest, each in natural
    order with case (`PaymentState` before `PaymentsRow`, which isort's imports put after)."""
    def key(name: str) -> tuple[int, list[Any]]:
        kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
        return kind, [int(part) if i % 2 else part
                      for i, part in enumerate(re.split(r"([0-9]+)", name))]

    return sorted(names, key=key)


@cache
def environment() -> jinja2.Environment:
    env = template_environment("python")  # values reach templates through `py`
    env.filters["py"] = py_literal
    env.filters["doc"] = escape_lines  # descriptions in docstrings
    env.filters["isorted"] = isorted
    env.filters["all_sorted"] = all_sorted
    env.filters["fit"] = fit
    env.filters["unasync"] = unasync_source  # the sync twin of async source
    env.globals["union"] = union
    env.globals["HEADER"] = f"# {HEADER}"
    return env


def render_template(name: str, context: dict[str, Any]) -> str:
    return environment().get_template(name).render(**context)
