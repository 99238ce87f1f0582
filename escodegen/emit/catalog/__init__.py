"""The static HTML catalog: `escodegen catalog --out DIR`.

`render` turns the model, the registry (and optionally the findings of a diff) into files,
paths relative to the site's folder mapped to their text; `write_site` writes them. The site
works from file:// and any static host: relative links only, its own small CSS and script
(templates/catalog/assets), no request leaves it (its Content-Security-Policy says so too).
Every value from the declarations goes through Jinja's autoescaping, and bidirectional
control characters are shown as visible marks, so a description stays text.

Output is byte-identical for the same input: no dates, declaration order everywhere.
"""

from __future__ import annotations

import os
import shutil
from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from escodegen.analyse.findings import Finding, ordered
from escodegen.emit.catalog import chain, pages
from escodegen.model import Project
from escodegen.resources import template_dir, template_environment
from escodegen.sources.registry import Registry

ASSETS = ("catalog.css", "catalog.js")
MARKER = "assets/catalog.js"
"""A folder holding this file is a catalog: a rebuild may replace everything in it."""

# Characters that reorder how text is displayed (the "Trojan Source" family): shown as marks.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                          "\u2066\u2067\u2068\u2069")


class SiteError(Exception):
    """The output folder cannot take the catalog (it holds other files, or is a file)."""


def visible(value: object) -> Markup:
    """Escape `value` for HTML and show each bidi control character as a marked `[U+202E]`."""
    text = str(value)
    if BIDI_CONTROLS.isdisjoint(text):
        return escape(text)
    parts = [Markup('<span class="bidi" title="bidirectional control character">[U+{:04X}]'
                    "</span>").format(ord(c)) if c in BIDI_CONTROLS else escape(c) for c in text]
    return Markup("").join(parts)


def svg_text(value: object) -> Markup:
    """`visible` for SVG text, where an HTML element would end the picture: plain marks."""
    text = str(value)
    if BIDI_CONTROLS.isdisjoint(text):
        return escape(text)
    return escape("".join(f"[U+{ord(c):04X}]" if c in BIDI_CONTROLS else c for c in text))


def searchable(value: object) -> str:
    """Lower-case text for the index's search attribute, without bidi controls."""
    text = str(value).lower()
    if BIDI_CONTROLS.isdisjoint(text):
        return text
    return "".join(c for c in text if c not in BIDI_CONTROLS)


@cache
def environment() -> jinja2.Environment:
    env = template_environment("catalog", html=True)
    env.filters["text"] = visible
    env.filters["svgtext"] = svg_text
    env.filters["searchable"] = searchable
    env.globals.update(event_page=pages.event_page, aggregate_page=pages.aggregate_page,
                       projection_page=pages.projection_page, expression=pages.expression,
                       handler_lines=pages.handler_lines, snapshot_text=pages.snapshot_text,
                       state_rows=pages.state_rows, column_rows=pages.column_rows,
                       table_name=pages.table_name, centre=chain.CENTRE,
                       label_x=chain.LABEL_X, box_width=chain.BOX_WIDTH,
                       box_height=chain.BOX_HEIGHT)
    return env


def render(project: Project, registry: Registry, changes: list[Finding] | None = None,
           against: str | None = None) -> dict[str, str]:
    """Every file of the site. `changes` (with the ref they were found `against`) adds the
    changes page."""
    catalog = pages.build(project, registry)
    if changes is not None:
        catalog.changes = ordered(changes)
        catalog.against = against
    env = environment()
    files: dict[str, str] = {}

    def page(path: str, template: str, **context: object) -> None:
        root = "../" * path.count("/")
        files[path] = env.get_template(template).render(
            catalog=catalog, project=project, root=root, **context)

    page("index.html", "index.html.j2",
         consumers=sorted({p.name for p in project.projections}),
         types=pages.type_uses(project),
         aggregate_names=[a.name for a in project.aggregates])
    for view in catalog.events:
        page(pages.event_page(view.event.name), "event.html.j2", view=view)
        for version in view.versions:
            files[version.schema] = version.schema_text
    for aggregate in project.aggregates:
        page(pages.aggregate_page(aggregate.name), "aggregate.html.j2", aggregate=aggregate,
             events=[v for v in catalog.events if v.event.name in aggregate.events])
    for projection in project.projections:
        page(pages.projection_page(projection.name), "projection.html.j2", projection=projection)
    page("pii.html", "pii.html.j2", pii=pages.pii_view(project))
    if catalog.changes is not None:
        page("changes.html", "changes.html.j2", findings=catalog.changes)
    for asset in ASSETS:
        files[f"assets/{asset}"] = (template_dir("catalog") / "assets" / asset).read_text(
            encoding="utf-8")
    return files


def write_site(out: Path, files: dict[str, str]) -> None:
    """Write the site into `out`, replacing an earlier catalog there (files it no longer has
    are removed). A folder holding anything else is refused, so a wrong --out deletes nothing."""
    if out.exists() and not out.is_dir():
        raise SiteError(f"{out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not (out / MARKER).is_file():
            raise SiteError(f"{out} is not empty and holds no catalog; choose an empty or new "
                            "folder")
        for entry in out.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    made: set[str] = set()
    root = str(out)
    for relative, text in files.items():
        path = os.path.join(root, relative)
        folder = os.path.dirname(path)
        if folder not in made:  # a folder holds many pages: made once, not once a page
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        _write(path, text.encode("utf-8"))  # as written: no newline translation


def _write(path: str, data: bytes) -> None:
    """Create or replace the file at `path` with `data`: open, write, close, the three system
    calls a file needs (a Python file object adds a stat, a tty check and a buffer, a tenth of
    writing the 2,600 files of a catalog of 500 events)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
