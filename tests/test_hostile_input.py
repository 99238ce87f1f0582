"""No input, however malformed or hostile, gets a traceback, a hang or a write outside the project."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escodegen.cli import cli
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
