"""`escodegen rules`: the diff rules, their severities and recommended strategies."""

from __future__ import annotations

import json

import click


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def rules(fmt: str) -> None:
    """List every rule that `check` and `diff` apply."""
    from escodegen.analyse.rules import RULES
    from escodegen.report.rule_docs import rule_json
    from escodegen.report.terminal import table

    if fmt == "json":
        click.echo(json.dumps([rule_json(r) for r in RULES], indent=2, ensure_ascii=False))
        return
    click.echo(table(["ID", "NAME", "SEVERITY", "STRATEGY", "SUMMARY"],
                     [[r.id, r.name, r.severity, r.strategy or "-", r.summary] for r in RULES]))
