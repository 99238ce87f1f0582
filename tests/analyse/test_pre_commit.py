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

import pytest
import yaml

from tests.analyse.helpers import heavy_imports
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


def assert_hook_passes(repo: Path, tmp: Path, hook_name: str) -> None:
    passed = pre_commit(repo, tmp)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert hook_name in passed.stdout and "Passed" in passed.stdout


def escodegen(project: Path, *args: str) -> None:
    subprocess.run([str(VENV_BIN / "escodegen"), "-C", str(project), *args], check=True,
                   capture_output=True)


def git_repo_with(project: Path, *hook_ids: str) -> None:
    """Make `project` a git repository (everything staged) whose pre-commit config runs the hooks."""
    config = {"repos": [{"repo": "local", "hooks": hooks(*hook_ids)}]}
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "add", "."], cwd=project, check=True)


def test_escodegen_check_hook(shop: Path, tmp_path: Path) -> None:
    escodegen(shop, "publish")
    git_repo_with(shop, "escodegen-check")
    assert_hook_passes(shop, tmp_path, "escodegen check")
    order = shop / "events" / "order.yaml"
    # An edit of published versions (v1 and v2 alike, so the chain itself stays consistent).
    order.write_text(order.read_text().replace("totalAmount: decimal", "totalAmount: integer"))
    failed = pre_commit(shop, tmp_path)
    assert failed.returncode == 1
    assert "ESD120 OrderPlaced.v1" in failed.stdout and "ESD110 OrderPlaced.v1.totalAmount" in failed.stdout


def test_the_check_hook_does_not_import_the_generators(shop: Path) -> None:
    """`check` runs on every commit: like `validate`, it must not load what only generating
    and migrating need."""
    escodegen(shop, "publish")
    assert heavy_imports("-C", str(shop), "check") == []


def test_a_cached_check_loads_no_upcast_operation_nor_yaml(
        shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the model cached and nothing changed, `check` judges no change: the upcast
    operations (imported where a change is judged) and PyYAML stay unloaded."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    escodegen(shop, "publish")
    escodegen(shop, "check")  # fills the cache
    probe = (
        "import sys\n"
        "from escodegen.cli import main\n"
        "try:\n"
        f"    main(['-C', {str(shop)!r}, 'check'])\n"
        "except SystemExit as e:\n"
        "    print('EXIT', e.code)\n"
        "print('LOADED', sorted(m for m in sys.modules if m == 'yaml'\n"
        "                       or m.startswith('escodegen.upcast')))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    assert "EXIT 0" in out and "LOADED []" in out, out


def test_escodegen_generate_check_hook(shop: Path, tmp_path: Path) -> None:
    escodegen(shop, "generate")
    git_repo_with(shop, "escodegen-generate-check")
    assert_hook_passes(shop, tmp_path, "escodegen generate --check")

    # A hand edit of a generated file: the hook fails and names the file.
    sql = shop / "generated" / "sql" / "003_upcasters.sql"
    sql.write_text(sql.read_text(encoding="utf-8") + "-- edited by hand\n", encoding="utf-8")
    edited = pre_commit(shop, tmp_path)
    assert edited.returncode == 1, edited.stdout
    assert "Failed" in edited.stdout
    assert "stale: generated/sql/003_upcasters.sql" in edited.stdout
    assert "-- edited by hand" in edited.stdout  # the diff shows what generate would undo
    assert "stale: generated/shop_events" not in edited.stdout  # only the edited file
    subprocess.run(["git", "checkout", "--", "."], cwd=shop, check=True)
    assert pre_commit(shop, tmp_path).returncode == 0

    # A declaration changed without re-generating: the hook fails and names the stale files.
    items = shop / "events" / "order.yaml"
    items.write_text(items.read_text(encoding="utf-8").replace(
        "fields: {orderId: uuid, sku: string, quantity: integer}",
        "fields: {orderId: uuid, sku: string, quantity: integer, giftWrap: boolean?}"),
        encoding="utf-8")
    assert subprocess.run(["git", "diff", "--quiet"], cwd=shop, check=False).returncode == 1
    changed = pre_commit(shop, tmp_path)
    assert changed.returncode == 1, changed.stdout
    assert "stale: generated/shop_events/events/order_item_added.py" in changed.stdout
    assert "out of date; run `escodegen generate`" in changed.stdout
