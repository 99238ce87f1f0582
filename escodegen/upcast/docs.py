"""The operation pages under docs/upcast/, made from each operation's unit
(escodegen/upcast/operations/<name>.py).

Regenerate with `python -m escodegen.upcast.docs docs/upcast`; a test fails when the committed
pages differ from what this module writes, and another runs every example through the
generated Python and the generated SQL.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from escodegen.diagnostics import Report, Span
from escodegen.model.ops import UpcastOp
from escodegen.upcast.operations.base import Example, Operation
from escodegen.upcast.shape import dotted
from escodegen.upcast.table import OPERATIONS, parse_operation

NOTICE = ("<!-- Generated from escodegen/upcast/operations/ by "
          "`python -m escodegen.upcast.docs docs/upcast`; do not edit. -->\n")


def example_op(example: Example) -> UpcastOp:
    """The operation an example declares, parsed as a declaration's would be."""
    report = Report()
    op = parse_operation(yaml.safe_load(example.op), Span("docs example", 1, 1), report)
    if op is None:
        raise ValueError(f"docs example {example.op} does not parse: {list(report)}")
    return op


def payload_json(value: Any) -> str:
    """A payload as readable JSON text, a Decimal with its exact digits."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {payload_json(v)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(payload_json(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _cell(text: str) -> str:
    return "`" + text.replace("|", "\\|") + "`"


def _paths(unit: Operation[Any], op: UpcastOp) -> str:
    paths = unit.paths(op)
    reads = ", ".join(dotted(p) for p in paths.reads) or "—"
    writes = ", ".join(dotted(p) for p in paths.writes) or "—"
    return f"{reads} / {writes}"


def page(unit: Operation[Any]) -> str:
    docs = unit.docs
    rows = ["| upcast | before | after | reads / writes |", "|---|---|---|---|"]
    for example in docs.examples:
        op = example_op(example)
        note = f" ({example.note})" if example.note else ""
        rows.append(f"| {_cell(example.op)} | {_cell(payload_json(example.before))} | "
                    f"{_cell(payload_json(example.after))}{note} | {_paths(unit, op)} |")
    parts = [
        NOTICE,
        f"# {docs.title}\n",
        docs.text,
        f"**Can lose:** {unit.loses}.\n",
        "## Examples\n\nEach row is a test: the payload before, upcast by the generated Python "
        "and by the generated SQL on PostgreSQL, gives the payload after.\n\n" + "\n".join(rows),
    ]
    if unit.docs.module is not None:
        name, source = unit.docs.module
        parts.append(f"The project module `{name}` these examples call:\n\n"
                     f"```python\n{source.rstrip()}\n```")
    return "\n\n".join(p.strip("\n") for p in parts) + "\n"


def pages() -> dict[str, str]:
    """File name -> content of every operation's page."""
    return {f"{name}.md": page(unit) for name, unit in OPERATIONS.items()}


def write(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in pages().items():
        (folder / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1]))
