"""The other side of `diff --against`: the project's declarations at a git ref, read from git
objects (`git archive`) into a temporary folder without touching the work tree, or another
folder holding a project.

Both sides are read by the same pipeline (`escodegen.check.compile_project`); here the base's
project file is read by escodegen's own loader too (YAML 1.2 scalars, duplicate keys refused,
size limits), only to learn which declaration folders to take from git.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
from dataclasses import dataclass, replace
from pathlib import Path

from escodegen.diagnostics import Report, Span
from escodegen.load.yaml_source import load_yaml_file


class BaselineError(Exception):
    """The ref or folder cannot be read; the CLI exits 2 with this message."""


@dataclass(frozen=True)
class Baseline:
    """The base project of a comparison, and how to show its files to the user."""

    project_file: Path
    """Where its project file is now (in the temporary folder, for a git ref)."""
    against: str
    """What the user named: `origin/main`, `HEAD~1`, a folder."""
    shown_root: str
    """What stands for the base project's folder when one of its files is named:
    `origin/main:shop/` (git's REV:PATH notation, PATH from the repository root) or the
    folder as given (`../base/`)."""

    def show(self, file: str) -> str:
        """A file of the base project (relative to its folder) as the user can find it."""
        return f"{self.shown_root}{file}"

    def errors(self, report: Report) -> str:
        """Every error of the base side, each at file:line:column of the base, as one message."""
        lines = [(f"the base declarations ({self.against}) are invalid, so there is nothing to "
                  "compare with; fix them there, or compare --against another ref or folder:")]
        for diagnostic in report:
            if diagnostic.severity != "error":
                continue
            span = diagnostic.span
            if span is not None:
                diagnostic = replace(diagnostic, span=Span(self.show(span.file), span.line,
                                                           span.column))
            lines += ["  " + line for line in diagnostic.render().splitlines()]
        return "\n".join(lines)


def open_baseline(project_file: Path, against: str, scratch: Path) -> Baseline:
    """The base named by `--against`: a folder when one exists at that path, else a git ref
    (extracted under `scratch`)."""
    folder = Path(against)
    if folder.exists():
        base_file = project_file_in_folder(folder, project_file.name)
        shown = os.path.relpath(base_file.parent)
        return Baseline(base_file, against, "" if shown == "." else shown.replace(os.sep, "/") + "/")
    base_file = extract_at_ref(project_file, against, scratch)
    relative = base_file.parent.relative_to(scratch).as_posix()
    return Baseline(base_file, against, f"{against}:" + ("" if relative == "." else relative + "/"))


def project_file_in_folder(folder: Path, project_file_name: str) -> Path:
    """The project file of `--against FOLDER` (the folder itself may be the file)."""
    if folder.is_file():
        return folder
    candidate = folder / project_file_name
    if not candidate.is_file():
        raise BaselineError(f"{folder} holds no {project_file_name}")
    return candidate


def extract_at_ref(project_file: Path, ref: str, into: Path) -> Path:
    """Write the project's folder as of `ref` under `into`; return its project file there."""
    root = project_file.parent.resolve()
    top = Path(_git(root, "rev-parse", "--show-toplevel").decode().strip()).resolve()
    _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    relative = root.relative_to(top).as_posix()
    prefix = "" if relative == "." else relative + "/"
    # Only the project file and the declaration folders: not the registry or generated code.
    wanted = [prefix + project_file.name] + [
        prefix + folder for folder in _source_folders(top, ref, prefix + project_file.name, into)]
    present = _git(top, "ls-tree", "-r", "--name-only", ref, "--", *wanted).decode().splitlines()
    archive = _git(top, "archive", "--format=tar", ref, "--", *present)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    extracted = into / relative / project_file.name
    if not extracted.is_file():
        raise BaselineError(f"{ref} has no {relative}/{project_file.name}")
    return extracted


def _source_folders(top: Path, ref: str, path: str, into: Path) -> list[str]:
    """The literal folders (or files) of the `sources` of the project file at `ref:path`.

    The file is read by escodegen's loader, as `compile_project` will read it. When it cannot
    be read or `sources` is malformed, no folder is taken: compiling the extracted project
    file then reports the problem at its line and column, like any other base error.
    """
    raw = _git(top, "show", f"{ref}:{path}")
    copy = into / ".escodegen-project-at-ref"
    into.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(raw)
    try:
        document = load_yaml_file(copy, f"{ref}:{path}", Report())
    finally:
        copy.unlink()
    data = document.data if document is not None else None
    sources = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        return []
    # Paths leaving the project are not taken from git (ES005 is reported when compiling).
    return [_literal_prefix(s) for s in sources
            if not Path(s).is_absolute() and ".." not in Path(s).parts]


def _literal_prefix(source: str) -> str:
    """`events/**/*.yaml` -> `events`: the folders before the first glob character."""
    parts = []
    for part in source.split("/"):
        if any(c in part for c in "*?["):
            break
        parts.append(part)
    return "/".join(parts) or "."


def _git(cwd: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError as error:
        raise BaselineError("git is not installed") from error
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip() or f"git {args[0]} failed"
        if args[:2] == ("rev-parse", "--verify"):
            detail = f"unknown git ref '{args[-1].removesuffix('^{commit}')}'"
        raise BaselineError(detail)
    return done.stdout
