from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

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


def _imported(project: Path, package: str) -> Iterator[ModuleType]:
    """The package generated into `project`/generated, importable while the fixture lives."""
    folder = str(project / "generated")
    sys.path.insert(0, folder)
    try:
        yield importlib.import_module(package)
    finally:
        sys.path.remove(folder)


@pytest.fixture(scope="session")
def generated_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/shop generated once for the session (read-only for tests); the project root."""
    target = tmp_path_factory.mktemp("shop") / "shop"
    shutil.copytree(ROOT / "examples" / "shop", target,
                    ignore=shutil.ignore_patterns("generated"))
    result = run_cli("generate", "--target", "python", cwd=target)
    assert result.returncode == 0, result.stderr
    return target


@pytest.fixture(scope="session")
def shop_events(generated_shop: Path) -> Iterator[ModuleType]:
    """The generated package, imported."""
    yield from _imported(generated_shop, "shop_events")


def _shop_with_models(generated_shop: Path, folder: Path, package: str, models: str) -> Path:
    """examples/shop generated into `folder` as `package` with other `models`."""
    project = folder / "shop"
    shutil.copytree(generated_shop, project, ignore=shutil.ignore_patterns("generated"))
    config = project / "escodegen.yaml"
    text = config.read_text()
    dataclasses = "{out: generated/shop_events, package: shop_events, models: dataclasses}"
    assert dataclasses in text
    config.write_text(text.replace(
        dataclasses, f"{{out: generated/{package}, package: {package}, models: {models}}}"))
    result = run_cli("generate", "--target", "python", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no warning of datamodel-code-generator reaches the user
    return project


@pytest.fixture(scope="session")
def generated_pydantic_shop(generated_shop: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/shop with `models: pydantic`, generated once as package `shop_models`."""
    return _shop_with_models(generated_shop, tmp_path_factory.mktemp("pydantic_shop"),
                             "shop_models", "pydantic")


@pytest.fixture(scope="session")
def generated_msgspec_shop(generated_shop: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/shop with `models: msgspec`, generated once as package `shop_structs`."""
    return _shop_with_models(generated_shop, tmp_path_factory.mktemp("msgspec_shop"),
                             "shop_structs", "msgspec")


@pytest.fixture(scope="session")
def shop_models(generated_pydantic_shop: Path) -> Iterator[ModuleType]:
    """The pydantic-mode package, imported."""
    yield from _imported(generated_pydantic_shop, "shop_models")


@pytest.fixture(scope="session")
def shop_structs(generated_msgspec_shop: Path) -> Iterator[ModuleType]:
    """The msgspec-mode package, imported."""
    yield from _imported(generated_msgspec_shop, "shop_structs")


def order_class(shop_events: ModuleType) -> type[Any]:
    """The shop's Order aggregate, implemented on the generated base as a user would."""

    class Order(shop_events.OrderAggregate):  # type: ignore[name-defined,misc]
        def initial_state(self) -> Any:
            return shop_events.OrderState(status="new", total=Decimal(0), items=0)

        def apply_order_placed(self, event: Any) -> None:
            self.state.status, self.state.total = "placed", event.totalAmount

        def apply_order_submitted(self, event: Any) -> None:
            self.state.status, self.state.total = "placed", event.pricing.total

        def apply_order_item_added(self, event: Any) -> None:
            self.state.items += event.quantity

        def apply_order_shipped(self, event: Any) -> None:
            self.state.status = "shipped"

        def apply_order_cancelled(self, event: Any) -> None:
            self.state.status = "cancelled"

    return Order
