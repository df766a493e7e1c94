"""A throwaway PostgreSQL + PostGIS server for the tests that run on both store backends.

The operating system's packages provide the server (`apt-get install
postgresql-15-postgis-3`, which `.ci/run` does). The fixture makes a cluster in a
temporary directory with ``initdb``, starts it with ``pg_ctl`` listening on a Unix socket
in that directory only (no TCP port), and stops and removes it at the end of the session.
PostgreSQL refuses to run as root: when the tests run as root, the cluster belongs to
the unprivileged ``nobody`` account and the server is started through ``runuser``.

Each test gets a database of its own, copied from a template that already has the
PostGIS extension (a copy takes a fraction of the time ``CREATE EXTENSION`` does).
The cluster runs with ``fsync=off``: the tests kill clients, never the server, so what a
client was told is committed still is; the benchmarks start their own durable server.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_ROOT = Path("/usr/lib/postgresql")
TEMPLATE = "georisk_template"


def binaries() -> Path | None:
    """The newest installed PostgreSQL's bin directory that also has PostGIS, or None."""
    if not _ROOT.is_dir():
        return None
    for version in sorted(_ROOT.iterdir(), key=lambda p: int(p.name) if p.name.isdigit() else 0,
                          reverse=True):
        control = Path(f"/usr/share/postgresql/{version.name}/extension/postgis.control")
        if (version / "bin" / "initdb").exists() and control.exists():
            return version / "bin"
    return None


def unavailable_reason() -> str | None:
    if binaries() is None:
        return ("PostgreSQL with PostGIS is not installed "
                "(apt-get install postgresql-15-postgis-3)")
    return None


class Server:
    """One running cluster; `database()` makes a fresh, empty database with PostGIS."""

    def __init__(self, bin_dir: Path, base: Path, as_user: str | None, *, fsync: bool = False):
        self.bin = bin_dir
        self.base = base
        self.data = base / "data"
        self.as_user = as_user
        self.fsync = fsync
        self._names = itertools.count(1)

    def _run(self, *args: str, timeout: float = 120) -> str:
        command = [*args]
        if self.as_user is not None:
            command = ["runuser", "-u", self.as_user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              cwd=self.base)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {done.stderr or done.stdout}")
        return done.stdout

    def start(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "georisk",
                  "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
        self.launch()
        self.psql("postgres", f"CREATE DATABASE {TEMPLATE}")
        self.psql(TEMPLATE, "CREATE EXTENSION postgis")

    def launch(self) -> None:
        """Start the server of the cluster in ``data`` (made by `start` now or earlier)."""
        options = (f"-c listen_addresses='' -c unix_socket_directories='{self.base}'"
                   f" -c fsync={'on' if self.fsync else 'off'} -c max_connections=200"
                   " -c shared_buffers=128MB")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.base / "log"),
                  "-o", options, "-w", "-t", "60", "start")

    def halt(self, mode: str = "immediate") -> None:
        """Stop the server; the cluster stays."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def stop(self) -> None:
        try:
            self.halt()
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def psql(self, database: str, sql: str) -> str:
        return self._run(str(self.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h",
                         str(self.base), "-U", "georisk", "-d", database, "-c", sql)

    def url(self, database: str) -> str:
        return f"postgresql://georisk@/{database}?host={self.base}"

    def database(self) -> str:
        """A new database with PostGIS installed; its URL."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        self.psql("postgres", f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)


@contextmanager
def running_server(*, fsync: bool = False) -> Iterator[Server]:
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError(unavailable_reason())
    # A short path: a Unix socket's path may not exceed about 100 bytes.
    base = Path(tempfile.mkdtemp(prefix="georisk-pg-", dir="/tmp"))
    as_user = None
    if os.geteuid() == 0:  # PostgreSQL will not run as root
        as_user = "nobody"
        shutil.chown(base, user=as_user)
    server = Server(bin_dir, base, as_user, fsync=fsync)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@contextmanager
def kept_server(base: Path) -> Iterator[Server]:
    """A durable cluster kept in ``base`` between runs (the benchmarks' loaded databases):
    made the first time, started, and stopped at the end, never removed. ``base`` must be
    a short path (the server's Unix socket is made in it)."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError(unavailable_reason())
    base.mkdir(parents=True, exist_ok=True)
    as_user = None
    if os.geteuid() == 0:  # PostgreSQL will not run as root
        as_user = "nobody"
        shutil.chown(base, user=as_user)
    server = Server(bin_dir, base, as_user, fsync=True)
    if (server.data / "PG_VERSION").exists():
        server.launch()
    else:
        server.start()
    try:
        yield server
    finally:
        server.halt("fast")
