"""No input, however malformed or hostile, gets a traceback, a hang or a write outside the project."""

from __future__ import annotations

import itertools
import math
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escodegen.cli import cli, main
from escodegen.printable import unsafe
from tests.command_tree import LEAVES, main_exit
from tests.conftest import EXAMPLES, ROOT

SHOP_FILES = sorted((EXAMPLES / "shop").rglob("*.yaml"))


def run_validate(project: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-C", str(project), "validate", "--format", "json"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"exception escaped the CLI: {result.exception!r}\n{result.output}")
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_a_50_mb_file_is_refused_before_it_is_parsed(shop: Path) -> None:
    big = shop / "events" / "big.yaml"
    with big.open("w") as f:
        f.write("events:\n")
        line = "  # " + "x" * 1000 + "\n"
        for _ in range(50_000):
            f.write(line)
    code, output = run_validate(shop)
    assert code == 1 and '"ES003"' in output and "big.yaml" in output


def test_a_symbolic_link_out_of_the_project_is_refused(shop: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("events: {}\n")
    os.symlink(outside, shop / "events" / "linked.yaml")
    code, output = run_validate(shop)
    assert code == 1 and '"ES005"' in output


def test_output_folders_outside_the_project_are_refused(shop: Path) -> None:
    config = shop / "escodegen.yaml"
    config.write_text(config.read_text().replace("out: generated/sql", "out: /tmp/escaped"))
    code, output = run_validate(shop)
    assert code == 1 and '"ES005"' in output and "/tmp/escaped" in output


mutation = st.tuples(
    st.sampled_from(SHOP_FILES),
    st.lists(
        st.tuples(
            st.sampled_from(["insert", "delete", "replace"]),
            st.floats(0, 1),
            st.sampled_from(["{", "}", "[", "]", ":", "-", "&a", "*a", "!!python/object:os.system",
                             "\t", "\n", "  ", "?", "\x00", "\x85", "'", '"', "é", "$.", "<<: *a",
                             "~", "1", "versions", "upcast", "fields", "'\\u0000'", "#"]),
        ),
        min_size=1, max_size=6,
    ),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=mutation)
def test_mutated_yaml_never_crashes_the_cli(tmp_path: Path, case: tuple[Path, list]) -> None:
    source, edits = case
    project = tmp_path / "p"
    if project.exists():
        shutil.rmtree(project)
    shutil.copytree(EXAMPLES / "shop", project, ignore=shutil.ignore_patterns("generated"))
    target = project / source.relative_to(EXAMPLES / "shop")
    text = target.read_text(encoding="utf-8")
    for action, where, token in edits:
        at = int(where * len(text))
        if action == "insert":
            text = text[:at] + token + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + len(token):]
        else:
            text = text[:at] + token + text[at + len(token):]
    target.write_text(text, encoding="utf-8")
    code, _ = run_validate(project)
    assert code in (0, 1)


VALUE_CASES = {
    "nan-added": ("upcast: [{add: {field: n, value: .nan}}]", "ES010"),
    "inf-default": ("upcast: [{default: {field: n, value: -.inf}}]", "ES010"),
    "overflowing-float": ("upcast: [{add: {field: n, value: 1e400}}]", "ES010"),
    "5000-digit-integer": ("upcast: [{add: {field: n, value: " + "7" * 5000 + "}}]", "ES010"),
    "nul-in-a-description": ('description: "a\\0b"', "ES009"),
    "binary-tag": ("description: !!binary aGVsbG8=", "ES008"),
    "python-object-tag": ("description: !!python/object:os.system ls", "ES008"),
    "unknown-tag": ("description: !evil x", "ES008"),
}


@pytest.mark.parametrize("case", sorted(VALUE_CASES))
def test_values_json_cannot_hold_and_tags_are_errors_with_positions(
        tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Through `main`, as a user runs it: exit 1 and a diagnostic, never exit 3."""
    line, code = VALUE_CASES[case]
    (tmp_path / "escodegen.yaml").write_text("escodegen: 1\nname: p\nsources: [d.yaml]\n")
    (tmp_path / "d.yaml").write_text(
        "events:\n  Counted:\n    versions:\n      1: {fields: {id: uuid}}\n"
        f"      2:\n        {line}\n        fields: {{id: uuid, n: number}}\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["-C", str(tmp_path), "validate"])
    assert exit_info.value.code == 1
    assert re.search(rf"^d\.yaml:6:[0-9]+: error {code}: ", capsys.readouterr().err, re.MULTILINE)


# The sweep: every option and argument of every command (click's command tree, so a new one is
# swept too) given hostile words, against a published shop and a real store.

def _bounded_run(argv: list[str], capsys: pytest.CaptureFixture[str],
                 seconds: int = 120) -> tuple[int, str]:
    """`main(argv)`: its exit code and output. A run past `seconds` is stopped by SIGALRM,
    whose exception `main` turns into exit 3, so a hang fails the test instead of holding it."""
    def stop(*_: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    capsys.readouterr()
    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        main(argv)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0) if not isinstance(exit_.code, str) else 1
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    out, err = capsys.readouterr()
    return code, out + err


def _assert_nothing_forged(output: str, argv: list[str]) -> None:
    """No raw control, bidi or separator character (but the output's own line breaks and
    tabs) and no line starting with the injected text: every word is shown escaped."""
    shown = [a[:60] for a in argv]
    raw = sorted({repr(c) for c in output if unsafe(c) and c not in "\n\t"})
    assert not raw, (shown, raw, output[-800:])
    forged = [line for line in output.splitlines() if line.lstrip().startswith("forged")]
    assert not forged, (shown, forged)


def _assert_a_user_error(code: int, output: str, argv: list[str], refused: bool) -> None:
    """Exit 0 (the word was fine after all), 1 or 2 with a message; never exit 3 or a
    traceback. `refused`: a word no command may take (exit 1 or 2)."""
    shown = [a[:60] for a in argv]
    assert code in ((1, 2) if refused else (0, 1, 2)), (shown, code, output[-800:])
    assert "Traceback" not in output and "internal error" not in output, (shown, output[-800:])
    if code:
        assert re.search(r"\berror\b|Error:|\bES[0-9]{3}\b|escodegen: ", output), (shown, output)


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory, pg_server: str) -> Iterator[dict[str, str]]:
    """A published copy of the shop, its store, and the files and folders the words name."""
    from devtools.postgres import apply, fresh_database
    from escodegen.check import compile_project
    from escodegen.emit.postgres import render

    root = tmp_path_factory.mktemp("sweep")
    project = root / "shop"
    shutil.copytree(EXAMPLES / "shop", project, ignore=shutil.ignore_patterns("generated"))
    assert main_exit(["-C", str(project), "publish"]) == 0
    (root / "a" / "b" / "c").mkdir(parents=True)  # the working folder: `../..` stays in root
    (root / "afolder").mkdir()
    (root / "afile").write_text("a regular file\n")
    compiled, _ = compile_project(project / "escodegen.yaml")
    assert compiled is not None
    with fresh_database(pg_server, "sweep") as dsn:
        apply(dsn, render(compiled))
        yield {"root": str(root), "project": str(project), "dsn": dsn}


LONG = "x" * 5000
NOT_UTF8 = os.fsdecode(b"\xff\xfe")  # how Python hands over argv bytes that are not UTF-8
INJECTED = "forged: escodegen \x1b[2J\u202e"
FORGING = "x\n" + INJECTED
"""A word whose newline would start a line of the output's own (a forged line) holding ESC[2J
(clear the screen) and a right-to-left override, were it printed raw."""
WORDS = ["a\x00b", "a\nb", "../../../etc/passwd", "", LONG, NOT_UTF8, "' or 1=1; --", "\u202e",
         "-", FORGING]
PATHS = ["a\x00b", "a\nb", "../../escaped", "missing/deeper/x", "{root}/afolder", "{root}/afile",
         os.fsdecode(b"\xff.json"), "", LONG, "/dev/zero", FORGING]
INTEGERS = ["99999999999999999999999999", "-1", "0", "abc", "1e3", "-99999999999999999999"]
FLOATS = ["nan", "-inf", "1e400", "-1", "abc"]
CHOICES = ["xml", "", "a\x00b"]


def _words(param: click.Parameter) -> list[tuple[str, bool]]:
    """The hostile words for `param`, each with whether the command must refuse it: a NUL, a
    word its type refuses (an unknown format, a number out of range, bytes that are not
    UTF-8 where a name is asked for), a number that is not finite."""
    kind = param.type
    if isinstance(kind, click.Path):
        return [(w, "\x00" in w) for w in PATHS]
    words = (INTEGERS if isinstance(kind, click.types.IntParamType)
             else FLOATS if isinstance(kind, click.types.FloatParamType)
             else CHOICES if isinstance(kind, click.Choice) else WORDS)
    return [(w, "\x00" in w or not _taken(kind, w)) for w in words]


def _taken(kind: click.ParamType, word: str) -> bool:
    try:
        value = kind.convert(word, None, None)
    except click.BadParameter:
        return False
    return not isinstance(value, float) or math.isfinite(value)


FILLERS = {
    "against": str(EXAMPLES / "shop"), "subject": "8d9c4f43-0d0f-4a53-9a57-7e1f4b0e8f11",
    "rule": "ESD001", "name": "OrderPlaced", "file": "{root}/none.jsonl.gz",
}
"""A required parameter's value when another one is swept (an output: a fresh folder)."""

SWEPT = sorted((name, param.name) for name, command in LEAVES.items() for param in command.params
               if param.name and param.name != "dsn"
               and not (isinstance(param, click.Option) and param.is_flag))


def _argv(swept: dict[str, str], name: str, target: str) -> list[str]:
    """The command line around the swept parameter: its required ones filled in, --dsn only
    where a command needs it (without, migrate events and purge write files: their --out is
    swept too), and archive choosing its streams the way the swept option does not."""
    argv = ["-C", swept["project"], *name.split()]
    for param in LEAVES[name].params:
        if param.name == "dsn" and param.required:
            argv += ["--dsn", swept["dsn"]]
        elif param.required and param.name != target:
            value = FILLERS.get(param.name or "", "{root}/out/" + name.replace(" ", "-"))
            value = value.format(**swept)
            argv += [param.opts[0], value] if isinstance(param, click.Option) else [value]
    if name == "migrate archive":
        argv += {"category": ["--older-than", "1d"], "older_than": ["--category", "Order"],
                 "streams": [], "streams_file": []}.get(target, ["--stream", "Order-1"])
        argv += [] if target == "out" else ["--dry-run"]  # the store is empty: nothing moves
    return argv


@pytest.mark.parametrize(("command", "param"), SWEPT)
def test_hostile_words_in_every_option_are_user_errors(
        swept: dict[str, str], command: str, param: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(swept["root"]) / "a" / "b" / "c")
    monkeypatch.delenv("ESCODEGEN_DSN", raising=False)
    target = next(p for p in LEAVES[command].params if p.name == param)
    # The report formats a CI log shows: the default (text) and GitHub's workflow commands.
    formats = [[], ["--format", "github"]] if command in ("check", "diff") and param != "fmt" else [[]]
    for (word, refused), fmt in itertools.product(_words(target), formats):
        word = word.replace("{root}", swept["root"])
        argv = [*_argv(swept, command, param), *fmt]
        option = [target.opts[0], word] if isinstance(target, click.Option) else [word]
        if word.encode("utf-8", "surrogateescape").isascii() or word in ("\u202e", FORGING):
            code, output = _bounded_run([*argv, *option], capsys)
        else:  # bytes that are not UTF-8: as a shell hands them over, and shows them
            code, output = _run_apart([*argv, *option])
        _assert_a_user_error(code, output, [*argv, *option], refused)
        _assert_nothing_forged(output, [*argv, *option])


def _run_apart(argv: list[str]) -> tuple[int, str]:
    """`escodegen argv` in a process of its own, its arguments passed as bytes."""
    done = subprocess.run([sys.executable, "-m", "escodegen", *map(os.fsencode, argv)],
                          capture_output=True, timeout=120, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    return done.returncode, (done.stdout + done.stderr).decode("utf-8", "replace")


BAD_DECLARATIONS = {
    "not UTF-8": (b"events:\n  Caf\xe9Opened:\n    versions: {}\n", "ES004"),
    "binary": (b"events:\x00\n", "ES004"),
    "billion laughs": (b"a: &a [x, x, x, x, x, x, x, x, x, x]\n" + b"".join(
        b"%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n"
        % ((98 + n,) * 2 + (97 + n,) * 10) for n in range(9)), "ES003"),
    "nested 10,000 deep": (b"events: " + b"[" * 10_000 + b"]" * 10_000 + b"\n", "ES001"),
    "nested mappings 5,000 deep": (b"".join(b"  " * n + b"k:\n" for n in range(5_000)),
                                   "ES003"),
}


@pytest.mark.parametrize("case", sorted(BAD_DECLARATIONS))
def test_a_hostile_declaration_file_is_a_user_error_of_every_command(
        swept: dict[str, str], tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command (the tree walked) on a published project one of whose declaration files
    is hostile: exit 1 with the file's code where the command reads the declarations (the
    commands reading only the database need not), never a traceback, exit 3 or a hang."""
    content, code = BAD_DECLARATIONS[case]
    project = tmp_path / "shop"
    shutil.copytree(swept["project"], project)
    (project / "events" / "hostile.yaml").write_bytes(content)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ESCODEGEN_DSN", raising=False)
    coded, answers = set(), {}
    for name in sorted(LEAVES):
        argv = _argv({**swept, "project": str(project), "root": str(tmp_path)}, name, "")
        exit_code, output = _bounded_run(argv, capsys)
        _assert_a_user_error(exit_code, output, argv, refused=False)
        answers[name] = f"{exit_code} {output.strip()[:300]}"
        if code in output:
            assert exit_code == 1, (name, output)
            coded.add(name)
    assert {"validate", "check", "generate", "publish", "catalog", "doctor", "export asyncapi",
            "migrate events", "migrate projections", "verify-upcasters"} <= coded, {
                n: a for n, a in answers.items() if n not in coded}


def test_a_hostile_project_folder_name_is_shown_escaped_by_every_command(
        swept: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The group's own options (-C, --project) are user words too: every command run in a
    published project whose folder is named with a forging word, and pointed at a project
    file so named that does not exist, shows the name escaped."""
    project = tmp_path / FORGING
    shutil.copytree(swept["project"], project)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ESCODEGEN_DSN", raising=False)
    for name in sorted(LEAVES):
        argv = _argv({**swept, "project": str(project), "root": str(tmp_path)}, name, "")
        for run in (argv, ["--project", FORGING + ".yaml", *argv]):
            code, output = _bounded_run(run, capsys)
            _assert_a_user_error(code, output, run, refused=False)
            _assert_nothing_forged(output, run)
