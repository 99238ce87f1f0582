"""`migrate archive` and `migrate restore`: the fixed SQL (templates/migrate/runtime/archive.sql)
and the names of its functions in one schema. escodegen/db/archive.py runs them."""

from __future__ import annotations

from dataclasses import dataclass

from escodegen.emit.migrate import template
from escodegen.sqltext import ident

RESTORE_TABLE = "escodegen_restore_lines"
"""The temporary table a restore copies the archive's lines into (`n bigint, line text`)."""
RESTORE_LINES = f"pg_temp.{RESTORE_TABLE}"


@dataclass(frozen=True)
class ArchiveSql:
    schema: str

    def definitions(self) -> str:
        return template("runtime/archive.sql").render(s=ident(self.schema)).strip()

    def function(self, name: str) -> str:
        """`escodegen_<name>`: archive_candidates, archive_rows, lock_archived,
        archive_streams, restore_streams."""
        return ident(self.schema, f"escodegen_{name}")

    @property
    def tombstones(self) -> str:
        return ident(self.schema, "archived_streams")

    @property
    def refusal(self) -> str:
        """The store's check that readers and appenders make (event_store.sql.j2)."""
        return ident(self.schema, "refuse_archived_stream")
