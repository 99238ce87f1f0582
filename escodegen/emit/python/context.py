"""What the Python templates see: the model turned into names, annotations and literals."""

from __future__ import annotations

import keyword
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from escodegen.diagnostics import Report, Span
from escodegen.emit import EmitError
from escodegen.emit.python.templates import isorted
from escodegen.model import Aggregate, AttributeNames, Field, FieldType, Project, Projection
from escodegen.model.naming import pascal, snake
from escodegen.model.pynames import (
    attribute_name,
    event_class,
    item_class,
    nested_class,
    position_class,
    value_class,
)
from escodegen.model.sqlnames import RESERVED_COLUMNS, ProjectionNames, column_name
from escodegen.model.types import TYPES
from escodegen.pytext import py_str

_FIND_PARAMETERS = frozenset({"self", "limit"})
"""Parameters of a projection's `find` beside its columns."""

# What aggregates.py imports whatever the state fields are.
_AGGREGATE_IMPORTS = {
    "abc": {"abstractmethod"},
    "dataclasses": {"dataclass"},
    "typing": {"Any", "ClassVar", "TypeAlias"},
}


@dataclass
class _Imports:
    modules: dict[str, set[str]]
    records: list[dict[str, Any]]
    """The classes of nested records of aggregate states, each before the records using it."""
    style: AttributeNames = "json"
    """`python.attribute_names`: how a state field's attribute is named."""

    def annotation(self, ftype: FieldType, name: str = "") -> str:
        """The annotation of a state field; `name` is the class a nested record would get."""
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
            return f"list[{self.annotation(ftype.items, item_class(name))}]"
        if ftype.kind == "map":
            assert ftype.items is not None
            return f"dict[str, {self.annotation(ftype.items, value_class(name))}]"
        if ftype.kind == "union" and ftype.tag is None:
            return " | ".join(self.annotation(variant, name) for _, variant in ftype.variants)
        if ftype.kind == "tuple":
            # as the event classes hold it (docs/language.md#tuples)
            members = [self.annotation(element, position_class(name, index))
                       for index, element in enumerate(ftype.elements)]
            if ftype.items is None and len(members) > 1:
                return "tuple[" + ", ".join(members) + "]"
            if ftype.items is not None:
                members.append(self.annotation(ftype.items, item_class(name)))
            unique = list(dict.fromkeys(members))
            return "list[" + ("Any" if "Any" in unique else " | ".join(unique)) + "]"
        # object: a class of its own, typed as an event's nested record is (snapshots keep
        # the types a replay gives)
        self.records.append(_record(name, ftype.fields, self))
        return name


def _record(name: str, fields: tuple[Field, ...], imports: _Imports) -> dict[str, Any]:
    return {"name": name, "fields": [_field(f, imports, name) for f in fields]}


def _field(field: Field, imports: _Imports, owner: str) -> dict[str, Any]:
    annotation = imports.annotation(field.type, nested_class(owner, field.name))
    return {
        "name": attribute_name(field.name, imports.style),
        "key": field.name,
        "annotation": annotation if field.required else f"{annotation} | None",
        "optional": not field.required,
    }


def _aggregate(aggregate: Aggregate, imports: _Imports) -> dict[str, Any]:
    prefix, _, rest = aggregate.stream.partition("{" + aggregate.id_field + "}")
    base, state, event_union = (f"{aggregate.name}Aggregate", f"{aggregate.name}State",
                                f"{aggregate.name}Event")
    imports.records = []
    state_fields = [_field(f, imports, state) for f in aggregate.state.fields]
    records = imports.records
    return {
        "name": aggregate.name,
        "base": base,
        "state": state,
        "event_union": event_union,
        "classes": [base, state, event_union, *(r["name"] for r in records)],
        "description": aggregate.description or f"The {aggregate.name} aggregate.",
        "id_field": aggregate.id_field,
        "id_param": snake(aggregate.id_field),
        "id_annotation": imports.annotation(aggregate.id_type),
        "stream_prefix": prefix,
        "stream_suffix": rest,
        "state_version": aggregate.state.version,
        "state_fields": state_fields,
        "records": records,
        "snapshot": aggregate.snapshot,
        "events": [{"name": name, "hook": f"apply_{snake(name)}"} for name in aggregate.events],
    }


def _column_annotation(ftype: FieldType, modules: dict[str, set[str]]) -> str:
    """What psycopg reads a projection column of `ftype` as (jsonb: parsed JSON)."""
    python = TYPES[ftype.kind].python
    if python is None:  # enum is text; object and array are jsonb
        return "str" if ftype.kind == "enum" else "Any"
    annotation = python["dataclasses"]
    if annotation.module:
        modules.setdefault(annotation.module, set()).add(annotation.text)
    return annotation.text


def _projection(projection: Projection, modules: dict[str, set[str]],
                citus: bool = False) -> dict[str, Any]:
    names = ProjectionNames.of(projection.name)
    columns = []
    for column in projection.columns:
        annotation = _column_annotation(column.type, modules)
        nullable = not column.required and column.name not in projection.key
        columns.append({"name": column_name(column.name),
                        "annotation": f"{annotation} | None" if nullable else annotation,
                        # None last in a union (ruff's RUF036)
                        "filter": f"{annotation} | Unset" + (" | None" if nullable else ""),
                        "key": column.name in projection.key})
    by_name = {c["name"]: c for c in columns}
    return {
        "row_class": f"{pascal(projection.name)}Row",
        "columns": columns,
        "key": [by_name[column_name(k)] for k in projection.key],
        "name": projection.name,
        "sql_name": names.table,
        "rebuild_table": names.rebuild_table,
        "functions": {kind: names.function(kind)
                      for kind in ("catch_up", "begin_rebuild", "rebuild_step", "finish_rebuild",
                                   "retry", "catch_up_part", "partition")}
                     # on Citus the runner catches up feed by feed (docs/scale-out.md)
                     | ({"apply_feed": names.function("apply_feed")} if citus else {}),
        "class_name": f"{pascal(projection.name)}Projection",
        "async_class_name": f"Async{pascal(projection.name)}Projection",
        "classes": [f"{pascal(projection.name)}Projection", f"{pascal(projection.name)}Row",
                    f"Async{pascal(projection.name)}Projection"],
        "description": projection.description or f"The {projection.name} projection.",
        "events": sorted({h.event for h in projection.handlers}),
    }


def package_context(project: Project, event_classes: dict[str, list[str]],
                    type_classes: Sequence[str] = ()) -> dict[str, Any]:
    """`type_classes`: the classes of the named types (events/_types.py)."""
    assert project.python is not None
    imports = _Imports({module: set(names) for module, names in _AGGREGATE_IMPORTS.items()}, [],
                       project.python.attribute_names)
    aggregates = [_aggregate(a, imports) for a in project.aggregates]
    projection_imports: dict[str, set[str]] = {"dataclasses": {"dataclass"},
                                               "typing": {"ClassVar"}}
    citus = project.postgres is not None and project.postgres.distribution == "citus"
    projections = [_projection(p, projection_imports, citus) for p in project.projections]
    _check_names(project, {**event_classes, "types": list(type_classes)}, aggregates, projections)
    events = [{
        "name": event.name,
        "module": snake(event.name),
        "latest": event.latest.number,
        "classes": sorted(event_classes[event.name]),
        "version_classes": [event_class(event.name, v.number, event.latest.number)
                            for v in event.versions],
        "description": event.description or "",
    } for event in sorted(project.events, key=lambda e: snake(e.name))]
    return {
        "package": project.python.package,
        "models": project.python.models,
        "attribute_names": project.python.attribute_names,
        "schema": project.postgres.schema if project.postgres else "es",
        "events": events,
        "type_classes": sorted(type_classes),
        "aggregates": aggregates,
        "projections": projections,
        "aggregate_imports": [(module, sorted(names)) for module, names
                              in sorted(imports.modules.items())],
        "aggregate_events": isorted({e["name"] for a in aggregates for e in a["events"]}),
        "bookkeeping_columns": sorted(RESERVED_COLUMNS),
        "projection_imports": [(module, sorted(names)) for module, names
                               in sorted(projection_imports.items())],
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
        for name in proj["classes"]:
            claim(name, f"projection '{projection.name}'", projection.span)
        for column in proj["columns"]:
            if keyword.iskeyword(column["name"]) or column["name"] in _FIND_PARAMETERS:
                report.error("ES601", f"projection '{projection.name}' has a column "
                             f"'{column['name']}', which cannot be an attribute of its row "
                             "class (a Python keyword or a parameter of `find`)",
                             projection.span)
    if report.has_errors:
        raise EmitError(report)
