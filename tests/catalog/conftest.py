"""Catalogs built once per session: examples/shop (published, with a change against its
unchanged copy) and a project whose every text is hostile."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from escodegen.cli import cli
from tests.conftest import EXAMPLES

HOSTILE_TEXT = ("</script><script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\">"
                " [docs](javascript:window.pwned=3) javascript:alert(1) "
                "admin\u202e\u2066txt.exe\u2069 {{ 7 * 7 }}")

QUOTED = json.dumps(HOSTILE_TEXT)
"""As a YAML double-quoted scalar (JSON's escapes are YAML's), bidi characters included."""

HOSTILE_PROJECT = {
    "escodegen.yaml": "escodegen: 1\nname: hostile\nsources: [events.yaml]\nregistry: registry\n",
    "events.yaml": f"""\
events:
  Signal:
    description: {QUOTED}
    aggregate: Box
    versions:
      1:
        fields:
          boxId: uuid
          note: {{type: string, required: false, default: {QUOTED}, description: {QUOTED}}}
      2:
        description: {QUOTED}
        upcast:
          - add: {{field: label, value: {QUOTED}}}
        fields:
          boxId: uuid
          note: {{type: string, required: false, default: {QUOTED}, description: {QUOTED}}}
          label: string
aggregates:
  Box:
    description: {QUOTED}
    id: {{field: boxId, type: uuid}}
    stream: "Box-{{boxId}}"
    events: [Signal]
    state: {{version: 1, fields: {{n: integer}}}}
    snapshot: none
projections:
  boxes:
    description: {QUOTED}
    key: [boxId]
    columns: {{boxId: uuid, label: string}}
    on:
      Signal: {{upsert: {{boxId: $.boxId, label: {QUOTED}}}}}
""",
}


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="session")
def shop_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The catalog of examples/shop: published to its registry, then changed by a new event,
    built with --against the unchanged copy."""
    root = tmp_path_factory.mktemp("shop-catalog")
    base, head = root / "base", root / "head"
    for folder in (base, head):
        shutil.copytree(EXAMPLES / "shop", folder, ignore=shutil.ignore_patterns("generated"))
    run("-C", str(head), "publish")
    with (head / "events" / "customer.yaml").open("a", encoding="utf-8") as file:
        file.write("""
  CustomerDeleted:
    description: A customer closed the account.
    aggregate: Customer
    subject: customerId
    versions:
      1:
        fields: {customerId: uuid}
""")
    site = root / "site"
    run("-C", str(head), "catalog", "--out", str(site), "--against", str(base))
    return site


@pytest.fixture(scope="session")
def hostile_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    for name, text in HOSTILE_PROJECT.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def hostile_site(hostile_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("hostile-catalog") / "site"
    run("-C", str(hostile_project), "catalog", "--out", str(site))
    return site
