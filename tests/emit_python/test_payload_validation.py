"""Payload validation (issue 12, point 1): the SQL validators (`validate_event`), the generated
Python's (`validate`, which `encode` runs) and the canonical JSON Schema agree on random valid
and near-valid payloads of the shop's event versions and of synthetic declarations holding
every field type, on a real PostgreSQL.

References: `jsonschema` (the Python library, with its FormatChecker) and `jsonschema_rs`
(ECMA-262 regular expressions, every format asserted). SQL and Python must give the same
verdict and the same first problem, and the verdict of jsonschema_rs. `jsonschema` must give
the same verdict too, except on a payload holding a string its checks cannot read as the
schema means (each gap stated in `_JSONSCHEMA_GAPS`), or whose problem is a date-time format
jsonschema does not assert (`UNASSERTED`).
"""

from __future__ import annotations

import importlib
import json
import math
import re
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import jsonschema_rs
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devtools.postgres import apply, fresh_database
from escodegen.analyse.schema import event_version_schema
from escodegen.check import compile_project
from escodegen.emit.postgres import render as render_sql
from escodegen.emit.python import render as render_python
from escodegen.model import Event, Field, FieldType, Project
from escodegen.model.constraints import CONSTRAINTS, FORMATS
from escodegen.model.types import DECIMAL_PATTERN, KINDS

ROOT = Path(__file__).resolve().parents[2]

SYNTHETIC = """\
events:
  Everything:
    versions:
      1:
        fields:
          s: string
          i: integer
          n: number
          d: decimal
          b: boolean
          u: uuid
          day: date
          at: datetime
          j: json
          e: {type: enum, values: [a, "b c", "é"]}
          o: {type: object, fields: {x: uuid, y: string?, z: {type: array, items: integer}}}
          l: {type: array, items: {type: object, fields: {k: decimal, w: date?}}}
          ll: {type: array, items: {type: array, items: {type: enum, values: [x, y]}}}
          os: string?
          oi: integer?
          oj: json?
          oo: {type: object, required: false, fields: {p: datetime, q: boolean?}}
          ol: {type: array, required: false, items: uuid}
      2:
        fields:
          at: datetime
          n: number?
          deep: {type: object, fields: {inner: {type: object, fields: {leaf: decimal}}}}
          m: {type: map, values: {type: object, fields: {amount: decimal, cur: {type: enum, values: [EUR, USD]}}}}
          mi: {type: map, required: false, values: integer}
          rn: {type: string, nullable: true}
          an: {type: integer, required: false, nullable: false}
  Nothing:
    versions:
      1:
        fields: {}
  ConstrainedCode:
    versions: {1: {fields: {code: Code}}}
  ConstrainedName:
    versions: {1: {fields: {name: {type: string, minLength: 2, maxLength: 4}}}}
  ConstrainedMail:
    versions: {1: {fields: {mail: {type: string, format: email}}}}
  ConstrainedHost:
    versions: {1: {fields: {host: {type: string, format: hostname, required: false}}}}
  ConstrainedIp4:
    versions: {1: {fields: {ip4: {type: string, format: ipv4}}}}
  ConstrainedIp6:
    versions: {1: {fields: {ip6: {type: string, format: ipv6}}}}
  ConstrainedSite:
    versions: {1: {fields: {site: {type: string, format: uri}}}}
  ConstrainedQty:
    versions: {1: {fields: {qty: {type: integer, minimum: -3, exclusiveMaximum: 10, multipleOf: 3}}}}
  ConstrainedRatio:
    versions: {1: {fields: {ratio: {type: number, exclusiveMinimum: 0, maximum: 1.5}}}}
  ConstrainedPrice:
    versions: {1: {fields: {price: {type: decimal, minimum: "0.01", multipleOf: "0.01", exclusiveMaximum: 1000}}}}
  ConstrainedTags:
    versions: {1: {fields: {tags: {type: array, items: {type: string, maxLength: 2}, minItems: 1, maxItems: 3, uniqueItems: true}}}}
  ConstrainedBag:
    versions: {1: {fields: {bag: {type: map, values: {type: integer, maximum: 5}, required: false}}}}
  ConstrainedAnys:
    versions: {1: {fields: {anys: {type: array, items: json, uniqueItems: true}}}}
  ConstrainedCodes:
    versions: {1: {fields: {codes: {type: array, items: {type: Code, minLength: 3}}}}}
  ConstrainedEntries:
    versions: {1: {fields: {entries: {type: map, values: {type: string, maxLength: 1}, minProperties: 1, maxProperties: 2}}}}
  ConstrainedEither:
    versions: {1: {fields: {either: {type: union, variants: [number, {type: string, maxLength: 3}]}}}}
  Unions:
    versions:
      1:
        fields:
          m: Method
          om: {type: Method, required: false}
          lm: {type: array, items: Method}
          mm: {type: map, values: {type: union, tag: type, variants: {a: {fields: {x: integer}}, b: Card}}}
          u: {type: union, variants: [string, integer, boolean]}
          ou: {type: union, variants: [decimal, number], required: false}
          lu: {type: array, items: {type: union, variants: [uuid, integer]}}
  Tuples:
    versions:
      1:
        fields:
          pair: {type: tuple, items: [string, {type: integer, minimum: 0}]}
          one: {type: tuple, items: [decimal], required: false}
          open: {type: tuple, items: [uuid, number], rest: boolean}
          nest: {type: array, items: {type: tuple, items: [Card, {type: tuple, items: [date, json]}]}}
  Plain:
    versions:
      1:
        fields:
          s: string
          i: integer
          n: number
          d: decimal
          b: boolean
          u: uuid
          j: json
          e: {type: enum, values: [a, "b c", "é", 'q"\\', "", 日本]}
          o: {type: object, fields: {x: uuid, y: string?, z: {type: array, items: integer}}}
          l: {type: array, items: {type: object, fields: {k: decimal, w: uuid?}}}
          os: string?
          oi: integer?
          oj: json?
          oo: {type: object, required: false, fields: {p: uuid, q: boolean?}}
          ol: {type: array, required: false, items: uuid}
          m: {type: map, values: {type: object, fields: {amount: decimal, cur: {type: enum, values: [EUR, USD]}}}}
          mi: {type: map, required: false, values: integer}
          rn: {type: string, nullable: true}
          an: {type: integer, required: false, nullable: false}
          mt: Pay
          lm: {type: array, items: Pay}
          eu: {type: union, variants: [string, integer, boolean]}
          lu: {type: array, items: {type: union, variants: [uuid, integer]}}
          la: {type: array, items: json}
types:
  Pay:
    type: union
    tag: kind
    variants:
      card: {fields: {number: string, cvc: integer?}}
      wire: {fields: {iban: string, amount: decimal}}
      cash: {fields: {}}
  Code: {type: string, pattern: '^[A-Z]{2}(?:[0-9]|-[a-z])?$'}
  Card: {fields: {number: string, expiry: date?}}
  Method:
    type: union
    tag: kind
    variants:
      card: Card
      wire: {fields: {iban: string, amount: decimal}}
      cash: {fields: {}}
"""

UNASSERTED = "not a date-time"
"""jsonschema asserts the date-time format only with the optional rfc3339-validator package
(not installed): it takes any string for one, so a payload whose problem is one it passes."""
_JSONSCHEMA_GAPS = (
    # a pattern's `$` matches before a final newline in Python's re (not in ECMA-262)
    re.compile(r"\n\Z"),
    # Python's date has no year 0 (RFC 3339's full-date has)
    re.compile(r"^0000-"),
    # Python's UUID() strips braces and `urn:uuid:` before reading the hex digits
    re.compile(r"[{}]|urn:", re.IGNORECASE),
)
"""Strings whose verdict `jsonschema` (Python) gives differently from the schema's meaning
(what ECMA-262 regular expressions and RFC 3339 say, as jsonschema_rs reads it)."""


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("synthetic")
    (root / "escodegen.yaml").write_text(
        "escodegen: 1\nname: synthetic\nsources: [events]\n"
        "python: {out: generated/synthetic_events, package: synthetic_events}\n"
        "postgres: {out: generated/sql, schema: es}\n")
    (root / "events").mkdir()
    (root / "events" / "events.yaml").write_text(SYNTHETIC)
    project, report = compile_project(root / "escodegen.yaml")
    assert project is not None, report
    return project


@pytest.fixture(scope="module")
def shop() -> Project:
    project, report = compile_project(ROOT / "examples" / "shop" / "escodegen.yaml")
    assert project is not None, report
    return project


def _package(project: Project, folder: Path) -> Iterator[ModuleType]:
    assert project.python is not None
    out = folder / project.python.package
    for name, text in render_python(project).items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(project.python.package)
    finally:
        sys.path.remove(str(folder))


@pytest.fixture(scope="module")
def packages(shop: Project, synthetic: Project,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ModuleType]]:
    folder = tmp_path_factory.mktemp("packages")
    shop_package = _package(shop, folder)
    synthetic_package = _package(synthetic, folder)
    yield {"shop": next(shop_package), "synthetic": next(synthetic_package)}
    for package in (shop_package, synthetic_package):
        next(package, None)


@pytest.fixture(scope="module")
def conns(pg_server: str, shop: Project,
          synthetic: Project) -> Iterator[dict[str, psycopg.Connection[Any]]]:
    with (fresh_database(pg_server, "validators_shop") as shop_dsn,
          fresh_database(pg_server, "validators_synthetic") as synthetic_dsn):
        apply(shop_dsn, render_sql(shop))
        apply(synthetic_dsn, render_sql(synthetic))
        with (psycopg.connect(shop_dsn, autocommit=True) as shop_conn,
              psycopg.connect(synthetic_dsn, autocommit=True) as synthetic_conn):
            yield {"shop": shop_conn, "synthetic": synthetic_conn}


_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=8)
_NEAR_STRINGS = st.one_of(
    _TEXT, st.just(""), st.sampled_from(["é", "日本", "a b", "0", "1.", "-1.5", "1e3", "+1"]),
    st.from_regex(DECIMAL_PATTERN, fullmatch=True).map(lambda s: s + "\n"),
    st.uuids().map(lambda u: u.hex), st.uuids().map(lambda u: str(u)[:-1]),
    st.uuids().map(lambda u: f"{{{u}}}"),
    st.sampled_from(["2024-02-30", "2023-02-29", "2024-1-01", "0000-01-01", "2024-13-01",
                     "2024-01-01T24:00:00Z", "2024-01-01 00:00:00Z", "2024-01-01T00:00:00",
                     "2016-12-31T23:59:60Z", "2024-06-30T12:00:60Z", "2024-01-01T00:00:00+24:00",
                     "2024-01-01T00:00:00.5z"]))
_NEAR = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.just(2.0), _NEAR_STRINGS,
    st.lists(st.integers(0, 3), max_size=2), st.dictionaries(_TEXT, st.integers(), max_size=2))
_JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), _TEXT,
                               st.floats(allow_nan=False, allow_infinity=False)),
                     lambda inner: st.one_of(st.lists(inner, max_size=2),
                                             st.dictionaries(_TEXT, inner, max_size=2)),
                     max_leaves=4)


def _valid(field_type: FieldType) -> st.SearchStrategy[Any]:
    """Values of the type (one in a few near-valid: what the strategies below mix in)."""
    kind = field_type.kind
    if kind == "object":
        return _record(field_type.fields)
    if kind == "array":
        assert field_type.items is not None
        return st.lists(_value(field_type.items), max_size=3)
    if kind == "map":
        assert field_type.items is not None
        return st.dictionaries(_TEXT, _value(field_type.items), max_size=3)
    if kind == "enum":
        return st.sampled_from(field_type.values)
    if kind == "tuple":
        return _tuple(field_type)
    if kind == "union" and field_type.tag is None:
        return st.one_of(*(_value(variant) for _, variant in field_type.variants))
    if kind == "union":
        return _variant(field_type)
    return {
        "string": _TEXT, "integer": st.one_of(st.integers(), st.just(3.0)),
        "number": st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False)),
        "decimal": st.from_regex(DECIMAL_PATTERN, fullmatch=True),
        "boolean": st.booleans(),
        "uuid": st.one_of(st.uuids().map(str), st.uuids().map(lambda u: str(u).upper())),
        "date": st.dates().map(lambda d: d.isoformat()),
        "datetime": st.one_of(st.datetimes().map(lambda d: d.isoformat() + "Z"),
                              st.sampled_from(["2024-02-29T23:59:59.123+05:30",
                                               "2016-12-31T23:59:60Z", "2024-01-01t00:00:00z"])),
        "json": _JSON,
    }[kind]


_FORMAT_TEXTS = st.one_of(
    st.emails(), st.ip_addresses().map(str), st.from_regex(r"[a-z0-9.:-]{1,12}", fullmatch=True),
    st.sampled_from(["a@b", "a@b.c", "x@-a.com", "1.2.3.4", "01.2.3.4", "256.1.1.1", "::", "::1",
                     "1::", "fe80::1%eth0", "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8:9", "a.b@c",
                     "http://example.com/a?b#c", "urn:isbn:1", "a b:c", "-a.com", "a-.com",
                     "a" * 64 + ".com", "example.com.", "ex_ample.com", "é@x.y", "mailto:é"]))
_CONSTRAINED_STRINGS = st.one_of(
    _TEXT, _FORMAT_TEXTS, st.text("abAZ09-é\n", max_size=6),
    st.from_regex(r"^[A-Z]{2}(?:[0-9]|-[a-z])?$", fullmatch=True),
    st.from_regex(r"^[A-Z]{2}(?:[0-9]|-[a-z])?$", fullmatch=True).map(lambda s: s + "\n"))
_CONSTRAINED_NUMBERS = st.one_of(
    st.integers(-7, 12), st.sampled_from([0, 1.5, 1.5000000000000002, 0.0, 5e-324, 3.0, 9.0,
                                          10**400, -(10**400), 2**1024]),
    st.floats(-1, 2, allow_nan=False))
_CONSTRAINED_DECIMALS = st.one_of(
    st.decimals(min_value=-1, max_value=1001, places=3).map(str),
    st.sampled_from(["0.01", "0.010", "0.00", "1000", "999.99", "999.999", "0.005"]))


def _edges(field_type: FieldType) -> list[Any]:
    """Values at, just below and just above each limit of the type's constraints."""
    kind = field_type.kind
    edges: list[Any] = []
    for key, limit in field_type.constraints:
        if CONSTRAINTS[key].value in ("bound", "step"):
            exact = Decimal(str(limit))
            near = [exact, exact - 1, exact + 1, exact * 2, exact * 3, exact / 2, -exact,
                    exact + Decimal("0.001"), exact - Decimal("0.001")]
            if kind == "decimal":
                edges += [str(n) for n in near]
            elif kind == "integer":
                edges += [int(n) for n in near if n == n.to_integral_value()]
            else:
                edges += [float(n) for n in near]
                edges += [math.nextafter(float(exact), math.inf),
                          math.nextafter(float(exact), -math.inf)]
        elif CONSTRAINTS[key].value == "length" and kind == "map":
            edges += [{str(i): "é" for i in range(n)} for n in (limit - 1, limit, limit + 1)
                      if n >= 0]
        elif CONSTRAINTS[key].value == "length":
            item = "ab" if kind == "array" else "é"
            edges += [[item] * n if kind == "array" else item * n
                      for n in (limit - 1, limit, limit + 1) if n >= 0]
    return edges


def _constrained(field_type: FieldType) -> st.SearchStrategy[Any]:
    """Values at and about the edges of a constrained type's constraints."""
    kind = field_type.kind
    edges = st.sampled_from(_edges(field_type) or [None])
    if kind == "string":
        return st.one_of(_CONSTRAINED_STRINGS, edges)
    if kind in ("integer", "number"):
        return st.one_of(_CONSTRAINED_NUMBERS, edges)
    if kind == "decimal":
        return st.one_of(_CONSTRAINED_DECIMALS, edges)
    if kind == "map":
        assert field_type.items is not None
        return st.one_of(edges, st.dictionaries(_TEXT, _value(field_type.items), max_size=4))
    assert kind == "array" and field_type.items is not None
    return st.one_of(edges, st.lists(st.one_of(_value(field_type.items),
                                               st.sampled_from(["ab", 1, 1.0, True])),
                                     max_size=4))


def _variant(union: FieldType) -> st.SearchStrategy[dict[str, Any]]:
    """An object of one variant with its tag; now and then a tag that names none, or none."""
    assert union.tag is not None
    tag = union.tag

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        value, record = draw(st.sampled_from(union.variants))
        result = draw(_record(record.fields))
        choice = draw(st.integers(0, 9))
        if choice == 0:
            result[tag] = draw(st.one_of(_NEAR, st.sampled_from([v for v, _ in union.variants])))
        elif choice != 1:
            result[tag] = value
        return result

    return build()


def _tuple(field_type: FieldType) -> st.SearchStrategy[list[Any]]:
    """A tuple's items (its rest's: up to 2), or one short, or one more of anything."""
    rest = (st.just([]) if field_type.items is None
            else st.lists(_value(field_type.items), max_size=2))
    exact = st.tuples(st.tuples(*map(_value, field_type.elements)), rest).map(
        lambda parts: [*parts[0], *parts[1]])
    return st.one_of(exact, exact.map(lambda items: items[:-1]),
                     st.tuples(exact, _NEAR).map(lambda parts: [*parts[0], parts[1]]))


def _value(field_type: FieldType) -> st.SearchStrategy[Any]:
    """Mostly valid, one in eight near-valid."""
    valid = _constrained(field_type) if field_type.constraints else _valid(field_type)
    return st.integers(0, 7).flatmap(lambda n: _NEAR if n == 0 else valid)


def _record(fields: tuple[Field, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """An object of the fields, some missing, with an extra key now and then."""
    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        record = {}
        for field in fields:
            if draw(st.integers(0, 19)) == 0:
                continue  # absent
            record[field.name] = (None if field.may_be_null and draw(st.booleans())
                                  else draw(_value(field.type)))
        if draw(st.integers(0, 5)) == 0:
            record[draw(_TEXT)] = draw(_NEAR)
        return record

    return build()


def _versions(project: Project) -> list[tuple[Event, int]]:
    return [(event, version.number) for event in project.events for version in event.versions]


def _payloads(project: Project) -> st.SearchStrategy[list[tuple[str, int, Any]]]:
    def payload(event: Event, version: int) -> st.SearchStrategy[Any]:
        record = _record(event.version(version).fields)
        return st.integers(0, 19).flatmap(lambda n: _NEAR if n == 0 else record)

    one = st.sampled_from(_versions(project)).flatmap(
        lambda pair: st.tuples(st.just(pair[0].name), st.just(pair[1]), payload(*pair)))
    return st.lists(one, min_size=1, max_size=25)


_VALIDATORS: dict[tuple[int, str, int], tuple[Any, Any]] = {}


def _references(project: Project, event_type: str, version: int) -> tuple[Any, Any]:
    key = (id(project), event_type, version)
    if key not in _VALIDATORS:
        event = project.event(event_type)
        assert event is not None
        schema = _formats_as_patterns(event_version_schema(event, version))
        _VALIDATORS[key] = (
            jsonschema.Draft202012Validator(schema,
                                            format_checker=jsonschema.FormatChecker()),
            jsonschema_rs.validator_for(schema, validate_formats=True))
    return _VALIDATORS[key]


def _formats_as_patterns(schema: Any) -> Any:
    """The schema with each of escodegen's string formats as what docs/language.md#formats
    defines it to be (its pattern and length limit): the references' own format checks are
    other definitions (a format's meaning is escodegen's, in Python and SQL alike)."""
    if isinstance(schema, list):
        return [_formats_as_patterns(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: _formats_as_patterns(value) for key, value in schema.items()}
    form = FORMATS.get(schema.get("format")) if isinstance(schema.get("format"), str) else None
    if form is not None:
        del result["format"]
        result["allOf"] = [{"pattern": form.pattern}] + (
            [{"maxLength": form.max_length}] if form.max_length is not None else [])
    return result


def _decimal_bounds_only(project: Project, event_type: str, version: int,
                         problems: list[tuple[str, str]]) -> bool:
    """Whether every problem is a constraint of a decimal: JSON Schema applies number
    keywords to numbers only, so its validators do not check them on a decimal's text."""
    event = project.event(event_type)
    assert event is not None
    decimals = {f.name for f in event.version(version).fields
                if f.type.kind == "decimal" and f.type.constraints}
    words = [CONSTRAINTS[k].problem.split("{")[0] for k in CONSTRAINTS
             if CONSTRAINTS[k].value in ("bound", "step")]
    return bool(problems) and all(path in decimals and any(problem.startswith(w) for w in words)
                                  for path, problem in problems)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)


def _agree(project: Project, conn: psycopg.Connection[Any], package: ModuleType,
           payloads: list[tuple[str, int, Any]]) -> None:
    rows = conn.execute(
        "select es.validate_event(p.e ->> 0, (p.e ->> 1)::integer, p.e -> 2), "
        "es.valid_event(p.e ->> 0, (p.e ->> 1)::integer, p.e -> 2), "
        "es.payload_fits(p.e ->> 0, (p.e ->> 1)::integer, p.e -> 2) "
        "from jsonb_array_elements(%s::jsonb) with ordinality as p(e, i) order by p.i",
        (json.dumps(payloads),)).fetchall()
    for (event_type, version, data), (sql_problem, valid, fits) in zip(payloads, rows,
                                                                       strict=True):
        # the boolean twins (the append's and verify-store's filter) say the same
        assert valid == fits == (sql_problem is None), (event_type, version, data, sql_problem)
        problems = package.validate(event_type, version, data)
        python_problem = None if not problems else (
            f"{problems[0][0]}: {problems[0][1]}" if problems[0][0] else problems[0][1])
        assert sql_problem == python_problem, (event_type, version, data)
        by_jsonschema, by_jsonschema_rs = _references(project, event_type, version)
        valid = sql_problem is None
        if _decimal_bounds_only(project, event_type, version, problems):
            assert by_jsonschema_rs.is_valid(data), (event_type, version, data)
            continue
        assert by_jsonschema_rs.is_valid(data) == valid, (event_type, version, data, sql_problem)
        if by_jsonschema.is_valid(data) != valid:
            unasserted = sql_problem is not None and sql_problem.endswith(UNASSERTED)
            assert unasserted or any(gap.search(s) for gap in _JSONSCHEMA_GAPS
                                     for s in _strings(data)), (
                "jsonschema disagrees outside its stated gaps", event_type, version, data,
                sql_problem)


_SETTINGS = settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                            HealthCheck.function_scoped_fixture])


def test_synthetic_declarations_cover_every_field_type(synthetic: Project) -> None:
    def kinds(field_type: FieldType) -> set[str]:
        found = {field_type.kind}
        for field in field_type.fields:
            found |= kinds(field.type)
        if field_type.items is not None:
            found |= kinds(field_type.items)
        return found

    covered: set[str] = set()
    for event in synthetic.events:
        for version in event.versions:
            covered |= kinds(FieldType("object", fields=version.fields))
    assert covered == set(KINDS)


def test_synthetic_declarations_cover_every_constraint_and_format(synthetic: Project) -> None:
    def constraints(field_type: FieldType) -> set[str]:
        found = {f"{k}: {v}" if k == "format" else k for k, v in field_type.constraints}
        for field in field_type.fields:
            found |= constraints(field.type)
        if field_type.items is not None:
            found |= constraints(field_type.items)
        return found

    covered = set()
    for event in synthetic.events:
        covered |= constraints(FieldType("object", fields=event.latest.fields))
    assert covered == ({k for k in CONSTRAINTS if k != "format"}
                       | {f"format: {name}" for name in FORMATS})


@_SETTINGS
@given(data=st.data())
def test_sql_python_and_json_schema_agree_on_shop_events(
        data: st.DataObject, shop: Project, conns: dict[str, psycopg.Connection[Any]],
        packages: dict[str, ModuleType]) -> None:
    _agree(shop, conns["shop"], packages["shop"], data.draw(_payloads(shop)))


@_SETTINGS
@given(data=st.data())
def test_sql_python_and_json_schema_agree_on_every_field_type(
        data: st.DataObject, synthetic: Project, conns: dict[str, psycopg.Connection[Any]],
        packages: dict[str, ModuleType]) -> None:
    _agree(synthetic, conns["synthetic"], packages["synthetic"],
           data.draw(_payloads(synthetic)))


@pytest.mark.parametrize(("event_type", "version", "data", "problem"), [
    ("Everything", 2, {"at": "2024-01-01T00:00:00Z", "deep": {"inner": {"leaf": "1e3"}}},
     "deep.inner.leaf: not a decimal"),
    ("Everything", 2, {"at": "2024-01-01T00:00:00Z", "deep": {"inner": []}},
     "deep.inner: expected an object, got array"),
    ("Everything", 2, {"at": "2024-01-01T00:00:00Z", "n": None, "deep": {"inner": {}}},
     "deep.inner.leaf: required field is missing"),
    ("Everything", 2, {"at": None}, "at: expected a date-time, got null"),
    ("Nothing", 1, [], "expected an object, got array"),
    ("Nothing", 1, {"anything": 1}, None),
    ("Nothing", 2, {}, "the event type and version are not declared"),
    ("Unions", 1, {"m": {"kind": "cheque"}, "lm": [], "mm": {}},
     'm.kind: not one of "card", "wire", "cash"'),
    ("Unions", 1, {"m": {"number": "4"}, "lm": [], "mm": {}}, "m.kind: required field is missing"),
    ("Unions", 1, {"m": {"kind": 1}, "lm": [], "mm": {}}, "m.kind: expected a string, got number"),
    ("Unions", 1, {"m": {"kind": "cash"}, "lm": [{"kind": "wire", "iban": "x"}], "mm": {}},
     "lm[0].amount: required field is missing"),
    ("Unions", 1, {"m": {"kind": "cash"}, "lm": [], "mm": {"k": {"type": "b", "number": 5}}},
     "mm.k.number: expected a string, got number"),
    ("Unions", 1, {"m": {"kind": "cash"}, "lm": [], "mm": {}, "u": []},
     "u: expected a string or an integer or a boolean, got array"),
    ("Unions", 1, {"m": {"kind": "cash"}, "lm": [], "mm": {}, "u": 1.5},
     "u: expected an integer, got a fraction"),
    ("Unions", 1, {"m": {"kind": "cash"}, "lm": [], "mm": {}, "u": "x", "lu": ["x"]},
     "lu[0]: not a uuid"),
    ("ConstrainedEntries", 1, {"entries": {}}, "entries: fewer than 1 entries"),
    ("ConstrainedEntries", 1, {"entries": {"a": "x", "b": "y", "c": "z"}},
     "entries: more than 2 entries"),
    ("ConstrainedEntries", 1, {"entries": {"a": "xy"}}, "entries.a: longer than 1 characters"),
    ("ConstrainedEntries", 1, {"entries": {"a": "x"}}, None),
    ("ConstrainedEither", 1, {"either": "abcd"}, "either: longer than 3 characters"),
    ("ConstrainedEither", 1, {"either": 4.5}, None),
    ("Unions", 1, {"m": {"kind": "card", "number": "4"}, "lm": [], "mm": {"k": {"type": "a", "x": 1}},
                   "u": True, "lu": []},
     None),
])
def test_problems_name_the_path(conns: dict[str, psycopg.Connection[Any]],
                                packages: dict[str, ModuleType], event_type: str,
                                version: int, data: Any, problem: str | None) -> None:
    row = conns["synthetic"].execute(
        "select es.validate_event(%(t)s, %(v)s, %(d)s::jsonb), "
        "es.valid_event(%(t)s, %(v)s, %(d)s::jsonb), es.payload_fits(%(t)s, %(v)s, %(d)s::jsonb)",
        {"t": event_type, "v": version, "d": json.dumps(data)}).fetchone()
    assert row == (problem, problem is None, problem is None)
    found = packages["synthetic"].validate(event_type, version, data)
    assert (": ".join(p for p in found[0] if p) if found else None) == problem


_PLAIN = {"s": "", "i": 3.0, "n": -1.5, "d": "-0.50", "b": False,
         "u": "123e4567-E89B-12d3-a456-426614174000", "j": None, "e": 'q"\\',
         "o": {"x": "123e4567-e89b-12d3-a456-426614174000", "z": []},
         "l": [{"k": "1", "w": None}], "m": {"é": {"amount": "2", "cur": "EUR"}},
         "rn": None, "mt": {"kind": "cash"}, "lm": [{"kind": "card", "number": "4"}],
         "eu": True, "lu": [1, "123e4567-e89b-12d3-a456-426614174000"], "la": [[1], None]}


@pytest.mark.parametrize(("change", "problem"), [
    ({}, None),
    # a value wrapped in an array (what jsonpath's lax mode would read as the value)
    ({"s": [""]}, "s: expected a string, got array"),
    ({"u": ["123e4567-e89b-12d3-a456-426614174000"]}, "u: expected a uuid, got array"),
    ({"e": ["a"]}, "e: expected a string, got array"),
    ({"i": [3]}, "i: expected an integer, got array"),
    ({"o": [{"x": "123e4567-e89b-12d3-a456-426614174000", "z": []}]},
     "o: expected an object, got array"),
    ({"l": [[{"k": "1"}]]}, "l[0]: expected an object, got array"),
    ({"l": [[]]}, "l[0]: expected an object, got array"),
    ({"m": {"k": [{"amount": "2", "cur": "EUR"}]}}, "m.k: expected an object, got array"),
    ({"mt": [{"kind": "cash"}]}, "mt: expected an object, got array"),
    ({"mt": {"kind": ["cash"]}}, "mt.kind: expected a string, got array"),
    ({"lu": [[1]]}, "lu[0]: expected a uuid or an integer, got array"),
    ({"eu": [True]}, "eu: expected a string or an integer or a boolean, got array"),
    # formats and kinds as the validators read them
    ({"u": "123e4567-e89b-12d3-a456-42661417400"}, "u: not a uuid"),
    ({"u": "123e4567e-89b-12d3-a456-426614174000"}, "u: not a uuid"),
    ({"u": "123e4567-e89b-12d3-a456-4266141740000"}, "u: not a uuid"),
    ({"u": "123e4567-e89b-12d3-a456-42661417400g"}, "u: not a uuid"),
    ({"o": {"x": "123e4567-e89b-12d3-a456-42661417400é", "z": []}}, "o.x: not a uuid"),
    ({"d": "1.5\n"}, "d: not a decimal"),
    ({"d": 1.5}, "d: expected a decimal, got number"),
    ({"i": 2.5}, "i: expected an integer, got a fraction"),
    ({"i": "3"}, "i: expected an integer, got string"),
    ({"e": "q"}, 'e: not one of "a", "b c", "é", "q\\"\\\\", "", "日本"'),
    ({"e": "日本"}, None),
    ({"s": None}, "s: expected a string, got null"),
    ({"rn": 1}, "rn: expected a string, got number"),
    ({"an": None}, "an: expected an integer, got null"),
    ({"os": None, "oi": None, "oj": [1]}, None),
    ({"mt": {"kind": "wire", "iban": "x"}}, "mt.amount: required field is missing"),
    ({"mt": {"kind": "card", "number": "4", "cvc": "1"}},
     "mt.cvc: expected an integer, got string"),
    ({"ol": None}, None),
])
def test_a_value_of_every_plain_type_is_read_as_written(
        conns: dict[str, psycopg.Connection[Any]], packages: dict[str, ModuleType],
        change: dict[str, Any], problem: str | None) -> None:
    """Arrays for scalars and items, hostile enum members, non-ASCII keys, every kind of null:
    the validators, their boolean twins and the Python agree on the first problem."""
    data = {**_PLAIN, **change}
    row = conns["synthetic"].execute(
        "select es.validate_event('Plain', 1, %(d)s::jsonb), es.valid_plain_v1(%(d)s::jsonb), "
        "es.payload_fits('Plain', 1, %(d)s::jsonb)", {"d": json.dumps(data)}).fetchone()
    assert row == (problem, problem is None, problem is None)
    found = packages["synthetic"].validate("Plain", 1, data)
    assert (": ".join(p for p in found[0] if p) if found else None) == problem
