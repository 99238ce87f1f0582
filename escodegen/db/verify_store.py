"""`escodegen verify-store`: every stored event checked against its own (type, version)'s
declaration by the store's SQL validators (001_validation.sql), set-based, in slices of the
global position so that a progress bar can follow. The scan counts with the boolean
`valid_event`; `validate_event` words the problems of the first invalid events only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from escodegen.db.session import connect
from escodegen.printable import escape
from escodegen.sqltext import ident

APPLICATION_NAME = "escodegen-verify-store"
SLICE = 200_000
"""Global positions per statement (one progress step)."""


@dataclass(frozen=True)
class Problem:
    position: int
    stream: str
    event_type: str
    version: int
    path: str
    problem: str


@dataclass
class StoreCheck:
    counts: dict[tuple[str, int], list[int]] = field(default_factory=dict)
    """(type, version) -> [events, invalid ones]."""
    problems: dict[str, list[Problem]] = field(default_factory=dict)
    """Event type -> its first problems, by global position."""

    @property
    def events(self) -> int:
        return sum(n for n, _ in self.counts.values())

    @property
    def invalid(self) -> int:
        return sum(bad for _, bad in self.counts.values())


def _counts(schema: str) -> str:
    """Events per (type, version) of a slice, valid and not: the boolean `valid_event`, inlined
    and parallel safe, so PostgreSQL may split the slice among parallel workers; no message is
    built."""
    valid, events = ident(schema, "valid_event"), ident(schema, "events")
    return f"""
        select e.event_type, e.event_version,
               {valid}(e.event_type, e.event_version, e.data) as valid, count(*)
          from {events} e
         where e.global_position > %s and e.global_position <= %s
         group by e.event_type, e.event_version,
                  {valid}(e.event_type, e.event_version, e.data)"""


def _problems(schema: str) -> str:
    """The first invalid events of a (type, version) in a slice, with their problem: asked only
    where the counts found some, so `validate_event` words no valid payload."""
    validate, valid = ident(schema, "validate_event"), ident(schema, "valid_event")
    events = ident(schema, "events")
    return f"""
        select e.global_position, e.stream_id,
               {validate}(e.event_type, e.event_version, e.data)
          from {events} e
         where e.global_position > %s and e.global_position <= %s
           and e.event_type = %s and e.event_version = %s
           and not {valid}(e.event_type, e.event_version, e.data)
         order by e.global_position
         limit %s"""


def verify_store(dsn: str, schema: str, first: int = 5,
                 progress: Callable[[int, int], None] | None = None) -> StoreCheck:
    """Counts per (type, version) and the `first` problems of each type. `progress(done,
    total)` is told after each slice (positions, not events: gaps are counted too)."""
    found = StoreCheck()
    with connect(dsn, APPLICATION_NAME) as conn:
        row = conn.execute(
            "select coalesce(min(global_position), 1) - 1, coalesce(max(global_position), 0) "
            f"from {ident(schema, 'events')}").fetchone()
        assert row is not None
        start, end = int(row[0]), int(row[1])
        counts, problems = _counts(schema), _problems(schema)
        # both statements run once over no position, so that a store without the validators
        # fails here even when it holds no event yet, not reports "all 0 events fit"
        conn.execute(counts, (0, 0)).fetchall()
        conn.execute(problems, (0, 0, "", 0, 0)).fetchall()
        low = start
        while low < end:
            high = min(low + SLICE, end)
            invalid = []
            for event_type, version, valid, events in conn.execute(counts, (low, high)):
                count = found.counts.setdefault((event_type, version), [0, 0])
                count[0] += events
                if not valid:
                    count[1] += events
                    invalid.append((event_type, version))
            # positions ascend from slice to slice: a type with `first` problems has its first
            wanted = {t for t, _ in invalid if len(found.problems.get(t, [])) < first}
            for event_type, version in sorted(invalid):
                if event_type in wanted:
                    found.problems.setdefault(event_type, []).extend(
                        _problem(position, stream, event_type, version, problem)
                        for position, stream, problem in conn.execute(
                            problems, (low, high, event_type, version, first)))
            low = high
            if progress is not None:
                progress(low - start, end - start)
    for event_type, shown in found.problems.items():
        shown.sort(key=lambda p: p.position)
        del shown[first:]
    found.problems = {t: p for t, p in found.problems.items() if p}
    return found


def _problem(position: int, stream: str, event_type: str, version: int,
             problem: str) -> Problem:
    """`path: what is wrong` split (a path is a field path: it holds no `: `)."""
    path, named, what = problem.partition(": ")
    return Problem(position, stream, event_type, version,
                   path if named else "", what if named else problem)


def as_json(found: StoreCheck) -> dict[str, Any]:
    return {
        "events": found.events,
        "invalid": found.invalid,
        "versions": [{"event_type": t, "event_version": v, "events": n, "invalid": bad}
                     for (t, v), (n, bad) in sorted(found.counts.items())],
        "problems": {t: [{"position": p.position, "stream": p.stream,
                          "event_version": p.version, "path": p.path, "problem": p.problem}
                         for p in shown]
                     for t, shown in sorted(found.problems.items())},
    }


def as_text(found: StoreCheck) -> str:
    lines = [f"{'event type':<32} {'version':>7} {'events':>12} {'invalid':>10}"]
    for (event_type, version), (events, invalid) in sorted(found.counts.items()):
        lines.append(f"{escape(event_type):<32} {version:>7} {events:>12,} {invalid:>10,}")
    for event_type, shown in sorted(found.problems.items()):
        lines.append("")
        lines.append(f"first problems of {escape(event_type)}:")
        for p in shown:
            where = f"{p.path}: " if p.path else ""
            lines.append(f"  position {p.position} in stream {escape(p.stream)} "
                         f"(version {p.version}): {where}{escape(p.problem)}")
    lines.append("")
    if found.invalid:
        lines.append(f"{found.invalid:,} of {found.events:,} events do not fit their "
                     "declaration")
    else:
        lines.append(f"all {found.events:,} events fit their declaration")
    return "\n".join(lines)
