"""The regular expressions a `pattern` constraint may use: a subset on which Python's `re`
(the generated Python's checks) and PostgreSQL's advanced regular expressions (the SQL
validators) give the same verdict, proven by tests/test_constraint_patterns.py on a real
PostgreSQL. docs/language.md#patterns lists it.

The subset, searched (unanchored, as JSON Schema's `pattern` is):

- a literal character: anything but `\\ ^ $ . | ? * + ( ) [ ] { }` and the control characters;
- an escaped metacharacter (`\\.`, `\\$`, `\\-`, `\\/`, ...) and `\\n`, `\\r`, `\\t`;
- a class `[...]` or `[^...]` of literal characters, escapes and ranges `a-z` (by code point);
  `[`, `]`, `\\` and `^`, `-` where they would mean something are escaped;
- `^` and `$` (start and end of the text: not of a line), groups `(...)` and `(?:...)`,
  alternation `|` (no empty alternative);
- the greedy quantifiers `*`, `+`, `?`, `{m}`, `{m,}`, `{m,n}` (m <= n <= 255) after a
  character, class or group.

Outside it (refused): `.` (Python's stops at a line break, PostgreSQL's does not), `\\d`, `\\w`,
`\\s`, `\\b` (their meaning on non-ASCII text differs), backreferences, lookarounds, lazy and
possessive quantifiers, flags, named groups and POSIX classes (`[[:alpha:]]`).

Python's `$` also matches before a final line break, so the generated Python runs
`python_form` (each `$` as `\\Z`); PostgreSQL runs the pattern as written.
"""

from __future__ import annotations

from dataclasses import dataclass

METACHARACTERS = frozenset("\\^$.|?*+()[]{}")
"""Characters with a meaning outside a class: a literal one is escaped."""
_ESCAPABLE = frozenset("\\^$.|?*+()[]{}-/&~")
"""What may follow a backslash and then stands for itself (in and out of a class)."""
_CONTROL_ESCAPES = {"n": "\n", "r": "\r", "t": "\t"}
MAX_REPEAT = 255
"""PostgreSQL's limit on a counted repetition."""


@dataclass(frozen=True)
class PatternError:
    """Why a pattern is outside the subset, and the 0-based character offset where."""

    position: int
    reason: str


class _Refused(Exception):
    def __init__(self, position: int, reason: str) -> None:
        super().__init__(reason)
        self.error = PatternError(position, reason)


class _Parser:
    """A recursive descent over the subset's grammar (never a regex engine's own parser:
    what each engine would accept differs, which is what the subset avoids)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        self.dollars: list[int] = []

    def peek(self) -> str | None:
        return self.text[self.at] if self.at < len(self.text) else None

    def refuse(self, reason: str, position: int | None = None) -> _Refused:
        return _Refused(self.at if position is None else position, reason)

    def alternation(self, depth: int) -> None:
        start = self.at
        self.sequence()
        if self.at == start and self.peek() in ("|", ")", None) and (
                self.peek() == "|" or start > 0 and self.text[start - 1] == "|"):
            raise self.refuse("an empty alternative (write the other side optional with ?)")
        while self.peek() == "|":
            self.at += 1
            if self.peek() in ("|", ")", None):
                raise self.refuse("an empty alternative (write the other side optional with ?)")
            self.sequence()
        if self.peek() == ")" and depth == 0:
            raise self.refuse("`)` without its `(` (escape it: `\\)`)")

    def sequence(self) -> None:
        while (char := self.peek()) is not None and char not in "|)":
            quantifiable = self.atom()
            self.quantifier(quantifiable)

    def atom(self) -> bool:
        """One atom; whether a quantifier may follow it."""
        char = self.peek()
        position = self.at
        if char == "(":
            self.at += 1
            if self.text.startswith("?:", self.at):
                self.at += 2
            elif self.peek() == "?":
                raise self.refuse("only plain groups `(...)` and `(?:...)`: no lookaround, "
                                  "named group or flag")
            if self.peek() == ")":
                raise self.refuse("an empty group")
            self.alternation(1)
            if self.peek() != ")":
                raise self.refuse("`(` without its `)`", position)
            self.at += 1
            return True
        if char == "[":
            self.bracket()
            return True
        if char in ("^", "$"):
            if char == "$":
                self.dollars.append(self.at)
            self.at += 1
            return False
        if char == "\\":
            self.escape(in_class=False)
            return True
        if char == ".":
            raise self.refuse("`.` is not in the subset (Python's stops at a line break, "
                              "PostgreSQL's does not): write a class, e.g. [^\\n], or `\\.` "
                              "for a dot")
        if char in ("*", "+", "?", "{"):
            raise self.refuse(f"`{char}` repeats nothing (escape it: `\\{char}`)")
        if char in ("]", "}"):
            raise self.refuse(f"a literal `{char}` is escaped: `\\{char}`")
        assert char is not None
        self.literal(char)
        self.at += 1
        return True

    def literal(self, char: str) -> None:
        if ord(char) < 0x20 or ord(char) == 0x7F:
            raise self.refuse("a control character (write \\n, \\r or \\t)")

    def escape(self, in_class: bool) -> str:
        """The character an escape stands for."""
        self.at += 1
        char = self.peek()
        if char is None:
            raise self.refuse("a pattern cannot end in a backslash", self.at - 1)
        self.at += 1
        if char in _ESCAPABLE:
            return char
        if char in _CONTROL_ESCAPES:
            return _CONTROL_ESCAPES[char]
        where = " in a class" if in_class else ""
        if char in "dwsDWS":
            raise self.refuse(f"`\\{char}`{where} is not in the subset (its meaning on "
                              "non-ASCII text differs between Python and PostgreSQL): write "
                              "the class, e.g. [0-9]", self.at - 2)
        if char.isdigit():
            raise self.refuse("backreferences are not in the subset", self.at - 2)
        raise self.refuse(f"`\\{char}`{where} is not in the subset", self.at - 2)

    def bracket(self) -> None:
        start = self.at
        self.at += 1
        if self.peek() == "^":
            self.at += 1
        count = 0
        while True:
            char = self.peek()
            if char is None:
                raise self.refuse("`[` without its `]`", start)
            if char == "]":
                if count == 0:
                    raise self.refuse("an empty class (a literal `]` is escaped: `\\]`)")
                self.at += 1
                return
            low = self.class_char(count == 0)
            if self.peek() == "-" and self.text[self.at + 1:self.at + 2] not in ("]", ""):
                dash = self.at
                self.at += 1
                high = self.class_char(False)
                if ord(high) < ord(low):
                    raise self.refuse(f"the range {low}-{high} runs backwards", dash)
            count += 1

    def class_char(self, first: bool) -> str:
        char = self.peek()
        assert char is not None
        if char == "\\":
            return self.escape(in_class=True)
        if char == "[":
            raise self.refuse("a `[` in a class is escaped: `\\[` (POSIX classes such as "
                              "[:alpha:] are not in the subset)")
        if char == "-" and not first and self.text[self.at + 1:self.at + 2] != "]":
            raise self.refuse("a literal `-` in a class is escaped (`\\-`) or put last")
        if char == "^" and first:
            raise self.refuse("a literal `^` first in a class is escaped: `\\^`")
        if char in "&~|" and self.text[self.at + 1:self.at + 2] == char:
            raise self.refuse(f"a doubled `{char}` in a class is escaped (`\\{char}`): Python "
                              "reserves it for set operations")
        self.literal(char)
        self.at += 1
        return char

    def quantifier(self, quantifiable: bool) -> None:
        char = self.peek()
        if char not in ("*", "+", "?", "{"):
            return
        if not quantifiable:
            raise self.refuse(f"`{char}` after an anchor repeats nothing")
        if char == "{":
            self.counted()
        else:
            self.at += 1
        if self.peek() in ("?", "+"):
            raise self.refuse("lazy and possessive quantifiers are not in the subset")
        if self.peek() in ("*", "{"):
            raise self.refuse("a quantifier cannot follow a quantifier (group the first)")

    def counted(self) -> None:
        start = self.at
        close = self.text.find("}", start)
        body = self.text[start + 1:close] if close > 0 else ""
        low, comma, high = body.partition(",")
        if close < 0 or not low.isascii() or not low.isdigit() or (
                high and not (high.isascii() and high.isdigit())):
            raise self.refuse("a `{` starts a count {m}, {m,} or {m,n} (escape a literal "
                              "one: `\\{`)", start)
        m = int(low)
        n = int(high) if high else m if not comma else None
        if m > MAX_REPEAT or (n is not None and n > MAX_REPEAT):
            raise self.refuse(f"a count is at most {MAX_REPEAT} (PostgreSQL's limit)", start)
        if n is not None and n < m:
            raise self.refuse(f"the count {{{body}}} has its maximum below its minimum", start)
        self.at = close + 1


def pattern_error(text: str) -> PatternError | None:
    """Why `text` is outside the subset (None: it is in it)."""
    parser = _Parser(text)
    try:
        parser.alternation(0)
    except _Refused as refused:
        return refused.error
    return None


def python_form(text: str) -> str:
    """The pattern as the generated Python runs it (with `re.search`): each `$` anchor as
    `\\Z`, the end of the text (Python's `$` also matches before a final line break). `text`
    is in the subset."""
    parser = _Parser(text)
    parser.alternation(0)
    result = list(text)
    for at in parser.dollars:
        result[at] = "\\Z"
    return "".join(result)
