"""The base side of `diff --against`: its project file is read by escodegen's own loader, like
the working tree's, and its errors are reported as the base's, at file:line:column there."""

from __future__ import annotations

import shutil
import subprocess
import sys
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


# -- issue 14: reading the base from git -------------------------------------------------------

_EVENT = "events:\n  Paid:\n    versions:\n      1:\n        fields: {id: uuid, amount: AMOUNT}\n"


def _repo(tmp_path: Path, folder: str = "events", file: str = "paid.yaml",
          project: str = "project") -> Path:
    root = tmp_path / project
    (root / folder).mkdir(parents=True)
    (root / "escodegen.yaml").write_text(
        f"escodegen: 1\nname: p\nsources: [{folder}]\nregistry: registry\n", encoding="utf-8")
    (root / folder / file).write_text(_EVENT.replace("AMOUNT", "decimal"), encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    return root


def _breaking_edit(file: Path) -> None:
    file.write_text(_EVENT.replace("AMOUNT", "boolean"), encoding="utf-8")


@pytest.mark.parametrize(("folder", "file"), [("événements", "paiement.yaml"),
                                              ('quo"ted', "pai d.yaml")])
def test_unusual_declaration_paths_are_read_from_git(tmp_path: Path, folder: str, file: str) -> None:
    root = _repo(tmp_path, folder, file)
    _breaking_edit(root / folder / file)
    code, out = run(root, "diff", "--against", "HEAD")
    assert code == 1 and "ESD110 Paid.v1.amount" in out


def test_export_ignore_does_not_hide_declarations_from_the_base(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / ".gitattributes").write_text("events/** export-ignore\n")
    git(root, "add", ".")
    git(root, "commit", "-qm", "attributes")
    _breaking_edit(root / "events" / "paid.yaml")
    code, out = run(root, "diff", "--against", "HEAD")
    assert code == 1 and "ESD110 Paid.v1.amount" in out and "ESD132" not in out


def test_a_symlinked_declaration_file_is_read_through_its_link(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / "shared").mkdir()
    (root / "events" / "paid.yaml").rename(root / "shared" / "paid.yaml")
    (root / "events" / "paid.yaml").symlink_to("../shared/paid.yaml")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "link")
    assert run(root, "diff", "--against", "HEAD") == (0, "0 errors, 0 warnings, 0 info (against HEAD)\n")
    _breaking_edit(root / "shared" / "paid.yaml")
    code, out = run(root, "diff", "--against", "HEAD")
    assert code == 1 and "ESD110 Paid.v1.amount" in out


@pytest.mark.parametrize("against", ["", " ", ".", "./"])
def test_the_work_tree_itself_is_refused_as_the_base(tmp_path: Path, against: str) -> None:
    root = _repo(tmp_path)
    _breaking_edit(root / "events" / "paid.yaml")
    code, out = run(root, "diff", "--against", against)
    assert code == 2 and "itself" in out


def test_a_shallow_clone_says_how_to_deepen_it(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / "events" / "more.yaml").write_text("")
    git(root, "add", ".")
    git(root, "commit", "-qm", "two")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{root}", str(clone)], check=True)
    code, out = run(clone, "diff", "--against", "HEAD~1")
    assert code == 2 and "shallow" in out and "git fetch --deepen" in out
    code, out = run(root, "diff", "--against", "HEAD~5")
    assert code == 2 and "unknown git ref 'HEAD~5'" in out and "shallow" not in out


def test_a_renamed_project_folder_is_named_as_such(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    root = _repo(repo, project="old")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    shutil.rmtree(root / ".git")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    git(repo, "mv", "old", "new")
    git(repo, "commit", "-qm", "renamed")
    code, out = run(repo / "new", "diff", "--against", "HEAD~1")
    assert code == 2 and "no folder new/ (renamed or moved since?)" in out


def _submodule(repo: Path, *args: str) -> None:
    """`git submodule ARGS` in `repo`, allowing the local file transport the tests use."""
    git(repo, "-c", "protocol.file.allow=always", "submodule", *args)


def test_a_project_inside_a_git_submodule_names_the_commit_to_compare_with(tmp_path: Path) -> None:
    """Inside a submodule, refs are the submodule's own: a ref of the repository around it is
    unknown there, and the message says so and which submodule commit that ref records."""
    project = _repo(tmp_path)
    outer = tmp_path / "outer"
    outer.mkdir()
    git(outer, "init", "-q")
    _submodule(outer, "add", "-q", str(project), "shop")
    git(outer, "commit", "-qm", "with the shop")
    git(outer, "branch", "release")
    recorded = subprocess.run(["git", "rev-parse", "release:shop"], cwd=outer, check=True,
                              capture_output=True, text=True).stdout.strip()
    shop = outer / "shop"
    _breaking_edit(shop / "events" / "paid.yaml")
    code, out = run(shop, "diff", "--against", "release")
    assert code == 2 and "unknown git ref 'release'" in out
    assert f"in the git submodule shop/ of the repository at {outer}" in out
    assert f"records commit {recorded} of the submodule" in out
    assert f"`escodegen diff --against {recorded}`" in out
    code, out = run(shop, "diff", "--against", recorded)  # the remedy works
    assert code == 1 and "ESD110 Paid.v1.amount" in out
    code, out = run(shop, "diff", "--against", "nowhere")
    assert code == 2 and "git submodule shop/" in out and "rev-parse REF:shop" in out


def test_declarations_in_a_git_submodule_are_refused_with_what_to_do(tmp_path: Path) -> None:
    """The files of a submodule are not in the repository's history: a declaration folder that
    is one, or a declaration file linking into one, is refused (never a base without those
    events, which would pass every change), and the remedy it names works."""
    declarations = tmp_path / "declarations"  # a repository of declaration files only
    declarations.mkdir()
    (declarations / "paid.yaml").write_text(_EVENT.replace("AMOUNT", "decimal"))
    git(declarations, "init", "-q")
    git(declarations, "add", ".")
    git(declarations, "commit", "-qm", "paid")
    root = tmp_path / "project"
    root.mkdir()
    (root / "escodegen.yaml").write_text(
        "escodegen: 1\nname: p\nsources: [events, linked]\nregistry: registry\n")
    (root / "linked").mkdir()
    (root / "linked" / ".keep.yaml").write_text("")
    git(root, "init", "-q")
    _submodule(root, "add", "-q", str(declarations), "events")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    _breaking_edit(root / "events" / "paid.yaml")
    code, out = run(root, "diff", "--against", "HEAD")
    assert code == 2 and "HEAD:events is a git submodule" in out
    assert "git worktree add /tmp/base HEAD && git -C /tmp/base submodule update --init" in out
    base = tmp_path / "base"
    git(root, "worktree", "add", "-q", str(base), "HEAD")
    _submodule(base, "update", "-q", "--init")
    code, out = run(root, "diff", "--against", str(base))
    assert code == 1 and "ESD110 Paid.v1.amount" in out, out

    vendor = tmp_path / "vendored"
    vendor.mkdir()
    (vendor / "escodegen.yaml").write_text(
        "escodegen: 1\nname: p\nsources: [events]\nregistry: registry\n")
    (vendor / "events").mkdir()
    git(vendor, "init", "-q")
    _submodule(vendor, "add", "-q", str(declarations), "vendor")
    (vendor / "events" / "paid.yaml").symlink_to("../vendor/paid.yaml")
    git(vendor, "add", ".")
    git(vendor, "commit", "-qm", "base")
    code, out = run(vendor, "diff", "--against", "HEAD")
    assert code == 2 and "HEAD:events/paid.yaml is a link into the git submodule vendor/" in out


# -- the compiled base, cached ------------------------------------------------------------------

def _entries() -> list[Path]:
    from escodegen.sources.model_cache import cache_folder

    folder = cache_folder() / "base-models"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_the_base_model_is_cached_by_content_and_a_bad_entry_is_never_trusted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = _repo(tmp_path)
    _breaking_edit(root / "events" / "paid.yaml")
    expected = run(root, "diff", "--against", "HEAD")
    assert expected[0] == 1 and "ESD110 Paid.v1.amount" in expected[1]
    (entry,) = _entries()
    assert run(root, "diff", "--against", "HEAD") == expected  # from the cache
    assert _entries() == [entry]
    good = entry.read_bytes()
    # Another base's valid entry put under this key: its stored key gives it away.
    (root / "events" / "paid.yaml").write_text(_EVENT.replace("AMOUNT", "boolean"))
    git(root, "commit", "-qam", "boolean")
    assert run(root, "diff", "--against", "HEAD")[0] == 0
    other = next(e for e in _entries() if e != entry)
    for bad in (b"", good[:-10], good[:-1] + bytes([good[-1] ^ 1]), b"garbage" * 10,
                other.read_bytes()):
        entry.write_bytes(bad)
        code, out = run(root, "diff", "--against", "HEAD~1")
        assert (code, out.replace("HEAD~1", "HEAD")) == expected


def test_a_cached_base_is_found_without_parsing_yaml_or_writing_its_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The base's project file is parsed only to learn its `sources`, which are kept by the
    git id of its bytes: with that and the base model cached, a diff reads no base file, nor
    loads PyYAML (a sixth of a diff), and still finds the same."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = _repo(tmp_path)
    _breaking_edit(root / "events" / "paid.yaml")
    expected = run(root, "diff", "--against", "HEAD")
    assert expected[0] == 1 and "ESD110 Paid.v1.amount" in expected[1]
    probe = (
        "import sys, tempfile\n"
        "from unittest import mock\n"
        "from escodegen.cli import main\n"
        "from escodegen.sources import baseline\n"
        "written = []\n"
        "real = baseline._Files.write\n"
        "def spy(files):\n"
        "    written.append(files)\n"
        "    real(files)\n"
        "with mock.patch.object(baseline._Files, 'write', spy):\n"
        "    try:\n"
        f"        main(['-C', {str(root)!r}, 'diff', '--against', 'HEAD'])\n"
        "    except SystemExit as e:\n"
        "        print('EXIT', e.code)\n"
        "print('YAML', 'yaml' in sys.modules, 'WRITTEN', len(written))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    assert "ESD110 Paid.v1.amount" in out and "EXIT 1" in out
    assert "YAML False WRITTEN 0" in out
    # Another base (its project file changed too): read from git again, and right.
    (root / "escodegen.yaml").write_text((root / "escodegen.yaml").read_text() + "# base 2\n")
    git(root, "commit", "-qam", "boolean amount")
    assert run(root, "diff", "--against", "HEAD") == (0, "0 errors, 0 warnings, 0 info (against HEAD)\n")
    code, out = run(root, "diff", "--against", "HEAD~1")
    assert (code, out.replace("HEAD~1", "HEAD")) == expected


def test_the_cache_key_changes_with_escodegen_version(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import escodegen

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = _repo(tmp_path)
    run(root, "diff", "--against", "HEAD")
    monkeypatch.setattr(escodegen, "__version__", "99.0")
    run(root, "diff", "--against", "HEAD")
    assert len(_entries()) == 2


def test_an_unwritable_cache_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cache").write_text("a file, not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = _repo(tmp_path)
    assert run(root, "diff", "--against", "HEAD")[0] == 0
