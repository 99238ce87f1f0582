from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real command line in a fresh interpreter (what a user runs)."""
    code = ("import sys\n"
            "from escodegen.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True,
                          text=True, env=env, check=False)


@pytest.fixture(scope="session")
def generated_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/shop generated once for the session (read-only for tests); the project root."""
    import shutil

    target = tmp_path_factory.mktemp("shop") / "shop"
    shutil.copytree(ROOT / "examples" / "shop", target,
                    ignore=shutil.ignore_patterns("generated"))
    result = run_cli("generate", "--target", "python", cwd=target)
    assert result.returncode == 0, result.stderr
    return target


@pytest.fixture(scope="session")
def shop_events(generated_shop: Path) -> Iterator[ModuleType]:
    """The generated package, imported."""
    sys.path.insert(0, str(generated_shop / "generated"))
    try:
        yield importlib.import_module("shop_events")
    finally:
        sys.path.remove(str(generated_shop / "generated"))


@pytest.fixture(scope="session")
def generated_pydantic_shop(generated_shop: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/shop with `models: pydantic`, generated once as package `shop_models`."""
    import shutil

    project = tmp_path_factory.mktemp("pydantic_shop") / "shop"
    shutil.copytree(generated_shop, project, ignore=shutil.ignore_patterns("generated"))
    config = project / "escodegen.yaml"
    text = config.read_text()
    dataclasses = "{out: generated/shop_events, package: shop_events, models: dataclasses}"
    assert dataclasses in text
    config.write_text(text.replace(
        dataclasses, "{out: generated/shop_models, package: shop_models, models: pydantic}"))
    result = run_cli("generate", "--target", "python", cwd=project)
    assert result.returncode == 0, result.stderr
    return project


@pytest.fixture(scope="session")
def shop_models(generated_pydantic_shop: Path) -> Iterator[ModuleType]:
    """The pydantic-mode package, imported."""
    sys.path.insert(0, str(generated_pydantic_shop / "generated"))
    try:
        yield importlib.import_module("shop_models")
    finally:
        sys.path.remove(str(generated_pydantic_shop / "generated"))
