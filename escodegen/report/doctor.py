"""`escodegen doctor`'s report: one line per checklist item, as text or JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from escodegen.printable import escape

Status = Literal["pass", "warn", "fail", "skip"]


@dataclass(frozen=True)
class Item:
    """The outcome of one checklist item: its stable id, status and a one-line reason."""

    id: str
    status: Status
    message: str


def as_text(items: list[Item]) -> str:
    """A line per item; its message (quoting names and values of the declarations and the
    database) `escape`d, so it stays one line."""
    width = max((len(item.id) for item in items), default=0)
    lines = [f"{item.status:<4}  {item.id.ljust(width)}  {escape(item.message)}" for item in items]
    counts = {s: sum(1 for i in items if i.status == s) for s in ("pass", "warn", "fail", "skip")}
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items()))
    return "\n".join(lines) + "\n"


def as_json(items: list[Item]) -> dict[str, Any]:
    return {"items": [{"id": i.id, "status": i.status, "message": i.message} for i in items],
            "failed": any(i.status == "fail" for i in items)}
