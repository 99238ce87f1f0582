"""Is everything already generated? Answered before the project is compiled.

Compiling a large project costs more than a no-change re-run may take, so this reads only the
project file, lists the declaration files its `sources` name (without parsing them) and
compares the input digest with each target's manifest. Any doubt answers "no": the caller then
compiles and renders as usual, which also reports every error properly.
"""

from __future__ import annotations

from pathlib import Path

from escodegen.diagnostics import Report, Span
from escodegen.emit import TARGETS, Target
from escodegen.emit.files import input_digest, up_to_date
from escodegen.sources.project import expand_source, inside, read_project_file


def all_up_to_date(project_file: Path, only: tuple[str, ...] = ()) -> list[Target] | None:
    """The targets, when every selected one is up to date; None when unsure."""
    report = Report()
    if not project_file.is_file():
        return None
    read = read_project_file(project_file, report)
    patterns = read.source_patterns() if read is not None else None
    if read is None or report.has_errors or patterns is None:
        return None
    root, data = read.root, read.data
    where = Span(read.path.name, 1, 1)
    sources = [path for pattern in patterns for path in expand_source(root, pattern, where, report)]
    targets = []
    for name, renderer in TARGETS.items():
        config = data.get(name)
        if config is None or (only and name not in only):
            continue
        out = config.get("out") if isinstance(config, dict) else None
        if not isinstance(out, str) or Path(out).is_absolute() or ".." in Path(out).parts:
            return None
        target = Target(name, (root / out).absolute(), renderer)
        if not inside(root, target.out) or not up_to_date(
                target, input_digest(read.path, sources, name)):
            return None
        targets.append(target)
    return None if report.has_errors or not targets else targets
