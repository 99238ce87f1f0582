"""`add {field, value}`: write `value` at `field`, whatever was there."""

from __future__ import annotations

from escodegen.model.ops import Add
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
    py_set,
)
from escodegen.upcast.shape import PayloadShape, dotted


def parse(args: Arguments) -> Add:
    return Add(args.path("field"), args.values["value"], span=args.span)


def shape(op: Add, shape: PayloadShape, step: Step) -> bool:
    if step.free(shape, op, op.field):
        literal = Literal(op.value, describe(op), op.span)
        shape.set(op.field, Shape(None, op.value is not None, literals=(literal,)))
    return True


def meaning(op: Add) -> Meaning:
    return Fills(op.field, op.value, replaces=True)


def summary(op: Add) -> str:
    return f"add {dotted(op.field)} = {op.value!r}"


def python(op: Add) -> list[str]:
    return [py_set(op.field, py_literal(op.value, fresh=True))]


def sql(op: Add, data: str) -> str:
    return paths.set_(data, op.field, jsonb(op.value))


ADD = Operation(
    name="add", type=Add, parse=parse, paths=lambda op: Paths(writes=(op.field,)), shape=shape,
    loses="what was at `field` before, if anything", meaning=meaning, summary=summary,
    python=python, sql=sql,
    docs=Docs("`add {field, value}`", """Writes `value` at `field`, whatever was there (absent, null or a value).

```yaml
upcast:
  - add: {field: tier, value: standard}
```

| before | after |
|---|---|
| `{"customerId": "c1"}` | `{"customerId": "c1", "tier": "standard"}` |
| `{"tier": null}` | `{"tier": "standard"}` |
| `{"tier": "gold"}` | `{"tier": "standard"}` (at runtime; the chain check rejects `add` of a field that exists in the previous version, ES303) |

* `value` may be any YAML value: string, number, boolean, null, list or mapping. Each upcast
  gets a fresh copy (a list added to many payloads is never shared).
* YAML floats are exact decimals in the output (`2.50` stays `2.50` in SQL, `Decimal("2.5")`
  in Python; equal as JSON).
* Nested `field`: written only if the parent object exists ([paths](paths.md)).
* Check: the value must fit the type version N declares (ES312): `add {field: tier, value: 5}`
  into `tier: enum[standard|premium]` is an error. NaN, infinity and text containing NUL are
  never accepted (PostgreSQL jsonb cannot hold them).

Python: `d["tier"] = "standard"`. SQL: `jsonb_set(data, '{"tier"}', '"standard"'::jsonb)`.
""", (
        Example("{add: {field: tier, value: standard}}", {"id": 1}, {"id": 1, "tier": "standard"}),
        Example("{add: {field: tier, value: standard}}", {"tier": "gold"}, {"tier": "standard"}),
        Example("{add: {field: holder.a, value: {x: [1, 2.5, null]}}}", {"holder": {}},
                {"holder": {"a": {"x": [1, 2.5, None]}}}),
        Example("{add: {field: holder.a, value: 1}}", {}, {}, "no object to write into"),
    )),
)
