"""Event classes: each event's versions become one module, written by datamodel-code-generator
from the same canonical JSON Schemas the registry stores.

Every option that changes the output is pinned here, so the classes depend only on the schemas
(and the datamodel-code-generator version, which the manifest records). One module per event
keeps names local: adding an event never touches another event's module, and nested types are
named by their schema titles (`<Event>V<n><Field>`), never by discovery order.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Literal

from escodegen.analyse.schema import event_version_schema
from escodegen.diagnostics import Report
from escodegen.emit import HEADER, EmitError
from escodegen.model import Event, Project
from escodegen.printable import escape, escape_lines

ModelKind = Literal["dataclasses", "pydantic", "msgspec"]
_CLASS = re.compile(r"^class (\w+)\b", re.MULTILINE)
# Below this many events a process pool costs more than it saves.
_PARALLEL_FROM = 40


def event_schemas(event: Event) -> dict[str, Any]:
    """All versions of `event` as one JSON Schema document, a `$defs` entry per version, its
    descriptions made printable (`escape_lines`) for the docstrings they become."""
    defs: dict[str, Any] = {}
    for version in event.versions:
        schema = _printable_descriptions(event_version_schema(event, version))
        schema.pop("$schema", None)
        defs[schema["title"]] = schema
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": defs}


def _printable_descriptions(schema: Any) -> Any:
    """`schema` with every `description` annotation passed through `escape_lines`. A property
    called `description` maps to a schema, not a string, so it is never taken for one."""
    if isinstance(schema, dict):
        return {key: escape_lines(value) if key == "description" and isinstance(value, str)
                else _printable_descriptions(value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_printable_descriptions(item) for item in schema]
    return schema


def _titles(schema: Any) -> Iterable[str]:
    """Every `title` annotation in a schema (the names its classes may take). A property
    called `title` maps to a schema, not a string, so it is never taken for one."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "title" and isinstance(value, str):
                yield value
            else:
                yield from _titles(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _titles(item)


def _generate(schema_text: str, models: ModelKind) -> str:
    """One datamodel-code-generator run, every output-affecting option pinned."""
    from datamodel_code_generator import DatetimeClassType, InputFileType, PythonVersion, generate
    from datamodel_code_generator.enums import DataModelType
    from datamodel_code_generator.format import Formatter

    output_type = {"dataclasses": DataModelType.DataclassesDataclass,
                   "pydantic": DataModelType.PydanticV2BaseModel,
                   "msgspec": DataModelType.MsgspecStruct}[models]
    with warnings.catch_warnings():
        # msgspec's Meta cannot hold a pattern on a Decimal (the exact-decimal string): the
        # class still holds a Decimal, which msgspec parses from that string
        warnings.filterwarnings("ignore", "msgspec.Meta does not take pattern", UserWarning)
        result = generate(
            schema_text,
            input_file_type=InputFileType.JsonSchema,
            output_model_type=output_type,
            target_python_version=PythonVersion.PY_311,
            custom_file_header=f"# {HEADER}",
            disable_timestamp=True,
            formatters=[Formatter.BUILTIN],  # no black/isort: their versions would change output
            builtin_format_line_length=88,
            use_double_quotes=True,
            keep_model_order=True,
            use_title_as_name=True,
            skip_root_model=True,
            use_standard_collections=True,
            use_union_operator=True,
            use_standard_primitive_types=True,
            output_datetime_class=DatetimeClassType.Datetime,
            frozen_dataclasses=True,
            keyword_only=True,
            use_schema_description=True,
            use_field_description=True,
            snake_case_field=False,
            capitalise_enum_members=False,
            use_subclass_enum=False,
        )
    assert isinstance(result, str), "one input schema gives one module"
    # Descriptions are printable already; what may still hold a control or bidi character is a
    # string literal (an enum value, a default), written raw by datamodel-code-generator. The
    # Python escape keeps the literal's value and leaves no such character in the source.
    return escape(result.rstrip("\n"), keep="\n") + "\n"


def _render_one(job: tuple[str, str, ModelKind]) -> tuple[str, str]:
    name, schema_text, models = job
    return name, _generate(schema_text, models)


def render_event_modules(project: Project, models: ModelKind) -> dict[str, tuple[str, list[str]]]:
    """event name -> (module text, class names in it). Raises EmitError on a name collision."""
    jobs = []
    expected: dict[str, set[str]] = {}
    for event in project.events:
        schema = event_schemas(event)
        expected[event.name] = set(_titles(schema))
        jobs.append((event.name, json.dumps(schema, sort_keys=False), models))
    if len(jobs) >= _PARALLEL_FROM and (os.cpu_count() or 1) > 1:
        with ProcessPoolExecutor(max_workers=min(os.cpu_count() or 1, 8)) as pool:
            texts = dict(pool.map(_render_one, jobs, chunksize=8))
    else:
        texts = dict(map(_render_one, jobs))
    report = Report()
    owner: dict[str, str] = {}
    modules: dict[str, tuple[str, list[str]]] = {}
    for event in project.events:
        text = texts[event.name]
        classes = _CLASS.findall(text)
        for name in classes:
            if name not in expected[event.name]:
                report.error("ES601", f"event '{event.name}' would generate class '{name}', "
                             "a name not taken from its schema titles (a collision renamed it)",
                             event.span)
            elif name in owner:
                report.error("ES601", f"class name '{name}' is generated for both "
                             f"'{owner[name]}' and '{event.name}'", event.span)
            else:
                owner[name] = event.name
        modules[event.name] = (text, classes)
    if report.has_errors:
        raise EmitError(report)
    return modules
