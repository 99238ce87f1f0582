"""The structure check: each file against the language's own JSON Schemas in schemas/."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from escodegen.diagnostics import Report
from escodegen.resources import schema_path
from escodegen.sources.yaml_source import Document

PROJECT_SCHEMA = "project.schema.json"
DECLARATIONS_SCHEMA = "declarations.schema.json"


@cache
def _validator(name: str) -> jsonschema.protocols.Validator:
    schema = json.loads(schema_path(name).read_text(encoding="utf-8"))
    # The schemas themselves are checked by the tests, not on every run (it costs 25 ms).
    return jsonschema.validators.validator_for(schema)(schema)


def check_structure(doc: Document, schema: str, report: Report) -> bool:
    """Report every structural error in `doc`; True when there was none."""
    errors = list(_validator(schema).iter_errors(doc.data))
    for error in _most_specific(errors):
        _report(doc, error, report)
    return not errors


def _most_specific(errors: Iterable[ValidationError]) -> list[ValidationError]:
    """For `oneOf`/`anyOf` failures, the branch error that explains the most."""
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
