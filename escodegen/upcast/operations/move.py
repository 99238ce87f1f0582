"""`move {from, to}` and `rename {from, to}`: one meaning, two names (docs/upcast/move.md).

When `from` is present (even as null) its value goes to `to`: objects on the way to `to` are
created, and objects that `from` leaves empty are removed. An absent `from` changes nothing.
"""

from __future__ import annotations

from dataclasses import replace

from escodegen.model.ops import Move, Rename
from escodegen.pytext import py_literal, py_str
from escodegen.upcast import paths
from escodegen.upcast.operations.base import (
    Docs,
    Example,
    Meaning,
    Moves,
    Operation,
    Paths,
    Step,
    indent,
)
from escodegen.upcast.shape import PayloadShape, dotted


def shape(op: Move, shape: PayloadShape, step: Step) -> bool:
    slot = step.read(shape, op, op.source)
    if slot is None:
        return True
    required = shape.required_all_the_way(op.source)
    taken = shape.take(op.source)
    if not step.free(shape, op, op.target, creating=True):
        shape.put(op.source, taken)  # leave the shape as it was for the next checks
        return True
    shape.put(op.target, replace(taken, required=required))
    return True


def meaning(op: Move) -> Meaning:
    return Moves(op.source, op.target)


def summary(op: Move) -> str:
    return f"{op.name} {dotted(op.source)} -> {dotted(op.target)}"


def python(op: Move) -> list[str]:
    if len(op.source) == 1 and len(op.target) == 1:
        source, target = op.source[0], op.target[0]
        return [f"if {py_str(source)} in d:",
                *indent([f"d[{py_str(target)}] = d.pop({py_str(source)})"])]
    source, target = py_literal(op.source), py_literal(op.target)
    return [f"if _has(d, {source}):", *indent([f"_put(d, {target}, _take(d, {source}))"])]


def sql(op: Move, data: str) -> str:
    moved = paths.put(paths.take(data, op.source), op.target, paths.get(data, op.source))
    return f"(CASE WHEN {paths.get(data, op.source)} IS NULL THEN {data} ELSE {moved} END)"


def _paths(op: Move) -> Paths:
    return Paths(reads=(op.source,), writes=(op.source, op.target))


_LOSES = "nothing: the value is kept, at `to`"

MOVE: Operation[Move] = Operation(
    name="move", type=Move,
    parse=lambda args: Move(args.path("from"), args.path("to"), span=args.span),
    paths=_paths, shape=shape, loses=_LOSES, meaning=meaning, summary=summary, python=python,
    sql=sql,
    docs=Docs("`move {from, to}`", """Moves a value between dotted paths: nesting (`a` -> `holder.a`), un-nesting (`holder.a` -> `a`)
or both. When `from` is present (even as null): the value is taken out, every enclosing object
that this leaves empty is removed, then the value is written at `to`, creating the objects on
the way (a non-object found on the way is replaced by a new object). An absent `from` changes
nothing. [`rename`](rename.md) is the same operation.

```yaml
upcast:
  - move: {from: shippingInfo.address, to: address}
  - move: {from: shippingInfo.carrier, to: carrier}
```

| before | after both moves |
|---|---|
| `{"shippingInfo": {"address": "1 Main St", "carrier": "DHL"}}` | `{"address": "1 Main St", "carrier": "DHL"}` |
| `{"shippingInfo": {"address": "x", "carrier": "y", "note": 1}}` | `{"address": "x", "carrier": "y", "shippingInfo": {"note": 1}}` |
| `{"shippingInfo": {"address": null}}` | `{"address": null}` |
| `{"shippingInfo": "n/a"}` | unchanged |

Nesting: `move {from: a, to: holder.a}` on `{"a": 1, "holder": "text"}` gives
`{"holder": {"a": 1}}`. A path into its own value works: `move {from: holder, to: holder.old}`
wraps the object.

Check: `from` must exist (ES311), `to` must not (ES303), and no declared field on the way to `to` may be a non-object (ES311: a payload without `from` would keep it, so the next version could not declare an object there). The value keeps its type; it is required
at `to` when it and all its parents were required at `from`; objects created on the way are
declared objects in version N. An object already on the way to `to` becomes required when the
value is; if it was optional, the move may create it holding the value alone, so its other
fields become optional. An object that `from` leaves with optional fields only becomes optional
(a payload without them leaves it empty, and it is removed).
""", (
        Example("{move: {from: holder.a, to: a}}", {"holder": {"a": 1}}, {"a": 1}),
        Example("{move: {from: holder.a, to: a}}", {"holder": {"a": 1, "b": 2}},
                {"a": 1, "holder": {"b": 2}}),
        Example("{move: {from: a, to: holder.a}}", {"a": None, "holder": "text"},
                {"holder": {"a": None}}),
        Example("{move: {from: holder, to: holder.old}}", {"holder": {"a": 1}},
                {"holder": {"old": {"a": 1}}}),
        Example("{move: {from: shippingInfo.address, to: address}}", {"shippingInfo": "n/a"},
                {"shippingInfo": "n/a"}),
    )),
)

RENAME: Operation[Rename] = Operation(
    name="rename", type=Rename,
    parse=lambda args: Rename(args.path("from"), args.path("to"), span=args.span),
    paths=_paths, shape=shape, loses=_LOSES, meaning=meaning, summary=summary, python=python,
    sql=sql,
    docs=Docs("`rename {from, to}`", """Exactly [`move`](move.md) under another name: use `rename` for a new name in the same object,
`move` for nesting and un-nesting. When `from` is present (even as null) its value goes to `to`
and `from` is removed; an absent `from` changes nothing.

```yaml
upcast:
  - rename: {from: mail, to: email}
```

| before | after |
|---|---|
| `{"mail": "a@b.c"}` | `{"email": "a@b.c"}` |
| `{"mail": null}` | `{"email": null}` |
| `{}` | `{}` |
| `{"holder": {"a": 1}}` with `holder.a -> holder.b` | `{"holder": {"b": 1}}` |

Check: `from` must exist at that point of the chain (ES311); `to` must not (ES303, "rename onto
an existing field"). The value keeps its type and optionality.

Python (top level): `if "mail" in d: d["email"] = d.pop("mail")`.
SQL: `CASE WHEN (data -> 'mail') IS NULL THEN data ELSE jsonb_set(data - 'mail', '{"email"}', data -> 'mail') END`
(`->` gives SQL NULL only for an absent key; a JSON null is the jsonb `null`).
""", (
        Example("{rename: {from: mail, to: email}}", {"mail": "a@b.c"}, {"email": "a@b.c"}),
        Example("{rename: {from: mail, to: email}}", {"mail": None}, {"email": None}),
        Example("{rename: {from: mail, to: email}}", {}, {}),
        Example("{rename: {from: holder.a, to: holder.b}}", {"holder": {"a": 1}},
                {"holder": {"b": 1}}),
    )),
)
