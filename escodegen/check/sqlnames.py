"""The names declarations give the PostgreSQL target: none may be one the event store or its
migrations take (ES203), and none may be longer than PostgreSQL keeps (ES208).

What is reserved and how names are derived is escodegen.model.sqlnames, which the emitters
use too. Names that are not valid identifiers are reported elsewhere (ES202) and skipped here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from escodegen.check.semantics import MAX_NAME_LENGTH
from escodegen.diagnostics import Report, Span
from escodegen.model import Event, FieldType, Project, Projection
from escodegen.model.naming import is_identifier, is_pascal
from escodegen.model.sqlnames import (
    MAX_IDENTIFIER_BYTES,
    RESERVED_COLUMNS,
    RESERVED_TABLES,
    ProjectionNames,
    batch_key_column,
    column_name,
    reserved_table,
    too_long,
    upcast_function,
    upcast_operation_function,
    upcast_step_function,
    validate_function,
    validate_items_function,
)

RESERVED_HINT = "Rename it; docs/language.md#reserved-names lists the names escodegen takes."


def check_sql_names(project: Project, report: Report) -> None:
    owners = _projection_relations(project)
    for projection in project.projections:
        if _valid(projection.name, is_identifier):
            _check_projection(projection, owners, report)
    for event in project.events:
        if _valid(event.name, is_pascal):
            _check_event(event, report)


def _valid(name: str, is_valid: Callable[[str], bool]) -> bool:
    return is_valid(name) and len(name) <= MAX_NAME_LENGTH


def _projection_relations(project: Project) -> dict[str, str]:
    """Relation name -> what takes it, for the names a projection takes besides its table."""
    owners: dict[str, str] = {}
    for projection in project.projections:
        names = ProjectionNames.of(projection.name)
        owners.setdefault(names.pkey, f"the primary key of projection '{projection.name}'")
        owners.setdefault(names.rebuild_pkey,
                          f"the primary key of projection '{projection.name}' while it rebuilds")
    return owners


def _check_projection(projection: Projection, owners: dict[str, str], report: Report) -> None:
    names = ProjectionNames.of(projection.name)
    reason = reserved_table(names.table)
    if reason is None and names.table in owners:
        reason = f"is {owners[names.table]}"
    if reason is not None:
        report.error("ES203", f"projection '{projection.name}' would be the PostgreSQL table "
                     f"'{names.table}', which {reason}", projection.span, RESERVED_HINT)
    else:
        for relation in names.relations[1:]:
            if relation in RESERVED_TABLES:
                report.error("ES203", f"projection '{projection.name}' would create "
                             f"'{relation}', which the event store takes", projection.span,
                             RESERVED_HINT)
    _check_length(f"projection '{projection.name}'", names.identifiers(), projection.span, report)
    for column in projection.columns:
        if not _valid(column.name, is_identifier):
            continue
        name = column_name(column.name)
        if name in RESERVED_COLUMNS:
            shown = "" if name == column.name else f" (in PostgreSQL '{name}')"
            report.error("ES203", f"column '{column.name}'{shown} of projection "
                         f"'{projection.name}' is one of the bookkeeping columns "
                         f"({', '.join(sorted(RESERVED_COLUMNS))}) every projection table has",
                         column.span, RESERVED_HINT)
        derived = (name, batch_key_column(column.name)) if column.name in projection.key else (name,)
        _check_length(f"column '{column.name}' of projection '{projection.name}'", derived,
                      column.span, report)


def _check_event(event: Event, report: Report) -> None:
    derived = [upcast_function(event.name)]
    for version in event.versions:
        derived.append(validate_function(event.name, version.number))
        arrays = _arrays(FieldType("object", fields=version.fields))
        if arrays:
            derived.append(validate_items_function(event.name, version.number, arrays))
    for version in event.versions[1:]:
        derived.append(upcast_step_function(event.name, version.number))
        derived += [upcast_operation_function(event.name, version.number, index)
                    for index in range(1, len(version.upcast) + 1)]
    _check_length(f"event '{event.name}'", derived, event.span, report)


def _arrays(field_type: FieldType) -> int:
    """How many items functions the version's validator has (escodegen.emit.postgres.validation):
    one per array whose items are checked (not `json`)."""
    count = sum(_arrays(f.type) for f in field_type.fields)
    if field_type.items is not None:
        count += _arrays(field_type.items) + (field_type.items.kind != "json")
    return count


def _check_length(what: str, derived: Sequence[str], span: Span | None,
                  report: Report) -> None:
    """One error for the longest derived name that is too long."""
    longest = max(derived, key=lambda name: len(name.encode("utf-8")))
    if too_long(longest):
        size = len(longest.encode("utf-8"))
        report.error("ES208", f"{what} gives the PostgreSQL name '{longest}' ({size} bytes), "
                     f"longer than the {MAX_IDENTIFIER_BYTES} PostgreSQL keeps", span,
                     f"Shorten the name by {size - MAX_IDENTIFIER_BYTES} character(s) or more "
                     "(docs/language.md#reserved-names lists the names derived from it).")
