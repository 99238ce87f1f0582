"""`custom {python: "module:function", sql: "<jsonb expression over data>"}` (docs/upcast/custom.md).

The project supplies both renderings. The generator checks that `python` is a dotted path to a
function and that `sql` is one SQL expression (parsed by sqlglot, and emitted as sqlglot renders
it back, so what runs is what was checked). `escodegen verify-upcasters` proves the two agree.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from escodegen.diagnostics import Report, Span
from escodegen.model import FieldPath
from escodegen.model.naming import IDENTIFIER
from escodegen.upcast.operations.base import Step, UpcastOp
from escodegen.upcast.shape import Shape

_NAME = IDENTIFIER.pattern
_PYTHON_PATH = re.compile(rf"({_NAME}(?:\.{_NAME})*):({_NAME})")


@dataclass(frozen=True)
class Custom(UpcastOp):
    name: ClassVar[str] = "custom"
    python_path: str
    """`package.module:function`, checked by `check_custom`."""
    sql_expression: str
    """The expression as sqlglot rendered it back (see `check_custom`)."""
    changes: tuple[FieldPath, ...] | None = None
    """The fields it declares it adds, removes or changes; None when undeclared (then `diff`
    cannot tell what it does to any field)."""
    user_functions: tuple[tuple[str, str], ...] = ()
    """(schema, name) of every schema-qualified function that is not a built-in: their
    volatility is known only to a database (`volatile_user_functions`)."""
    sql_span: Span | None = field(default=None, compare=False)

    def arguments(self) -> list[tuple[str, Any]]:
        args: list[tuple[str, Any]] = [("python", self.python_path)]
        return args if self.changes is None else [*args, ("changes", self.changes)]

    @property
    def module(self) -> str:
        return self.python_path.split(":")[0]

    @property
    def function(self) -> str:
        return self.python_path.split(":")[1]

    @property
    def python_name(self) -> str:
        """The module-level name the generated Python gives the function."""
        return "_custom_" + re.sub(r"[.:]", "_", self.python_path)

    def apply_shape(self, shape: Shape, step: Step) -> bool:
        return False  # what a custom function produces is known only by running it

    def python(self) -> list[str]:
        return [f"d = {self.python_name}(d)"]

    def sql(self, data: str) -> str:
        # The expression reads the column `data`: it is emitted only as the whole body of a
        # function whose parameter is `data` (escodegen/upcast/sql_module.py).
        if data != "data":
            raise ValueError("custom SQL must be the body of a function of `data`")
        return f"({self.sql_expression})"


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
