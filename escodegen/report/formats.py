"""The output formats of `check` and `diff`: text, json, markdown, github, junit, sarif.

Every format prints the same findings in the same order (`findings.ordered`); the JSON form
is described by `report.schema.json` beside this file.

Findings quote declared text, which whoever opens a pull request controls. Each format shows
it escaped in its own way (escodegen.printable for control, bidi and separator characters in
every format; markdown also HTML-escapes and neutralises links, emphasis and @mentions; GitHub
annotations escape their `%`, CR, LF, `:` and `,`), so no declaration can drive a terminal,
forge a line of output or put markup into a pull-request comment.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from escodegen import __version__
from escodegen.analyse.findings import Finding, UnusedIgnore, ordered, reaches, severity_rank
from escodegen.analyse.rules import RULES, SEVERITIES
from escodegen.diagnostics import Span
from escodegen.printable import escape, json_text

FORMATS = ("text", "json", "markdown", "github", "junit", "sarif")
FAIL_ON = ("error", "warning", "info", "never")
REPORT_VERSION = 1


@dataclass(frozen=True)
class Outcome:
    """Findings of one run with what the formats need to show them."""

    findings: tuple[Finding, ...]
    against: str
    """What the declarations were compared with: `registry`, a git ref, a folder."""
    fail_on: str = "error"
    root: Path = Path(".")
    """The project folder; finding spans are relative to it and are shown relative to the
    current folder (the repository root in CI, as GitHub annotations need)."""
    unused: tuple[UnusedIgnore, ...] = ()
    """`ignore:` entries that suppress nothing: warnings, shown after the findings."""

    @property
    def failed(self) -> bool:
        return (any(reaches(f, self.fail_on) for f in self.findings)
                or (bool(self.unused) and self.unused_fail))

    @property
    def unused_fail(self) -> bool:
        """Do the unused-ignore warnings reach --fail-on (warning or info)?"""
        return self.fail_on != "never" and severity_rank("warning") <= severity_rank(self.fail_on)

    @property
    def active(self) -> list[Finding]:
        return [f for f in ordered(self.findings) if f.ignored_by is None]

    @property
    def ignored(self) -> list[Finding]:
        return [f for f in ordered(self.findings) if f.ignored_by is not None]

    def counts(self) -> dict[str, int]:
        counter = Counter(f.severity for f in self.active)
        return {s: counter.get(s, 0) for s in SEVERITIES}

    def location(self, item: Finding | UnusedIgnore) -> Span | None:
        """Where `item` is, its file shown relative to the current folder (absolute outside it)."""
        span: Span | None = item.span
        if span is None:
            return None
        path = self.root / span.file
        try:
            shown = os.path.relpath(path)
        except ValueError:  # another drive on Windows
            shown = str(path)
        if shown.startswith(".."):
            shown = str(path)
        return Span(shown.replace(os.sep, "/"), span.line, span.column)


def render(outcome: Outcome, fmt: str) -> str:
    return _RENDERERS[fmt](outcome)


def summary_line(outcome: Outcome) -> str:
    counts = outcome.counts()
    parts = [plural(counts["error"], "error"), plural(counts["warning"], "warning"),
             f"{counts['info']} info"]
    if outcome.ignored:
        parts.append(f"{len(outcome.ignored)} ignored")
    if outcome.unused:
        count = len(outcome.unused)
        parts.append(f"{count} unused ignore entr{'y' if count == 1 else 'ies'}")
    return ", ".join(parts) + f" (against {escape(outcome.against)})"


def plural(n: int, word: str) -> str:
    """`1 error`, `2 errors`."""
    return f"{n} {word}{'' if n == 1 else 's'}"


# -- text ----------------------------------------------------------------------------------

def _text(outcome: Outcome) -> str:
    lines = []
    for finding in outcome.active:
        lines.append(f"{finding.severity:<7} {finding.rule} {escape(finding.path)}"
                     f"{_text_at(outcome.location(finding))}")
        lines.append(f"        {escape(finding.message)}")
        details = []
        if finding.strategy:
            details.append(f"strategy: {escape(finding.strategy)}")
        if finding.consumers:
            details.append(f"consumers: {escape(', '.join(finding.consumers))}")
        if details:
            lines.append("        " + " · ".join(details))
        if finding.severity != "info":
            lines.append(f"        see: escodegen explain {finding.rule}")
    for unused in outcome.unused:
        lines.append(f"warning unused ignore {escape(unused.entry.rule)} "
                     f"{escape(unused.entry.path)}{_text_at(outcome.location(unused))}")
        lines.append(f"        {escape(unused.message)}")
    lines.append(summary_line(outcome))
    return "\n".join(lines) + "\n"


def _text_at(where: Span | None) -> str:
    return f"  {escape(str(where))}" if where else ""


# -- json ----------------------------------------------------------------------------------

def _json_location(where: Span | None) -> dict[str, Any]:
    if where is None:
        return {"file": None, "line": None, "column": None}
    return {"file": where.file, "line": where.line, "column": where.column}


def finding_json(outcome: Outcome, finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "name": finding.definition.name,
        "severity": finding.severity,
        "path": finding.path,
        "message": finding.message,
        "old": finding.old,
        "new": finding.new,
        "strategy": finding.strategy,
        "consumers": list(finding.consumers),
        **_json_location(outcome.location(finding)),
        "fingerprint": finding.fingerprint,
        "ignored": ({"reason": finding.ignored_by.reason, "path": finding.ignored_by.path}
                    if finding.ignored_by else None),
    }


def unused_json(outcome: Outcome, unused: UnusedIgnore) -> dict[str, Any]:
    return {
        "rule": unused.entry.rule,
        "path": unused.entry.path,
        "reason": unused.entry.reason,
        "message": unused.message,
        **_json_location(outcome.location(unused)),
    }


def _json(outcome: Outcome) -> str:
    document = {
        "version": REPORT_VERSION,
        "against": outcome.against,
        "fail_on": outcome.fail_on,
        "ok": not outcome.failed,
        "summary": {**outcome.counts(), "ignored": len(outcome.ignored)},
        "findings": [finding_json(outcome, f) for f in ordered(outcome.findings)],
        "unused_ignores": [unused_json(outcome, u) for u in outcome.unused],
    }
    return json_text(document, indent=2, default=str) + "\n"


# -- markdown (a pull-request comment) -------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"[\\`*_~\[\]|]")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _md(text: str) -> str:
    """Declared text as literal markdown (a table cell, a list item): controls escaped, HTML
    escaped, markdown punctuation backslash-escaped (no link, image, emphasis, code span or
    extra table cell can start), and `@` followed by a zero-width space entity so that no
    @mention (`@everyone`, `@org/team`) notifies anyone."""
    text = escape(text)
    text = "".join(_HTML.get(c, c) for c in text)
    return _MARKDOWN_SPECIAL.sub(lambda m: "\\" + m.group(), text).replace("@", "@&#8203;")


def _md_code(text: str) -> str:
    """Declared text shown as code. An HTML `<code>` element rather than a backtick span: inside
    a span markdown escapes do not work, so a backtick in the text could end it."""
    return f"<code>{_md(text)}</code>"


def _markdown(outcome: Outcome) -> str:
    counts = outcome.counts()
    serious = [f for f in outcome.active if f.severity != "info"]
    if not serious:
        extra = f" ({counts['info']} info)" if counts["info"] else ""
        line = (f"✅ **escodegen**: no breaking change against {_md_code(outcome.against)}"
                f"{extra}.\n")
        return line + _markdown_unused(outcome)
    mark = "❌" if outcome.failed else "⚠️"
    lines = [f"{mark} **escodegen**: {_md(summary_line(outcome))}", "", "<details>",
             (f"<summary>{len(outcome.active)} finding{'' if len(outcome.active) == 1 else 's'}"
             "</summary>"), "",
             "| severity | rule | path | finding | strategy | consumers |",
             "|---|---|---|---|---|---|"]
    for f in outcome.active:
        lines.append(f"| {f.severity} | [{f.rule}](docs/rules/{f.rule}.md) {f.definition.name} | "
                     f"{_md_code(f.path)} | {_md(f.message)} | {_md(f.strategy or '')} | "
                     f"{_md(', '.join(f.consumers))} |")
    if outcome.ignored:
        lines += ["", "Ignored (escodegen.yaml `ignore`):", ""]
        lines += [f"- {f.rule} {_md_code(f.path)}: {_md(f.ignored_by.reason)}"
                  for f in outcome.ignored if f.ignored_by]
    lines += ["", "</details>", ""]
    return "\n".join(lines) + _markdown_unused(outcome)


def _markdown_unused(outcome: Outcome) -> str:
    """Stale `ignore:` entries, outside the collapsed details: each is a one-line fix."""
    if not outcome.unused:
        return ""
    lines = ["", "⚠️ Unused `ignore` entries (remove them from escodegen.yaml):", ""]
    for unused in outcome.unused:
        where = outcome.location(unused)
        at = f" ({_md(where.file)}:{where.line})" if where else ""
        lines.append(f"- {_md(unused.entry.rule)} {_md_code(unused.entry.path)}{at}: "
                     f"{_md(unused.why)}")
    return "\n".join(lines) + "\n"


# -- GitHub workflow annotations -------------------------------------------------------------

_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(text: str) -> str:
    """A workflow command's message; declared text in it is already `escape`d, so the only
    line breaks are the format's own."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(level: str, where: Span | None, title: str, message: str) -> str:
    props = [f"file={_escape_property(escape(where.file))}", f"line={where.line}",
             f"col={where.column}"] if where else []
    props.append(f"title={_escape_property(title)}")
    return f"::{level} {','.join(props)}::{_escape_data(message)}"


def _github(outcome: Outcome) -> str:
    lines = []
    for f in outcome.active:
        message = escape(f.message) + (f"\nstrategy: {escape(f.strategy)}" if f.strategy else "")
        lines.append(_annotation(_LEVELS[f.severity], outcome.location(f),
                                 f"{f.rule} {f.definition.name}", message))
    for unused in outcome.unused:
        lines.append(_annotation("warning", outcome.location(unused), "unused ignore entry",
                                 escape(unused.message)))
    lines.append(summary_line(outcome))
    return "\n".join(lines) + "\n"


# -- JUnit XML -----------------------------------------------------------------------------------

def _junit(outcome: Outcome) -> str:
    """XML 1.0 cannot hold most control characters even as references: declared text is
    `escape`d; ElementTree escapes the markup characters."""
    from xml.etree import ElementTree  # only this format needs it

    findings = ordered(outcome.findings)
    failures = sum(1 for f in findings if reaches(f, outcome.fail_on))
    failures += len(outcome.unused) if outcome.unused_fail else 0
    cases = len(findings) + len(outcome.unused)
    suite = ElementTree.Element("testsuite", name=f"escodegen against {escape(outcome.against)}",
                                tests=str(max(cases, 1)), failures=str(failures),
                                errors="0", skipped=str(len(outcome.ignored)))
    if not cases:
        ElementTree.SubElement(suite, "testcase", classname="escodegen", name="no changes")
    for f in findings:
        case = ElementTree.SubElement(suite, "testcase", classname=f"{f.rule}.{f.definition.name}",
                                      name=escape(f.path))
        if f.ignored_by is not None:
            ElementTree.SubElement(case, "skipped",
                                   message=f"ignored: {escape(f.ignored_by.reason)}")
        elif reaches(f, outcome.fail_on):
            failure = ElementTree.SubElement(case, "failure", type=f.severity,
                                             message=escape(f.message))
            failure.text = "\n".join(filter(None, (
                escape(str(outcome.location(f) or "")),
                f"strategy: {escape(f.strategy)}" if f.strategy else "",
                f"consumers: {escape(', '.join(f.consumers))}" if f.consumers else "",
                f"fingerprint: {f.fingerprint}")))
        else:
            ElementTree.SubElement(case, "system-out").text = f"{f.severity}: {escape(f.message)}"
    for unused in outcome.unused:
        case = ElementTree.SubElement(suite, "testcase", classname="escodegen.unused-ignore",
                                      name=escape(f"{unused.entry.rule} {unused.entry.path}"))
        text = "\n".join(filter(None, (escape(str(outcome.location(unused) or "")),
                                       f"reason given: {escape(unused.entry.reason)}")))
        message = escape(unused.message)
        if outcome.unused_fail:
            failure = ElementTree.SubElement(case, "failure", type="warning", message=message)
            failure.text = text
        else:
            ElementTree.SubElement(case, "system-out").text = f"warning: {message}\n{text}"
    root = ElementTree.Element("testsuites")
    root.append(suite)
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, "unicode") + "\n"


# -- SARIF 2.1.0 -------------------------------------------------------------------------------

_SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _sarif(outcome: Outcome) -> str:
    rules = [{
        "id": r.id,
        "name": r.name,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.why},
        "help": {"text": r.remedy},
        "helpUri": f"docs/rules/{r.id}.md",
        "defaultConfiguration": {"level": _SARIF_LEVELS[r.severity]},
    } for r in RULES]
    index = {r.id: i for i, r in enumerate(RULES)}
    results = []
    for f in ordered(outcome.findings):
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": _SARIF_LEVELS[f.severity],
            "message": {"text": f.message},
            "partialFingerprints": {"escodegen/v1": f.fingerprint},
            "properties": {"path": f.path, "strategy": f.strategy, "consumers": list(f.consumers)},
        }
        result.update(_sarif_locations(outcome.location(f)))
        if f.ignored_by is not None:
            result["suppressions"] = [{"kind": "external", "justification": f.ignored_by.reason}]
        results.append(result)
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "escodegen", "version": __version__,
                            "informationUri": "https://escodegen.dev", "rules": rules}},
        "results": results,
    }
    if outcome.unused:
        # Not results (no rule was broken) but notifications about the tool's configuration.
        notifications = []
        for unused in outcome.unused:
            notifications.append({"descriptor": {"id": "unused-ignore"}, "level": "warning",
                                  "message": {"text": unused.message},
                                  **_sarif_locations(outcome.location(unused))})
        run["invocations"] = [{"executionSuccessful": True,
                               "toolConfigurationNotifications": notifications}]
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    }
    return json_text(document, indent=2) + "\n"


def _sarif_locations(where: Span | None) -> dict[str, Any]:
    """The `locations` of a SARIF result or notification; nothing when there is no place."""
    if where is None:
        return {}
    return {"locations": [{"physicalLocation": {
        "artifactLocation": {"uri": where.file},
        "region": {"startLine": where.line, "startColumn": where.column}}}]}


_RENDERERS: dict[str, Callable[[Outcome], str]] = {
    "text": _text, "json": _json, "markdown": _markdown, "github": _github, "junit": _junit,
    "sarif": _sarif,
}
