"""`escodegen export eventcatalog DIR`: the layout and frontmatter EventCatalog documents
(eventcatalog.dev: events/<id>/index.mdx with id, name, version, summary, schemaPath; older
versions under versioned/<version>/; services with sends/receives of {id, version})."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from escodegen.cli import cli
from tests.catalog.conftest import HOSTILE_PROJECT, HOSTILE_TEXT


def export(project: Path, out: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(project), "export", "eventcatalog", str(out)])
    assert result.exit_code == 0, result.output


def frontmatter(path: Path) -> tuple[dict[str, Any], str]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    head, body = text[4:].split("\n---\n", 1)
    data = yaml.safe_load(head)
    assert isinstance(data, dict)
    return data, body


def test_layout_and_frontmatter(shop: Path, tmp_path: Path) -> None:
    out = tmp_path / "eventcatalog"
    out.mkdir()
    (out / "eventcatalog.config.js").write_text("// theirs\n", encoding="utf-8")
    export(shop, out)
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"events/CustomerRegistered/index.mdx", "events/CustomerRegistered/schema.json",
            "events/CustomerRegistered/versioned/1.0.0/index.mdx",
            "events/CustomerRegistered/versioned/1.0.0/schema.json",
            "events/CustomerRegistered/versioned/2.0.0/index.mdx",
            "services/Order/index.mdx", "services/order_summary/index.mdx",
            "eventcatalog.config.js"} <= files
    assert not any("versioned/3.0.0" in f for f in files)  # the latest is at the top

    latest, body = frontmatter(out / "events" / "CustomerRegistered" / "index.mdx")
    assert latest["id"] == "CustomerRegistered" and latest["version"] == "3.0.0"
    assert latest["schemaPath"] == "schema.json" and latest["summary"].startswith("A customer")
    assert {"content": "pii", "backgroundColor": "purple", "textColor": "purple"} in latest["badges"]
    assert '<SchemaViewer file="schema.json" />' in body
    older, _ = frontmatter(out / "events" / "CustomerRegistered" / "versioned" / "1.0.0" /
                           "index.mdx")
    assert older["version"] == "1.0.0"
    schema = json.loads((out / "events/CustomerRegistered/versioned/1.0.0/schema.json").read_text())
    assert "name" in schema["properties"]

    order, _ = frontmatter(out / "services" / "Order" / "index.mdx")
    assert order["sends"][0] == {"id": "OrderPlaced", "version": "2.0.0"}
    summary, _ = frontmatter(out / "services" / "order_summary" / "index.mdx")
    assert {"id": "OrderSubmitted", "version": "1.0.0"} in summary["receives"]
    assert "sends" not in summary
    replaced, _ = frontmatter(out / "events" / "OrderPlaced" / "index.mdx")
    assert any(b["content"] == "replaced" for b in replaced["badges"])


def test_declared_text_stays_in_the_frontmatter(tmp_path: Path) -> None:
    """MDX would run `{...}` and tags in the body: declared text only goes into YAML strings."""
    project = tmp_path / "p"
    project.mkdir()
    for name, text in HOSTILE_PROJECT.items():
        (project / name).write_text(text, encoding="utf-8")
    export(project, tmp_path / "out")
    data, body = frontmatter(tmp_path / "out" / "events" / "Signal" / "index.mdx")
    assert HOSTILE_TEXT in data["summary"]
    assert "pwned" not in body and "{{" not in body
    service, body = frontmatter(tmp_path / "out" / "services" / "boxes" / "index.mdx")
    assert service["summary"] == HOSTILE_TEXT and "pwned" not in body
