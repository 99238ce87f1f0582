"""Read the project file and every declaration file, keeping source positions.

Nothing here interprets the declarations; it only finds and parses the files safely. The
project file is read by `read_project_file` only: compiling, the freshness check of `generate`
and the base of `diff --against` all learn its `sources` from the one `ProjectFile`.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from escodegen.diagnostics import Report, Span
from escodegen.printable import first_unsafe

if TYPE_CHECKING:  # PyYAML is imported only when a file is read: not on a cached run
    from escodegen.sources.yaml_source import Document, JsonPath

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class ProjectFile:
    """escodegen.yaml as read (YAML with positions), before any check."""

    path: Path
    document: Document

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def data(self) -> dict[str, Any]:
        """The top-level mapping; empty when the file holds something else (the structure
        check reports it)."""
        return self.document.data if isinstance(self.document.data, dict) else {}

    def source_patterns(self) -> list[str] | None:
        """The entries of `sources`; None when it is missing or not a list of strings (the
        structure check reports it)."""
        sources = self.data.get("sources")
        if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
            return None
        return sources


def read_project_file(path: Path, report: Report, shown: str | None = None) -> ProjectFile | None:
    """The project file at `path` (named `shown` in diagnostics, by default its file name);
    None after a diagnostic."""
    from escodegen.sources.yaml_source import load_yaml_file

    path = path.absolute()
    document = load_yaml_file(path, shown or path.name, report)
    return None if document is None else ProjectFile(path, document)


@dataclass(frozen=True)
class LoadedProject:
    root: Path
    project: Document
    sources: tuple[Document, ...]


def inside(root: Path, candidate: Path) -> bool:
    """Is `candidate` (symlinks resolved) inside `root`?"""
    try:
        candidate.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


PATH_KEYS = (("registry",), ("python", "out"), ("postgres", "out"))
"""The single paths of escodegen.yaml, besides the list `sources`."""


def printable_paths(project: Document, report: Report) -> bool:
    """Are all paths in escodegen.yaml free of control, bidi and separator characters? A file
    or folder named with one would be hard to see and could forge terminal output."""
    data = project.data if isinstance(project.data, dict) else {}
    located: list[tuple[JsonPath, object]] = [
        (("sources", i), s) for i, s in enumerate(data.get("sources") or [])]
    for keys in PATH_KEYS:
        value: object = data
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        located.append((keys, value))
    ok = True
    for path, value in located:
        char = first_unsafe(value) if isinstance(value, str) else None
        if char is not None:
            report.error("ES011", f"the path '{value}' holds the character {char}",
                         project.span(path))
            ok = False
    return ok


def display_path(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def load_project(project_file: Path, report: Report) -> LoadedProject | None:
    """Read escodegen.yaml and the declaration files its `sources` name."""
    from escodegen.sources.yaml_source import load_yaml_file  # PyYAML: not on a cached run

    project_file = project_file.absolute()
    root = project_file.parent
    if not project_file.is_file():
        report.error("ES006", f"no project file at {project_file}", None)
        return None
    read = read_project_file(project_file, report)
    if read is None or not printable_paths(read.document, report):
        return None
    project = read.document
    sources = read.source_patterns()
    if sources is None:
        return LoadedProject(root, project, ())  # the structure check reports it
    documents = []
    for index, pattern in enumerate(sources):
        where = project.span(("sources", index))
        for path in expand_source(root, pattern, where, report):
            doc = load_yaml_file(path, display_path(root, path), report)
            if doc is not None:
                documents.append(doc)
    return LoadedProject(root, project, tuple(documents))


def expand_source(root: Path, pattern: str, where: Span, report: Report) -> list[Path]:
    """The YAML files a `sources` entry names: a folder (searched recursively), a file or a glob."""
    if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
        report.error("ES005", f"source '{pattern}' points outside the project folder", where)
        return []
    target = root / pattern
    if target.is_dir():
        candidates = sorted(p for p in target.rglob("*") if p.suffix in YAML_SUFFIXES)
    elif any(ch in pattern for ch in "*?["):
        candidates = sorted(Path(p) for p in glob.glob(str(target), recursive=True))
    elif target.is_file():
        candidates = [target]
    else:
        candidates = []
    files = []
    for path in candidates:
        if not path.is_file():
            continue
        if not inside(root, path):
            report.error("ES005", f"{display_path(root, path)} resolves outside the project folder "
                         "(a symbolic link?)", where)
            continue
        files.append(path)
    if not files and not candidates:
        report.error("ES007", f"source '{pattern}' matches no YAML file", where)
    return files
