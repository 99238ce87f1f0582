"""Design lints (ES5xx): each anti-pattern on a small project that shows it, and its fix that
does not; an `ignore:` entry with a reason silences one; examples/shop is clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from escodegen.cli import cli
from tests.conftest import EXAMPLES

ID = {"orderId": "uuid"}


def _write(root: Path, declarations: dict[str, object], ignore: list[object] | None = None) -> Path:
    project: dict[str, object] = {"escodegen": 1, "name": "lints", "sources": ["decl.yaml"],
                                  "registry": "registry"}
    if ignore:
        project["ignore"] = ignore
    (root / "escodegen.yaml").write_text(yaml.safe_dump(project), encoding="utf-8")
    (root / "decl.yaml").write_text(yaml.safe_dump(declarations), encoding="utf-8")
    return root


def _validate(root: Path) -> tuple[int, list[tuple[str, str]]]:
    result = CliRunner().invoke(cli, ["-C", str(root), "validate", "--format", "json"])
    found = json.loads(result.output)["diagnostics"]
    return result.exit_code, [(d["code"], d["message"]) for d in found]


def _event(*fields: str, **typed: str) -> dict[str, object]:
    return {"versions": {1: {"fields": {**ID, **{f: "string" for f in fields}, **typed}}}}


def _order(events: list[str], state: dict[str, str], snapshot: object = None) -> dict[str, object]:
    aggregate: dict[str, object] = {"id": {"field": "orderId"}, "events": events,
                                    "state": {"version": 1, "fields": state}}
    if snapshot is not None:
        aggregate["snapshot"] = snapshot
    return {"Order": aggregate}


STATE = {"status": "string", "total": "decimal", "items": "integer", "customer": "string",
         "note": "string"}

CASES = {
    "generic field/value pair": (
        {"events": {"OrderFieldUpdated": _event("field", "value")}},
        {"events": {"OrderNoteAdded": _event("note")}},
        "ES501", "OrderFieldUpdated"),
    "an event per state field": (
        {"events": {"OrderStatusChanged": _event("status"), "OrderTotalChanged": _event("total"),
                    "OrderNoteSet": _event("note"), "OrderCustomerUpdated": _event("customer")},
         "aggregates": _order(["OrderStatusChanged", "OrderTotalChanged", "OrderNoteSet",
                               "OrderCustomerUpdated"], STATE)},
        {"events": {"OrderShipped": _event("status"), "OrderRepriced": _event("total"),
                    "OrderNoteAdded": _event("note")},
         "aggregates": _order(["OrderShipped", "OrderRepriced", "OrderNoteAdded"], STATE)},
        "ES501", "Order"),
    "fat event": (
        {"events": {"OrderChanged": _event("status", "total", "items", "customer")},
         "aggregates": _order(["OrderChanged"], STATE)},
        {"events": {"OrderPlaced": _event("customer", "total")},
         "aggregates": _order(["OrderPlaced"], STATE)},
        "ES502", "OrderChanged"),
    "named as a command": (
        {"events": {"PlaceOrder": _event("customer")}},
        {"events": {"OrderPlaced": _event("customer")}},
        "ES503", "PlaceOrder"),
    "snapshot at every event": (
        {"events": {"OrderPlaced": _event("customer")},
         "aggregates": _order(["OrderPlaced"], STATE, {"every": 1})},
        {"events": {"OrderPlaced": _event("customer")},
         "aggregates": _order(["OrderPlaced"], STATE, {"every": 100})},
        "ES504", "Order"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_lint_shows_on_the_anti_pattern_and_not_on_its_fix(case: str, tmp_path: Path) -> None:
    bad, good, code, path = CASES[case]
    (tmp_path / "bad").mkdir()
    (tmp_path / "good").mkdir()
    status, found = _validate(_write(tmp_path / "bad", bad))
    assert status == 0  # warnings only
    assert [c for c, _ in found] == [code], found
    assert path in found[0][1]
    assert _validate(_write(tmp_path / "good", good)) == (0, [])


def test_an_ignore_entry_with_its_reason_silences_a_lint(tmp_path: Path) -> None:
    bad, _, code, path = CASES["named as a command"]
    ignore = [{"rule": code, "path": path, "reason": "legacy name, kept for consumers"}]
    assert _validate(_write(tmp_path, bad, ignore)) == (0, [])
    # `check` knows the entry belongs to validate and does not call it unused
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "check", "--format", "json"])
    assert json.loads(result.output)["unused_ignores"] == [], result.output


def test_an_ignore_entry_of_another_path_does_not(tmp_path: Path) -> None:
    bad, _, code, _ = CASES["named as a command"]
    ignore = [{"rule": code, "path": "Other*", "reason": "not this one"}]
    assert [c for c, _ in _validate(_write(tmp_path, bad, ignore))[1]] == [code]


def test_the_shop_is_clean() -> None:
    assert _validate(EXAMPLES / "shop") == (0, [])
