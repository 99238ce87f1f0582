"""The catalog's files, without a browser: determinism, escaping, what each page says, and
how the command treats its output folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from escodegen.check import compile_project
from escodegen.cli import cli
from escodegen.diagnostics import Report
from escodegen.emit.catalog import pages, render, visible
from escodegen.emit.migrate.purge import plan_purge
from escodegen.model import Project
from escodegen.sources.registry import open_registry
from tests.catalog.conftest import run


def files_of(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def test_the_same_input_gives_byte_identical_output(shop: Path, tmp_path: Path) -> None:
    run("-C", str(shop), "publish")
    run("-C", str(shop), "catalog", "--out", str(tmp_path / "one"))
    run("-C", str(shop), "catalog", "--out", str(tmp_path / "two"))
    run("-C", str(shop), "catalog", "--out", str(tmp_path / "one"))  # over an earlier catalog
    one, two = files_of(tmp_path / "one"), files_of(tmp_path / "two")
    assert one == two
    assert "events/CustomerRegistered.html" in one and "schemas/OrderShipped/v2.schema.json" in one


def test_a_rebuild_removes_pages_of_removed_events(shop: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    run("-C", str(shop), "catalog", "--out", str(site))
    assert (site / "events" / "OrderCancelled.html").is_file()
    order = shop / "events" / "order.yaml"
    text = order.read_text(encoding="utf-8")
    order.write_text(text[:text.index("  OrderCancelled:")], encoding="utf-8")
    aggregates = shop / "aggregates" / "aggregates.yaml"
    aggregates.write_text(aggregates.read_text(encoding="utf-8").replace(
        ", OrderCancelled]", "]"), encoding="utf-8")
    projections = shop / "projections" / "projections.yaml"
    projections.write_text(projections.read_text(encoding="utf-8").replace(
        "      OrderCancelled: {delete: true}\n", ""), encoding="utf-8")
    run("-C", str(shop), "catalog", "--out", str(site))
    assert not (site / "events" / "OrderCancelled.html").exists()
    assert not (site / "schemas" / "OrderCancelled").exists()


def test_a_folder_holding_something_else_is_refused(shop: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(shop), "catalog", "--out", str(out)])
    assert result.exit_code == 2
    assert "not empty and holds no catalog" in result.output
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_an_unknown_against_ref_is_a_usage_error(shop: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(shop), "catalog", "--out", str(tmp_path / "s"),
                                      "--against", str(tmp_path / "no-such-folder")])
    assert result.exit_code == 2
    assert not (tmp_path / "s").exists()


def test_hostile_text_is_escaped_everywhere(hostile_site: Path) -> None:
    for path, data in files_of(hostile_site).items():
        if path.endswith(".html"):
            text = data.decode("utf-8")
            if path != "pii.html":  # every other page shows a hostile description
                assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in text, path
                assert "{{ 7 * 7 }}" in text, path  # data, never a template
            assert "<script>window" not in text and "<img" not in text, path
            assert "\u202e" not in text and "\u2066" not in text, path


def test_visible_marks_bidi_controls_and_escapes() -> None:
    assert str(visible("a<b>\u202ec")) == (
        'a&lt;b&gt;<span class="bidi" title="bidirectional control character">[U+202E]</span>c')


def shop_model(shop: Path) -> Project:
    project, report = compile_project(shop / "escodegen.yaml")
    assert project is not None, report
    return project


def test_event_page_shows_history_strategies_and_registry_state(shop: Path) -> None:
    run("-C", str(shop), "publish")
    project = shop_model(shop)
    catalog = pages.build(project, open_registry(project.registry))
    by_name = {v.event.name: v for v in catalog.events}
    customer = by_name["CustomerRegistered"].history
    assert [(h.number, h.registry, h.strategies) for h in customer] == [
        (1, "published", ()), (2, "published", ("upcasting",)), (3, "published", ("upcasting",))]
    assert [f.rule for f in customer[1].changes] == ["ESD106"]
    assert by_name["OrderPlaced"].history[1].strategies == ("weak schema",)
    assert by_name["OrderSubmitted"].history[0].strategies == ("new event type",)
    assert by_name["OrderPlaced"].replaced_by == ("OrderSubmitted",)
    summary = {c.projection: c.reads for c in by_name["OrderSubmitted"].consumers}
    assert summary == {"order_summary": ("orderId", "pricing.total")}
    assert by_name["OrderShipped"].producers == ("Order",)


def test_the_history_shows_when_each_version_and_revision_was_published(
        shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1714564800")
    run("-C", str(shop), "publish")
    events = shop / "events" / "order.yaml"
    text = events.read_text(encoding="utf-8")
    old = "fields: {orderId: uuid, sku: string, quantity: integer}"
    assert old in text
    events.write_text(text.replace(old, old[:-1] + ", note: string?}"), encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1717243200")
    run("-C", str(shop), "publish")
    project = shop_model(shop)
    by_name = {v.event.name: v for v in pages.build(project, open_registry(project.registry)).events}
    assert by_name["OrderItemAdded"].history[0].published == (
        "2024-05-01T12:00:00Z", "2024-06-01T12:00:00Z")
    assert by_name["CustomerRegistered"].history[2].published == ("2024-05-01T12:00:00Z",)
    first, second = tmp_path / "a", tmp_path / "b"
    for site in (first, second):
        run("-C", str(shop), "catalog", "--out", str(site))
    assert files_of(first) == files_of(second)
    page = (first / "events" / "OrderItemAdded.html").read_text(encoding="utf-8")
    assert ('<td class="published"><div><time datetime="2024-05-01T12:00:00Z">2024-05-01 '
            '12:00:00 UTC</time></div><div><span class="muted">r2</span> <time '
            'datetime="2024-06-01T12:00:00Z">2024-06-01 12:00:00 UTC</time></div></td>') in page


def test_a_version_published_before_dates_were_recorded_says_date_unknown(
        shop: Path, tmp_path: Path) -> None:
    run("-C", str(shop), "publish")
    log = shop / "registry" / "log.jsonl"
    (line,) = (json.loads(text) for text in log.read_text(encoding="utf-8").splitlines())
    del line["published"]  # as an escodegen that recorded no dates wrote it
    log.write_text(json.dumps(line, sort_keys=True, separators=(",", ":")) + "\n",
                   encoding="utf-8")
    run("-C", str(shop), "catalog", "--out", str(tmp_path / "site"))
    page = (tmp_path / "site" / "events" / "OrderPlaced.html").read_text(encoding="utf-8")
    assert '<td class="published"><div><span class="muted">date unknown</span></div></td>' in page


def test_an_unpublished_version_says_so(shop: Path) -> None:
    project = shop_model(shop)
    catalog = pages.build(project, open_registry(project.registry))
    assert {h.registry for v in catalog.events for h in v.history} == {"not published"}


def test_the_pii_page_lists_what_migrate_purge_rewrites(shop: Path) -> None:
    project = shop_model(shop)
    view = pages.pii_view(project)
    plan = plan_purge(project, Report())
    assert plan is not None
    listed = [f"{name} v{number}: {path}" for s in view.subjects for name, number, path in s.events]
    listed += [f"{name} state v{number}: {path}"
               for s in view.subjects for name, number, path in s.snapshots]
    assert sorted(listed) == sorted(plan.fields)
    assert [s.subject for s in view.subjects] == ["customerId"]


def test_the_changes_page_lists_the_diff_findings(shop_site: Path) -> None:
    page = (shop_site / "changes.html").read_text(encoding="utf-8")
    assert "ESD132" in page and "CustomerDeleted is a new event type" in page
    assert 'href="events/CustomerDeleted.html"' in page


def test_every_page_and_download_is_rendered(shop: Path) -> None:
    project = shop_model(shop)
    files = render(project, open_registry(project.registry))
    expected = {"index.html", "pii.html", "assets/catalog.css", "assets/catalog.js"}
    expected |= {pages.event_page(e.name) for e in project.events}
    expected |= {pages.schema_file(e.name, v.number) for e in project.events for v in e.versions}
    expected |= {pages.aggregate_page(a.name) for a in project.aggregates}
    expected |= {pages.projection_page(p.name) for p in project.projections}
    assert set(files) == expected  # no changes page without --against
    assert '"x-pii": true' in files["schemas/CustomerRegistered/v1.schema.json"]
    page = files["events/OrderShipped.html"]
    assert "move shippingInfo.address -&gt; address" in page and "<svg" in page


def test_the_pii_page_lists_projection_columns_filled_from_pii(shop: Path) -> None:
    projections = shop / "projections" / "projections.yaml"
    projections.write_text(projections.read_text(encoding="utf-8").replace(
        "registeredAt: datetime}", "registeredAt: datetime, email: string}").replace(
        "tier: $.tier, registeredAt: $recorded_at}",
        "tier: $.tier, registeredAt: $recorded_at, email: $.email}"), encoding="utf-8")
    project = shop_model(shop)
    [subject] = pages.pii_view(project).subjects
    assert subject.projections == [("customer_directory", "email", "CustomerRegistered.email")]
    plan = plan_purge(project, Report())
    assert plan is not None and any(f.startswith("customer_directory: ") for f in plan.fields)


def test_the_index_lists_named_types_and_where_each_is_used(shop: Path) -> None:
    project = shop_model(shop)
    uses = {u.name: u for u in pages.type_uses(project)}
    assert uses["Money"].used_by == (("OrderPaid", (1,)), ("OrderRefunded", (1,)))
    assert uses["Address"].used_by == (("OrderPlaced", (2,)), ("OrderRefunded", (1,)))
    assert uses["Money"].kind == "record" and uses["Money"].description
    index = render(project, open_registry(project.registry))["index.html"]
    assert "<h2>Named types</h2>" in index
    assert '<a href="events/OrderPaid.html">OrderPaid</a> v1' in index
