"""escodegen/pytext.py against ruff's formatter: what it writes is what `ruff format` leaves."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from escodegen.pytext import LINE_LENGTH, fit, py_literal, py_str, union

TEXTS = ["a", "it's", 'say "hi"', "both ' and \"", "both '' and \"", "both ' and \"\"",
         "back\\slash", "nl\n", "x'\n*/ $$y", "\u2028", "\x00\x1b", "é", "\\'", '\\"',
         "'\"\\'\"", "a\\", "\"\"\"\nimport os"]


def _unchanged_by_ruff(source: str, tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text(source)
    result = subprocess.run([sys.executable, "-m", "ruff", "format", "--isolated", "--no-cache",
                             "--diff", str(module)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_string_literals_keep_their_text_in_the_formatters_quotes(tmp_path: Path) -> None:
    for text in TEXTS:
        assert ast.literal_eval(py_str(text)) == text
    _unchanged_by_ruff("".join(f"x = {py_str(text)}\n" for text in TEXTS), tmp_path)


@pytest.mark.parametrize("name", ["Short", "A" * 40, "B" * 70])
def test_long_lines_are_split_as_the_formatter_keeps_them(name: str, tmp_path: Path) -> None:
    lines = [
        union(f"{name}Event: TypeAlias", [f"{name}{i}" for i in range(1, 4)]),
        union("Single: TypeAlias", [name]),
        "",
        "",
        fit(f"def upcast_{name.lower()}_from_v1(data: Payload) -> Payload:", first=True),
        "    return data",
        "",
        "",
        "TABLE = {",
        fit(f"    ({py_str(name)}, 1): upcast_{name.lower()}_from_v1,"),
        fit(f"    {py_str(name)}: (3, {name}),"),
        "}",
        fit(f"TYPES = ({name},)"),
        "",
        "",
        "def f(d: dict[str, object]) -> None:",
        fit(f'    _put(d, ("{name}", "b"), _take(d, ("{name}", "{name}", "c")))'),
        fit(f'    sources = [d.get("{name}"), _get(d, ("{name}", "{name}"))]'),
        fit(f'    d["{name}"] = {{"{name}": [1, 2.5, None, "{name}"], "b": "{name}"}}'),
    ]
    _unchanged_by_ruff("\n".join(lines) + "\n", tmp_path)


def test_a_line_that_fits_is_left_alone() -> None:
    line = "x = f(" + "a" * (LINE_LENGTH - 7) + ")"
    assert len(line) == LINE_LENGTH and fit(line) == line
    assert fit(line + " ") != line + " "


VALUES = ["a", "it's \"q\"", 0, -3, 1.5, 1e-07, True, None, [], [1], ["x", [2.25, {"k": None}]],
          {"a": [1, "b"], "n": 0.1}]


def test_py_literal_builds_the_value_as_a_constant_or_afresh() -> None:
    """Constants read back with tuples for sequences; fresh source builds lists and exact
    decimals, a new object each time it runs."""
    from decimal import Decimal

    def tuples(value: object) -> object:
        if isinstance(value, list):
            return tuple(tuples(v) for v in value)
        if isinstance(value, dict):
            return {k: tuples(v) for k, v in value.items()}
        return value

    def decimals(value: object) -> object:
        if isinstance(value, float):
            return Decimal(repr(value))
        if isinstance(value, list):
            return [decimals(v) for v in value]
        if isinstance(value, dict):
            return {k: decimals(v) for k, v in value.items()}
        return value

    for value in VALUES:
        assert ast.literal_eval(py_literal(value)) == tuples(value)
        source = py_literal(value, fresh=True)
        built = eval(source, {"Decimal": Decimal})
        assert built == decimals(value)
        if isinstance(value, list | dict):
            assert eval(source, {"Decimal": Decimal}) is not built
    assert py_literal(("a",)) == '("a",)'
    assert py_literal(()) == "()"
    with pytest.raises(TypeError):
        py_literal({1, 2})
