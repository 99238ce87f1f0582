"""The commands end to end: publish/check on the shop, diff against a real git ref,
transitive judgement, rules/explain, registry browsing, exit codes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from click.testing import CliRunner

from escodegen.analyse.browse import describe_op
from escodegen.cli import cli
from escodegen.model.ops import Convert, Map
from tests.analyse.helpers import diff_texts, write_project


def run(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)
    return result.exit_code, result.output


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo,
                   check=True, capture_output=True)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_publish_then_check_is_clean_and_publish_refuses_an_edit(shop: Path) -> None:
    code, out = run(shop, "publish")
    assert code == 0 and "recorded CustomerRegistered v3 sha256:" in out
    assert (shop / "registry" / "events" / "CustomerRegistered" / "v1.schema.json").is_file()
    assert run(shop, "check") == (0, "0 errors, 0 warnings, 0 info (against registry)\n")
    code, out = run(shop, "publish")
    assert code == 0 and "0 recorded, 17 unchanged" in out
    edit(shop / "events" / "order.yaml", "fields: {orderId: uuid, sku: string, quantity: integer}",
         "fields: {orderId: uuid, sku: string, quantity: string}")
    code, out = run(shop, "check")
    assert code == 1 and "ESD110 OrderItemAdded.v1.quantity" in out and "ESD120" in out
    before = (shop / "registry" / "index.json").read_text()
    assert run(shop, "publish")[0] == 1
    assert (shop / "registry" / "index.json").read_text() == before


def test_weak_schema_in_place_is_recorded_as_a_revision(shop: Path) -> None:
    assert run(shop, "publish")[0] == 0
    edit(shop / "events" / "order.yaml", "fields: {orderId: uuid, sku: string, quantity: integer}",
         "fields: {orderId: uuid, sku: string, quantity: integer, note: string?}")
    code, out = run(shop, "check", "--format", "json")
    assert code == 0 and [f["rule"] for f in json.loads(out)["findings"]] == ["ESD101"]
    code, out = run(shop, "publish")
    assert code == 0 and "OrderItemAdded v1 revision 2" in out
    folder = shop / "registry" / "events" / "OrderItemAdded"
    assert sorted(p.name for p in folder.iterdir()) == ["v1.r1.schema.json", "v1.schema.json"]
    assert run(shop, "check")[0] == 0
    code, out = run(shop, "registry", "list")
    assert "OrderItemAdded" in out and "1/1" in out


def test_diff_against_a_git_ref_reads_git_objects_only(shop: Path) -> None:
    git(shop, "init", "-q")
    git(shop, "add", ".")
    git(shop, "commit", "-qm", "base")
    customer = shop / "events" / "customer.yaml"
    edit(customer, "tier: {type: enum, values: [standard, premium, enterprise]}\n\n",
         "tier: {type: enum, values: [standard, premium]}\n\n")
    changed = customer.read_text()
    code, out = run(shop, "diff", "--against", "HEAD", "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["against"] == "HEAD"
    assert [(f["rule"], f["path"]) for f in report["findings"] if f["severity"] == "error"] == [
        ("ESD120", "CustomerRegistered.v3"), ("ESD111", "CustomerRegistered.v3.tier")]
    assert customer.read_text() == changed  # the work tree is untouched
    git(shop, "commit", "-qam", "drop enterprise")
    code, out = run(shop, "diff", "--against", "HEAD~1")
    assert code == 1 and "ESD111" in out
    assert run(shop, "diff", "--against", "HEAD")[0] == 0
    code, out = run(shop, "diff", "--against", "no-such-ref")
    assert code == 2 and "unknown git ref 'no-such-ref'" in out


def test_diff_against_a_folder_and_fail_on(shop: Path, tmp_path: Path) -> None:
    import shutil

    base = tmp_path / "base"
    shutil.copytree(shop, base)
    edit(shop / "events" / "order.yaml", "          reason: string?\n",
         "          reason: string?\n      2:\n        upcast:\n          - remove: {field: reason}\n"
         "        fields:\n          orderId: uuid\n")
    code, out = run(shop, "diff", "--against", str(base))
    assert code == 0 and "ESD108" in out
    assert run(shop, "diff", "--against", str(base), "--fail-on", "warning")[0] == 1
    assert run(shop, "diff", "--against", str(tmp_path / "missing"))[0] == 2


def test_transitive_v1_to_v3_is_judged(tmp_path: Path) -> None:
    base = """\
events:
  Paid:
    versions:
      1:
        fields: {id: uuid, amount: integer}
      2:
        upcast:
          - remove: {field: amount}
        fields: {id: uuid}
"""
    head = base + """\
      3:
        upcast:
          - add: {field: amount, value: "0"}
        fields: {id: uuid, amount: string}
"""
    findings = {(f.rule, f.path): f for f in diff_texts(tmp_path, base, head)}
    assert findings[("ESD102", "Paid.v3.amount")].severity == "info"  # the step alone looks fine
    across = findings[("ESD110", "Paid.v3.amount")]
    assert across.arguments == ("v1", "integer", "string")
    assert "is reused across the chain" in across.message


def test_invalid_declarations_are_findings(shop: Path) -> None:
    edit(shop / "events" / "order.yaml", "aggregate: Order\n    versions:\n      1:\n        fields: {orderId",
         "aggregate: Nobody\n    versions:\n      1:\n        fields: {orderId")
    code, out = run(shop, "check", "--format", "github")
    assert code == 1 and "::error file=" in out and "ESD001" in out and "ES206" in out


def test_rules_and_explain() -> None:
    code, out = CliRunner().invoke(cli, ["rules"]).exit_code, CliRunner().invoke(cli, ["rules"]).output
    assert code == 0 and "ESD107" in out and "field-split-without-upcast" in out
    result = CliRunner().invoke(cli, ["explain", "field-split-without-upcast"])
    assert result.exit_code == 0 and result.output.startswith("<!--") and "## Remedy" in result.output
    assert CliRunner().invoke(cli, ["explain", "ESD999"]).exit_code == 2
    rules = json.loads(CliRunner().invoke(cli, ["rules", "--format", "json"]).output)
    assert {r["id"] for r in rules} >= {"ESD101", "ESD150"}


def test_registry_show(shop: Path) -> None:
    run(shop, "publish")
    code, out = run(shop, "registry", "show", "CustomerRegistered", "--diff", "1", "3")
    assert code == 0
    assert "v1 -> v3: v2: split name -> firstName, lastName (separator ' '); v3: add tier = 'standard'" in out
    assert "consumers: projection customer_directory, aggregate Customer" in out
    code, out = run(shop, "registry", "show", "CustomerRegistered", "--version", "1", "--format", "json")
    data = json.loads(out)
    assert [r["field"] for r in data["fields"]] == ["customerId", "name", "email"]
    assert data["published"] == {"1": "published", "2": "published", "3": "published"}
    assert run(shop, "registry", "show", "Nope")[0] == 2
    assert run(shop, "registry", "show", "CustomerRegistered", "--version", "9")[0] == 2


def test_publish_dry_run_writes_nothing(shop: Path) -> None:
    code, out = run(shop, "publish", "--dry-run")
    assert code == 0 and "would record CustomerRegistered v3 sha256:" in out
    assert "17 would record, 0 unchanged" in out
    assert not (shop / "registry").exists()


def test_output_option_writes_the_report_to_a_file(shop: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    code, out = run(shop, "check", "--format", "json", "-o", str(report))
    assert code == 0 and out == ""
    findings = json.loads(report.read_text(encoding="utf-8"))["findings"]
    assert {f["rule"] for f in findings} == {"ESD132"}  # nothing published yet
    # The exit code does not depend on where the report goes.
    code, out = run(shop, "check", "--fail-on", "info", "--output", str(report))
    assert code == 1 and out == "" and "ESD132" in report.read_text(encoding="utf-8")


def test_a_pii_flag_added_to_a_published_state_is_recorded_as_a_revision(tmp_path: Path) -> None:
    state = """\
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
    state: {version: 1, fields: {email: EMAIL}}
"""
    project = write_project(tmp_path, state.replace("EMAIL", "string")).parent
    assert run(project, "publish")[0] == 0
    write_project(tmp_path, state.replace("EMAIL", "{type: string, pii: true}"))
    code, out = run(project, "publish")
    assert code == 0 and "aggregate Customer state v1 revision 2" in out
    folder = project / "registry" / "aggregates" / "Customer"
    assert sorted(p.name for p in folder.iterdir()) == ["state-v1.r1.schema.json",
                                                        "state-v1.schema.json"]
    assert run(project, "check") == (0, "0 errors, 0 warnings, 0 info (against registry)\n")


def test_registry_list_as_json(shop: Path) -> None:
    run(shop, "publish")
    code, out = run(shop, "registry", "list", "--format", "json")
    data = json.loads(out)
    registered = next(e for e in data["events"] if e["name"] == "CustomerRegistered")
    assert code == 0 and registered["published"] == ["published"] * 3
    assert registered["producer"] == "aggregate Customer"
    assert {a["name"] for a in data["aggregates"]} >= {"Customer", "Order"}


def test_every_upcast_operation_is_shown_on_one_line() -> None:
    assert describe_op(Map(("tier",), (("gold", "premium"),), False, None)) == (
        'map {field: tier, values: {"gold": "premium"}}')
    assert describe_op(Convert(("amount",), "string")) == 'convert {field: amount, to: "string"}'


def test_check_and_diff_without_a_project_file_are_tool_errors(tmp_path: Path) -> None:
    for args in (["check"], ["diff", "--against", "HEAD"]):
        code, out = run(tmp_path, *args)
        assert code == 2 and f"no project file at {tmp_path / 'escodegen.yaml'}" in out


def test_check_against_the_registry_reports_a_shared_type_edit_per_version(shop: Path) -> None:
    """The registry holds expanded schemas only: a named type is known there by its title."""
    assert run(shop, "publish")[0] == 0
    edit(shop / "events" / "types.yaml", "amount: decimal", "amount: integer")
    code, out = run(shop, "check", "--format", "json")
    assert code == 1
    shared = {f["path"] for f in json.loads(out)["findings"] if f["rule"] == "ESD122"}
    assert shared == {"OrderPaid.v1", "OrderRefunded.v1"}
