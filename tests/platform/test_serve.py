"""`permitwatch serve --workers N`: every worker on its own socket, a dead worker replaced, a clean stop."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(predicate, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def workers_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(fields[1]) == pid and b"multiprocessing.spawn" in cmdline:
                found.add(int(entry.name))
    return found


def answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_two_workers_share_the_port_a_dead_one_is_replaced_and_sigterm_stops_all(
    fresh_database_url, tmp_path
):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": fresh_database_url, "INSTANCE_PATH": str(tmp_path)}
    command = [
        sys.executable,
        "-m",
        "server.cli",
        "serve",
        "--workers",
        "2",
        "--port",
        str(port),
        "--no-access-log",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert wait_for(lambda: answers(base) and len(workers_of(server.pid)) == 2), "two workers answer"
        first = workers_of(server.pid)
        # Each worker holds a socket of its own on the port (SO_REUSEPORT), so the kernel spreads clients.
        listening = subprocess.run(
            ["ss", "-tlnpH", f"( sport = :{port} )"], capture_output=True, text=True, check=False
        ).stdout
        assert listening.count("LISTEN") == 2, listening
        victim = sorted(first)[0]
        os.kill(victim, signal.SIGKILL)
        assert wait_for(lambda: len(workers_of(server.pid) - {victim}) == 2), "the dead worker is replaced"
        assert wait_for(lambda: answers(base))
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=40) == 0
        assert not workers_of(server.pid)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(10)


def test_a_port_already_taken_is_refused_plainly(fresh_database_url, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        env = {**os.environ, "DATABASE_URL": fresh_database_url, "INSTANCE_PATH": str(tmp_path)}
        command = [sys.executable, "-m", "server.cli", "serve", "--workers", "2", "--port", str(port)]
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr
