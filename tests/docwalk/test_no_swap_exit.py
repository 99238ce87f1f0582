"""`migrate events --dsn --no-swap` exits 1 when a check of the run fails (docs: exit 1 for "a
refusal of the database (one line, e.g. a failed verification)"; the Citus path already did),
so a script or CI step that verifies ahead of the swap sees the DIFF; it exited 0."""

from __future__ import annotations

from pathlib import Path

from tests.migrate.test_invalid_rewrites import _migrate, _project


def test_no_swap_exits_1_when_a_check_fails(tmp_path: Path, pg_dsn: str) -> None:
    _project(tmp_path, pg_dsn)
    code, out = _migrate(tmp_path, "--dsn", pg_dsn, "--no-swap")
    assert "  DIFF rewritten payloads fit the latest declaration" in out, out
    assert "not swapped" in out
    assert code == 1, out
