"""What the Python templates see: the model turned into names, annotations and literals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from escodegen.diagnostics import Report, Span
from escodegen.emit import EmitError
from escodegen.emit.python.templates import isorted
from escodegen.model import Aggregate, Field, FieldType, Project, Projection
from escodegen.model.naming import pascal, snake, version_class
from escodegen.model.sqlnames import RESERVED_COLUMNS, ProjectionNames
from escodegen.model.types import TYPES
from escodegen.pytext import py_str

# What aggregates.py imports whatever the state fields are.
_AGGREGATE_IMPORTS = {
    "abc": {"abstractmethod"},
    "dataclasses": {"dataclass"},
    "typing": {"Any", "ClassVar", "TypeAlias"},
}


@dataclass
class _Imports:
    modules: dict[str, set[str]]

    def annotation(self, ftype: FieldType) -> str:
        # State classes are dataclasses whatever the event classes' model mode is.
        python = TYPES[ftype.kind].python
        if python is not None:
            annotation = python["dataclasses"]
            if annotation.module:
                self.modules.setdefault(annotation.module, set()).add(annotation.text)
            return annotation.text
        if ftype.kind == "enum":
            self.modules.setdefault("typing", set()).add("Literal")
            return "Literal[" + ", ".join(py_str(v) for v in ftype.values) + "]"
        if ftype.kind == "array":
            assert ftype.items is not None
            return f"list[{self.annotation(ftype.items)}]"
        if ftype.kind == "map":
            assert ftype.items is not None
            return f"dict[str, {self.annotation(ftype.items)}]"
        return "dict[str, Any]"  # object: a state keeps nested records as plain JSON


def _field(field: Field, imports: _Imports) -> dict[str, Any]:
    annotation = imports.annotation(field.type)
    return {
        "name": field.name,
        "annotation": annotation if field.required else f"{annotation} | None",
        "optional": not field.required,
    }


def _aggregate(aggregate: Aggregate, imports: _Imports) -> dict[str, Any]:
    prefix, _, rest = aggregate.stream.partition("{" + aggregate.id_field + "}")
    base, state, event_union = (f"{aggregate.name}Aggregate", f"{aggregate.name}State",
                                f"{aggregate.name}Event")
    return {
        "name": aggregate.name,
        "base": base,
        "state": state,
        "event_union": event_union,
        "classes": [base, state, event_union],
        "description": aggregate.description or f"The {aggregate.name} aggregate.",
        "id_field": aggregate.id_field,
        "id_param": snake(aggregate.id_field),
        "id_annotation": imports.annotation(aggregate.id_type),
        "stream_prefix": prefix,
        "stream_suffix": rest,
        "state_version": aggregate.state.version,
        "state_fields": [_field(f, imports) for f in aggregate.state.fields],
        "snapshot": aggregate.snapshot,
        "events": [{"name": name, "hook": f"apply_{snake(name)}"} for name in aggregate.events],
    }


def _projection(projection: Projection) -> dict[str, Any]:
    names = ProjectionNames.of(projection.name)
    return {
        "name": projection.name,
        "sql_name": names.table,
        "rebuild_table": names.rebuild_table,
        "functions": {kind: names.function(kind)
                      for kind in ("catch_up", "begin_rebuild", "rebuild_step", "finish_rebuild")},
        "class_name": f"{pascal(projection.name)}Projection",
        "description": projection.description or f"The {projection.name} projection.",
        "events": sorted({h.event for h in projection.handlers}),
    }


def package_context(project: Project, event_classes: dict[str, list[str]],
                    type_classes: Sequence[str] = ()) -> dict[str, Any]:
    """`type_classes`: the classes of the named types (events/_types.py)."""
    assert project.python is not None
    imports = _Imports({module: set(names) for module, names in _AGGREGATE_IMPORTS.items()})
    aggregates = [_aggregate(a, imports) for a in project.aggregates]
    projections = [_projection(p) for p in project.projections]
    _check_names(project, {**event_classes, "types": list(type_classes)}, aggregates, projections)
    events = [{
        "name": event.name,
        "module": snake(event.name),
        "latest": event.latest.number,
        "classes": sorted(event_classes[event.name]),
        "version_classes": [version_class(event.name, v.number, event.latest.number)
                            for v in event.versions],
        "description": event.description or "",
    } for event in sorted(project.events, key=lambda e: snake(e.name))]
    return {
        "package": project.python.package,
        "models": project.python.models,
        "schema": project.postgres.schema if project.postgres else "es",
        "events": events,
        "type_classes": sorted(type_classes),
        "aggregates": aggregates,
        "projections": projections,
        "aggregate_imports": [(module, sorted(names)) for module, names
                              in sorted(imports.modules.items())],
        "aggregate_events": isorted({e["name"] for a in aggregates for e in a["events"]}),
        "bookkeeping_columns": sorted(RESERVED_COLUMNS),
    }


def _check_names(project: Project, event_classes: dict[str, list[str]],
                 aggregates: list[dict[str, Any]], projections: list[dict[str, Any]]) -> None:
    """The package re-exports every class at its top; a generated name must be unique."""
    report = Report()
    owners: dict[str, str] = {c: f"event '{e}'" for e, classes in event_classes.items()
                              for c in classes}

    def claim(name: str, owner: str, span: Span | None) -> None:
        if name in owners:
            report.error("ES601", f"{owner} generates '{name}', already generated for "
                         f"{owners[name]}", span)
        owners[name] = owner

    for aggregate, agg in zip(project.aggregates, aggregates, strict=True):
        for name in agg["classes"]:
            claim(name, f"aggregate '{aggregate.name}'", aggregate.span)
    for projection, proj in zip(project.projections, projections, strict=True):
        claim(proj["class_name"], f"projection '{projection.name}'", projection.span)
    if report.has_errors:
        raise EmitError(report)
