"""Every rule's documented example is its golden test: `before` -> `after` reports the rule
(the expected findings are in golden/rules/<ID>.txt), and `fixed` no longer does."""

from __future__ import annotations

from pathlib import Path

import pytest

from escodegen.analyse.findings import ordered
from escodegen.analyse.rules import BY_NAME, RULES, Rule, find_rule
from escodegen.report.formats import Outcome, render
from escodegen.report.rule_docs import pages
from tests.analyse.helpers import (
    PROJECT_FILE,
    PYTHON_PROJECT_FILE,
    assert_golden,
    diff_texts,
)
from tests.conftest import ROOT


def _project(rule: Rule) -> str:
    return PYTHON_PROJECT_FILE if rule.python else PROJECT_FILE


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_example_reports_the_rule(rule: Rule, tmp_path: Path) -> None:
    findings = diff_texts(tmp_path, rule.example.before, rule.example.after, _project(rule))
    assert rule.id in {f.rule for f in findings}
    outcome = Outcome(tuple(ordered(findings)), "base", root=tmp_path / "after")
    assert_golden(f"rules/{rule.id}.txt", render(outcome, "text").replace(str(tmp_path), "<tmp>"))


@pytest.mark.parametrize("rule", [r for r in RULES if r.example.fixed], ids=lambda r: r.id)
def test_fixed_example_does_not(rule: Rule, tmp_path: Path) -> None:
    assert rule.example.fixed is not None
    findings = diff_texts(tmp_path, rule.example.before, rule.example.fixed, _project(rule))
    assert rule.id not in {f.rule for f in findings}
    assert not any(f.severity == "error" for f in findings), findings


def test_rule_ids_and_names_are_unique_and_well_formed() -> None:
    assert len({r.id for r in RULES}) == len(RULES) == len(BY_NAME)
    for rule in RULES:
        assert rule.id.startswith("ESD") and rule.id[3:].isdigit()
        assert find_rule(rule.id.lower()) is rule and find_rule(rule.name) is rule
        assert rule.summary and rule.why and rule.remedy


def test_rule_docs_are_generated_from_the_definitions() -> None:
    folder = ROOT / "docs" / "rules"
    stale = [name for name, text in pages().items()
             if not (folder / name).is_file() or (folder / name).read_text(encoding="utf-8") != text]
    assert not stale, f"regenerate with `python -m escodegen.report.rule_docs docs/rules`: {stale}"
    extra = {p.name for p in folder.glob("*.md")} - set(pages())
    assert not extra, f"pages of no rule: {extra}"


_STATE = """\
events:
  CustomerRegistered:
    aggregate: Customer
    versions:
      1: {fields: {customerId: uuid, email: string}}
aggregates:
  Customer:
    id: {field: customerId, type: uuid}
    stream: "Customer-{customerId}"
    events: [CustomerRegistered]
    state: {version: 1, fields: {email: STATE_EMAIL}}
"""


def test_pii_on_a_state_field_is_a_purge_finding_not_a_shape_change(tmp_path: Path) -> None:
    before = _STATE.replace("STATE_EMAIL", "string")
    findings = diff_texts(tmp_path / "pii", before,
                          _STATE.replace("STATE_EMAIL", "{type: string, pii: true}"))
    assert [(f.rule, f.path) for f in findings] == [
        ("ESD114", "aggregate.Customer.state.email")]
    assert "snapshots hold it in clear" in findings[0].message
    changed = diff_texts(tmp_path / "shape", before, _STATE.replace("STATE_EMAIL", "integer"))
    assert [f.rule for f in changed] == ["ESD140"]
