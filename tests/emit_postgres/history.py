"""Random but reproducible histories of the shop's order and customer events."""

from __future__ import annotations

import random
import uuid
from typing import Any

from tests.emit_postgres.events import event

Batch = tuple[str, list[dict[str, Any]]]
"""A stream and the events appended to it at once."""


def order_events(r: random.Random, order: str) -> list[dict[str, Any]]:
    """One order's life: placed (old or new type, any version), items, shipped or cancelled,
    sometimes placed again after a cancellation."""
    total = f"{r.randint(1, 9999)}.{r.randint(0, 99):02d}"
    placed = r.choice([
        event("OrderPlaced", 1, {"orderId": order, "customerId": str(uuid.uuid4()),
                                 "totalAmount": total}),
        event("OrderPlaced", 2, {"orderId": order, "customerId": str(uuid.uuid4()),
                                 "totalAmount": total, "currency": "EUR"}),
        event("OrderSubmitted", 1, {
            "orderId": order, "customer": {"customerId": str(uuid.uuid4())}, "lineItems": [],
            "pricing": {"subtotal": total, "tax": "0", "total": total, "currency": "EUR"}}),
    ])
    events = [placed]
    events += [event("OrderItemAdded", 1, {"orderId": order, "sku": f"s{i}", "quantity": 1})
               for i in range(r.randint(0, 4))]
    end = r.random()
    if end < 0.4:
        events.append(r.choice([
            event("OrderShipped", 2, {"orderId": order, "shippedAt": "2024-05-01T10:00:00Z",
                                      "address": "1 Main St", "carrier": "DHL"}),
            event("OrderShipped", 1, {"orderId": order, "shippedAt": "2024-05-01T10:00:00Z",
                                      "shippingInfo": {"address": "1 Main St",
                                                       "carrier": "DHL"}}),
        ]))
        events += [event("OrderItemAdded", 1, {"orderId": order, "sku": "late", "quantity": 1})
                   for _ in range(r.randint(0, 1))]
    elif end < 0.7:
        events.append(event("OrderCancelled", 1, {"orderId": order, "reason": None}))
        if r.random() < 0.3:
            events.append(event("OrderPlaced", 2, {"orderId": order, "customerId": order,
                                                   "totalAmount": "1.00"}))
    return events


def customer_events(r: random.Random, customer: str) -> list[dict[str, Any]]:
    events = [r.choice([
        event("CustomerRegistered", 3, {
            "customerId": customer, "firstName": "Ann", "lastName": f"Lee {r.randint(1, 99)}",
            "email": "ann@example.com", "tier": "standard"}),
        # stored at version 1: the projection reads it upcast by the SQL upcasters
        event("CustomerRegistered", 1, {
            "customerId": customer, "name": f"Bob Ray {r.randint(1, 99)}",
            "email": "bob@example.com"}),
    ])]
    events += [event("CustomerTierChanged", 1, {"customerId": customer,
                                                "tier": r.choice(["premium", "enterprise"])})
               for _ in range(r.randint(0, 2))]
    return events


def history(seed: int, orders: int = 20, customers: int = 5) -> list[Batch]:
    """Appends in an interleaved order: each order's events split into a few batches."""
    r = random.Random(seed)
    queues: list[tuple[str, list[dict[str, Any]]]] = []
    for _ in range(orders):
        order = str(uuid.UUID(int=r.getrandbits(128)))
        queues.append((f"Order-{order}", order_events(r, order)))
    for _ in range(customers):
        customer = str(uuid.UUID(int=r.getrandbits(128)))
        queues.append((f"Customer-{customer}", customer_events(r, customer)))
    batches: list[Batch] = []
    while queues:
        i = r.randrange(len(queues))
        stream, pending = queues[i]
        take = r.randint(1, len(pending))
        batches.append((stream, pending[:take]))
        if take == len(pending):
            queues.pop(i)
        else:
            queues[i] = (stream, pending[take:])
    return batches
