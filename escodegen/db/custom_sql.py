"""Before anything runs against a database: custom SQL may call only functions that the
database knows as immutable (the check stage knows only the built-ins)."""

from __future__ import annotations

from collections.abc import Sequence

import psycopg

from escodegen.diagnostics import Report
from escodegen.model import Event


def volatile_custom_functions(dsn: str, events: Sequence[Event]) -> Report:
    """ES316 for each custom operation calling a function of the user's own schema that the
    database does not know as immutable (every overload of the name `provolatile = 'i'`), or
    does not know at all: the check stage knows only the built-ins."""
    from escodegen.model.ops import Custom

    report = Report()
    ops = [op for e in events for v in e.versions for op in v.upcast
           if isinstance(op, Custom) and op.user_functions]
    if not ops:
        return report
    with psycopg.connect(dsn) as conn:
        for op in ops:
            for schema, name in op.user_functions:
                row = conn.execute(
                    "select pg_catalog.bool_and(p.provolatile operator(pg_catalog.=) 'i') "
                    "from pg_catalog.pg_proc p join pg_catalog.pg_namespace n "
                    "on n.oid operator(pg_catalog.=) p.pronamespace "
                    "where n.nspname operator(pg_catalog.=) %s "
                    "and p.proname operator(pg_catalog.=) %s", (schema, name)).fetchone()
                if row is None or row[0] is not True:
                    state = "does not exist" if row is None or row[0] is None else \
                        "is not immutable"
                    report.error("ES316", f"custom sql calls {schema}.{name}(), which "
                                 f"{state} in this database", op.sql_span or op.span)
    return report
