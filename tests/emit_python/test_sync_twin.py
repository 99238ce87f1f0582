"""The sync API is the unasync rewrite of the async source in the templates (issue 19: the
async API is generated from the same templates): the rewrite itself, and the twins it makes in
the generated package having the same methods and parameters."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from textwrap import dedent
from types import ModuleType

import pytest

from escodegen.emit.python.sync_twin import unasync_source

ASYNC = '''class AsyncJobsProjection(AsyncProjectionRunner):
    async def get(self, conn: psycopg.AsyncConnection[Any]) -> AsyncJobsRow | None:
        # await the row; `AsyncJobsRow` is a declared name and stays
        async with self.conn.transaction():
            return await self._get(AsyncJobsRow, sent_async, "AsyncJobsRow")

    async def _wait(self) -> None:
        async for _ in self.conn.notifies(stop_after=1):
            await wait_for_notify_async(self.conn)
'''

SYNC = '''class JobsProjection(ProjectionRunner):
    def get(self, conn: psycopg.Connection[Any]) -> AsyncJobsRow | None:
        # await the row; `AsyncJobsRow` is a declared name and stays
        with self.conn.transaction():
            return self._get(AsyncJobsRow, sent_async, "AsyncJobsRow")

    def _wait(self) -> None:
        for _ in self.conn.notifies(stop_after=1):
            wait_for_notify(self.conn)
'''


def test_the_rewrite_drops_async_and_renames_only_the_twins() -> None:
    assert unasync_source(ASYNC, ("AsyncJobsProjection", "JobsProjection")) == SYNC


@pytest.mark.parametrize("names", [("EventStore", "AsyncEventStore"),
                                   ("OrderSummaryProjection", "AsyncOrderSummaryProjection"),
                                   ("CustomerDirectoryProjection",
                                    "AsyncCustomerDirectoryProjection")])
def test_each_sync_class_has_an_async_twin_with_the_same_methods(
        shop_events: ModuleType, names: tuple[str, str]) -> None:
    sync, twin = (getattr(shop_events, name) for name in names)

    def methods(cls: type) -> dict[str, object]:
        return {name: value for name, value in inspect.getmembers(cls, inspect.isfunction)
                if not name.startswith("__")}

    sync_methods, async_methods = methods(sync), methods(twin)
    assert sorted(sync_methods) == sorted(async_methods)
    awaited = 0
    for name, function in sync_methods.items():
        other = async_methods[name]
        # each method is its twin's rewrite, nothing written by hand beside it
        assert unasync_source(dedent(inspect.getsource(other))) == dedent(  # type: ignore[arg-type]
            inspect.getsource(function)), name  # type: ignore[arg-type]
        if inspect.iscoroutinefunction(other) or inspect.isasyncgenfunction(other):
            awaited += 1
            assert not inspect.iscoroutinefunction(function), name
    assert awaited >= 2  # load and save, or get and find


@pytest.mark.parametrize("names", [("EventStoreBase", "AsyncEventStoreBase"),
                                   ("ProjectionRunner", "AsyncProjectionRunner")])
def test_the_runtime_holds_what_does_no_io_once(
        shop_events: ModuleType, names: tuple[str, str]) -> None:
    """A method (or class variable) the same in a sync class and its async twin does no I/O:
    it belongs to their shared base, outside the async source, not in the module twice."""
    tree = ast.parse(Path(shop_events._runtime.__file__).read_text(encoding="utf-8"))
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}

    def members(name: str) -> set[str]:
        return {ast.dump(node) for node in classes[name].body
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.AnnAssign)}

    sync, twin = names
    assert members(sync) & members(twin) == set()
    assert members(sync) and members(twin)
