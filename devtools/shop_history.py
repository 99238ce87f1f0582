"""A reproducible history of the shop with every event type at every version it ever had: as
rows loaded in bulk (COPY) into the store the PostgreSQL target creates, or as batches for
`append_to_stream`."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg

Event = tuple[str, int, dict[str, Any]]
"""event type, stored version, payload."""

Stream = tuple[str, list[Event]]
"""A stream id and its events in order."""

Row = tuple[str, str, int, dict[str, Any], dict[str, Any]]
"""stream id, event type, stored version, payload, metadata."""

Batch = tuple[str, list[dict[str, Any]]]
"""A stream id and the events appended to it at once, as `append_to_stream` takes them."""

NAMES = ["Ann Lee", "Zoë Ångström-Ça", "Prince", "", "Mary Ann  van Dyke", " leading", "李 小龍",
         "O'Brien \"Quote\" Back\\slash", "trailing "]


def _uuid(r: random.Random) -> str:
    return str(uuid.UUID(int=r.getrandbits(128), version=4))


def customer(r: random.Random, customer_id: str, email: str) -> list[Event]:
    name = r.choice(NAMES)
    first, _, last = name.partition(" ")
    registered = r.choice([
        ("CustomerRegistered", 1, {"customerId": customer_id, "name": name, "email": email}),
        ("CustomerRegistered", 2, {"customerId": customer_id, "firstName": first,
                                   "lastName": last, "email": email}),
        ("CustomerRegistered", 3, {"customerId": customer_id, "firstName": first,
                                   "lastName": last, "email": email,
                                   "tier": r.choice(["standard", "premium"])}),
    ])
    changes = [("CustomerTierChanged", 1, {"customerId": customer_id,
                                            "tier": r.choice(["premium", "enterprise"])})
               for _ in range(r.randint(0, 2))]
    return [registered, *changes]


def order(r: random.Random, order_id: str, customer_id: str) -> list[Event]:
    """One order's life: placed (old or new type, any version), items, shipped (sometimes with
    a late item after it) or cancelled (sometimes placed again after it); the projections'
    handlers must guard against the late ones."""
    total = f"{r.randint(1, 9999)}.{r.randint(0, 99):02d}"
    v2: dict[str, Any] = {"orderId": order_id, "customerId": customer_id, "totalAmount": total}
    if r.random() < 0.5:
        v2["currency"] = r.choice(["EUR", None])
    if r.random() < 0.3:
        v2["shippingAddress"] = {"street": "Rue de l'Église 1", "city": "Genève",
                                 "country": "CH", "postcode": r.choice(["1204", None])}
    placed = r.choice([
        ("OrderPlaced", 1, {"orderId": order_id, "customerId": customer_id, "totalAmount": total}),
        ("OrderPlaced", 2, v2),
        ("OrderSubmitted", 1, {
            "orderId": order_id, "customer": {"customerId": customer_id},
            "lineItems": [{"sku": "a", "quantity": 2, "unitPrice": "1.50"}],
            "pricing": {"subtotal": total, "tax": "0.00", "total": total, "currency": "EUR"}}),
    ])
    events = [placed]
    events += [("OrderItemAdded", 1, {"orderId": order_id, "sku": f"sku-{i}", "quantity": i + 1})
               for i in range(r.randint(0, 4))]
    ending = r.random()
    if ending < 0.5:
        address = r.choice(["1 Main St", "", "Straße 5, Zürich"])
        shipped: list[Event] = [
            ("OrderShipped", 1, {"orderId": order_id, "shippedAt": "2024-05-01T10:00:00Z",
                                 "shippingInfo": {"address": address, "carrier": "DHL"}}),
            ("OrderShipped", 2, {"orderId": order_id, "shippedAt": "2024-05-01T10:00:00Z",
                                 "address": address, "carrier": "UPS"}),
        ]
        events.append(r.choice(shipped))
        events += [("OrderItemAdded", 1, {"orderId": order_id, "sku": "late", "quantity": 1})
                   for _ in range(r.randint(0, 1))]
    elif ending < 0.7:
        events.append(("OrderCancelled", 1, {"orderId": order_id,
                                             "reason": r.choice([None, "changed mind"])}))
        if r.random() < 0.3:
            events.append(("OrderPlaced", 2, {"orderId": order_id, "customerId": customer_id,
                                              "totalAmount": "1.00"}))
    return events


def streams(r: random.Random, customers: int, orders: int | None = None) -> list[Stream]:
    """`customers` customers' streams, each followed by its orders' streams: 0 to 4 orders per
    customer, or `orders` in all of random customers (of unknown ones when there are none)."""
    result: list[Stream] = []
    ids: list[str] = []
    for i in range(customers):
        customer_id = _uuid(r)
        ids.append(customer_id)
        result.append((f"Customer-{customer_id}", customer(r, customer_id, f"c{i}@example.com")))
        for _ in range(r.randint(0, 4) if orders is None else 0):
            order_id = _uuid(r)
            result.append((f"Order-{order_id}", order(r, order_id, customer_id)))
    for _ in range(orders or 0):
        order_id, customer_id = _uuid(r), r.choice(ids) if ids else _uuid(r)
        result.append((f"Order-{order_id}", order(r, order_id, customer_id)))
    return result


def _interleaved(r: random.Random, queues: list[Stream], batched: bool) -> Iterator[Stream]:
    """The streams' events in a random interleaving, one at a time or in batches of any size."""
    while queues:
        i = r.randrange(len(queues))
        stream, pending = queues[i]
        take = r.randint(1, len(pending)) if batched else 1
        yield stream, pending[:take]
        del pending[:take]
        if not pending:
            queues[i] = queues[-1]
            queues.pop()


def _metadata(r: random.Random) -> dict[str, Any]:
    return {"source": "seed"} if r.random() < 0.5 else {}


def history(seed: int, customers: int, orders: int | None = None) -> list[Row]:
    """The streams of `streams`, interleaved one event at a time."""
    r = random.Random(seed)
    rows: list[Row] = []
    for stream, [(event_type, version, data)] in _interleaved(r, streams(r, customers, orders),
                                                              batched=False):
        rows.append((stream, event_type, version, data, _metadata(r)))
    return rows


def batches(seed: int, customers: int, orders: int | None = None) -> list[Batch]:
    """The streams of `streams`, each split into a few batches, the batches interleaved."""
    r = random.Random(seed)
    return [(stream, [{"event_id": _uuid(r), "event_type": event_type, "event_version": version,
                       "data": data, "metadata": _metadata(r)}
                      for event_type, version, data in events])
            for stream, events in _interleaved(r, streams(r, customers, orders), batched=True)]


def load(conn: psycopg.Connection[Any], rows: list[Row], schema: str = "es") -> None:
    """COPY the rows into the store (positions in order), and their streams' versions."""
    positions: dict[str, int] = {}
    with conn.cursor() as cursor:
        with cursor.copy(f"copy {schema}.events (event_id, stream_id, stream_position, "
                         "event_type, event_version, data, metadata, correlation_id) "
                         "from stdin") as copy:
            for number, (stream, event_type, version, data, metadata) in enumerate(rows):
                positions[stream] = positions.get(stream, 0) + 1
                copy.write_row((str(uuid.UUID(int=number + 1)), stream, positions[stream],
                                event_type, version, json.dumps(data), json.dumps(metadata),
                                str(uuid.UUID(int=number // 3 + 1)) if number % 4 else None))
        with cursor.copy(f"copy {schema}.streams (stream_id, version) from stdin") as copy:
            for stream, version in positions.items():
                copy.write_row((stream, version))


def stored_versions(rows: list[Row]) -> Iterator[tuple[str, int]]:
    yield from sorted({(event_type, version) for _, event_type, version, _, _ in rows})
