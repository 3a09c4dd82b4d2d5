"""A PostgreSQL cluster of a test's or a benchmark's own: ``initdb`` and ``pg_ctl`` (as the ``postgres``
user when run as root) in a temporary folder, on a port of its own, removed at the end; and a streaming
replica of it made with ``pg_basebackup -R`` (a hot standby).

The main cluster (127.0.0.1:5432) is never touched. Callers stop and remove what they start, in a
``finally``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

REPLICATION_USER = "replicator"


def pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if found:
        return found[-1].parent
    located = shutil.which("pg_ctl")
    if located is None:
        raise SystemExit("pg_ctl not found: install PostgreSQL's server binaries")
    return Path(located).parent


def has_server_binaries() -> bool:
    try:
        return (pg_bin() / "initdb").exists() and (pg_bin() / "pg_basebackup").exists()
    except SystemExit:
        return False


def free_port(candidates: Iterable[int] | None = None) -> int:
    """A port nothing listens on: the first free one of ``candidates``, else one the system picks."""
    for port in candidates or ():
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    if candidates is not None:
        raise RuntimeError(f"no free port among {candidates}")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    def __init__(self, port: int | None = None, *, prefix: str = "permitwatch-pg-") -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=prefix))
        self.data = self.folder / "data"
        self.port = port or free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")

    def run(self, *args: str) -> str:
        command = [*self.as_postgres, *args]
        done = subprocess.run(command, check=False, capture_output=True, cwd="/", text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")
        return done.stdout

    def _settings(self, extra: str = "") -> str:
        return (
            f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.folder}'\nmax_connections = 60\nshared_buffers = 64MB\n{extra}"
        )

    def create(self, extra: str = "") -> None:
        """initdb (trust on loopback, replication connections included) and start."""
        self.run(str(pg_bin() / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(self._settings(extra))
        self.start()

    def create_primary(self, extra: str = "") -> None:
        """A primary that streams to replicas: WAL for them, a replication role (loopback, trust)."""
        self.create(f"wal_level = replica\nmax_wal_senders = 5\nwal_keep_size = 64MB\n{extra}")
        self.psql(f"CREATE ROLE {REPLICATION_USER} WITH REPLICATION LOGIN")

    def create_standby_of(self, primary: Cluster, extra: str = "") -> None:
        """``pg_basebackup -R``: a copy of the primary that follows it by streaming (a hot standby)."""
        self.run(
            str(pg_bin() / "pg_basebackup"),
            *("-D", str(self.data), "-h", "127.0.0.1", "-p", str(primary.port), "-U", REPLICATION_USER),
            *("-R", "-X", "stream", "--no-sync", "--checkpoint=fast"),
        )
        with (self.data / "postgresql.conf").open("a") as conf:  # later lines win over the primary's
            conf.write(self._settings(f"hot_standby = on\nhot_standby_feedback = on\n{extra}"))
        self.start()

    def psql(self, sql: str, database: str = "postgres") -> str:
        return self.run(
            str(pg_bin() / "psql"),
            *("-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database),
            *("-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql),
        ).strip()

    def pg_ctl(self, *args: str) -> None:
        self.run(str(pg_bin() / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"), "-w", *args)

    def start(self) -> None:
        self.pg_ctl("start")

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "stop")

    def restart(self) -> None:
        self.pg_ctl("-m", "fast", "restart")

    def remove(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def log(self) -> str:
        path = self.folder / "log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def url_of(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    @property
    def url(self) -> str:
        return self.url_of("permitwatch")
