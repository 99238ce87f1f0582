"""The decision-matrix engine: classify every change between a published contract and the
declarations under review into findings (rules in `escodegen.analyse.rules`).

It knows what a schema-only tool cannot: the upcast operations of each new version (a rename
with `rename` is covered, without it breaks), the whole chain from every published version
to the latest (a name reused with another type is caught even when each step looks fine),
and which projections and aggregates read a field.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from escodegen.analyse.consumers import event_consumers, readers_in
from escodegen.analyse.findings import Finding
from escodegen.analyse.schema import event_version_schema, fingerprint
from escodegen.analyse.shapes import (
    Contract,
    Shape,
    flatten,
    projection_schema,
    state_schema,
)
from escodegen.diagnostics import Report, Span
from escodegen.model import Event, Field, Project
from escodegen.upcast.ops import (
    Add,
    Convert,
    Custom,
    Default,
    Join,
    Map,
    Move,
    Remove,
    Rename,
    Split,
    UpcastOp,
)
from escodegen.upcast.shape import dotted


def compare(base: Contract, head: Project, base_project: Project | None = None) -> list[Finding]:
    """Every finding for the change from `base` to the (valid) declarations in `head`.

    `base_project` is the base's model when there is one (a git ref or folder): the consumers
    it declares count too, so removing a field and its reader in one change is still caught.
    """
    context = _Context(base, head, (base_project, head))
    findings = [*context.events(), *context.states(), *context.projections()]
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


_PER_ARGUMENT = frozenset({"ESD001", "ESD111", "ESD112", "ESD113", "ESD150"})


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
                if fingerprint(schema) != fingerprint(self.schema(event, number)):
                    yield from self._in_place(event, number, schema)
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
        if any(f.rule not in _ALLOWED_IN_PLACE for f in changes):
            yield Finding("ESD120", f"{event.name}.v{number}",
                          f"{event.name} v{number} is published ({self.base.label}) and was edited "
                          f"in place; declare v{event.latest.number + 1} with an upcaster instead",
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
        start = flatten(published)
        origin: dict[str, str | None] = {p: p for p in start}
        converted: set[str] = set()
        for step in range(number + 1, event.latest.number + 1):
            for op in event.version(step).upcast:
                if isinstance(op, Custom):
                    return  # opaque: nothing can be traced through it
                _trace(op, origin, converted)
            declared = flatten(self.schema(event, step))
            origin = {p: origin.get(p) for p in declared}
        latest = event.latest.number
        for path, shape in flatten(self.schema(event, latest)).items():
            source = origin.get(path)
            before = start.get(source) if source is not None else start.get(path)
            if before is None or before.kind == shape.kind or source in converted:
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
                if fingerprint(published[version]) == fingerprint(schema):
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


def _trace(op: UpcastOp, origin: dict[str, str | None], converted: set[str]) -> None:
    """Apply one operation to the identity map `current path -> path in the old version`."""
    if isinstance(op, Rename | Move):
        _rekey(origin, dotted(op.source), dotted(op.target))
    elif isinstance(op, Split):
        _drop(origin, dotted(op.source))
        origin.update({dotted(p): None for p in op.into})
    elif isinstance(op, Join):
        for source in op.sources:
            _drop(origin, dotted(source))
        origin[dotted(op.into)] = None
    elif isinstance(op, Remove):
        _drop(origin, dotted(op.field))
    elif isinstance(op, Add):
        origin[dotted(op.field)] = None
    elif isinstance(op, Convert):
        traced = origin.get(dotted(op.field))
        if traced is not None:
            converted.add(traced)


def _subtree(path: str, candidate: str) -> bool:
    return candidate == path or candidate.startswith((path + ".", path + "[]"))


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
        custom = any(isinstance(op, Custom) for op in self.ops)
        for op in self.ops:
            yield from self._operation(op)
        self._cover_containers()
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

    def _operation(self, op: UpcastOp) -> Iterator[Finding]:
        if isinstance(op, Rename | Move):
            source, target = dotted(op.source), dotted(op.target)
            self._explain(source, target)
            yield self.finding("ESD104", source, f"{self.event.name}.{source} {op.name}d to {target}, "
                               f"covered by {self.by}", (target,), source, target, at=target)
        elif isinstance(op, Split | Join):
            sources = [dotted(op.source)] if isinstance(op, Split) else [dotted(s) for s in op.sources]
            targets = ([dotted(p) for p in op.into] if isinstance(op, Split)
                       else [dotted(op.into)])
            self._explain(*sources, *targets)
            verb = "split into" if isinstance(op, Split) else "joined into"
            yield self.finding("ESD106", sources[0], f"{self.event.name}.{', '.join(sources)} {verb} "
                               f"{', '.join(targets)}, covered by {self.by}", tuple(targets),
                               sources, targets, at=targets[0])
        elif isinstance(op, Add | Default):
            path = dotted(op.field)
            shape = self.new.get(path)
            fills = path in self.added or (path in self.common and not self.old[path].required)
            if shape is not None and shape.required and fills:
                self._explain(path)
                yield self.finding("ESD102", path, f"{self.event.name}.{path} is required; old events "
                                   f"get {op.value!r} from {self.by} ({op.name})", (op.name,),
                                   None, op.value)
        elif isinstance(op, Remove):
            path = dotted(op.field)
            self._explain(path)
            yield self._removal(path, f" by {self.by}")
        elif isinstance(op, Convert):
            path = dotted(op.field)
            if path in self.common and self.old[path].kind != self.new[path].kind:
                self.done.add(path)
                yield self.finding("ESD116", path, f"{self.event.name}.{path} converted "
                                   f"{self.old[path].kind} -> {self.new[path].kind}, covered by {self.by}",
                                   (self.new[path].kind,), self.old[path].kind, self.new[path].kind)
        elif isinstance(op, Map):
            yield from self._mapped(op)

    def _mapped(self, op: Map) -> Iterator[Finding]:
        path = dotted(op.field)
        before, after = self.old.get(path), self.new.get(path)
        if before is None or after is None:
            return
        mapped = {str(k) for k, _ in op.values}
        for value in before.values:
            if value not in after.values and (value in mapped or op.has_else):
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
        before, after = self.old[path], self.new[path]
        name = f"{self.event.name}.{path}"
        if before.kind != after.kind:
            if not custom:
                self.done.add(path)
                yield self.finding("ESD110", path, f"{name} changed type {before.kind} -> "
                                   f"{after.kind} {self.where}; a change of meaning needs a new event "
                                   "type (`replaces`), a representation change `convert`",
                                   (before.kind, after.kind), before.kind, after.kind)
            return
        if before.kind == "enum" and path + "#values" not in self.done:
            for value in before.values:
                if value not in after.values:
                    yield self.finding("ESD111", path, f"{name}: value {value!r} removed {self.where} "
                                       f"and no upcaster maps it; {self.instead}`map: {{field: {path}, "
                                       f"values: {{{value}: ...}}}}`", (value,), value, None)
        if before.kind == "enum":
            for value in after.values:
                if value not in before.values:
                    yield self.finding("ESD113", path, f"{name}: value {value!r} added {self.where}",
                                       (value,), None, value)
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
        if after.pii and not before.pii:
            yield self.finding("ESD114", path, f"{name} is now pii; stored events hold it in clear: a "
                               "regulatory purge needs a copy-transform migration", (), False, True)
