"""ES503 (an event named as a command) on a second domain's names: `BookLent` (a verb in the
list, `Book`, then an irregular participle) is a fact and gets no warning, where `validate`
called it "imperative 'Book'"; `BookLoan` still gets one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lints.test_design_lints import _event, _validate, _write


def _codes(root: Path, event: str) -> list[str]:
    status, found = _validate(_write(root, {"events": {event: _event("title")}}))
    assert status == 0
    return [code for code, _ in found]


@pytest.mark.parametrize("event", ["BookLent", "BookBought", "OrderWithdrawn", "CheckSeen"])
def test_an_irregular_participle_is_a_fact(tmp_path: Path, event: str) -> None:
    assert "ES503" not in _codes(tmp_path, event)


def test_a_command_still_warns(tmp_path: Path) -> None:
    assert _codes(tmp_path, "BookLoan") == ["ES503"]
