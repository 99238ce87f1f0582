"""Where personal data sits in a payload: the fields marked `pii`, at any depth of objects,
arrays, maps, tuples and unions. What a purge rewrites, what `doctor` asks a subject for, and
what a printout of stored payloads (the rewrite's dry run) must not show, all read it here."""

from __future__ import annotations

from escodegen.model import Field, FieldType

PII_SHOWN_AS = "[pii]"
"""What a printout shows in place of a value marked `pii` (or of a container holding one)."""


def holds_pii(field_type: FieldType) -> bool:
    """Whether a value of this type holds a field marked `pii` somewhere inside."""
    parts = (*field_type.elements, *(record for _, record in field_type.variants),
             *filter(None, [field_type.items]))
    return (any(f.pii or holds_pii(f.type) for f in field_type.fields)
            or any(holds_pii(part) for part in parts))


def field_holds_pii(field: Field) -> bool:
    return field.pii or holds_pii(field.type)


def hidden_paths(fields: tuple[Field, ...],
                 prefix: tuple[str, ...] = ()) -> tuple[tuple[str, ...], ...]:
    """The paths (object keys) whose values a printout replaces by PII_SHOWN_AS: each `pii`
    field, and each array, map, tuple or union holding one, whole (its items have no path of
    keys), descending into objects. No path lies under another."""
    paths: list[tuple[str, ...]] = []
    for f in fields:
        path = (*prefix, f.name)
        if f.type.kind == "object" and not f.pii:
            paths += hidden_paths(f.type.fields, path)
        elif field_holds_pii(f):
            paths.append(path)
    return tuple(paths)
