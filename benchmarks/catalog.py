"""How fast `escodegen catalog` builds the site of a large project.

The synthetic project of benchmarks/generate.py (500 events x 4 versions, 50 aggregates, 50
projections) is written to a temporary folder and published; then `escodegen catalog --out`
runs in a fresh process, as a user runs it.    goal <= 5 s

Usage: python benchmarks/catalog.py
"""

from __future__ import annotations

import resource
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import AGGREGATES, EVENTS, PROJECTIONS, VERSIONS, run, write_project

GOAL = 5.0


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="escodegen-bench-") as folder:
        root = Path(folder)
        write_project(root)
        _, published = run(root, "publish")
        if published.returncode != 0:
            print(f"publish failed\n{published.stdout}\n{published.stderr}", file=sys.stderr)
            return 1
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds, result = run(root, "catalog", "--out", str(root / "site"))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
        cpu = user + system
        if result.returncode != 0:
            print(f"catalog failed\n{result.stdout}\n{result.stderr}", file=sys.stderr)
            return 1
        files = [p for p in (root / "site").rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
    print(f"project: {EVENTS} events x {VERSIONS} versions, {AGGREGATES} aggregates, "
          f"{PROJECTIONS} projections -> {len(files)} files, {size / 1e6:.1f} MB")
    print(f"   catalog: {seconds:6.2f} s   goal {GOAL} s   ratio {seconds / GOAL:.2f} "
          f"{'ok' if seconds <= GOAL else 'OVER'}")
    print(f"   (CPU time of the process: {cpu:.2f} s; on a busy machine wall time exceeds it)")
    # System time is mostly the file system creating the files: when other work keeps the disk
    # busy it varies several-fold for the same code, user time much less.
    print(f"   (of which user {user:.2f} s, system {system:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
