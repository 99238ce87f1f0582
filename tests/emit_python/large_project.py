"""A larger project than examples/shop for the generated package's quality gate: names short
and long (unions and tuples of one name, of a few, and of many), every upcast operation,
descriptions with quotes, every kind of state field and snapshot policy, projections of one
event and of many."""

from __future__ import annotations

from pathlib import Path

LONG = "InventoryReservationAdjustedForWarehouse"
"""An event name long enough to make its lines wrap."""
SHORT = ["Ping", "Pong", "Tick", "Tock"]
MANY = [f"Stock{kind}Recorded" for kind in ("Arrival", "Departure", "Count", "Loss", "Return",
                                              "Transfer", "Audit", "Repair")]

_UPCASTS = """\
      2:
        description: 'Adds "tier", renames, splits and converts; it''s fine.'
        upcast:
          - add: {field: tier, value: standard}
          - rename: {from: note, to: comment}
          - split: {from: label, into: [first, rest], separator: " "}
          - convert: {field: count, to: string}
        fields:
          id: uuid
          comment: string?
          first: string
          rest: string
          count: string
          tier: string
          place: {type: object, fields: {city: string, zip: string?}}
      3:
        upcast:
          - join: {from: [first, rest], into: label, separator: ", "}
          - map: {field: tier, values: {standard: basic, "it's": 'say "x"'}, else: other}
          - default: {field: comment, value: "none"}
          - move: {from: place.city, to: city}
          - remove: {field: count}
        fields:
          id: uuid
          comment: string?
          label: string
          tier: string
          city: string
          place: {type: object, required: false, fields: {zip: string?}}
"""


def _event(name: str, aggregate: str) -> str:
    return (f"  {name}:\n    description: The {name} event's \"story\".\n"
            f"    aggregate: {aggregate}\n    versions:\n      1:\n        fields:\n"
            "          id: uuid\n          note: string?\n          label: string\n"
            "          count: integer\n"
            "          place: {type: object, fields: {city: string, zip: string?}}\n"
            + _UPCASTS)


def write_large_project(root: Path, models: str) -> str:
    """Write the project into `root`; the name of its Python package."""
    package = f"large_{models}"
    for folder in ("events", "aggregates", "projections"):
        (root / folder).mkdir(parents=True)
    (root / "escodegen.yaml").write_text(
        "escodegen: 1\nname: large\nsources: [events, aggregates, projections]\n"
        "registry: registry\n"
        f"python: {{out: generated/{package}, package: {package}, models: {models}}}\n"
        "postgres: {out: generated/sql, schema: store}\n")
    aggregates = {"Reservation": [LONG], "Signal": SHORT, "Stock": MANY}
    (root / "events" / "events.yaml").write_text("events:\n" + "".join(
        _event(name, aggregate) for aggregate, names in aggregates.items() for name in names))
    (root / "aggregates" / "aggregates.yaml").write_text(
        "aggregates:\n"
        "  Reservation:\n    id: {field: id, type: uuid}\n"
        '    stream: "Reservation-{id}"\n'
        f"    events: [{LONG}]\n"
        "    state: {version: 2, fields: {status: {type: enum, values: [open, 'it''s \"done\"']},"
        " at: datetime?, on: date, extra: json, ratio: number, ok: boolean}}\n"
        "    snapshot: {replay_over: 50ms}\n"
        "  Signal:\n    id: {field: id, type: uuid}\n"
        '    stream: "Signal-{id}"\n'
        f"    events: [{', '.join(SHORT)}]\n"
        "    state: {version: 1, fields: {}}\n"
        "    snapshot: none\n"
        "  Stock:\n    id: {field: id, type: uuid}\n"
        '    stream: "Stock-{id}"\n'
        f"    events: [{', '.join(MANY)}]\n"
        "    state: {version: 1, fields: {count: integer, tags: {type: array, items: string},\n"
        "      kind: {type: enum, values: [a, b], required: false},\n"
        "      bins: {type: array, items: {type: object, fields: {at: uuid, shelf:\n"
        "        {type: object, required: false, fields: {row: integer}}}}}}}\n"
        "    snapshot: {every: 10}\n")
    (root / "projections" / "projections.yaml").write_text(
        "projections:\n"
        "  reservation_board:\n    key: [id]\n    columns: {id: uuid, label: string}\n"
        f"    on:\n      {LONG}: {{upsert: {{id: $.id, label: $.label}}}}\n"
        "  stock_levels:\n    description: 'Stock per \"item\"; it''s counted.'\n"
        "    key: [id]\n    columns: {id: uuid, moves: integer}\n    on:\n"
        + "".join(f"      {name}: {{upsert: {{id: $.id, moves: {{increment: 1}}}}}}\n"
                  for name in MANY))
    return package
