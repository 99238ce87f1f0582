"""`escodegen explain RULE`: one rule's page (what, why, example, remedy)."""

from __future__ import annotations

import click

from escodegen.commands.common import TEXT
from escodegen.printable import escape


@click.command()
@click.argument("rule", type=TEXT)
@click.pass_context
def explain(ctx: click.Context, rule: str) -> None:
    """Print the documentation of RULE (an id such as ESD105, or its name)."""
    from escodegen.analyse.rules import find_rule
    from escodegen.report.rule_docs import rule_page

    found = find_rule(rule)
    if found is None:
        click.echo(f"escodegen: unknown rule '{escape(rule)}'; `escodegen rules` lists them",
                   err=True)
        ctx.exit(2)
    click.echo(rule_page(found), nl=False)
