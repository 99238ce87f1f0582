"""A finding: one classified change, with a fingerprint that survives rewording and commits."""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from escodegen.analyse.rules import BY_ID, SEVERITIES, Rule, Severity
from escodegen.check.lints import LINT_CODES
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


_RANKS: dict[str, int] = {s: i for i, s in enumerate(SEVERITIES)}


def severity_rank(severity: str) -> int:
    """error 0, warning 1, info 2: lower is more severe."""
    return _RANKS[severity]


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, then by path: the order every format prints."""
    return sorted(findings, key=lambda f: (severity_rank(f.severity), f.path, f.rule, f.arguments))


def _matches(entry: Ignore, finding: Finding) -> bool:
    """Same rule id, and the path equal or matched by the entry's glob."""
    return entry.rule.upper() == finding.rule and fnmatch.fnmatchcase(finding.path, entry.path)


def _first_match(finding: Finding, entries: Sequence[Ignore]) -> int | None:
    return next((n for n, entry in enumerate(entries) if _matches(entry, finding)), None)


def apply_ignores(findings: Iterable[Finding], ignores: Iterable[Ignore]) -> list[Finding]:
    """Mark findings matched by an ignore entry (same rule id, path equal or a glob match).

    Rules that may not be ignored (a pii purge, invalid declarations) stay active.
    """
    entries = tuple(ignores)
    result = []
    for finding in findings:
        match = _first_match(finding, entries)
        if match is not None and finding.definition.ignorable:
            finding = replace(finding, ignored_by=entries[match])
        result.append(finding)
    return result


@dataclass(frozen=True)
class UnusedIgnore:
    """An `ignore:` entry of escodegen.yaml that suppresses nothing: a stale suppression."""

    entry: Ignore
    why: str
    """Why it has no effect: it matches no finding, its rule cannot be ignored, ..."""

    @property
    def span(self) -> Span | None:
        """Where the entry is in escodegen.yaml."""
        return self.entry.span

    @property
    def message(self) -> str:
        return (f"ignore entry {{rule: {self.entry.rule}, path: {self.entry.path}}} {self.why}; "
                "remove it from escodegen.yaml")


def unused_ignores(ignores: Sequence[Ignore], findings: Iterable[Finding],
                   compared: str = "") -> list[UnusedIgnore]:
    """The entries of `ignores` that suppress none of `findings`, in the order they are written.

    An entry is used when it is the first entry matching an ignorable finding (what
    `apply_ignores` marks). `findings` may hold the findings of several comparisons (`diff`
    passes its own and those against the registry): an entry used by any of them is in use.
    `compared` names what was compared, for the message ("against the registry").
    """
    entries = tuple(ignores)
    used: set[int] = set()
    blocked: dict[int, str] = {}  # entry -> a matching rule that cannot be ignored
    shadowed: dict[int, int] = {}  # entry -> the earlier entry that took its findings
    for finding in findings:
        matching = [n for n, entry in enumerate(entries) if _matches(entry, finding)]
        if not matching:
            continue
        if not finding.definition.ignorable:
            for n in matching:
                blocked.setdefault(n, finding.rule)
            continue
        used.add(matching[0])
        for n in matching[1:]:
            shadowed.setdefault(n, matching[0])
    result = []
    for n, entry in enumerate(entries):
        if n in used or entry.rule.upper() in LINT_CODES:  # design lints: `validate` uses those
            continue
        if entry.rule.upper() not in BY_ID:
            why = "names no diff rule (`escodegen rules` lists them)"
        elif n in blocked:
            why = f"has no effect: {blocked[n]} findings cannot be ignored"
        elif n in shadowed:
            earlier = entries[shadowed[n]].span
            where = f" (line {earlier.line})" if earlier else ""
            why = f"only matches findings that an earlier entry{where} already ignores"
        else:
            why = "matches no finding" + (f" {compared}" if compared else "")
        result.append(UnusedIgnore(entry, why))
    return result


def reaches(finding: Finding, fail_on: str) -> bool:
    """Does an active finding reach the `--fail-on` level (`error`, `warning`, `info`, `never`)?"""
    if fail_on == "never" or finding.ignored_by is not None:
        return False
    return severity_rank(finding.severity) <= severity_rank(fail_on)
