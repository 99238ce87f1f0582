"""Writing a target's files, its manifest, and telling what is out of date.

Each output folder holds one `escodegen-manifest.json`: the only generated file that may differ
between machines, because it records the tool versions. It also records a digest of every input
(declaration files, templates, tool versions) and a hash of every file written, so a re-run with
nothing changed is recognised without rendering anything.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from escodegen import __version__
from escodegen.emit import HEADER, Target, is_generated
from escodegen.model import Project
from escodegen.resources import data_dir

MANIFEST = "escodegen-manifest.json"
MANIFEST_FORMAT = 1
# Libraries whose version changes what a target renders: the event classes come from
# datamodel-code-generator, the custom upcast SQL is re-rendered by sqlglot, and every file
# passes through jinja2's template engine.
TARGET_TOOLS: dict[str, tuple[str, ...]] = {
    "python": ("datamodel-code-generator", "jinja2"),
    "postgres": ("jinja2", "sqlglot"),
}
_PACKAGE = Path(__file__).resolve().parent.parent


class UnsafePath(ValueError):
    """A renderer produced a path that would land outside its output folder."""


@dataclass(frozen=True)
class Change:
    relative: str
    kind: Literal["stale", "missing", "orphaned"]
    diff: str


def tool_versions(target: str) -> dict[str, str]:
    versions = {"escodegen": __version__}
    for tool in TARGET_TOOLS.get(target, ()):
        versions[tool] = metadata.version(tool)
    return versions


def _hash_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _code_files() -> Iterable[Path]:
    """Every file of the generator itself: the package's code and all templates. Which of them
    a target's output depends on is not guessed (upcast, schema and naming code shape it too);
    hashing them all costs a few milliseconds."""
    templates = data_dir("templates")  # inside the package in a wheel, beside it in a checkout
    folders = [_PACKAGE] if templates.is_relative_to(_PACKAGE) else [_PACKAGE, templates]
    for folder in folders:
        yield from sorted(p for p in folder.rglob("*")
                          if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")


def input_digest(project_file: Path, sources: Iterable[Path], target: str) -> str:
    """One hash of everything a target's output depends on: the project file, the declaration
    files (by path and content), the generator's own code and the tool versions."""
    digest = hashlib.sha256()
    root = project_file.parent

    def feed(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    feed("format", str(MANIFEST_FORMAT).encode())
    feed("target", target.encode())
    feed("tools", json.dumps(tool_versions(target), sort_keys=True).encode())
    for path in _code_files():
        feed("code", path.read_bytes())
    feed("project", project_file.read_bytes())
    for source in sorted(set(sources)):
        feed(f"source:{source.relative_to(root).as_posix()}", source.read_bytes())
    return digest.hexdigest()


def project_digest(project: Project, target: Target) -> str:
    return input_digest(project.project_file, project.source_files, target.name)


def checked_path(out: Path, relative: str) -> Path:
    """`out / relative`, refused unless it stays inside `out` (no `..`, no symlink escape)."""
    pure = PurePosixPath(relative)
    if pure.is_absolute() or not pure.parts or any(p in ("..", "") for p in pure.parts):
        raise UnsafePath(f"generated path {relative!r} is not a plain relative path")
    path = out.joinpath(*pure.parts)
    root = out.resolve()
    if not path.resolve().is_relative_to(root):
        raise UnsafePath(f"generated path {relative!r} resolves outside {out}")
    return path


def read_manifest(out: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def manifest_text(target: Target, digest: str, files: Mapping[str, str]) -> str:
    manifest = {
        "comment": f"{HEADER} Records what escodegen generated here and from what.",
        "format": MANIFEST_FORMAT,
        "target": target.name,
        "tools": tool_versions(target.name),
        "inputs": digest,
        "files": {path: _hash_bytes(text.encode("utf-8")) for path, text in sorted(files.items())},
    }
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _generated_on_disk(out: Path) -> set[str]:
    """Files under `out` that carry our header (the manifest aside)."""
    found: set[str] = set()
    if not out.is_dir():
        return found
    for path in out.rglob("*"):
        if not path.is_file() or path.is_symlink() or path.name == MANIFEST:
            continue
        if "__pycache__" in path.parts:
            continue
        with path.open("rb") as handle:
            first = handle.readline(512)
        if is_generated(first.decode("utf-8", errors="replace")):
            found.add(path.relative_to(out).as_posix())
    return found


def up_to_date(target: Target, digest: str) -> bool:
    """True when the manifest says these inputs made the files that are on disk now.

    Cheap: hashes the files the manifest lists and reads the first line of any other file, but
    renders nothing."""
    manifest = read_manifest(target.out)
    if manifest is None or manifest.get("inputs") != digest:  # the digest covers tool versions
        return False
    files = manifest.get("files")
    if not isinstance(files, dict):
        return False
    for relative, expected in files.items():
        try:
            data = checked_path(target.out, relative).read_bytes()
        except (OSError, UnsafePath):
            return False
        if _hash_bytes(data) != expected:
            return False
    return _generated_on_disk(target.out) <= set(files)


def _diff(relative: str, before: str | None, after: str | None) -> str:
    lines = difflib.unified_diff(
        (before or "").splitlines(keepends=True),
        (after or "").splitlines(keepends=True),
        fromfile="/dev/null" if before is None else f"a/{relative}",
        tofile="/dev/null" if after is None else f"b/{relative}",
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)


def changes(target: Target, rendered: Mapping[str, str]) -> list[Change]:
    """What writing `rendered` would change on disk, in path order."""
    found: list[Change] = []
    for relative in sorted(rendered):
        current = _read(checked_path(target.out, relative))
        if current is None:
            found.append(Change(relative, "missing", _diff(relative, None, rendered[relative])))
        elif current != rendered[relative]:
            found.append(Change(relative, "stale", _diff(relative, current, rendered[relative])))
    for relative in sorted(_generated_on_disk(target.out) - set(rendered)):
        found.append(Change(relative, "orphaned",
                            _diff(relative, _read(target.out / relative), None)))
    return sorted(found, key=lambda c: c.relative)


def write(target: Target, rendered: Mapping[str, str], digest: str) -> list[Change]:
    """Bring the folder in line with `rendered` (orphans removed) and record the manifest.

    An unsafe path raises UnsafePath from `changes`, before anything is written."""
    todo = changes(target, rendered)
    for change in todo:
        path = checked_path(target.out, change.relative)
        if change.kind == "orphaned":
            path.unlink()
            _remove_empty_parents(path.parent, target.out)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_text(path, rendered[change.relative])
    manifest = manifest_text(target, digest, rendered)
    if _read(target.out / MANIFEST) != manifest:
        target.out.mkdir(parents=True, exist_ok=True)
        _write_text(target.out / MANIFEST, manifest)
    return todo


def _write_text(path: Path, text: str) -> None:
    """Atomically: a reader (or a crash) never sees half a file."""
    temporary = path.with_name(f".{path.name}.escodegen-tmp")
    temporary.write_bytes(text.encode("utf-8"))
    os.replace(temporary, path)


def _remove_empty_parents(folder: Path, out: Path) -> None:
    while folder != out and folder.is_relative_to(out):
        try:
            next(folder.iterdir())
            return
        except StopIteration:
            folder.rmdir()
            folder = folder.parent
