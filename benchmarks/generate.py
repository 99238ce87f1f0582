"""How fast `escodegen generate` is on a large project.

A synthetic project of 500 events x 4 versions, 50 aggregates and 50 projections is written
to a temporary folder; then it times, as a user runs them (a fresh `escodegen` process each):

  cold       `generate` with no output yet           goal < 10 s
  no-change  `generate` again, nothing changed       goal < 0.5 s
  check      `generate --check` on the fresh tree    goal < 0.5 s

Usage: python benchmarks/generate.py [--target python] [--target postgres]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVENTS, VERSIONS, AGGREGATES, PROJECTIONS = 500, 4, 50, 50
GOALS = {"cold": 10.0, "no-change": 0.5, "check": 0.5}


def _event(index: int) -> str:
    lines = [f"  Thing{index}Happened:", f"    aggregate: Agg{index % AGGREGATES}",
             "    versions:"]
    fields = ["thingId: uuid", "amount: decimal", "note: string?",
              "where: {type: object, fields: {city: string, zip: string?}}"]
    for version in range(1, VERSIONS + 1):
        lines.append(f"      {version}:")
        if version > 1:
            lines.append(f"        upcast: [{{add: {{field: extra{version}, value: {version}}}}}]")
            fields.append(f"extra{version}: integer")
        lines.append("        fields: {" + ", ".join(fields) + "}")
    return "\n".join(lines)


def write_project(root: Path) -> None:
    (root / "events").mkdir(parents=True)
    (root / "aggregates").mkdir()
    (root / "projections").mkdir()
    (root / "escodegen.yaml").write_text(
        "escodegen: 1\nname: bench\nsources: [events, aggregates, projections]\n"
        "registry: registry\n"
        "python: {out: generated/bench_events, package: bench_events, models: dataclasses}\n"
        "postgres: {out: generated/sql, schema: es}\n")
    for chunk in range(0, EVENTS, 50):
        body = "\n".join(_event(i) for i in range(chunk, chunk + 50))
        (root / "events" / f"events_{chunk:03}.yaml").write_text("events:\n" + body + "\n")
    aggregates = ["aggregates:"]
    for a in range(AGGREGATES):
        names = [f"Thing{i}Happened" for i in range(a, EVENTS, AGGREGATES)]
        aggregates += [f"  Agg{a}:", "    id: {field: thingId, type: uuid}",
                       f'    stream: "Agg{a}-{{thingId}}"', f"    events: [{', '.join(names)}]",
                       "    state: {version: 1, fields: {count: integer, total: decimal}}",
                       "    snapshot: {every: 50}"]
    (root / "aggregates" / "aggregates.yaml").write_text("\n".join(aggregates) + "\n")
    projections = ["projections:"]
    for p in range(PROJECTIONS):
        projections += [f"  view_{p}:", "    key: [thingId]",
                        "    columns: {thingId: uuid, amount: decimal, city: string, hits: integer}",
                        "    on:"]
        for i in range(p, EVENTS, PROJECTIONS * 2):
            projections.append(f"      Thing{i}Happened: {{upsert: {{thingId: $.thingId, "
                               "amount: $.amount, city: $.where.city, hits: {increment: 1}}}")
    (root / "projections" / "projections.yaml").write_text("\n".join(projections) + "\n")


def run(root: Path, *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    code = ("import sys\n"
            "from escodegen.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code, "-C", str(root), *args],
                            capture_output=True, text=True, check=False,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    return time.perf_counter() - started, result


def main(argv: list[str]) -> int:
    targets = [a for pair in zip(["--target"] * len(argv), argv[1::2], strict=False)
               for a in pair] if argv else []
    with tempfile.TemporaryDirectory(prefix="escodegen-bench-") as folder:
        root = Path(folder)
        write_project(root)
        figures = {}
        for label, args in (("cold", ["generate", *targets]),
                            ("no-change", ["generate", *targets]),
                            ("check", ["generate", "--check", *targets])):
            seconds, result = run(root, *args)
            if result.returncode != 0:
                print(f"{label}: failed\n{result.stdout}\n{result.stderr}", file=sys.stderr)
                return 1
            figures[label] = seconds
        files = sum(1 for p in (root / "generated").rglob("*") if p.is_file())
    baseline, _ = run(Path("."), "--version")
    print(f"project: {EVENTS} events x {VERSIONS} versions, {AGGREGATES} aggregates, "
          f"{PROJECTIONS} projections -> {files} files")
    print(f"interpreter + CLI start-up: {baseline:.2f} s")
    for label, seconds in figures.items():
        goal = GOALS[label]
        print(f"{label:>10}: {seconds:6.2f} s   goal {goal:>4} s   ratio {seconds / goal:.2f} "
              f"{'ok' if seconds <= goal else 'OVER'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
