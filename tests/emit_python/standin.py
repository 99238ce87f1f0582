"""A private stand-in for `escodegen.upcast.python_upcasters`, used only until the upcast
stage provides it: enough of add/default/rename/remove/split/move for examples/shop."""

from __future__ import annotations

from escodegen.model import Event
from escodegen.model.naming import snake
from escodegen.upcast.ops import Add, Default, Move, Remove, Rename, Split

_HELPERS = '''
def _pop(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    for part in path[:-1]:
        data = data.get(part) or {}
    return data.pop(path[-1], None)


def _put(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        data = data.setdefault(part, {})
    data[path[-1]] = value
'''


def _op(op: object) -> list[str]:
    if isinstance(op, Add):
        return [f"_put(data, {op.field!r}, {op.value!r})"]
    if isinstance(op, Default):
        return [f"if _pop(dict(data), {op.field!r}) is None:",
                f"    _put(data, {op.field!r}, {op.value!r})"]
    if isinstance(op, Rename | Move):
        return [f"_put(data, {op.target!r}, _pop(data, {op.source!r}))"]
    if isinstance(op, Remove):
        return [f"_pop(data, {op.field!r})"]
    if isinstance(op, Split):
        n = len(op.into)
        lines = [f"parts = str(_pop(data, {op.source!r}) or '').split({op.separator!r}, {n - 1})",
                 f"parts += [''] * ({n} - len(parts))"]
        return lines + [f"_put(data, {p!r}, parts[{i}])" for i, p in enumerate(op.into)]
    raise NotImplementedError(type(op).__name__)


def python_upcasters(events: tuple[Event, ...]) -> str:
    out = ["from __future__ import annotations", "", "from collections.abc import Callable",
           "from typing import Any", "", _HELPERS]
    table = []
    for event in events:
        for version in event.versions[:-1]:
            name = f"_upcast_{snake(event.name)}_v{version.number}"
            body = []
            for later in event.versions[version.number:]:
                for op in later.upcast:
                    body.extend(_op(op))
            out.append(f"\ndef {name}(data: dict[str, Any]) -> dict[str, Any]:")
            out.extend("    " + line for line in body)
            out.append("    return data\n")
            table.append(f"    ({event.name!r}, {version.number}): {name},")
    out.append("\nUPCASTERS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {")
    out.extend(table)
    out.append("}")
    return "\n".join(out) + "\n"
