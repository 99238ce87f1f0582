"""The one table of field types: what each type kind is in every target.

A type enters the language here. Every stage reads its facts from `TYPES` (the canonical JSON
Schema, the SQL column type, the Python annotation, the purge placeholder, ...) instead of
spelling the type out, and tests/test_types.py renders a project holding one field of every
kind through every target, so a kind a target does not handle fails there, not in a user's
project. Plain data: the renderers that turn it into text live with their targets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, TypeGuard, get_args

TypeKind = Literal[
    "string", "integer", "number", "decimal", "boolean", "uuid", "date", "datetime", "json",
    "object", "array", "enum", "map", "union", "tuple",
]
"""Every type a field may have: the scalars, then those built from parts (a map has string
keys and values of one type; a union is one of its variants, records told apart by a tag; a
tuple is an array whose items have a type per position, then any number of a `rest` type)."""

ModelMode = Literal["dataclasses", "pydantic"]
"""How the Python target writes event classes (`python.models`); a new mode is a new key of
every `PythonType.annotation` mapping."""

LiteralKind = Literal["boolean", "integer", "number", "string", "array", "object"]
"""What a YAML literal is as JSON (null apart: it fits any optional column)."""

JsonKind = Literal["string", "number", "boolean", "object", "array", "null"]
"""What PostgreSQL's `jsonb_typeof` says of a value."""

DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
"""The text of a decimal: plain digits, no exponent (ECMA-262 and PostgreSQL agree on it)."""
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
"""RFC 4122's text form, the JSON Schema `uuid` format."""
DATE_PATTERN = r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$"
"""RFC 3339's full-date; year, month and day are groups 1 to 3."""
DATETIME_PATTERN = (r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
                    r"(\.[0-9]+)?([Zz]|([+-])([0-9]{2}):([0-9]{2}))$")
"""RFC 3339's date-time (the JSON Schema `date-time` format). Groups: 1-3 the date, 4-6 the
time, 7 the fraction, 8 the offset, 9 its sign, 10-11 its hours and minutes."""


@dataclass(frozen=True)
class PythonType:
    """A Python annotation and the module it is imported from (None: a builtin)."""

    text: str
    module: str | None = None


@dataclass(frozen=True)
class SqlCheck:
    """Whether a JSON value is a value of the type, as data for the validators: the boolean
    SQL expression `escodegen.emit.postgres.sqltext.conforms`, the payload validators of the
    SQL (`escodegen.emit.postgres.validation`) and of the generated Python (`_runtime`). Its
    `jsonb_typeof` is one of `json_kinds` (any when empty), and, when it is a number,
    `integral` asks for no fraction; when it is a string, its text matches `pattern` and, for
    `calendar`, names a real day (and a real second: 60 only at 23:59 UTC, the leap second
    RFC 3339 allows). `what` names a value of the type in a problem (`expected a uuid`)."""

    json_kinds: tuple[JsonKind, ...] = ()
    integral: bool = False
    pattern: str | None = None
    calendar: Literal["date", "datetime"] | None = None
    what: str = "a value"
    shape: str | None = None
    """A LIKE pattern (`_`: any one character) every text of the type has; PostgreSQL checks it
    before `sql_pattern`, which with it accepts exactly what `pattern` accepts, several times
    faster (PostgreSQL's regular expressions are slow on counted repetitions). Proven the same
    by tests/test_type_validators.py."""
    sql_pattern: str | None = None
    """What PostgreSQL matches after `shape` (None: `pattern`)."""
    undashed: str | None = None
    """A LIKE pattern the text matches with its dashes taken out, checked after `shape`: with
    it a `sql_pattern` of one character class (the cheapest regular expression PostgreSQL
    runs) suffices (a uuid: 32 characters left, so no dash but the shape's four)."""


PROBLEM_MISSING = "required field is missing"
"""The problems a payload validator reports (after `path: `), the same words in SQL and
Python: a required key that is absent,"""
PROBLEM_KIND = "expected {what}, got {got}"
"""a value of another JSON kind (`got`: `jsonb_typeof`'s name of it, `null` included),"""
PROBLEM_FRACTION = "expected {what}, got a fraction"
"""a number with a fraction where an integer is declared,"""
PROBLEM_FORMAT = "not {what}"
"""a string that does not match the type's pattern or calendar,"""
PROBLEM_ENUM = "not one of {values}"
"""a string that is not an enum member (`values`: the members as JSON strings, by commas),"""
PROBLEM_COUNT = "expected {count} items, got "
"""an array of another length than a closed tuple's positions (the length follows),"""
PROBLEM_COUNT_OR_MORE = "expected {count} items or more, got "
"""an array shorter than the positions of a tuple with a `rest` (the length follows)."""


@dataclass(frozen=True)
class TypeInfo:
    kind: TypeKind
    scalar: bool
    """One JSON scalar: what `map` and `convert` work on and what a projection column holds."""
    json_string: bool
    """Its JSON values are strings (a decimal's too: a number carried as exact text)."""
    text: bool
    """Its values are text: `split` and `join` read them, `convert` may find a non-numeral."""
    numeric: bool
    """A number: a projection column of it can be incremented."""
    schema: Mapping[str, Any] | None
    """Its canonical JSON Schema; None for object, array, enum and map, built from their parts."""
    json_format: str | None
    """The JSON Schema `format` naming it, read back from a published schema."""
    sql_type: str
    """The PostgreSQL column type of a projection column (and of a value cast for one)."""
    python: Mapping[ModelMode, PythonType] | None
    """The annotation in each model mode; None for those built from their parts."""
    purge_placeholder: Any
    """What a required field of the type holds after a purge (an optional one becomes null);
    None for enum: its first value."""
    column_default: Any
    """What rows written before get when a required projection column of the type is added."""
    column_accepts: frozenset[TypeKind]
    """The kinds of the payload or envelope values a projection column of the type stores."""
    literal_accepts: frozenset[LiteralKind]
    """The JSON kinds of the YAML literals a projection column of the type stores (an enum
    column also needs the literal among its values)."""
    check: SqlCheck


PURGED_TEXT = "[purged]"
"""What a required text field holds after a purge."""
_ZERO_UUID = "00000000-0000-0000-0000-000000000000"
_EPOCH_DATE = "1970-01-01"
_EPOCH = "1970-01-01T00:00:00Z"


def _same(text: str, module: str | None = None) -> Mapping[ModelMode, PythonType]:
    """One annotation in every model mode."""
    return MappingProxyType({mode: PythonType(text, module) for mode in get_args(ModelMode)})


def _schema(**keywords: str) -> Mapping[str, Any]:
    return MappingProxyType(keywords)


_TEXTS: frozenset[TypeKind] = frozenset({"string", "enum", "uuid", "date", "datetime"})
_ANY_KIND: frozenset[TypeKind] = frozenset(get_args(TypeKind))
_ANY_LITERAL: frozenset[LiteralKind] = frozenset(get_args(LiteralKind))

TYPES: Mapping[TypeKind, TypeInfo] = MappingProxyType({t.kind: t for t in (
    TypeInfo("string", scalar=True, json_string=True, text=True, numeric=False,
             schema=_schema(type="string"), json_format=None, sql_type="text",
             python=_same("str"), purge_placeholder=PURGED_TEXT, column_default="",
             column_accepts=_TEXTS, literal_accepts=frozenset({"string"}),
             check=SqlCheck(("string",), what="a string")),
    TypeInfo("integer", scalar=True, json_string=False, text=False, numeric=True,
             schema=_schema(type="integer"), json_format=None, sql_type="bigint",
             python=_same("int"), purge_placeholder=0, column_default=0,
             column_accepts=frozenset({"integer"}), literal_accepts=frozenset({"integer"}),
             check=SqlCheck(("number",), integral=True, what="an integer")),
    TypeInfo("number", scalar=True, json_string=False, text=False, numeric=True,
             schema=_schema(type="number"), json_format=None, sql_type="double precision",
             python=_same("float"), purge_placeholder=0, column_default=0,
             column_accepts=frozenset({"number", "integer", "decimal"}), literal_accepts=frozenset({"integer", "number"}),
             check=SqlCheck(("number",), what="a number")),
    TypeInfo("decimal", scalar=True, json_string=True, text=False, numeric=True,
             schema=_schema(type="string", format="decimal", pattern=DECIMAL_PATTERN),
             json_format="decimal", sql_type="numeric",
             python=_same("Decimal", "decimal"), purge_placeholder=0, column_default=0,
             column_accepts=frozenset({"decimal", "integer"}), literal_accepts=frozenset({"integer", "number"}),
             check=SqlCheck(("string",), pattern=DECIMAL_PATTERN, what="a decimal")),
    TypeInfo("boolean", scalar=True, json_string=False, text=False, numeric=False,
             schema=_schema(type="boolean"), json_format=None, sql_type="boolean",
             python=_same("bool"), purge_placeholder=False, column_default=False,
             column_accepts=frozenset({"boolean"}), literal_accepts=frozenset({"boolean"}),
             check=SqlCheck(("boolean",), what="a boolean")),
    TypeInfo("uuid", scalar=True, json_string=True, text=True, numeric=False,
             schema=_schema(type="string", format="uuid"), json_format="uuid",
             sql_type="uuid", python=_same("UUID", "uuid"), purge_placeholder=_ZERO_UUID,
             column_default=_ZERO_UUID, column_accepts=frozenset({"uuid"}),
             literal_accepts=frozenset({"string"}),
             check=SqlCheck(("string",), pattern=UUID_PATTERN, what="a uuid",
                            shape="________-____-____-____-____________",
                            undashed="_" * 32, sql_pattern="^[-0-9a-fA-F]+$")),
    TypeInfo("date", scalar=True, json_string=True, text=True, numeric=False,
             schema=_schema(type="string", format="date"), json_format="date",
             sql_type="date", python=_same("date", "datetime"),
             purge_placeholder=_EPOCH_DATE, column_default=_EPOCH_DATE,
             column_accepts=frozenset({"date"}), literal_accepts=frozenset({"string"}),
             check=SqlCheck(("string",), pattern=DATE_PATTERN, calendar="date",
                            what="a date", shape="____-__-__",
                            sql_pattern="^[0-9]+-[0-9]+-[0-9]+$")),
    TypeInfo("datetime", scalar=True, json_string=True, text=True, numeric=False,
             schema=_schema(type="string", format="date-time"), json_format="date-time",
             sql_type="timestamptz", python=_same("datetime", "datetime"),
             purge_placeholder=_EPOCH, column_default=_EPOCH,
             column_accepts=frozenset({"datetime"}), literal_accepts=frozenset({"string"}),
             check=SqlCheck(("string",), pattern=DATETIME_PATTERN, calendar="datetime",
                            what="a date-time")),
    TypeInfo("json", scalar=False, json_string=False, text=False, numeric=False,
             schema=_schema(), json_format=None, sql_type="jsonb", python=_same("Any", "typing"),
             purge_placeholder=None, column_default={},
             column_accepts=_ANY_KIND, literal_accepts=_ANY_LITERAL,
             check=SqlCheck()),
    TypeInfo("object", scalar=False, json_string=False, text=False, numeric=False,
             schema=None, json_format=None, sql_type="jsonb", python=None,
             purge_placeholder={}, column_default={},
             column_accepts=frozenset({"object"}), literal_accepts=frozenset(),
             check=SqlCheck(("object",), what="an object")),
    TypeInfo("array", scalar=False, json_string=False, text=False, numeric=False,
             schema=None, json_format=None, sql_type="jsonb", python=None,
             purge_placeholder=[], column_default=[],
             column_accepts=frozenset({"array"}), literal_accepts=frozenset(),
             check=SqlCheck(("array",), what="an array")),
    TypeInfo("enum", scalar=True, json_string=True, text=True, numeric=False,
             schema=None, json_format=None, sql_type="text", python=None,
             purge_placeholder=None, column_default="",
             column_accepts=frozenset({"enum"}), literal_accepts=frozenset({"string"}),
             check=SqlCheck(("string",), what="a string")),
    TypeInfo("map", scalar=False, json_string=False, text=False, numeric=False,
             schema=None, json_format=None, sql_type="jsonb", python=None,
             purge_placeholder={}, column_default={},
             column_accepts=frozenset({"map"}), literal_accepts=frozenset(),
             check=SqlCheck(("object",), what="an object")),
    # A tagged union: an object whose tag field names its variant (a record).
    TypeInfo("union", scalar=False, json_string=False, text=False, numeric=False,
             schema=None, json_format=None, sql_type="jsonb", python=None,
             purge_placeholder=None, column_default={},
             column_accepts=frozenset({"union"}), literal_accepts=frozenset(),
             check=SqlCheck(("object",), what="an object")),
    # A tuple: a JSON array, one type per position (every position present), then any number
    # of items of its `rest` type when it has one. Its purge placeholder is built from its
    # positions' (escodegen.emit.migrate.purge).
    TypeInfo("tuple", scalar=False, json_string=False, text=False, numeric=False,
             schema=None, json_format=None, sql_type="jsonb", python=None,
             purge_placeholder=None, column_default=[],
             column_accepts=frozenset({"tuple"}), literal_accepts=frozenset(),
             check=SqlCheck(("array",), what="an array")),
)})

KINDS: tuple[TypeKind, ...] = get_args(TypeKind)
SCALAR_KINDS: tuple[TypeKind, ...] = tuple(k for k in KINDS if TYPES[k].scalar)
"""The kinds `map` and `convert` work on: one JSON scalar each."""
STRING_KINDS: tuple[TypeKind, ...] = tuple(k for k in KINDS if TYPES[k].text)
"""Kinds whose values are text: split and join read them."""
EXACT_NUMBER_KINDS: tuple[TypeKind, ...] = tuple(
    k for k in KINDS if TYPES[k].numeric and TYPES[k].json_string)
"""Numbers carried as JSON text, so that their digits survive every reader (decimal)."""
SHORT_FORM_KINDS: tuple[TypeKind, ...] = tuple(k for k in KINDS if TYPES[k].schema is not None)
"""The kinds a field may name in the short form (`total: decimal`): all but those built from
parts."""
KIND_OF_FORMAT: Mapping[str, TypeKind] = MappingProxyType(
    {t.json_format: t.kind for t in TYPES.values() if t.json_format is not None})
"""A published schema's `format` back to its kind (the inverse of `TypeInfo.json_format`)."""
ENVELOPE_KINDS: Mapping[str, TypeKind] = MappingProxyType(
    {"stream": "string", "position": "integer", "recorded_at": "datetime",
     "correlation_id": "uuid", "causation_id": "uuid"})
"""The kinds of the envelope values a projection may read (`$stream`, ...)."""


def is_kind(name: str) -> TypeGuard[TypeKind]:
    """Whether `name` is a type kind (what the meta-schema already let through)."""
    return name in TYPES
