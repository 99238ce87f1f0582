"""The command line: exit codes, formats, -C/--project, init, and the fast path's imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from escodegen import __version__
from escodegen.cli import cli, main
from tests.command_tree import DSN_COMMANDS, LEAVES, required_arguments
from tests.conftest import EXAMPLES


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_validate_json_lists_every_diagnostic_with_its_position() -> None:
    result = CliRunner().invoke(
        cli, ["-C", str(EXAMPLES / "broken" / "projection_columns"), "validate", "--format", "json"])
    assert result.exit_code == 1
    payload = json.loads(result.output)
    assert payload["ok"] is False
    assert [(d["code"], d["line"], d["column"]) for d in payload["diagnostics"]] == [
        ("ES403", 7, 3), ("ES403", 11, 7), ("ES402", 11, 50)]
    assert all(d["file"] == "declarations.yaml" and d["hint"] for d in payload["diagnostics"])


def test_project_option_and_usage_errors() -> None:
    ok = CliRunner().invoke(cli, ["--project", str(EXAMPLES / "shop" / "escodegen.yaml"), "validate"])
    assert ok.exit_code == 0 and "valid" in ok.output
    assert CliRunner().invoke(cli, ["validate", "--format", "xml"]).exit_code == 2
    assert CliRunner().invoke(cli, ["no-such-command"]).exit_code == 2


def test_missing_project_file_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "validate"])
    assert result.exit_code == 1 and "ES006" in result.output


def test_init_scaffolds_a_project_that_validates(tmp_path: Path) -> None:
    target = tmp_path / "bank"
    created = CliRunner().invoke(cli, ["init", str(target)])
    assert created.exit_code == 0, created.output
    result = CliRunner().invoke(cli, ["-C", str(target), "validate"])
    assert result.exit_code == 0, result.output
    again = CliRunner().invoke(cli, ["init", str(target)])
    assert again.exit_code == 1 and "already exists" in again.output


def test_validate_does_not_import_the_generators() -> None:
    probe = (
        "import sys\n"
        "from escodegen.cli import main\n"
        "try:\n"
        f"    main(['-C', {str(EXAMPLES / 'shop')!r}, 'validate'])\n"
        "except SystemExit as e:\n"
        "    assert e.code in (0, None), e.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "               ('datamodel_code_generator', 'sqlglot', 'jinja2', 'psycopg'))\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr


def test_a_bug_is_reported_in_one_line_not_a_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import escodegen.check

    def broken(_: Path) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(escodegen.check, "compile_project", broken)
    monkeypatch.delenv("ESCODEGEN_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        main(["-C", str(EXAMPLES / "shop"), "validate"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 3
    assert "internal error: RuntimeError: boom" in err and "Traceback" not in err
    monkeypatch.setenv("ESCODEGEN_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["-C", str(EXAMPLES / "shop"), "validate"])


def test_objects_are_frozen_at_exit_so_the_last_collections_skip_them() -> None:
    """The interpreter collects again over everything alive when it ends: `main` freezes it
    first (at exit only: the collector works as usual until then)."""
    probe = (
        "import atexit, gc\n"
        "from escodegen.cli import main\n"
        "atexit.register(lambda: print('FROZEN AT EXIT', gc.get_freeze_count() > 1000))\n"
        "try:\n"
        f"    main(['-C', {str(EXAMPLES / 'shop')!r}, 'validate'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('FROZEN BEFORE', gc.get_freeze_count())\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "FROZEN BEFORE 0" in out.stdout and "FROZEN AT EXIT True" in out.stdout, out.stdout


def test_every_command_with_a_dsn_finds_some() -> None:
    assert {"stats", "doctor", "migrate archive", "migrate restore"} <= set(DSN_COMMANDS)


@pytest.mark.parametrize("command", DSN_COMMANDS)
@pytest.mark.parametrize("dsn", ["nonsense", "host='unterminated", "postgresql://%zz"])
def test_an_unparseable_dsn_is_a_usage_error_of_every_command(
        tmp_path: Path, command: str, dsn: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Parsed by libpq when the option is read: exit 2 naming --dsn, before anything runs
    (no project here, so a command that got further would answer something else)."""
    monkeypatch.delenv("ESCODEGEN_DSN", raising=False)
    placeholders = required_arguments(LEAVES[command], but="dsn")
    with pytest.raises(SystemExit) as exit_info:
        main(["-C", str(tmp_path), *command.split(), "--dsn", dsn, *placeholders])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2, err
    assert "Invalid value for '--dsn'" in err and "Traceback" not in err
    monkeypatch.setenv("ESCODEGEN_DSN", dsn)
    with pytest.raises(SystemExit) as exit_info:
        main(["-C", str(tmp_path), *command.split(), *placeholders])
    assert exit_info.value.code == 2 and "(from $ESCODEGEN_DSN)" in capsys.readouterr().err


def test_an_unknown_rule_is_shown_escaped_on_one_line() -> None:
    result = CliRunner().invoke(cli, ["explain", "ESD\nerror ES999: forged"])
    assert result.exit_code == 2
    assert "ESD\\nerror ES999: forged" in result.output
    assert not any(line.startswith("error ES999") for line in result.output.splitlines())
