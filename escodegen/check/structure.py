"""The structure check: each file against the language's own JSON Schemas in schemas/.

Two validators of the same schema: jsonschema-rs (compiled, about a hundred times faster)
decides whether a file is valid, and only when it is not does jsonschema (pure Python, whose
errors carry the paths and context the messages are made of) explain why. jsonschema stays the
authority: a file the fast one refuses but jsonschema accepts is valid. The tests hold the two
to agreement (tests/test_structure.py), so every error is still reported, with the same code,
message and position; the happy path of `check` no longer pays jsonschema's import and its
pure-Python walk (a quarter of a second on 200 events).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from escodegen.diagnostics import Report
from escodegen.resources import schema_path
from escodegen.sources.yaml_source import Document

if TYPE_CHECKING:
    import jsonschema
    from jsonschema.exceptions import ValidationError

PROJECT_SCHEMA = "project.schema.json"
DECLARATIONS_SCHEMA = "declarations.schema.json"


@cache
def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(schema_path(name).read_text(encoding="utf-8"))
    return schema


@cache
def _fast_validator(name: str) -> Any:
    import jsonschema_rs

    # Formats are annotations here, as for jsonschema without a format checker.
    return jsonschema_rs.validator_for(_schema(name), validate_formats=False)


@cache
def _validator(name: str) -> jsonschema.protocols.Validator:
    import jsonschema

    schema = _schema(name)
    # The schemas themselves are checked by the tests, not on every run (it costs 25 ms).
    return jsonschema.validators.validator_for(schema)(schema)


def fast_valid(data: Any, schema: str) -> bool:
    """Does jsonschema-rs find `data` valid against schemas/<schema>? False also when it
    cannot take the value at all (an integer beyond 64 bits): jsonschema decides then."""
    try:
        return bool(_fast_validator(schema).is_valid(data))
    except (ValueError, OverflowError):
        return False


def structure_errors(data: Any, schema: str) -> list[ValidationError]:
    """Every error jsonschema finds in `data`: the explanation of a refusal."""
    return list(_validator(schema).iter_errors(data))


def check_structure(doc: Document, schema: str, report: Report) -> bool:
    """Report every structural error in `doc`; True when there was none."""
    if fast_valid(doc.data, schema):
        return True
    errors = structure_errors(doc.data, schema)
    for error in _most_specific(errors):
        _report(doc, error, report)
    return not errors


def _most_specific(errors: Iterable[ValidationError]) -> list[ValidationError]:
    """For `oneOf`/`anyOf` failures, the branch error that explains the most."""
    from jsonschema.exceptions import best_match

    result = []
    for error in errors:
        while error.context:
            # Prefer the branch whose type fits the value: it explains what is wrong inside it.
            fitting = [e for e in error.context if e.validator != "type" or e.path]
            deeper = best_match(fitting or error.context)
            if deeper is None:
                break
            error = deeper
        result.append(error)
    return result


def _report(doc: Document, error: ValidationError, report: Report) -> None:
    path = tuple(error.absolute_path)
    where = ".".join(str(p) for p in path) or "(top level)"
    if (error.validator == "additionalProperties" and isinstance(error.instance, dict)
            and isinstance(error.schema, dict)):
        allowed = set(error.schema.get("properties", {}))
        for key in sorted(set(error.instance) - allowed):
            known = ", ".join(sorted(allowed))
            report.error("ES101", f"unknown key '{key}' in {where}", doc.key_span((*path, key)),
                         f"Allowed keys here: {known}." if known else "")
        return
    message = _message(error)
    report.error("ES101", f"{where}: {message}", doc.span(path))


def _message(error: ValidationError) -> str:
    custom = error.schema.get("x-error") if isinstance(error.schema, dict) else None
    if custom:
        return f"{_short(error.instance)}: {custom}"
    validator = error.validator
    if validator == "required":
        return error.message
    if validator == "enum":
        values = error.validator_value if isinstance(error.validator_value, list) else []
        return f"{_short(error.instance)} is not one of {', '.join(map(str, values))}"
    if validator == "pattern" and isinstance(error.instance, str):
        return f"{_short(error.instance)} does not match {error.validator_value}"
    if validator == "type":
        return f"expected {error.validator_value}, got {_short(error.instance)}"
    return error.message


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
