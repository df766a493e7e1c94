"""Shared set-up for the API tests: tokens, a test client, and the real service."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from georisk.identity import Tokens
from georisk.store import open_store
from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_token(db: Path | str, agency: str = "rescue", role: str = "operator",
               name: str = "") -> str:
    open_store(db).close()  # the schema, tokens table included
    return Tokens(db).create(name or f"{agency}-{role}", agency, role)[1]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@contextlib.contextmanager
def running_service(db: Path, *serve_args: str, access_log: Path | None = None) -> Iterator[str]:
    """`georisk serve` (gunicorn, the production server) on a free loopback port, with
    any further `serve` options; yields its base URL once /health answers. With
    ``access_log``, gunicorn's access log (one line a request: its line, status, size,
    user agent) is written to that file."""
    with service_process(db, *serve_args, access_log=access_log) as (base, _):
        yield base


@contextlib.contextmanager
def service_process(
    db: Path, *serve_args: str, access_log: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """`running_service`, with the gunicorn master's process too (to find its workers)."""
    port = free_port()
    with contextlib.ExitStack() as files:
        out = subprocess.DEVNULL if access_log is None else files.enter_context(
            open(access_log, "w", encoding="utf-8"))
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--db", str(db), "--port", str(port),
             *serve_args],
            cwd=ROOT, stdout=out, stderr=subprocess.PIPE, text=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # a loaded host boots workers slowly (30 s was seen)
    try:
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    raise RuntimeError(
                        f"the service did not start: {process.stderr.read()}"
                    ) from None
                time.sleep(0.1)
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=15)
