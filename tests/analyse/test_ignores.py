"""The `ignore:` list of escodegen.yaml: entries that suppress nothing are reported as warnings,
at their line in escodegen.yaml, the way linters report an unused `noqa`."""

from __future__ import annotations

import json
from pathlib import Path

from escodegen.analyse.findings import Finding, apply_ignores, unused_ignores
from escodegen.check import compile_project
from escodegen.diagnostics import Span
from escodegen.model import Ignore
from tests.analyse.test_commands import edit, git, run

FINDINGS = [
    Finding("ESD108", "OrderPlaced.v2.note", "note removed"),
    Finding("ESD108", "OrderPlaced.v2.coupon", "coupon removed"),
    Finding("ESD114", "Customer.v1.email", "email is now pii"),
]


def whys(ignores: list[Ignore]) -> list[tuple[str, str]]:
    return [(u.entry.path, u.why) for u in unused_ignores(ignores, FINDINGS)]


def test_an_entry_that_suppresses_a_finding_is_used() -> None:
    ignores = [Ignore("ESD108", "OrderPlaced.v2.*", "r"), Ignore("esd108", "OrderPlaced.v2.note", "r")]
    assert {f.path for f in apply_ignores(FINDINGS, ignores) if f.ignored_by} == {
        "OrderPlaced.v2.note", "OrderPlaced.v2.coupon"}
    # The second entry only matches what the first (a glob) already took: it is redundant.
    assert whys(ignores) == [
        ("OrderPlaced.v2.note", "only matches findings that an earlier entry already ignores")]
    assert whys(ignores[:1]) == []


def test_why_an_entry_is_unused() -> None:
    ignores = [
        Ignore("ESD108", "OrderPlaced.v9.*", "no such version"),  # matches nothing
        Ignore("ESD110", "OrderPlaced.v2.note", "other rule"),  # right path, other rule
        Ignore("ESD114", "Customer.v1.email", "purges cannot be ignored"),
        Ignore("ES101", "OrderPlaced", "a validation code, not a diff rule"),
    ]
    assert whys(ignores) == [
        ("OrderPlaced.v9.*", "matches no finding"),
        ("OrderPlaced.v2.note", "matches no finding"),
        ("Customer.v1.email", "has no effect: ESD114 findings cannot be ignored"),
        ("OrderPlaced", "names no diff rule (`escodegen rules` lists them)"),
    ]
    located = Ignore("ESD108", "OrderPlaced.v9.*", "no such version", Span("escodegen.yaml", 9, 5))
    unused = unused_ignores([located], FINDINGS, "against the registry")
    assert unused[0].span == Span("escodegen.yaml", 9, 5)
    assert unused[0].message == ("ignore entry {rule: ESD108, path: OrderPlaced.v9.*} matches no "
                                 "finding against the registry; remove it from escodegen.yaml")


def test_ignore_entries_carry_their_position(tmp_path: Path) -> None:
    project_file = tmp_path / "escodegen.yaml"
    project_file.write_text("escodegen: 1\nname: x\nsources: [events.yaml]\nignore:\n"
                            "  - {rule: ESD108, path: A.v1.a, reason: r}\n"
                            "  -\n    rule: ESD108\n    path: A.v1.b\n    reason: r\n",
                            encoding="utf-8")
    (tmp_path / "events.yaml").write_text("events: {}\n", encoding="utf-8")
    project, report = compile_project(project_file)
    assert project is not None, [d.render() for d in report]
    assert [i.span for i in project.ignores] == [Span("escodegen.yaml", 5, 5),
                                                 Span("escodegen.yaml", 7, 5)]


IGNORES = """\
ignore:
  - {rule: ESD110, path: "OrderItemAdded.v1.quantity", reason: "readers accept both"}
  - {rule: ESD108, path: "OrderPlaced.v9.*", reason: "long gone"}
"""
QUANTITY = "fields: {orderId: uuid, sku: string, quantity: integer}"


def test_check_reports_unused_entries_with_their_line(shop: Path) -> None:
    assert run(shop, "publish")[0] == 0
    (shop / "escodegen.yaml").write_text((shop / "escodegen.yaml").read_text() + IGNORES)
    edit(shop / "events" / "order.yaml", QUANTITY, QUANTITY.replace("integer", "string"))
    line = (shop / "escodegen.yaml").read_text().splitlines().index("ignore:") + 1
    code, out = run(shop, "check", "--format", "json")
    report = json.loads(out)
    # ESD202: the shop has a Python target, whose `OrderItemAdded.quantity` becomes a str
    assert [(f["rule"], f["ignored"] is not None) for f in report["findings"]] == [
        ("ESD120", False), ("ESD110", True), ("ESD202", False)]
    assert [(u["rule"], u["path"], u["file"], u["line"], u["column"])
            for u in report["unused_ignores"]] == [
        ("ESD108", "OrderPlaced.v9.*", str(shop / "escodegen.yaml"), line + 2, 5)]
    assert "matches no finding against the registry" in report["unused_ignores"][0]["message"]
    code, out = run(shop, "check")
    assert code == 1  # the ESD120 error
    assert f"warning unused ignore ESD108 OrderPlaced.v9.*  {shop / 'escodegen.yaml'}:{line + 2}:5" in out
    assert "1 unused ignore entry" in out.splitlines()[-1]
    # A warning: it fails only from --fail-on warning (ESD120 aside, which an entry fixes).
    (shop / "escodegen.yaml").write_text((shop / "escodegen.yaml").read_text() + (
        '  - {rule: ESD120, path: "OrderItemAdded.v1", reason: "not yet deployed anywhere"}\n'))
    assert run(shop, "check")[0] == 0
    assert run(shop, "check", "--fail-on", "warning")[0] == 1
    code, out = run(shop, "check", "--format", "github")
    assert code == 0
    assert f"::warning file={shop / 'escodegen.yaml'},line={line + 2},col=5,title=unused ignore entry::" in out


def test_diff_counts_entries_that_check_uses_as_used(shop: Path) -> None:
    """An entry for a change already merged (so invisible to this diff) that `check` still
    needs against the registry is not unused; a stale one is."""
    assert run(shop, "publish")[0] == 0
    (shop / "escodegen.yaml").write_text((shop / "escodegen.yaml").read_text() + IGNORES + (
        '  - {rule: ESD120, path: "OrderItemAdded.v1", reason: "not yet deployed anywhere"}\n'))
    edit(shop / "events" / "order.yaml", QUANTITY, QUANTITY.replace("integer", "string"))
    git(shop, "init", "-q")
    git(shop, "add", ".")
    git(shop, "commit", "-qm", "merged")
    code, out = run(shop, "diff", "--against", "HEAD", "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["findings"] == []
    assert [(u["rule"], u["path"]) for u in report["unused_ignores"]] == [("ESD108", "OrderPlaced.v9.*")]
    assert "against HEAD or the registry" in report["unused_ignores"][0]["message"]
    # Once the registry has what the entries were for, they are unused by both.
    (shop / "registry").rename(shop / "old-registry")
    assert run(shop, "publish")[0] == 0
    code, out = run(shop, "diff", "--against", "HEAD", "--format", "json")
    assert [u["rule"] for u in json.loads(out)["unused_ignores"]] == ["ESD110", "ESD108", "ESD120"]


def test_invalid_declarations_report_no_unused_entries(shop: Path) -> None:
    (shop / "escodegen.yaml").write_text((shop / "escodegen.yaml").read_text() + IGNORES)
    edit(shop / "events" / "order.yaml", "aggregate: Order\n    versions:\n      1:\n        fields: {orderId",
         "aggregate: Nobody\n    versions:\n      1:\n        fields: {orderId")
    code, out = run(shop, "check", "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["findings"][0]["rule"] == "ESD001" and report["unused_ignores"] == []
