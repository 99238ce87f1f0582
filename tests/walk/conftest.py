"""Fixtures of tests/emit_python (the shop's generated package) for the walk-through tests."""

from tests.emit_python.conftest import generated_shop, shop_events

__all__ = ["generated_shop", "shop_events"]
