"""Migration SQL: one module per kind, each rendering from its templates in templates/migrate/.

- `events`: copy-and-transform of stored events to their latest versions (batched,
  resumable, verified, swapped), and its Python runner in `runner`;
- `purge`: the regulatory purge of one data subject's `pii` fields;
- `projections`: the DDL moving projection tables from their published shape to the
  declared one.

Every renderer returns text for the user to keep (a file, deterministic: no dates, no
versions); anything that depends on when it runs (the backup's date) is computed by the
database when the SQL runs.
"""

from __future__ import annotations

import re
from functools import cache

import jinja2

from escodegen.emit.postgres import FILE_HEADER
from escodegen.resources import template_environment
from escodegen.sqltext import install

MIGRATION_ID = re.compile(r"[a-z][a-z0-9_]{0,29}")
"""A migration id names tables and functions (`events__<id>`), so it stays a short identifier."""


@cache
def environment() -> jinja2.Environment:
    environment = template_environment("migrate")
    install(environment)
    return environment


def template(name: str) -> jinja2.Template:
    return environment().get_template(name)


__all__ = ["FILE_HEADER", "MIGRATION_ID", "environment", "template"]
