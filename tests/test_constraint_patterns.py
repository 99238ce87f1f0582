"""The pattern subset (escodegen.model.patterns): on every pattern of it and any text, Python's
`re.search` of `python_form` and PostgreSQL's `~` of the pattern as written agree, on a real
PostgreSQL; what is outside the subset is refused with the position of the first offence. The
formats (escodegen.model.constraints.FORMATS) are patterns of the subset."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devtools.postgres import fresh_database
from escodegen.model.constraints import FORMATS
from escodegen.model.patterns import pattern_error, python_form

# Characters of patterns and texts: ASCII, Latin letters with case and width quirks, CJK,
# an astral character, and the line breaks where engines differ most.
_CHARS = ["a", "b", "Z", "0", "9", " ", "-", "_", "é", "É", "ß", "İ", "ı", "日", "😀", "\n",
          "\r", "\t", "\u2028", "٣", "ａ"]
_METAS = [".", "$", "^", "(", ")", "[", "]", "{", "}", "|", "?", "*", "+", "\\", "-", "/"]
_LITERALS = st.one_of(st.sampled_from([c for c in _CHARS if c not in "\n\r\t"]),
                      st.sampled_from(_METAS).map(lambda c: "\\" + c),
                      st.sampled_from(["\\n", "\\r", "\\t"]))
_CLASS_CHARS = st.one_of(st.sampled_from([c for c in _CHARS if c not in "\n\r\t-"]),
                         st.sampled_from(["\\]", "\\[", "\\\\", "\\^", "\\-", "\\n", "\\t",
                                          "\\&", "\\~", "|", "&", "~"]))
_ENDS = [c for c in _CHARS if c != "-"] + ["~", "&"]
_RANGE = st.tuples(st.sampled_from(_ENDS), st.sampled_from(_ENDS)).map(
    lambda pair: "-".join(sorted(pair, key=ord)))


def _unescaped(item: str) -> str:
    return item.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


_DOUBLED = re.compile(r"(?<!\\)([&~|])\1")
"""A doubled set operator, refused in a class (tested below)."""
_CLASS = st.builds(lambda negated, items: "[" + ("^" if negated else "") + "".join(items) + "]",
                   st.booleans(),
                   st.lists(st.one_of(_CLASS_CHARS, _RANGE.map(_unescaped)), min_size=1,
                            max_size=3)).filter(lambda c: _DOUBLED.search(c) is None)
_QUANTIFIER = st.one_of(st.just(""), st.sampled_from(["*", "+", "?"]),
                        st.integers(0, 3).map(lambda m: f"{{{m}}}"),
                        st.integers(0, 3).map(lambda m: f"{{{m},}}"),
                        st.tuples(st.integers(0, 3), st.integers(0, 3)).map(
                            lambda mn: f"{{{min(mn)},{max(mn)}}}"))


def _patterns() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        group = st.builds(lambda open_, body: open_ + body + ")",
                          st.sampled_from(["(", "(?:"]), inner)
        quantified = st.builds(str.__add__, st.one_of(group, _LITERALS, _CLASS), _QUANTIFIER)
        sequence = st.lists(st.one_of(quantified, st.sampled_from(["^", "$"])),
                            min_size=1, max_size=4).map("".join)
        return st.lists(sequence, min_size=1, max_size=3).map("|".join)

    atom = st.builds(str.__add__, st.one_of(_LITERALS, _CLASS), _QUANTIFIER)
    return st.recursive(atom, extend, max_leaves=6)


_TEXTS = st.one_of(st.text(st.sampled_from(_CHARS + ["$", ".", "(", "[", "\\", "~"]),
                           max_size=8), st.just(""))


@pytest.fixture(scope="module")
def conn(pg_server: str) -> Iterator[psycopg.Connection[Any]]:
    with fresh_database(pg_server, "patterns") as dsn, psycopg.connect(dsn, autocommit=True) as c:
        yield c


def _agree(conn: psycopg.Connection[Any], pattern: str, texts: list[str]) -> None:
    assert pattern_error(pattern) is None, (pattern, pattern_error(pattern))
    row = conn.execute("select array_agg(t.v ~ %s order by t.i) from "
                       "jsonb_array_elements_text(%s::jsonb) with ordinality as t(v, i)",
                       (pattern, json.dumps(texts))).fetchone()
    assert row is not None
    compiled = re.compile(python_form(pattern))
    python = [compiled.search(text) is not None for text in texts]
    assert row[0] == python, (pattern, texts)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pattern=_patterns(), texts=st.lists(_TEXTS, min_size=1, max_size=12))
def test_python_and_postgresql_agree_on_the_subset(conn: psycopg.Connection[Any], pattern: str,
                                                   texts: list[str]) -> None:
    _agree(conn, pattern, texts)


@pytest.mark.parametrize(("pattern", "texts"), [
    ("^[A-Z]{3}$", ["EUR", "EUR\n", "eur", "EURO", ""]),
    ("a$", ["a", "a\n", "ba", "a\nb"]),
    ("^b", ["b", "ab", "a\nb"]),
    ("[^a]", ["\n", "a", "é"]),
    ("[a-é]+", ["b", "è", "ê", "\n"]),
    ("(?:ab|c){2}", ["abc", "cc", "ab"]),
    ("\\$\\.\\(", ["$.(", "$x("]),
])
def test_edges(conn: psycopg.Connection[Any], pattern: str, texts: list[str]) -> None:
    _agree(conn, pattern, texts)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(st.one_of(
    _TEXTS, st.emails(), st.ip_addresses().map(str), st.from_regex(r"[a-z0-9.:-]{1,20}", fullmatch=True),
    st.sampled_from(["a@b", "a@b.c", "x@-a.com", "1.2.3.4", "01.2.3.4", "256.1.1.1", "::",
                     "::1", "1::", "fe80::1%eth0", "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8:9",
                     "http://example.com/a?b#c", "urn:isbn:1", "a b:c", "-a.com", "a-.com",
                     "a" * 64 + ".com", "example.com."])), min_size=1, max_size=20))
def test_formats_agree(conn: psycopg.Connection[Any], texts: list[str]) -> None:
    for form in FORMATS.values():
        _agree(conn, form.pattern, texts)


@pytest.mark.parametrize(("pattern", "position", "words"), [
    ("a.b", 1, "`.` is not in the subset"),
    ("\\d+", 0, "`\\d`"),
    ("[\\w]", 1, "`\\w` in a class"),
    ("(a)\\1", 3, "backreferences"),
    ("(?=a)", 1, "lookaround"),
    ("(?i)a", 1, "flag"),
    ("(?P<x>a)", 1, "named group"),
    ("a*?", 2, "lazy"),
    ("a++", 2, "possessive"),
    ("[[:alpha:]]", 1, "POSIX"),
    ("a{2,1}", 1, "maximum below its minimum"),
    ("a{256}", 1, "at most 255"),
    ("a{", 1, "a `{` starts a count"),
    ("a|", 2, "empty alternative"),
    ("()", 1, "empty group"),
    ("(a", 0, "without its `)`"),
    ("a)", 1, "without its `(`"),
    ("[a", 0, "without its `]`"),
    ("[]a]", 1, "empty class"),
    ("[z-a]", 2, "runs backwards"),
    ("*a", 0, "repeats nothing"),
    ("^*", 1, "after an anchor"),
    ("a\\", 1, "backslash"),
    ("a\x01", 1, "control character"),
    ("}", 0, "escaped"),
    ("[a&&b]", 2, "doubled"),
])
def test_outside_the_subset_is_refused_where_it_starts(pattern: str, position: int,
                                                       words: str) -> None:
    error = pattern_error(pattern)
    assert error is not None
    assert (error.position, words in error.reason) == (position, True), error


def test_python_form_anchors_at_the_end_of_the_text() -> None:
    assert python_form("^a$|[$]\\$") == "^a\\Z|[$]\\$"
    assert re.search(python_form("a$"), "a\n") is None
