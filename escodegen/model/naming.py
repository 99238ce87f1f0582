"""How declared names become names in generated code, in one place so every target agrees."""

from __future__ import annotations

import re
from functools import cache

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""Field, projection and column names; also every part of a dotted path. Always matched with
`fullmatch`: `$` in Python's `re` also matches before a final newline."""
PASCAL = re.compile(r"[A-Z][A-Za-z0-9]*")
"""Event and aggregate names."""


def is_identifier(name: object) -> bool:
    return isinstance(name, str) and IDENTIFIER.fullmatch(name) is not None


def is_pascal(name: object) -> bool:
    return isinstance(name, str) and PASCAL.fullmatch(name) is not None


_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake(name: str) -> str:
    """`CustomerRegistered` -> `customer_registered`, `orderId` -> `order_id`, `HTTPCode` -> `http_code`."""
    return _BOUNDARY.sub("_", name).lower()


@cache  # a schema's titles ask for every field's name, in every version
def pascal(name: str) -> str:
    """`order_summary` -> `OrderSummary`, `orderId` -> `OrderId`."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"_+", name) if part)

