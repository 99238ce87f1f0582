"""Straight-line JSON conversion for `models: dataclasses`: per dataclass a `_from_json_<Class>`
(parsed JSON -> instance, DecodeError naming every bad field) and a `_to_json_<Class>`.

The classes are read from the module text datamodel-code-generator wrote (with `ast`, never
run), or built from an aggregate's state fields, so the functions follow exactly the
annotations and defaults the classes have. No annotation is looked at when the package runs:
each field gets the converter of its type by name (`to_str`, `_from_json_list_<Item>`), the
generic parts being plain functions of `_runtime` (`list_of`, `optional`, `one_of`).
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from escodegen.pytext import fit, py_str

# Converters and encoders of `_runtime` for the scalar annotations (None: the value as it is).
_SCALARS: dict[str, tuple[str, str | None]] = {
    "str": ("to_str", None),
    "int": ("to_int", None),
    "float": ("to_float", None),
    "bool": ("to_bool", None),
    "Decimal": ("to_decimal", "decimal_to_json"),
    "UUID": ("to_uuid", "str"),
    "date": ("to_date", "iso_to_json"),
    "datetime": ("to_datetime", "iso_to_json"),
    "Any": ("to_any", "any_to_json"),
}
_BUILTINS = frozenset({"str", "list"})
"""Encoders that are Python builtins, not imported from `_runtime`."""


@dataclass(frozen=True)
class RecordField:
    name: str
    annotation: ast.expr
    default: str | None
    """The default as Python source (`None`, `"hi"`, `[]`), None when the field is required."""
    key: str = ""
    """The JSON key (the wire name) when it is not the attribute's name."""

    @property
    def json(self) -> str:
        return self.key or self.name


@dataclass(frozen=True)
class Record:
    name: str
    fields: tuple[RecordField, ...]


@dataclass
class JsonCode:
    """The functions of some records, and what they need from `_runtime`."""

    enums: frozenset[str]
    absent: frozenset[tuple[str, str]] = frozenset()
    """(class, field) of the fields that may be absent but not null: None is no key."""
    functions: list[str] = field(default_factory=list)
    definitions: dict[str, str] = field(default_factory=dict)
    """Module-level converter name -> its expression (`one_of(Tier)`, `list_of(to_str)`)."""
    runtime: set[str] = field(default_factory=lambda: {"DecodeError", "record_error"})
    literals: int = 0
    unions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """A tagged union's alias -> its variants' classes (`Method: TypeAlias = Card | Wire`)."""
    records: dict[str, Record] = field(default_factory=dict)
    """Every record by name (a union's converter reads its variants' tags)."""
    aliases: dict[str, ast.expr] = field(default_factory=dict)
    """An alias of a generic type -> that type (`NestItem: TypeAlias = tuple[str, Any]`)."""
    annotated: dict[str, str] = field(default_factory=dict)
    """Definitions whose type mypy cannot infer (a union's converter) -> their annotation."""

    def text(self) -> str:
        """The functions, then the converters they use (defined once the functions exist)."""
        text = "\n\n\n".join(self.functions)
        if self.definitions:
            text += "\n\n\n" + "\n".join(
                fit(f"{name}: {self.annotated[name]} = {value}" if name in self.annotated
                    else f"{name} = {value}")
                for name, value in self.definitions.items())
        return text

    def add(self, record: Record) -> None:
        self.functions.append(self._decoder(record))
        self.functions.append(self._encoder(record))

    def _decoder(self, record: Record) -> str:
        lines = [fit(f"def _from_json_{record.name}(data: Any) -> {record.name}:", first=True),
                 "    if not isinstance(data, dict):",
                 "        raise record_error(data)",
                 "    try:"]
        if not record.fields:
            lines.append(f"        return {record.name}()")
        else:
            lines.append(f"        return {record.name}(")
            for item in record.fields:
                convert = self.converter(item.annotation)
                key = py_str(item.json)
                value = (f"data[{key}]" if item.default is None
                         else f"data.get({key})" if item.default == "None"
                         else f"data.get({key}, {item.default})")
                inner = _optional_inner(item.annotation)
                if (record.name, item.json) in self.absent and inner is not None:
                    # Present, it is a value: null is refused like any other wrong value.
                    self.runtime.add("present")
                    value = f"present(data, {key}, {self.converter(inner)})"
                elif convert != "to_any":
                    value = f"{convert}({value})"
                lines.append(fit(f"            {item.name}={value},"))
            lines.append("        )")
        lines.append("    except (KeyError, DecodeError):")
        lines.append("        raise record_error(")
        lines.append("            data,")
        for item in record.fields:
            required = "True" if item.default is None else "False"
            inner = _optional_inner(item.annotation)
            absent = (record.name, item.json) in self.absent and inner is not None
            convert = self.converter(inner if absent and inner is not None else item.annotation)
            lines.append(fit(f"            ({py_str(item.json)}, {convert}, {required}),"))
        lines.append("        ) from None")
        return "\n".join(lines)

    def _encoder(self, record: Record) -> str:
        lines = [fit(f"def _to_json_{record.name}(value: {record.name}) -> dict[str, Any]:",
                     first=True)]
        if not record.fields:
            lines.append("    return {}")
            return "\n".join(lines)
        absent = [item for item in record.fields if (record.name, item.json) in self.absent
                  and _optional_inner(item.annotation) is not None]
        lines.append("    data: dict[str, Any] = {" if absent else "    return {")
        for item in record.fields:
            if item in absent:
                continue
            encode = self.encoder(item.annotation)
            value = f"value.{item.name}" if encode is None else f"{encode}(value.{item.name})"
            lines.append(fit(f"        {py_str(item.json)}: {value},"))
        lines.append("    }")
        for item in absent:
            inner = _optional_inner(item.annotation)
            assert inner is not None
            encode = self.encoder(inner)
            value = f"value.{item.name}" if encode is None else f"{encode}(value.{item.name})"
            lines.append(f"    if value.{item.name} is not None:")
            lines.append(fit(f"        data[{py_str(item.json)}] = {value}"))
        if absent:
            lines.append("    return data")
        return "\n".join(lines)

    def converter(self, node: ast.expr) -> str:
        """The name of the function that converts parsed JSON to a value of `node`."""
        if isinstance(node, ast.Name) and node.id in self.aliases:
            return self.converter(self.aliases[node.id])
        inner = _optional_inner(node)
        if inner is not None:
            return self._define(f"_from_json_optional_{_key(inner)}",
                                f"optional({self.converter(inner)})", "optional")
        members = _either_members(node)
        if members:
            converters = ", ".join(self.converter(member) for member in members)
            return self._define(f"_from_json_{_key(node)}", f"either({converters})", "either")
        if isinstance(node, ast.Name):
            if node.id in _SCALARS:
                self.runtime.add(_SCALARS[node.id][0])
                return _SCALARS[node.id][0]
            if node.id in self.enums:
                return self._define(f"_from_json_{node.id}", f"one_of({node.id})", "one_of")
            if node.id in self.unions:
                return self._union_converter(node.id)
            return f"_from_json_{node.id}"  # a record of the same module
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            if node.value.id == "list":
                return self._define(f"_from_json_{_key(node)}",
                                    f"list_of({self.converter(node.slice)})", "list_of")
            if node.value.id == "tuple" and isinstance(node.slice, ast.Tuple):
                converters = ", ".join(self.converter(e) for e in node.slice.elts)
                return self._define(f"_from_json_{_key(node)}", f"tuple_of({converters})",
                                    "tuple_of")
            if node.value.id == "dict":
                map_values = _map_values(node)
                if map_values is not None:
                    return self._define(f"_from_json_{_key(node)}",
                                        f"dict_of({self.converter(map_values)})", "dict_of")
                self.runtime.add("to_object")
                return "to_object"
            if node.value.id == "Literal":
                values = (node.slice.elts if isinstance(node.slice, ast.Tuple)
                          else [node.slice])
                self.literals += 1
                return self._define(f"_from_json_literal{self.literals}",
                                    "literal(" + ", ".join(_literal(v) for v in values) + ")",
                                    "literal")
        raise ValueError(f"no JSON conversion for the annotation {ast.unparse(node)}")

    def encoder(self, node: ast.expr) -> str | None:
        """The name of the function that makes a value of `node` JSON-ready (None: as it is)."""
        if isinstance(node, ast.Name) and node.id in self.aliases:
            return self.encoder(self.aliases[node.id])
        inner = _optional_inner(node)
        if inner is not None:
            encode = self.encoder(inner)
            if encode is None:
                return None
            return self._define(f"_to_json_optional_{_key(inner)}", f"optional({encode})",
                                "optional")
        members = _either_members(node)
        if members:
            needed = set(self.runtime)
            plain = all(self.encoder(member) is None for member in members)
            self.runtime = needed  # only the one encoder below is used
            if plain:
                return None
            self.runtime.add("any_to_json")  # scalars: it writes each as its kind's JSON
            return "any_to_json"
        if isinstance(node, ast.Name):
            if node.id in _SCALARS:
                encode = _SCALARS[node.id][1]
                if encode is not None and encode not in _BUILTINS:
                    self.runtime.add(encode)
                return encode
            if node.id in self.enums:
                self.runtime.add("enum_to_json")
                return "enum_to_json"
            if node.id in self.unions:
                variants = ", ".join(f"{v}: _to_json_{v}" for v in self.unions[node.id])
                return self._define(f"_to_json_{node.id}", f"union_to({{{variants}}})",
                                    "union_to")
            return f"_to_json_{node.id}"
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            if node.value.id == "list":
                encode = self.encoder(node.slice)
                if encode is None:
                    return "list"
                return self._define(f"_to_json_{_key(node)}", f"list_to({encode})", "list_to")
            if node.value.id == "tuple" and isinstance(node.slice, ast.Tuple):
                encoders = [self.encoder(e) for e in node.slice.elts]
                if all(encode is None for encode in encoders):
                    return "list"
                return self._define(f"_to_json_{_key(node)}",
                                    f"tuple_to({', '.join(map(str, encoders))})", "tuple_to")
            if node.value.id == "dict":
                values = _map_values(node)
                if values is not None:
                    encode = self.encoder(values)
                    if encode is None:
                        return None
                    return self._define(f"_to_json_{_key(node)}", f"dict_to({encode})",
                                        "dict_to")
                self.runtime.add("any_to_json")
                return "any_to_json"
            if node.value.id == "Literal":
                return None
        raise ValueError(f"no JSON conversion for the annotation {ast.unparse(node)}")

    def _union_converter(self, name: str) -> str:
        """`tagged(tag, {tag value: variant converter})`: the variant the tag names decodes."""
        tag = ""
        entries = []
        for variant in self.unions[name]:
            tag, value = _tag_of(self.records[variant])
            entries.append(f"{py_str(value)}: _from_json_{variant}")
        self.runtime.add("Convert")
        self.annotated[f"_from_json_{name}"] = f"Convert[{name}]"
        return self._define(f"_from_json_{name}",
                            f"tagged({py_str(tag)}, {{{', '.join(entries)}}})", "tagged")

    def _define(self, name: str, value: str, helper: str) -> str:
        self.runtime.add(helper)
        self.definitions.setdefault(name, value)
        return name


def _tag_of(record: Record) -> tuple[str, str]:
    """(tag field, its value) of a union variant's class: its field of one literal value."""
    for item in record.fields:
        node = item.annotation
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                and node.value.id == "Literal" and isinstance(node.slice, ast.Constant)
                and isinstance(node.slice.value, str)):
            return item.name, node.slice.value
    raise ValueError(f"the union variant {record.name} has no tag field")


def _either_members(node: ast.expr) -> list[ast.expr]:
    """The members of an untagged union of scalars, `str | int` (not `T | None`)."""
    if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr)
            and not (isinstance(node.right, ast.Constant) and node.right.value is None)):
        return [*(_either_members(node.left) or [node.left]), node.right]
    return []


def _optional_inner(node: ast.expr) -> ast.expr | None:
    """`T` of `T | None`, else None."""
    if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr)
            and isinstance(node.right, ast.Constant) and node.right.value is None):
        return node.left
    return None


def _map_values(node: ast.Subscript) -> ast.expr | None:
    """`T` of a map's `dict[str, T]`; None for `dict[str, Any]` (an opaque object)."""
    if isinstance(node.slice, ast.Tuple) and len(node.slice.elts) == 2:
        values = node.slice.elts[1]
        if not (isinstance(values, ast.Name) and values.id == "Any"):
            return values
    return None


def _key(node: ast.expr) -> str:
    """A name part for an annotation: `str`, `list_Item`, `optional_list_str`."""
    inner = _optional_inner(node)
    if inner is not None:
        return f"optional_{_key(inner)}"
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        if node.value.id == "Literal":
            # the values may be any text: a digest of them names the annotation
            digest = hashlib.sha256(ast.unparse(node.slice).encode()).hexdigest()[:8]
            return f"literal_{digest}"
        return f"{node.value.id}_{_key(node.slice)}"
    if isinstance(node, ast.Tuple):
        return "_".join(_key(element) for element in node.elts)
    members = _either_members(node)
    if members:
        return "either_" + "_".join(_key(member) for member in members)
    raise ValueError(f"no JSON conversion for the annotation {ast.unparse(node)}")


def _literal(node: ast.expr) -> str:
    assert isinstance(node, ast.Constant) and isinstance(node.value, str)
    return py_str(node.value)


def unions_of_module(text: str) -> dict[str, tuple[str, ...]]:
    """The unions of classes of a module's text: `Method: TypeAlias = Card | Wire`."""
    return {name: tuple(_union_members(value)) for name, value in _type_aliases(text).items()
            if not isinstance(value, ast.Subscript)}


def subscript_aliases(text: str) -> dict[str, ast.expr]:
    """The aliases of a module's text that name a generic type, not a union of classes:
    `NestItem: TypeAlias = tuple[str, Any]` (a tuple's item in an array)."""
    return {name: value for name, value in _type_aliases(text).items()
            if isinstance(value, ast.Subscript)}


def _type_aliases(text: str) -> dict[str, ast.expr]:
    return {node.target.id: node.value for node in ast.parse(text).body
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
            and isinstance(node.annotation, ast.Name) and node.annotation.id == "TypeAlias"
            and node.value is not None}


def _union_members(node: ast.expr) -> list[str]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union_members(node.left) + _union_members(node.right)
    assert isinstance(node, ast.Name), "a union of classes"
    return [node.id]


def records_of_module(text: str, keys: Mapping[tuple[str, str], str] | None = None
                      ) -> tuple[list[Record], frozenset[str]]:
    """The dataclasses (fields in order) and the enum classes of a module's text; `keys`:
    (class, attribute) -> JSON key, where the two differ."""
    keys = keys or {}
    tree = ast.parse(text)
    records: list[Record] = []
    enums: set[str] = set()
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        bases = {base.id for base in node.bases if isinstance(base, ast.Name)}
        if bases & {"Enum", "StrEnum"}:
            enums.add(node.name)
            continue
        fields = [RecordField(stmt.target.id, stmt.annotation,
                              None if stmt.value is None else _default(text, stmt.value),
                              keys.get((node.name, stmt.target.id), ""))
                  for stmt in node.body
                  if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)]
        records.append(Record(node.name, tuple(fields)))
    return records, frozenset(enums)


def _default(text: str, value: ast.expr) -> str:
    """A field's default as an expression: `field(default_factory=list)` becomes `list()`."""
    if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
            and value.func.id == "field"):
        for keyword in value.keywords:
            source = ast.get_source_segment(text, keyword.value)
            assert source is not None
            if keyword.arg == "default_factory":
                return "[]" if source == "list" else f"{source}()"
            if keyword.arg == "default":
                return source
        raise ValueError("a field() without a default")
    source = ast.get_source_segment(text, value)
    assert source is not None
    return source


def annotation(text: str) -> ast.expr:
    """An annotation written as text (an aggregate state's field)."""
    return ast.parse(text, mode="eval").body


def event_json(module_texts: list[str], absent: frozenset[tuple[str, str]] = frozenset(),
               keys: Mapping[tuple[str, str], str] | None = None) -> JsonCode:
    """The functions of every dataclass of the event modules (one module namespace); `absent`:
    (class, JSON key) of the fields that may be absent but not null; `keys`: (class,
    attribute) -> JSON key, where the two differ."""
    parsed = [records_of_module(text, keys) for text in module_texts]
    code = JsonCode(frozenset().union(*(enums for _, enums in parsed)), absent)
    code.records = {record.name: record for records, _ in parsed for record in records}
    code.unions = {name: members for text in module_texts
                   for name, members in unions_of_module(text).items()}
    code.aliases = {name: value for text in module_texts
                    for name, value in subscript_aliases(text).items()}
    for records, _ in parsed:
        for record in records:
            code.add(record)
    return code


def state_json(states: list[tuple[str, list[tuple[str, str, bool, str]]]]) -> JsonCode:
    """The functions of aggregate states: (class, [(attribute, annotation, optional, JSON
    key)])."""
    code = JsonCode(frozenset())
    for name, fields in states:
        code.add(Record(name, tuple(RecordField(field_name, annotation(text),
                                                "None" if optional else None,
                                                "" if key == field_name else key)
                                    for field_name, text, optional, key in fields)))
    return code
