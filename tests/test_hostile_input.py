"""No input, however malformed or hostile, gets a traceback, a hang or a write outside the project."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escodegen.cli import cli, main
from tests.conftest import EXAMPLES

SHOP_FILES = sorted((EXAMPLES / "shop").rglob("*.yaml"))


def run_validate(project: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-C", str(project), "validate", "--format", "json"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"exception escaped the CLI: {result.exception!r}\n{result.output}")
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_a_50_mb_file_is_refused_before_it_is_parsed(shop: Path) -> None:
    big = shop / "events" / "big.yaml"
    with big.open("w") as f:
        f.write("events:\n")
        line = "  # " + "x" * 1000 + "\n"
        for _ in range(50_000):
            f.write(line)
    code, output = run_validate(shop)
    assert code == 1 and '"ES003"' in output and "big.yaml" in output


def test_a_symbolic_link_out_of_the_project_is_refused(shop: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("events: {}\n")
    os.symlink(outside, shop / "events" / "linked.yaml")
    code, output = run_validate(shop)
    assert code == 1 and '"ES005"' in output


def test_output_folders_outside_the_project_are_refused(shop: Path) -> None:
    config = shop / "escodegen.yaml"
    config.write_text(config.read_text().replace("out: generated/sql", "out: /tmp/escaped"))
    code, output = run_validate(shop)
    assert code == 1 and '"ES005"' in output and "/tmp/escaped" in output


mutation = st.tuples(
    st.sampled_from(SHOP_FILES),
    st.lists(
        st.tuples(
            st.sampled_from(["insert", "delete", "replace"]),
            st.floats(0, 1),
            st.sampled_from(["{", "}", "[", "]", ":", "-", "&a", "*a", "!!python/object:os.system",
                             "\t", "\n", "  ", "?", "\x00", "\x85", "'", '"', "é", "$.", "<<: *a",
                             "~", "1", "versions", "upcast", "fields", "'\\u0000'", "#"]),
        ),
        min_size=1, max_size=6,
    ),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=mutation)
def test_mutated_yaml_never_crashes_the_cli(tmp_path: Path, case: tuple[Path, list]) -> None:
    source, edits = case
    project = tmp_path / "p"
    if project.exists():
        shutil.rmtree(project)
    shutil.copytree(EXAMPLES / "shop", project, ignore=shutil.ignore_patterns("generated"))
    target = project / source.relative_to(EXAMPLES / "shop")
    text = target.read_text(encoding="utf-8")
    for action, where, token in edits:
        at = int(where * len(text))
        if action == "insert":
            text = text[:at] + token + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + len(token):]
        else:
            text = text[:at] + token + text[at + len(token):]
    target.write_text(text, encoding="utf-8")
    code, _ = run_validate(project)
    assert code in (0, 1)


VALUE_CASES = {
    "nan-added": ("upcast: [{add: {field: n, value: .nan}}]", "ES010"),
    "inf-default": ("upcast: [{default: {field: n, value: -.inf}}]", "ES010"),
    "overflowing-float": ("upcast: [{add: {field: n, value: 1e400}}]", "ES010"),
    "5000-digit-integer": ("upcast: [{add: {field: n, value: " + "7" * 5000 + "}}]", "ES010"),
    "nul-in-a-description": ('description: "a\\0b"', "ES009"),
    "binary-tag": ("description: !!binary aGVsbG8=", "ES008"),
    "python-object-tag": ("description: !!python/object:os.system ls", "ES008"),
    "unknown-tag": ("description: !evil x", "ES008"),
}


@pytest.mark.parametrize("case", sorted(VALUE_CASES))
def test_values_json_cannot_hold_and_tags_are_errors_with_positions(
        tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Through `main`, as a user runs it: exit 1 and a diagnostic, never exit 3."""
    line, code = VALUE_CASES[case]
    (tmp_path / "escodegen.yaml").write_text("escodegen: 1\nname: p\nsources: [d.yaml]\n")
    (tmp_path / "d.yaml").write_text(
        "events:\n  Counted:\n    versions:\n      1: {fields: {id: uuid}}\n"
        f"      2:\n        {line}\n        fields: {{id: uuid, n: number}}\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["-C", str(tmp_path), "validate"])
    assert exit_info.value.code == 1
    assert re.search(rf"^d\.yaml:6:[0-9]+: error {code}: ", capsys.readouterr().err, re.MULTILINE)
