"""`custom {python: "module:function", sql: "<jsonb expression over data>"}`

The project supplies both renderings. The generator checks that `python` is a dotted path to a
function and that `sql` is one SQL expression (parsed by sqlglot, and emitted as sqlglot renders
it back, so what runs is what was checked). `escodegen verify-upcasters` proves the two agree.
"""

from __future__ import annotations

import keyword
import re
from typing import Any

from escodegen.diagnostics import Report, Span
from escodegen.model.naming import IDENTIFIER
from escodegen.model.ops import Custom
from escodegen.upcast.operations.base import (
    Arguments,
    Declares,
    Docs,
    Example,
    Meaning,
    Opaque,
    Operation,
    Paths,
    Step,
    describe,
)
from escodegen.upcast.shape import PayloadShape

_NAME = IDENTIFIER.pattern
_PYTHON_PATH = re.compile(rf"({_NAME}(?:\.{_NAME})*):({_NAME})")


def parse(args: Arguments) -> Custom | None:
    values = args.values
    sql_span = args.value_span("sql") if args.value_span is not None else args.span
    checked = check_custom(values["python"], values["sql"], args.span, args.report, sql_span)
    if checked is None:
        return None
    sql, user_functions = checked
    changes = args.paths("changes") if "changes" in values else None
    return Custom(values["python"], sql, changes, user_functions, sql_span, span=args.span)


def shape(op: Custom, shape: PayloadShape, step: Step) -> bool:
    return False  # what a custom function produces is known only by running it


def paths(op: Custom) -> Paths:
    """What it declares it changes (nothing is known without `changes`)."""
    return Paths(reads=op.changes or (), writes=op.changes or ())


def meaning(op: Custom) -> Meaning:
    return Opaque(op.python_path) if op.changes is None else Declares(op.changes)


def python(op: Custom) -> list[str]:
    return [f"d = {op.python_name}(d)"]


def sql(op: Custom, data: str) -> str:
    # The expression reads the column `data`: it is emitted only as the whole body of a
    # function whose parameter is `data` (escodegen/upcast/sql_module.py).
    if data != "data":
        raise ValueError("custom SQL must be the body of a function of `data`")
    return f"({op.sql_expression})"


_PHONE = ("{custom: {python: \"upcasts:normalise_phone\", changes: [phone], sql: \"jsonb_set(data, "
          "'{phone}', jsonb_object(ARRAY['p'], ARRAY[regexp_replace(data ->> 'phone', "
          "'[^0-9+]', '', 'g')]) -> 'p')\"}}")
_PHONE_PYTHON = (
    "import re\n\n\n"
    "def normalise_phone(d):\n"
    "    d[\"phone\"] = re.sub(r\"[^0-9+]\", \"\", d[\"phone\"])\n"
    "    return d\n")

CUSTOM = Operation(
    name="custom", type=Custom, parse=parse, paths=paths, shape=shape,
    loses="whatever its functions drop (only running it shows)", meaning=meaning,
    summary=describe, python=python, sql=sql,
    docs=Docs("`custom {python, sql, changes?}`", """For what the other operations cannot say. You give both renderings:

```yaml
upcast:
  - custom:
      python: "shop.upcasts:normalise_phone"   # package.module:function
      sql: "jsonb_set(data, '{phone}', jsonb_object(ARRAY['p'], ARRAY[regexp_replace(data ->> 'phone', '[^0-9+]', '', 'g')]) -> 'p')"
      changes: [phone]                          # the fields it adds, removes or changes
```

* `python` is `package.module:function` of identifiers (ES314 otherwise). The generated module
  imports it with `importlib` when it is loaded; the function gets the payload dict (a copy the
  upcaster owns: it may change and return it) and returns the new payload.
* `sql` is **one** jsonb expression over the column `data`. escodegen parses it with sqlglot
  and rejects several statements, DDL, DML, commands, queries and subqueries, table references
  and `OPERATOR(...)` (ES314); the expression is emitted as sqlglot renders it back, so what runs
  is what was checked. It becomes the whole body of its own IMMUTABLE function
  `upcast_<event>_v<N>_op<k>(data jsonb)`.
* It may call **only immutable functions** (ES316, at the position of the `sql:` value):
  - built-ins on escodegen's list (`escodegen/upcast/immutable_builtins.py`: every pg_catalog
    function name of PostgreSQL 18 with an immutable overload and no volatile one). Refused
    are, among others, `set_config`, `pg_read_file`, `lo_export`, `query_to_xml`, `pg_sleep`,
    `random`, `now()`/`CURRENT_TIMESTAMP`, and the STABLE `to_jsonb`, `jsonb_build_object`,
    `format`, `concat`: use `jsonb_object(ARRAY['k'], ARRAY[text]) -> 'k'` for a jsonb string,
    `'true'::jsonb` for a constant. Casts to types other than built-ins are refused too;
  - functions of your own schema, **schema-qualified** (`mine.fix_phone(data)`): the upcasters
    are created under `search_path = pg_catalog, pg_temp`, so an unqualified name finds only
    built-ins. escodegen cannot see their volatility without a database: with `--dsn`
    (`verify-upcasters`, `migrate events`, `migrate purge`) every overload of the name must be
    `IMMUTABLE` in `pg_proc`, else ES316 and nothing runs. Without a database, mark them
    IMMUTABLE yourself: PostgreSQL does not check what an IMMUTABLE function calls.
* The chain check cannot know what a custom operation produces: from a `custom` on, the rest of
  that version's operations and the comparison with the declared fields are not checked.
* `changes` (dotted paths) declares the shape the operation produces: the fields it adds,
  removes or changes; every other field it leaves as it was. `escodegen diff` and `check` then
  treat the listed fields as covered by the operation (ESD116) and judge every other change of
  the version as usual, so a type change elsewhere is still ESD110. Without `changes` no change
  of the version can be judged, and diff says so (ESD171, a warning). `verify-upcasters` does not
  check the list: it is the author's declaration.
* Nothing proves statically that the two renderings agree: run
  [`escodegen verify-upcasters --dsn ...`](../commands/verify-upcasters.md), which tries random
  payloads through both and reports the first difference (for example Python's `str.upper`,
  which uppercases `ß` to `SS`, against PostgreSQL's `upper`, which does not).
""", (
        Example(_PHONE, {"phone": "+44 (20) 7946-0958"}, {"phone": "+442079460958"},
        ),
    ), module=("upcasts", _PHONE_PYTHON)),
)


def check_custom(python: str, sql: str, span: Span, report: Report,
                 sql_span: Span | None = None) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    """The SQL as it will be emitted and the user functions it calls, or None after reporting
    ES314 (not a path, not one expression) or ES316 (a function that is not immutable) at
    `sql_span`, the position of the `sql:` value."""
    match = _PYTHON_PATH.fullmatch(python)
    names = re.split(r"[.:]", python)
    if match is None or any(keyword.iskeyword(name) for name in names):
        report.error("ES314", f"custom python {python!r} is not a path `package.module:function`",
                     span)
        return None
    return _checked_sql(sql, sql_span or span, report)


_CONSTRUCTS = frozenset({"coalesce", "nullif", "greatest", "least", "cast", "case", "array",
                         "row", "trim", "extract", "position", "substring", "overlay"})
"""Call-shaped SQL syntax that is no function of pg_proc (or one of the immutable ones)."""
_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\(")


def _checked_sql(sql: str, span: Span, report: Report
                 ) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    try:
        statements = sqlglot.parse(sql, read="postgres")
    except SqlglotError as exc:
        report.error("ES314", f"custom sql does not parse: {str(exc).splitlines()[0]}", span)
        return None
    if len(statements) != 1 or statements[0] is None:
        report.error("ES314", "custom sql must be one expression, not several statements", span)
        return None
    tree = statements[0]
    expression_kinds = (exp.Condition, exp.Func, exp.Paren, exp.Subquery)
    statement_kinds = (exp.DDL, exp.DML, exp.Command, exp.Transaction, exp.Set, exp.Query,
                       exp.Subquery, exp.Table, exp.Operator, exp.Placeholder, exp.Parameter)
    inner = next((node for node in tree.walk() if isinstance(node, statement_kinds)), None)
    if not isinstance(tree, expression_kinds) or isinstance(tree, exp.Subquery) or inner:
        kind = type(inner if inner is not None else tree).__name__
        report.error("ES314", f"custom sql must be one jsonb expression over `data`, with no "
                     f"{kind} in it (no statement, query, subquery, table or OPERATOR())", span)
        return None
    calls = _function_calls(tree, span, report)
    if calls is None:
        return None
    return tree.sql(dialect="postgres"), calls


def _function_calls(tree: Any, span: Span, report: Report) -> tuple[tuple[str, str], ...] | None:
    """The user functions the expression calls; None after an ES316 for a call of anything
    else than an immutable built-in or a schema-qualified function."""
    from sqlglot import exp

    from escodegen.upcast.immutable_builtins import IMMUTABLE_BUILTINS

    refused: list[str] = []
    user: dict[tuple[str, str], None] = {}
    for node in tree.walk():
        if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.USERDEFINED:
            refused.append(f"a cast to the type {node.sql(dialect='postgres')}")
            continue
        if not isinstance(node, exp.Func):
            continue
        if isinstance(node.parent, exp.Dot) and node.parent.expression is node:
            schema = node.parent.this.name
            if schema.lower() == "pg_catalog" and node.name.lower() in IMMUTABLE_BUILTINS:
                continue
            if schema.lower() in ("pg_catalog", "information_schema", "pg_temp"):
                refused.append(f"{schema}.{node.name}()")
            else:
                user[(schema, node.name)] = None
            continue
        if isinstance(node, exp.Anonymous):
            name = node.name
        else:
            rendered = _CALL.match(node.sql(dialect="postgres"))
            if rendered is None:
                # operator or keyword syntax; the keywords that are functions are not immutable
                if isinstance(node, (exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentTime,
                                     exp.CurrentUser)):
                    refused.append(node.sql(dialect="postgres"))
                continue
            name = rendered.group(1)
        if name.lower() not in IMMUTABLE_BUILTINS and name.lower() not in _CONSTRUCTS:
            refused.append(f"{name}()")
    if refused:
        report.error("ES316", f"custom sql calls {', '.join(dict.fromkeys(refused))}: an "
                     "upcaster is IMMUTABLE, so it may call only immutable built-in functions "
                     "and functions of your own schema (checked against the database when "
                     "a --dsn is given)", span)
        return None
    return tuple(user)
