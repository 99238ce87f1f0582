"""The decision-matrix engine: classify every change between a published contract and the
declarations under review into findings (rules in `escodegen.analyse.rules`).

It knows what a schema-only tool cannot: the upcast operations of each new version (a rename
with `rename` is covered, without it breaks), the whole chain from every published version
to the latest (a name reused with another type is caught even when each step looks fine),
and which projections and aggregates read a field.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from escodegen.analyse.consumers import event_consumers, readers_in
from escodegen.analyse.findings import Finding
from escodegen.analyse.pyapi import PythonApi, latest_api
from escodegen.analyse.schema import default_json, event_version_schema
from escodegen.analyse.shapes import (
    Contract,
    Shape,
    flatten,
    projection_schema,
    state_schema,
)
from escodegen.canonical import same_shape
from escodegen.diagnostics import Report, Span
from escodegen.model import Event, Field, FieldType, Project
from escodegen.model.constraints import constraint_changes
from escodegen.model.types import SCALAR_KINDS

if TYPE_CHECKING:
    from escodegen.model.ops import UpcastOp
    from escodegen.upcast.operations.base import Loss, Maps, Meaning

# The upcast operations (what each one means for a field) are imported where a change is
# judged, not with this module: `check` and `diff` of an unchanged project never need them,
# and loading them is a tenth of a `check` on 200 events.


def compare(base: Contract, head: Project, base_project: Project | None = None,
            python_api: bool = True) -> list[Finding]:
    """Every finding for the change from `base` to the (valid) declarations in `head`.

    `base_project` is the base's model when there is one (a git ref or folder): the consumers
    it declares count too, so removing a field and its reader in one change is still caught.
    `python_api`: also judge the generated Python API of the latest versions (with a Python
    target), which a comparison of single version steps (the catalog's history) leaves out.
    """
    context = _Context(base, head, (base_project, head))
    findings = [*context.events(), *context.states(), *context.projections()]
    if python_api:
        findings += context.python_api()
    return _first_per_place(findings)


def invalid_findings(report: Report) -> list[Finding]:
    """The errors of a failed validation as findings (rule ESD001), so every format shows them."""
    return [
        Finding("ESD001", d.span.file if d.span else "escodegen.yaml",
                f"{d.code} {d.message}", (d.code, d.message), span=d.span)
        for d in report if d.severity == "error"
    ]


def _first_per_place(findings: list[Finding]) -> list[Finding]:
    """One finding per (rule, path): a step's own finding wins over the same one seen from an
    older version across the chain."""
    seen: dict[tuple[str, str, tuple[str, ...]], Finding] = {}
    for f in findings:
        key = (f.rule, f.path, f.arguments if f.rule in _PER_ARGUMENT else ())
        seen.setdefault(key, f)
    return list(seen.values())


_PER_ARGUMENT = frozenset({"ESD001", "ESD111", "ESD112", "ESD113", "ESD150", "ESD182",
                           "ESD183"})


@dataclass
class _Context:
    base: Contract
    head: Project
    models: tuple[Project | None, ...]
    _schemas: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)

    def schema(self, event: Event, number: int) -> dict[str, Any]:
        key = (event.name, number)
        if key not in self._schemas:
            self._schemas[key] = event_version_schema(event, number)
        return self._schemas[key]

    # -- the generated Python API ---------------------------------------------------------

    def python_api(self) -> list[Finding]:
        """What breaks code using the generated package: each event's latest published
        version against its latest declared one (`analyse.pyapi`)."""
        if self.head.python is None:
            return []
        style = self.head.python.attribute_names
        found: list[Finding] = []
        for name, published in self.base.events.items():
            event = self.head.event(name)
            if event is None or not published:
                continue  # a removed event is ESD130 / ESD131
            last, latest = max(published), event.latest.number
            schema = self.schema(event, latest)
            if last == latest and published[last] == schema:
                continue
            before = latest_api(name, last, published[last], style)
            after = latest_api(name, latest, schema, style)
            found += _api_changes(event, before, after, self.head.python.package)
        return found

    # -- events ---------------------------------------------------------------------------

    def events(self) -> Iterator[Finding]:
        for name, published in self.base.events.items():
            event = self.head.event(name)
            if event is None:
                yield self._removed_event(name)
                continue
            for number in sorted(published):
                if number > event.latest.number:
                    yield Finding("ESD121", f"{name}.v{number}",
                                  f"{name} v{number} is published ({self.base.label}) but no longer "
                                  "declared", (), span=event.span,
                                  consumers=event_consumers(self.head, name))
                    continue
                schema = published[number]
                if not same_shape(schema, self.schema(event, number)):
                    yield from self._in_place(event, number, schema)
            yield from self._owner_changed(event)
            last = max(published)
            for number in range(last + 1, event.latest.number + 1):
                yield Finding("ESD133", f"{name}.v{number}",
                              f"{name} v{number} is new (not in {self.base.label})",
                              span=event.version(number).span)
                yield from self._step(event, number)
            if event.latest.number > last:
                for number in sorted(published):
                    if number < event.latest.number - 1:
                        yield from self._across_chain(event, number, published[number])
        for event in self.head.events:
            if event.name not in self.base.events:
                also = f", replaces {event.replaces}" if event.replaces else ""
                yield Finding("ESD132", event.name, f"{event.name} is a new event type (not in "
                              f"{self.base.label}{also})", span=event.span)

    def _owner_changed(self, event: Event) -> Iterator[Finding]:
        """The event-level facts stored events depend on: the aggregate whose streams hold them
        and the `subject` a purge finds them by (known when the base is a project)."""
        base = self.base.owners.get(event.name)
        if base is None:
            return
        if base.aggregate is not None and event.aggregate != base.aggregate:
            now = f"aggregate {event.aggregate}" if event.aggregate else "no aggregate"
            yield Finding("ESD134", event.name,
                          f"{event.name} moved from aggregate {base.aggregate} to {now}; its stored "
                          f"events stay in {base.aggregate}'s streams, which "
                          f"{event.aggregate or 'nothing'} never loads: keep `aggregate: "
                          f"{base.aggregate}`, or declare a new event type for {now} "
                          f"(`replaces: {event.name}`)", (event.aggregate or "",),
                          base.aggregate, event.aggregate, event_consumers(self.head, event.name),
                          event.span)
        if base.subject is not None and event.subject != base.subject:
            what = f"changed to {event.subject}" if event.subject else "removed"
            yield Finding("ESD161", event.name,
                          f"{event.name}: subject {base.subject} {what}; a purge finds a data "
                          f"subject's stored events by {base.subject}, so it would miss them: keep "
                          f"`subject: {base.subject}`", (event.subject or "",), base.subject,
                          event.subject, span=event.span)

    def _removed_event(self, name: str) -> Finding:
        successor = next((e for e in self.head.events if e.replaces == name), None)
        consumers = tuple(c for m in self.models if m is not None for c in event_consumers(m, name))
        if successor is not None:
            return Finding("ESD131", name, f"{name} is removed and replaced by {successor.name}",
                           (successor.name,), span=successor.span, consumers=consumers)
        return Finding("ESD130", name,
                       f"{name} has published versions ({self.base.label}) and is no longer "
                       "declared; no event replaces it", consumers=consumers)

    def _in_place(self, event: Event, number: int, published: dict[str, Any]) -> Iterator[Finding]:
        changes = list(_Changes(self, event, number, flatten(published),
                                flatten(self.schema(event, number)), (), in_place=True).classify())
        yield from changes
        if not any(f.rule not in _ALLOWED_IN_PLACE for f in changes):
            return
        prefix = f"{event.name}.v{number}."
        paths = [f.path.removeprefix(prefix) for f in changes]
        shared = _named_types_at(event.version(number).fields, paths)
        # Edited, not swapped: the published version used the type there too (the base model
        # says so; a registry schema by the titles of its named records and enums).
        base_project = self.models[0]
        base_event = base_project.event(event.name) if base_project is not None else None
        if base_event is not None and number <= base_event.latest.number:
            before = set(_named_types_at(base_event.version(number).fields, paths))
        else:
            before = _titles(published)
        shared = [name for name in shared if name in before]
        if shared:
            names = ", ".join(shared)
            yield Finding("ESD122", f"{event.name}.v{number}",
                          f"{event.name} v{number} is published ({self.base.label}) and changed "
                          f"through the named type {names}, which it uses; leave the published "
                          f"type as it was and give v{event.latest.number + 1} a new named type",
                          tuple(shared), span=event.version(number).span,
                          consumers=event_consumers(self.head, event.name))
        else:
            yield Finding("ESD120", f"{event.name}.v{number}",
                          f"{event.name} v{number} is published ({self.base.label}) and was edited "
                          f"in place; declare v{event.latest.number + 1} with an upcaster "
                          "instead",
                          span=event.version(number).span,
                          consumers=event_consumers(self.head, event.name))

    def _step(self, event: Event, number: int) -> Iterator[Finding]:
        old = flatten(self.schema(event, number - 1))
        new = flatten(self.schema(event, number))
        yield from _Changes(self, event, number, old, new, event.version(number).upcast).classify()

    def _across_chain(self, event: Event, number: int, published: dict[str, Any]) -> Iterator[Finding]:
        """Judge v`number` -> latest as a whole: trace each field's identity through every
        upcaster; a latest field whose name an old field had, with another type, is a change of
        meaning even if each step on its own looked fine."""
        from escodegen.upcast.operations.base import Opaque
        from escodegen.upcast.shape import widens
        from escodegen.upcast.table import operation

        start = flatten(published)
        origin: dict[str, str | None] = {p: p for p in start}
        converted: set[str] = set()
        for step in range(number + 1, event.latest.number + 1):
            for op in event.version(step).upcast:
                meaning = operation(op).meaning(op)
                if isinstance(meaning, Opaque):
                    return  # nothing can be traced through it
                _trace(meaning, origin, converted)
            declared = flatten(self.schema(event, step))
            origin = {p: origin.get(p) for p in declared}
        latest = event.latest.number
        for path, shape in flatten(self.schema(event, latest)).items():
            source = origin.get(path)
            before = start.get(source) if source is not None else start.get(path)
            if (before is None or before.kind == shape.kind or source in converted
                    or widens(before.kind, shape.kind)):
                continue
            how = "was renamed to it" if source not in (None, path) else "is reused"
            yield Finding("ESD110", f"{event.name}.v{latest}.{path}",
                          f"{event.name}.{path} is {shape.kind} in v{latest} but "
                          f"{source or path} was {before.kind} in v{number} and {how} across the "
                          "chain; a change of meaning needs a new event type",
                          (f"v{number}", before.kind, shape.kind), before.kind, shape.kind,
                          readers_in(self.models, event.name, path),
                          _span(event, latest, path))

    # -- aggregates and projections ---------------------------------------------------------

    def states(self) -> Iterator[Finding]:
        for name, published in self.base.states.items():
            aggregate = self.head.aggregate(name)
            if aggregate is None:
                continue
            version = aggregate.state.version
            schema = state_schema(aggregate)
            path = f"aggregate.{name}.state"
            if version in published:
                if same_shape(published[version], schema):
                    continue
                before, after = flatten(published[version]), flatten(schema)
                if _without_pii(before) == _without_pii(after):
                    # Only pii flags changed: the state's shape, and its snapshots, stay valid.
                    for field_path, shape in after.items():
                        if shape.pii and not before[field_path].pii:
                            yield Finding("ESD114", f"{path}.{field_path}",
                                          f"aggregate {name}: state field {field_path} is now pii; "
                                          "stored snapshots hold it in clear until a purge",
                                          (), False, True, span=aggregate.span)
                    continue
                old, new = _describe_fields(published[version]), _describe_fields(schema)
                yield Finding("ESD140", path,
                              f"aggregate {name}: state v{version} changed from {{{old}}} to "
                              f"{{{new}}} without a new state.version",
                              (f"v{version}",), old, new, span=aggregate.span)
            elif version > max(published):
                yield Finding("ESD141", path,
                              f"aggregate {name}: state v{max(published)} -> v{version}; older "
                              "snapshots are ignored (full replay)", (f"v{version}",),
                              max(published), version, span=aggregate.span)
            else:
                yield Finding("ESD140", path,
                              f"aggregate {name}: state.version went back to v{version} (published "
                              f"up to v{max(published)})", (f"v{version}",), max(published), version,
                              span=aggregate.span)

    def projections(self) -> Iterator[Finding]:
        for name, published in self.base.projections.items():
            projection = self.head.projection(name)
            if projection is None:
                continue
            schema = projection_schema(projection)
            old_key, new_key = published.get("x-key", []), schema["x-key"]
            if old_key != new_key:
                yield Finding("ESD150", f"projection.{name}",
                              f"projection {name}: key {old_key} -> {new_key}; rebuild required",
                              ("key", ",".join(new_key)), old_key, new_key, span=projection.span)
            old, new = flatten(published), flatten(schema)
            for column in sorted(old.keys() | new.keys()):
                before, after = old.get(column), new.get(column)
                if before is not None and after is not None and before.kind == after.kind:
                    continue
                what = ("added" if before is None else "removed" if after is None
                        else f"type {before.kind} -> {after.kind}")
                col = projection.column(column)
                yield Finding("ESD150", f"projection.{name}.{column}",
                              f"projection {name}: column {column} {what}; rebuild required",
                              (what,), before.kind if before else None, after.kind if after else None,
                              span=col.span if col else projection.span)


_ALLOWED_IN_PLACE = frozenset({"ESD101", "ESD114"})


def _trace(meaning: Meaning, origin: dict[str, str | None], converted: set[str]) -> None:
    """Apply one operation's meaning to the identity map `current path -> path in the old
    version`."""
    from escodegen.upcast.operations.base import (
        Converts,
        Declares,
        Derives,
        Fills,
        Maps,
        Moves,
        Removes,
    )
    from escodegen.upcast.shape import dotted

    match meaning:
        case Moves(source, target):
            _rekey(origin, dotted(source), dotted(target))
        case Derives(sources, targets):
            for source in sources:
                _drop(origin, dotted(source))
            origin.update({dotted(p): None for p in targets})
        case Removes(path):
            _drop(origin, dotted(path))
        case Fills(path, _, replaces):
            if replaces:  # the field holds a new value; a default keeps the stored one
                origin[dotted(path)] = None
        case Converts(path) | Maps(path):
            traced = origin.get(dotted(path))
            if traced is not None:
                converted.add(traced)
        case Declares(paths):
            for path in paths:
                traced = origin.get(dotted(path))
                if traced is not None:
                    converted.add(traced)
        case _:
            raise TypeError(f"diff does not know what {meaning!r} means for a field's identity")


def _api_changes(event: Event, before: PythonApi, after: PythonApi, package: str
                 ) -> Iterator[Finding]:
    prefix = f"{event.name}.v{event.latest.number}"
    span, consumers = event.latest.span, (f"python package {package}",)

    def at(path: str) -> str:
        return f"{prefix}.{path}" if path else prefix

    for cls, attributes in before.classes.items():
        if cls not in after.classes:
            yield Finding("ESD200", at(before.where[cls]),
                          f"{event.name} v{event.latest.number}: the generated class {cls} is "
                          "renamed or gone; code naming it no longer imports or type-checks",
                          (cls,), cls, None, consumers, span)
            continue
        for attribute, was in attributes.items():
            now = after.classes[cls].get(attribute)
            if now is None:
                yield Finding("ESD201", at(was.path),
                              f"{event.name} v{event.latest.number}: the attribute "
                              f"{cls}.{attribute} is renamed or gone; code reading it no longer "
                              "type-checks", (cls, attribute), was.annotation, None, consumers,
                              span)
            elif now.annotation != was.annotation:
                yield Finding("ESD202", at(now.path),
                              f"{event.name} v{event.latest.number}: the attribute "
                              f"{cls}.{attribute} is {now.annotation}, was {was.annotation}",
                              (cls, attribute, was.annotation, now.annotation),
                              was.annotation, now.annotation, consumers, span)


def _named_types_at(fields: tuple[Field, ...], paths: list[str]) -> list[str]:
    """The named types (outermost first) that are or hold one of `paths` (flattened: `a.b`, `a[].b`,
    `a{}.b`) of a version's `fields`."""
    found: dict[str, None] = {}
    for path in paths:
        current: tuple[Field, ...] = fields
        for part in path.split("."):
            field = next((f for f in current if f.name == part.rstrip("[]{}")), None)
            if field is None:
                break
            field_type = field.type
            while field_type.kind in ("array", "map") and field_type.items is not None:
                field_type = field_type.items
            if field_type.name is not None:
                found.setdefault(field_type.name)
            current = field_type.fields
    return list(found)


def _titles(schema: Any) -> set[str]:
    """Every `title` annotation of a schema (a property called `title` maps to a schema)."""
    if isinstance(schema, list):
        return set().union(*map(_titles, schema)) if schema else set()
    if not isinstance(schema, dict):
        return set()
    found = {schema["title"]} if isinstance(schema.get("title"), str) else set()
    return found.union(*(_titles(value) for key, value in schema.items() if key != "title"))


def _union_within(type_: FieldType | None, path: str) -> tuple[FieldType | None, str]:
    """The tagged union a field holds, itself or as (nested) array items or map values, and
    the path its variants' fields hang from (`history[]`: `history[]<card>.number`)."""
    while type_ is not None and type_.kind in ("array", "map"):
        path += "[]" if type_.kind == "array" else "{}"
        type_ = type_.items
    return (type_, path) if type_ is not None and type_.kind == "union" else (None, path)


def _subtree(path: str, candidate: str) -> bool:
    return candidate == path or candidate.startswith((path + ".", path + "[]", path + "<"))


def _rekey(origin: dict[str, str | None], source: str, target: str) -> None:
    for path in [p for p in origin if _subtree(source, p)]:
        origin[target + path[len(source):]] = origin.pop(path)


def _drop(origin: dict[str, str | None], path: str) -> None:
    for p in [p for p in origin if _subtree(path, p)]:
        del origin[p]


def _without_pii(fields: dict[str, Shape]) -> dict[str, Shape]:
    return {path: replace(shape, pii=False) for path, shape in fields.items()}


def _describe_fields(schema: dict[str, Any]) -> str:
    return ", ".join(f"{p}: {s.describe()}" for p, s in flatten(schema).items())


def _parent(path: str) -> str:
    cut = max(path.rfind("."), 0)
    return path[:cut]


def _leaf(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def _span(event: Event, number: int, path: str) -> Span | None:
    version = event.version(number)
    found = _field_at(version.fields, path)
    return (found.span if found and found.span else None) or version.span or event.span


def _field_at(fields: tuple[Field, ...], path: str) -> Field | None:
    current: Field | None = None
    for part in path.split("."):
        name = part.replace("[]", "")
        current = next((f for f in fields if f.name == name), None)
        if current is None:
            return None
        field_type = current.type
        while field_type.kind == "array" and field_type.items is not None:
            field_type = field_type.items
        fields = field_type.fields
    return current


class _Changes:
    """The changes between two flattened versions of one event, and what the upcasters of the
    newer one do about them."""

    def __init__(self, context: _Context, event: Event, number: int, old: dict[str, Shape],
                 new: dict[str, Shape], ops: tuple[UpcastOp, ...], in_place: bool = False) -> None:
        self.context, self.event, self.number = context, event, number
        self.old, self.new, self.ops, self.in_place = old, new, ops, in_place
        self.removed = [p for p in old if p not in new]
        self.added = [p for p in new if p not in old]
        self.common = [p for p in old if p in new]
        self.done: set[str] = set()  # paths whose change an operation explains
        self.filled: dict[str, str] = {}  # path -> the JSON value `add`/`default` fill it with
        self.mapped: set[str] = set()  # paths a total `map` (with `else`) rewrote
        self.by = f"upcaster v{number}"

    def finding(self, rule: str, path: str, message: str, arguments: tuple[str, ...] = (),
                old: Any = None, new: Any = None, at: str | None = None) -> Finding:
        name = self.event.name
        return Finding(rule, f"{name}.v{self.number}.{path}", message, arguments, old, new,
                       readers_in(self.context.models, name, path),
                       _span(self.event, self.number, at or path))

    @property
    def where(self) -> str:
        what = "published " if self.in_place else ""
        return f"in {what}{self.event.name} v{self.number}"

    @property
    def instead(self) -> str:
        """How to do it properly: in place means a new version; in a new version, an operation."""
        if self.in_place:
            return f"keep v{self.number} as published and declare v{self.event.latest.number + 1} with "
        return f"add to v{self.number}'s upcast: "

    def classify(self) -> Iterator[Finding]:
        from escodegen.upcast.operations.base import Opaque
        from escodegen.upcast.shape import widens
        from escodegen.upcast.table import operation

        meanings = [(op, operation(op).meaning(op)) for op in self.ops]
        opaque = [(op, m) for op, m in meanings if isinstance(m, Opaque)]
        custom = bool(opaque)
        if opaque:
            (op, first), *_ = opaque
            assert isinstance(first, Opaque)
            yield Finding("ESD171", f"{self.event.name}.v{self.number}",
                          f"{self.event.name} v{self.number}: {op.name} {first.label} "
                          "declares no `changes`, so no change of this version can be judged; "
                          "list the fields it adds, removes or changes: `custom: {python: ..., "
                          "sql: ..., changes: [field, ...]}`", (first.label,),
                          span=op.span or _span(self.event, self.number, ""))
        for op, meaning in meanings:
            yield from self._operation(op, meaning)
        for path in self.common:
            if widens(self.old[path].kind, self.new[path].kind):
                # What was inside (an object's fields, array items) is now opaque json.
                self.done.update(p for p in self.old if p != path and _subtree(path, p))
        self._cover_containers()
        yield from self._union_variants()
        removed = self._topmost([p for p in self.removed if p not in self.done])
        added = self._topmost([p for p in self.added if p not in self.done])
        if not custom:
            removed, added = yield from self._guess_moves(removed, added)
        for path in removed:
            yield self._removal(path)
        for path in added:
            yield self._addition(path, "custom " + self.by if custom else None)
        for path in self.common:
            if path not in self.done and _parent(path) not in self.done:
                yield from self._changed(path, custom)

    def _union_variants(self) -> Iterator[Finding]:
        """A tagged union's variants removed (ESD182) or added (ESD183); the fields of such a
        variant (`method<card>.number`) are reported with it, not one by one. (An untagged
        union's variants are in its kind, `union[string|integer]`: the type rules judge it.)"""
        for field_path in self.common:
            before, path = _union_within(self.old[field_path].type, field_path)
            after, _ = _union_within(self.new[field_path].type, field_path)
            if before is None or after is None or before.tag is None or before.tag != after.tag:
                continue  # an untagged union's variants are its kind: ESD117 / ESD110
            old_tags = [tag for tag, _ in before.variants]
            new_tags = [tag for tag, _ in after.variants]
            name = f"{self.event.name}.{path}"
            for tag in old_tags:
                if tag not in new_tags:
                    self.done.update(p for p in self.old if p.startswith(f"{path}<{tag}>"))
                    yield self.finding("ESD182", field_path, f"{name}: variant {tag!r} removed "
                                       f"{self.where}; stored events may hold it: keep it, or "
                                       f"declare a new event type (`replaces: "
                                       f"{self.event.name}`)", (tag,), tag, None)
            for tag in new_tags:
                if tag not in old_tags:
                    self.done.update(p for p in self.new if p.startswith(f"{path}<{tag}>"))
                    yield self.finding("ESD183", field_path, f"{name}: variant {tag!r} added "
                                       f"{self.where}; consumers built before it refuse an event "
                                       "holding it: deploy them first", (tag,), None, tag)

    def _operation(self, op: UpcastOp, meaning: Meaning) -> Iterator[Finding]:
        from escodegen.upcast.operations.base import (
            Converts,
            Declares,
            Derives,
            Fills,
            Maps,
            Moves,
            Opaque,
            Removes,
        )
        from escodegen.upcast.shape import dotted

        match meaning:
            case Moves(source_path, target_path):
                source, target = dotted(source_path), dotted(target_path)
                self._explain(source, target)
                yield self.finding("ESD104", source, f"{self.event.name}.{source} {op.name}d to "
                                   f"{target}, covered by {self.by}", (target,), source, target,
                                   at=target)
            case Derives(source_paths, target_paths, verb):
                sources = [dotted(s) for s in source_paths]
                targets = [dotted(p) for p in target_paths]
                self._explain(*sources, *targets)
                yield self.finding("ESD106", sources[0], f"{self.event.name}.{', '.join(sources)} "
                                   f"{verb} {', '.join(targets)}, covered by {self.by}",
                                   tuple(targets), sources, targets, at=targets[0])
            case Fills(field_path, value):
                path = dotted(field_path)
                shape = self.new.get(path)
                if shape is not None:
                    self.filled[path] = default_json(value, shape.kind)
                fills = path in self.added or (path in self.common and not self.old[path].required)
                if shape is not None and shape.required and fills:
                    self._explain(path)
                    yield self.finding("ESD102", path, f"{self.event.name}.{path} is required; old "
                                       f"events get {value!r} from {self.by} ({op.name})",
                                       (op.name,), None, value)
            case Removes(field_path):
                path = dotted(field_path)
                self._explain(path)
                yield self._removal(path, f" by {self.by}")
            case Converts(field_path, loss):
                path = dotted(field_path)
                if path in self.common and self.old[path].kind != self.new[path].kind:
                    self.done.add(path)
                    yield self._converted(path, loss)
            case Maps():
                yield from self._mapped(meaning)
            case Declares(paths):
                for path in map(dotted, paths):
                    self._explain(path)
                    before, after = self.old.get(path), self.new.get(path)
                    declared = " (declared in its `changes`)" if op.name == "custom" else ""
                    yield self.finding("ESD116", path, f"{self.event.name}.{path} changed by "
                                       f"{op.name} {self.by}{declared}",
                                       (op.name,), before.describe() if before else None,
                                       after.describe() if after else None)
            case Opaque():
                pass  # classify reported it (ESD171) and judges the version as a whole
            case _:
                raise TypeError(f"diff does not know what {meaning!r} means for stored events")

    def _converted(self, path: str, conversion_loss: Callable[[str, str], Loss | None]
                   ) -> Finding:
        """A `convert`: covered when every stored value converts exactly (or a total `map`
        made them convertible first), else a warning with a value that does not."""
        old, new = self.old[path].kind, self.new[path].kind
        name = f"{self.event.name}.{path}"
        loss = None if path in self.mapped else conversion_loss(old, new)
        constrained = self.new[path].type
        if loss is None and constrained is not None and constrained.constraints:
            # a value that converts exactly may still break the new type's constraints
            loss = ("value", f"may convert to a {new} that breaks {constrained.describe()}", True)
        if loss is None:
            return self.finding("ESD116", path, f"{name} converted {old} -> {new}, covered by "
                                f"{self.by}", (new,), old, new)
        example, outcome, partial = loss
        if partial:
            remedy = (f"decide the values that do not convert with a custom upcaster instead "
                      f"(`custom: {{python: ..., sql: ..., changes: [{path}]}}`), or keep {old}; "
                      "if every stored value converts, ignore this finding with that reason")
        else:
            remedy = (f"keep {old} and add a {new} field for new events, or declare a new event "
                      f"type (`replaces: {self.event.name}`); if the loss is intended, ignore "
                      "this finding with the reason")
        return self.finding("ESD170", path, f"{name} converted {old} -> {new} by {self.by} is "
                            f"{'partial' if partial else 'lossy'}: a stored {example} {outcome}; "
                            f"{remedy}", (new,), old, new)

    def _mapped(self, op: Maps) -> Iterator[Finding]:
        from escodegen.upcast.shape import dotted

        path = dotted(op.field)
        before, after = self.old.get(path), self.new.get(path)
        if before is None or after is None:
            return
        if op.total:
            self.mapped.add(path)
            if before.kind != after.kind:
                self.done.add(path)
                yield self.finding("ESD116", path, f"{self.event.name}.{path} mapped {before.kind} "
                                   f"-> {after.kind} by {self.by} (every value: `else` takes the "
                                   "rest)", (after.kind,), before.kind, after.kind)
                return
        mapped = set(op.keys)
        for value in before.values:
            if value not in after.values and (value in mapped or op.total):
                yield self.finding("ESD112", path, f"{self.event.name}.{path}: value {value!r} is "
                                   f"mapped by {self.by}", (value,), value, None)
        self.done.add(path + "#values")

    def _explain(self, *paths: str) -> None:
        for path in paths:
            self.done.update(p for p in (*self.old, *self.new) if _subtree(path, p))

    def _cover_containers(self) -> None:
        """An object left empty or made by `move` needs no operation of its own."""
        for paths in (self.removed, self.added):
            for path in sorted(paths, key=lambda p: -p.count(".")):
                children = [p for p in paths if p != path and _subtree(path, p)]
                if children and all(c in self.done for c in children):
                    self.done.add(path)

    @staticmethod
    def _topmost(paths: list[str]) -> list[str]:
        chosen = set(paths)
        return [p for p in paths if not any(_subtree(q, p) and q != p for q in chosen)]

    def _guess_moves(self, removed: list[str], added: list[str]
                     ) -> Generator[Finding, None, tuple[list[str], list[str]]]:
        """Removed and added fields with no operation: a rename or split in disguise?

        A removed field with added siblings named after it (`name` -> `firstName`, `lastName`)
        is a split or a rename; failing that, one removed and one added sibling of one type is
        a rename.
        """
        removed, added = list(removed), list(added)
        for path in list(removed):
            leaf = _leaf(path).lower()
            similar = [a for a in added if _parent(a) == _parent(path)
                       and (leaf in _leaf(a).lower() or _leaf(a).lower() in leaf)]
            if similar:
                removed.remove(path)
                for a in similar:
                    added.remove(a)
                yield self._unexplained_move(path, similar)
        pairs = [(r, a) for r in removed for a in added
                 if _parent(r) == _parent(a) and self.old[r].kind == self.new[a].kind]
        if len(removed) == 1 and len(added) == 1 and pairs:
            removed, added = [], []
            yield self._unexplained_move(*pairs[0][:1], [pairs[0][1]])
        return removed, added

    def _unexplained_move(self, source: str, targets: list[str]) -> Finding:
        if len(targets) == 1:
            return self.finding("ESD105", source, f"{self.event.name}.{source} looks renamed to "
                                f"{targets[0]} {self.where} with no upcaster; {self.instead}"
                                f"`rename: {{from: {source}, to: {targets[0]}}}`", tuple(targets),
                                source, targets[0], at=targets[0])
        into = ", ".join(targets)
        return self.finding("ESD107", source, f"{self.event.name}.{source} looks split into {into} "
                            f"{self.where} with no upcaster; {self.instead}"
                            f"`split: {{from: {source}, into: [{into}], separator: \" \"}}`",
                            tuple(targets), source, targets, at=targets[0])

    def _removal(self, path: str, how: str = "") -> Finding:
        readers = readers_in(self.context.models, self.event.name, path)
        shape = self.old.get(path)
        kind = shape.kind if shape else None
        if readers:
            return self.finding("ESD109", path, f"{self.event.name}.{path} removed {self.where}{how} "
                                f"but {', '.join(readers)} read{'s' if len(readers) == 1 else ''} it",
                                (), kind, None)
        return self.finding("ESD108", path, f"{self.event.name}.{path} removed {self.where}{how}",
                            (), kind, None)

    def _addition(self, path: str, custom: str | None) -> Finding:
        shape = self.new[path]
        name = f"{self.event.name}.{path}"
        if not shape.required:
            revision = "; publish records a revision" if self.in_place else ""
            return self.finding("ESD101", path, f"optional field {name} ({shape.kind}) added "
                                f"{self.where}{revision}", (shape.kind,), None, shape.kind)
        if shape.has_default or custom:
            by = custom or "its default"
            return self.finding("ESD102", path, f"{name} is required; old events get a value from "
                                f"{by}", (by,), None, shape.kind)
        return self.finding("ESD103", path, f"required field {name} ({shape.kind}) added {self.where} "
                            f"with no value for old events; make it optional, or {self.instead}"
                            f"`add: {{field: {path}, value: ...}}`", (shape.kind,), None, shape.kind)

    def _changed(self, path: str, custom: bool) -> Iterator[Finding]:
        from escodegen.upcast.shape import widens

        before, after = self.old[path], self.new[path]
        name = f"{self.event.name}.{path}"
        if before.kind != after.kind:
            if not widens(before.kind, after.kind):
                if not custom and before.kind.startswith("map<") and after.kind.startswith("map<"):
                    self.done.add(path)
                    yield self.finding("ESD119", path, f"{name}: the map's values changed type "
                                       f"{before.kind[4:-1]} -> {after.kind[4:-1]} {self.where}; "
                                       f"{self._retype(path)}", (before.kind, after.kind),
                                       before.kind, after.kind)
                elif not custom:
                    self.done.add(path)
                    yield self.finding("ESD110", path, f"{name} changed type {before.kind} -> "
                                       f"{after.kind} {self.where}; {self._retype(path)}",
                                       (before.kind, after.kind), before.kind, after.kind)
                return
            yield self.finding("ESD117", path, f"{name} widened {before.kind} -> {after.kind} "
                               f"{self.where}: every stored value is still a {after.kind}",
                               (before.kind, after.kind), before.kind, after.kind)
        elif before.is_enum and path + "#values" not in self.done:
            yield from self._enum_values(path, before, after)
        if before.required and not after.required:
            yield self.finding("ESD115", path, f"{name} became optional {self.where}", (), True, False)
        if not before.required and after.required and path not in self.done:
            if after.has_default or custom:
                yield self.finding("ESD102", path, f"{name} became required; old events get a value "
                                   "from " + ("a custom upcaster" if custom else "its default"),
                                   ("required",), False, True)
            else:
                yield self.finding("ESD103", path, f"{name} became required {self.where} with no value "
                                   f"for old events without it; {self.instead}"
                                   f"`default: {{field: {path}, value: ...}}`", ("required",), False, True)
        yield from self._nullability(path, before, after, custom)
        if not custom and before.kind == after.kind and before.type is not None \
                and after.type is not None:
            yield from self._constraints(path, before.type, after.type)
        if before.default is not None and after.default != before.default \
                and self.filled.get(path) != before.default and not custom:
            now = f"changed to {after.default}" if after.default is not None else "removed"
            yield self.finding("ESD118", path, f"{name}: default {before.default} {now} {self.where}; "
                               f"stored events without {path} read as {before.default} and would "
                               f"now read as {after.default or 'null'}; {self.instead}"
                               f"`default: {{field: {path}, value: {before.default}}}`",
                               (after.default or "",), before.default, after.default)
        if after.pii and not before.pii:
            yield self.finding("ESD114", path, f"{name} is now pii; stored events hold it in clear: a "
                               "regulatory purge needs a copy-transform migration", (), False, True)
        if before.pii and not after.pii:
            yield self.finding("ESD160", path, f"{name} is no longer pii {self.where}; stored events "
                               "hold it, and a purge would now leave it in place: keep `pii: true`",
                               (), True, False)

    def _nullability(self, path: str, before: Shape, after: Shape, custom: bool
                     ) -> Iterator[Finding]:
        """Null allowed or refused where the key's presence did not change the same way
        (`string` -> `string?` is ESD115; `string?` -> `string`, ESD102/ESD103)."""
        name = f"{self.event.name}.{path}"
        if after.nullable and not before.nullable and not (before.required and not after.required):
            yield self.finding("ESD180", path, f"{name} may now be null {self.where}; consumers "
                               "that rely on a value meet null", (), False, True)
        if before.nullable and not after.nullable and not (not before.required and after.required):
            if custom or self.filled.get(path, "null") != "null":
                return  # the upcaster fills it (a `default` replaces null)
            yield self.finding("ESD181", path, f"{name} may no longer be null {self.where}; stored "
                               f"events may hold null there; {self.instead}"
                               f"`default: {{field: {path}, value: ...}}`", (), True, False)

    def _constraints(self, path: str, before: FieldType, after: FieldType,
                     where: str = "") -> Iterator[Finding]:
        """Constraints tightened (stored events may break them: ESD190) or loosened (consumers
        may rely on them: ESD191), of the field's type and of its items' or values' types
        (`where`: ` (its items)`)."""
        name = f"{self.event.name}.{path}{where}"
        for key, direction in constraint_changes(before.constraints, after.constraints):
            old, new = dict(before.constraints).get(key), dict(after.constraints).get(key)
            change = (f"{key} {old} -> {new}" if old is not None and new is not None
                      else f"{key}: {new} added" if new is not None else f"{key}: {old} removed")
            if direction == "tightened":
                yield self.finding("ESD190", path, f"{name}: {change} {self.where}; stored events "
                                   "may break it (the codec and the store's validation would "
                                   f"refuse them): {self.instead}an upcaster that makes every "
                                   "stored value meet it, or keep the constraint",
                                   (key,), str(old), str(new))
            else:
                yield self.finding("ESD191", path, f"{name}: {change} {self.where}; consumers "
                                   "that relied on it meet values it refused", (key,), str(old),
                                   str(new))
        if before.items is not None and after.items is not None \
                and before.items.kind == after.items.kind:
            yield from self._constraints(path, before.items, after.items,
                                         where + (" (its items)" if before.kind == "array"
                                                  else " (its values)"))

    def _enum_values(self, path: str, before: Shape, after: Shape) -> Iterator[Finding]:
        name = f"{self.event.name}.{path}"
        array = before.kind != "enum"  # values of array items: `map` works on scalars only
        for value in before.values:
            if value not in after.values:
                remedy = (f"keep the value, or declare a new event type (`replaces: "
                          f"{self.event.name}`)" if array else
                          f"{self.instead}`map: {{field: {path}, values: {{{value}: ...}}}}`")
                yield self.finding("ESD111", path, f"{name}: value {value!r} removed {self.where} "
                                   f"and no upcaster maps it; {remedy}", (value,), value, None)
        for value in after.values:
            if value not in before.values:
                yield self.finding("ESD113", path, f"{name}: value {value!r} added {self.where}",
                                   (value,), None, value)
        if (before.pii or after.pii) and before.values and after.values \
                and before.values[0] != after.values[0]:
            yield self.finding("ESD162", path, f"{name}: first value {before.values[0]!r} -> "
                               f"{after.values[0]!r} {self.where}; a purge writes the first value "
                               f"in place of a pii enum: keep {before.values[0]!r} first",
                               (after.values[0],), before.values[0], after.values[0])

    def _retype(self, path: str) -> str:
        """A remedy for a type change that works for these two types."""
        from escodegen.upcast.operations.convert import CONVERT_TARGETS

        old, new = self.old[path].kind, self.new[path].kind
        meaning = f"a change of meaning needs a new event type (`replaces: {self.event.name}`)"
        if old in SCALAR_KINDS and new == "enum":
            how = f"`map: {{field: {path}, values: {{...}}, else: <a value>}}`"
        elif old in SCALAR_KINDS and new in CONVERT_TARGETS:
            how = f"`convert: {{field: {path}, to: {new}}}`"
        else:
            return (f"{meaning}; a representation change, {self.instead}`custom: {{python: ..., "
                    f"sql: ..., changes: [{path}]}}`")
        return f"{meaning}; a representation change, {self.instead}{how}"
