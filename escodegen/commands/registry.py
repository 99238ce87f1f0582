"""`escodegen registry list|show`: browse events, versions, fingerprints, chains and consumers."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from escodegen.commands.check import fail
from escodegen.commands.common import TEXT, load_project_or_exit, open_registry_or_exit
from escodegen.printable import escape, json_text

if TYPE_CHECKING:
    from escodegen.model import Project
    from escodegen.sources.registry import Registry

_FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                       show_default=True)


@click.group()
def registry() -> None:
    """Browse the declared events with their registry status."""


def _open(ctx: click.Context) -> tuple[Project, Registry]:
    project = load_project_or_exit(ctx)
    return project, open_registry_or_exit(project)


@registry.command("list")
@_FORMAT
@click.pass_context
def list_(ctx: click.Context, fmt: str) -> None:
    """Events with versions, publication, latest fingerprint and consumers."""
    from escodegen.analyse.browse import listing, published_summary
    from escodegen.report.terminal import table

    project, reg = _open(ctx)
    data = listing(project, reg)
    if fmt == "json":
        click.echo(json_text(data, indent=2))
        return
    click.echo(table(["EVENT", "VERSIONS", "PUBLISHED", "FINGERPRINT", "CONSUMERS"], [
        [e["name"], str(e["versions"]), published_summary(e["published"]), e["fingerprint"][:19],
         ", ".join(e["consumers"]) or "-"] for e in data["events"]]))
    click.echo()
    click.echo(table(["AGGREGATE", "STATE", "EVENTS"], [
        [a["name"], f"v{a['state_version']}", ", ".join(a["events"])] for a in data["aggregates"]]))
    click.echo()
    click.echo(table(["PROJECTION", "KEY", "EVENTS"], [
        [p["name"], ", ".join(p["key"]), ", ".join(p["events"])] for p in data["projections"]]))


def _when(times: list[str | None]) -> list[str]:
    """Each revision's publication time (`r2 2024-05-01T12:00:00Z` for a later revision)."""
    return [("" if k == 1 else f"r{k} ") + (t or "date unknown")
            for k, t in enumerate(times, start=1)]


@registry.command()
@click.argument("name", type=TEXT)
@click.option("--version", "number", type=int, help="The version to show (default: latest).")
@click.option("--diff", "between", type=int, nargs=2, metavar="FROM TO",
              help="Also show the field-level diff between two versions.")
@_FORMAT
@click.pass_context
def show(ctx: click.Context, name: str, number: int | None, between: tuple[int, int] | None,
         fmt: str) -> None:
    """One event: fields, upcast chains from every version, producers, consumers."""
    from escodegen.analyse.browse import details
    from escodegen.report.terminal import table

    project, reg = _open(ctx)
    event = project.event(name)
    if event is None:
        known = ", ".join(e.name for e in project.events)
        fail(ctx, f"no event '{name}' (declared: {known})")
    latest = event.latest.number
    for n in (number, *(between or ())):
        if n is not None and not 1 <= n <= latest:
            fail(ctx, f"{name} has versions 1 to {latest}, not {n}")
    data = details(project, reg, event, number or latest, between or None)
    if fmt == "json":
        click.echo(json_text(data, indent=2, default=str))
        return
    head = f"{data['name']} v{data['version']} (latest v{data['latest']})  {data['fingerprint']}"
    click.echo(head)
    for text in (data["description"], data["version_description"]):
        if text:
            click.echo(f"  {escape(text)}")
    for key in ("replaces", "subject"):
        if data[key]:
            click.echo(f"  {key}: {escape(data[key])}")
    click.echo()
    click.echo(table(["FIELD", "TYPE", "REQUIRED", "PII", "DEFAULT", "DESCRIPTION"], [
        [r["field"], r["type"], "yes" if r["required"] else "no", "yes" if r["pii"] else "",
         "" if r["default"] is None else json.dumps(r["default"]), r["description"] or ""]
        for r in data["fields"]]))
    click.echo()
    click.echo(table(["VERSION", "REGISTRY", "PUBLISHED"], [
        [f"v{v}", s, ", ".join(_when(data["published_at"][v]))]
        for v, s in data["published"].items()]))
    if data["upcast_chains"]:
        click.echo("\nupcast chains to the latest version:")
        for start, steps in data["upcast_chains"].items():
            click.echo(f"  v{start} -> v{latest}: "
                       + (escape("; ".join(steps)) if steps else "no operation"))
    click.echo(f"\nproducers: {escape(', '.join(data['producers'])) or '-'}")
    click.echo(f"consumers: {escape(', '.join(data['consumers'])) or '-'}")
    if data["diff"]:
        diff = data["diff"]
        click.echo(f"\nv{diff['from']} -> v{diff['to']}:")
        if diff["changes"]:
            click.echo(table(["FIELD", "CHANGE", "OLD", "NEW"], [
                [c["field"], c["change"], c["old"] or "", c["new"] or ""] for c in diff["changes"]]))
        else:
            click.echo("  no field changes")
