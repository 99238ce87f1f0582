"""`escodegen doctor`: each checklist item passes on a sound project and store, and fails or
warns on the defect it is there to find (database items on a real PostgreSQL)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import psycopg
from click.testing import CliRunner

from escodegen.cli import cli

APPEND = "select es.append_to_stream(%s, -1, %s::jsonb)"


def doctor(root: Path, *args: str, code: int | None = None) -> dict[str, tuple[str, str]]:
    result = CliRunner().invoke(cli, ["-C", str(root), "doctor", "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.output)
    assert result.exit_code == (1 if report["failed"] else 0)
    if code is not None:
        assert result.exit_code == code
    return {item["id"]: (item["status"], item["message"]) for item in report["items"]}


def publish(root: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(root), "publish"])
    assert result.exit_code == 0, result.output


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def append(dsn: str, events: int = 1, traced: bool = True, version: int = 3,
           event_type: str = "CustomerRegistered") -> None:
    data = {"customerId": str(uuid.uuid4()), "firstName": "A", "lastName": "B",
            "email": "a@b.org", "tier": "standard"}
    if version == 1:
        data = {"customerId": data["customerId"], "name": "A B", "email": "a@b.org"}
    ids = {"correlation_id": str(uuid.uuid4()), "causation_id": str(uuid.uuid4())} if traced else {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        for _ in range(events):
            event = [{"event_type": event_type, "event_version": version, "data": data, **ids}]
            conn.execute(APPEND, (f"Customer-{uuid.uuid4()}", json.dumps(event)))


def execute(dsn: str, statement: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(statement)


# declarations


def test_declarations_pass_on_the_shop_and_database_items_skip_without_a_dsn(shop: Path) -> None:
    items = doctor(shop)
    assert items["declarations"][0] == "pass"
    assert {items[i][0] for i in ("upcast-paths", "upcast-verification", "correlation-ids", "monitoring-views",
                                   "projection-lag")} == {"skip"}


def test_invalid_declarations_fail_and_skip_the_items_that_need_them(shop: Path) -> None:
    edit(shop / "events" / "customer.yaml", "subject: customerId", "subject: nowhere")
    items = doctor(shop, code=1)
    assert items["declarations"][0] == "fail" and "ES207" in items["declarations"][1]
    assert items["pii-subjects"] == ("skip", "the declarations do not compile")


def test_a_design_lint_warns(shop: Path) -> None:
    for path in shop.rglob("*.yaml"):
        path.write_text(path.read_text().replace("CustomerTierChanged", "ChangeCustomerTier"))
    status, message = doctor(shop)["declarations"]
    assert status == "warn" and "ES503" in message


# registry


def test_registry_fails_when_nothing_is_published(shop: Path) -> None:
    assert doctor(shop, code=1)["registry"][0] == "fail"


def test_registry_passes_when_published_and_matching(shop: Path) -> None:
    publish(shop)
    assert doctor(shop, code=0)["registry"] == ("pass", "verified, and the declarations match it")


def test_registry_warns_on_an_unpublished_version_and_fails_on_an_edited_one(shop: Path) -> None:
    publish(shop)
    customer = shop / "events" / "customer.yaml"
    original = customer.read_text()
    customer.write_text(original + "      2:\n        fields:\n          customerId: uuid\n"
                        "          tier: {type: enum, values: [standard, premium, enterprise]}\n"
                        "          note: string?\n")
    status, message = doctor(shop)["registry"]
    assert status == "warn" and "not published" in message
    head, tail = original.rsplit("premium, enterprise]", 1)
    customer.write_text(head + "premium]" + tail)
    status, message = doctor(shop, code=1)["registry"]
    assert status == "fail" and "breaking" in message


def test_registry_fails_when_tampered_with(shop: Path) -> None:
    publish(shop)
    schema = next((shop / "registry" / "events").rglob("*.schema.json"))
    schema.write_text(schema.read_text().replace("{", "{ ", 1))
    status, message = doctor(shop, code=1)["registry"]
    assert status == "fail" and "tampered" in message


# snapshots, projections, pii subjects (declarations only)


def test_snapshots_pass_on_the_shop_and_warn_on_a_snapshot_per_event(shop: Path) -> None:
    assert doctor(shop)["snapshots"][0] == "pass"
    edit(shop / "aggregates" / "aggregates.yaml", "snapshot: {every: 100}", "snapshot: {every: 1}")
    status, message = doctor(shop)["snapshots"]
    assert status == "warn" and "Order" in message


def test_projections_are_idempotent_by_construction(shop: Path) -> None:
    status, message = doctor(shop)["projections"]
    assert status == "pass" and message.startswith("2 projection(s), idempotent by construction")


def test_pii_subjects_pass_on_the_shop_and_fail_without_a_subject(shop: Path) -> None:
    assert doctor(shop)["pii-subjects"][0] == "pass"
    edit(shop / "events" / "customer.yaml", "    subject: customerId\n", "")
    status, message = doctor(shop, code=1)["pii-subjects"]
    assert status == "fail" and "CustomerRegistered" in message


# database items


def test_upcast_paths_pass_for_declared_versions(shop: Path, store: str) -> None:
    append(store, version=1)
    append(store, version=3)
    status, message = doctor(shop, "--dsn", store)["upcast-paths"]
    assert status == "pass" and message.startswith("2 stored")


def test_upcast_paths_fail_for_a_missing_upcaster(shop: Path, store: str) -> None:
    append(store, version=1)
    execute(store, "drop function es.upcast_customer_registered_v1_to_v2(jsonb) cascade")
    status, message = doctor(shop, "--dsn", store, code=1)["upcast-paths"]
    assert status == "fail" and "CustomerRegistered v1" in message


def test_correlation_ids_pass_when_traced_and_warn_when_not(shop: Path, store: str) -> None:
    assert doctor(shop, "--dsn", store)["correlation-ids"] == ("pass", "no events stored yet")
    append(store, events=3)
    assert doctor(shop, "--dsn", store)["correlation-ids"][0] == "pass"
    append(store, events=1, traced=False)
    status, message = doctor(shop, "--dsn", store)["correlation-ids"]
    assert status == "warn" and message.startswith("3 of the last 4 events (75%)")


def test_monitoring_views_pass_and_fail_when_dropped(shop: Path, store: str) -> None:
    assert doctor(shop, "--dsn", store)["monitoring-views"][0] == "pass"
    execute(store, "drop function es.store_stats() cascade")
    status, message = doctor(shop, "--dsn", store, code=1)["monitoring-views"]
    assert status == "fail" and message.startswith("store_stats missing")


def test_projection_lag_under_and_over_the_threshold(shop: Path, store: str) -> None:
    append(store, events=2)
    assert doctor(shop, "--dsn", store)["projection-lag"][0] == "pass"
    status, message = doctor(shop, "--dsn", store, "--max-lag", "0", code=1)["projection-lag"]
    assert status == "fail" and "over 0 s behind" in message


def test_an_unreachable_database_is_exit_2(shop: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(shop), "doctor", "--dsn",
                                      "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"])
    assert result.exit_code == 2 and "cannot check the database" in result.output


def test_the_text_format_has_one_line_per_item(shop: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(shop), "doctor"])
    lines = result.output.splitlines()
    assert lines[0].split()[:2] == ["pass", "declarations"]
    assert lines[-1] == "4 pass, 0 warn, 1 fail, 5 skip"
    assert result.exit_code == 1


def test_upcast_verification_passes_on_stored_older_versions(shop: Path, store: str) -> None:
    assert doctor(shop, "--dsn", store)["upcast-verification"][0] == "pass"
    append(store, events=3, version=1)
    append(store, version=3)
    status, message = doctor(shop, "--dsn", store)["upcast-verification"]
    assert status == "pass", message
    assert message.startswith("1 stored older version(s) upcast alike")
    assert "up to 50 stored payloads per version, 3 in all" in message


def test_upcast_verification_fails_where_the_upcasters_disagree_on_a_stored_payload(
        shop: Path, store: str) -> None:
    # Python's str.upper makes "ß" "SS", PostgreSQL's upper keeps it
    edit(shop / "events" / "customer.yaml",
         '          - split: {from: name, into: [firstName, lastName], separator: " "}\n',
         '          - split: {from: name, into: [firstName, lastName], separator: " "}\n'
         '          - custom:\n'
         '              python: "doctor_shout:shout"\n'
         '              sql: "jsonb_set(data, \'{firstName}\', jsonb_object(ARRAY[\'p\'], '
         'ARRAY[upper(data ->> \'firstName\')]) -> \'p\')"\n'
         '              changes: [firstName]\n')
    (shop / "doctor_shout.py").write_text(  # a module name no other test imports
        "def shout(data):\n    data['firstName'] = data['firstName'].upper()\n    return data\n")
    append(store, version=1)
    status, message = doctor(shop, "--dsn", store)["upcast-verification"]
    assert status == "pass", message
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute(APPEND, ("Customer-x", json.dumps([{
            "event_type": "CustomerRegistered", "event_version": 1,
            "data": {"customerId": str(uuid.uuid4()), "name": "Straße B", "email": "a@b.org"}}])))
    status, message = doctor(shop, "--dsn", store, code=1)["upcast-verification"]
    assert status == "fail", message
    assert message.startswith("1 of 1 stored older version(s) fail")
    assert "CustomerRegistered v1: Python and SQL disagree" in message
    assert "Stra\\u00dfe B" in message


def test_upcast_verification_leaves_a_version_without_a_path_to_upcast_paths(
        shop: Path, store: str) -> None:
    execute(store, "insert into es.event_registry values ('CustomerRegistered', 0, '{}', 'x')")
    # stored before validation on append (which refuses an undeclared version)
    execute(store, "insert into es.events (event_id, stream_id, stream_position, event_type,"
                   " event_version, data) values (gen_random_uuid(), 'Customer-old', 1,"
                   " 'CustomerRegistered', 0, '{}')")
    items = doctor(shop, "--dsn", store, code=1)
    assert items["upcast-paths"][0] == "fail"
    assert "CustomerRegistered v0 is not a declared version" in items["upcast-paths"][1]
    assert items["upcast-verification"][0] == "pass"
