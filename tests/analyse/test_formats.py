"""One scenario with an error, a warning, infos, an ignored finding and unused ignore entries,
in every format."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest

from escodegen.analyse.compare import compare
from escodegen.analyse.findings import apply_ignores, ordered, unused_ignores
from escodegen.analyse.rules import RULES
from escodegen.analyse.shapes import contract_of
from escodegen.check import compile_project
from escodegen.report.formats import FORMATS, Outcome, render
from tests.analyse.helpers import PROJECT_FILE, assert_golden, compile_text, write_project

BEFORE = """\
events:
  CustomerRegistered:
    versions:
      1:
        fields: {customerId: uuid, name: string, email: string}
  OrderPlaced:
    versions:
      1:
        fields: {orderId: uuid, totalAmount: decimal, note: string?}
"""
AFTER = """\
events:
  CustomerRegistered:
    versions:
      1:
        fields: {customerId: uuid, firstName: string, lastName: string, email: {type: string, pii: true}}
  OrderPlaced:
    versions:
      1:
        fields: {orderId: uuid, totalAmount: decimal, note: string?}
      2:
        upcast:
          - remove: {field: note}
        fields: {orderId: uuid, totalAmount: decimal, coupon: string?}
"""
IGNORE = """\
ignore:
  - {rule: ESD108, path: "OrderPlaced.v2.*", reason: "notes were never shown to anyone"}
  - {rule: ESD114, path: "CustomerRegistered.v1.email", reason: "a purge finding cannot be ignored"}
  - {rule: ESD111, path: "OrderPlaced.v1.status", reason: "stale: no such change any more"}
"""


def scenario(tmp_path: Path) -> Outcome:
    base, _ = compile_text(tmp_path / "before", BEFORE)
    head_file = write_project(tmp_path / "after", AFTER, PROJECT_FILE + IGNORE)
    head, report = compile_project(head_file)
    assert base is not None and head is not None and not report.has_errors
    found = compare(contract_of(base, "origin/main"), head, base)
    findings = apply_ignores(found, head.ignores)
    unused = unused_ignores(head.ignores, found, "against origin/main")
    return Outcome(tuple(findings), "origin/main", "error", tmp_path / "after", tuple(unused))


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_has_a_golden_rendering(fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # locations are shown relative to the current folder
    outcome = scenario(tmp_path)
    suffix = {"junit": "xml", "sarif": "sarif.json", "markdown": "md", "github": "txt",
              "text": "txt", "json": "json"}[fmt]
    assert_golden(f"formats/report.{fmt}.{suffix}", render(outcome, fmt))


def test_ignores_and_severities(tmp_path: Path) -> None:
    outcome = scenario(tmp_path)
    by_rule = {f.rule: f for f in outcome.findings}
    assert by_rule["ESD108"].ignored_by is not None
    assert by_rule["ESD114"].ignored_by is None  # a purge cannot be ignored
    assert by_rule["ESD107"].severity == "error" and outcome.failed
    assert not Outcome(outcome.findings, "x", "never").failed
    # The purge entry has no effect and the ESD111 entry matches nothing: both are reported,
    # at their line in escodegen.yaml (the IGNORE block starts on line 5).
    assert [(u.entry.rule, u.span and (u.span.file, u.span.line)) for u in outcome.unused] == [
        ("ESD114", ("escodegen.yaml", 7)), ("ESD111", ("escodegen.yaml", 8))]
    assert "ESD114 findings cannot be ignored" in outcome.unused[0].why
    assert outcome.unused[1].why == "matches no finding against origin/main"


def test_unused_ignore_entries_are_warnings_for_fail_on(tmp_path: Path) -> None:
    outcome = scenario(tmp_path)
    only_unused = Outcome((), "x", "error", outcome.root, outcome.unused)
    assert not only_unused.failed  # warnings: below the default --fail-on error
    assert Outcome((), "x", "warning", outcome.root, outcome.unused).failed
    assert Outcome((), "x", "info", outcome.root, outcome.unused).failed
    assert not Outcome((), "x", "never", outcome.root, outcome.unused).failed
    suite = ElementTree.fromstring(render(Outcome((), "x", "warning", outcome.root, outcome.unused),
                                          "junit")).find("testsuite")
    assert suite is not None and suite.get("failures") == "2" and suite.get("tests") == "2"


def test_json_follows_its_documented_schema(tmp_path: Path) -> None:
    schema_file = Path(__file__).resolve().parents[2] / "escodegen" / "report" / "report.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    document = json.loads(render(scenario(tmp_path), "json"))
    jsonschema.Draft202012Validator(schema).validate(document)
    assert document["ok"] is False and document["summary"]["ignored"] == 1
    assert [(u["rule"], Path(u["file"]).name, u["line"]) for u in document["unused_ignores"]] == [
        ("ESD114", "escodegen.yaml", 7), ("ESD111", "escodegen.yaml", 8)]


def test_markdown_is_one_line_when_clean(tmp_path: Path) -> None:
    clean = Outcome((), "origin/main")
    assert render(clean, "markdown").count("\n") == 1
    assert "<details>" in render(scenario(tmp_path), "markdown")


def test_junit_and_sarif_are_well_formed(tmp_path: Path) -> None:
    outcome = scenario(tmp_path)
    suite = ElementTree.fromstring(render(outcome, "junit")).find("testsuite")
    assert suite is not None and int(suite.get("failures", "0")) == 2
    sarif = json.loads(render(outcome, "sarif"))
    results = sarif["runs"][0]["results"]
    assert len(results) == len(outcome.findings)
    assert len(sarif["runs"][0]["tool"]["driver"]["rules"]) == len(RULES)
    assert any("suppressions" in r for r in results)
    notifications = sarif["runs"][0]["invocations"][0]["toolConfigurationNotifications"]
    assert [n["locations"][0]["physicalLocation"]["region"]["startLine"] for n in notifications] == [7, 8]


def test_fingerprints_ignore_the_message(tmp_path: Path) -> None:
    from dataclasses import replace

    finding = ordered(scenario(tmp_path).findings)[0]
    assert replace(finding, message="reworded").fingerprint == finding.fingerprint
    assert replace(finding, path="Other.v1.x").fingerprint != finding.fingerprint
