"""The catalog in a real browser: headless Chromium (Debian package `chromium`) driven by
Playwright, which launches the system browser through its executable path."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed: run `apt-get install chromium` "
           "(.ci/run installs it when missing)")


class Tab:
    """One browser page, reused (a new page costs a process): `open` loads a file and
    collects every console message, page error, dialog and failed request it causes."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        page.on("dialog", lambda d: (self.problems.append(f"dialog: {d.message}"), d.dismiss()))

    def open(self, path: Path) -> Any:
        self.problems.clear()
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")
        return self.page

    def visible_rows(self, selector: str) -> list[str]:
        return [r.get_attribute("data-search").split()[0]
                for r in self.page.locator(selector).all() if r.is_visible()]


@pytest.fixture(scope="module")
def tab() -> Iterator[Tab]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-gpu"])
        yield Tab(browser.new_page(viewport={"width": 1280, "height": 900}))
        browser.close()


def pages_of(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_page_loads_without_console_error_or_failed_request(tab: Tab,
                                                                   shop_site: Path) -> None:
    pages = pages_of(shop_site)
    names = {p.relative_to(shop_site).as_posix() for p in pages}
    assert {"index.html", "pii.html", "changes.html", "events/CustomerRegistered.html",
            "aggregates/Order.html", "projections/order_summary.html"} <= names
    for path in pages:
        page = tab.open(path)
        assert tab.problems == [], path
        assert page.title().endswith("shop event catalog")


def test_every_link_resolves(tab: Tab, shop_site: Path) -> None:
    links: dict[Path, list[str]] = {}
    ids: dict[Path, set[str]] = {}
    for path in pages_of(shop_site):
        page = tab.open(path)
        links[path] = page.eval_on_selector_all(
            "a[href], link[href], script[src]",
            "els => els.map(e => new URL(e.getAttribute('href') || e.getAttribute('src'), "
            "document.baseURI).href)")
        ids[path] = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
    checked = 0
    for path, targets in links.items():
        for link in targets:
            parts = urlsplit(link)
            assert parts.scheme == "file", f"{path}: {link} leaves the site"
            target = Path(unquote(parts.path))
            assert target.is_file() and target.is_relative_to(shop_site), f"{path}: {link}"
            if parts.fragment:
                assert parts.fragment in ids[target], f"{path}: {link}"
            checked += 1
    assert checked > 100


def test_search_and_filters_narrow_the_index(tab: Tab, shop_site: Path) -> None:
    page = tab.open(shop_site / "index.html")
    every = tab.visible_rows("tr[data-row]")
    assert len(every) == 10 and page.locator("#event-count").inner_text() == "10 of 10"

    page.fill("#search", "customer")  # in names, descriptions and field names
    assert tab.visible_rows("tr[data-row]") == [
        "customerregistered", "customertierchanged", "customerdeleted", "orderplaced",
        "ordersubmitted", "orderpaid", "orderrefunded"]
    page.fill("#search", "signed up")
    assert tab.visible_rows("tr[data-row]") == ["customerregistered"]
    page.fill("#search", "firstname")  # a field of the latest version
    assert tab.visible_rows("tr[data-row]") == ["customerregistered"]
    page.fill("#search", "")

    page.select_option("#filter-aggregate", "Order")
    assert all(name.startswith("order") for name in tab.visible_rows("tr[data-row]"))
    assert len(tab.visible_rows("tr[data-row]")) == 5
    page.select_option("#filter-status", "replaced")
    assert tab.visible_rows("tr[data-row]") == ["orderplaced"]
    page.select_option("#filter-status", "")
    page.select_option("#filter-aggregate", "")

    page.select_option("#filter-consumer", "customer_directory")
    assert tab.visible_rows("tr[data-row]") == ["customerregistered", "customertierchanged"]
    page.select_option("#filter-consumer", "")
    page.check("#filter-pii")
    assert tab.visible_rows("tr[data-row]") == ["customerregistered"]
    page.fill("#search", "nothing-like-this")
    assert tab.visible_rows("tr[data-row]") == []
    assert page.locator("#no-match").is_visible()
    assert page.locator("#event-count").inner_text() == "0 of 10"
    assert tab.problems == []


def diff_rows(page: Any) -> dict[str, tuple[str, str, str]]:
    rows = {}
    for row in page.locator("div.diff:visible tbody tr").all():
        cells = [c.inner_text().strip() for c in row.locator("td").all()]
        rows[cells[0]] = (cells[1], cells[2], cells[3])
    return rows


def test_version_picker_shows_added_removed_and_changed_fields(tab: Tab,
                                                               shop_site: Path) -> None:
    page = tab.open(shop_site / "events" / "CustomerRegistered.html")
    assert diff_rows(page) == {"tier": ("added", "", "enum")}  # v2 -> v3 by default
    page.select_option("#diff-old", "1")
    page.select_option("#diff-new", "2")
    assert diff_rows(page) == {"name": ("removed", "string", ""),
                               "firstName": ("added", "", "string"),
                               "lastName": ("added", "", "string")}
    page.select_option("#diff-new", "1")
    assert page.locator("#diff-same").is_visible() and diff_rows(page) == {}

    page = tab.open(shop_site / "events" / "OrderPlaced.html")
    page.select_option("#diff-old", "2")
    page.select_option("#diff-new", "1")  # picked newer to older: shown older to newer
    assert page.locator("#diff-swapped").is_visible()
    assert diff_rows(page) == {"currency": ("added", "", "string?"),
                               "shippingAddress": ("added", "", "object?"),
                               "shippingAddress.street": ("added", "", "string"),
                               "shippingAddress.city": ("added", "", "string"),
                               "shippingAddress.country": ("added", "", "string"),
                               "shippingAddress.postcode": ("added", "", "string?")}
    assert tab.problems == []


def test_a_changed_field_shows_both_sides(tab: Tab, tmp_path: Path) -> None:
    from tests.catalog.conftest import run

    (tmp_path / "escodegen.yaml").write_text(
        "escodegen: 1\nname: t\nsources: [e.yaml]\nregistry: registry\n", encoding="utf-8")
    (tmp_path / "e.yaml").write_text("""\
events:
  Rated:
    versions:
      1: {fields: {id: uuid, stars: {type: enum, values: [one, two]}}}
      2:
        upcast: [{default: {field: note, value: ""}}]
        fields: {id: uuid, stars: {type: enum, values: [one, two, three]}, note: string}
""", encoding="utf-8")
    (tmp_path / "e.yaml").write_text((tmp_path / "e.yaml").read_text().replace(
        "default: {field: note", "add: {field: note"), encoding="utf-8")
    run("-C", str(tmp_path), "catalog", "--out", str(tmp_path / "site"))
    page = tab.open(tmp_path / "site" / "events" / "Rated.html")
    assert diff_rows(page) == {"stars": ("changed", "enum one|two", "enum one|two|three"),
                               "note": ("added", "", "string")}


def test_hostile_declarations_render_as_inert_text(tab: Tab, hostile_site: Path) -> None:
    from tests.catalog.conftest import HOSTILE_TEXT

    for path in pages_of(hostile_site):
        page = tab.open(path)
        assert page.evaluate("window.pwned") is None, path
        assert tab.problems == [], path
        assert page.locator("main script, main img, main iframe").count() == 0, path
        hrefs = page.eval_on_selector_all(
            "a[href]",
            "els => els.map(e => new URL(e.getAttribute('href'), document.baseURI).href)")
        assert all(h.startswith("file:") for h in hrefs), path
    page = tab.open(hostile_site / "events" / "Signal.html")
    shown = page.locator("p.description").first.inner_text()
    readable = HOSTILE_TEXT.replace("\u202e", "[U+202E]").replace("\u2066", "[U+2066]").replace(
        "\u2069", "[U+2069]")
    assert shown == readable  # every character as text, bidi controls as visible marks
    assert "\u202e" not in page.locator("body").inner_text()
    label = page.locator("svg.chain").text_content()  # the `add` operation's value, as text
    assert "<script>window.pwned = 1</script>" in label
    assert not any(c in label for c in "\u202e\u2066\u2069")


def test_screenshot_of_the_event_page(tab: Tab, shop_site: Path, tmp_path: Path) -> None:
    """Written as a test artefact; with ESCODEGEN_UPDATE_SCREENSHOT=1 also to the docs (look at
    it after a template change)."""
    tab.page.set_viewport_size({"width": 1200, "height": 900})
    page = tab.open(shop_site / "events" / "CustomerRegistered.html")
    shot = tmp_path / "catalog-event-page.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    if os.environ.get("ESCODEGEN_UPDATE_SCREENSHOT"):
        shutil.copyfile(shot, ROOT / "docs" / "catalog-event-page.png")
    tab.page.set_viewport_size({"width": 1280, "height": 900})
