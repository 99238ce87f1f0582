"""`escodegen verify-store`: every stored event checked against its own (type, version)'s
declaration by the store's SQL validators (`validate_event`, 001_validation.sql), set-based,
in slices of the global position so that a progress bar can follow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from psycopg import sql

from escodegen.db.session import connect
from escodegen.printable import escape

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


def _scan(schema: str, first: int) -> sql.Composed:
    events = sql.Identifier(schema, "events")
    validate = sql.Identifier(schema, "validate_event")
    return sql.SQL("""
        select c.event_type, c.event_version, count(*), count(c.problem),
               (array_agg(jsonb_build_array(c.global_position, c.stream_id, c.problem)
                          order by c.global_position)
                  filter (where c.problem is not null))[1:{first}]
          from (select e.event_type, e.event_version, e.global_position, e.stream_id,
                       {validate}(e.event_type, e.event_version, e.data) as problem
                  from {events} e
                 where e.global_position > %s and e.global_position <= %s) as c
         group by c.event_type, c.event_version""").format(
        first=sql.Literal(first), validate=validate, events=events)


def verify_store(dsn: str, schema: str, first: int = 5,
                 progress: Callable[[int, int], None] | None = None) -> StoreCheck:
    """Counts per (type, version) and the `first` problems of each type. `progress(done,
    total)` is told after each slice (positions, not events: gaps are counted too)."""
    found = StoreCheck()
    with connect(dsn, APPLICATION_NAME) as conn:
        row = conn.execute(sql.SQL(
            "select coalesce(min(global_position), 1) - 1, coalesce(max(global_position), 0) "
            "from {}").format(sql.Identifier(schema, "events"))).fetchone()
        assert row is not None
        start, end = int(row[0]), int(row[1])
        scan = _scan(schema, first)
        low = start
        while low < end:
            high = min(low + SLICE, end)
            for event_type, version, events, invalid, bad in conn.execute(scan, (low, high)):
                count = found.counts.setdefault((event_type, version), [0, 0])
                count[0] += events
                count[1] += invalid
                shown = found.problems.setdefault(event_type, [])
                for position, stream, problem in bad or []:
                    if len(shown) < first:
                        shown.append(_problem(position, stream, event_type, version, problem))
            low = high
            if progress is not None:
                progress(low - start, end - start)
    for shown in found.problems.values():
        shown.sort(key=lambda p: p.position)
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
