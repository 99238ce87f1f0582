"""`split {from, into, separator}`.

A string source is cut at the separator (plain text, never a pattern): each `into` field but the
last gets the part before the next separator, the last gets all the rest, missing parts are the
empty string, and the source is removed. Python: `text.partition(sep)` for two parts, else `text.split(sep, n - 1)`; SQL: `split_part` for
the first parts and `substr` after them for the rest.
A source that is absent, null or not a string leaves the payload unchanged.
"""

from __future__ import annotations

from escodegen.model import FieldType
from escodegen.model.ops import Split
from escodegen.model.shape import Shape
from escodegen.pytext import py_str
from escodegen.sqltext import literal
from escodegen.upcast import paths
from escodegen.upcast.operations.base import (
    Arguments,
    Derives,
    Docs,
    Example,
    Meaning,
    Operation,
    Paths,
    Step,
    describe,
    indent,
    py_delete,
    py_get,
    py_set,
)
from escodegen.upcast.shape import PayloadShape, dotted


def parse(args: Arguments) -> Split:
    return Split(args.path("from"), args.paths("into"), args.values.get("separator", " "),
                 span=args.span)


def shape(op: Split, shape: PayloadShape, step: Step) -> bool:
    slot = step.read(shape, op, op.source)
    if slot is None or not step.is_text(op, op.source, slot):
        return True
    required = shape.required_all_the_way(op.source)
    shape.delete(op.source)
    for target in op.into:
        if step.free(shape, op, target):
            shape.set(target, Shape(FieldType("string"), required, produced_by=describe(op)))
    return True


def meaning(op: Split) -> Meaning:
    return Derives((op.source,), op.into, "split into")


def summary(op: Split) -> str:
    return (f"split {dotted(op.source)} -> {', '.join(dotted(p) for p in op.into)} "
            f"(separator {op.separator!r})")


def python(op: Split) -> list[str]:
    count = len(op.into)
    remove = (f"del d[{py_str(op.source[0])}]" if len(op.source) == 1
              else py_delete(op.source))
    if count == 2:  # partition: the same cut as split(sep, 1), and '' when there is none
        cut = [f"first, _, rest = text.partition({py_str(op.separator)})",
               py_set(op.into[0], "first"), py_set(op.into[1], "rest")]
    else:
        cut = [f"parts = text.split({py_str(op.separator)}, {count - 1})",
               f'parts += [""] * ({count} - len(parts))',
               *(py_set(target, f"parts[{i}]") for i, target in enumerate(op.into))]
    return [f"text = {py_get(op.source)}",
            "if isinstance(text, str):",
            *indent([remove, *cut])]


def sql(op: Split, data: str) -> str:
    text, sep, count = paths.get_text(data, op.source), literal(op.separator), len(op.into)
    parts = [f"split_part({text}, {sep}, {i})" for i in range(1, count)]
    # The rest starts after the first count-1 parts and their separators, if there are that
    # many separators (string_to_array cuts where split_part does).
    if count == 2:
        rest = (f"(CASE WHEN strpos({text}, {sep}) > 0 "
                f"THEN substr({text}, strpos({text}, {sep}) + length({sep})) ELSE '' END)")
    else:
        before = " + ".join(f"length({part})" for part in parts)
        rest = (f"(CASE WHEN cardinality(string_to_array({text}, {sep})) >= {count} "
                f"THEN substr({text}, {before} + {count - 1} * length({sep}) + 1) ELSE '' END)")
    writes = list(zip(op.into, [*parts, rest]))
    split = paths.set_strings(paths.delete(data, op.source), writes)
    return (f"(CASE WHEN {paths.type_of(data, op.source)} = 'string' "
            f"THEN {split} ELSE {data} END)")


_NAME = "{split: {from: name, into: [firstName, lastName], separator: \" \"}}"

SPLIT = Operation(
    name="split", type=Split, parse=parse,
    paths=lambda op: Paths(reads=(op.source,), writes=(op.source, *op.into)), shape=shape,
    loses="nothing: the parts and separators make up the source", meaning=meaning,
    summary=summary, python=python, sql=sql,
    docs=Docs("`split {from, into, separator}`", """A string is cut at the separator (default `" "`, plain text of one or more characters, never a
pattern). With `n` names in `into`: each of the first `n-1` gets the text up to the next
separator, the last gets **all the rest** (separators included); missing parts are the empty
string. The source is removed. Exactly Python's `text.split(separator, n - 1)`, padded with `""`.

```yaml
upcast:
  - split: {from: name, into: [firstName, lastName], separator: " "}
```

| `name` | `firstName` | `lastName` |
|---|---|---|
| `"Ada Lovelace"` | `"Ada"` | `"Lovelace"` |
| `"Cher"` | `"Cher"` | `""` |
| `"Jean Paul  Sartre"` | `"Jean"` | `"Paul  Sartre"` |
| `""` | `""` | `""` |
| `" Ada"` | `""` | `"Ada"` |
| `"Zoë Ünal"` | `"Zoë"` | `"Ünal"` |

With `separator: "*"`, `"a*b*c"` gives `"a"` and `"b*c"` (the `*` is not a pattern).
With three names and `" "`, `"a b c d"` gives `"a"`, `"b"`, `"c d"`.

* absent, null, or not a string (number, boolean, object, array): **nothing changes** (the
  source stays, no target is written).
* Nested paths: the source is deleted where it is; targets are written only into existing
  objects ([paths](paths.md)).

Check: the source must exist (ES311) and be string-like (`string`, `enum`, `uuid`, `date`,
`datetime`; otherwise ES315); targets must not exist yet (ES303) except the source itself;
every target is `string`, required when the source was.

Why both languages agree, the case where hand-written pairs drift: Python uses
`text.partition(sep)` (two parts) or `text.split(sep, n - 1)`; SQL uses `split_part` for the
first parts and `substr` after the first `n-1` separators (found by `strpos`, or by counting the
pieces of `string_to_array`) for the rest. `split_part`, `strpos` and `string_to_array` all cut
at the leftmost non-overlapping occurrences of the exact text, as `str.split` does; a regex
(`regexp_replace(name, '^[^ ]+ ', '')`) would not, and gives `"Cher"` as the last name of Cher.
""", (
        Example(_NAME, {"name": "Ada Lovelace", "x": 1},
                {"firstName": "Ada", "lastName": "Lovelace", "x": 1}),
        Example(_NAME, {"name": "Cher"}, {"firstName": "Cher", "lastName": ""}),
        Example(_NAME, {"name": "Jean Paul  Sartre"},
                {"firstName": "Jean", "lastName": "Paul  Sartre"}),
        Example(_NAME, {"name": ""}, {"firstName": "", "lastName": ""}),
        Example(_NAME, {"name": " Ada"}, {"firstName": "", "lastName": "Ada"}),
        Example(_NAME, {"name": "Zoë Ünal"}, {"firstName": "Zoë", "lastName": "Ünal"}),
        Example(_NAME, {"name": None}, {"name": None}),
        Example(_NAME, {"name": 5}, {"name": 5}),
        Example("{split: {from: code, into: [a, b], separator: \"*\"}}", {"code": "a*b*c"},
                {"a": "a", "b": "b*c"}),
        Example("{split: {from: code, into: [a, b, c]}}", {"code": "a b c d"},
                {"a": "a", "b": "b", "c": "c d"}),
    )),
)
