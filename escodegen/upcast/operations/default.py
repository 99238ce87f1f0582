"""`default {field, value}`: write `value` where `field` is absent or null."""

from __future__ import annotations

from dataclasses import replace

from escodegen.model.ops import Default
from escodegen.model.shape import Literal, Shape
from escodegen.pytext import py_literal
from escodegen.sqltext import jsonb
from escodegen.upcast import paths
from escodegen.upcast.operations.base import (
    Arguments,
    Docs,
    Example,
    Fills,
    Meaning,
    Operation,
    Paths,
    Step,
    describe,
    indent,
    py_get,
    py_set,
)
from escodegen.upcast.shape import PathError, PayloadShape, dotted


def parse(args: Arguments) -> Default:
    return Default(args.path("field"), args.values["value"], span=args.span)


def shape(op: Default, shape: PayloadShape, step: Step) -> bool:
    literal = Literal(op.value, describe(op), op.span)
    try:
        slot = shape.get(op.field)
    except PathError:
        if step.free(shape, op, op.field):
            shape.set(op.field, Shape(None, op.value is not None, literals=(literal,)))
        return True
    required = slot.required or op.value is not None
    nullable = slot.nullable and op.value is None  # a value replaces null too
    shape.set(op.field, replace(slot, required=required, nullable=nullable,
                                literals=(*slot.literals, literal)))
    return True


def meaning(op: Default) -> Meaning:
    return Fills(op.field, op.value, replaces=False)


def summary(op: Default) -> str:
    return f"default {dotted(op.field)} = {op.value!r}"


def python(op: Default) -> list[str]:
    return [f"if {py_get(op.field)} is None:",
            *indent([py_set(op.field, py_literal(op.value, fresh=True))])]


def sql(op: Default, data: str) -> str:
    missing = f"COALESCE({paths.type_of(data, op.field)}, 'null') = 'null'"
    return (f"(CASE WHEN {missing} THEN {paths.set_(data, op.field, jsonb(op.value))} "
            f"ELSE {data} END)")


DEFAULT = Operation(
    name="default", type=Default, parse=parse,
    paths=lambda op: Paths(reads=(op.field,), writes=(op.field,)), shape=shape,
    loses="nothing: it writes only where there was no value", meaning=meaning, summary=summary,
    python=python, sql=sql,
    docs=Docs("`default {field, value}`", """Writes `value` at `field` when the field is **absent or null**; any other value (including
`""`, `0`, `false`, `[]`) stays.

```yaml
upcast:
  - default: {field: currency, value: USD}
```

| before | after |
|---|---|
| `{}` | `{"currency": "USD"}` |
| `{"currency": null}` | `{"currency": "USD"}` |
| `{"currency": ""}` | `{"currency": ""}` |
| `{"currency": "EUR"}` | `{"currency": "EUR"}` |
| `{"holder": {"b": null}}` with `field: holder.b` | `{"holder": {"b": "USD"}}` |
| `{}` with `field: holder.b` | `{}` (no parent object: nothing is written) |

Check: the value must fit the declared type (ES312). After `default` with a non-null value the
field counts as required, which is how an optional field of version N-1 may become required in
version N.

Python: `if d.get("currency") is None: d["currency"] = "USD"`.
SQL: `CASE WHEN COALESCE(jsonb_typeof(data -> 'currency'), 'null') = 'null' THEN jsonb_set(...) ELSE data END`.
""", (
        Example("{default: {field: tier, value: standard}}", {}, {"tier": "standard"}),
        Example("{default: {field: tier, value: standard}}", {"tier": None}, {"tier": "standard"}),
        Example("{default: {field: tier, value: standard}}", {"tier": "gold"}, {"tier": "gold"}),
        Example("{default: {field: holder.b, value: \"x'y\"}}", {"holder": {"b": None}},
                {"holder": {"b": "x'y"}}),
        Example("{default: {field: holder.b, value: \"x'y\"}}", {}, {}, "no object to write into"),
    )),
)
