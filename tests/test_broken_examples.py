"""Every error class has a broken example whose exact diagnostics (code and position) are held here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from escodegen.cli import cli
from tests.conftest import EXAMPLES

BROKEN = sorted(p for p in (EXAMPLES / "broken").iterdir() if p.is_dir())


def validate(project: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["-C", str(project), "validate"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    lines = [line for line in result.output.splitlines() if re.search(r": (error|warning) ES", line)]
    return result.exit_code, lines


def validate_declarations(folder: Path, declarations: str) -> tuple[int, list[str]]:
    """`validate` on a project of one declaration file, `d.yaml`."""
    (folder / "escodegen.yaml").write_text("escodegen: 1\nname: p\nsources: [d.yaml]\n")
    (folder / "d.yaml").write_text(declarations)
    return validate(folder)


@pytest.mark.parametrize("case", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_example_reports_exactly_its_errors(case: Path) -> None:
    code, lines = validate(case)
    expected = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert code == 1
    assert lines == expected


def test_every_error_code_of_the_front_half_has_a_broken_example() -> None:
    seen = {re.search(r"(ES[0-9]+)", line).group(1)
            for case in BROKEN for line in (case / "expected.txt").read_text().splitlines()}
    assert {"ES001", "ES002", "ES003", "ES004", "ES005", "ES008", "ES009", "ES010", "ES011",
            "ES101", "ES201", "ES202", "ES203",
            "ES204", "ES205", "ES206", "ES208", "ES301", "ES401", "ES402", "ES403", "ES405", "ES406"} <= seen


def test_the_shop_example_is_valid() -> None:
    code, lines = validate(EXAMPLES / "shop")
    assert (code, lines) == (0, [])


def test_pii_on_a_projection_column_is_a_warning_not_silently_ignored(tmp_path: Path) -> None:
    code, lines = validate_declarations(tmp_path, (
        "events:\n  Registered:\n    subject: id\n"
        "    versions: {1: {fields: {id: uuid, email: {type: string, pii: true}}}}\n"
        "projections:\n  people:\n    key: [id]\n"
        "    columns: {id: uuid, email: {type: string, pii: true}}\n"
        "    on: {Registered: {upsert: {id: $.id, email: $.email}}}\n"))
    assert code == 0
    assert lines == ["d.yaml:8:25: warning ES101: `pii` on column people.email has no effect"]


def test_pii_marked_in_some_versions_only_is_a_warning(tmp_path: Path) -> None:
    code, lines = validate_declarations(tmp_path, (
        "events:\n  Registered:\n    subject: id\n    versions:\n"
        "      1: {fields: {id: uuid, email: string, home: {type: object, fields: {city: string}}}}\n"
        "      2:\n"
        "        fields:\n"
        "          id: uuid\n"
        "          email: {type: string, pii: true}\n"
        "          home: {type: object, fields: {city: {type: string, pii: true}}}\n"))
    assert code == 0
    tail = "without `pii: true`, which another version has; a purge leaves its stored values"
    assert lines == [f"d.yaml:5:30: warning ES304: Registered v1 declares email {tail}",
                     f"d.yaml:5:75: warning ES304: Registered v1 declares home.city {tail}"]


def test_subject_names_a_field_of_the_latest_version(tmp_path: Path) -> None:
    code, lines = validate_declarations(tmp_path, (
        "events:\n  Registered:\n    subject: customerId\n    versions:\n"
        "      1: {fields: {customerId: uuid, email: string}}\n"
        "      2:\n"
        "        upcast: [{rename: {from: customerId, to: id}}]\n"
        "        fields: {id: uuid, email: string}\n"))
    assert code == 1
    assert lines == [("d.yaml:2:3: error ES207: Registered names subject 'customerId', which its "
                      "latest version v2 does not declare")]
