"""The work tree's compiled model, cached for `check` and `diff` (escodegen.sources.model_cache): a hit
gives the same model and diagnostics as a compile; any change to what the compile read, and any
entry that does not check out, is a miss."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from escodegen.check import compile_project
from escodegen.sources.model_cache import cache_folder

PROJECT = "escodegen: 1\nname: p\nsources: [events]\nregistry: registry\n"
EVENT = ("events:\n  Paid:\n    aggregate: Order\n    versions:\n      1:\n        fields:\n"
         "          orderId: uuid\n          amount: decimal\n")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "p"
    (root / "events").mkdir(parents=True)
    (root / "escodegen.yaml").write_text(PROJECT)
    (root / "events" / "paid.yaml").write_text(EVENT)
    (root / "aggregates.yaml").write_text(
        "aggregates:\n  Order:\n    id: {field: orderId, type: uuid}\n"
        "    stream: \"Order-{orderId}\"\n    events: [Paid]\n"
        "    state: {version: 1, fields: {count: integer}}\n")
    (root / "escodegen.yaml").write_text(PROJECT.replace("[events]", "[events, aggregates.yaml]"))
    return root / "escodegen.yaml"


def _entries() -> list[Path]:
    folder = cache_folder() / "models"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _compiled(project_file: Path) -> tuple[object, list[str]]:
    model, report = compile_project(project_file, cached=True)
    return model, [d.render() for d in report]


def test_a_hit_is_the_compile_itself_warnings_included(project: Path) -> None:
    # Replacing an event that is not declared: a warning (ES205), kept with the model.
    paid = project.parent / "events" / "paid.yaml"
    paid.write_text(EVENT.replace("    aggregate:", "    replaces: Gone\n    aggregate:"))
    fresh_model, fresh = _compiled(project)
    assert fresh_model is not None and fresh and len(_entries()) == 1
    cached_model, cached = _compiled(project)
    assert cached == fresh and cached_model == fresh_model
    assert cached_model is not fresh_model  # read back from the entry
    assert compile_project(project)[0] == fresh_model  # and equal to an uncached compile


@pytest.mark.parametrize("change", ["edit", "new file", "removed file", "project file"])
def test_any_change_to_the_input_is_a_miss(project: Path, change: str) -> None:
    events = project.parent / "events"
    _compiled(project)
    if change == "edit":
        (events / "paid.yaml").write_text(EVENT.replace("decimal", "integer"))
    elif change == "new file":
        (events / "other.yaml").write_text(EVENT.replace("Paid", "Refunded"))
    elif change == "removed file":
        (events / "more.yaml").write_text(EVENT.replace("Paid", "Refunded"))
        _compiled(project)
        (events / "more.yaml").unlink()
    else:
        project.write_text(project.read_text() + "# a comment\n")
    model, diagnostics = _compiled(project)
    assert (model, diagnostics) == (compile_project(project)[0], diagnostics)
    names = {e.name for e in model.events}  # type: ignore[attr-defined]
    assert names == ({"Paid", "Refunded"} if change == "new file" else {"Paid"})
    if change == "edit":
        assert model.events[0].latest.field("amount").type.kind == "integer"  # type: ignore[attr-defined]


def test_a_path_that_now_resolves_elsewhere_is_a_miss(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert not [d for d in _compiled(project)[1] if "ES005" in d]
    os.symlink(outside, project.parent / "registry")
    diagnostics = _compiled(project)[1]
    assert any("ES005" in d for d in diagnostics)  # the registry points outside the project


def test_errors_are_never_cached(project: Path) -> None:
    (project.parent / "events" / "paid.yaml").write_text(EVENT + "          bad: nosuchtype\n")
    first = _compiled(project)
    assert first[0] is None and any("error ES" in d for d in first[1])
    assert _entries() == []


def test_an_entry_that_does_not_check_out_is_never_trusted(project: Path) -> None:
    expected = _compiled(project)
    (entry,) = _entries()
    good = entry.read_bytes()
    # Another project file's valid entry put under this key: its stored key gives it away.
    text = project.read_text()
    project.write_text(text.replace("name: p", "name: other"))
    other_model = _compiled(project)
    other = next(e for e in _entries() if e != entry)
    project.write_text(text)
    for bad in (b"", good[:-10], good[:-1] + bytes([good[-1] ^ 1]), b"garbage" * 10,
                other.read_bytes()):
        entry.write_bytes(bad)
        assert _compiled(project) == expected != other_model
    # A good entry whose source file changed since: its digests give it away.
    entry.write_bytes(good)
    (project.parent / "events" / "paid.yaml").write_text(EVENT.replace("decimal", "integer"))
    assert _compiled(project) != expected


def test_the_key_changes_with_escodegen(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import escodegen

    _compiled(project)
    monkeypatch.setattr(escodegen, "__version__", "99.0")
    _compiled(project)
    assert len(_entries()) == 2


def test_an_unwritable_cache_is_skipped(project: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "blocked").write_text("a file, not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "blocked"))
    assert _compiled(project) == _compiled(project)
