"""The loader: positions, YAML 1.2 scalars, and the shapes PyYAML would accept silently."""

from __future__ import annotations

from pathlib import Path

from escodegen.diagnostics import Report, Span
from escodegen.load.yaml_source import load_yaml_text


def load(text: str) -> tuple[object, Report]:
    report = Report()
    doc = load_yaml_text(text, "f.yaml", Path("f.yaml"), report)
    return doc, report


def test_every_value_and_key_keeps_its_line_and_column() -> None:
    doc, report = load("events:\n  A:\n    versions: {1: {fields: {x: string}}}\n")
    assert not report.diagnostics and doc is not None
    assert doc.span(("events", "A")) == Span("f.yaml", 3, 5)
    assert doc.key_span(("events", "A")) == Span("f.yaml", 2, 3)
    assert doc.span(("events", "A", "versions", "1", "fields", "x")) == Span("f.yaml", 3, 32)
    # a path below a located node falls back to the nearest ancestor
    assert doc.span(("events", "A", "missing", "deeper")) == Span("f.yaml", 3, 5)


def test_scalars_follow_yaml_1_2_so_on_and_yes_stay_strings() -> None:
    doc, _ = load("on: yes\nv: [1, 0x10, 1.5, ~, true, '1', 2024-01-01, no]\n1: x\n")
    assert doc.data == {"on": "yes", "v": [1, 16, 1.5, None, True, "1", "2024-01-01", "no"],
                        "1": "x"}


def test_duplicate_keys_are_errors_at_the_second_key() -> None:
    _, report = load("a: 1\nb:\n  c: 1\n  c: 2\n")
    [d] = report.diagnostics
    assert (d.code, d.span, d.message) == ("ES002", Span("f.yaml", 4, 3),
                                           "duplicate key 'c' (first at line 3)")


def test_aliases_are_expanded_but_counted() -> None:
    doc, report = load("a: &x {k: 1}\nb: *x\n")
    assert doc.data == {"a": {"k": 1}, "b": {"k": 1}} and not report.diagnostics
    bomb = "a: &a [" + ",".join(["x"] * 50) + "]\n" + "".join(
        f"{n}: &{n} [" + ",".join([f"*{p}"] * 50) + "]\n" for p, n in zip("abcd", "bcde"))
    _, report = load(bomb)
    assert [d.code for d in report.diagnostics] == ["ES003"]


def test_recursive_alias_and_complex_keys_and_several_documents_are_refused() -> None:
    for text in ("a: &a [*a]\n", "? [a]\n: b\n", "a: 1\n---\nb: 2\n"):
        doc, report = load(text)
        assert doc is None and [d.code for d in report.diagnostics] == ["ES008"], text


def test_deep_nesting_is_an_error_not_a_stack_overflow() -> None:
    doc, report = load("a: " + "[" * 5000 + "]" * 5000)
    assert doc is None and [d.code for d in report.diagnostics] in (["ES003"], ["ES001"])
