"""Issue 14: the breaking changes `diff` used to miss, and the safe widenings it used to refuse.

Each case is a pair of declaration files (`before` published, `after` under review); the
findings are those of `escodegen diff` between them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.analyse.helpers import compile_text, diff_texts


def _event(fields: str, *more: str, head: str = "") -> str:
    versions = "".join(f"      {n}:\n{v}" for n, v in enumerate((f"        fields: {fields}\n",
                                                                   *more), start=1))
    return f"events:\n  Tagged:\n{head}    versions:\n{versions}"


def _rules(tmp: Path, before: str, after: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for f in diff_texts(tmp, before, after):
        found.setdefault(f.rule, []).append(f.path)
    return found


TAGS = "{id: uuid, tags: {type: array, items: {type: enum, values: [a, b, c]}}}"
NESTED = "{id: uuid, grid: {type: array, items: {type: array, items: {type: enum, values: [a, b, c]}}}}"


@pytest.mark.parametrize("fields", [TAGS, NESTED], ids=["array", "nested-array"])
def test_enum_value_removed_from_array_items_in_place_is_an_edit(tmp_path: Path,
                                                                 fields: str) -> None:
    found = _rules(tmp_path, _event(fields), _event(fields.replace("[a, b, c]", "[a, b]")))
    assert "ESD111" in found and "ESD120" in found


def test_enum_value_removed_from_array_items_remedy_works_for_arrays(tmp_path: Path) -> None:
    findings = [f for f in diff_texts(tmp_path, _event(TAGS), _event(TAGS.replace("[a, b, c]", "[a, b]")))
                if f.rule == "ESD111"]
    assert [f.path for f in findings] == ["Tagged.v1.tags"]
    assert "`map" not in findings[0].message  # map works on scalars: not a remedy for arrays
    assert "replaces: Tagged" in findings[0].message
    # In a new version the chain check already refuses it (stored items would not decode).
    after = _event(TAGS, f"        fields: {TAGS.replace('[a, b, c]', '[a, b]')}\n")
    assert "ES313" in " ".join(f.message for f in diff_texts(tmp_path / "v2", _event(TAGS), after))


def test_enum_value_added_to_array_items_in_place_is_an_edit(tmp_path: Path) -> None:
    found = _rules(tmp_path, _event(TAGS), _event(TAGS.replace("[a, b, c]", "[a, b, c, d]")))
    assert "ESD113" in found and "ESD120" in found


CURRENCY = "{id: uuid, currency: {type: string, default: EUR}}"


@pytest.mark.parametrize("after", [CURRENCY.replace("EUR", "USD"),
                                   "{id: uuid, currency: string?}"], ids=["changed", "removed"])
def test_default_changed_or_removed(tmp_path: Path, after: str) -> None:
    in_place = _rules(tmp_path / "in-place", _event(CURRENCY), _event(after))
    assert "ESD118" in in_place and "ESD120" in in_place
    new_version = _rules(tmp_path / "v2", _event(CURRENCY),
                         _event(CURRENCY, f"        fields: {after}\n"))
    assert new_version.get("ESD118") == ["Tagged.v2.currency"]


def test_default_change_with_the_old_default_filled_in_passes(tmp_path: Path) -> None:
    after = _event(CURRENCY, "        upcast: [default: {field: currency, value: EUR}]\n"
                   f"        fields: {CURRENCY.replace('EUR', 'USD')}\n")
    assert "ESD118" not in _rules(tmp_path, _event(CURRENCY), after)


def test_pii_removed(tmp_path: Path) -> None:
    before = _event("{id: uuid, email: {type: string, pii: true}}")
    found = _rules(tmp_path, before, _event("{id: uuid, email: string}"))
    assert found.get("ESD160") == ["Tagged.v1.email"] and "ESD120" in found


def test_subject_removed_or_changed(tmp_path: Path) -> None:
    fields = "{id: uuid, other: uuid, email: {type: string, pii: true}}"
    before = _event(fields, head="    subject: id\n")
    assert _rules(tmp_path / "a", before, _event(fields)).get("ESD161") == ["Tagged"]
    changed = _event(fields, head="    subject: other\n")
    assert _rules(tmp_path / "b", before, changed).get("ESD161") == ["Tagged"]
    assert "ESD161" not in _rules(tmp_path / "c", before, before)


def test_enum_first_value_of_a_pii_enum_is_the_purge_placeholder(tmp_path: Path) -> None:
    fields = "{id: uuid, tier: {type: enum, values: [none, gold], pii: true}}"
    reordered = _event(fields, f"        fields: {fields.replace('[none, gold]', '[gold, none]')}\n")
    assert _rules(tmp_path / "a", _event(fields), reordered).get("ESD162") == ["Tagged.v2.tier"]
    appended = _event(fields, f"        fields: {fields.replace('gold]', 'gold, silver]')}\n")
    assert "ESD162" not in _rules(tmp_path / "b", _event(fields), appended)


def test_event_moved_to_another_aggregate(tmp_path: Path) -> None:
    aggregates = "".join(
        f"  {name}:\n    id: {{field: id, type: uuid}}\n    stream: \"{name}-{{id}}\"\n"
        f"    events: [Tagged]\n    state: {{version: 1, fields: {{n: integer}}}}\n"
        for name in ("Alpha", "Beta"))
    before = _event("{id: uuid}", head="    aggregate: Alpha\n") + "aggregates:\n" + aggregates
    after = before.replace("aggregate: Alpha", "aggregate: Beta")
    assert _rules(tmp_path, before, after).get("ESD134") == ["Tagged"]


@pytest.mark.parametrize("items", ["string?", "{type: string, required: false}",
                                   "{type: string, default: x}"])
def test_optional_array_items_are_refused_not_silently_made_required(tmp_path: Path,
                                                                     items: str) -> None:
    tags = f"{{id: uuid, tags: {{type: array, items: {items}}}}}"
    _, report = compile_text(tmp_path, _event(tags))
    errors = [d for d in report if d.severity == "error"]
    assert [d.code for d in errors] == ["ES101"], [d.render() for d in report]
    assert "versions.1.fields.tags.items" in errors[0].message


@pytest.mark.parametrize(("old", "to", "rule", "shown"), [
    ("string", "integer", "ESD170", '"abc" stays "abc"'),
    ("number", "integer", "ESD170", "2.5 becomes 3"),
    ("boolean", "integer", "ESD116", ""),
    ("integer", "string", "ESD116", ""),
])
def test_lossy_or_partial_convert_is_a_warning_with_a_counterexample(
        tmp_path: Path, old: str, to: str, rule: str, shown: str) -> None:
    after = _event(f"{{id: uuid, q: {old}}}", f"        upcast: [convert: {{field: q, to: {to}}}]\n"
                   f"        fields: {{id: uuid, q: {to}}}\n")
    findings = [f for f in diff_texts(tmp_path, _event(f"{{id: uuid, q: {old}}}"), after)
                if f.rule in ("ESD116", "ESD170")]
    assert [f.rule for f in findings] == [rule]
    assert shown in findings[0].message


CUSTOM = '{python: "shop.up:fix", sql: "data"CHANGES}'


def test_custom_without_changes_is_a_warning_and_with_them_other_fields_are_judged(
        tmp_path: Path) -> None:
    before = _event("{id: uuid, address: {type: object, fields: {city: string}}, n: integer}")

    def after(changes: str, n: str) -> str:
        return _event("{id: uuid, address: {type: object, fields: {city: string}}, n: integer}",
                      f"        upcast: [custom: {CUSTOM.replace('CHANGES', changes)}]\n"
                      f"        fields: {{id: uuid, address: {{type: array, items: string}}, n: {n}}}\n")

    opaque = _rules(tmp_path / "a", before, after("", "integer"))
    assert "ESD171" in opaque and "ESD110" not in opaque
    declared = _rules(tmp_path / "b", before, after(", changes: [address]", "integer"))
    assert "ESD171" not in declared and declared.get("ESD116") == ["Tagged.v2.address"]
    assert "ESD108" not in declared  # address.city went with address: covered
    undeclared = _rules(tmp_path / "c", before, after(", changes: [address]", "boolean"))
    assert undeclared.get("ESD110") == ["Tagged.v2.n"]


@pytest.mark.parametrize(("old", "new"), [
    ("integer", "number"),
    ("{type: enum, values: [a, b]}", "string"),
    ("{type: array, items: string}", "{type: array, items: json}"),
    ("{type: object, fields: {city: string}}", "json"),
    ("{type: array, items: {type: object, fields: {city: string}}}", "{type: array, items: json}"),
])
def test_safe_widenings_need_no_upcaster(tmp_path: Path, old: str, new: str) -> None:
    after = _event(f"{{id: uuid, x: {old}}}", f"        fields: {{id: uuid, x: {new}}}\n")
    findings = diff_texts(tmp_path, _event(f"{{id: uuid, x: {old}}}"), after)
    assert not [f for f in findings if f.severity != "info"], findings
    assert [f.path for f in findings if f.rule == "ESD117"] == ["Tagged.v2.x"]


@pytest.mark.parametrize(("old", "new"), [("number", "integer"), ("string", "{type: enum, values: [a]}"),
                                          ("json", "string")])
def test_narrowings_are_not_widenings(tmp_path: Path, old: str, new: str) -> None:
    after = _event(f"{{id: uuid, x: {old}}}", f"        fields: {{id: uuid, x: {new}}}\n")
    findings = diff_texts(tmp_path, _event(f"{{id: uuid, x: {old}}}"), after)
    assert "ESD117" not in {f.rule for f in findings}
    assert any(f.severity == "error" for f in findings)


def test_widening_in_place_is_still_an_edit(tmp_path: Path) -> None:
    found = _rules(tmp_path, _event("{id: uuid, x: integer}"), _event("{id: uuid, x: number}"))
    assert "ESD117" in found and "ESD120" in found


def test_string_to_enum_with_a_total_map_is_covered(tmp_path: Path) -> None:
    before = _event("{id: uuid, tier: string}")
    total = _event("{id: uuid, tier: string}",
                   "        upcast: [map: {field: tier, values: {g: gold}, else: basic}]\n"
                   "        fields: {id: uuid, tier: {type: enum, values: [basic, gold]}}\n")
    findings = diff_texts(tmp_path / "total", before, total)
    assert [f.rule for f in findings if f.path == "Tagged.v2.tier"] == ["ESD116"]
    bare = _event("{id: uuid, tier: string}",
                  "        fields: {id: uuid, tier: {type: enum, values: [basic, gold]}}\n")
    # Without the map the chain check refuses it; its remedy must be one that works.
    _, report = compile_text(tmp_path / "bare", bare)
    assert any(d.code == "ES313" for d in report)


def test_type_change_remedies_name_an_operation_that_can_do_it(tmp_path: Path) -> None:
    before = _event("{id: uuid, tier: string, box: {type: object, fields: {a: string}}}")
    after = _event("{id: uuid, tier: {type: enum, values: [x]}, box: {type: array, items: string}}")
    by_path = {f.path: f.message for f in diff_texts(tmp_path, before, after) if f.rule == "ESD110"}
    assert "`map: {field: tier, values: {...}, else:" in by_path["Tagged.v1.tier"]
    assert "convert" not in by_path["Tagged.v1.tier"]
    assert "changes: [box]" in by_path["Tagged.v1.box"]


def test_a_widening_across_the_chain_is_not_a_reused_name(tmp_path: Path) -> None:
    before = _event("{id: uuid, x: integer}")
    after = _event("{id: uuid, x: integer}", "        fields: {id: uuid, x: number}\n",
                   "        fields: {id: uuid, x: number, y: string?}\n")
    assert not [f for f in diff_texts(tmp_path, before, after) if f.severity == "error"]
