"""Upcast chains to prove: every operation with tricky parameters, and chains of operations.

Each entry is an event whose version 2 applies the listed operations to version 1; the
renderers read only the operations, so the declared fields stay empty here (the chain check
has its own tests).
"""

from __future__ import annotations

from escodegen.model import Event, EventVersion
from escodegen.model.ops import (
    Add,
    Convert,
    Default,
    Join,
    Map,
    Move,
    Remove,
    Rename,
    Split,
    UpcastOp,
    Variant,
)


def _event(name: str, *steps: tuple[UpcastOp, ...]) -> Event:
    versions = [EventVersion(1, ())]
    versions += [EventVersion(n, (), upcast=ops) for n, ops in enumerate(steps, start=2)]
    return Event(name, tuple(versions))


SEPARATORS = [" ", ".", "|", "*", "\\", "é", ", ", "'", "ab", "$^"]

EVENTS: list[Event] = [
    _event("AddScalar", (Add(("a",), "standard"),)),
    _event("AddNested", (Add(("holder", "a"), {"x": [1, 2.5, None, "ü"]}),)),
    _event("AddNull", (Add(("b",), None),)),
    _event("DefaultTop", (Default(("a",), 0),)),
    _event("DefaultNested", (Default(("holder", "b"), "x'y"),)),
    _event("RenameTop", (Rename(("a",), ("b",)),)),
    _event("RenameNested", (Rename(("holder", "a"), ("holder", "b")),)),
    _event("RemoveTop", (Remove(("a",)),)),
    _event("RemoveNested", (Remove(("holder", "a")),)),
    *[_event(f"Split{i}", (Split(("name",), (("a",), ("b",)), sep),))
      for i, sep in enumerate(SEPARATORS)],
    _event("SplitThree", (Split(("name",), (("a",), ("b",), ("c",)), " "),)),
    _event("SplitNested", (Split(("holder", "name"), (("holder", "a"), ("b",)), ","),)),
    *[_event(f"Join{i}", (Join((("a",), ("b",)), ("name",), sep),))
      for i, sep in enumerate([*SEPARATORS, ""])],
    _event("JoinNested", (Join((("holder", "a"), ("b",), ("c",)), ("holder", "name"), "-"),)),
    _event("MapNoElse", (Map(("a",), (("1", "one"), ("true", True), ("x'y", None), ("", 0))),)),
    _event("MapElse", (Map(("holder", "a"), (("standard", "gold"), ("1.50", [1])), True, "other"),)),
    *[_event(f"Convert{to.title()}", (Convert(("a",), to),))
      for to in ("string", "integer", "number", "decimal", "boolean")],
    _event("ConvertNested", (Convert(("holder", "a"), "integer"),)),
    _event("MoveUnnest", (Move(("holder", "a"), ("a",)),)),
    _event("MoveNest", (Move(("a",), ("holder", "a")),)),
    _event("MoveDeep", (Move(("holder", "holder", "a"), ("b", "c", "name")),)),
    _event("MoveIntoItself", (Move(("holder",), ("holder", "holder")),)),
    _event("VariantTop", (Variant(("method",), "kind", "card",
                                  (Rename(("number",), ("pan",)), Default(("brand",), "ü'"),
                                   Split(("name",), (("a",), ("b",)), " "),
                                   Map(("a",), (("1", "one"),), True, "x"))),)),
    _event("VariantNested", (Variant(("holder", "method"), "kind", "card",
                                     (Move(("holder", "a"), ("b",)), Convert(("name",), "integer"),
                                      Remove(("number",)), Add(("c",), {"é": [1]}))),)),
    _event("VariantInVariant",
           (Variant(("method",), "kind", "card",
                    (Variant(("holder",), "type", "é'x", (Join((("a",), ("b",)), ("name",), "-"),)),
                     Rename(("holder",), ("a",)))),
            Variant(("method",), "kind", "cash", (Add(("a",), None),))),
           (Rename(("method",), ("holder",)),
            Variant(("holder",), "kind", "card", (Remove(("a",)),)))),
    _event("Chain",
           (Split(("name",), (("a",), ("b",)), " "), Convert(("b",), "integer"),
            Default(("b",), -1)),
           (Join((("a",), ("c",)), ("name",), "/"), Map(("name",), (("x", "y"),), True, "z"),
            Move(("name",), ("holder", "name"))),
           (Rename(("holder",), ("c",)), Add(("holder",), {}), Remove(("b",)))),
]
