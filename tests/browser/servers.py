"""Starting the application for browser tests: a `permitwatch serve` (or a test's own app factory) in a
subprocess on a free loopback port, waited for through /healthz, stopped afterwards.

The wait is bounded by START_SECONDS. On a quiet machine the server answers within about two seconds;
on this two-core machine under a load of ten (other test runs beside) importing the application took
80 s, so the bound is generous; a server that exits while starting fails at once with its log."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 180


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_command(port: int) -> list[str]:
    """The product's own server."""
    return [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]


def factory_command(factory: str, port: int) -> list[str]:
    """A test's own application factory (``module:function``) under uvicorn."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        factory,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]


@contextmanager
def running(command: list[str], port: int, *, env: dict[str, str], instance: Path) -> Iterator[str]:
    """Run ``command`` (listening on ``port``) until /healthz answers; yield its base URL; stop it."""
    log_path = instance / "server.log"
    log = log_path.open("w")
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    try:
        while True:
            if server.poll() is not None:
                pytest.fail("the server exited while starting: " + log_path.read_text()[-2000:])
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the server did not answer within {START_SECONDS} s: " + log_path.read_text()[-2000:]
                )
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
