"""The built wheel carries the meta-schemas and templates: installed into a fresh venv, it works."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_venv_and_validates_the_example(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist),
                    str(ROOT)], check=True)
    [wheel] = dist.glob("escodegen-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True)
    # Run from a folder outside the checkout, without the checkout on PYTHONPATH, so nothing
    # can be found through the source tree.
    clean = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    work = tmp_path / "work"
    work.mkdir()
    result = subprocess.run(
        [str(env_dir / "bin" / "escodegen"), "-C", str(EXAMPLES / "shop"), "validate"],
        cwd=work, env=clean, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in result.stdout
    probe = "import escodegen.resources as r; print(r.data_dir('schemas'), r.data_dir('templates'))"
    files = subprocess.run([str(python), "-c", probe],
                           cwd=work, env=clean, capture_output=True, text=True, check=True).stdout
    assert "site-packages/escodegen/_data/schemas" in files
    assert "site-packages/escodegen/_data/templates" in files
    # psycopg is an extra: the plain install generates, and a command that connects says so.
    assert subprocess.run([str(python), "-c", "import psycopg"], cwd=work, env=clean, check=False,
                          capture_output=True).returncode == 1
    shop = tmp_path / "shop"
    shutil.copytree(EXAMPLES / "shop", shop, ignore=shutil.ignore_patterns("generated"))
    escodegen = str(env_dir / "bin" / "escodegen")
    generated = subprocess.run([escodegen, "-C", str(shop), "generate"], cwd=work, env=clean,
                               capture_output=True, text=True, check=False)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert (shop / "generated" / "shop_events" / "_runtime.py").is_file()
    migrate = subprocess.run([escodegen, "-C", str(shop), "migrate", "events", "--dsn",
                              "postgresql://nowhere/db"], cwd=work, env=clean, capture_output=True,
                             text=True, check=False)
    assert migrate.returncode == 2
    assert "pip install 'escodegen[postgres]'" in migrate.stderr
