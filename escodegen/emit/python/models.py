"""Event classes: each event's versions become one module, written by datamodel-code-generator
from the same canonical JSON Schemas the registry stores.

Every option that changes the output is pinned here, so the classes depend only on the schemas
(and the datamodel-code-generator version, which the manifest records). One module per event
keeps names local: adding an event never touches another event's module, and nested types are
named by their schema titles (`escodegen.model.pynames`: `<Event><Field>` for the latest
version, `<Event>V<n><Field>` for older ones), never by discovery order.

Named types (`types:`) are one class each, in `events/_types.py`, shared by every event: the
canonical schemas expand them, and the schemas handed to datamodel-code-generator put a
reference in their place (`customTypePath` in an event's module, `$ref` inside `_types`).
"""

from __future__ import annotations

import ast
import json
import os
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Literal

from escodegen.analyse.schema import event_version_schema, type_schema
from escodegen.diagnostics import Report
from escodegen.emit import HEADER, EmitError
from escodegen.model import AttributeNames, Event, NamedType, Project
from escodegen.model.constraints import CONSTRAINTS, FORMATS
from escodegen.model.pynames import attribute_name
from escodegen.model.types import DECIMAL_PATTERN
from escodegen.printable import escape, escape_lines
from escodegen.pytext import fit

ModelKind = Literal["dataclasses", "pydantic", "msgspec"]
_CLASS = re.compile(r"^(?:class (\w+)\b|(\w+): TypeAlias = (?:\(|Annotated\[|\w+ \|))",
                    re.MULTILINE)
"""A class, or a union of classes (`Method: TypeAlias = Card | Transfer`, laid out or
annotated); not another alias (msgspec's `B: TypeAlias = Decimal` for a decimal's pattern)."""
TYPES_MODULE = "_types"
"""The module of `events/` holding the named types' classes."""
# What a property keeps beside the reference that replaces a named type's expansion.
_PROPERTY_KEYS = ("description", "default", "x-pii")
# Below this many events a process pool costs more than it saves.
_PARALLEL_FROM = 40


def event_schemas(event: Event, named: Mapping[str, str] | None = None) -> dict[str, Any]:
    """All versions of `event` as one JSON Schema document, a `$defs` entry per version, its
    descriptions made printable (`escape_lines`) for the docstrings they become. `named`: the
    classes of named types (name -> import path) put in place of their expansions."""
    defs: dict[str, Any] = {}
    for version in event.versions:
        schema = _without_constraints(_printable_descriptions(event_version_schema(event, version)))
        schema.pop("$schema", None)
        if named:
            schema = _referenced(schema, lambda name: {"customTypePath": named[name]}
                                 if name in named else None)
        defs[schema["title"]] = schema
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": defs}


def class_types(project: Project) -> list[NamedType]:
    """The named types that become classes: records and enums (a scalar alias is its scalar)."""
    return [t for t in project.types if t.type.kind in ("object", "enum", "union")]


def types_schema(types: list[NamedType]) -> dict[str, Any]:
    """The named types' classes as one JSON Schema document, a `$defs` entry each, a named type
    inside another referenced (`$ref`), not repeated."""
    names = {t.name for t in types}
    defs: dict[str, Any] = {}
    for named in types:
        schema = _without_constraints(_printable_descriptions(type_schema(named.type, named.name)))
        if named.description:
            schema["description"] = escape_lines(named.description)
        defs[named.name] = _referenced(schema, lambda name: {"$ref": f"#/$defs/{name}"}
                                       if name in names else None)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": defs}


def _referenced(schema: Any, reference: Callable[[str], dict[str, Any] | None]) -> Any:
    """`schema` with each subschema titled by a named type (and not the top) replaced by the
    `reference` to it, keeping what belongs to the property (description, default)."""
    if isinstance(schema, list):
        return [_referenced(item, reference) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("properties", "$defs") and isinstance(value, dict):
            # Names here are properties, not keywords: each value is a schema.
            result[key] = {name: _replaced(sub, reference) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "anyOf", "oneOf", "prefixItems"):
            # (a tuple's `items` may be `false`: no more items)
            result[key] = _replaced(value, reference) if isinstance(value, dict) else [
                _replaced(sub, reference) for sub in value] if isinstance(value, list) else value
        else:
            result[key] = value
    return result


def _replaced(schema: dict[str, Any], reference: Callable[[str], dict[str, Any] | None]
              ) -> dict[str, Any]:
    title = schema.get("title")
    ref = reference(title) if isinstance(title, str) else None
    if ref is None:
        return dict(_referenced(schema, reference))
    return {**ref, **{key: schema[key] for key in _PROPERTY_KEYS if key in schema}}


def absent_only(schema: Any) -> Iterable[tuple[str, str]]:
    """(class, field) of every field that may be absent but not null (`required: false,
    nullable: false`): its class holds None for an absent key, and its JSON never null."""
    if isinstance(schema, dict):
        properties = schema.get("properties")
        if isinstance(properties, dict) and isinstance(schema.get("title"), str):
            required = set(schema.get("required", ()))
            for name, prop in properties.items():
                if name not in required and "anyOf" not in prop:
                    yield schema["title"], name
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                for prop in value.values():
                    yield from absent_only(prop)
            elif key in ("items", "additionalProperties", "anyOf", "oneOf", "$defs",
                         "prefixItems"):
                values = value.values() if key == "$defs" else (
                    value if isinstance(value, list) else [value])
                for sub in values:
                    yield from absent_only(sub)


def _properties(schema: Any) -> Iterable[tuple[str, str]]:
    """(class, JSON name) of every property of every titled object of a schema."""
    if isinstance(schema, dict):
        properties = schema.get("properties")
        if isinstance(properties, dict) and isinstance(schema.get("title"), str):
            for name in properties:
                yield schema["title"], name
        for key, value in schema.items():
            if key in ("properties", "$defs") and isinstance(value, dict):
                for sub in value.values():
                    yield from _properties(sub)
            elif key in ("items", "additionalProperties", "anyOf", "prefixItems"):
                for sub in value if isinstance(value, list) else [value]:
                    yield from _properties(sub)


def attribute_keys(schema: Any, style: AttributeNames) -> dict[tuple[str, str], str]:
    """(class, attribute) -> JSON key, for every property whose attribute is another name."""
    return {(cls, attribute_name(name, style)): name for cls, name in _properties(schema)
            if attribute_name(name, style) != name}


def _aliases(schema: Any, style: AttributeNames) -> dict[str, str]:
    """JSON name -> attribute, what datamodel-code-generator is told (`aliases`)."""
    return {name: attr for (_, attr), name in attribute_keys(schema, style).items()}


_ALIAS_OF_ONE = re.compile(r"^(\w+): TypeAlias = (\w+)$", re.MULTILINE)


def class_names(text: str) -> list[str]:
    """The classes and unions of classes a module defines, in order (a union of one variant is
    an alias of a class of the module: `Refund: TypeAlias = RefundFull`)."""
    found = [(match.start(), match.group(1) or match.group(2)) for match in _CLASS.finditer(text)]
    classes = {name for _, name in found}
    found += [(match.start(), match.group(1)) for match in _ALIAS_OF_ONE.finditer(text)
              if match.group(2) in classes]
    return [name for _, name in sorted(found)]


def _enums_first(text: str) -> str:
    """The module with the enum classes that a field's default names before they are defined
    moved before its first class. datamodel-code-generator may write an enum after the class
    whose field defaults to one of its members, which then names it before it exists (ruff
    F821, a NameError on import); an enum depends on nothing."""
    tree = ast.parse(text)
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    lines = text.split("\n")

    def start(node: ast.ClassDef) -> int:
        return min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1

    # Only those named by a default before them move: the others stay where they were written.
    enums = [node for node in classes
             if {b.id for b in node.bases if isinstance(b, ast.Name)} & {"Enum", "StrEnum"}
             and re.search(rf"= {node.name}\.", "\n".join(lines[:start(node)]))]
    if not enums:
        return text

    top = start(classes[0])
    body = list(lines)
    moved: list[str] = []
    for node in reversed(enums):
        first, end = start(node), node.end_lineno
        assert end is not None
        moved = [*lines[first:end], "", "", *moved]
        while first > top and not body[first - 1].strip():
            first -= 1  # the blank lines before it go with it
        del body[first:end]
    rest = body[top:]
    while rest and not rest[0].strip():
        rest.pop(0)
    if not rest:
        moved = moved[:-2]
    return "\n".join([*lines[:top], *moved, *rest])


def enum_members(text: str) -> dict[str, dict[str, str]]:
    """enum class -> value -> member name, of the enum classes of a module's text."""
    members: dict[str, dict[str, str]] = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.ClassDef) and {
                b.id for b in node.bases if isinstance(b, ast.Name)} & {"Enum", "StrEnum"}:
            members[node.name] = {
                stmt.value.value: stmt.targets[0].id for stmt in node.body
                if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name)
                and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)}
    return members


def _enum_defaults(text: str, enums: Mapping[str, Mapping[str, str]]) -> str:
    """A default of a field typed by an enum, written as the enum's value
    (`tier: Tier | None = "gold"`), made the enum's member (`Tier.gold`). datamodel-code-generator
    writes the value for an imported (named) enum, and for any enum in pydantic and msgspec
    models, which mypy refuses (a str is no enum)."""
    def member(match: re.Match[str], name: str) -> str:
        value = ast.literal_eval(match.group(2))
        return f"{match.group(1)}{name}.{enums[name][value]}"

    for name in enums:
        text = re.sub(rf'^(    \w+: [^\n=]*\b{name}\b[^\n=]* = )("(?:[^"\\\n]|\\.)*")$',
                      lambda match, name=name: member(match, name),  # type: ignore[misc]
                      text, flags=re.MULTILINE)
    return text


def _local_types_import(text: str, module: str) -> str:
    """The import of the named types' classes (`from <package>.events._types import ...`, as
    datamodel-code-generator writes a `customTypePath`) made relative and put last, in a
    section of its own, as isort (ruff's I001) orders a package's own modules."""
    tree = ast.parse(text)
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    found = [node for node in imports
             if isinstance(node, ast.ImportFrom) and node.module == module]
    if not found:
        return text
    node = found[0]
    assert node.end_lineno is not None
    lines = text.split("\n")
    names = sorted(alias.name for alias in node.names)
    last = max(n.end_lineno or n.lineno for n in imports)
    one_line = f"from .{TYPES_MODULE} import {', '.join(names)}"
    local = [one_line] if len(one_line) <= 88 else [
        f"from .{TYPES_MODULE} import (", *(f"    {name}," for name in names), ")"]
    lines[last:last] = ["", *local]
    del lines[node.lineno - 1:node.end_lineno]
    # A section left empty leaves two blank lines where one was.
    result = "\n".join(lines)
    return re.sub(r"\n\n\n(?=from |import )", "\n\n", result)


def _printable_descriptions(schema: Any) -> Any:
    """`schema` with every `description` annotation passed through `escape_lines`. A property
    called `description` maps to a schema, not a string, so it is never taken for one."""
    if isinstance(schema, dict):
        return {key: escape_lines(value) if key == "description" and isinstance(value, str)
                else _printable_descriptions(value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_printable_descriptions(item) for item in schema]
    return schema


def _without_constraints(schema: Any) -> Any:
    """`schema` without the keywords of declared constraints (escodegen.model.constraints):
    the codec checks them, with the SQL validators' meaning, in every model mode, so the
    classes get none (pydantic's and msgspec's own checks would differ: other regular
    expression engines, other format rules, float bounds on decimals). A type's own `pattern`
    and `format` (a decimal's, a uuid's) stay, and a tuple's `minItems` (its positions: with it
    a closed tuple of two positions or more is a `tuple[A, B]`)."""
    if isinstance(schema, list):
        return [_without_constraints(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    prefix = schema.get("prefixItems")
    if isinstance(prefix, list) and len(prefix) == 1 and schema.get("items") is False:
        # datamodel-code-generator writes no one-position tuple (it would write a list whose
        # item is an alias of its own): the class holds a list of the one type, and the codec
        # checks its length (`_runtime.payload_check`)
        return {"type": "array", "items": _without_constraints(prefix[0])}
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("properties", "$defs") and isinstance(value, dict):
            result[key] = {name: _without_constraints(sub) for name, sub in value.items()}
        elif key in CONSTRAINTS and not (
                (key == "pattern" and value == DECIMAL_PATTERN)
                or (key == "format" and value not in FORMATS)
                or (key == "minItems" and "prefixItems" in schema)):
            continue
        else:
            result[key] = _without_constraints(value)
    return result


def _titles(schema: Any) -> Iterable[str]:
    """Every `title` annotation in a schema (the names its classes may take). A property
    called `title` maps to a schema, not a string, so it is never taken for one."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "title" and isinstance(value, str):
                yield value
            else:
                yield from _titles(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _titles(item)


def _generate(schema_text: str, models: ModelKind,
              aliases: Mapping[str, str] | None = None) -> str:
    """One datamodel-code-generator run, every output-affecting option pinned. `aliases`: JSON
    name -> attribute, for the keys whose attribute is not their JSON name."""
    from datamodel_code_generator import DatetimeClassType, InputFileType, PythonVersion, generate
    from datamodel_code_generator.enums import DataModelType
    from datamodel_code_generator.format import Formatter

    output_type = {"dataclasses": DataModelType.DataclassesDataclass,
                   "pydantic": DataModelType.PydanticV2BaseModel,
                   "msgspec": DataModelType.MsgspecStruct}[models]
    with warnings.catch_warnings():
        # msgspec's Meta cannot hold a pattern on a Decimal (the exact-decimal string): the
        # class still holds a Decimal, which msgspec parses from that string; nor a length on
        # a tuple[A, B], whose positions say it
        warnings.filterwarnings("ignore", "msgspec.Meta does not take", UserWarning)
        result = generate(
            schema_text,
            input_file_type=InputFileType.JsonSchema,
            output_model_type=output_type,
            target_python_version=PythonVersion.PY_311,
            custom_file_header=f"# {HEADER}",
            disable_timestamp=True,
            formatters=[Formatter.BUILTIN],  # no black/isort: their versions would change output
            builtin_format_line_length=88,
            use_double_quotes=True,
            keep_model_order=True,
            use_title_as_name=True,
            skip_root_model=True,
            use_standard_collections=True,
            use_union_operator=True,
            use_standard_primitive_types=True,
            output_datetime_class=DatetimeClassType.Datetime,
            frozen_dataclasses=True,
            enable_faux_immutability=True,  # pydantic: frozen=True (events are immutable)
            keyword_only=True,
            aliases=dict(aliases or {}),
            allow_population_by_field_name=bool(aliases),
            use_schema_description=True,
            use_field_description=True,
            snake_case_field=False,
            capitalise_enum_members=False,
            use_subclass_enum=False,
            # a closed tuple (escodegen.analyse.schema.tuple_schema) as `tuple[A, B]`
            use_tuple_for_closed_arrays=True,
        )
    assert isinstance(result, str), "one input schema gives one module"
    if models == "msgspec":
        result = _split_annotations(_frozen_structs(result))
    elif models == "pydantic" and aliases:
        result = _attribute_parameters(result)
    # Descriptions are printable already; what may still hold a control or bidi character is a
    # string literal (an enum value, a default), written raw by datamodel-code-generator. The
    # Python escape keeps the literal's value and leaves no such character in the source.
    return escape(result.rstrip("\n"), keep="\n") + "\n"


_STRUCT = re.compile(r"^class (\w+)\(\s*Struct,\s*kw_only=True,?\s*\):$", re.MULTILINE)


def _frozen_structs(text: str) -> str:
    """Every `msgspec.Struct` made `frozen=True`, as events are in every model mode:
    datamodel-code-generator writes that keyword only on a shared base class it would add to
    each module."""
    return _STRUCT.sub(
        lambda match: fit(f"class {match.group(1)}(Struct, kw_only=True, frozen=True):",
                          first=True), text)


# A field whose first line datamodel-code-generator leaves too long: `name: A[...] = field(`.
_LONG_FIELD = re.compile(r"^(    \w+: \w+)\[(.*)\] = field\(\n        (.*)\n    \)$", re.MULTILINE)


def _split_annotations(text: str) -> str:
    """A renamed msgspec field too long for one line (`shipping_info: Annotated[..., Meta(...)]
    = field(name="shippingInfo")`) laid out as ruff's formatter does, its annotation split:
    datamodel-code-generator splits the `field(` call, leaving the first line too long."""
    def split(match: re.Match[str]) -> str:
        head, inner, arguments = match.groups()
        lines = [f"{head}[", f"        {inner}", f"    ] = field({arguments})"]
        if len(f"{head}[{inner}] = field(") <= 88 or max(map(len, lines)) > 88:
            return match.group(0)
        return "\n".join(lines)

    return _LONG_FIELD.sub(split, text)


_ALIAS = re.compile(r'(?<=[(, ])alias=("(?:[^"\\\n]|\\.)*")')


def _attribute_parameters(text: str) -> str:
    """Each pydantic `Field(alias="orderId")` made `Field(validation_alias="orderId",
    serialization_alias="orderId")`: the JSON name is still what is read and written, and the
    attribute (`order_id`) is the parameter type checkers see in `__init__` (for an `alias`
    they see the alias, and `OrderSubmitted(order_id=...)` would be a mypy error without
    pydantic's plugin). Each statement with one is laid out again (`fit`)."""
    tree = ast.parse(text)
    lines = text.split("\n")
    for node in reversed([stmt for cls in tree.body if isinstance(cls, ast.ClassDef)
                          for stmt in cls.body if isinstance(stmt, ast.AnnAssign)]):
        assert node.end_lineno is not None
        source = "\n".join(lines[node.lineno - 1:node.end_lineno])
        if not _ALIAS.search(source):
            continue
        # Line breaks are only ever between tokens (the module's literals are escaped)
        joined = re.sub(r"([(\[])\s*\n\s*", r"\1", source.strip())
        joined = re.sub(r",?\s*\n\s*([)\]])", r"\1", joined)
        joined = re.sub(r"\s*\n\s*", " ", joined)
        joined = _ALIAS.sub(r"validation_alias=\1, serialization_alias=\1", joined)
        lines[node.lineno - 1:node.end_lineno] = fit("    " + joined).split("\n")
    return "\n".join(lines)


_TAG = re.compile(r'^(    \w+: Literal\[("(?:[^"\\\n]|\\.)*")\])$', re.MULTILINE)
"""A field of one literal value: only a union variant's tag is one (its `const`)."""


def _unions(text: str, models: ModelKind) -> str:
    """The tagged unions of a generated module as the model mode wants them."""
    if models == "pydantic":
        text = _pydantic_unions(_pydantic_tuple_roots(text))
    if models == "dataclasses":
        text = _UNION_ALIAS.sub(_wrapped_alias, text)
    return _tag_defaults(text)


_UNION_ALIAS = re.compile(r"^(\w+: TypeAlias = )(\w+(?: \| \w+)+)$", re.MULTILINE)


def _wrapped_alias(match: re.Match[str]) -> str:
    """A union alias longer than a line laid out as ruff's formatter lays it out."""
    head, union = match.group(1), match.group(2)
    if len(head) + len(union) <= 88:
        return match.group(0)
    if len(union) + 4 <= 88:
        return f"{head}(\n    {union}\n)"
    first, *rest = union.split(" | ")
    return "\n".join([f"{head}(", f"    {first}", *(f"    | {name}" for name in rest), ")"])


def _tag_defaults(text: str) -> str:
    """A variant's tag field given its one value as default (`kind: Literal["card"] = "card"`),
    so a variant is made without repeating what its class says. msgspec writes the tag as the
    Struct's `tag` instead (but for a union of one variant, a plain Struct with the field)."""
    return _TAG.sub(r"\1 = \2", text)


def _pydantic_unions(text: str) -> str:
    """The discriminated unions datamodel-code-generator writes for pydantic as a `RootModel`
    each (a field of it would hold the root model, not a variant) made type aliases,
    `Method: TypeAlias = Annotated[Card | Transfer, Field(discriminator="kind")]`, and the
    fields using them plain annotations (the alias carries the discriminator)."""
    tree = ast.parse(text)
    lines = text.split("\n")
    edits: list[tuple[int, int, list[str]]] = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        base = node.bases[0] if node.bases else None
        if (isinstance(base, ast.Subscript) and isinstance(base.value, ast.Name)
                and base.value.id == "RootModel"):
            # the `root` field (a frozen model's `model_config` comes before it)
            root = next((stmt for stmt in node.body if isinstance(stmt, ast.AnnAssign)
                         and ast.unparse(stmt.target) == "root"), None)
            tag = _discriminator(root.value) if root is not None else None
            if tag is None:
                continue
            union = ast.unparse(base.slice)
            assert node.end_lineno is not None
            edits.append((node.lineno - 1, node.end_lineno, [
                f"{node.name}: TypeAlias = Annotated[", f"    {union},",
                f"    Field(discriminator={tag}),", "]"]))
            continue
        for stmt in node.body:
            if (isinstance(stmt, ast.AnnAssign) and _discriminator(stmt.value) is not None
                    and isinstance(stmt.value, ast.Call)):
                rest = [k for k in stmt.value.keywords
                        if k.arg not in ("discriminator", "title")]
                head = f"    {ast.unparse(stmt.target)}: {ast.unparse(stmt.annotation)}"
                assert stmt.end_lineno is not None
                if rest or len(stmt.value.args) != 1:
                    kept = ast.Call(stmt.value.func, stmt.value.args, rest)
                    head += f" = {ast.unparse(kept)}"
                edits.append((stmt.lineno - 1, stmt.end_lineno, [head]))
    if not edits:
        return text
    for first, end, new in sorted(edits, reverse=True):
        lines[first:end] = new
    text = "\n".join(lines)
    text = _import_names(text, "typing", {"Annotated", "TypeAlias"})
    if not re.search(r"\bRootModel\[", text):
        text = re.sub(r"(from pydantic import [^\n]*)\bRootModel, |, RootModel\b", r"\1", text)
    return text


def _pydantic_tuple_roots(text: str) -> str:
    """The `RootModel` datamodel-code-generator writes for pydantic of a tuple inside a tuple
    (a field of it would hold the root model, not the tuple) made a type alias,
    `PairItem1: TypeAlias = tuple[str, int]`, as it writes one in the other modes."""
    tree = ast.parse(text)
    lines = text.split("\n")
    edits: list[tuple[int, int, str]] = []
    for node in tree.body:
        base = node.bases[0] if isinstance(node, ast.ClassDef) and node.bases else None
        if (isinstance(node, ast.ClassDef) and isinstance(base, ast.Subscript)
                and isinstance(base.value, ast.Name) and base.value.id == "RootModel"
                and isinstance(base.slice, ast.Subscript)
                and isinstance(base.slice.value, ast.Name) and base.slice.value.id == "tuple"):
            assert node.end_lineno is not None
            edits.append((node.lineno - 1, node.end_lineno,
                          fit(f"{node.name}: TypeAlias = {ast.unparse(base.slice)}", first=True)))
    if not edits:
        return text
    for first, end, alias in reversed(edits):
        lines[first:end] = alias.split("\n")
    text = _import_names("\n".join(lines), "typing", {"TypeAlias"})
    if not re.search(r"\bRootModel\[", text):
        text = re.sub(r"(from pydantic import [^\n]*)\bRootModel, |, RootModel\b", r"\1", text)
    return text


def _discriminator(value: ast.expr | None) -> str | None:
    """The discriminator argument (as source) of a `Field(..., discriminator=...)`."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "Field":
        for keyword in value.keywords:
            if keyword.arg == "discriminator":
                return ast.unparse(keyword.value).replace("'", '"')
    return None


def _import_names(text: str, module: str, names: set[str]) -> str:
    """`text` whose one-line `from module import ...` also imports `names` (sorted)."""
    match = re.search(rf"^from {module} import ([^\n(]*)$", text, flags=re.MULTILINE)
    if match is None:
        line = f"from {module} import {', '.join(sorted(names))}"
        return re.sub(r"^(from __future__ import annotations\n\n)", rf"\1{line}\n",
                      text, count=1, flags=re.MULTILINE)
    imported = set(match.group(1).split(", ")) | names
    return text[:match.start(1)] + ", ".join(sorted(imported)) + text[match.end(1):]


def _render_one(job: tuple[str, str, ModelKind, dict[str, dict[str, str]], str, dict[str, str]]
                ) -> tuple[str, str]:
    name, schema_text, models, enums, types_module, aliases = job
    text = _unions(_generate(schema_text, models, aliases), models)
    text = _enum_defaults(text, {**enums, **enum_members(text)})
    text = _local_types_import(text, types_module)
    return name, _enums_first(text)


def render_types_module(project: Project, models: ModelKind) -> tuple[str, list[str]] | None:
    """The module of the named types' classes and their names; None without any."""
    types = class_types(project)
    if not types:
        return None
    schema = types_schema(types)
    assert project.python is not None
    text = _unions(
        _generate(json.dumps(schema), models, _aliases(schema, project.python.attribute_names)),
        models)
    text = _enums_first(_enum_defaults(text, enum_members(text)))
    return text, class_names(text)


def render_event_modules(project: Project, models: ModelKind, types_module: str = ""
                         ) -> dict[str, tuple[str, list[str]]]:
    """event name -> (module text, class names in it). Raises EmitError on a name collision.
    `types_module`: the text of the named types' module (`render_types_module`)."""
    assert project.python is not None
    types = class_types(project)
    module = f"{project.python.package}.events.{TYPES_MODULE}"
    named = {t.name: f"{module}.{t.name}" for t in types}
    enums = enum_members(types_module) if types_module else {}
    jobs = []
    expected: dict[str, set[str]] = {}
    for event in project.events:
        schema = event_schemas(event, named)
        expected[event.name] = set(_titles(schema))
        jobs.append((event.name, json.dumps(schema, sort_keys=False), models, enums, module,
                     _aliases(schema, project.python.attribute_names)))
    if len(jobs) >= _PARALLEL_FROM and (os.cpu_count() or 1) > 1:
        with ProcessPoolExecutor(max_workers=min(os.cpu_count() or 1, 8)) as pool:
            texts = dict(pool.map(_render_one, jobs, chunksize=8))
    else:
        texts = dict(map(_render_one, jobs))
    report = Report()
    owner: dict[str, str] = {}
    modules: dict[str, tuple[str, list[str]]] = {}
    for event in project.events:
        text = texts[event.name]
        classes = class_names(text)
        for name in classes:
            if name not in expected[event.name]:
                report.error("ES601", f"event '{event.name}' would generate class '{name}', "
                             "a name not taken from its schema titles (a collision renamed it)",
                             event.span)
            elif name in owner:
                report.error("ES601", f"class name '{name}' is generated for both "
                             f"'{owner[name]}' and '{event.name}'", event.span)
            else:
                owner[name] = event.name
        modules[event.name] = (text, classes)
    if report.has_errors:
        raise EmitError(report)
    return modules
