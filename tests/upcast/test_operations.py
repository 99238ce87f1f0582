"""Every upcast operation is one complete unit in the table, its docs are current, its docs'
examples hold in both generated languages, and the model stays data."""

from __future__ import annotations

import ast
import inspect
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from devtools.postgres import fresh_database
from escodegen.analyse.compare import _trace
from escodegen.db.upcasters import Upcasters
from escodegen.model import Event, EventVersion
from escodegen.model import ops as model_ops
from escodegen.resources import schema_path
from escodegen.upcast import OPERATIONS, operation
from escodegen.upcast.docs import example_op, pages
from escodegen.upcast.operations.base import Example, Meaning, Operation, Paths
from escodegen.upcast.verify import canonical, from_json, to_json

ROOT = Path(__file__).resolve().parents[2]
UNITS = list(OPERATIONS.values())
EXAMPLES = [(unit, example) for unit in UNITS for example in unit.docs.examples]


@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_every_op_implements_everything(unit: Operation[Any]) -> None:
    assert unit.type.name == unit.name and OPERATIONS[unit.name] is unit
    assert unit.loses and unit.docs.title.startswith(f"`{unit.name} ") and unit.docs.text
    assert unit.docs.examples, "an operation needs docs examples (run as tests)"
    for example in unit.docs.examples:
        op = example_op(example)  # parse
        assert type(op) is unit.type and operation(op) is unit
        assert isinstance(unit.paths(op), Paths)
        assert isinstance(unit.meaning(op), Meaning.__args__)  # type: ignore[attr-defined]
        assert unit.summary(op).startswith(unit.name)
        assert unit.python(op) and all(isinstance(line, str) for line in unit.python(op))
        assert unit.sql(op, "data")
    assert list(inspect.signature(unit.shape).parameters) == ["op", "shape", "step"]


def test_every_model_op_has_its_unit() -> None:
    kinds = [c for c in vars(model_ops).values()
             if inspect.isclass(c) and issubclass(c, model_ops.UpcastOp) and c is not model_ops.UpcastOp]
    assert sorted(c.name for c in kinds) == sorted(OPERATIONS)

    class Unknown(model_ops.UpcastOp):
        name = "unknown"

    with pytest.raises(LookupError, match="no upcast operation unit"):
        operation(Unknown())


def test_diff_refuses_a_meaning_it_does_not_know() -> None:
    """A new kind of meaning must be taught to compare: it fails loudly, never silently."""
    with pytest.raises(TypeError, match="diff does not know"):
        _trace(object(), {}, set())  # type: ignore[arg-type]


def test_the_meta_schema_has_one_fragment_per_op_accepting_its_examples() -> None:
    """The meta-schema stays one hand-written file (what editors and users read); every op in
    the table has its fragment there, and the fragment accepts every documented example."""
    schema = json.loads(schema_path("declarations.schema.json").read_text(encoding="utf-8"))
    fragments = schema["$defs"]["upcastOp"]["properties"]
    assert sorted(fragments) == sorted(OPERATIONS)
    validator = jsonschema.Draft202012Validator({"$defs": schema["$defs"],
                                                 "$ref": "#/$defs/upcastOp"})
    for unit, example in EXAMPLES:
        entry = yaml.safe_load(example.op)
        assert not list(validator.iter_errors(entry)), example.op
        keys = {key for key, _ in example_op(example).arguments()}
        assert keys <= set(fragments[unit.name]["properties"]), unit.name


def test_the_pages_are_current() -> None:
    """Regenerate with `python -m escodegen.upcast.docs docs/upcast`."""
    folder = ROOT / "docs" / "upcast"
    for name, text in pages().items():
        assert (folder / name).read_text(encoding="utf-8") == text, name
    index = (folder / "README.md").read_text(encoding="utf-8")
    assert all(f"]({name}.md)" in index for name in OPERATIONS)


def _event(index: int, example: Example) -> Event:
    return Event(f"Example{index}", (EventVersion(1, ()),
                                     EventVersion(2, (), upcast=(example_op(example),))))


EVENTS = [_event(i, example) for i, (_, example) in enumerate(EXAMPLES)]


@pytest.fixture(scope="module")
def upcasters(pg_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Upcasters]:
    folder = tmp_path_factory.mktemp("project_modules")
    for unit in UNITS:
        if unit.docs.module is not None:
            name, source = unit.docs.module
            (folder / f"{name}.py").write_text(source, encoding="utf-8")
    sys.path.insert(0, str(folder))
    try:
        with fresh_database(pg_server, "upcast_doc_examples") as dsn, \
                Upcasters.open(EVENTS, dsn) as loaded:
            yield loaded
    finally:
        sys.path.remove(str(folder))


@pytest.mark.parametrize("index", range(len(EXAMPLES)),
                         ids=[f"{u.name}-{i}" for i, (u, _) in enumerate(EXAMPLES)])
def test_doc_examples_hold_in_python_and_sql(upcasters: Upcasters, index: int) -> None:
    _, example = EXAMPLES[index]
    event = EVENTS[index]
    text = to_json(example.before)
    wanted = canonical(from_json(to_json(example.after)))
    assert canonical(upcasters.python(event, 1, from_json(text))) == wanted, "python"
    (sql,) = upcasters.sql(event, 1, [text])
    assert canonical(from_json(sql)) == wanted, "sql"


def test_the_model_imports_no_later_stage() -> None:
    """The model is data: nothing under escodegen/model imports escodegen beyond the
    diagnostics and the model itself, even under TYPE_CHECKING."""
    allowed = ("escodegen.diagnostics", "escodegen.model")
    for path in sorted((ROOT / "escodegen" / "model").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                if name.startswith("escodegen"):
                    assert name.startswith(allowed), f"{path.name} imports {name}"
