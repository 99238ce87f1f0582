"""A finding: one classified change, with a fingerprint that survives rewording and commits."""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from escodegen.analyse.rules import BY_ID, SEVERITIES, Rule, Severity
from escodegen.diagnostics import Span
from escodegen.model import Ignore


@dataclass(frozen=True)
class Finding:
    rule: str
    path: str
    """What changed: `Event.vN.field.sub`, `Event.vN`, `Event`, `aggregate.Name.state`,
    `projection.name.column`."""
    message: str
    arguments: tuple[str, ...] = ()
    """What identifies the change besides rule and path (names, types); the fingerprint's input."""
    old: Any = None
    new: Any = None
    consumers: tuple[str, ...] = ()
    span: Span | None = None
    ignored_by: Ignore | None = None

    @property
    def definition(self) -> Rule:
        return BY_ID[self.rule]

    @property
    def severity(self) -> Severity:
        return self.definition.severity

    @property
    def strategy(self) -> str | None:
        return self.definition.strategy

    @property
    def fingerprint(self) -> str:
        """Hash of rule, path and arguments only, so it is stable when messages are reworded."""
        text = "\x1f".join((self.rule, self.path, *self.arguments))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def severity_rank(severity: str) -> int:
    """error 0, warning 1, info 2: lower is more severe."""
    ranks: dict[str, int] = {s: i for i, s in enumerate(SEVERITIES)}
    return ranks[severity]


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, then by path: the order every format prints."""
    return sorted(findings, key=lambda f: (severity_rank(f.severity), f.path, f.rule, f.arguments))


def apply_ignores(findings: Iterable[Finding], ignores: Iterable[Ignore]) -> list[Finding]:
    """Mark findings matched by an ignore entry (same rule id, path equal or a glob match).

    Rules that may not be ignored (a pii purge, invalid declarations) stay active.
    """
    entries = tuple(ignores)
    result = []
    for finding in findings:
        match = next((i for i in entries
                      if i.rule.upper() == finding.rule and fnmatch.fnmatchcase(finding.path, i.path)),
                     None)
        if match is not None and finding.definition.ignorable:
            finding = replace(finding, ignored_by=match)
        result.append(finding)
    return result


def reaches(finding: Finding, fail_on: str) -> bool:
    """Does an active finding reach the `--fail-on` level (`error`, `warning`, `info`, `never`)?"""
    if fail_on == "never" or finding.ignored_by is not None:
        return False
    return severity_rank(finding.severity) <= severity_rank(fail_on)
