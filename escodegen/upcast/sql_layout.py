"""How the generated upcast SQL is laid out: lowercase keywords, like every other generated SQL
file, and a long expression pretty-printed, where that changes nothing but its layout.

sqlglot does the SQL work, never a regular expression: its tokenizer (PostgreSQL dialect) finds
the words to lowercase, so a quoted identifier, a string literal or a dollar-quoted body is
never touched; its generator (`pretty=True`) lays out a long expression, and that layout is
used only when it parses to the same tree as the one-line form and holds exactly the same
quoted tokens. Quoting stays the business of escodegen/sqltext.py alone: where sqlglot would
re-quote, unquote or rewrite anything (`interval '1 day'` as `INTERVAL '1 DAY'`, a `to_char`
format, an array subscript shifted to its own dialect's base), the one-line form stays.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from typing import Any, ClassVar

WIDTH = 100
"""The longest line an expression stays on in one piece (counting what precedes it)."""

_ARGUMENT_WIDTHS = (80, 60, 40, 20)
"""The widths of a call's arguments sqlglot is asked to keep on one line, widest first (80:
its own default)."""

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*(?:\s+[A-Za-z_][A-Za-z0-9_$]*)*\Z")
"""A token that is only unquoted words: a keyword (`case`, `is not`), a type or a name."""


def lowercase_keywords(sql: str) -> str:
    """`sql` with its keywords, and its unquoted names (which PostgreSQL folds to lowercase
    anyway), in lowercase; everything quoted exactly as it was."""
    if sql == sql.lower():
        return sql  # nothing to lowercase: spare the tokenizer
    return _read(sql)[1]


def layout(expression: str, column: int = 0) -> str:
    """The expression in lowercase, on one line when it fits from `column` within `WIDTH`,
    else pretty-printed (its lines after the first indented from column 0) if that is safe."""
    if column + len(expression) <= WIDTH:  # lowercasing keeps the length: ASCII words only
        return lowercase_keywords(expression)
    tokens, one_line, quoted = _read(expression)
    return _pretty(expression, tokens, quoted) or one_line


def _read(sql: str) -> tuple[list[Any], str, Counter[str]]:
    """sqlglot's tokens of `sql`, `sql` lowercased, and its quoted tokens as written: string
    literals, quoted names, dollar-quoted text."""
    tokens = _tokenizer().tokenize(sql)
    quoted_types = _quoted_types()
    parts: list[str] = []
    quoted: Counter[str] = Counter()
    done = 0
    for token in tokens:
        written = sql[token.start:token.end + 1]
        if token.token_type in quoted_types:
            quoted[written] += 1
        elif _WORD.match(written):
            parts += [sql[done:token.start], written.lower()]
            done = token.end + 1
    parts.append(sql[done:])
    return tokens, "".join(parts), quoted


def nested_calls(functions: list[str], column: int = 0) -> str:
    """`f3(f2(f1(data)))` for `functions` [f1, f2, f3] (quoted names: nothing to lowercase), on
    one line when it fits from `column`, else one call a line, each inside the one above. Laid
    out here, from the names: through `layout` (a parse, a print and a parse back each) these
    calls were most of the time a large project's upcasters took to generate."""
    one_line = "data"
    for function in functions:
        one_line = f"{function}({one_line})"
    if column + len(one_line) <= WIDTH:
        return one_line
    outermost_first = functions[::-1]
    lines = [f"{'  ' * depth}{function}(" for depth, function in enumerate(outermost_first)]
    return "\n".join(lines) + "data" + ")" * len(functions)


def _pretty(expression: str, tokens: list[Any], quoted: Counter[str]) -> str | None:
    """sqlglot's pretty layout of the expression (read as `tokens`), in lowercase; None unless
    it parses to the same tree and holds the same `quoted` tokens (no literal or quoted name
    re-quoted, unquoted or rewritten)."""
    from sqlglot.dialects.postgres import Postgres
    from sqlglot.errors import ErrorLevel, SqlglotError

    postgres = Postgres()
    try:
        (tree,) = postgres.parser().parse(tokens, expression)
        # sqlglot breaks a call's arguments by their own length, not by how deep the call
        # sits: a deeply nested expression (a `variant` op's inner operations) is laid out
        # again with narrower arguments until its lines fit
        for argument_width in _ARGUMENT_WIDTHS:
            generator = _generator()(pretty=True, normalize_functions="lower",
                                     unsupported_level=ErrorLevel.RAISE,
                                     max_text_width=argument_width)
            pretty = generator.generate(tree)
            if max(map(len, pretty.splitlines())) <= WIDTH:
                break
        pretty_tokens, lowercase, pretty_quoted = _read(pretty)
        (again,) = postgres.parser().parse(pretty_tokens, pretty)
    except (SqlglotError, ValueError):  # ValueError: not exactly one expression
        return None
    return lowercase if tree is not None and again == tree and pretty_quoted == quoted else None


def _tokenizer() -> Any:
    """A tokenizer of its own for each text (sqlglot's keeps the text being read)."""
    from sqlglot.dialects.postgres import Postgres

    return Postgres.Tokenizer()


@cache
def _quoted_types() -> frozenset[Any]:
    from sqlglot.tokens import TokenType

    return frozenset({TokenType.STRING, TokenType.IDENTIFIER, TokenType.HEREDOC_STRING,
                      TokenType.NATIONAL_STRING, TokenType.BIT_STRING, TokenType.HEX_STRING,
                      TokenType.BYTE_STRING, TokenType.RAW_STRING, TokenType.NATIONAL_RAW_STRING,
                      TokenType.UNICODE_STRING})


@cache
def _generator() -> Any:
    from sqlglot import exp
    from sqlglot.dialects.postgres import Postgres

    postgres: Any = Postgres.Generator

    class Generator(postgres):  # type: ignore[misc]
        """sqlglot's PostgreSQL generator, laying out what escodegen writes a little closer to
        how it writes it: `substr` and `strpos` stay calls (not `substring(x from n)`, which
        sqlglot never breaks), a long `||` or `+` chain breaks before each operator, and a
        parenthesised expression that fits on one line stays there (sqlglot's own always
        takes three)."""

        TRANSFORMS: ClassVar[dict[Any, Any]] = {
            **postgres.TRANSFORMS,
            exp.Substring: lambda self, e: self.func(
                "substr", e.this, e.args.get("start"), e.args.get("length")),
            exp.StrPosition: lambda self, e: self.func("strpos", e.this, e.args.get("substr")),
        }

        def paren_sql(self, expression: Any) -> str:
            inner = self.sql(expression, "this")
            if "\n" in inner:  # sqlglot's own layout, of `inner` (generated once, not twice
                # a level: nested parentheses would take exponential time)
                return f"({self.seg(self.indent(inner), sep='')}{self.seg(')', sep='')}"
            return f"({inner})"

        def dpipe_sql(self, expression: Any) -> str:
            return self._chain(expression, str(super().dpipe_sql(expression)), "||")

        def add_sql(self, expression: Any) -> str:
            return self._chain(expression, str(super().add_sql(expression)), "+")

        def _chain(self, expression: Any, one_line: str, operator: str) -> str:
            if not self.pretty or len(one_line) <= self.max_text_width or "\n" in one_line:
                return one_line
            operands = expression.flatten(unnest=False)
            return f"\n{operator} ".join(self.sql(operand) for operand in operands)

    return Generator
