"""Confluent Schema Registry's JSON Schema compatibility suite, ported (issue 14 point 3).

Every case the language can express (confluent_cases.yaml) runs through the real
`escodegen diff --against FOLDER --format json`, twice: the change as a new version (Confluent's
scenario: a new schema registered under the subject) and as an in-place edit of the published
version. Where escodegen's verdict differs from Confluent's, the data says why.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from escodegen.analyse.rules import RULES
from escodegen.cli import cli
from tests.analyse.helpers import write_project

DATA = Path(__file__).resolve().parent / "confluent_cases.yaml"
SUITE = yaml.safe_load(DATA.read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = SUITE["cases"]
NOT_EXPRESSIBLE: list[dict[str, Any]] = SUITE["not_expressible"]
PEER_FILES = {"diff-schema-examples.json": 104, "diff-combined-schema-examples.json": 28}
"""The peer's two files and how many cases each holds (at the commit named in the data)."""
LACKS = {
    "constraints": "constraints",
    "unions": "unions",
    "maps": "maps",
    "tuples": "tuples",
    "dependencies": "`dependencies`",
    "closed-objects": "closed objects",
    "intersections": "`allOf` intersections",
    "named-types": "named types",
    "schema-metadata": "schema `$id`/`title`",
    "negation": "`not`",
}
"""What the language lacks for a case it cannot express, as docs/compatibility.md names it."""
MODES = ("new_version", "in_place")


def declarations(*versions: dict[str, Any], types: dict[str, Any] | None = None) -> str:
    """Event `Case` with `versions`, and the case's named types (both sides declare them all:
    a type only one side uses changes nothing on the other)."""
    events = {"Case": {"versions": {n: v for n, v in enumerate(versions, start=1)}}}
    document = {"types": types} if types else {}
    return yaml.safe_dump({**document, "events": events}, sort_keys=False)


def diff_verdict(tmp: Path, base: str, head: str) -> dict[str, Any]:
    """The rule ids `escodegen diff` reports from `base` to `head` (an ESD001 finding with the
    validation error it carries, `ESD001:ES313`) and its exit status."""
    write_project(tmp / "base", base)
    write_project(tmp / "head", head)
    result = CliRunner().invoke(
        cli,
        ["-C", str(tmp / "head"), "diff", "--against", str(tmp / "base"), "--format", "json"],
        catch_exceptions=False,
    )
    assert result.exit_code in (0, 1), result.output
    findings = json.loads(result.output)["findings"]
    rules = {
        f["rule"] + (":" + f["message"].split()[0] if f["rule"] == "ESD001" else "")
        for f in findings
    }
    return {"rules": sorted(rules), "exit": result.exit_code}


def run(
    case: dict[str, Any], mode: str, tmp: Path, head: dict[str, Any] | None = None
) -> dict[str, Any]:
    head = head or case["head"]
    types = case.get("types")
    base = declarations(case["base"], types=types)
    if mode == "in_place":
        return diff_verdict(tmp, base, declarations(head, types=types))
    return diff_verdict(tmp, base, declarations(case["base"], head, types=types))


def expected(verdict: dict[str, Any]) -> dict[str, Any]:
    return {"rules": sorted(verdict["rules"]), "exit": verdict["exit"]}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_escodegen_verdict(case: dict[str, Any], mode: str, tmp_path: Path) -> None:
    assert run(case, mode, tmp_path) == expected(case[mode])


FIXED = [c for c in CASES if "fixed" in c]


@pytest.mark.parametrize("case", FIXED, ids=[c["case"] for c in FIXED])
def test_the_remedy_escodegen_names_passes(case: dict[str, Any], tmp_path: Path) -> None:
    """A refused change, declared with the upcaster the finding recommends, passes."""
    assert case["new_version"]["exit"] == 1
    head = {"upcast": case["fixed"]["upcast"], **case["head"]}
    verdict = run(case, "new_version", tmp_path, head)
    assert verdict == expected(case["fixed"]["new_version"]) and verdict["exit"] == 0


def test_every_disagreement_with_confluent_is_explained() -> None:
    for case in CASES:
        compatible = case["confluent"]["compatible"]
        agrees = (case["new_version"]["exit"] == 0) == compatible
        assert agrees != bool(case.get("differs")), case["case"]
        # An in-place edit of a published version takes only weak-schema changes (ESD120 says
        # so); any other disagreement needs its own reason.
        in_place = case["in_place"]
        if (in_place["exit"] == 0) != compatible and "ESD120" not in in_place["rules"]:
            assert case.get("differs"), case["case"]


def test_every_peer_case_is_ported_or_listed_with_what_the_language_lacks() -> None:
    seen = Counter(c["case"] for c in [*CASES, *NOT_EXPRESSIBLE])
    assert [name for name, n in seen.items() if n > 1] == []
    assert set(seen) == {f"{name}#{i}" for name, n in PEER_FILES.items() for i in range(n)}
    for case in NOT_EXPRESSIBLE:
        assert case["lacks"] in LACKS and case["reason"].strip(), case["case"]
    for case in [*CASES, *NOT_EXPRESSIBLE]:
        assert case["description"] and isinstance(case["confluent"]["compatible"], bool)


COMPATIBILITY = Path(__file__).resolve().parents[3] / "docs" / "compatibility.md"


def test_the_compatibility_page_states_the_suite_as_it_is() -> None:
    text = " ".join(COMPATIBILITY.read_text(encoding="utf-8").split())
    agree = sum((c["new_version"]["exit"] == 0) == c["confluent"]["compatible"] for c in CASES)
    total = sum(PEER_FILES.values())
    assert (
        f"Of Confluent's {total} cases, {len(CASES)} can be written in the language. As a new "
        f"version, escodegen agrees with Confluent on {agree} and differs on purpose on "
        f"{len(CASES) - agree}:"
    ) in text
    assert f"The other {len(NOT_EXPRESSIBLE)} are listed" in text
    for lacks, n in Counter(c["lacks"] for c in NOT_EXPRESSIBLE).items():
        assert re.search(rf"{re.escape(LACKS[lacks])} \({n}\b", text), lacks


def test_the_compatibility_page_places_every_diff_rule() -> None:
    text = COMPATIBILITY.read_text(encoding="utf-8")
    for rule in RULES:
        assert f"[{rule.id}](rules/{rule.id}.md)" in text, rule.id
        assert (COMPATIBILITY.parent / "rules" / f"{rule.id}.md").is_file()
