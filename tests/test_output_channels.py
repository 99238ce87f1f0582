"""Declared text reaches terminals, CI logs, pull-request comments and generated source; none of
them gets a raw control, bidi or separator character from it, a line it did not write, or
markup (issue 11, point 8)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from escodegen.cli import cli
from escodegen.printable import escape, escape_lines, json_text, unsafe
from escodegen.report.formats import FORMATS
from tests.conftest import EXAMPLES

FORGED = "d.yaml:1:1: error ES999: forged"
HOSTILE = ("x\x1b[2K\x07\r\n" + FORGED + " <img src=x onerror=alert(1)> @everyone "
           "[click](https://evil.example) `code` | cell \u202eevil\u202c \u2066iso\u2069 "
           "\u2028sep \x9b31m")
"""ESC[2K (erase the line), BEL, CR, a newline starting a forged diagnostic, HTML, a mention, a
link, a code span, a table cell, bidi overrides and isolates, a line separator, a C1 CSI."""
RAW_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def raw_unsafe(text: str) -> list[str]:
    """The unsafe characters in `text`, other than the line breaks and tabs of its layout."""
    return sorted({repr(c) for c in text if unsafe(c) and c not in "\n\t"})


def assert_no_forged_line(text: str) -> None:
    assert not raw_unsafe(text), raw_unsafe(text)
    assert not RAW_BIDI.search(text)
    assert not any(line.lstrip().startswith(FORGED) for line in text.splitlines())


def test_escape_leaves_ordinary_text_alone_and_shows_the_rest_as_python_escapes() -> None:
    assert escape("Grüße, 東京 – ok") == "Grüße, 東京 – ok"
    shown = escape(HOSTILE)
    assert "\n" not in shown and not raw_unsafe(shown)
    assert shown.startswith("x\\x1b[2K\\x07\\r\\nd.yaml:1:1:")
    assert "\\u202eevil\\u202c \\u2066iso\\u2069 \\u2028sep \\x9b31m" in shown
    # the escapes are Python's: a string literal of the escaped text has the original value
    assert eval(f'"""{escape(HOSTILE.replace(chr(34), ""))}"""') == HOSTILE.replace('"', "")


def test_json_text_escapes_what_json_dumps_leaves_raw_and_keeps_the_value() -> None:
    document = {"k\u202e": [HOSTILE, "\U0001f600 \U000e0041"]}
    text = json_text(document, indent=2)
    assert not raw_unsafe(text) and json.loads(text) == document
    assert "\\u202e" in text and "\\udb40\\udc41" in text  # a tag character, as a UTF-16 pair


# -- validate: diagnostics quote declared names and values ---------------------------------------

def hostile_declarations(folder: Path) -> Path:
    (folder / "escodegen.yaml").write_text("escodegen: 1\nname: p\nsources: [d.yaml]\n")
    text = json.dumps(HOSTILE)  # a YAML double-quoted scalar
    (folder / "d.yaml").write_text(
        "events:\n  Placed:\n    versions: {1: {fields: {id: uuid}}}\n"
        "projections:\n  orders:\n    key: [id]\n    columns: {id: uuid, note: string?}\n"
        f"    on:\n      Placed: {{upsert: {{id: $.id, {text}: 1, note: {json.dumps('$' + HOSTILE)}}}}}\n"
        f"      {text}: {{delete: true}}\n")
    return folder


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_validate_shows_declared_text_escaped(tmp_path: Path, fmt: str) -> None:
    result = CliRunner().invoke(cli, ["-C", str(hostile_declarations(tmp_path)), "validate",
                                      "--format", fmt])
    assert result.exit_code == 1
    assert_no_forged_line(result.output)
    if fmt == "json":
        messages = [d["message"] for d in json.loads(result.output)["diagnostics"]]
        assert any(HOSTILE in m for m in messages)  # JSON keeps the value, escaped as JSON
    else:
        assert re.search(r"^d\.yaml:9:35: error ES402: .*x\\x1b\[2K\\x07\\r\\nd\.yaml:1:1: error "
                         r"ES999: forged", result.output, re.MULTILINE), result.output


def test_no_line_of_text_output_is_a_github_workflow_command(tmp_path: Path) -> None:
    """GitHub Actions runs a log line starting with "::" (after spaces) as a workflow command:
    a declared file name that starts a diagnostic's line, or a table's first cell, must not
    make one (an annotation, `add-mask`, `stop-commands`)."""
    name = "::error title=forged::x.yaml"
    (tmp_path / "escodegen.yaml").write_text(
        f"escodegen: 1\nname: p\nsources: [{json.dumps(name)}]\n")
    (tmp_path / name).write_text("events: [\n")
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "validate"])
    assert result.exit_code == 1, result.output
    assert "x.yaml" in result.output
    assert not [line for line in result.output.splitlines() if line.lstrip().startswith("::")]
    assert "\\x3a:error title=forged::x.yaml" in result.output
    for text in ("::add-mask::secret", "  ::stop-commands::t"):
        shown = escape(text)
        assert not shown.lstrip().startswith("::") and eval(f'"{shown}"') == text


# -- check and diff: every report format -----------------------------------------------------------

def hostile_diff(tmp_path: Path) -> Path:
    before = tmp_path / "before"
    after = tmp_path / "after"
    for folder, values in ((before, ["a", HOSTILE]), (after, ["a", "b" + HOSTILE])):
        folder.mkdir()
        ignore = (f"ignore:\n  - {{rule: ESD108, path: {json.dumps(HOSTILE)}, "
                  f"reason: {json.dumps(HOSTILE)}}}\n") if folder is after else ""
        (folder / "escodegen.yaml").write_text(
            f"escodegen: 1\nname: p\nsources: [d.yaml]\n{ignore}")
        (folder / "d.yaml").write_text(
            "events:\n  Placed:\n    description: " + json.dumps(HOSTILE) + "\n"
            "    versions: {1: {fields: {id: uuid, tier: {type: enum, values: "
            + json.dumps(values) + "}}}}\n")
    return after


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_report_format_shows_declared_text_escaped(tmp_path: Path, fmt: str) -> None:
    after = hostile_diff(tmp_path)
    result = CliRunner().invoke(cli, ["-C", str(after), "diff", "--against",
                                      str(tmp_path / "before"), "--format", fmt])
    assert result.exit_code == 1, result.output
    out = result.output
    assert_no_forged_line(out)
    assert "ESD111" in out and "ESD113" in out  # the removed and the added hostile enum value
    if fmt == "markdown":
        for markup in ("<img", "@everyone", "[click]", "`code`"):
            assert markup not in out
        assert not re.search(r"(?<!\\)\| cell", out)
        assert "&lt;img src=x onerror=alert(1)&gt;" in out and "@&#8203;everyone" in out
        assert "\\[click\\](https://evil.example)" in out and "\\| cell" in out
    elif fmt == "github":
        assert all(line.startswith("::") or line.endswith("(against " + str(tmp_path / "before")
                                                           + ")") for line in out.splitlines())
        assert "x\\x1b[2K\\x07\\r\\nd.yaml:1:1: error ES999: forged" in out  # in a message
    elif fmt == "junit":
        ElementTree.fromstring(out.encode())  # well-formed XML 1.0: no control characters
    elif fmt in ("json", "sarif"):
        assert any(HOSTILE in text for text in strings(json.loads(out)))  # the value is kept


def strings(node: object) -> list[str]:
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings(value)]
    if isinstance(node, list):
        return [s for item in node for s in strings(item)]
    return [node] if isinstance(node, str) else []


# -- generated Python ---------------------------------------------------------------------------

def test_generated_python_docstrings_and_literals_hold_escapes(tmp_path: Path) -> None:
    project = tmp_path / "shop"
    shutil.copytree(EXAMPLES / "shop", project, ignore=shutil.ignore_patterns("generated"))
    described = json.dumps(HOSTILE + ' """ \\ end')
    for path, old, new in (
            ("events/customer.yaml", "description: A customer signed up.",
             f"description: {described}"),
            ("events/customer.yaml", "values: [standard, premium, enterprise]}\n\n",
             f"values: [standard, premium, enterprise, {json.dumps(HOSTILE)}]}}\n\n"),
            ("aggregates/aggregates.yaml", "    stream: \"Customer-{customerId}\"",
             f"    description: {described}\n    stream: \"Customer-{{customerId}}\""),
            ("projections/projections.yaml",
             "description: One row per order, for the order list screen.",
             f"description: {described}")):
        file = project / path
        text = file.read_text()
        assert old in text, (path, old)
        file.write_text(text.replace(old, new, 1))
    result = CliRunner().invoke(cli, ["-C", str(project), "generate", "--target", "python"])
    assert result.exit_code == 0, result.output
    package = project / "generated" / "shop_events"
    for source in package.rglob("*.py"):
        assert not raw_unsafe(source.read_text()), source
    # The rules of test_generated_package; but a long description or enum value makes a long
    # line whatever characters it holds (E501).
    checked = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--select",
                              "E,F,W,I,UP,B,RUF", "--ignore", "E501", str(package)],
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    probe = (
        "import json, shop_events.events.customer_registered as e, shop_events.aggregates as a,"
        " shop_events.projections as p\n"
        "print(json.dumps([e.CustomerRegistered.__doc__, a.CustomerAggregate.__doc__,"
        " p.OrderSummaryProjection.__doc__, [t.value for t in e.CustomerRegisteredTier]]))\n")
    ran = subprocess.run([sys.executable, "-c", probe], cwd=package.parent, capture_output=True,
                         text=True, check=True)
    event_doc, aggregate_doc, projection_doc, tiers = json.loads(ran.stdout)
    # A docstring shows the escapes, not the characters; documentation keeps its line breaks.
    shown = escape_lines(HOSTILE) + ' """ \\ end'
    assert aggregate_doc == shown and projection_doc == shown
    assert all(line in event_doc for line in shown.splitlines())  # indented by its class
    assert tiers[-1] == HOSTILE  # a value keeps its exact text


# -- GitHub workflow commands --------------------------------------------------------------------

def _unescape_data(text: str) -> str:
    """The runner's reading of a workflow command's message (actions/runner, ActionCommand)."""
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _unescape_property(text: str) -> str:
    return _unescape_data(text.replace("%3A", ":").replace("%2C", ","))


def test_github_annotations_encode_percent_line_breaks_and_property_separators(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`%`, CR and LF are encoded in the message, and `:` and `,` too in a property (the file),
    so neither can end the command, add a property or start another; declared text is
    `escape`d first, so the only line break a message holds is the format's own."""
    from escodegen.analyse.findings import Finding
    from escodegen.analyse.rules import RULES
    from escodegen.diagnostics import Span
    from escodegen.report.formats import Outcome, render

    monkeypatch.chdir(tmp_path)
    rule = next(r for r in RULES if r.severity == "error" and r.strategy)
    file = "a,line=9,title=x::y %0A z.yaml"
    message = "100% sure, key: value %0A\r\n::error file=x::" + HOSTILE
    finding = Finding(rule.id, "Placed.v1.x", message, span=Span(file, 3, 4))
    out = render(Outcome((finding,), "registry", root=tmp_path), "github")
    annotation, summary = out.splitlines()
    assert summary == "1 error, 0 warnings, 0 info (against registry)"
    assert_no_forged_line(out)
    match = re.fullmatch(r"::error (?P<props>[^:]*)::(?P<data>.*)", annotation)
    assert match, annotation
    props = dict(prop.split("=", 1) for prop in match["props"].split(","))
    assert list(props) == ["file", "line", "col", "title"]  # no property smuggled in
    assert _unescape_property(props["file"]) == file and props["line"] == "3"
    assert _unescape_property(props["title"]) == f"{rule.id} {rule.name}"
    assert _unescape_data(match["data"]) == f"{escape(message)}\nstrategy: {rule.strategy}"
    assert "100%25 sure, key: value %250A\\r\\n::error file=x::" in match["data"]


# -- what other commands print from files and the database -----------------------------------------

def test_a_hand_edited_generated_file_is_shown_escaped_by_generate_check(tmp_path: Path) -> None:
    """A generated file is committed, so anyone may edit it: `generate --check` shows its diff
    with the control and bidi characters escaped, each diff line still a line."""
    project = tmp_path / "shop"
    shutil.copytree(EXAMPLES / "shop", project)
    edited = project / "generated" / "sql" / "001_event_store.sql"
    edited.write_text(edited.read_text() + HOSTILE + "\n")
    result = CliRunner().invoke(cli, ["-C", str(project), "generate", "--check"])
    assert result.exit_code == 1, result.output
    assert_no_forged_line(result.output)
    assert "+x\\x1b[2K\\x07\\r" in result.output or "-x\\x1b[2K\\x07\\r" in result.output


def test_an_upcaster_counter_example_is_three_lines_whatever_its_values_hold() -> None:
    from escodegen.upcast.verify import Mismatch

    shown = str(Mismatch("Placed", 1, json.dumps({"n": HOSTILE}, ensure_ascii=False),
                         HOSTILE, f"ERROR: invalid input syntax: \"{HOSTILE}\"\nLINE 1: x"))
    assert len(shown.splitlines()) == 3
    assert_no_forged_line(shown)
