"""`join {from, into, separator}`.

The string sources, in order, joined by the separator; absent and null sources are skipped (as
SQL's `concat_ws` skips NULL). The sources are removed and `into` written. Nothing changes when no
source is a string, or when any source holds something else than a string or null.
"""

from __future__ import annotations

from escodegen.model import FieldType
from escodegen.model.ops import Join
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


def parse(args: Arguments) -> Join:
    return Join(args.paths("from"), args.path("into"), args.values.get("separator", " "),
                span=args.span)


def shape(op: Join, shape: PayloadShape, step: Step) -> bool:
    slots = [step.read(shape, op, source) for source in op.sources]
    if any(slot is None for slot in slots):
        return True
    for source, slot in zip(op.sources, slots):
        assert slot is not None
        if not step.is_text(op, source, slot):
            return True
    required = any(shape.required_all_the_way(source) for source in op.sources)
    for source in op.sources:
        shape.delete(source)
    if step.free(shape, op, op.into):
        shape.set(op.into, Shape(FieldType("string"), required, produced_by=describe(op)))
    return True


def meaning(op: Join) -> Meaning:
    return Derives(op.sources, (op.into,), "joined into")


def summary(op: Join) -> str:
    return (f"join {', '.join(dotted(p) for p in op.sources)} -> {dotted(op.into)} "
            f"(separator {op.separator!r})")


def python(op: Join) -> list[str]:
    writes = [py_delete(source) for source in op.sources]
    sources = ", ".join(py_get(source) for source in op.sources)
    return [f"sources = [{sources}]",
            "texts = [value for value in sources if value is not None]",
            "if texts and all(isinstance(value, str) for value in texts):",
            *indent([*writes, py_set(op.into, f"{py_str(op.separator)}.join(texts)")])]


def sql(op: Join, data: str) -> str:
    types = [paths.type_of(data, source) for source in op.sources]
    only_strings = " AND ".join(f"COALESCE({t}, 'null') IN ('string', 'null')" for t in types)
    some_string = " OR ".join(f"{t} = 'string'" for t in types)
    # concat_ws is STABLE: every present text is prefixed by the separator, then the first
    # separator is cut off (there is one: some source is a string).
    sep = literal(op.separator)
    prefixed = " || ".join(f"COALESCE({sep} || {paths.get_text(data, source)}, '')"
                           for source in op.sources)
    removed = data
    for source in op.sources:
        removed = paths.delete(removed, source)
    joined = paths.set_(removed, op.into,
                        paths.string(f"substr({prefixed}, length({sep}) + 1)"))
    return f"(CASE WHEN ({only_strings}) AND ({some_string}) THEN {joined} ELSE {data} END)"


_NAME = "{join: {from: [firstName, lastName], into: name, separator: \" \"}}"

JOIN = Operation(
    name="join", type=Join, parse=parse,
    paths=lambda op: Paths(reads=op.sources, writes=(*op.sources, op.into)), shape=shape,
    loses="where one source ended and the next began, when a source contains the separator, "
          "and which sources were absent or null",
    meaning=meaning, summary=summary, python=python, sql=sql,
    docs=Docs("`join {from, into, separator}`", """The sources that hold **strings**, in the order given, joined with the separator (default
`" "`, may be `""`). **Absent and null sources are skipped** (no doubled separator). The sources
are removed and the result written to `into`.

```yaml
upcast:
  - join: {from: [firstName, lastName], into: name, separator: " "}
```

| before | after |
|---|---|
| `{"firstName": "Ada", "lastName": "Lovelace"}` | `{"name": "Ada Lovelace"}` |
| `{"firstName": "Cher", "lastName": ""}` | `{"name": "Cher "}` (an empty string is a string) |
| `{"firstName": "Cher", "lastName": null}` | `{"name": "Cher"}` |
| `{"firstName": "Cher"}` | `{"name": "Cher"}` |
| `{}` or all null | unchanged (nothing to join) |
| `{"firstName": "x", "lastName": 5}` | unchanged (a source holds a non-string) |

Check: every source must exist (ES311) and be string-like (ES315); `into` must not exist yet,
except as one of the sources (ES303). The result is `string`, required when any source was.

Python: `sep.join(v for v in values if v is not None)`. SQL: each present text prefixed by the
separator, concatenated with `||`, the first separator cut off with `substr` (the same as
`concat_ws`, which is only STABLE and would stop PostgreSQL from inlining the function).
""", (
        Example(_NAME, {"firstName": "Ada", "lastName": "Lovelace"}, {"name": "Ada Lovelace"}),
        Example(_NAME, {"firstName": "Cher", "lastName": ""}, {"name": "Cher "}),
        Example(_NAME, {"firstName": "Cher", "lastName": None}, {"name": "Cher"}),
        Example(_NAME, {"firstName": "Cher"}, {"name": "Cher"}),
        Example(_NAME, {"firstName": None}, {"firstName": None}),
        Example(_NAME, {"firstName": "x", "lastName": 5}, {"firstName": "x", "lastName": 5}),
    )),
)
