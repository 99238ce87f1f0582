"""Every place a declaration names something refuses a name with a trailing newline, a control,
bidi or separator character, NUL or a Unicode look-alike: an error with a code and a position,
exit 1. (Python's `$` matches before a final newline, so `^name$` once let `order_summary\\n`
through to file names, SQL and Python.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from escodegen.cli import cli
from escodegen.printable import unsafe
from escodegen.resources import schema_path

PROJECT = """\
escodegen: 1
name: @name@
sources: [@sources@]
registry: @registry@
python: {out: @python_out@, package: @package@}
postgres: {out: @postgres_out@, schema: @schema@}
ignore:
  - {rule: @ignore_rule@, path: Placed.v1.x, reason: kept}
"""
DECLARATIONS = """\
events:
  @event@:
    aggregate: @event_aggregate@
    subject: @subject@
    replaces: @replaces@
    versions:
      @version1@:
        fields:
          @field@: uuid
          name: @short_type@
          home: {type: object, fields: {@nested_field@: string}}
      2:
        upcast:
          - rename: {from: @upcast_from@, to: @upcast_to@}
        fields:
          orderId: uuid
          fullName: string
          home: {type: object, fields: {city: string}}
  Old:
    versions: {1: {fields: {id: uuid}}}
aggregates:
  @aggregate@:
    id: {field: @id_field@, type: uuid}
    stream: @stream@
    events: [@aggregate_event@]
    state: {version: 1, fields: {@state_field@: string}}
    snapshot: {every: @duration@}
projections:
  @projection@:
    key: [@key_column@]
    columns: {@column@: uuid, who: string?, via: string?}
    on:
      @handler_event@:
        upsert: {@assigned_column@: @payload_ref@, who: $.fullName, via: @meta_ref@}
      Old: {delete: true, where: {@where_column@: $.id}}
"""
VALID = {
    "name": "shop", "sources": "d.yaml", "registry": "registry", "python_out": "gen/py",
    "package": "shop_events", "postgres_out": "gen/sql", "schema": "es", "ignore_rule": "ESD108",
    "event": "Placed", "event_aggregate": "Order", "subject": "orderId", "replaces": "Old",
    "version1": "1", "field": "orderId", "short_type": "string", "nested_field": "city",
    "upcast_from": "name", "upcast_to": "fullName", "aggregate": "Order", "id_field": "orderId",
    "stream": "Order-{orderId}", "aggregate_event": "Placed", "state_field": "status",
    "duration": "1h", "projection": "orders", "key_column": "orderId", "column": "orderId",
    "handler_event": "Placed", "assigned_column": "orderId", "payload_ref": "$.orderId",
    "meta_ref": "$meta.tenant", "where_column": "orderId",
}
PROJECT_SLOTS = {"name", "sources", "registry", "python_out", "package", "postgres_out",
                 "schema", "ignore_rule"}
PATH_SLOTS = {"sources", "registry", "python_out", "postgres_out"}
EXPECTED = {  # slot -> the code that names what is wrong there
    "name": "ES101", "package": "ES101", "schema": "ES101", "ignore_rule": "ES101",
    "sources": "ES011", "registry": "ES011", "python_out": "ES011", "postgres_out": "ES011",
    "event": "ES202", "aggregate": "ES202", "field": "ES202", "nested_field": "ES202",
    "state_field": "ES202", "id_field": "ES202", "projection": "ES202", "column": "ES202",
    "replaces": "ES202", "event_aggregate": "ES206", "aggregate_event": "ES205",
    "handler_event": "ES205", "subject": "ES207", "meta_ref": "ES207", "key_column": "ES403",
    "assigned_column": "ES402", "where_column": "ES402", "payload_ref": "ES401",
    "stream": "ES405", "upcast_from": "ES101", "upcast_to": "ES101", "version1": "ES101",
    "short_type": "ES101", "duration": "ES101",
}
NASTY = {
    "newline": lambda v: v + "\n",
    "carriage-return": lambda v: v + "\r",
    "tab": lambda v: v + "\t",
    "escape": lambda v: v + "\x1b[2K",
    "bidi-override": lambda v: v + "\u202e",
    "line-separator": lambda v: v + "\u2028",
    "look-alike": lambda v: v + "\u0430",  # Cyrillic a
    "nul": lambda v: v + "\x00",
}
DIAGNOSTIC = re.compile(r"^(d\.yaml|escodegen\.yaml):[0-9]+:[0-9]+: error (ES[0-9]{3}): ")


def write(folder: Path, values: dict[str, str]) -> None:
    def fill(template: str) -> str:
        # JSON strings are YAML double-quoted scalars, escapes included.
        return re.sub("@([a-z_0-9]+)@", lambda m: json.dumps(values[m.group(1)]), template)

    (folder / "escodegen.yaml").write_text(fill(PROJECT), encoding="utf-8")
    (folder / "d.yaml").write_text(fill(DECLARATIONS), encoding="utf-8")


def validate(folder: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-C", str(folder), "validate"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_the_template_is_valid_with_plain_names(tmp_path: Path) -> None:
    write(tmp_path, VALID)
    assert validate(tmp_path) == (0, "shop: 2 events, 1 aggregate, 1 projection - valid\n")


def test_every_slot_of_the_template_is_tested() -> None:
    slots = set(re.findall("@([a-z_0-9]+)@", PROJECT + DECLARATIONS))
    assert slots == set(VALID) == set(EXPECTED)


CASES = [(slot, nasty) for slot in sorted(EXPECTED) for nasty in NASTY
         if not (nasty == "look-alike" and slot in PATH_SLOTS)]  # non-ASCII folders are fine


@pytest.mark.parametrize(("slot", "nasty"), CASES, ids=[f"{s}-{n}" for s, n in CASES])
def test_a_nasty_character_in_a_name_slot_is_an_error_with_code_and_position(
        tmp_path: Path, slot: str, nasty: str) -> None:
    write(tmp_path, {**VALID, slot: NASTY[nasty](VALID[slot])})
    code, output = validate(tmp_path)
    found = [m.groups() for line in output.splitlines() if (m := DIAGNOSTIC.match(line))]
    expected_file = "escodegen.yaml" if slot in PROJECT_SLOTS else "d.yaml"
    expected_code = "ES009" if nasty == "nul" else EXPECTED[slot]
    assert code == 1
    assert (expected_file, expected_code) in found, output
    assert not any(unsafe(c) for c in output.replace("\n", "")), output


def test_generate_refuses_a_projection_name_ending_in_a_newline(tmp_path: Path) -> None:
    write(tmp_path, {**VALID, "projection": "orders\n"})
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "generate"])
    assert result.exit_code == 1 and not (tmp_path / "gen").exists()
    assert "d.yaml:29:3: error ES202: projection name 'orders\\n' is not an identifier" in (
        result.output)


# The meta-schemas are also used by editors (yaml-language-server), which read `pattern` as an
# ECMA-262 regular expression, while jsonschema in Python uses `re.search`.

def _patterns(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        return found + [p for value in node.values() for p in _patterns(value)]
    if isinstance(node, list):
        return [p for item in node for p in _patterns(item)]
    return []


SCHEMAS = ("project.schema.json", "declarations.schema.json")
PATTERNS = sorted({p for name in SCHEMAS
                   for p in _patterns(json.loads(schema_path(name).read_text()))})
SAMPLES = {  # one valid value per pattern, found by its first characters
    "^(string": "string", "^[0-9]+(?": "12", "^[0-9]+(\\.": "1.5h", "^[A-Za-z_][A-Za-z0-9_]*(?": "shop",
    "^[A-Za-z_][A-Za-z0-9_]*(\\.": "shop.events", "^[a-z_]": "es", "^[A-Z]+": "ESD108",
    "^(0|[1-9]": "1.2.0rc1",
    "^[A-Z][A-Za-z0-9]*(?": "Money", "^-?[0-9]+(\\.": "-0.01",
}


def _sample(pattern: str) -> str:
    [value] = [v for prefix, v in SAMPLES.items() if pattern.startswith(prefix)]
    return value


@pytest.mark.parametrize("pattern", PATTERNS)
def test_schema_patterns_match_whole_values_only(pattern: str) -> None:
    valid = _sample(pattern)
    validator = jsonschema.Draft202012Validator({"pattern": pattern})
    assert validator.is_valid(valid)
    for nasty in NASTY.values():
        assert not validator.is_valid(nasty(valid)), repr(nasty(valid))
    assert not validator.is_valid("\n" + valid)


def test_schema_patterns_mean_the_same_in_ecma_262(tmp_path: Path) -> None:
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    cases = [(p, v) for p in PATTERNS
             for v in (_sample(p), *(nasty(_sample(p)) for nasty in NASTY.values()))]
    script = ("const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
              "console.log(JSON.stringify(cases.map(([p, v]) => new RegExp(p, 'u').test(v))));\n")
    result = subprocess.run([node, "-e", script], input=json.dumps(cases), capture_output=True,
                            text=True, check=True)
    ecma = json.loads(result.stdout)
    python = [jsonschema.Draft202012Validator({"pattern": p}).is_valid(v) for p, v in cases]
    assert ecma == python
    assert sum(python) == len(PATTERNS)  # only the plain sample of each pattern matches
