"""The static upcast chain check: version N-1's declared fields, changed by version N's
operations, must give exactly version N's declared fields, types and optionality.

Rules beyond the operations' own checks (docs/upcast/chain-check.md):
* a declared optional field that no operation produces is fine (weak schema: it may be absent);
* a field carried over unchanged keeps its type; a different declared type is a change of
  meaning (ES313), which needs `convert` or a new event type; an enum may gain values, and a
  safe widening (integer -> number, enum -> string, anything -> json, array items likewise)
  needs no operation;
* split and join produce strings, convert its `to` type; the values add, default and map write
  must fit the declared type (ES312);
* after a `custom` operation the rest of that version's chain is not checked statically
  (`escodegen verify-upcasters` runs it instead).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from escodegen.diagnostics import Report, Span
from escodegen.model import Event, EventVersion, Field, FieldPath, FieldType
from escodegen.model.shape import Shape
from escodegen.model.types import STRING_KINDS
from escodegen.upcast.operations.base import Step
from escodegen.upcast.shape import SAFE_WIDENINGS, PayloadShape, describe_contents, dotted
from escodegen.upcast.table import operation
from escodegen.upcast.values import ascii_json, fits, kind_of


def check_chains(events: Sequence[Event], report: Report) -> None:
    for event in events:
        for previous, version in zip(event.versions, event.versions[1:]):
            _check_step(event, previous, version, report)


def _check_step(event: Event, previous: EventVersion, version: EventVersion,
                report: Report) -> None:
    shape = PayloadShape.of(previous.fields)
    step = Step(event.name, version.number, report)
    errors_before = len(report)
    for op in version.upcast:
        if not operation(op).shape(op, shape, step):
            return
    if len(report) > errors_before:
        return  # an operation already failed: comparing its result would only repeat that
    _Comparison(step, previous, version).objects(shape.fields, version.fields, ())


def compatible(produced: FieldType, declared: FieldType) -> bool:
    """Whether every value of `produced` is a value of `declared` (same kind; an enum may grow;
    a safe widening)."""
    if declared.kind == "json":
        return True
    if declared.kind == "union" and declared.tag is None:
        return _untagged_compatible(produced, declared)
    if produced.kind == "union" and produced.tag is None:
        return all(compatible(member, declared) for _, member in produced.variants)
    if "tuple" in (produced.kind, declared.kind) and {produced.kind, declared.kind} <= {
            "tuple", "array"}:
        return _tuple_compatible(produced, declared)
    if produced.kind != declared.kind:
        return (produced.kind, declared.kind) in SAFE_WIDENINGS
    if produced.kind == "enum":
        return set(produced.values) <= set(declared.values)
    if produced.kind in ("array", "map"):
        return (produced.items is not None and declared.items is not None
                and compatible(produced.items, declared.items))
    if produced.kind == "union":
        return _union_compatible(produced, declared)
    if produced.kind == "object":
        if {f.name for f in produced.fields} != {f.name for f in declared.fields}:
            return False
        for field in declared.fields:
            old = produced.field(field.name)
            assert old is not None
            if ((field.required and not old.required) or (old.may_be_null and not field.may_be_null)
                    or not compatible(old.type, field.type)):
                return False
    return True


def _tuple_compatible(produced: FieldType, declared: FieldType) -> bool:
    """Every value of the tuple or array `produced` is one of the tuple or array `declared`:
    every position `declared` requires is one `produced` has (an array has none), and each
    produced item, a position or one of the rest, fits the declared type at its index."""
    old = produced.elements if produced.kind == "tuple" else ()
    new = declared.elements if declared.kind == "tuple" else ()
    if len(new) > len(old):
        return False

    def takes(item: FieldType, index: int) -> bool:
        target = new[index] if index < len(new) else declared.items
        return target is not None and compatible(item, target)

    return (all(takes(item, index) for index, item in enumerate(old))
            and (produced.items is None or takes(produced.items, len(old))))


def _untagged_compatible(produced: FieldType, declared: FieldType) -> bool:
    """Every value of `produced` (a scalar, or an untagged union's variants) is a value of a
    variant of the untagged union `declared`."""
    members = (produced.variants if produced.kind == "union" and produced.tag is None
               else (("", produced),))
    return all(any(compatible(member, variant) for _, variant in declared.variants)
               for _, member in members)


def _union_compatible(produced: FieldType, declared: FieldType) -> bool:
    """Every variant of `produced` is one of `declared` (same tag) whose record takes its
    values: the same fields, or more optional ones. A variant may be added, not removed."""
    if produced.tag != declared.tag:
        return False
    for tag, old in produced.variants:
        new = declared.variant(tag)
        if new is None:
            return False
        added = {f.name for f in new.fields} - {f.name for f in old.fields}
        if any(f.required for f in new.fields if f.name in added):
            return False
        kept = FieldType("object", tuple(f for f in new.fields if f.name not in added))
        if not compatible(old, kept):
            return False
    return True


class _Comparison:
    def __init__(self, step: Step, previous: EventVersion, version: EventVersion) -> None:
        self.step = step
        self.previous = previous
        self.version = version

    def error(self, code: str, message: str, span: Span | None, hint: str = "") -> None:
        self.step.report.error(code, message, span or self.version.span, hint)

    @property
    def declares(self) -> str:
        return f"{self.step.event} v{self.version.number}"

    def objects(self, produced: Mapping[str, Shape], declared: Sequence[Field],
                prefix: FieldPath) -> None:
        names = {f.name for f in declared}
        leftovers = {name: slot for name, slot in produced.items() if name not in names}
        missing = [f for f in declared if f.name not in produced and f.required]
        for field in declared:
            slot = produced.get(field.name)
            path = (*prefix, field.name)
            if slot is None:
                if field.required:
                    self.error("ES310", f"{self.declares} declares {dotted(path)} "
                               f"({field.type.describe()}) but no operation of {self.step.link} "
                               f"produces it{self._suggest(field, missing, leftovers, prefix)}",
                               field.span)
                continue
            self.slot(slot, field, path)
        for name, slot in leftovers.items():
            path = (*prefix, name)
            self.error("ES310", f"{self.step.name} leaves {dotted(path)} "
                       f"({describe_contents(slot)}), which {self.declares} does not declare",
                       self.version.span,
                       f"Remove it (`remove {{field: {dotted(path)}}}`), rename or move it to a "
                       "declared field, or declare it.")

    def slot(self, slot: Shape, field: Field, path: FieldPath) -> None:
        declared = field.type
        if declared.kind == "json":
            pass  # any value is json: an object or any type widened to it
        elif (declared.kind == "object") != slot.is_object:
            self._type_changed(slot, field, path)
            return
        elif slot.children is not None:
            self.objects(slot.children, declared.fields, path)
        elif slot.variant_shapes is not None:
            self.variants(slot, field, path)
        elif slot.type is not None and not compatible(slot.type, declared):
            self._type_changed(slot, field, path)
        for literal in slot.literals:
            if not fits(literal.value, declared, not field.may_be_null):
                self.error("ES312", f"{self.step.name}: {literal.op} puts {kind_of(literal.value)} "
                           f"{ascii_json(literal.value)} into {dotted(path)}, which {self.declares} "
                           f"declares as {field.describe().split(': ', 1)[1]}", literal.span)
        if field.required and not slot.required:
            self.error("ES310", f"{self.declares} requires {dotted(path)} but after "
                       f"{self.step.name} it may be absent or null", field.span,
                       f"Fill it with `default {{field: {dotted(path)}, value: ...}}`, or declare "
                       f"it optional (`{field.name}: {declared.describe()}?`).")
        elif not field.may_be_null and slot.nullable:
            self.error("ES310", f"{self.declares} declares {dotted(path)} never null but after "
                       f"{self.step.name} it may be null", field.span,
                       f"Fill it with `default {{field: {dotted(path)}, value: ...}}`, or declare "
                       "it `nullable: true`.")

    def variants(self, slot: Shape, field: Field, path: FieldPath) -> None:
        """A tagged union some of whose variants `variant` operations changed: each of those
        must give the declared variant's record, the others fit as carried over."""
        assert slot.type is not None and slot.variant_shapes is not None
        declared = field.type
        changed = slot.variant_shapes
        kept = replace(slot.type, variants=tuple((tag, record) for tag, record
                                                 in slot.type.variants if tag not in changed))
        if (declared.kind != "union" or declared.tag != slot.type.tag
                or any(declared.variant(tag) is None for tag in changed)
                or not compatible(kept, declared)):
            self._type_changed(slot, field, path)
            return
        for tag, shapes in changed.items():
            record = declared.variant(tag)
            assert record is not None
            self.objects(shapes, record.fields, (*path[:-1], f"{path[-1]}<{tag}>"))

    def _type_changed(self, slot: Shape, field: Field, path: FieldPath) -> None:
        produced = describe_contents(slot)
        if slot.produced_by is not None:
            self.error("ES310", f"{self.declares} declares {dotted(path)} as "
                       f"{field.type.describe()} but {slot.produced_by} in {self.step.name} "
                       f"produces {produced}", field.span,
                       "Declare the type the operation produces, or convert it.")
            return
        self.error("ES313", f"{self.declares} declares {dotted(path)} as {field.type.describe()} "
                   f"but {self.step.link} carries it over as {produced}", field.span,
                   f"A change of meaning needs a new event type (`replaces: {self.step.event}`); "
                   f"a change of representation only, `convert {{field: {dotted(path)}, to: ...}}`.")

    def _suggest(self, field: Field, missing: list[Field], leftovers: Mapping[str, Shape],
                 prefix: FieldPath) -> str:
        """A likely fix, from the fields left over here or (at the top) no longer declared."""
        sources = {name: slot.type.kind for name, slot in leftovers.items() if slot.type}
        wanted = [f.name for f in missing if f.type.kind in STRING_KINDS]
        if not prefix:  # also what the previous version had and this one does not, and back
            sources.update((f.name, f.type.kind) for f in self.previous.fields
                           if self.version.field(f.name) is None and f.name not in sources)
            wanted = [f.name for f in self.version.fields if f.type.kind in STRING_KINDS
                      and (f in missing or self.previous.field(f.name) is None)]
        strings = [name for name, kind in sources.items() if kind in STRING_KINDS]

        def path(name: str) -> str:
            return dotted((*prefix, name))

        if field.type.kind in STRING_KINDS and len(wanted) >= 2 and len(strings) == 1:
            into = ", ".join(path(name) for name in wanted)
            return f"; did you mean split {{from: {path(strings[0])}, into: [{into}]}}?"
        if field.type.kind in STRING_KINDS and len(wanted) == 1 and len(strings) >= 2:
            parts = ", ".join(path(name) for name in strings)
            return f"; did you mean join {{from: [{parts}], into: {path(field.name)}}}?"
        if len(sources) == 1 and len(missing) == 1:
            (source,) = sources
            return f"; did you mean rename {{from: {path(source)}, to: {path(field.name)}}}?"
        return (f"; add it (`add {{field: {path(field.name)}, value: ...}}`) or declare it "
                f"optional (`{field.name}: {field.type.describe()}?`)")
