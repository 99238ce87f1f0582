"""Who consumes an event: the model's indexes give what a search of the declarations gives."""

from __future__ import annotations

from pathlib import Path

from escodegen.analyse.consumers import event_consumers
from tests.analyse.helpers import compile_text

DECLARATIONS = """
events:
  Opened: {aggregate: Account, versions: {1: {fields: {accountId: uuid}}}}
  Closed: {aggregate: Account, versions: {1: {fields: {accountId: uuid}}}}
aggregates:
  Ledger:
    id: {field: accountId, type: uuid}
    stream: "Ledger-{accountId}"
    events: [Closed, Opened]
    state: {version: 1, fields: {count: integer}}
  Account:
    id: {field: accountId, type: uuid}
    stream: "Account-{accountId}"
    events: [Opened, Closed]
    state: {version: 1, fields: {count: integer}}
"""


def test_aggregates_listing_an_event_in_declaration_order_once_each(tmp_path: Path) -> None:
    project, report = compile_text(tmp_path, DECLARATIONS)
    assert project is not None, [d.render() for d in report]
    for event in ("Opened", "Closed"):
        searched = [a for a in project.aggregates if event in a.events]
        assert project.listing(event) == tuple(searched)
    assert [a.name for a in project.listing("Closed")] == ["Ledger", "Account"]
    assert project.listing("Missing") == ()
    assert event_consumers(project, "Closed") == ("aggregate Ledger", "aggregate Account")
