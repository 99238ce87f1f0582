"""The hooks of .pre-commit-hooks.yaml run by the real `pre-commit` on a git repo of the example.

The hook definitions are used as written (entry, files, pass_filenames) inside a `local` repo
with `language: system`, so the test runs the escodegen of this checkout instead of letting
pre-commit pip-install it from the network.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import ROOT

VENV_BIN = Path(sys.executable).parent


def hooks(*ids: str) -> list[dict[str, object]]:
    defined = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {h["id"] for h in defined} == {"escodegen-check", "escodegen-generate-check"}
    chosen = [dict(h, language="system") for h in defined if h["id"] in ids]
    assert all(h["pass_filenames"] is False for h in chosen)
    return chosen


def pre_commit(repo: Path, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
           "PRE_COMMIT_HOME": str(tmp / "pre-commit-home"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    return subprocess.run([str(VENV_BIN / "pre-commit"), "run", "--all-files"], cwd=repo, env=env,
                          capture_output=True, text=True, check=False)


def test_escodegen_check_hook(shop: Path, tmp_path: Path) -> None:
    config = {"repos": [{"repo": "local", "hooks": hooks("escodegen-check")}]}
    (shop / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    subprocess.run([str(VENV_BIN / "escodegen"), "-C", str(shop), "publish"], check=True,
                   capture_output=True)
    subprocess.run(["git", "init", "-q"], cwd=shop, check=True)
    subprocess.run(["git", "add", "."], cwd=shop, check=True)
    passed = pre_commit(shop, tmp_path)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "escodegen check" in passed.stdout and "Passed" in passed.stdout
    order = shop / "events" / "order.yaml"
    # An edit of published versions (v1 and v2 alike, so the chain itself stays consistent).
    order.write_text(order.read_text().replace("totalAmount: decimal", "totalAmount: integer"))
    failed = pre_commit(shop, tmp_path)
    assert failed.returncode == 1
    assert "ESD120 OrderPlaced.v1" in failed.stdout and "ESD110 OrderPlaced.v1.totalAmount" in failed.stdout
