"""The FastAPI examples of docs/python.md (sync and async), each run as written with FastAPI's
TestClient against PostgreSQL (the shop's generated package and SQL)."""

from __future__ import annotations

import importlib
import re
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import psycopg
import pytest
from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]


def example_code(marker: str) -> str:
    text = (ROOT / "docs" / "python.md").read_text()
    found = re.search(rf"<!-- {marker} -->\n```python\n(.*?)```", text, re.DOTALL)
    assert found is not None, f"docs/python.md lost its example {marker}"
    return found.group(1)


@pytest.fixture(params=["fastapi-example", "fastapi-async-example"])
def example_app(request: pytest.FixtureRequest, store: str, shop_events: ModuleType,
                tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    (tmp_path / "shop_web.py").write_text(example_code(request.param))
    monkeypatch.setenv("DATABASE_URL", store)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        yield importlib.import_module("shop_web")
    finally:
        sys.modules.pop("shop_web", None)


def test_the_fastapi_example_runs_against_postgresql(example_app: ModuleType, store: str) -> None:
    order_id, customer, request_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with TestClient(example_app.app) as client:
        placed = client.put(f"/orders/{order_id}", json={"customer_id": str(customer),
                                                          "total": "19.90"},
                            headers={"X-Request-Id": str(request_id)})
        assert placed.status_code == 201 and placed.json() == {"version": 1}
        again = client.put(f"/orders/{order_id}", json={"customer_id": str(customer),
                                                         "total": "1"})
        assert again.status_code == 409
        added = client.post(f"/orders/{order_id}/items", json={"sku": "A-1", "quantity": 2})
        assert added.json() == {"version": 2, "items": 2}
        shown = client.get(f"/orders/{order_id}")
        assert shown.json() == {"status": "placed", "total": "19.90", "items": 1}
        assert client.get(f"/orders/{uuid.uuid4()}").status_code == 404
        assert client.post(f"/orders/{uuid.uuid4()}/items",
                           json={"sku": "A-1", "quantity": 1}).status_code == 409
    with psycopg.connect(store) as conn:
        rows = conn.execute("select correlation_id from es.events where stream_id = %s "
                            "order by stream_position", (f"Order-{order_id}",)).fetchall()
    assert rows[0] == (request_id,)
