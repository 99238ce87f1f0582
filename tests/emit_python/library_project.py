"""A small project whose aggregate state holds every field kind, nested records and arrays of
records (the library-loans service of issue 19), generated with both targets."""

from __future__ import annotations

from pathlib import Path

from tests.emit_python.conftest import run_cli

EVENTS = """\
events:
  BookLent:
    versions:
      1:
        fields:
          bookId: uuid
          memberId: uuid
          dueOn: date
          lentAt: datetime
          fee: decimal
          weight: number
          copies: integer
          express: boolean
          note: string
          extra: json
          format: {type: enum, values: [paper, ebook]}
          shelf: {type: object, fields: {room: string, row: integer, label: string?}}
  BookReturned:
    versions:
      1:
        fields: {bookId: uuid, memberId: uuid}
"""
AGGREGATES = """\
aggregates:
  Book:
    id: {field: bookId, type: uuid}
    stream: "Book-{bookId}"
    events: [BookLent, BookReturned]
    state:
      version: 1
      fields:
        lastMember: uuid?
        lastDue: date?
        lastLentAt: datetime?
        fees: decimal
        weight: number
        copies: integer
        express: boolean
        note: string
        extra: json
        format: {type: enum, values: [paper, ebook], required: false}
        shelf:
          type: object
          required: false
          fields: {room: string, row: integer, label: string?}
        loans:
          type: array
          items:
            type: object
            fields:
              memberId: uuid
              dueOn: date
              fee: decimal
              history: {type: array, items: {type: object, fields: {at: datetime}}}
        members: {type: array, items: uuid}
    snapshot: {every: 2}
"""
PROJECTIONS = """\
projections:
  loans:
    key: [bookId, memberId]
    columns: {bookId: uuid, memberId: uuid, dueOn: date?, fee: decimal?, copies: integer,
              correlationId: uuid?, causationId: uuid?}
    on:
      BookLent: {upsert: {bookId: $.bookId, memberId: $.memberId, dueOn: $.dueOn, fee: $.fee,
                          copies: $.copies, correlationId: $correlation_id,
                          causationId: $causation_id}}
      BookReturned: {delete: true}
"""


PYTHON_OPTIONS = ', pyproject: true, version: "1.2.0"'


def write_library(root: Path, *, projections: str = PROJECTIONS,
                  python_options: str = PYTHON_OPTIONS) -> Path:
    """The project's declarations in `root` (created); `root`."""
    for folder, text in (("events", EVENTS), ("aggregates", AGGREGATES),
                         ("projections", projections)):
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / f"{folder}.yaml").write_text(text)
    (root / "escodegen.yaml").write_text(
        "escodegen: 1\nname: library\nsources: [events, aggregates, projections]\n"
        "registry: registry\n"
        "python: {out: generated/library_events, package: library_events, models: dataclasses"
        + python_options + "}\n"
        "postgres: {out: generated/sql, schema: lib}\n")
    return root


def generate_library(root: Path, **options: str) -> Path:
    write_library(root, **options)
    result = run_cli("generate", cwd=root)
    assert result.returncode == 0, result.stderr + result.stdout
    return root
