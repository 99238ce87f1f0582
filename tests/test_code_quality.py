"""escodegen's own code meets the bar it sets for the code it generates: ruff clean, and the
package passes mypy (the generated code's mypy --strict gate is in tests/emit_python)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_ruff_finds_nothing() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache",
                             "escodegen", "tests", "benchmarks", "devtools"],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing_in_the_package() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "escodegen"],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
