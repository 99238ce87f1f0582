"""Compiled models kept in the user's cache folder, so a run whose input did not change since
the last one skips the front half of the pipeline (loading, structure, building, checking).

Two users: `diff` keeps the base's model (keyed by the git object ids of its files, see
`escodegen.sources.baseline`), `check` and `diff` keep the work tree's (`cached_compile`,
keyed by the project file's path and bytes, and checked against every source file's bytes).

An entry is trusted only when everything checks out: its header, a SHA-256 of its body, the
key it was stored under (inside the body), and, for a work tree, that the sources expand to the
same files with the same bytes and that every path the model resolved still resolves to the
same place. Anything else (truncated, edited, another key, unreadable, stale) is a miss, and the
project is compiled again. Only models without errors are kept; their warnings are kept with
them. Every key includes escodegen's version, Python's, and a signature of escodegen's own code
and schemas (their sizes and modification times), so a changed compiler never reads an old
entry.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from escodegen.diagnostics import Diagnostic, Report
    from escodegen.model import Project
    from escodegen.sources.project import LoadedProject

_MAGIC = b"escodegen-model 2\n"
_PACKAGE = Path(__file__).resolve().parent.parent


def cache_folder() -> Path:
    """`$XDG_CACHE_HOME/escodegen` or the platform's user cache folder for escodegen."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "escodegen"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("escodegen"))


def _code_files() -> Iterator[str]:
    from escodegen.resources import data_dir

    for folder in (str(_PACKAGE), str(data_dir("schemas"))):
        for parent, folders, files in os.walk(folder):
            folders[:] = sorted(f for f in folders if f != "__pycache__")
            for name in sorted(files):
                if name.endswith((".py", ".json")):
                    yield os.path.join(parent, name)


@cache
def _code_signature() -> str:
    """The size and modification time of each of escodegen's modules and schemas: a
    development checkout changes without a new version."""
    parts = []
    for path in _code_files():
        status = os.stat(path)
        parts.append(f"{path}\0{status.st_size}\0{status.st_mtime_ns}")
    return "\n".join(parts)


def entry_key(*parts: str) -> str:
    """The file name of an entry: a SHA-256 of what the compiler is (escodegen's version and
    code, Python's version) and `parts`."""
    import escodegen

    text = "\0".join((escodegen.__version__, sys.version, _code_signature(), *parts))
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def read_entry(kind: str, key: str) -> Any:
    """The value stored under `key` in the cache's `kind` folder, or None when there is no entry
    to trust."""
    import gc
    import pickle

    try:
        data = (cache_folder() / kind / key).read_bytes()
        header, digest, body = (data[:len(_MAGIC)], data[len(_MAGIC):len(_MAGIC) + 32],
                                data[len(_MAGIC) + 32:])
        if header != _MAGIC or hashlib.sha256(body).digest() != digest:
            return None
        # A model is tens of thousands of small objects, none in a cycle: the cycle collector
        # would run hundreds of times while they are made, for nothing (half the time taken).
        gc.disable()
        try:
            stored_key, value = pickle.loads(body)
        finally:
            gc.enable()
    except Exception:  # noqa: BLE001 (any unreadable entry is only a cache miss)
        return None
    return value if stored_key == key else None


def write_entry(kind: str, key: str, value: Any) -> None:
    """Keep `value` under `key`; a cache that cannot be written is skipped."""
    import pickle
    import tempfile

    folder = cache_folder() / kind
    try:
        body = pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, delete=False) as handle:
            handle.write(_MAGIC + hashlib.sha256(body).digest() + body)
        os.replace(handle.name, folder / key)  # atomic: a reader never sees half an entry
    except (OSError, pickle.PicklingError):
        return


# -- the work tree's model ----------------------------------------------------------------------

_WORK_TREE = "models"


@dataclass(frozen=True)
class _Compiled:
    project: Project
    diagnostics: tuple[Diagnostic, ...]
    files: tuple[tuple[str, str], ...]
    """(path, SHA-256 of its bytes) of every source file, in the order they were read."""
    resolved: tuple[tuple[str, str], ...]
    """(path, where it resolved to) of the project's folder, its files and its output paths:
    the places whose symbolic links the compile followed."""


def _work_tree_key(project_file: Path, digest: str) -> str:
    return entry_key(str(project_file), digest)


def _resolved(project: Project) -> tuple[tuple[str, str], ...]:
    paths = [project.root, project.registry, *project.source_files]
    paths += [target.out for target in (project.python, project.postgres) if target is not None]
    return tuple((str(p), os.path.realpath(p)) for p in paths)


def _source_files(project: Project) -> list[Path] | None:
    """The files the project's `sources` name now, or None when expanding them is an error."""
    from escodegen.diagnostics import Report, Span
    from escodegen.sources.project import expand_source

    report = Report()
    files = [path for pattern in project.sources
             for path in expand_source(project.root, pattern, Span("", 1, 1), report)]
    return None if report.has_errors else files


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _digest_of(path: Path) -> str | None:
    try:
        return _sha256(path.read_bytes())
    except OSError:
        return None


def cached_compile(project_file: Path) -> tuple[Project, Report] | None:
    """The model and diagnostics of the last compile of `project_file`, when nothing it read
    has changed since; else None."""
    from escodegen.diagnostics import Report

    try:
        text = project_file.read_bytes()
    except OSError:
        return None
    entry = read_entry(_WORK_TREE, _work_tree_key(project_file, _sha256(text)))
    if not isinstance(entry, _Compiled):
        return None
    files = _source_files(entry.project)
    if files is None or [str(p) for p in files] != [path for path, _ in entry.files]:
        return None
    if any(_digest_of(Path(path)) != digest for path, digest in entry.files):
        return None
    if _resolved(entry.project) != entry.resolved:
        return None
    return entry.project, Report(list(entry.diagnostics))


def store_compile(project_file: Path, loaded: LoadedProject, project: Project | None,
                  report: Report) -> None:
    """Keep a model compiled without errors for the next run, under the digests of the bytes it
    was compiled from (taken when they were read)."""
    if project is None or report.has_errors:
        return
    files = tuple((str(doc.path), doc.sha256) for doc in loaded.sources)
    entry = _Compiled(project, tuple(report.diagnostics), files, _resolved(project))
    write_entry(_WORK_TREE, _work_tree_key(project_file, loaded.project.sha256), entry)
