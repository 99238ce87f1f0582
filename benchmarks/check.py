"""Wall time of `escodegen check` and `escodegen diff --against HEAD` on a 200-event project.

Both run on every commit (pre-commit, pull request). Goals, process start included: check at
most 0.25 s on 200 events; diff at most 0.3 s on 200 events and 1 s on 1,000 (diff reuses the
base's compiled model from the user cache folder: the first run, which fills it, is shown
apart; so does `check`, which keeps the work tree's model there too). The CPU time (user +
sys) of each command is shown beside its wall time: on a busy machine wall time exceeds it.
Run: .venv/bin/python benchmarks/check.py [--events 200] [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOALS = {"check": {200: 0.25}, "diff --against HEAD": {200: 0.3, 1000: 1.0}}
ESCODEGEN = [str(Path(sys.executable).parent / "escodegen")]


def declarations(events: int) -> str:
    """`events` event types in groups of ten per aggregate; every third has three versions
    with a split and an add, every fifth a nested object and an enum."""
    lines = ["events:"]
    for i in range(events):
        lines += [f"  Event{i}:", f"    description: Benchmark event {i}.",
                  f"    aggregate: Agg{i // 10}", "    versions:", "      1:", "        fields:",
                  "          entityId: uuid", "          name: string", "          amount: decimal",
                  "          at: datetime"]
        if i % 5 == 0:
            lines += ["          address: {type: object, fields: {street: string, city: string}}",
                      "          tier: {type: enum, values: [a, b, c]}"]
        if i % 3 == 0:
            lines += ["      2:", "        upcast:",
                      "          - split: {from: name, into: [first, last], separator: \" \"}",
                      "        fields: {entityId: uuid, first: string, last: string, amount: decimal, "
                      "at: datetime" + (", address: {type: object, fields: {street: string, city: "
                                        "string}}, tier: {type: enum, values: [a, b, c]}"
                                        if i % 5 == 0 else "") + "}",
                      "      3:", "        upcast:", "          - add: {field: note, value: \"\"}",
                      "        fields: {entityId: uuid, first: string, last: string, amount: decimal, "
                      "at: datetime, note: string" + (", address: {type: object, fields: {street: "
                                                      "string, city: string}}, tier: {type: enum, "
                                                      "values: [a, b, c]}" if i % 5 == 0 else "") + "}"]
    lines.append("aggregates:")
    for a in range((events + 9) // 10):
        members = ", ".join(f"Event{i}" for i in range(a * 10, min(events, a * 10 + 10)))
        lines += [f"  Agg{a}:", "    id: {field: entityId, type: uuid}",
                  f"    stream: \"Agg{a}-{{entityId}}\"", f"    events: [{members}]",
                  "    state: {version: 1, fields: {total: decimal, count: integer}}",
                  "    snapshot: {every: 100}"]
    lines += ["projections:", "  totals:", "    key: [entityId]",
              "    columns: {entityId: uuid, amount: decimal}", "    on:"]
    lines += [f"      Event{i}: {{upsert: {{entityId: $.entityId, amount: $.amount}}}}"
              for i in range(0, events, 2)]
    return "\n".join(lines) + "\n"


def timed(args: list[str], cwd: Path, runs: int,
          env: dict[str, str] | None = None) -> tuple[float, int, float]:
    """Median wall time, last exit code and median CPU time (user + sys) of `runs` runs."""
    times, cpus, code = [], [], 0
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        code = subprocess.run(args, cwd=cwd, capture_output=True, check=False,
                              env=env).returncode
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(times), code, statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch)
        (project / "escodegen.yaml").write_text(
            "escodegen: 1\nname: bench\nsources: [events.yaml]\nregistry: registry\n")
        (project / "events.yaml").write_text(declarations(options.events))
        subprocess.run([*ESCODEGEN, "publish"], cwd=project, check=True, capture_output=True)
        for git in (["init", "-q"], ["add", "."], ["-c", "user.name=b", "-c", "user.email=b@b",
                                                   "commit", "-qm", "base"]):
            subprocess.run(["git", *git], cwd=project, check=True)
        baseline, _, _ = timed([sys.executable, "-c", "pass"], project, options.runs)
        print(f"{options.events} events, median of {options.runs} runs "
              f"(bare interpreter start: {baseline:.3f} s)")
        cache = project / "cache"
        env = {**os.environ, "XDG_CACHE_HOME": str(cache)}  # a cold cache to start with
        for label, args in (("check", [*ESCODEGEN, "check"]),
                            ("diff --against HEAD", [*ESCODEGEN, "diff", "--against", "HEAD"])):
            first, _, _ = timed(args, project, 1, env)
            seconds, code, cpu = timed(args, project, options.runs, env)
            goal = GOALS[label].get(options.events)
            versus = f"goal {goal:.2f} s, ratio {seconds / goal:.2f}" if goal else "no goal"
            print(f"  escodegen {label:<20} {seconds:.3f} s (CPU {cpu:.3f} s)  exit {code}  "
                  f"first run {first:.3f} s  {versus}")


if __name__ == "__main__":
    main()
