"""`convert {field, to}`.

to string: numbers become their decimal digits (no exponent, trailing zeros kept, never "-0"),
booleans "true"/"false". to integer: numbers round half away from zero, numeral strings
(`-?[0-9]+(.[0-9]+)?`, at most 1000 characters) likewise, booleans 1/0. to number/decimal:
numeral strings become numbers with their digits kept, booleans 1/0. to boolean: "true"/"false",
numbers (0 is false). Every other value (absent, null, objects, arrays, other text) is unchanged.
"""

from __future__ import annotations

from decimal import Decimal

from escodegen.model import FieldType
from escodegen.model.ops import Convert
from escodegen.model.shape import Shape
from escodegen.model.types import STRING_KINDS
from escodegen.sqltext import literal
from escodegen.upcast import paths
from escodegen.upcast.operations.base import (
    Arguments,
    Converts,
    Docs,
    Example,
    Loss,
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

NUMERAL = r"^-?[0-9]+(\.[0-9]+)?$"
"""The strings that convert to numbers; the Python template uses the same pattern."""
NUMERAL_MAX_LENGTH = 1000

CONVERT_TARGETS = ("string", "integer", "number", "decimal", "boolean")
"""The types `convert` can produce (its `to`)."""


def conversion_loss(source: str, to: str) -> Loss | None:
    """How converting stored `source` values to `to` fails or loses information, for `diff`:
    (a stored value, what becomes of it, partial: some values stay unconverted), or None when
    every value converts exactly."""
    if source in STRING_KINDS and to in ("integer", "number", "decimal", "boolean"):
        return '"abc"', f'stays "abc", which does not decode as {to}', True
    if source in ("number", "decimal") and to == "integer":
        example = "2.5" if source == "number" else '"2.5"'
        return example, "becomes 3 (rounded)", False
    if source in ("integer", "number", "decimal") and to == "boolean":
        example = "2" if source != "decimal" else '"2"'
        return example, "becomes true, like 1 (the number is lost)", False
    if source == "decimal" and to == "number":
        return ('"0.10000000000000000001"',
                "becomes a binary floating-point number (0.1 to most readers)", False)
    return None


def parse(args: Arguments) -> Convert:
    return Convert(args.path("field"), args.values["to"], span=args.span)


def shape(op: Convert, shape: PayloadShape, step: Step) -> bool:
    slot = step.read_scalar(shape, op, op.field)
    if slot is None:
        return True
    shape.set(op.field, Shape(FieldType(op.to), slot.required, produced_by=describe(op),
                              nullable=slot.nullable))
    return True


def meaning(op: Convert) -> Meaning:
    return Converts(op.field, conversion_loss)


def python(op: Convert) -> list[str]:
    function = "_to_number" if op.to == "decimal" else f"_to_{op.to}"
    return [f"value = {py_get(op.field)}",
            "if value is not None:",
            *indent([py_set(op.field, f"{function}(value)")])]


def sql(op: Convert, data: str) -> str:
    value = paths.get(data, op.field)
    text = paths.get_text(data, op.field)
    kind = paths.type_of(data, op.field)
    numeral = (f"{kind} = 'string' AND length({text}) <= {NUMERAL_MAX_LENGTH} "
               f"AND {text} ~ {literal(NUMERAL)}")

    def write(expression: str) -> str:
        return paths.set_(data, op.field, expression)

    from_boolean = write(f"(CASE WHEN {value} = 'true'::jsonb THEN '1' ELSE '0' END)::jsonb")
    if op.to == "string":
        branches = [f"WHEN {kind} IN ('number', 'boolean') THEN {write(paths.string(text))}"]
    elif op.to == "integer":
        branches = [f"WHEN {kind} = 'number' THEN {write(f'round({value}::numeric)::text::jsonb')}",
                    f"WHEN {kind} = 'boolean' THEN {from_boolean}",
                    f"WHEN {numeral} THEN {write(f'round({text}::numeric)::text::jsonb')}"]
    elif op.to in ("number", "decimal"):
        branches = [f"WHEN {kind} = 'boolean' THEN {from_boolean}",
                    f"WHEN {numeral} THEN {write(f'{text}::numeric::text::jsonb')}"]
    else:  # boolean
        to_true, to_false = write("'true'::jsonb"), write("'false'::jsonb")
        nonzero = f"(CASE WHEN {value}::numeric <> 0 THEN 'true' ELSE 'false' END)::jsonb"
        branches = [f"WHEN {kind} = 'number' THEN {write(nonzero)}",
                    f"WHEN {value} = '\"true\"'::jsonb THEN {to_true}",
                    f"WHEN {value} = '\"false\"'::jsonb THEN {to_false}"]
    return f"(CASE {' '.join(branches)} ELSE {data} END)"


def _example(to: str, before: object, after: object) -> Example:
    return Example(f"{{convert: {{field: a, to: {to}}}}}", {"a": before}, {"a": after})


CONVERT = Operation(
    name="convert", type=Convert, parse=parse,
    paths=lambda op: Paths(reads=(op.field,), writes=(op.field,)), shape=shape,
    loses="digits when rounding to integer, a number's value when it becomes a boolean, "
          "exactness of decimals made numbers; values that do not convert stay unconverted",
    meaning=meaning, summary=describe, python=python, sql=sql,
    docs=Docs("`convert {field, to}`", r"""Changes a value's JSON representation (`to`: `string`, `integer`, `number`, `decimal`,
`boolean`). A value that cannot be converted, and absent, null, objects and arrays, stay as
they are.

| value | to string | to integer | to number / decimal | to boolean |
|---|---|---|---|---|
| `"12.50"` | `"12.50"` | `13` | `12.50` | unchanged |
| `"-2.5"` | `"-2.5"` | `-3` | `-2.5` | unchanged |
| `"007"` | `"007"` | `7` | `7` | unchanged |
| `"1e5"`, `"abc"`, `" 1"`, `"+1"` | unchanged | unchanged | unchanged | unchanged |
| `"true"` / `"false"` | unchanged | unchanged | unchanged | `true` / `false` |
| `2.5` | `"2.5"` | `3` | unchanged | `true` |
| `1.50E+3` | `"1500"` | `1500` | unchanged | `true` |
| `-0.0` | `"0.0"` | `0` | unchanged | `false` |
| `true` | `"true"` | `1` | `1` | unchanged |
| `null`, absent, `{}`, `[]` | unchanged | unchanged | unchanged | unchanged |

* **Numeral strings** are exactly `-?[0-9]+(\.[0-9]+)?` (ASCII digits, no spaces, no `+`, no
  exponent), at most 1000 characters.
* **Numbers to text** use PostgreSQL's notation: plain digits, no exponent, trailing zeros
  kept, never `-0`.
* **To integer** rounds half away from zero (PostgreSQL's `round(numeric)`, Python's
  `ROUND_HALF_UP`), with no size limit.
* **To boolean** from a number: `0` is false, anything else true. From text only the exact
  strings `"true"` and `"false"`.

Check: the field must exist (ES311) and be a scalar (ES315); the result has type `to`, and
version N must declare it so (ES310). A change of *meaning* is not a conversion: see
[the chain check](chain-check.md).

## What `diff` says about a convert

`escodegen diff` and `check` cover a type change made by `convert` (ESD116) only when every
stored value converts exactly. Otherwise the change is a warning, ESD170, with a stored value
that does not: a *partial* conversion leaves some values as they were (text to a number or a
boolean: `"abc"` stays `"abc"` and then fails to decode), a *lossy* one changes what they say
(number or decimal to integer rounds `2.5` to `3`; a number to boolean makes `2` and `1` both
`true`; decimal to number goes through binary floating point). Remedies: decide the other values
in a `custom` upcaster declaring `changes: [field]`, keep the type, or, when every stored value
is known to convert, ignore the finding with that reason. A conversion that needs no upcaster
at all is a safe widening (integer -> number, enum -> string, anything -> json: ESD117).
""", (
        _example("integer", "12.50", 13),
        _example("integer", "-2.5", -3),
        _example("number", "007", 7),
        _example("integer", "1e5", "1e5"),
        _example("boolean", "true", True),
        _example("boolean", "yes", "yes"),
        _example("string", Decimal("2.5"), "2.5"),
        _example("string", Decimal("1.50E+3"), "1500"),
        _example("string", Decimal("-0.0"), "0.0"),
        _example("boolean", Decimal("-0.0"), False),
        _example("integer", True, 1),
        _example("string", None, None),
        Example("{convert: {field: holder.a, to: integer}}", {"holder": {"a": Decimal("2.5")}},
                {"holder": {"a": 3}}),
    )),
)
