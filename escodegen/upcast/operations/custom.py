"""`custom {python: "module:function", sql: "<jsonb expression over data>"}` (docs/upcast/custom.md).

The project supplies both renderings. The generator checks that `python` is a dotted path to a
function and that `sql` is one SQL expression (parsed by sqlglot, and emitted as sqlglot renders
it back, so what runs is what was checked). `escodegen verify-upcasters` proves the two agree.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
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


def check_custom(python: str, sql: str, span: Span, report: Report) -> str | None:
    """The SQL as it will be emitted, or None after reporting ES314."""
    match = _PYTHON_PATH.fullmatch(python)
    names = re.split(r"[.:]", python)
    if match is None or any(keyword.iskeyword(name) for name in names):
        report.error("ES314", f"custom python {python!r} is not a path `package.module:function`",
                     span)
        return None
    return _checked_sql(sql, span, report)


def _checked_sql(sql: str, span: Span, report: Report) -> str | None:
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
    statement_kinds = (exp.DDL, exp.DML, exp.Command, exp.Transaction, exp.Set)
    if not isinstance(tree, expression_kinds) or any(
            isinstance(node, statement_kinds) for node in tree.walk()):
        report.error("ES314", f"custom sql must be a jsonb expression over `data`, "
                     f"not a {type(tree).__name__} statement", span)
        return None
    return tree.sql(dialect="postgres")
