"""`escodegen export asyncapi` against the official AsyncAPI 3.0.0 JSON Schema
(@asyncapi/specs, kept in tests/export/asyncapi with its licence)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft7Validator

from escodegen.cli import cli
from escodegen.emit.asyncapi import document
from escodegen.model import Project
from tests.catalog.conftest import HOSTILE_PROJECT

SCHEMA = Path(__file__).parent / "asyncapi" / "asyncapi-3.0.0.schema.json"


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    return Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def errors(validator: Draft7Validator, doc: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(doc)]


def test_the_shop_document_is_valid_asyncapi_3(validator: Draft7Validator,
                                               shop_project: Project) -> None:
    doc = document(shop_project)
    assert errors(validator, doc) == []
    assert doc["asyncapi"] == "3.0.0"
    assert doc["channels"]["Order"]["address"] == "Order-{orderId}"
    assert list(doc["channels"]["Customer"]["messages"]) == [
        "CustomerRegistered.v1", "CustomerRegistered.v2", "CustomerRegistered.v3",
        "CustomerTierChanged.v1"]
    message = doc["components"]["messages"]["CustomerRegistered.v2"]
    assert message["payload"]["required"] == ["customerId", "email", "firstName", "lastName"]
    assert doc["components"]["correlationIds"]["correlationId"]["location"] == (
        "$message.header#/correlation_id")
    receive = doc["operations"]["customer_directory.Customer.receive"]
    assert receive["action"] == "receive" and len(receive["messages"]) == 4


def test_the_validation_can_fail(validator: Draft7Validator, shop_project: Project) -> None:
    """The copy of the schema resolves its references: broken documents are caught."""
    doc = document(shop_project)
    for path, value in ((("asyncapi",), "2.6.0"), (("channels", "Order", "address"), 5),
                        (("components", "messages", "OrderPlaced.v1", "payload", "type"), 7),
                        (("operations", "Order.send", "action"), "publish")):
        broken = copy.deepcopy(doc)
        target = broken
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        assert errors(validator, broken), path


def test_the_command_writes_yaml_or_json(validator: Draft7Validator, shop: Path,
                                         tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["-C", str(shop), "export", "asyncapi"])
    assert result.exit_code == 0, result.output
    assert errors(validator, yaml.safe_load(result.output)) == []
    out = tmp_path / "asyncapi.json"
    result = runner.invoke(cli, ["-C", str(shop), "export", "asyncapi", "--format", "json",
                                 "-o", str(out), "--api-version", "2.1.0"])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["info"]["version"] == "2.1.0" and errors(validator, doc) == []


def test_events_of_no_aggregate_and_hostile_text(validator: Draft7Validator,
                                                 tmp_path: Path) -> None:
    for name, text in HOSTILE_PROJECT.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    events = tmp_path / "events.yaml"
    events.write_text(events.read_text(encoding="utf-8").replace(
        "events:\n", "events:\n  Loose:\n    versions: {1: {fields: {id: uuid}}}\n", 1),
        encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "export", "asyncapi"])
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load(result.output)
    assert errors(validator, doc) == []
    assert doc["channels"]["events"]["address"] is None
    assert "window.pwned = 1" in doc["components"]["messages"]["Signal.v1"]["summary"]
