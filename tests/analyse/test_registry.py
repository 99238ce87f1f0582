"""The registry folder is content-addressed and tamper-evident (issue 11 point 6): every way of
changing it by hand is found by `check` and `publish`, each with its own code, and a format-1
registry (written before the publication log) is upgraded by the next publish."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from escodegen.cli import cli
from escodegen.sources.registry import open_registry
from escodegen.sources.registry_files import (
    SHAPES,
    NotStrictJson,
    digest,
    shape_validator,
    strict_loads,
)

FORMAT1 = Path(__file__).resolve().parent / "data" / "format1"


def run(project: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def forge_log(registry: Path) -> None:
    """What a careful tamperer does after editing index.json: put its sha256 into the last
    line of the log, so that the index matches the log again."""
    log = registry / "log.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines()
    last = json.loads(lines[-1])
    last["index"] = digest((registry / "index.json").read_bytes())
    lines[-1] = json.dumps(last, sort_keys=True, separators=(",", ":"))
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")


def index_of(registry: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((registry / "index.json").read_text(encoding="utf-8"))


def write_index(registry: Path, index: dict) -> None:  # type: ignore[type-arg]
    (registry / "index.json").write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")


@pytest.fixture
def published(shop: Path) -> Path:
    """The shop, published twice (the second time OrderShipped v3): a log of
    two lines."""
    assert run(shop, "publish")[0] == 0
    shutil.copy(shop / "registry" / "index.json", shop.parent / "first-index.json")
    edit(shop / "events" / "order.yaml", """          carrier: string

  OrderCancelled:""", """          carrier: string
      3:
        upcast:
          - add: {field: note, value: ""}
        fields: {orderId: uuid, shippedAt: datetime, address: string, carrier: string,
                 note: string}

  OrderCancelled:""")
    assert run(shop, "publish")[0] == 0
    assert len((shop / "registry" / "log.jsonl").read_text().splitlines()) == 2
    assert run(shop, "check")[0] == 0
    return shop


def _change_type_and_schema_file(shop: Path) -> None:
    """Issue 11: a published type changed in place, and its schema file edited to match."""
    edit(shop / "events" / "order.yaml", "fields: {orderId: uuid, sku: string, quantity: integer}",
         "fields: {orderId: uuid, sku: string, quantity: number}")
    edit(shop / "registry" / "events" / "OrderItemAdded" / "v1.schema.json",
         '"type": "integer"', '"type": "number"')


def _overwrite_fingerprint(shop: Path) -> None:
    registry = shop / "registry"
    index = index_of(registry)
    index["events"]["OrderItemAdded"]["versions"]["1"]["fingerprint"] = "sha256:" + "0" * 64
    write_index(registry, index)


def _delete_index(shop: Path) -> None:
    (shop / "registry" / "index.json").unlink()


def _delete_entry(shop: Path) -> None:
    registry = shop / "registry"
    index = index_of(registry)
    del index["events"]["OrderItemAdded"]
    write_index(registry, index)


def _delete_entry_and_files_and_forge_log(shop: Path) -> None:
    _delete_entry(shop)
    shutil.rmtree(shop / "registry" / "events" / "OrderItemAdded")
    forge_log(shop / "registry")


def _delete_entry_keep_file_forge_log(shop: Path) -> None:
    _delete_entry(shop)
    forge_log(shop / "registry")


def _roll_back_index(shop: Path) -> None:
    """As `git checkout HEAD~1 -- registry/index.json` would."""
    shutil.copy(shop.parent / "first-index.json", shop / "registry" / "index.json")


def _hostile_key(shop: Path) -> None:
    outside = shop.parent / "outside"
    outside.mkdir()
    (outside / "evil.schema.json").write_text('{"type": "object"}\n')
    registry = shop / "registry"
    index = index_of(registry)
    index["projections"]["../../../../outside/evil"] = index["projections"]["order_summary"]
    write_index(registry, index)
    forge_log(registry)


def _key_with_newline(shop: Path) -> None:
    registry = shop / "registry"
    index = index_of(registry)
    index["projections"]["order_summary\n"] = index["projections"].pop("order_summary")
    write_index(registry, index)


def _symlink_out(shop: Path) -> None:
    outside = shop.parent / "outside.json"
    target = shop / "registry" / "events" / "OrderItemAdded" / "v1.schema.json"
    outside.write_bytes(target.read_bytes())
    target.unlink()
    target.symlink_to(outside)


def _delete_schema_file(shop: Path) -> None:
    (shop / "registry" / "events" / "OrderShipped" / "v1.schema.json").unlink()


def _stray_file(shop: Path) -> None:
    folder = shop / "registry" / "events" / "Smuggled"
    folder.mkdir()
    (folder / "v1.schema.json").write_text("{}\n")


def _drop_first_log_line(shop: Path) -> None:
    log = shop / "registry" / "log.jsonl"
    _, second = log.read_text().splitlines()
    line = json.loads(second)
    line["previous"] = None  # as if it had been the first publish
    log.write_text(json.dumps(line, sort_keys=True, separators=(",", ":")) + "\n")


def _break_log_chain(shop: Path) -> None:
    log = shop / "registry" / "log.jsonl"
    first, second = log.read_text().splitlines()
    line = json.loads(second)
    line["previous"] = "sha256:" + "1" * 64
    log.write_text(first + "\n" + json.dumps(line, sort_keys=True, separators=(",", ":")) + "\n")


def _delete_log(shop: Path) -> None:
    (shop / "registry" / "log.jsonl").unlink()


def _nan_in_index(shop: Path) -> None:
    edit(shop / "registry" / "index.json", '"escodegen": 2', '"escodegen": NaN')


def _huge_number_in_schema(shop: Path) -> None:
    edit(shop / "registry" / "events" / "OrderShipped" / "v1.schema.json",
         '"type": "object"', '"type": "object", "maxProperties": ' + "9" * 5000)


def _overflowing_float(shop: Path) -> None:
    edit(shop / "registry" / "events" / "OrderShipped" / "v1.schema.json",
         '"type": "object"', '"type": "object", "maximum": 1e400')


def _duplicate_key(shop: Path) -> None:
    edit(shop / "registry" / "index.json", '"escodegen": 2', '"escodegen": 2, "escodegen": 2')


def _index_not_json(shop: Path) -> None:
    (shop / "registry" / "index.json").write_text("{")


def _index_wrong_shape(shop: Path) -> None:
    (shop / "registry" / "index.json").write_text('{"escodegen": 2, "events": []}')


def _index_not_utf8(shop: Path) -> None:
    (shop / "registry" / "index.json").write_bytes(b'{"escodegen": "\xff"}')


def _schema_file_is_a_folder(shop: Path) -> None:
    path = shop / "registry" / "events" / "OrderShipped" / "v1.schema.json"
    path.unlink()
    path.mkdir()


TAMPERING: dict[str, tuple[Callable[[Path], None], str]] = {
    "type changed in place and its schema file edited": (_change_type_and_schema_file, "ES806"),
    "fingerprint overwritten in index.json": (_overwrite_fingerprint, "ES808"),
    "index.json deleted": (_delete_index, "ES809"),
    "index entry deleted": (_delete_entry, "ES808"),
    "index entry and files deleted, log forged": (_delete_entry_and_files_and_forge_log, "ES811"),
    "index entry deleted, log forged": (_delete_entry_keep_file_forge_log, "ES811"),
    "index.json rolled back": (_roll_back_index, "ES810"),
    "index key ../../../../outside/evil": (_hostile_key, "ES804"),
    "index key ending in a newline": (_key_with_newline, "ES804"),
    "schema file a symbolic link out of the folder": (_symlink_out, "ES805"),
    "schema file deleted": (_delete_schema_file, "ES807"),
    "schema file added by hand": (_stray_file, "ES813"),
    "first log line removed": (_drop_first_log_line, "ES812"),
    "log line's previous index edited": (_break_log_chain, "ES812"),
    "log deleted": (_delete_log, "ES812"),
    "NaN in index.json": (_nan_in_index, "ES802"),
    "5000-digit number in a schema file": (_huge_number_in_schema, "ES802"),
    "1e400 in a schema file": (_overflowing_float, "ES802"),
    "duplicate key in index.json": (_duplicate_key, "ES802"),
    "index.json not JSON": (_index_not_json, "ES802"),
    "index.json of the wrong shape": (_index_wrong_shape, "ES803"),
    "index.json not UTF-8": (_index_not_utf8, "ES801"),
    "schema file is a folder": (_schema_file_is_a_folder, "ES801"),
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_tampering_is_found_by_check_and_publish(published: Path, case: str) -> None:
    tamper, code = TAMPERING[case]
    tamper(published)
    before = {p: p.read_bytes() for p in (published / "registry").rglob("*") if p.is_file()}
    status, _, err = run(published, "check")
    assert status == 1 and f"error {code}:" in err, err
    assert "hint:" in err and "internal error" not in err
    status, _, err = run(published, "publish")
    assert status == 1 and f"error {code}:" in err, err
    after = {p: p.read_bytes() for p in (published / "registry").rglob("*") if p.is_file()}
    assert after == before  # publish wrote nothing


def test_each_tampering_case_has_a_code_of_its_own() -> None:
    """The six cases of issue 11 point 6 are told apart."""
    issue = ["type changed in place and its schema file edited",
             "fingerprint overwritten in index.json", "index.json deleted",
             "index entry and files deleted, log forged", "index.json rolled back",
             "index key ../../../../outside/evil"]
    assert len({TAMPERING[c][1] for c in issue}) == len(issue)


def test_a_hostile_key_reads_nothing_outside(published: Path) -> None:
    _hostile_key(published)
    _, _, err = run(published, "check")
    assert "'../../../../outside/evil' is not a name escodegen writes" in err
    assert "evil.schema.json" not in err.replace("outside/evil'", "")


def test_publish_appends_one_chained_line_per_publish(published: Path) -> None:
    registry = published / "registry"
    first, second = (json.loads(line) for line in (registry / "log.jsonl").read_text().splitlines())
    assert first["previous"] is None and second["previous"] == first["index"]
    assert second["index"] == digest((registry / "index.json").read_bytes())
    versions = index_of(registry)["events"]["OrderShipped"]["versions"]
    # v3, and v2's refreshed title (OrderShippedV2 now): the same fingerprint
    assert second["recorded"] == [["events", "OrderShipped", n, versions[n]["fingerprint"]]
                                  for n in ("2", "3")]
    entry = index_of(registry)["events"]["OrderShipped"]["versions"]["1"]
    assert entry["sha256"] == digest(
        (registry / "events" / "OrderShipped" / "v1.schema.json").read_bytes())
    status, out, _ = run(published, "publish")
    assert status == 0 and "0 recorded" in out
    assert len((registry / "log.jsonl").read_text().splitlines()) == 2  # nothing new: no line


def test_a_weak_schema_revision_keeps_the_old_file_by_its_hash(published: Path) -> None:
    registry = published / "registry"
    old = (registry / "events" / "OrderItemAdded" / "v1.schema.json").read_bytes()
    edit(published / "events" / "order.yaml",
         "fields: {orderId: uuid, sku: string, quantity: integer}",
         "fields: {orderId: uuid, sku: string, quantity: integer, note: string?}")
    status, out, _ = run(published, "publish")
    assert status == 0 and "OrderItemAdded v1 revision 2" in out
    entry = index_of(registry)["events"]["OrderItemAdded"]["versions"]["1"]
    assert entry["superseded"] == [{"fingerprint": entry["superseded"][0]["fingerprint"],
                                    "sha256": digest(old)}]
    assert (registry / "events" / "OrderItemAdded" / "v1.r1.schema.json").read_bytes() == old
    assert run(published, "check")[0] == 0
    (registry / "events" / "OrderItemAdded" / "v1.r1.schema.json").write_text("{}\n")
    status, _, err = run(published, "check")
    assert status == 1 and "error ES806" in err and "revision 1" in err


def log_lines(registry: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(t) for t in (registry / "log.jsonl").read_text().splitlines()]


def write_log(registry: Path, lines: list[dict]) -> None:  # type: ignore[type-arg]
    (registry / "log.jsonl").write_text("".join(
        json.dumps(line, sort_keys=True, separators=(",", ":")) + "\n" for line in lines))


def test_publish_records_when_it_happened_source_date_epoch_first(
        published: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    registry = published / "registry"
    for line in log_lines(registry):  # no SOURCE_DATE_EPOCH: now
        assert re.fullmatch(r"20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z",
                            line["published"]), line
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1714564800")
    edit(published / "events" / "order.yaml",
         "fields: {orderId: uuid, sku: string, quantity: integer}",
         "fields: {orderId: uuid, sku: string, quantity: integer, note: string?}")
    assert run(published, "publish")[0] == 0
    assert log_lines(registry)[-1]["published"] == "2024-05-01T12:00:00Z"
    opened = open_registry(registry)
    first = log_lines(registry)[0]["published"]
    assert opened.published(("events", "OrderItemAdded", "1")) == (first, "2024-05-01T12:00:00Z")
    assert opened.published(("events", "OrderShipped", "3")) == (log_lines(registry)[1]["published"],)
    assert opened.published(("events", "OrderShipped", "9")) == ()
    status, out, _ = run(published, "registry", "show", "OrderItemAdded")
    assert status == 0 and f"{first}, r2 2024-05-01T12:00:00Z" in out


@pytest.mark.parametrize("epoch", ["yesterday", "-1", "1.5", "99999999999999999999"])
def test_a_source_date_epoch_that_is_not_one_is_a_usage_error(
        published: Path, monkeypatch: pytest.MonkeyPatch, epoch: str) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    edit(published / "events" / "order.yaml", "quantity: integer}", "quantity: integer, n: string?}")
    status, _, err = run(published, "publish")
    assert status == 2 and "SOURCE_DATE_EPOCH" in err
    assert len(log_lines(published / "registry")) == 2  # nothing written


@pytest.mark.parametrize("date", ["2024-05-01", "2024-05-01T12:00:00+02:00", "2024-13-01T12:00:00Z",
                                  "2024-02-30T12:00:00Z", "2024-05-01T12:00:00.5Z",
                                  "2024-05-01T12:00:00Z\n", "", "２０２４-05-01T12:00:00Z"])
def test_a_malformed_publication_time_is_refused(published: Path, date: str) -> None:
    registry = published / "registry"
    lines = log_lines(registry)
    lines[0]["published"] = date
    write_log(registry, lines)
    for command in ("check", "publish"):
        status, _, err = run(published, command)
        assert status == 1 and "error ES815" in err and "log.jsonl:1:" in err, err


def test_a_publication_time_that_is_not_a_string_is_the_wrong_format(published: Path) -> None:
    registry = published / "registry"
    lines = log_lines(registry)
    lines[1]["published"] = 1714564800
    write_log(registry, lines)
    status, _, err = run(published, "check")
    assert status == 1 and "error ES803" in err and "published" in err


def test_a_line_written_before_dates_were_recorded_still_reads(published: Path) -> None:
    """Registries written by an escodegen that recorded no dates: their lines stay valid, the
    date unknown, and a later publish appends a dated line after them."""
    registry = published / "registry"
    lines = log_lines(registry)
    for line in lines:
        del line["published"]
    write_log(registry, lines)
    assert run(published, "check")[0] == 0
    assert open_registry(registry).published(("events", "OrderShipped", "3")) == (None,)
    status, out, _ = run(published, "registry", "show", "OrderShipped")
    assert status == 0 and "v3       published  date unknown" in out
    edit(published / "events" / "order.yaml", "quantity: integer}", "quantity: integer, n: string?}")
    assert run(published, "publish")[0] == 0 and run(published, "check")[0] == 0
    assert "published" in log_lines(registry)[-1] and "published" not in log_lines(registry)[0]


def copy_format1(tmp_path: Path) -> Path:
    target = tmp_path / "format1"
    shutil.copytree(FORMAT1, target)
    return target


def test_a_format1_registry_is_checked_and_upgraded_by_the_next_publish(tmp_path: Path) -> None:
    project = copy_format1(tmp_path)
    registry = project / "registry"
    old_index = (registry / "index.json").read_bytes()
    status, out, err = run(project, "check")
    assert status == 0 and "warning ES814" in err and "the next `escodegen publish` upgrades" in err
    status, out, _ = run(project, "publish", "--dry-run")
    assert status == 0 and "would upgrade registry/ from format 1 to format 2" in out
    assert not (registry / "log.jsonl").exists()
    status, out, err = run(project, "publish")
    assert status == 0 and "upgraded registry/ from format 1 to format 2" in out
    assert "0 recorded, 4 unchanged" in out and "ES814" not in err
    (line,) = (json.loads(t) for t in (registry / "log.jsonl").read_text().splitlines())
    assert line["upgraded_from"] == 1 and line["previous"] == digest(old_index)
    assert len(line["recorded"]) == 6  # 4 entries, two of them with a superseded revision
    # the upgrade's own time is in its line, but what it records was published before it
    assert "published" in line
    assert open_registry(registry).published(("events", "ItemAdded", "1")) == (None, None)
    index = index_of(registry)
    assert index["escodegen"] == 2
    assert index["events"]["ItemAdded"]["versions"]["1"]["superseded"][0]["sha256"] == digest(
        (registry / "events" / "ItemAdded" / "v1.r1.schema.json").read_bytes())
    status, _, err = run(project, "check")
    assert status == 0 and err == ""
    (registry / "events" / "ItemAdded" / "v1.r1.schema.json").unlink()
    assert "error ES807" in run(project, "check")[2]


def test_a_tampered_format1_registry_is_not_upgraded(tmp_path: Path) -> None:
    project = copy_format1(tmp_path)
    edit(project / "declarations.yaml", "fields: {items: integer}", "fields: {items: number}")
    edit(project / "registry" / "aggregates" / "Cart" / "state-v1.schema.json",
         '"type": "integer"', '"type": "number"')
    status, _, err = run(project, "publish")
    assert status == 1 and "error ES806" in err
    assert not (project / "registry" / "log.jsonl").exists()


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", "-Infinity", "1e400", "9" * 4301,
                                  '{"a": 1, "a": 2}'])
def test_strict_json_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        strict_loads(text)
    assert issubclass(NotStrictJson, ValueError)


def test_publish_writes_strict_json_only(published: Path) -> None:
    for path in (published / "registry").rglob("*.json"):
        strict_loads(path.read_text(encoding="utf-8"))
    for line in (published / "registry" / "log.jsonl").read_text().splitlines():
        strict_loads(line)


def _mutations(document: object) -> list[object]:
    """`document` with one value at a time replaced, removed or given a neighbour."""
    found: list[object] = [document]

    def walk(node: object, rebuild: Callable[[object], object]) -> None:
        if isinstance(node, dict):
            for key in list(node):
                def child(value: object, key: str = key) -> object:
                    return rebuild({**node, key: value})
                walk(node[key], child)
                found.append(rebuild({k: v for k, v in node.items() if k != key}))
            found.append(rebuild({**node, "extra": 1}))
        elif isinstance(node, list):
            for i in range(len(node)):
                def item(value: object, i: int = i) -> object:
                    return rebuild([*node[:i], value, *node[i + 1:]])
                walk(node[i], item)
            found.append(rebuild([*node, 1]))
        for other in (None, True, 1, 2, "x", "sha256:" + "a" * 64, [], {}):
            if other != node or type(other) is not type(node):
                found.append(rebuild(other))

    walk(document, lambda value: value)
    return found


@pytest.mark.parametrize("schema", sorted(SHAPES))
def test_the_direct_format_check_agrees_with_the_json_schema(published: Path, schema: str) -> None:
    registry = published / "registry"
    if schema.startswith("registry-index"):
        small = index_of(registry)
        small["events"] = {"OrderShipped": small["events"]["OrderShipped"]}
        small["aggregates"] = {}
        small["projections"] = {"order_summary": small["projections"]["order_summary"]}
        old = {"fingerprint": "sha256:" + "b" * 64, "revisions": ["sha256:" + "b" * 64]}
        documents = _mutations(small) + _mutations({**small, "escodegen": 1,
                                                    "projections": {"p": old}})
    else:
        line = json.loads((registry / "log.jsonl").read_text().splitlines()[1])
        documents = _mutations(line) + _mutations({**line, "upgraded_from": 1})
    validator = shape_validator(schema)
    for document in documents:
        assert SHAPES[schema](document) == validator.is_valid(document), document
