from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real command line in a fresh interpreter (what a user runs)."""
    code = ("import sys\n"
            "from escodegen.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True,
                          text=True, env=env, check=False)


@contextmanager
def generated_package(folder: Path, project: str, models: str, files: dict[str, str]
                      ) -> Iterator[tuple[Path, ModuleType]]:
    """A project of declaration `files` (name -> text) generated in `folder` as the Python
    package `<project>_<models>`, and that package imported (its folder on sys.path while in
    use)."""
    package = f"{project}_{models}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "escodegen.yaml").write_text(
        f"escodegen: 1\nname: {project}\nsources: [{', '.join(files)}]\n"
        f"python: {{out: generated/{package}, package: {package}, models: {models}}}\n")
    for name, text in files.items():
        (folder / name).write_text(text)
    result = run_cli("generate", "--target", "python", cwd=folder)
    assert result.returncode == 0, result.stderr
    out = folder / "generated" / package
    sys.path.insert(0, str(out.parent))
    try:
        yield out, importlib.import_module(out.name)
    finally:
        sys.path.remove(str(out.parent))


MODEL_MODES = ("dataclasses", "pydantic", "msgspec")


def package_in_every_mode(project: str, files: dict[str, str]) -> Any:
    """A module-scoped fixture: the project of declaration `files` generated and imported once
    per model mode, as (models, package folder, package module)."""
    @pytest.fixture(scope="module", params=MODEL_MODES)
    def package(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[tuple[str, Path, ModuleType]]:
        models = request.param
        with generated_package(tmp_path_factory.mktemp(models), project, models,
                               files) as (out, module):
            yield models, out, module
    return package


def _imported(project: Path, package: str) -> Iterator[ModuleType]:
    """The package generated into `project`/generated, importable while the fixture lives."""
    folder = str(project / "generated")
    sys.path.insert(0, folder)
    try:
        yield importlib.import_module(package)
    finally:
        sys.path.remove(folder)


@pytest.fixture(scope="session")
def generated_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/shop generated once for the session (read-only for tests); the project root."""
    target = tmp_path_factory.mktemp("shop") / "shop"
    shutil.copytree(ROOT / "examples" / "shop", target,
                    ignore=shutil.ignore_patterns("generated"))
    result = run_cli("generate", "--target", "python", cwd=target)
    assert result.returncode == 0, result.stderr
    return target


@pytest.fixture(scope="session")
def shop_events(generated_shop: Path) -> Iterator[ModuleType]:
    """The generated package, imported."""
    yield from _imported(generated_shop, "shop_events")


def _shop_with_models(generated_shop: Path, folder: Path, package: str, models: str) -> Path:
    """examples/shop generated into `folder` as `package` with other `models`."""
    project = folder / "shop"
    shutil.copytree(generated_shop, project, ignore=shutil.ignore_patterns("generated"))
    config = project / "escodegen.yaml"
    text = config.read_text()
    dataclasses = "{out: generated/shop_events, package: shop_events, models: dataclasses}"
    assert dataclasses in text
    config.write_text(text.replace(
        dataclasses, f"{{out: generated/{package}, package: {package}, models: {models}}}"))
    result = run_cli("generate", "--target", "python", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no warning of datamodel-code-generator reaches the user
    return project


@pytest.fixture(scope="session")
def generated_pydantic_shop(generated_shop: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/shop with `models: pydantic`, generated once as package `shop_models`."""
    return _shop_with_models(generated_shop, tmp_path_factory.mktemp("pydantic_shop"),
                             "shop_models", "pydantic")


@pytest.fixture(scope="session")
def generated_msgspec_shop(generated_shop: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/shop with `models: msgspec`, generated once as package `shop_structs`."""
    return _shop_with_models(generated_shop, tmp_path_factory.mktemp("msgspec_shop"),
                             "shop_structs", "msgspec")


@pytest.fixture(scope="session")
def shop_models(generated_pydantic_shop: Path) -> Iterator[ModuleType]:
    """The pydantic-mode package, imported."""
    yield from _imported(generated_pydantic_shop, "shop_models")


@pytest.fixture(scope="session")
def shop_structs(generated_msgspec_shop: Path) -> Iterator[ModuleType]:
    """The msgspec-mode package, imported."""
    yield from _imported(generated_msgspec_shop, "shop_structs")


def order_class(shop_events: ModuleType) -> type[Any]:
    """The shop's Order aggregate, implemented on the generated base as a user would."""

    class Order(shop_events.OrderAggregate):  # type: ignore[name-defined,misc]
        def initial_state(self) -> Any:
            return shop_events.OrderState(status="new", total=Decimal(0), items=0)

        def apply_order_placed(self, event: Any) -> None:
            self.state.status, self.state.total = "placed", event.totalAmount

        def apply_order_submitted(self, event: Any) -> None:
            self.state.status, self.state.total = "placed", event.pricing.total

        def apply_order_item_added(self, event: Any) -> None:
            self.state.items += event.quantity

        def apply_order_shipped(self, event: Any) -> None:
            self.state.status = "shipped"

        def apply_order_cancelled(self, event: Any) -> None:
            self.state.status = "cancelled"

    return Order


@pytest.fixture(scope="session")
def generated_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/emit_python/library_project.py generated once (both targets); the project root."""
    from tests.emit_python.library_project import generate_library

    return generate_library(tmp_path_factory.mktemp("library") / "library")


@pytest.fixture(scope="session")
def library_events(generated_library: Path) -> Iterator[ModuleType]:
    """The library's generated package, imported."""
    yield from _imported(generated_library, "library_events")


@pytest.fixture
def library_store(pg_dsn: str, generated_library: Path) -> str:
    """A database of the test's own with the library's generated SQL applied."""
    from devtools.postgres import apply

    folder = generated_library / "generated" / "sql"
    apply(pg_dsn, {p.name: p.read_text() for p in sorted(folder.glob("*.sql"))})
    return pg_dsn


def book_class(library_events: ModuleType) -> type[Any]:
    """The library's Book aggregate as a user writes it: every state field set from events,
    nested records and arrays of records included."""
    lib = library_events

    class Book(lib.BookAggregate):  # type: ignore[name-defined,misc]
        def initial_state(self) -> Any:
            return lib.BookState(fees=Decimal(0), weight=0.0, copies=0, express=False, note="",
                                 extra=None, loans=[], members=[])

        def apply_book_lent(self, event: Any) -> None:
            state = self.state
            state.lastMember, state.lastDue = event.memberId, event.dueOn
            state.lastLentAt, state.fees = event.lentAt, state.fees + event.fee
            state.weight, state.copies = event.weight, state.copies + event.copies
            state.express, state.note, state.extra = event.express, event.note, event.extra
            state.format = event.format.value
            state.shelf = lib.BookStateShelf(room=event.shelf.room, row=event.shelf.row,
                                             label=event.shelf.label)
            state.loans.append(lib.BookStateLoansItem(
                memberId=event.memberId, dueOn=event.dueOn, fee=event.fee,
                history=[lib.BookStateLoansItemHistoryItem(at=event.lentAt)]))
            state.members.append(event.memberId)

        def apply_book_returned(self, event: Any) -> None:
            self.state.loans = [loan for loan in self.state.loans
                                if loan.memberId != event.memberId]

        def lend(self, member: Any, fee: Decimal = Decimal("1.25")) -> None:
            """The invariant of issue 19: a member cannot borrow the same book twice."""
            if any(loan.memberId == member for loan in self.state.loans):
                raise ValueError("already lent to this member")
            self.record(book_lent(lib, self.book_id, member, fee))

    return Book


def book_lent(lib: ModuleType, book: Any, member: Any, fee: Decimal = Decimal("1.25")) -> Any:
    import datetime

    return lib.BookLent(
        bookId=book, memberId=member, dueOn=datetime.date(2026, 12, 1),
        lentAt=datetime.datetime(2026, 11, 1, 9, 30, tzinfo=datetime.UTC), fee=fee,
        weight=0.5, copies=1, express=True, note="n", extra={"a": [1, "x"]},
        format=lib.BookLentFormat.ebook,
        shelf=lib.BookLentShelf(room="R1", row=3, label=None))


@pytest.fixture(params=["sync", "async"])
def flavour(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each test that takes it runs against the sync API and again against the async one."""
    from tests.emit_python.flavours import close_loop

    yield request.param
    close_loop()


@pytest.fixture
def shop_api(shop_events: ModuleType, flavour: str) -> Any:
    """The shop's package in the test's flavour (tests/emit_python/flavours.py)."""
    from tests.emit_python.flavours import Api

    return Api(shop_events, flavour)


@pytest.fixture
def library_api(library_events: ModuleType, flavour: str) -> Any:
    """The library's package in the test's flavour (tests/emit_python/flavours.py)."""
    from tests.emit_python.flavours import Api

    return Api(library_events, flavour)
