"""The sync twin of async source: the runtime's event store client and projection runners are
written once, async, in templates/python/_runtime.py.j2 (and each projection's class in
projections.py.j2); the sync API is that source rewritten by unasync, so the two cannot drift
apart (issue 19: the async API is generated from the same templates, not copied by hand).

unasync rewrites tokens, leaving layout and comments as they are: `async def` and `async with`
lose `async`, `await x` becomes `x`, `asynccontextmanager` becomes `contextmanager`, and the
names of `_RENAMED` (and those a template passes) their sync names. Every other name is kept.
A method that does no I/O needs no twin: the runtime template writes it outside the async
source, in a base both twins inherit, so the generated module holds it once.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import unasync  # type: ignore[import-untyped]  # it ships no annotations

_RENAMED = {
    "AsyncConnection": "Connection",
    "AsyncCursor": "Cursor",
    "AsyncTransaction": "Transaction",
    "AsyncIterator": "Iterator",
    "AsyncEventStoreBase": "EventStoreBase",
    "AsyncProjectionRunner": "ProjectionRunner",
    "wait_for_notify_async": "wait_for_notify",
    "apply_sql_async": "apply_sql",
}
_ASYNC_NAME = re.compile(r"\bAsync[A-Z]\w*")


def unasync_source(text: str, *renamed: tuple[str, str]) -> str:
    """The sync twin of async Python source (whole top-level statements); `renamed` are more
    (async name, sync name) pairs, e.g. a generated class."""
    # unasync turns every other `Async<Name>` into `Sync<Name>`: a declared `AsyncJobsRow` stays
    kept = {name: name for name in _ASYNC_NAME.findall(text)}
    replacements = {**kept, **_RENAMED, **dict(renamed)}
    # unasync's public API rewrites files (`_async/` into `_sync/`)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder, "_async", "source.py")
        source.parent.mkdir()
        source.write_text(text, encoding="utf-8")
        unasync.unasync_files([str(source)], [unasync.Rule("/_async/", "/_sync/", replacements)])
        return Path(folder, "_sync", "source.py").read_text(encoding="utf-8")
