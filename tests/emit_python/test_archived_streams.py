"""The generated client on an archived stream (`escodegen migrate archive`): reading, loading
and appending raise StreamArchived naming the archive file; global reads go on; a restore
brings the stream back to the client as it was."""

from __future__ import annotations

import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner

from escodegen.cli import cli
from tests.conftest import EXAMPLES
from tests.emit_python.conftest import order_class


def migrate(*args: str) -> None:
    result = CliRunner().invoke(cli, ["-C", str(EXAMPLES / "shop"), "migrate", *args])
    assert result.exit_code == 0, result.output


def test_an_archived_stream_names_its_archive_until_restored(
        shop_api: Any, shop_events: ModuleType, store: str, tmp_path: Path) -> None:
    Order = order_class(shop_events)
    order_id, other_id = uuid.uuid4(), uuid.uuid4()
    stream = f"Order-{order_id}"
    out = tmp_path / "orders-2026.jsonl.gz"
    with shop_api.connect(store, autocommit=True) as conn:
        event_store = shop_api.EventStore(conn)
        for each in (order_id, other_id):
            order = event_store.load(Order(each))
            for _ in range(101):  # past the snapshot policy's 100
                order.record(shop_events.OrderItemAdded(orderId=each, sku="x", quantity=1))
            event_store.save(order)
        history = event_store.read_stream(stream)
        everything = event_store.read_all(max_count=1000)
        assert conn.execute("select count(*) from es.snapshots").fetchone() == (2,)

        migrate("archive", "--dsn", store, "--stream", stream, "--out", str(out))

        with pytest.raises(shop_events.StreamArchived) as read:
            event_store.read_stream(stream)
        assert read.value.stream_id == stream
        assert read.value.archive_file == "orders-2026.jsonl.gz"
        assert "orders-2026.jsonl.gz" in str(read.value)
        assert isinstance(read.value, shop_events.StoreError)
        with pytest.raises(shop_events.StreamArchived, match="orders-2026.jsonl.gz"):
            event_store.load(Order(order_id))  # its snapshot went with it
        with pytest.raises(shop_events.StreamArchived, match="orders-2026.jsonl.gz"):
            event_store.append(stream, [shop_events.OrderCancelled(orderId=order_id)])
        with pytest.raises(shop_events.StreamArchived, match="orders-2026.jsonl.gz"):
            event_store.append_to_streams(
                [(stream, [shop_events.OrderCancelled(orderId=order_id)], "any")])
        assert event_store.load(Order(other_id)).version == 101
        assert [e.event_id for e in event_store.read_all(max_count=1000)] == [
            e.event_id for e in everything if e.stream_id != stream]

        migrate("restore", "--dsn", store, str(out))

        assert event_store.read_stream(stream) == history
        assert event_store.load(Order(order_id)).version == 101
        event_store.append(stream, [shop_events.OrderCancelled(orderId=order_id)], expected=101)
