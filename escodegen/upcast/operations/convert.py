"""`convert {field, to}` (docs/upcast/convert.md).

to string: numbers become their decimal digits (no exponent, trailing zeros kept, never "-0"),
booleans "true"/"false". to integer: numbers round half away from zero, numeral strings
(`-?[0-9]+(.[0-9]+)?`, at most 1000 characters) likewise, booleans 1/0. to number/decimal:
numeral strings become numbers with their digits kept, booleans 1/0. to boolean: "true"/"false",
numbers (0 is false). Every other value (absent, null, objects, arrays, other text) is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from escodegen.model import FieldPath, FieldType
from escodegen.model.types import STRING_KINDS, TypeKind
from escodegen.sqltext import literal
from escodegen.upcast import paths
from escodegen.upcast.operations.base import Step, UpcastOp, indent, py_get, py_set
from escodegen.upcast.shape import Shape, Slot

NUMERAL = r"^-?[0-9]+(\.[0-9]+)?$"
"""The strings that convert to numbers; the Python template uses the same pattern."""
NUMERAL_MAX_LENGTH = 1000

CONVERT_TARGETS = ("string", "integer", "number", "decimal", "boolean")
"""The types `convert` can produce (its `to`)."""


def conversion_loss(source: str, to: str) -> tuple[str, str, bool] | None:
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


@dataclass(frozen=True)
class Convert(UpcastOp):
    name: ClassVar[str] = "convert"
    field: FieldPath
    to: TypeKind

    def arguments(self) -> list[tuple[str, Any]]:
        return [("field", self.field), ("to", self.to)]

    def apply_shape(self, shape: Shape, step: Step) -> bool:
        slot = step.read_scalar(shape, self, self.field)
        if slot is None:
            return True
        shape.set(self.field, Slot(FieldType(self.to), slot.required, produced_by=self.describe()))
        return True

    def python(self) -> list[str]:
        function = "_to_number" if self.to == "decimal" else f"_to_{self.to}"
        return [f"value = {py_get(self.field)}",
                "if value is not None:",
                *indent([py_set(self.field, f"{function}(value)")])]

    def sql(self, data: str) -> str:
        value = paths.get(data, self.field)
        text = paths.get_text(data, self.field)
        kind = paths.type_of(data, self.field)
        numeral = (f"{kind} = 'string' AND length({text}) <= {NUMERAL_MAX_LENGTH} "
                   f"AND {text} ~ {literal(NUMERAL)}")

        def write(expression: str) -> str:
            return paths.set_(data, self.field, expression)

        from_boolean = write(f"(CASE WHEN {value} = 'true'::jsonb THEN '1' ELSE '0' END)::jsonb")
        if self.to == "string":
            branches = [f"WHEN {kind} IN ('number', 'boolean') THEN {write(paths.string(text))}"]
        elif self.to == "integer":
            branches = [f"WHEN {kind} = 'number' THEN {write(f'round({value}::numeric)::text::jsonb')}",
                        f"WHEN {kind} = 'boolean' THEN {from_boolean}",
                        f"WHEN {numeral} THEN {write(f'round({text}::numeric)::text::jsonb')}"]
        elif self.to in ("number", "decimal"):
            branches = [f"WHEN {kind} = 'boolean' THEN {from_boolean}",
                        f"WHEN {numeral} THEN {write(f'{text}::numeric::text::jsonb')}"]
        else:  # boolean
            to_true, to_false = write("'true'::jsonb"), write("'false'::jsonb")
            nonzero = f"(CASE WHEN {value}::numeric <> 0 THEN 'true' ELSE 'false' END)::jsonb"
            branches = [f"WHEN {kind} = 'number' THEN {write(nonzero)}",
                        f"WHEN {value} = '\"true\"'::jsonb THEN {to_true}",
                        f"WHEN {value} = '\"false\"'::jsonb THEN {to_false}"]
        return f"(CASE {' '.join(branches)} ELSE {data} END)"
