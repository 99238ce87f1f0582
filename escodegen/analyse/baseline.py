"""The other side of `diff --against`: the project's declarations at a git ref, read from git
objects (`git archive`) into a temporary folder without touching the work tree, or another
folder holding a project."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

import yaml  # type: ignore[import-untyped]


class BaselineError(Exception):
    """The ref or folder cannot be read; the CLI exits 2 with this message."""


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
    config = yaml.safe_load(_git(top, "show", f"{ref}:{prefix}{project_file.name}")) or {}
    sources = config.get("sources") if isinstance(config, dict) else None
    wanted = [prefix + project_file.name] + [
        prefix + _literal_prefix(str(s)) for s in (sources if isinstance(sources, list) else [])]
    present = _git(top, "ls-tree", "-r", "--name-only", ref, "--", *wanted).decode().splitlines()
    archive = _git(top, "archive", "--format=tar", ref, "--", *present)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    extracted = into / relative / project_file.name
    if not extracted.is_file():
        raise BaselineError(f"{ref} has no {relative}/{project_file.name}")
    return extracted


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
