"""The rule pages under docs/rules/, made from the one definition in `rules.py`.

Regenerate with `python -m escodegen.report.rule_docs docs/rules`; a test fails when the
committed pages differ from what this module writes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from escodegen.analyse.rules import MATRIX, RULES, STRATEGIES, Rule

NOTICE = ("<!-- Generated from escodegen/analyse/rules.py by "
          "`python -m escodegen.report.rule_docs docs/rules`; do not edit. -->\n")


def rule_json(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id, "name": rule.name, "severity": rule.severity, "summary": rule.summary,
        "why": rule.why, "remedy": rule.remedy, "change": rule.change, "strategy": rule.strategy,
        "ignorable": rule.ignorable, "python": rule.python,
        "example": {"before": rule.example.before, "after": rule.example.after,
                    "fixed": rule.example.fixed},
    }


def _yaml(text: str) -> str:
    return f"```yaml\n{text.rstrip()}\n```\n"


def rule_page(rule: Rule) -> str:
    facts = [f"**Severity:** {rule.severity}", f"**Strategy:** {rule.strategy or '—'}"]
    if rule.change:
        facts.append(f"**Decision-matrix row:** {rule.change}")
    facts.append("**Can be ignored:** " + ("yes" if rule.ignorable else
                                           "no (an ignore entry for it has no effect)"))
    parts = [
        NOTICE,
        f"# {rule.id} {rule.name}\n",
        " · ".join(facts) + "\n",
        f"{rule.summary}\n",
        f"## Why\n\n{rule.why}\n",
        "## Example\n\n" + ("The project has a Python target (`python:` in escodegen.yaml); "
                            "without one this rule is never reported.\n\n" if rule.python else "")
        + "Published (the base of the comparison):\n\n" + _yaml(rule.example.before),
        "\nChanged, which reports this rule:\n\n" + _yaml(rule.example.after),
        f"\n## Remedy\n\n{rule.remedy}\n",
    ]
    if rule.example.fixed is not None:
        parts.append("\nDone the recommended way (no longer reports this rule):\n\n"
                     + _yaml(rule.example.fixed))
    if rule.change:
        verdicts = MATRIX[rule.change]
        cells = [f"**{v}**" if s == rule.strategy else v for s, v in zip(STRATEGIES, verdicts)]
        parts.append(f"\n## Decision matrix: {rule.change}\n\n| " + " | ".join(STRATEGIES)
                     + " |\n|" + "---|" * len(STRATEGIES) + "\n| " + " | ".join(cells) + " |\n")
    parts.append(f"\nSuppress (if ignorable) in escodegen.yaml:\n\n```yaml\nignore:\n"
                 f"  - {{rule: {rule.id}, path: \"Event.v1.field\", reason: \"why it is safe\"}}\n```\n")
    return "\n\n".join(p.strip("\n") for p in parts) + "\n"


def index_page() -> str:
    lines = [NOTICE, "# Diff rules\n",
             ("Every change `escodegen check` and `escodegen diff` find is one of these rules. "
             "`escodegen rules` lists them, `escodegen explain ID` prints a page.\n"),
             "| id | name | severity | strategy | summary |", "|---|---|---|---|---|"]
    lines += [f"| [{r.id}]({r.id}.md) | {r.name} | {r.severity} | {r.strategy or ''} | "
              f"{r.summary.replace('|', '/')} |" for r in RULES]
    return "\n".join(lines) + "\n"


def pages() -> dict[str, str]:
    """File name -> content of every page."""
    return {"README.md": index_page(), **{f"{r.id}.md": rule_page(r) for r in RULES}}


def write(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in pages().items():
        (folder / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules"))
