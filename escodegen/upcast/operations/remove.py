"""`remove {field}`: delete the key if it is there."""

from __future__ import annotations

from escodegen.model.ops import Remove
from escodegen.upcast import paths
from escodegen.upcast.operations.base import (
    Arguments,
    Docs,
    Example,
    Meaning,
    Operation,
    Paths,
    Removes,
    Step,
    py_delete,
)
from escodegen.upcast.shape import PayloadShape, dotted


def parse(args: Arguments) -> Remove:
    return Remove(args.path("field"), span=args.span)


def shape(op: Remove, shape: PayloadShape, step: Step) -> bool:
    if step.read(shape, op, op.field) is not None:
        shape.delete(op.field)
    return True


def meaning(op: Remove) -> Meaning:
    return Removes(op.field)


def summary(op: Remove) -> str:
    return f"remove {dotted(op.field)}"


def python(op: Remove) -> list[str]:
    return [py_delete(op.field)]


def sql(op: Remove, data: str) -> str:
    return paths.delete(data, op.field)


REMOVE = Operation(
    name="remove", type=Remove, parse=parse, paths=lambda op: Paths(writes=(op.field,)),
    shape=shape, loses="the removed value", meaning=meaning, summary=summary, python=python,
    sql=sql,
    docs=Docs("`remove {field}`", """Deletes the key if it is there (whatever its value, null included); absent stays absent.

```yaml
upcast:
  - remove: {field: legacyCode}
```

| before | after |
|---|---|
| `{"legacyCode": "x", "a": 1}` | `{"a": 1}` |
| `{"legacyCode": null}` | `{}` |
| `{"a": 1}` | `{"a": 1}` |
| `{"holder": {"a": 1}}` with `holder.a` | `{"holder": {}}` (unlike `move`, the emptied object stays) |

Check: the field must exist at that point (ES311).

Python: `d.pop("legacyCode", None)`. SQL: `data - 'legacyCode'` (nested: `data #- '{holder,a}'`, guarded).
""", (
        Example("{remove: {field: a}}", {"a": 1, "b": 2}, {"b": 2}),
        Example("{remove: {field: a}}", {"b": 2}, {"b": 2}),
        Example("{remove: {field: holder.a}}", {"holder": {"a": 1}}, {"holder": {}}),
        Example("{remove: {field: holder.a}}", {"holder": [1]}, {"holder": [1]}),
    )),
)
