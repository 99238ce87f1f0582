"""The base side of `diff --against`: its project file is read by escodegen's own loader, like
the working tree's, and its errors are reported as the base's, at file:line:column there."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.analyse.test_commands import edit, git, run


def repo_with_shop_in_a_subfolder(shop: Path, tmp_path: Path) -> Path:
    """A git repository whose `shop/` folder holds the example; returns that folder."""
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.move(str(shop), repo / "shop")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    return repo / "shop"


def test_the_base_project_file_is_read_with_yaml_1_2_scalars(tmp_path: Path) -> None:
    """`on` is a string to escodegen (YAML 1.2) but `True` to yaml.safe_load (YAML 1.1): a
    declarations folder named `on` must be taken from git at the base as in the work tree."""
    project = tmp_path / "project"
    (project / "on").mkdir(parents=True)
    (project / "escodegen.yaml").write_text("escodegen: 1\nname: p\nsources: [on]\nregistry: registry\n")
    (project / "on" / "events.yaml").write_text(
        "events:\n  Paid:\n    versions:\n      1:\n        fields: {id: uuid}\n")
    git(project, "init", "-q")
    git(project, "add", ".")
    git(project, "commit", "-qm", "base")
    code, out = run(project, "diff", "--against", "HEAD")
    assert (code, out) == (0, "0 errors, 0 warnings, 0 info (against HEAD)\n")
    edit(project / "on" / "events.yaml", "{id: uuid}", "{id: uuid, note: string?}")
    code, out = run(project, "diff", "--against", "HEAD")
    assert code == 0 and "ESD101 Paid.v1.note" in out  # compared with the base's declarations


def test_a_duplicate_key_in_the_base_project_file_is_a_base_error(shop: Path, tmp_path: Path) -> None:
    folder = repo_with_shop_in_a_subfolder(shop, tmp_path)
    good = (folder / "escodegen.yaml").read_text()
    (folder / "escodegen.yaml").write_text(good + "name: again\n")
    git(folder, "commit", "-qam", "a duplicate key")
    (folder / "escodegen.yaml").write_text(good)  # the work tree is fine again
    lines = good.count("\n") + 1
    code, out = run(folder, "diff", "--against", "HEAD")
    assert code == 2
    assert "the base declarations (HEAD) are invalid" in out
    assert f"HEAD:shop/escodegen.yaml:{lines}:1: error ES002: duplicate key 'name'" in out
    assert "escodegen-base-" not in out  # never the temporary folder
    assert run(folder, "diff", "--against", "HEAD~1")[0] == 0


def test_invalid_declarations_at_the_base_ref_name_the_base_file(shop: Path, tmp_path: Path) -> None:
    folder = repo_with_shop_in_a_subfolder(shop, tmp_path)
    order = folder / "events" / "order.yaml"
    good = order.read_text()
    edit(order, "  OrderItemAdded:\n    aggregate: Order", "  OrderItemAdded:\n    aggregate: Nobody")
    line = order.read_text().splitlines().index("  OrderItemAdded:") + 1  # where ES206 points
    git(folder, "commit", "-qam", "broken")
    order.write_text(good)
    code, out = run(folder, "diff", "--against", "HEAD", "--format", "json")
    assert code == 2 and out.startswith("escodegen: the base declarations (HEAD) are invalid")
    assert f"\n  HEAD:shop/events/order.yaml:{line}:3: error ES206: OrderItemAdded belongs to" in out
    assert "hint: Declare the aggregate" in out
    # The same declarations in the work tree are the head's problem: findings, exit 1.
    order.write_text(order.read_text().replace("aggregate: Order\n    versions:\n      1:\n"
                                               "        fields: {orderId: uuid, sku",
                                               "aggregate: Nobody\n    versions:\n      1:\n"
                                               "        fields: {orderId: uuid, sku"))
    code, out = run(folder, "diff", "--against", "HEAD~1")
    assert code == 1 and "ESD001" in out


def test_invalid_declarations_in_a_base_folder_name_the_folder(
        shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "base"
    shutil.copytree(shop, base)
    (base / "events" / "broken.yaml").write_text(
        "events:\n  Foo:\n    aggregate: Nope\n    versions: {1: {fields: {a: string}}}\n")
    monkeypatch.chdir(tmp_path)
    code, out = run(shop, "diff", "--against", "base")
    assert code == 2 and "the base declarations (base) are invalid" in out
    assert "  base/events/broken.yaml:2:3: error ES206" in out
