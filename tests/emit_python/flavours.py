"""One test, both APIs: the generated package's sync store client and runners, or their async
twins (`AsyncEventStore`, `Async<Name>Projection` on psycopg's AsyncConnection) seen through
blocking calls, so the same test code runs against each (issue 19: the async API passes the
same store, aggregate and projection tests as the sync one).

`Api(package, "async").EventStore(conn)` is a `Blocking` AsyncEventStore: each coroutine it
returns is run to its end on the calling thread's event loop, an async iterator becomes an
iterator and an async context manager a context manager. A coroutine started while a loop
is running on the thread (a command `update` runs calls the store itself) runs on a thread
of its own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import inspect
import threading
from collections.abc import Coroutine, Iterator
from types import ModuleType
from typing import Any

import psycopg
import psycopg_pool

_loops = threading.local()


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """The coroutine's result, run on this thread's loop (one per thread, kept: psycopg's
    async objects serve one loop at a time)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        loop = getattr(_loops, "loop", None)
        if loop is None or loop.is_closed():
            loop = _loops.loop = asyncio.new_event_loop()
        return loop.run_until_complete(coroutine)
    with concurrent.futures.ThreadPoolExecutor(1) as nested:
        return nested.submit(asyncio.run, coroutine).result()


def close_loop() -> None:
    """Close this thread's loop (a test's end)."""
    loop = getattr(_loops, "loop", None)
    if loop is not None:
        loop.close()
        _loops.loop = None


def blocking(value: Any) -> Any:
    """`value` as a sync caller sees it: awaited, or wrapped when it is an async object."""
    if inspect.isawaitable(value):
        return blocking(run(value))  # type: ignore[arg-type]
    if hasattr(value, "__aenter__") or hasattr(value, "__anext__") or isinstance(
            value, psycopg.AsyncConnection | psycopg_pool.AsyncConnectionPool):
        return Blocking(value)
    return value


def unwrapped(value: Any) -> Any:
    return value.target if isinstance(value, Blocking) else value


class Blocking:
    """An async object through sync calls (see the module's docstring)."""

    def __init__(self, target: Any) -> None:
        object.__setattr__(self, "target", target)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.target, name)
        if not callable(value) or isinstance(value, type):
            return blocking(value)

        def call(*args: Any, **kwargs: Any) -> Any:
            return blocking(value(*map(unwrapped, args),
                                  **{k: unwrapped(v) for k, v in kwargs.items()}))

        return call

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.target, name, value)

    def __enter__(self) -> Any:
        return blocking(run(self.target.__aenter__()))

    def __exit__(self, *exc: object) -> Any:
        return run(self.target.__aexit__(*exc))

    def __iter__(self) -> Iterator[Any]:
        iterator = self.target.__aiter__()
        try:
            while True:
                try:
                    item = run(iterator.__anext__())
                except StopAsyncIteration:
                    return
                yield item
        finally:  # an iteration stopped early ends the async generator's at once
            if hasattr(iterator, "aclose"):
                run(iterator.aclose())

    def __next__(self) -> Any:
        try:
            return run(self.target.__anext__())
        except StopAsyncIteration:
            raise StopIteration from None


class Api:
    """The generated `package` as a test uses it, in one flavour: `api.EventStore`,
    `api.<Name>Projection` and `api.connect` / `api.pool` are the sync ones ("sync") or the
    async twins through blocking calls ("async"); every other name is the package's."""

    def __init__(self, package: ModuleType, flavour: str) -> None:
        self.package, self.flavour = package, flavour

    def __getattr__(self, name: str) -> Any:
        twin = getattr(self.package, f"Async{name}", None)
        if self.flavour == "sync" or twin is None:
            return getattr(self.package, name)

        def make(*args: Any, **kwargs: Any) -> Blocking:
            return Blocking(twin(*map(unwrapped, args),
                                 **{k: unwrapped(v) for k, v in kwargs.items()}))

        return make

    def connect(self, dsn: str, autocommit: bool = False) -> Any:
        """`psycopg.connect`, or `AsyncConnection.connect` (a connection and its context
        manager, as psycopg's)."""
        if self.flavour == "sync":
            return psycopg.connect(dsn, autocommit=autocommit)
        return blocking(psycopg.AsyncConnection.connect(dsn, autocommit=autocommit))

    @contextlib.contextmanager
    def pool(self, dsn: str, **kwargs: Any) -> Iterator[Any]:
        """An open psycopg_pool ConnectionPool, or AsyncConnectionPool."""
        if self.flavour == "sync":
            with psycopg_pool.ConnectionPool(dsn, open=True, **kwargs) as pool:
                yield pool
            return
        with Blocking(psycopg_pool.AsyncConnectionPool(dsn, open=False, **kwargs)) as pool:
            yield pool
