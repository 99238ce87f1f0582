"""Who reads what: the projections and aggregates that consume an event and its fields."""

from __future__ import annotations

from collections.abc import Iterator

from escodegen.model import Handler, PayloadRef, Project, Projection


def event_consumers(project: Project, event: str) -> tuple[str, ...]:
    """Every projection with a handler for `event` and every aggregate listing it."""
    names = [f"projection {p.name}" for p in project.handling(event)]
    names += [f"aggregate {a.name}" for a in project.listing(event)]
    return tuple(names)


def field_readers(project: Project, event: str, path: str) -> tuple[str, ...]:
    """The consumers that read `path` (dotted) of `event`'s payload, or a field under or above it.

    A projection reads what its handlers' `$.path` values name, and for `update`/`delete`
    without `where` the payload fields named like its key columns. An aggregate reads its id
    field from each of its events (the stream name is made from it).
    """
    names = [f"projection {p.name}" for p in project.handling(event)
             if reads_path(projection_reads(p, event), path)]
    top = path.split(".", 1)[0]
    names += [f"aggregate {a.name}" for a in project.listing(event) if a.id_field == top]
    return tuple(names)


def readers_in(projects: tuple[Project | None, ...], event: str, path: str) -> tuple[str, ...]:
    """`field_readers` over several models (the base and the head), without repeats."""
    seen: dict[str, None] = {}
    for project in projects:
        if project is not None:
            seen.update(dict.fromkeys(field_readers(project, event, path)))
    return tuple(seen)


def projection_reads(projection: Projection, event: str) -> tuple[str, ...]:
    """The payload paths (dotted) of `event` that `projection`'s handlers read."""
    return tuple(read for handler in projection.handlers if handler.event == event
                 for read in _handler_reads(projection, handler))


def reads_path(reads: tuple[str, ...], path: str) -> bool:
    """Does one of `reads` read `path`, a field under it or above it?"""
    return any(_overlaps(read, path) for read in reads)


def _handler_reads(projection: Projection, handler: Handler) -> Iterator[str]:
    from escodegen.upcast.shape import dotted  # the upcast package: only once a field is read

    for assignment in (*handler.set, *handler.where):
        if isinstance(assignment.value, PayloadRef):
            yield dotted(assignment.value.path)
    if handler.action in ("update", "delete") and not handler.where:
        yield from projection.key


def _overlaps(read: str, path: str) -> bool:
    """`a.b` overlaps `a`, `a.b` and `a.b.c`; arrays are read through their `[]` parts."""
    read, path = read.replace("[]", ""), path.replace("[]", "")
    return read == path or read.startswith(path + ".") or path.startswith(read + ".")
