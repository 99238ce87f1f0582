"""Fixtures of tests/emit_python (the shop's generated packages) for the walk-through tests."""

from tests.emit_python.conftest import (
    generated_msgspec_shop,
    generated_shop,
    shop_events,
    shop_structs,
)

__all__ = ["generated_msgspec_shop", "generated_shop", "shop_events", "shop_structs"]
