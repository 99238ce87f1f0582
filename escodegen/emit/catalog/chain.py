"""The upcast chain of an event as a picture, laid out at build time (no script draws it).

Versions are boxes in a column, oldest on top; every operation is one labelled edge, in the
order the operations run, with a dot for the payload between two operations. A version
reached without an operation (same shape, or an optional field added in place) gets one
dashed edge. The template `chain.svg.j2` draws what `layout` measures.
"""

from __future__ import annotations

from dataclasses import dataclass

from escodegen.analyse.browse import describe_op
from escodegen.model import Event

BOX_WIDTH, BOX_HEIGHT, EDGE = 64, 28, 40
CENTRE = 16 + BOX_WIDTH // 2
LABEL_X = CENTRE + 18
CHAR_WIDTH = 7.4
"""Width of one character of the 12px monospace labels; the picture is made wide enough."""
NO_OPERATION = "no operation (same shape or optional fields added)"


@dataclass(frozen=True)
class Box:
    number: int
    y: int


@dataclass(frozen=True)
class Edge:
    label: str
    y1: int
    y2: int
    dashed: bool
    dot: bool
    """Whether a dot (an intermediate payload) ends this edge instead of a version box."""


@dataclass(frozen=True)
class Chain:
    width: int
    height: int
    boxes: tuple[Box, ...]
    edges: tuple[Edge, ...]


def layout(event: Event) -> Chain:
    boxes, edges, y = [], [], 8
    longest = 0
    for version in event.versions:
        if version.number > 1:
            labels = [describe_op(op) for op in version.upcast] or [NO_OPERATION]
            for index, label in enumerate(labels):
                last = index == len(labels) - 1
                edges.append(Edge(label, y, y + EDGE, not version.upcast, not last))
                longest = max(longest, len(label))
                y += EDGE
        boxes.append(Box(version.number, y))
        y += BOX_HEIGHT
    width = int(LABEL_X + longest * CHAR_WIDTH + 16) if longest else CENTRE + BOX_WIDTH
    return Chain(max(width, 16 + BOX_WIDTH + 16), y + 8, tuple(boxes), tuple(edges))
