"""Turn structurally valid documents into the typed model, reporting what only the whole
project can tell: duplicate names across files, version gaps, paths outside the project.

The structure check has already accepted every document, so shapes here are trusted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from escodegen.check.constraints import declared_constraints
from escodegen.diagnostics import Report, Span
from escodegen.model import (
    Aggregate,
    AggregateState,
    Assignment,
    Column,
    Constant,
    EnvelopeRef,
    Event,
    EventVersion,
    Field,
    FieldType,
    Handler,
    Ignore,
    Increment,
    NamedType,
    PayloadRef,
    PostgresRoles,
    PostgresTarget,
    Project,
    Projection,
    PythonTarget,
    SnapshotPolicy,
    ValueExpr,
)
from escodegen.model.constraints import CONSTRAINT_KEYS, violation
from escodegen.model.naming import is_identifier, pascal
from escodegen.model.ops import UpcastOp
from escodegen.model.shape import kind_name
from escodegen.model.types import EXACT_NUMBER_KINDS, TYPES, TypeKind, is_kind
from escodegen.sources.project import LoadedProject, inside
from escodegen.sources.yaml_source import Document, JsonPath
from escodegen.upcast import parse_operation
from escodegen.upcast.values import ascii_json, fits

KINDS = ("events", "aggregates", "projections")
_DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)")
_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_ENVELOPE = {"$stream": "stream", "$position": "position", "$recorded_at": "recorded_at",
             "$correlation_id": "correlation_id", "$causation_id": "causation_id"}


@dataclass(frozen=True)
class _Located:
    """A cursor into one document: its data at `path`, and where that is."""

    doc: Document
    path: JsonPath

    @property
    def data(self) -> Any:
        value = self.doc.data
        for part in self.path:
            value = value[part]
        return value

    def at(self, *parts: str | int) -> _Located:
        return _Located(self.doc, (*self.path, *parts))

    @property
    def span(self) -> Span:
        return self.doc.span(self.path)

    @property
    def key_span(self) -> Span:
        return self.doc.key_span(self.path)


def build_project(loaded: LoadedProject, report: Report) -> Project:
    config = _Located(loaded.project, ())
    data = config.data
    root = loaded.root
    seen: dict[tuple[str, str], Span] = {}
    declared: dict[str, list[Any]] = {kind: [] for kind in KINDS}
    named = _NamedTypes(report)
    for doc in loaded.sources:
        if isinstance(doc.data, dict):
            for name in doc.data.get("types") or {}:
                node = _Located(doc, ("types", name))
                first = seen.get(("types", name))
                if first is not None:
                    report.error("ES201", f"'{name}' is declared twice (first at {first})",
                                 node.key_span)
                    continue
                seen[("types", name)] = node.key_span
                named.declare(name, node)
    token = _NAMED.set(named)
    try:
        types = named.resolve_all()
        for doc in loaded.sources:
            _declarations(doc, seen, declared, report)
    finally:
        _NAMED.reset(token)
    return Project(
        name=data["name"],
        root=root,
        project_file=loaded.project.path,
        sources=tuple(data["sources"]),
        registry=_inside_path(root, config.at("registry"), data.get("registry", "registry"), report),
        python=_python_target(root, config, report),
        postgres=_postgres_target(root, config, report),
        events=tuple(declared["events"]),
        aggregates=tuple(declared["aggregates"]),
        projections=tuple(declared["projections"]),
        ignores=tuple(Ignore(i["rule"], i["path"], i["reason"], config.at("ignore", n).span)
                      for n, i in enumerate(data.get("ignore", []))),
        source_files=tuple(doc.path for doc in loaded.sources),
        types=types,
    )


def _declarations(doc: Document, seen: dict[tuple[str, str], Span],
                  declared: dict[str, list[Any]], report: Report) -> None:
    """The events, aggregates and projections of one file (named types are built already)."""
    if not isinstance(doc.data, dict):
        return
    for kind in KINDS:
        for name in doc.data.get(kind) or {}:
            node = _Located(doc, (kind, name))
            # Events, aggregates and named types all become classes: one namespace.
            kind_key = "projections" if kind == "projections" else "types"
            first = seen.get((kind_key, name))
            if first is not None:
                report.error("ES201", f"'{name}' is declared twice (first at {first})", node.key_span)
                continue
            seen[(kind_key, name)] = node.key_span
            declared[kind].append(_BUILDERS[kind](name, node, report))


# Names the generated Python imports beside the classes it writes (the standard library's and
# the model libraries'): a named type so called would shadow one of them.
_TAKEN_CLASS_NAMES = frozenset({
    "Any", "Annotated", "ClassVar", "Decimal", "Enum", "Literal", "Optional", "StrEnum",
    "TypeAlias", "UUID", "Union", "BaseModel", "ConfigDict", "Field", "RootModel", "Meta",
    "Struct", "DecodeError", "EventEnvelope",
})


class _NamedTypes:
    """The `types:` of every file, resolved on first use: a name used before its declaration
    (or in another file) is found, an unknown one and a cycle are refused."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.nodes: dict[str, _Located] = {}
        self.resolved: dict[str, FieldType | None] = {}
        self.resolving: list[str] = []

    def declare(self, name: str, node: _Located) -> None:
        if name in _TAKEN_CLASS_NAMES:
            self.report.error("ES221", f"type '{name}' has the name of a built-in type of the "
                              "generated Python", node.key_span,
                              "Give it another name (e.g. with a domain prefix).")
            return
        self.nodes[name] = node

    def resolve_all(self) -> tuple[NamedType, ...]:
        result = []
        for name, node in self.nodes.items():
            resolved = self.resolve(name, node)
            if resolved is not None:
                result.append(NamedType(name, resolved, node.data.get("description"),
                                        node.doc.display, node.key_span))
        return tuple(result)

    def resolve(self, name: str, used_at: _Located) -> FieldType | None:
        """The expansion of the named type `name` (None after an error: reported here)."""
        if name in self.resolved:
            return self.resolved[name]
        node = self.nodes.get(name)
        if node is None:
            known = ", ".join(sorted(self.nodes)) or "none declared"
            self.report.error("ES222", f"unknown type '{name}' (named types: {known})",
                              used_at.span, "Declare it under `types:`, or fix the spelling.")
            return None
        if name in self.resolving:
            cycle = " -> ".join([*self.resolving[self.resolving.index(name):], name])
            self.report.error("ES223", f"type '{name}' contains itself: {cycle}", used_at.span,
                              "A record cannot hold itself, directly or through other types; "
                              "use an array of ids, or json.")
            self.resolved[name] = None
            return None
        self.resolving.append(name)
        try:
            spec = node.data
            kind = spec.get("type", "object")
            if kind == "object":
                resolved: FieldType | None = FieldType("object", fields(node.at("fields")), name=name)
            elif kind == "union":
                resolved = replace(union_type(node), name=name)
            else:
                resolved = FieldType(kind, values=tuple(spec.get("values", ())), name=name,
                                     constraints=_constraints(node, kind, self.report))
        finally:
            self.resolving.pop()
        self.resolved.setdefault(name, resolved)
        return self.resolved[name]


_NAMED: ContextVar[_NamedTypes | None] = ContextVar("named_types", default=None)
"""The named types of the project being built (fields are built deep inside declarations)."""


def _named(name: str, node: _Located) -> FieldType:
    named = _NAMED.get()
    assert named is not None, "fields are built inside build_project"
    resolved = named.resolve(name, node)
    # After an error the field is built as json so the rest of the file is still checked.
    return resolved if resolved is not None else FieldType("json")


def _inside_path(root: Path, node: _Located, value: str, report: Report) -> Path:
    path = (root / value).absolute()
    if Path(value).is_absolute() or ".." in Path(value).parts or not inside(root, path):
        report.error("ES005", f"'{value}' points outside the project folder", node.span)
    return path


def _python_target(root: Path, config: _Located, report: Report) -> PythonTarget | None:
    spec = config.data.get("python")
    if spec is None:
        return None
    out = _inside_path(root, config.at("python", "out"), spec["out"], report)
    return PythonTarget(out=out, package=spec["package"], models=spec.get("models", "dataclasses"),
                        attribute_names=spec.get("attribute_names", "json"),
                        pyproject=spec.get("pyproject", False),
                        version=spec.get("version", "0.0.0"))


def _postgres_target(root: Path, config: _Located, report: Report) -> PostgresTarget | None:
    spec = config.data.get("postgres")
    if spec is None:
        return None
    out = _inside_path(root, config.at("postgres", "out"), spec["out"], report)
    roles = spec.get("roles", {})
    seen: dict[str, str] = {}
    for kind in ("writer", "reader", "migrator"):
        role = roles.get(kind)
        if role in seen:
            report.error("ES209", f"postgres.roles: role '{role}' is both the {seen[role]} and "
                         f"the {kind}", config.at("postgres", "roles", kind).span)
        elif role is not None:
            seen[role] = kind
    return PostgresTarget(out=out, schema=spec.get("schema", "es"),
                          roles=PostgresRoles(roles.get("writer"), roles.get("reader"),
                                              roles.get("migrator")),
                          validate_on_append=spec.get("validate_on_append", True),
                          distribution=spec.get("distribution"))


def field_type(node: _Located) -> tuple[FieldType, bool]:
    """A type from its short (`string?`) or long form, and whether the field is required."""
    spec = node.data
    if isinstance(spec, str):
        short = spec.rstrip("?")
        ftype = FieldType(short) if is_kind(short) else _named(short, node)
        return ftype, not spec.endswith("?")
    kind = spec["type"]
    required = bool(spec.get("required", "default" not in spec))
    if not is_kind(kind):
        return _constrained_named(_named(kind, node.at("type")), node), required
    nested: tuple[Field, ...] = ()
    if kind == "object":
        nested = fields(node.at("fields"))
    items = None
    if kind == "array":
        items = field_type(node.at("items"))[0]
    elif kind == "map":
        items = field_type(node.at("values"))[0]
    elif kind == "union":
        return union_type(node), required
    elif kind == "tuple":
        return tuple_type(node), required
    values = tuple(spec.get("values", ())) if kind == "enum" else ()
    named_types = _NAMED.get()
    assert named_types is not None, "fields are built inside build_project"
    return FieldType(kind, nested, items, values,
                     constraints=_constraints(node, kind, named_types.report)), required


def _constraints(node: _Located, kind: TypeKind, report: Report) -> tuple[tuple[str, Any], ...]:
    """The constraints the long form at `node` declares (checked: escodegen.check.constraints)."""
    return declared_constraints(node.data, kind, lambda key: node.at(key).span, report)


def _constrained_named(named: FieldType, node: _Located) -> FieldType:
    """A named type used with constraints of its own (`{type: CurrencyCode, maxLength: 3}`):
    both sets apply; a key the named type sets already is refused (ES226)."""
    named_types = _NAMED.get()
    assert named_types is not None, "fields are built inside build_project"
    own = _constraints(node, named.kind, named_types.report)
    if not own:
        return named
    have = dict(named.constraints)
    for key, _ in own:
        if key in have:
            named_types.report.error("ES226", f"`{key}` is set by the named type "
                                     f"{named.name} already", node.at(key).span,
                                     "Declare another named type, or drop the key here.")
    merged = {**dict(own), **have}
    ordered = tuple((key, merged[key]) for key in CONSTRAINT_KEYS if key in merged)
    return replace(named, constraints=ordered)


def union_type(node: _Located) -> FieldType:
    """A tagged union `{type: union, tag, variants: {tag value: record}}`: each variant a named
    record or an inline `{fields}`; refused (and built as json) when it has no variant."""
    spec = node.data
    if isinstance(spec["variants"], list):
        return _untagged_union(node)
    tag = spec["tag"]
    named = _NAMED.get()
    assert named is not None, "fields are built inside build_project"
    report = named.report
    variants: list[tuple[str, FieldType]] = []
    pascal_seen: dict[str, str] = {}
    for value, variant in spec["variants"].items():
        at = node.at("variants", value)
        record = _variant_record(variant, at, named)
        if record is None:
            continue
        clash = pascal_seen.get(pascal(value))
        if clash is not None:
            report.error("ES243", f"variant tags '{clash}' and '{value}' of one union differ "
                         "only in case or underscores (their classes would have one name)",
                         at.key_span, "Give every variant a tag of its own.")
            continue
        pascal_seen[pascal(value)] = value
        if record.field(tag) is not None:
            report.error("ES242", f"the tag '{tag}' is also a field of variant '{value}'",
                         at.span, "The tag's value names the variant: rename the tag (e.g. "
                         "`tag: kind`) or the field.")
            continue
        variants.append((value, record))
    if not spec["variants"]:
        report.error("ES240", "a union without variants", node.at("variants").span,
                     "List its variants: `variants: {card: Card, transfer: BankTransfer}`.")
        return FieldType("json")
    return FieldType("union", tag=tag, variants=tuple(variants))


def _untagged_union(node: _Located) -> FieldType:
    """An untagged union `{type: union, variants: [string, integer]}`: scalar variants of
    pairwise distinct JSON kinds, so a value's kind says which variant it is."""
    named = _NAMED.get()
    assert named is not None, "fields are built inside build_project"
    variants: list[tuple[str, FieldType]] = []
    by_json: dict[str, str] = {}
    for index in range(len(node.data["variants"])):
        at = node.at("variants", index)
        variant = field_type(at)[0]
        if not TYPES[variant.kind].scalar:
            named.report.error("ES244", f"variant {variant.describe()} of an untagged union is "
                               "not a scalar", at.span, "List scalar types (string, integer, "
                               "boolean, ...), or give the union a tag and record variants.")
            continue
        json_kind = TYPES[variant.kind].check.json_kinds[0]
        key = kind_name(variant)
        if json_kind in by_json:
            named.report.error("ES244", f"variants {by_json[json_kind]} and {key} of an untagged "
                               f"union are both JSON {json_kind}s: a value cannot tell which it "
                               "is", at.span, "Keep one of them (an integer is a number), or "
                               "give the union a tag and record variants.")
            continue
        by_json[json_kind] = key
        variants.append((key, variant))
    if not node.data["variants"]:
        named.report.error("ES240", "a union without variants", node.at("variants").span,
                           "List its variants: `variants: [string, integer]`.")
        return FieldType("json")
    return FieldType("union", variants=tuple(variants))


def tuple_type(node: _Located) -> FieldType:
    """A tuple `{type: tuple, items: [string, number], rest: string}`: a type per position,
    then any number of items of `rest` (none without it). With a rest, its Python class holds a
    list of the union of those types, so they must be told apart by their JSON kind (ES245)."""
    named = _NAMED.get()
    assert named is not None, "fields are built inside build_project"
    _constraints(node, "tuple", named.report)  # none applies to a tuple itself: ES224
    elements = tuple(field_type(node.at("items", i))[0] for i in range(len(node.data["items"])))
    rest = field_type(node.at("rest"))[0] if "rest" in node.data else None
    if rest is not None:
        by_json: dict[str, str] = {}
        for member in (*elements, rest):
            name = kind_name(member)
            if member.kind == "json":
                continue
            if not TYPES[member.kind].scalar or member.kind == "enum" or member.constraints:
                named.report.error("ES245", f"{member.describe()} in a tuple with rest: its "
                                   "items are held as a list of the union of their types, which "
                                   "only plain scalars keep apart", node.at("rest").span,
                                   "Use scalar types (string, number, boolean, ...) and json, "
                                   "or drop `rest` for a closed tuple.")
                return FieldType("json")
            json_kind = TYPES[member.kind].check.json_kinds[0]
            if by_json.setdefault(json_kind, name) != name:
                named.report.error("ES245", f"{by_json[json_kind]} and {name} in a tuple with "
                                   f"rest are both JSON {json_kind}s: a list of their union "
                                   "cannot tell which each item is", node.at("rest").span,
                                   "Use one type per JSON kind (an integer is a number), or drop "
                                   "`rest` for a closed tuple.")
                return FieldType("json")
    return FieldType("tuple", items=rest, elements=elements)


def _variant_record(variant: Any, at: _Located, named: _NamedTypes) -> FieldType | None:
    """The record of one variant; None after an error (reported)."""
    if isinstance(variant, dict):
        return FieldType("object", fields(at.at("fields")))
    resolved = named.resolve(variant, at)
    if resolved is None:
        return None
    if resolved.kind != "object":
        named.report.error("ES241", f"variant '{variant}' is a {resolved.kind}, not a record",
                     at.span, "A tagged union's variants are records: named types with "
                     "`fields`, or inline `{fields: {...}}`.")
        return None
    return resolved


def _check_composite_default(field: Field, node: _Located) -> None:
    """A default of a union-typed field must be one of its variants, tag included; of a
    tuple, a list of its positions' values (and the rest's)."""
    named = _NAMED.get()
    assert named is not None, "fields are built inside build_project"
    if field.has_default and not fits(field.default, field.type, not field.may_be_null):
        hint = ("Give a list of a value per position (then any of the rest's type)."
                if field.type.kind == "tuple" else "Give an object whose tag names a variant "
                "and whose other keys are that variant's fields.")
        named.report.error("ES312", f"the default of '{field.name}' is not a value of "
                     f"{field.type.describe()}", node.at("default").span, hint)


def fields(node: _Located) -> tuple[Field, ...]:
    result = []
    for name, spec in node.data.items():
        child = node.at(name)
        ftype, required = field_type(child)
        long_form = spec if isinstance(spec, dict) else {}
        if long_form.get("default") is not None and ftype.constraints:
            _default_meets_constraints(ftype, child.at("default"))
        result.append(Field(
            name=name,
            type=ftype,
            required=required,
            has_default="default" in long_form,
            default=long_form.get("default"),
            description=long_form.get("description"),
            pii=bool(long_form.get("pii", False)),
            span=child.key_span,
            nullable=long_form.get("nullable"),
        ))
        if ftype.kind in ("union", "tuple"):
            _check_composite_default(result[-1], child)
    return tuple(result)


def _default_meets_constraints(ftype: FieldType, node: _Located) -> None:
    """ES228 for a default (of the right type) its field's constraints refuse."""
    named_types = _NAMED.get()
    assert named_types is not None, "fields are built inside build_project"
    value = node.data
    if not fits(value, replace(ftype, constraints=())):
        return  # not a value of the type at all: not this check's to say
    text = str(value) if ftype.kind in EXACT_NUMBER_KINDS else value
    problem = violation(ftype.kind, ftype.constraints, text)
    if problem is not None:
        named_types.report.error("ES228", f"the default {ascii_json(value)} is {problem}",
                                 node.span)


def _event(name: str, node: _Located, report: Report) -> Event:
    spec = node.data
    versions_node = node.at("versions")
    numbers = sorted(int(k) for k in versions_node.data)
    if numbers != list(range(1, len(numbers) + 1)):
        report.error(
            "ES301",
            f"event {name} has versions {', '.join(map(str, numbers))}; expected "
            f"{', '.join(map(str, range(1, len(numbers) + 1)))}",
            versions_node.span,
        )
    by_number = {int(k): k for k in versions_node.data}
    versions = []
    for number in numbers:
        vnode = versions_node.at(by_number[number])
        ops: list[UpcastOp] = []
        for index, entry in enumerate(vnode.data.get("upcast", [])):
            entry_node = vnode.at("upcast", index)
            op = parse_operation(entry, entry_node.span, report,
                                 _argument_spans(entry_node, next(iter(entry))))
            if op is not None:
                ops.append(op)
        if number == 1 and ops:
            report.error("ES302", f"{name} v1 has an `upcast` list", vnode.at("upcast").span)
        versions.append(EventVersion(
            number=number,
            fields=fields(vnode.at("fields")),
            upcast=tuple(ops),
            description=vnode.data.get("description"),
            span=vnode.key_span,
        ))
    return Event(
        name=name,
        versions=tuple(versions),
        description=spec.get("description"),
        aggregate=spec.get("aggregate"),
        subject=spec.get("subject"),
        replaces=spec.get("replaces"),
        file=node.doc.display,
        span=node.key_span,
    )


def _argument_spans(entry: _Located, op: str) -> Callable[[str], Span]:
    """The position of one argument's value of the upcast entry `{op: {...}}`."""
    return lambda key: entry.at(op, key).span


def _seconds(text: str) -> float:
    match = _DURATION.fullmatch(text)
    assert match is not None  # the meta-schema's duration pattern
    return float(match.group(1)) * _SECONDS[match.group(2)]


def _snapshot(spec: Any) -> SnapshotPolicy:
    if not isinstance(spec, dict):
        return SnapshotPolicy("none")
    if "replay_over" in spec:
        return SnapshotPolicy("replay_over", seconds=_seconds(spec["replay_over"]))
    every = spec["every"]
    if isinstance(every, int):
        return SnapshotPolicy("every", events=every)
    return SnapshotPolicy("interval", seconds=_seconds(every))


def _aggregate(name: str, node: _Located, report: Report) -> Aggregate:
    spec = node.data
    id_field = spec["id"]["field"]
    state = spec["state"]
    return Aggregate(
        name=name,
        id_field=id_field,
        id_type=FieldType(spec["id"].get("type", "uuid")),
        stream=spec.get("stream", f"{name}-{{{id_field}}}"),
        events=tuple(spec["events"]),
        state=AggregateState(version=state["version"],
                             fields=_unchecked(fields(node.at("state", "fields")),
                                               f"state field {name}", report)),
        snapshot=_snapshot(spec.get("snapshot")),
        description=spec.get("description"),
        file=node.doc.display,
        span=node.key_span,
    )


def _unchecked(declared: tuple[Field, ...], what: str, report: Report) -> tuple[Field, ...]:
    """Fields whose values nothing validates (an aggregate's state, a projection's columns):
    a constraint on one is warned of (it would have no effect)."""
    for field in declared:
        if _constrained(field.type):
            report.warning("ES101", f"constraints on {what}.{field.name} have no effect", field.span,
                           "Constraints are checked on event payloads (docs/language.md#"
                           "constraints); declare them on the event's field.")
    return declared


def _constrained(field_type: FieldType) -> bool:
    return bool(field_type.constraints) or any(_constrained(f.type) for f in field_type.fields) or (
        field_type.items is not None and _constrained(field_type.items))


def value_expr(node: _Located, report: Report) -> ValueExpr:
    value = node.data
    if isinstance(value, dict):
        return Increment(value["increment"])
    if isinstance(value, str) and value.startswith("$"):
        if value.startswith("$.") and len(value) > 2:
            return PayloadRef(tuple(value[2:].split(".")))
        if value.startswith("$meta.") and is_identifier(value[6:]):
            return EnvelopeRef("meta", value[6:])
        if value in _ENVELOPE:
            return EnvelopeRef(_ENVELOPE[value])  # type: ignore[arg-type]
        report.error("ES207", f"unknown reference '{value}'", node.span,
                     "Use $.field for the payload, $meta.key (an identifier), $stream, $position, "
                     "$recorded_at, $correlation_id or $causation_id.")
    return Constant(value)


def _assignments(node: _Located, report: Report) -> tuple[Assignment, ...]:
    return tuple(
        Assignment(column, value_expr(node.at(column), report), node.at(column).key_span)
        for column in node.data
    )


def _projection(name: str, node: _Located, report: Report) -> Projection:
    spec = node.data
    key = tuple(spec["key"])
    declared = _unchecked(fields(node.at("columns")), f"column {name}", report)
    columns = tuple(Column(f.name, f.type, f.required, f.span) for f in declared)
    for f in declared:
        if f.pii:
            report.warning("ES101", f"`pii` on column {name}.{f.name} has no effect",
                           f.span, "A purge clears the columns a handler fills from a field "
                           "marked `pii` in the event; mark the event's field instead "
                           "(docs/language.md#personal-data-and-the-regulatory-purge).")
    handlers = []
    for event_name, handler_spec in spec["on"].items():
        hnode = node.at("on", event_name)
        action: Literal["upsert", "update", "delete"] = (
            "upsert" if "upsert" in handler_spec else "update" if "update" in handler_spec
            else "delete")
        values = _assignments(hnode.at(action), report) if action != "delete" else ()
        if "where" in handler_spec:
            where = _assignments(hnode.at("where"), report)
        elif action == "upsert":
            where = ()
        else:
            where = tuple(Assignment(k, PayloadRef((k,)), hnode.key_span) for k in key)
        handlers.append(Handler(event_name, action, values, where, hnode.key_span))
    return Projection(
        name=name,
        key=key,
        columns=columns,
        handlers=tuple(handlers),
        description=spec.get("description"),
        on_error=spec.get("on_error", "stop"),
        file=node.doc.display,
        span=node.key_span,
    )


_BUILDERS = {"events": _event, "aggregates": _aggregate, "projections": _projection}
