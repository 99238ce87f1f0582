"""The other side of `diff --against`: the project's declarations at a git ref, read from git
objects (`git ls-tree` and `git cat-file`) into a temporary folder without touching the work tree, or another
folder holding a project.

Both sides are read by the same pipeline (`escodegen.check.compile_project`); here the base's
project file is read by escodegen's own loader too (YAML 1.2 scalars, duplicate keys refused,
size limits), only to learn which declaration folders to take from git.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from escodegen.diagnostics import Report, Span
from escodegen.sources.project import read_project_file

if TYPE_CHECKING:
    from escodegen.model import Project


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
    key: str | None = None
    """For a git ref, a hash of the paths and git object ids of the files read: the same key,
    the same base (what the compiled-model cache is keyed by)."""
    pending: _Files | None = field(default=None, repr=False)
    """A git ref's files not yet written (`open_baseline(..., lazy=True)`)."""

    def write_files(self) -> None:
        """Write a git ref's files under the scratch folder, where `project_file` is: what
        `open_baseline(..., lazy=True)` leaves to a caller who may find the compiled base in the
        cache instead (and then needs no file)."""
        if self.pending is not None:
            self.pending.write()

    def show(self, file: str) -> str:
        """A file of the base project (relative to its folder) as the user can find it."""
        return f"{self.shown_root}{file}"

    def errors(self, report: Report) -> list[str]:
        """Every error of the base side, each at file:line:column of the base: a message, then
        the lines of each diagnostic (rendered: declared text in them is escaped already)."""
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
        return lines


def open_baseline(project_file: Path, against: str, scratch: Path, *,
                  lazy: bool = False) -> Baseline:
    """The base named by `--against`: a folder when one exists at that path, else a git ref
    (extracted under `scratch`; with `lazy`, only when `Baseline.write_files` is called)."""
    if not against.strip() or posixpath.normpath(against) == ".":
        raise BaselineError(f"--against {against!r} names the work tree itself (an unset CI "
                            "variable?); name a git ref (origin/main, HEAD~1) or another folder")
    folder = Path(against)
    if _is_there(folder):
        base_file = project_file_in_folder(folder, project_file.name)
        if base_file.resolve() == project_file.resolve():
            raise BaselineError(f"--against {against} is the project itself; name a git ref "
                                "(origin/main, HEAD~1) or a folder holding another copy")
        shown = os.path.relpath(base_file.parent)
        return Baseline(base_file, against, "" if shown == "." else shown.replace(os.sep, "/") + "/")
    base_file, key, files = read_ref(project_file, against, scratch)
    if not lazy:
        files.write()
    relative = base_file.parent.relative_to(scratch).as_posix()
    return Baseline(base_file, against, f"{against}:" + ("" if relative == "." else relative + "/"),
                    key, files if lazy else None)


def _is_there(path: Path) -> bool:
    """Whether a file or folder is at `path`; a name no file can have (too long) is not there,
    and may be a git ref."""
    try:
        return path.exists()
    except OSError:
        return False


def project_file_in_folder(folder: Path, project_file_name: str) -> Path:
    """The project file of `--against FOLDER` (the folder itself may be the file)."""
    if folder.is_file():
        return folder
    candidate = folder / project_file_name
    if not candidate.is_file():
        raise BaselineError(f"{folder} holds no {project_file_name}")
    return candidate


@dataclass(frozen=True)
class _Entry:
    mode: str
    kind: str
    object: str


@dataclass(frozen=True)
class _Files:
    """Files of a git tree to write under a folder."""

    top: Path
    """The repository's top folder, where git runs."""
    into: Path
    chosen: dict[str, _Entry]
    """Blob by path from the repository's top."""

    def write(self) -> None:
        contents = _blobs(self.top, [e.object for e in self.chosen.values()])
        for path, content in zip(self.chosen, contents, strict=True):
            target = self.into / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)


_SYMLINK, _GITLINK = "120000", "160000"
_LINK_DEPTH = 8


def read_ref(project_file: Path, ref: str, into: Path) -> tuple[Path, str, _Files]:
    """The project file and declaration folders as of `ref`: where the project file will be
    under `into`, a key of the files (their git object ids), and the files to write there.

    The tree is read with `git ls-tree -z` and `git cat-file --batch`, not `git archive`, so
    `export-ignore` and other attributes hide nothing, unusual file names arrive unquoted, and
    a symlinked declaration file is read through its link, as in the work tree.
    """
    root = project_file.parent.resolve()
    top = Path(_git(root, "rev-parse", "--show-toplevel").decode().strip()).resolve()
    _verify(top, ref)
    relative = root.relative_to(top).as_posix()
    prefix = "" if relative == "." else relative + "/"
    tree = _tree(top, ref)
    project_path = prefix + project_file.name
    if project_path not in tree:
        raise BaselineError(_missing_project(tree, ref, relative, project_file.name))
    symlinks = [e.object for e in tree.values() if e.mode == _SYMLINK]
    links = dict(zip(symlinks, _blobs(top, symlinks), strict=True))
    found = _resolve(tree, links, project_path, ref, relative)
    if found is None:
        raise BaselineError(f"{ref}:{project_path} is a link to nothing in the repository")
    wanted = [project_path] + [posixpath.normpath(prefix + f) for f in
                               _cached_source_folders(top, found[1].object, ref, project_path, into)]
    chosen: dict[str, _Entry] = {}
    for path, entry in tree.items():
        if any(w == "." or path == w or path.startswith(w + "/") for w in wanted):
            if entry.mode == _GITLINK:
                raise BaselineError(_submodule_in_sources(
                    ref, f"{ref}:{path} is a git submodule", relative))
            if entry.kind == "blob":
                resolved = _resolve(tree, links, path, ref, relative)
                if resolved is not None:
                    chosen[path] = resolved[1]
    listing = [project_path] + [f"{p}\t{e.object}" for p, e in sorted(chosen.items())]
    key = hashlib.sha256("\0".join(listing).encode("utf-8", "surrogateescape")).hexdigest()
    return into / relative / project_file.name, key, _Files(top, into, chosen)


def _verify(top: Path, ref: str) -> None:
    try:
        _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except BaselineError:
        shallow = _git(top, "rev-parse", "--is-shallow-repository").decode().strip() == "true"
        if shallow:
            raise BaselineError(
                f"unknown git ref '{ref}': this clone is shallow (it holds only the latest "
                "commits), so the base may not be in it; deepen it with `git fetch --deepen=50` "
                "(or `git fetch --unshallow`), fetch the base branch (`git fetch origin main`), "
                "or in GitHub Actions check out with `fetch-depth: 0`") from None
        outer = _git(top, "rev-parse", "--show-superproject-working-tree").decode().strip()
        if outer:
            raise BaselineError(_unknown_in_submodule(top, Path(outer), ref)) from None
        raise


def _unknown_in_submodule(top: Path, outer: Path, ref: str) -> str:
    """An unknown ref, when the project is inside a git submodule: the user probably named a ref
    of the repository around it, whose refs the submodule does not have."""
    inside = os.path.relpath(top, outer.resolve()).replace(os.sep, "/")
    message = (f"unknown git ref '{ref}': the project is in the git submodule {inside}/ of the "
               f"repository at {outer}, and a submodule has its own branches, tags and commits, "
               "not those of the repository around it")
    try:
        commit = _git(outer, "rev-parse", "--verify", "--quiet", f"{ref}:{inside}").decode().strip()
    except BaselineError:
        commit = ""
    if commit:
        return (f"{message}; there, {ref} records commit {commit} of the submodule: compare with "
                f"it (`escodegen diff --against {commit}`)")
    return (f"{message}; name a ref of the submodule, or the submodule's commit that a ref of "
            f"the outer repository records (`git -C {outer} rev-parse REF:{inside}`)")


def _submodule_in_sources(ref: str, where: str, project: str) -> str:
    """A declaration file or folder is a git submodule or in one (`where` says which); what to
    do instead (`project`: the project's folder in the repository)."""
    folder = "" if project == "." else f"/{project}"
    return (f"{where}: its files are in the submodule's own repository, not in this one's history, "
            f"so they cannot be read at {ref}; compare with a folder holding the base project and "
            f"its submodules instead: `git worktree add /tmp/base {ref} && git -C /tmp/base "
            f"submodule update --init`, then `escodegen diff --against /tmp/base{folder}`")


def _tree(top: Path, ref: str) -> dict[str, _Entry]:
    """Every entry of the commit's tree, by path from the repository root."""
    listing = _git(top, "ls-tree", "-r", "-z", "--full-tree", ref)
    tree: dict[str, _Entry] = {}
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, kind, obj = meta.decode().split()
        tree[name.decode("utf-8", "surrogateescape")] = _Entry(mode, kind, obj)
    return tree


def _resolve(tree: dict[str, _Entry], links: dict[str, bytes], path: str, ref: str,
             project: str) -> tuple[str, _Entry] | None:
    """The file a path names, through symlinks inside the tree; None when a link leads out
    of the repository or nowhere. A link into a git submodule, whose files the tree does not
    hold, is a BaselineError (`project`: the project's folder, to say what to do)."""
    named, entry = path, tree.get(path)
    for _ in range(_LINK_DEPTH):
        if entry is None and path != named:
            holder = _submodule_holding(tree, path)
            if holder is not None:
                raise BaselineError(_submodule_in_sources(
                    ref, f"{ref}:{named} is a link into the git submodule {holder}/", project))
        if entry is None or entry.mode != _SYMLINK:
            return None if entry is None else (path, entry)
        link = links[entry.object]
        target = posixpath.normpath(posixpath.join(posixpath.dirname(path), link.decode(
            "utf-8", "surrogateescape")))
        if target.startswith(("../", "/")) or target == "..":
            return None
        path, entry = target, tree.get(target)
    return None


def _submodule_holding(tree: dict[str, _Entry], path: str) -> str | None:
    """The git submodule (a gitlink entry) that `path` is inside, if any."""
    while "/" in path:
        path = path.rsplit("/", 1)[0]
        entry = tree.get(path)
        if entry is not None:
            return path if entry.mode == _GITLINK else None
    return None


def _blobs(top: Path, objects: list[str]) -> list[bytes]:
    """The contents of git blobs, read in one `git cat-file --batch`."""
    if not objects:
        return []
    out = _git(top, "cat-file", "--batch", stdin="".join(o + "\n" for o in objects).encode())
    contents, at = [], 0
    for _ in objects:
        header_end = out.index(b"\n", at)
        header = out[at:header_end].decode().split()
        if len(header) != 3:
            raise BaselineError(f"git cat-file cannot read {' '.join(header)}")
        size = header[2]
        start = header_end + 1
        contents.append(out[start:start + int(size)])
        at = start + int(size) + 1
    return contents


def _missing_project(tree: dict[str, _Entry], ref: str, relative: str, name: str) -> str:
    if relative != "." and any(p.startswith(relative + "/") for p in tree):
        return f"{ref} has a folder {relative}/ but no {relative}/{name} in it"
    if relative != ".":
        return (f"{ref} has no folder {relative}/ (renamed or moved since?); compare --against "
                "a ref where the project was here, or a folder holding the base project")
    return f"{ref} has no {name}"


_SOURCES = "base-sources"


def _cached_source_folders(top: Path, blob: str, ref: str, path: str, into: Path) -> list[str]:
    """`_source_folders` of the project file in git blob `blob`, kept in the user's cache folder
    by the blob's id: the same bytes name the same folders, and a diff whose base model is
    cached then neither reads the blob nor loads the YAML parser."""
    from escodegen.sources.model_cache import entry_key, read_entry, write_entry

    key = entry_key(_SOURCES, blob)
    folders = read_entry(_SOURCES, key)
    if isinstance(folders, list) and all(isinstance(f, str) for f in folders):
        return folders
    folders = _source_folders(_blobs(top, [blob])[0], ref, path, into)
    write_entry(_SOURCES, key, folders)
    return folders


def _source_folders(raw: bytes, ref: str, path: str, into: Path) -> list[str]:
    """The literal folders (or files) of the `sources` of the project file at `ref:path`.

    The file is read by escodegen's loader, as `compile_project` will read it. When it cannot
    be read or `sources` is malformed, no folder is taken: compiling the extracted project
    file then reports the problem at its line and column, like any other base error.
    """
    copy = into / ".escodegen-project-at-ref"
    into.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(raw)
    try:
        project = read_project_file(copy, Report(), shown=f"{ref}:{path}")
    finally:
        copy.unlink()
    sources = project.source_patterns() if project is not None else None
    if sources is None:
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


def _git(cwd: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False,
                              input=stdin)
    except FileNotFoundError as error:
        raise BaselineError("git is not installed") from error
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip() or f"git {args[0]} failed"
        if args[:2] == ("rev-parse", "--verify"):
            detail = f"unknown git ref '{args[-1].removesuffix('^{commit}')}'"
        raise BaselineError(detail)
    return done.stdout


# -- the compiled base, cached -------------------------------------------------------------------
#
# Compiling the base is half of a diff's time, and the base (origin/main) changes far less
# often than the work tree. A valid base model is kept in the user's cache folder
# (escodegen.sources.model_cache) under a key made of the git object ids of the files it was compiled
# from (`Baseline.key`) and the compiler's signature: the same key means the same input to the
# same compiler.

_BASE = "base-models"


def cached_model(baseline: Baseline) -> Project | None:
    """The base's compiled model from the cache, or None (absent, or not to be trusted)."""
    from escodegen.model import Project
    from escodegen.sources.model_cache import entry_key, read_entry

    if baseline.key is None:
        return None
    model = read_entry(_BASE, entry_key(baseline.key))
    return model if isinstance(model, Project) else None


def store_model(baseline: Baseline, model: Project) -> None:
    """Keep a valid base model for the next run; a cache that cannot be written is skipped."""
    from escodegen.sources.model_cache import entry_key, write_entry

    if baseline.key is not None:
        write_entry(_BASE, entry_key(baseline.key), model)
