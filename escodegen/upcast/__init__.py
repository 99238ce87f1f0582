"""Upcast operations: each one a unit that knows its parameters, its effect on a version's
shape, its Python rendering and its SQL rendering, side by side so they cannot drift.

`parse_operation` turns a structurally valid YAML entry (`{split: {...}}`) into an op.
"""

from __future__ import annotations

from escodegen.upcast.ops import OPERATIONS, UpcastOp, parse_operation

__all__ = ["OPERATIONS", "UpcastOp", "parse_operation"]
