"""A purge leaves payloads that fit their declaration: a required pii value is replaced by a
value of its type that meets its constraints (an email address, a decimal's text within its
bounds, ...), so the store's validators (verify-store) and the generated decode accept the
purged events; a field for which no such value exists is warned of by validate (ES306) and
refused by the purge (ES713)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from escodegen.check import compile_project
from escodegen.db import runner
from escodegen.db.verify_store import verify_store
from escodegen.diagnostics import Report
from escodegen.emit.migrate.purge import PURGED_TEXT, plan_purge
from escodegen.model import FieldType
from escodegen.model.constraints import FORMATS, violation
from escodegen.model.placeholders import NoPlaceholder, payload_placeholder
from tests.migrate.conftest import apply_store
from tests.migrate.test_purge import with_event

SUBJECT, OTHER = "8d9c4f43-0d0f-4a53-9a57-7e1f4b0e8f11", "1d9c4f43-0d0f-4a53-9a57-7e1f4b0e8f11"

PROFILE = """\
events:
  ProfileFilled:
    subject: customerId
    versions:
      1:
        fields:
          customerId: uuid
          email: {type: string, format: email, maxLength: 254, pii: true}
          homepage: {type: string, format: uri, pii: true}
          salary: {type: decimal, exclusiveMinimum: 0, multipleOf: "0.01", pii: true}
          age: {type: integer, minimum: 18, maximum: 130, pii: true}
          score: {type: number, exclusiveMinimum: 0, exclusiveMaximum: 1, pii: true}
          motto: {type: string, minLength: 20, pii: true}
          initials: {type: string, pattern: '^[A-Z]{2,3}$', required: false, pii: true}
          address:
            type: object
            pii: true
            fields: {street: string, zip: {type: string, maxLength: 5}, floor: integer?}
          position: {type: tuple, items: [decimal, {type: integer, minimum: 1}], pii: true}
          tags: {type: array, items: string, maxItems: 3, pii: true}
"""


def _profile(customer: str) -> dict[str, Any]:
    return {"customerId": customer, "email": "ada@example.org",
            "homepage": "https://ada.example.org", "salary": "5000.00", "age": 36,
            "score": 0.25, "motto": "the analytical engine weaves", "initials": "AL",
            "address": {"street": "1 St James's Square", "zip": "12345", "floor": 2},
            "position": ["51.5", 3], "tags": ["maths"]}


def test_a_purged_payload_fits_its_declaration(pg_dsn: str, shop: Path) -> None:
    project = with_event(shop, "profile.yaml", PROFILE)
    plan = plan_purge(project, Report())
    assert plan is not None
    apply_store(pg_dsn, project)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        for customer in (SUBJECT, OTHER):
            conn.execute("select es.append_to_stream(%s, -1, %s)", (f"Customer-{customer}", Jsonb(
                [{"event_type": "ProfileFilled", "event_version": 1,
                  "data": _profile(customer)}])))
    runner.purge(pg_dsn, plan, SUBJECT)
    with psycopg.connect(pg_dsn) as conn:
        purged, kept = (row[0] for row in conn.execute(
            "select data from es.events order by global_position"))
    assert purged == {
        "customerId": SUBJECT, "email": "purged@purged.invalid", "homepage": "urn:purged",
        "salary": "0.01", "age": 18, "score": 0.5, "motto": PURGED_TEXT.ljust(20, "_"),
        "initials": None, "address": {"street": PURGED_TEXT, "zip": "x"},
        "position": ["0", 1], "tags": []}
    assert kept == _profile(OTHER)
    found = verify_store(pg_dsn, "es")
    assert (found.events, found.invalid) == (2, 0), found.problems


def test_every_format_has_a_placeholder_it_accepts() -> None:
    for name, form in FORMATS.items():
        assert violation("string", (("format", name),), form.purge_placeholder) is None, name


@pytest.mark.parametrize(("field_type", "expected"), [
    (FieldType("decimal"), "0"),
    (FieldType("decimal", constraints=(("minimum", "1E+20"),)), "100000000000000000000"),
    (FieldType("integer", constraints=(("minimum", 5), ("maximum", 7), ("multipleOf", 3))), 6),
    (FieldType("integer", constraints=(("exclusiveMaximum", -3),)), -4),
    (FieldType("string", constraints=(("maxLength", 3),)), "x"),
    (FieldType("map", items=FieldType("string"), constraints=(("maxProperties", 2),)), {}),
])
def test_a_placeholder_meets_the_constraints(field_type: FieldType, expected: Any) -> None:
    value = payload_placeholder(field_type)
    assert value == expected and type(value) is type(expected)
    assert violation(field_type.kind, field_type.constraints, value) is None


@pytest.mark.parametrize("field_type", [
    FieldType("string", constraints=(("pattern", "^[A-Z]{3}$"),)),
    FieldType("array", items=FieldType("string"), constraints=(("minItems", 1),)),
    FieldType("map", items=FieldType("string"), constraints=(("minProperties", 1),)),
    FieldType("integer", constraints=(("minimum", 1), ("maximum", 2), ("multipleOf", 3))),
])
def test_no_placeholder_where_no_tried_value_fits(field_type: FieldType) -> None:
    with pytest.raises(NoPlaceholder):
        payload_placeholder(field_type)


def test_a_required_pii_field_without_a_placeholder_is_warned_of_and_refused(
        shop: Path) -> None:
    (shop / "events" / "code.yaml").write_text(
        "events:\n  CodeSet:\n    subject: customerId\n    versions:\n      1:\n"
        "        fields:\n          customerId: uuid\n"
        "          code: {type: string, pattern: '^[A-Z]{3}$', pii: true}\n")
    project, report = compile_project(shop / "escodegen.yaml")
    assert project is not None
    assert [(d.code, d.severity, d.span.line if d.span else None) for d in report] == [
        ("ES306", "warning", 8)]
    refused = Report()
    assert plan_purge(project, refused) is None
    assert [(d.code, d.message) for d in refused] == [
        ("ES713", ("'CodeSet' marks 'code' pii, but no value of its type meets its constraints "
                   "(does not match \"^[A-Z]{3}$\"): a purge has nothing valid to put in its "
                   "place"))]


def test_an_aggregate_states_constraints_do_not_stop_a_purge(shop: Path) -> None:
    """Nothing checks a state field's constraints (ES101), so a purge clears it with its
    type's first placeholder whatever they say, and runs."""
    aggregates = shop / "aggregates" / "aggregates.yaml"
    old = "fields: {email: {type: string, pii: true}, tier: string}"
    assert old in aggregates.read_text()
    aggregates.write_text(aggregates.read_text().replace(
        old, "fields: {email: {type: string, pattern: '^[a-z]+@', pii: true}, tier: string}"))
    project, report = compile_project(shop / "escodegen.yaml")
    assert project is not None and "ES101" in [d.code for d in report]
    report = Report()
    plan = plan_purge(project, report)
    assert plan is not None, [d.render() for d in report]
    [snapshot] = plan.snapshots
    assert f"'\"{PURGED_TEXT}\"'" in snapshot.purged
