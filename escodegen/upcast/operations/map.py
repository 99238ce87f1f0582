"""`map {field, values, else?}`.

A string, number or boolean is matched by its text against the keys of `values` (YAML keys are
always text: key "1" matches the string "1" and the number 1, key "true" matches true and
"true"); a match is replaced by its value; a non-match gets `else` when there is one, else stays.
Absent, null, objects and arrays are left unchanged.
"""

from __future__ import annotations

from decimal import Decimal

from escodegen.model import FieldType
from escodegen.model.ops import Map
from escodegen.model.shape import Literal, Shape
from escodegen.pytext import py_literal, py_str
from escodegen.sqltext import jsonb, literal
from escodegen.upcast import paths
from escodegen.upcast.operations.base import (
    Arguments,
    Docs,
    Example,
    Maps,
    Meaning,
    Operation,
    Paths,
    Step,
    describe,
    indent,
    py_get,
    py_set,
)
from escodegen.upcast.shape import PayloadShape


def parse(args: Arguments) -> Map:
    values = args.values
    return Map(args.path("field"), tuple((str(k), v) for k, v in values["values"].items()),
               "else" in values, values.get("else"), span=args.span)


def shape(op: Map, shape: PayloadShape, step: Step) -> bool:
    slot = step.read_scalar(shape, op, op.field)
    if slot is None:
        return True
    keys = {key for key, _ in op.values}
    written = [Literal(value, describe(op), op.span) for _, value in op.values]
    if op.has_else:
        written.append(Literal(op.otherwise, describe(op), op.span))
        shape.set(op.field, Shape(None, slot.required, literals=tuple(written),
                                  nullable=slot.nullable))
        return True
    kept = tuple(lit for lit in slot.literals if not isinstance(lit.value, str)
                 or lit.value not in keys)
    base = slot.type
    if base is not None and base.kind == "enum":
        left = tuple(v for v in base.values if v not in keys)
        base = FieldType("enum", values=left) if left else None
    shape.set(op.field, Shape(base, slot.required, literals=(*kept, *written),
                              nullable=slot.nullable))
    return True


def meaning(op: Map) -> Meaning:
    return Maps(op.field, tuple(key for key, _ in op.values), op.has_else)


def python(op: Map) -> list[str]:
    lines = [f"key = _text({py_get(op.field)})"]
    for index, (key, value) in enumerate(op.values):
        keyword = "if" if index == 0 else "elif"
        lines += [f"{keyword} key == {py_str(key)}:", *indent([py_set(op.field, py_literal(value, fresh=True))])]
    if op.has_else:
        lines += ["elif key is not None:",
                  *indent([py_set(op.field, py_literal(op.otherwise, fresh=True))])]
    return lines


def sql(op: Map, data: str) -> str:
    branches = " ".join(f"WHEN {literal(key)} THEN {paths.set_(data, op.field, jsonb(value))}"
                        for key, value in op.values)
    otherwise = paths.set_(data, op.field, jsonb(op.otherwise)) if op.has_else else data
    scalar = f"{paths.type_of(data, op.field)} IN ('string', 'number', 'boolean')"
    return (f"(CASE WHEN {scalar} THEN (CASE {paths.get_text(data, op.field)} {branches} "
            f"ELSE {otherwise} END) ELSE {data} END)")


_TIER = "{map: {field: tier, values: {\"1\": standard, \"2\": premium}, else: standard}}"
_ODD = "{map: {field: a, values: {\"1\": one, \"true\": true, \"1.50\": [1]}}}"

MAP = Operation(
    name="map", type=Map, parse=parse,
    paths=lambda op: Paths(reads=(op.field,), writes=(op.field,)), shape=shape,
    loses="which of the values mapped to one value (or taken by `else`) was stored",
    meaning=meaning, summary=describe, python=python, sql=sql,
    docs=Docs("`map {field, values, else?}`", """Replaces a value by the one `values` gives for it. A string, number or boolean is matched **by
its text** against the keys of `values` (YAML mapping keys are always text):

* a string by its content: key `"gold"` matches `"gold"`;
* a number by its digits as PostgreSQL prints them (no exponent, trailing zeros kept): key
  `"1"` matches `1` and `"1"`, key `"1.50"` matches `1.50` and `"1.50"` but not `1.5`;
* a boolean as `true` / `false`: key `"true"` matches `true` and `"true"`.

A match is replaced by its value (any YAML value). A present string/number/boolean with no
match gets `else` if given, otherwise stays. **Absent, null, objects and arrays are never
changed** (`else` does not apply to them); key `null` matches only the string `"null"`.

```yaml
upcast:
  - map: {field: tier, values: {1: standard, 2: premium, gold: premium}, else: standard}
```

| before | after |
|---|---|
| `{"tier": 1}` | `{"tier": "standard"}` |
| `{"tier": "2"}` | `{"tier": "premium"}` |
| `{"tier": "silver"}` | `{"tier": "standard"}` (else) |
| `{"tier": null}` / `{}` | unchanged |

Check: the field must exist (ES311) and be a scalar (ES315). Every value written (and `else`)
must fit the declared type (ES312); without `else`, unmatched values pass through, so the
field's previous type must still fit (for an enum, its values minus the mapped keys): mapping a
`string` to an `enum` needs `else`.

Python: `key = _text(value)` then an `if/elif` chain on `key`. SQL: `CASE (data ->> 'tier') WHEN '1' THEN ... END`
under `jsonb_typeof(...) IN ('string', 'number', 'boolean')`.
""", (
        Example(_TIER, {"tier": 1}, {"tier": "standard"}),
        Example(_TIER, {"tier": "2"}, {"tier": "premium"}),
        Example(_TIER, {"tier": "silver"}, {"tier": "standard"}, "else"),
        Example(_TIER, {"tier": None}, {"tier": None}),
        Example(_TIER, {}, {}),
        Example(_ODD, {"a": 1}, {"a": "one"}),
        Example(_ODD, {"a": "true"}, {"a": True}),
        Example(_ODD, {"a": True}, {"a": True}),
        Example(_ODD, {"a": Decimal("1.50")}, {"a": [1]}),
        Example(_ODD, {"a": Decimal("1.5")}, {"a": Decimal("1.5")}),
    )),
)
