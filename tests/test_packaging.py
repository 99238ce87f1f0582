"""psycopg is an optional dependency (`escodegen[postgres]`): every command that works without a
database runs without it, and the ones that connect say which extra to install. The manifest
records every library that shapes the output, so upgrading one marks the output stale."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT

# `import psycopg` raises ImportError, as it does where the driver is not installed.
_WITHOUT_PSYCOPG = (
    "import sys\n"
    "sys.modules['psycopg'] = None\n"
    "from escodegen.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def _run(*args: str, cwd: Path, without_psycopg: bool = False,
         pythonpath: str = str(ROOT)) -> subprocess.CompletedProcess[str]:
    code = _WITHOUT_PSYCOPG if without_psycopg else (
        "import sys\nfrom escodegen.cli import main\nsys.exit(main(sys.argv[1:]))\n")
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True,
                          text=True, check=False,
                          env={"PYTHONPATH": pythonpath, "PATH": "/usr/bin:/bin"})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "shop"
    shutil.copytree(EXAMPLES / "shop", target, ignore=shutil.ignore_patterns("generated"))
    subprocess.run(["git", "init", "-q"], cwd=target, check=True)
    return target


def test_commands_without_a_database_run_without_psycopg(project: Path) -> None:
    for args in (["validate"], ["generate"], ["generate", "--check"], ["check"],
                 ["migrate", "events", "--out", "m.sql"],
                 ["migrate", "purge", "--subject", "8d9c4f43-0d0f-4a53-9a57-7e1f4b0e8f11",
                      "--out", "p.sql"]):
        result = _run(*args, cwd=project, without_psycopg=True)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        assert "psycopg" not in result.stderr, args


@pytest.mark.parametrize(("args", "command"), [
    (["migrate", "events", "--dsn", "postgresql://nowhere/db"], "migrate events --dsn"),
    (["migrate", "purge", "--subject", "42", "--dsn", "postgresql://nowhere/db"],
     "migrate purge --dsn"),
    (["verify-upcasters", "--dsn", "postgresql://nowhere/db"], "verify-upcasters"),
])
def test_commands_that_connect_name_the_extra_when_psycopg_is_missing(
        project: Path, args: list[str], command: str) -> None:
    result = _run(*args, cwd=project, without_psycopg=True)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"error: {command} connects to PostgreSQL and needs psycopg" in result.stderr
    assert "pip install 'escodegen[postgres]'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("tool", "target", "out"), [
    ("sqlglot", "postgres", "sql"), ("jinja2", "postgres", "sql"),
    ("jinja2", "python", "shop_events"), ("datamodel_code_generator", "python", "shop_events"),
])
def test_a_changed_tool_version_makes_generate_render_again(
        project: Path, tmp_path: Path, tool: str, target: str, out: str) -> None:
    """The inputs digest covers the version of every library that shapes the output, so after
    an upgrade `generate` renders again (and `--check` compares a fresh rendering) instead of
    taking the files for current."""
    assert _run("generate", "--target", target, cwd=project).returncode == 0
    manifest = project / "generated" / out / "escodegen-manifest.json"
    before = json.loads(manifest.read_text())
    name = tool.replace("_", "-")
    assert before["tools"][name] != "999.0"
    # An upgrade as importlib.metadata sees it: a newer distribution first on the path.
    upgraded = tmp_path / "upgraded"
    info = upgraded / f"{tool}-999.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 999.0\n")
    again = _run("generate", "--target", target, cwd=project, pythonpath=f"{upgraded}:{ROOT}")
    assert again.returncode == 0, again.stderr
    after = json.loads(manifest.read_text())
    assert after["tools"][name] == "999.0"
    assert after["inputs"] != before["inputs"]
