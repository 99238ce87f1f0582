"""The loader: positions, YAML 1.2 scalars, and the shapes PyYAML would accept silently."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from escodegen.diagnostics import Report, Span
from escodegen.sources import yaml_source
from escodegen.sources.yaml_source import load_yaml_text


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


def codes_and_spans(text: str) -> list[tuple[str, Span | None]]:
    doc, report = load(text)
    assert doc is None or not report.has_errors
    return [(d.code, d.span) for d in report.diagnostics]


def at(line: int, column: int) -> Span:
    return Span("f.yaml", line, column)


def test_tags_other_than_str_map_and_seq_are_refused_not_ignored() -> None:
    assert codes_and_spans("a: !!binary aGVsbG8=\nb: !evil {x: 1}\n"
                           "c: !!python/object:os.system [ls]\n!!int d: 1\n") == [
        ("ES008", at(1, 4)), ("ES008", at(2, 4)), ("ES008", at(3, 4)), ("ES008", at(4, 1))]
    doc, report = load("a: !!str 12\nb: !!map {c: !!seq [1]}\nd: ! x\n")
    assert doc is not None and not report.diagnostics
    assert doc.data == {"a": "12", "b": {"c": [1]}, "d": "x"}


def test_nul_in_a_value_or_a_key_is_refused() -> None:
    assert codes_and_spans('a: "x\\0y"\n"k\\x00": 1\nb: [ok, "\\u0000"]\n') == [
        ("ES009", at(1, 4)), ("ES009", at(2, 1)), ("ES009", at(3, 9))]


def test_a_lone_surrogate_is_refused_by_the_pure_python_parser_too(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # libyaml refuses the escape as a syntax error; PyYAML's own parser accepts it.
    assert [code for code, _ in codes_and_spans('a: "\\ud800"\n')] == ["ES001"]
    monkeypatch.setattr(yaml_source, "_Parser", yaml.SafeLoader)
    assert codes_and_spans('a: "\\ud800"\n') == [("ES009", at(1, 4))]


def test_numbers_json_cannot_hold_are_refused() -> None:
    digits = yaml_source.MAX_INTEGER_DIGITS
    assert codes_and_spans(f"a: [.nan, .inf, -.inf, +.Inf, 1e400, -1e400]\n"
                           f"b: {'9' * (digits + 1)}\nc: 0x{'f' * digits}\n") == [
        ("ES010", at(1, 5)), ("ES010", at(1, 11)), ("ES010", at(1, 17)), ("ES010", at(1, 24)),
        ("ES010", at(1, 31)), ("ES010", at(1, 38)), ("ES010", at(2, 4)), ("ES010", at(3, 4))]
    doc, report = load(f"a: {'9' * digits}\nb: '.nan'\nc: 1e300\nd: 0x{'f' * 100}\n")
    assert doc is not None and not report.diagnostics
    assert doc.data["b"] == ".nan" and doc.data["d"] == 16 ** 100 - 1


def test_scalars_resolve_only_when_the_whole_text_matches() -> None:
    assert yaml_source.resolve_scalar("1\n") == "1\n"
    assert yaml_source.resolve_scalar("null\n") == "null\n"
