"""`variant {field, when: {tag: value}, upcast}`: operations on one variant of a tagged union.

When the value at `field` is an object whose `tag` key holds the string `value`, the operations
of `upcast` change that object as if it were the payload (their paths are relative to it);
anything else at `field` (absent, null, another variant, an unknown tag, not an object) stays.
The chain check follows the variant's record through them: after the chain, it must be the
new version's record of that variant.
"""

from __future__ import annotations

from typing import Any

from escodegen.model.ops import Custom, UpcastOp, Variant
from escodegen.model.shape import Shape
from escodegen.pytext import py_literal, py_str
from escodegen.sqltext import jsonb, literal
from escodegen.upcast import paths
from escodegen.upcast.operations.base import (
    Arguments,
    Declares,
    Docs,
    Example,
    Operation,
    Paths,
    Step,
    describe,
    indent,
)
from escodegen.upcast.shape import PayloadShape, dotted


def parse(args: Arguments) -> Variant | None:
    # The table imports this module: its parser is found when an entry is parsed.
    from escodegen.upcast.table import parse_operation

    ((tag, value),) = args.values["when"].items()
    ops: list[UpcastOp] = []
    for entry in args.values["upcast"]:
        op = parse_operation(entry, args.span, args.report)
        if isinstance(op, Custom):
            args.report.error("ES314", "a custom operation cannot run inside `variant` (it "
                              "works on whole payloads): write the variant's change in the "
                              "custom operation itself", args.span)
            return None
        if op is None:
            return None
        ops.append(op)
    return Variant(args.path("field"), str(tag), str(value), tuple(ops), span=args.span)


def shape(op: Variant, shape: PayloadShape, step: Step) -> bool:
    from escodegen.upcast.table import operation

    slot = step.read(shape, op, op.field)
    if slot is None:
        return True
    union = slot.type
    if union is None or union.kind != "union" or union.tag is None or slot.literals:
        step.error("ES315", op, f"{dotted(op.field)} is not a tagged union at that point")
        return True
    if union.tag != op.tag:
        step.error("ES315", op, f"the variants of {dotted(op.field)} are told apart by "
                   f"`{union.tag}`, not `{op.tag}`")
        return True
    record = union.variant(op.value)
    if record is None:
        known = ", ".join(tag for tag, _ in union.variants)
        step.error("ES315", op, f"{dotted(op.field)} has no variant `{op.value}` (its "
                   f"variants: {known})")
        return True
    changed = dict(slot.variant_shapes or {})
    inner = PayloadShape(dict(changed[op.value]) if op.value in changed
                         else PayloadShape.of(record.fields).fields)
    inside = Step(f"{step.event} {dotted(op.field)}<{op.value}>", step.version, step.report)
    for inner_op in op.ops:  # messages name the variant: `Paid method<card> v1->v2`
        if not operation(inner_op).shape(inner_op, inner, inside):
            return False
    changed[op.value] = inner.fields
    shape.set(op.field, Shape(slot.type, slot.required, slot.pii, slot.default,
                              nullable=slot.nullable, variant_shapes=changed))
    return True


def python(op: Variant) -> list[str]:
    from escodegen.upcast.table import operation

    # The operations' statements change `d`: it is the variant (a copy, already in its place)
    # while they run, and the payload again after; a name per depth keeps nested ones apart.
    outer = f"payload{_depth(op)}"
    inner = [line for inner_op in op.ops for line in operation(inner_op).python(inner_op)]
    return [f"variant = _variant(d, {py_literal(op.field)}, {py_str(op.tag)}, {py_str(op.value)})",
            "if variant is not None:",
            *indent([f"{outer}, d = d, variant", *inner, f"d = {outer}"])]


def _depth(op: Variant) -> int:
    """How many `variant` operations nest inside this one, at most."""
    return max((1 + _depth(inner) for inner in op.ops if isinstance(inner, Variant)), default=0)


def sql(op: Variant, data: str) -> str:
    from escodegen.upcast.table import operation

    value = paths.get(data, op.field)
    changed = value
    for inner_op in op.ops:
        changed = operation(inner_op).sql(inner_op, changed)
    # `->` on a non-object gives NULL, as does an absent tag; the tag compared as a JSON string.
    matches = (f"(jsonb_typeof{value} = 'object' AND ({value} -> {literal(op.tag)}) = "
               f"{jsonb(op.value)})")
    return f"(CASE WHEN {matches} THEN {paths.set_(data, op.field, changed)} ELSE {data} END)"


def summary(op: Variant) -> str:
    return describe(op)


_CARD = ("{variant: {field: method, when: {kind: card}, upcast: "
         "[{rename: {from: number, to: pan}}, {default: {field: brand, value: unknown}}]}}")
_NESTED = ("{variant: {field: payment.method, when: {kind: card}, upcast: "
           "[{remove: {field: cvv}}]}}")


def _examples() -> tuple[Example, ...]:
    card: dict[str, Any] = {"kind": "card", "number": "4242"}
    return (
        Example(_CARD, {"method": card}, {"method": {"kind": "card", "pan": "4242",
                                                     "brand": "unknown"}}),
        Example(_CARD, {"method": {"kind": "transfer", "number": "DE89"}},
                {"method": {"kind": "transfer", "number": "DE89"}}, "another variant"),
        Example(_CARD, {"method": {"kind": "crypto"}}, {"method": {"kind": "crypto"}},
                "an unknown tag"),
        Example(_CARD, {"method": None}, {"method": None}),
        Example(_CARD, {}, {}),
        Example(_CARD, {"method": {"number": "1"}}, {"method": {"number": "1"}}, "no tag"),
        Example(_NESTED, {"payment": {"method": {"kind": "card", "cvv": "123", "ü": "é"}}},
                {"payment": {"method": {"kind": "card", "ü": "é"}}}),
    )


VARIANT: Operation[Variant] = Operation(
    name="variant", type=Variant, parse=parse,
    paths=lambda op: Paths(reads=(op.field,), writes=(op.field,)), shape=shape,
    loses="what its operations lose, on the values of that variant",
    meaning=lambda op: Declares((op.field,)), summary=summary, python=python, sql=sql,
    docs=Docs("`variant {field, when: {tag: value}, upcast}`", """Runs operations on one variant of a [tagged union](../language.md#tagged-unions): when the
value at `field` is an object whose tag key (`kind` below) holds the string `card`, the
operations of `upcast` change that object as if it were the payload, so their paths are
relative to it. Anything else at `field` stays as it was: absent, null, another variant, an
unknown tag, an object without the tag, a value that is not an object.

```yaml
types:
  Card: {fields: {number: string}}
  CardV2: {fields: {pan: string, brand: string}}
events:
  Paid:
    versions:
      1:
        fields: {method: {type: union, tag: kind, variants: {card: Card, cash: {fields: {}}}}}
      2:
        upcast:
          - variant:
              field: method
              when: {kind: card}
              upcast:
                - rename: {from: number, to: pan}
                - default: {field: brand, value: unknown}
        fields: {method: {type: union, tag: kind, variants: {card: CardV2, cash: {fields: {}}}}}
```

| before | after |
|---|---|
| `{"method": {"kind": "card", "number": "4242"}}` | `{"method": {"kind": "card", "pan": "4242", "brand": "unknown"}}` |
| `{"method": {"kind": "cash"}}` | unchanged |
| `{"method": null}` / `{}` | unchanged |

Any operation but `custom` (which works on whole payloads) may be in `upcast`, `variant`
included (a union inside the variant).

Check: `field` must exist (ES311) and hold a tagged union whose tag is the `when` key and which
has that variant (ES315); the operations are checked on the variant's record (messages name it
`Paid method<card>`), and after the chain that record must be exactly the next version's record
of that variant (ES310, ES312, ES313 as for a payload, at paths such as `method<card>.pan`).
The other variants are carried over: they must fit the next version's as without an operation.
The tag itself is not a field of the record: an operation cannot read or write it.

Python: `variant = _variant(d, ("method",), "kind", "card")` gives the variant (copied, and put
in its place) or None; the operations then run on it. SQL:
`CASE WHEN jsonb_typeof(data -> 'method') = 'object' AND (data -> 'method' -> 'kind') = '"card"'
THEN jsonb_set(data, '{method}', <the operations on data -> 'method'>) ELSE data END`.
`diff` judges it as a change of `field` (ESD116).
""", _examples()),
)

