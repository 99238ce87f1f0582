"""Sessions escodegen opens on a user's database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from escodegen.sqltext import PIN_SEARCH_PATH


@contextmanager
def connect(dsn: str, application_name: str,
            autocommit: bool = True) -> Iterator[psycopg.Connection[Any]]:
    """A session whose search path holds no schema a role could plant a function or operator
    in (what it runs resolves built-ins in pg_catalog, whatever the role's path);
    `application_name` names it in pg_stat_activity."""
    with psycopg.connect(dsn, autocommit=autocommit, application_name=application_name) as conn:
        conn.execute(PIN_SEARCH_PATH)
        if not autocommit:
            conn.commit()  # the pin is the session's, not only the first transaction's
        yield conn
