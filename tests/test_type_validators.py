"""The SQL validator of every scalar type agrees with the type's canonical JSON Schema, as
jsonschema-rs (ECMA-262 regular expressions, formats asserted) reads it, on a real PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devtools.postgres import fresh_database
from escodegen.emit.postgres.sqltext import conforms
from escodegen.model.types import DECIMAL_PATTERN, KINDS, TYPES

SCALARS = [kind for kind in KINDS if TYPES[kind].schema is not None]
VALIDATORS = {kind: jsonschema_rs.validator_for(dict(TYPES[kind].schema or {}),
                                                validate_formats=True) for kind in SCALARS}
QUERY = ("SELECT " + ", ".join(f"array_agg({conforms(kind, 't.v')} ORDER BY t.i)"
                               for kind in SCALARS)
         + " FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS t(v, i)")


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=n, max_size=n)


# Two digits, often at the edges of a month, an hour, a minute or a second.
_TWO = st.one_of(_digits(2), st.sampled_from(
    ["00", "01", "02", "04", "06", "09", "11", "12", "13", "23", "24", "28", "29", "30", "31",
     "59", "60"]))
_YEARS = st.one_of(_digits(4), st.sampled_from(["0000", "1900", "2000", "2016", "2023", "2024"]))
_DATES = st.builds("{}-{}-{}".format, _YEARS, _TWO, _TWO)
_OFFSETS = st.one_of(st.sampled_from(["Z", "z", "", "+00:00", "-00:00"]),
                     st.builds("{}{}:{}".format, st.sampled_from("+-"), _TWO, _TWO))
_DATETIMES = st.builds("{}{}{}:{}:{}{}{}".format, _DATES, st.sampled_from("Tt "), _TWO, _TWO,
                       _TWO, st.sampled_from(["", ".5", ".123456789", "."]), _OFFSETS)
_UUIDS = st.one_of(st.uuids().map(str), st.uuids().map(lambda u: str(u).upper()),
                   st.uuids().map(lambda u: u.hex), st.uuids().map(lambda u: f"{{{u}}}"),
                   # a dash where a digit goes: the SQL check counts the dashes apart
                   st.builds(lambda u, i: str(u)[:i] + "-" + str(u)[i + 1:], st.uuids(),
                             st.integers(0, 35)))
_DECIMALS = st.one_of(st.from_regex(DECIMAL_PATTERN, fullmatch=True),
                      st.decimals(allow_nan=True).map(str), st.floats().map(repr))
_NEAR = st.one_of(_DATES, _DATETIMES, _UUIDS, _DECIMALS)
_STRINGS = st.one_of(
    _NEAR, _NEAR.map(lambda s: s + "\n"), _NEAR.map(lambda s: " " + s),
    st.builds(lambda s, i, c: s[:i] + c + s[i + 1:], _NEAR, st.integers(0, 40),
              st.characters(codec="utf-8", exclude_characters="\x00")),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20))
_SCALAR_VALUES = st.one_of(
    _STRINGS, st.none(), st.booleans(), st.integers(-(2**62), 2**62),
    st.floats(allow_nan=False, allow_infinity=False), st.just(1.0), st.just(-0.0))
_VALUES = st.one_of(_SCALAR_VALUES, st.lists(_SCALAR_VALUES, max_size=2),
                    st.dictionaries(st.text(st.characters(codec="utf-8", exclude_characters="\x00"),
                                            max_size=3), _SCALAR_VALUES, max_size=2))


@pytest.fixture(scope="module")
def conn(pg_server: str) -> Iterator[psycopg.Connection[Any]]:
    with fresh_database(pg_server, "types") as dsn, psycopg.connect(dsn, autocommit=True) as c:
        yield c


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(_VALUES, min_size=1, max_size=40))
def test_sql_validators_agree_with_the_json_schema(conn: psycopg.Connection[Any],
                                                   values: list[Any]) -> None:
    row = conn.execute(QUERY, (json.dumps(values),)).fetchone()
    assert row is not None
    for kind, verdicts in zip(SCALARS, row, strict=True):
        for value, verdict in zip(values, verdicts, strict=True):
            assert verdict == VALIDATORS[kind].is_valid(value), (kind, value, verdict)


@pytest.mark.parametrize(("kind", "valid", "invalid"), [
    ("integer", [1, 1.0, -(2**62)], [1.5, "1", True]),
    ("decimal", ["0.10", "-3"], ["1.", "1e3", "1\n", 1]),
    ("uuid", ["0e8a5c9e-7d3b-4d1a-9f8e-2c4b6a8d0e1f", "0E8A5C9E-7D3B-4D1A-9F8E-2C4B6A8D0E1F"],
     ["0e8a5c9e7d3b4d1a9f8e2c4b6a8d0e1f", "0e8a5c9e-7d3b-4d1a-9f8e-2c4b6a8d0e-f",
      "-e8a5c9e-7d3b-4d1a-9f8e-2c4b6a8d0e1f", "0e8a5c9e-7d3b-4d1a-9f8e-2c4b6a8d0e1g"]),
    ("date", ["2024-02-29", "0000-01-01"], ["2023-02-29", "2024-04-31", "2024-13-01", "2024-1-01"]),
    ("datetime", ["2024-01-01T00:00:00Z", "2016-12-31T23:59:60Z", "2017-01-01T00:59:60+01:00"],
     ["2024-01-01T00:00:60Z", "2024-01-01 00:00:00Z", "2024-01-01T00:00:00"]),
])
def test_edges_everyone_agrees_on(conn: psycopg.Connection[Any], kind: str, valid: list[Any],
                                  invalid: list[Any]) -> None:
    index = SCALARS.index(kind)  # type: ignore[arg-type]
    row = conn.execute(QUERY, (json.dumps(valid + invalid),)).fetchone()
    assert row is not None
    assert row[index] == [True] * len(valid) + [False] * len(invalid)
    assert [VALIDATORS[kind].is_valid(v) for v in valid + invalid] == row[index]  # type: ignore[index]
