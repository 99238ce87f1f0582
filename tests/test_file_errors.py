"""File errors are user errors (issue 11 point 9): an input or output that the environment
refuses exits 2 with the path, a broken registry or declaration file exits 1 with a code;
exit 3 ("internal error") stays for escodegen's own bugs. Running as root, chmod cannot make a
file unwritable: a path under a regular file, /proc, or a folder where a file is expected
stand in for it."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.command_tree import main_exit

ROOT = Path(__file__).resolve().parent.parent


def shop(tmp: Path) -> Path:
    target = tmp / "shop"
    shutil.copytree(ROOT / "examples" / "shop", target, ignore=shutil.ignore_patterns("generated"))
    (tmp / "afile").write_text("a regular file\n")
    (target / "afile").write_text("a regular file inside the project\n")
    return target


def base_copy(tmp: Path) -> Path:
    """Another copy of the shop, to diff against (diff refuses the project itself)."""
    target = tmp / "base"
    shutil.copytree(ROOT / "examples" / "shop", target, ignore=shutil.ignore_patterns("generated"))
    return target


def edit_project(project: Path, old: str, new: str) -> None:
    path = project / "escodegen.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def published(tmp: Path) -> Path:
    project = shop(tmp)
    assert main_exit(["-C", str(project), "publish"]) == 0
    return project


def _fifo(tmp: Path) -> list[str]:
    os.mkfifo(tmp / "fifo")
    return ["init", str(tmp / "fifo")]


def _generate_into_a_file(tmp: Path) -> list[str]:
    project = shop(tmp)
    edit_project(project, "out: generated/sql", "out: afile")
    return ["-C", str(project), "generate"]


def _generate_under_a_file(tmp: Path) -> list[str]:
    project = shop(tmp)
    edit_project(project, "out: generated/sql", "out: afile/sql")
    return ["-C", str(project), "generate"]


def _registry_under_a_file(tmp: Path) -> list[str]:
    project = shop(tmp)
    edit_project(project, "registry: registry", "registry: afile/registry")
    return ["-C", str(project), "publish"]


def _registry_is_a_file(tmp: Path) -> list[str]:
    project = shop(tmp)
    edit_project(project, "registry: registry", "registry: afile")
    return ["-C", str(project), "check"]


def _index(tmp: Path, content: bytes | None, *command: str) -> list[str]:
    project = published(tmp)
    index = project / "registry" / "index.json"
    if content is None:
        index.unlink()
        index.mkdir()
    else:
        index.write_bytes(content)
    return ["-C", str(project), *command]


def _changed_projection(tmp: Path) -> list[str]:
    project = published(tmp)
    path = project / "projections" / "projections.yaml"
    path.write_text(path.read_text().replace("itemCount: integer}", "itemCount: integer, "
                                             "note: string?}"))
    return ["-C", str(project), "migrate", "projections", "--out", str(tmp / "afile" / "m")]


def _project_file_not_utf8(tmp: Path) -> list[str]:
    project = shop(tmp)
    (project / "escodegen.yaml").write_bytes(b"escodegen: 1\nname: \xff\n")
    return ["-C", str(project), "validate"]


def _project_file_is_a_fifo(tmp: Path) -> list[str]:
    project = shop(tmp)
    (project / "escodegen.yaml").unlink()
    os.mkfifo(project / "escodegen.yaml")
    return ["-C", str(project), "validate"]


def _declaration_source_is_a_folder(tmp: Path) -> list[str]:
    project = shop(tmp)
    edit_project(project, "sources: [events, aggregates, projections]",
                 "sources: [events/order.yaml, aggregates, projections]")
    (project / "events" / "order.yaml").unlink()
    (project / "events" / "order.yaml").mkdir()
    return ["-C", str(project), "check"]


def _registry_file(tmp: Path, name: str, change: Callable[[bytes], bytes],
                   *command: str) -> list[str]:
    project = published(tmp)
    path = project / "registry" / name
    path.write_bytes(change(path.read_bytes()))
    return ["-C", str(project), *command]


def _wrong_types(data: bytes) -> bytes:
    """Every number a string and every string its length: the JSON still parses."""
    def flip(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: flip(item) for key, item in value.items()}
        if isinstance(value, list):
            return [flip(item) for item in value]
        if isinstance(value, str):
            return len(value)
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    return json.dumps(flip(json.loads(data))).encode()


DEEP = b"[" * 100_000 + b"]" * 100_000
"""Deeper than Python's JSON reader can recurse."""
SCHEMA = "events/OrderPlaced/v2.schema.json"

CASES: dict[str, tuple[Callable[[Path], list[str]], int, str]] = {
    "check -o under /proc": (lambda t: ["-C", str(shop(t)), "check", "-o", "/proc/x.json"],
                             2, "cannot write the report to /proc/x.json"),
    "check -o in a missing folder": (
        lambda t: ["-C", str(shop(t)), "check", "-o", str(t / "missing" / "x.json")],
        2, "missing/x.json: No such file or directory"),
    "check -o under a file": (
        lambda t: ["-C", str(shop(t)), "check", "-o", str(t / "afile" / "x.json")],
        2, "afile/x.json: Not a directory"),
    "diff -o under a file": (
        lambda t: ["-C", str(shop(t)), "diff", "--against", str(base_copy(t)), "-o",
                   str(t / "afile" / "x.json")], 2, "afile/x.json: Not a directory"),
    "init into a FIFO": (_fifo, 2, "cannot create the project in"),
    "init under a file": (lambda t: [*["init"], str(shop(t).parent / "afile" / "sub")],
                          2, "afile/sub: Not a directory"),
    "generate into a file": (_generate_into_a_file, 2, "cannot write the postgres target to"),
    "generate under a file": (_generate_under_a_file, 2, "afile/sql: Not a directory"),
    "migrate events --out under a file": (
        lambda t: ["-C", str(shop(t)), "migrate", "events", "--out", str(t / "afile" / "m.sql")],
        2, "cannot write"),
    "migrate purge --out under a file": (
        lambda t: ["-C", str(shop(t)), "migrate", "purge", "--subject",
                   "8d9c4f43-0d0f-4a53-9a57-7e1f4b0e8f11", "--out",
                   str(t / "afile" / "p.sql")], 2, "cannot write"),
    "migrate projections --out under a file": (_changed_projection, 2,
                                               "cannot write migrations to"),
    "publish into a registry under a file": (_registry_under_a_file, 2,
                                             "cannot write the registry"),
    "check with a registry that is a file": (_registry_is_a_file, 1, "error ES801"),
    "check with index.json a folder": (lambda t: _index(t, None, "check"), 1,
                                       "index.json is not a regular file"),
    "registry list with index.json not JSON": (lambda t: _index(t, b"{", "registry", "list"),
                                               1, "error ES802"),
    "migrate projections with index.json of the wrong shape": (
        lambda t: _index(t, b'{"escodegen": 2, "events": []}', "migrate", "projections",
                         "--out", str(t / "m")), 1, "error ES803"),
    "publish with index.json not UTF-8": (lambda t: _index(t, b"\xff", "publish"), 1,
                                          "index.json is not valid UTF-8"),
    "registry list with index.json truncated": (
        lambda t: _registry_file(t, "index.json", lambda d: d[:len(d) // 2], "registry",
                                 "list"), 1, "error ES802"),
    "check with index.json of the wrong types": (
        lambda t: _registry_file(t, "index.json", _wrong_types, "check"), 1, "ES803"),
    "publish with index.json nested too deeply": (
        lambda t: _registry_file(t, "index.json", lambda d: DEEP, "publish", "--dry-run"),
        1, "error ES802"),
    "doctor with index.json null": (
        lambda t: _registry_file(t, "index.json", lambda d: b"null", "doctor"), 1,
        "ES803 registry/index.json holds null"),
    "registry show with a log line null": (
        lambda t: _registry_file(t, "log.jsonl", lambda d: d + b"null\n", "registry", "show",
                                 "OrderPlaced"), 1, "error ES803"),
    "catalog with a log line nested too deeply": (
        lambda t: _registry_file(t, "log.jsonl", lambda d: DEEP + b"\n", "catalog", "--out",
                                 str(t / "cat")), 1, "error ES802"),
    "migrate projections with a schema file truncated": (
        lambda t: _registry_file(t, SCHEMA, lambda d: d[:len(d) // 2], "migrate",
                                 "projections", "--out", str(t / "m")), 1, "error ES802"),
    "registry show with a schema file null": (
        lambda t: _registry_file(t, SCHEMA, lambda d: b"null", "registry", "show",
                                 "OrderPlaced"), 1, "ES803"),
    "check with a schema file not UTF-8": (
        lambda t: _registry_file(t, SCHEMA, lambda d: b"\xff" + d, "check"), 1, "ES801"),
    "project file not UTF-8": (_project_file_not_utf8, 1, "error ES004"),
    "project file a FIFO": (_project_file_is_a_fifo, 1, "error ES006"),
    "declaration source a folder": (_declaration_source_is_a_folder, 1, "ES007"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_file_error_is_a_user_error(tmp_path: Path, case: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    prepare, code, message = CASES[case]
    argv = prepare(tmp_path)
    capsys.readouterr()
    assert main_exit(argv) == code
    out, err = capsys.readouterr()
    assert message in out + err, (out, err)
    assert "internal error" not in err and "Traceback" not in err
