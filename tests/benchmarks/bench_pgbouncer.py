"""Connection pooling measured: the application straight on PostgreSQL, then through pgbouncer in
transaction pooling (docs/operations.md, "Connection pooling"). Prints figures; asserts nothing.

Installs nothing: without ``/usr/sbin/pgbouncer`` (``make pgbouncer-deps``) it says so and stops.
One run:
  1. a fresh database on the main PostgreSQL (BENCH_POSTGRES_URL / TEST_POSTGRES_URL, default
     postgresql://postgres@127.0.0.1:5432/postgres), migrated, BENCH_UNITS units with permits and tokens
     (``bench_filing_peak.load_units``); dropped at the end;
  2. pgbouncer on a free port of 5440-5449 in front of it (as the ``postgres`` user when run as root):
     ``pool_mode = transaction``, ``default_pool_size = BENCH_POOL`` server connections;
  3. for each way in, ``permitwatch serve --workers BENCH_WORKERS`` (production settings, the same
     DATABASE_POOL_SIZE / DATABASE_MAX_OVERFLOW; ``DATABASE_POOLER=pgbouncer`` through pgbouncer) and,
     at BENCH_CLIENTS clients for BENCH_SECONDS each:
       a. GET /public/permits (the public register's first page: a read page),
       b. submitExecutionReport (the filing mutation), each with its own idempotency key;
     prints requests/s, p50 and p99, the statuses, and the PostgreSQL backends of this database (peak and
     mean, sampled from pg_stat_activity every 0.2 s): what the nodes cost the database server.
  4. stops pgbouncer and the servers.

Run: .venv/bin/python -m tests.benchmarks.bench_pgbouncer   (or make bench)
Tune: BENCH_UNITS (40), BENCH_WORKERS (4), BENCH_CLIENTS (32), BENCH_SECONDS (20), BENCH_POOL (10),
BENCH_APP_POOL (10, overflow 5 more: each server process's own pool).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from tests.benchmarks.bench_filing_peak import (
    SUBMIT,
    admin_url,
    create_database,
    drop_database,
    load_average,
    load_units,
    percentile,
    report_content,
    stop_server,
)
from tests.browser.servers import ROOT
from tests.pg_cluster import free_port

PGBOUNCER = Path("/usr/sbin/pgbouncer")
PORTS = range(5440, 5450)
UNITS = int(os.environ.get("BENCH_UNITS", "40"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "32"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
POOL = int(os.environ.get("BENCH_POOL", "10"))
APP_POOL = int(os.environ.get("BENCH_APP_POOL", "10"))
STARTUP_SECONDS = 120.0


class Bouncer:
    """pgbouncer in transaction pooling in front of ``url``'s server, on a port of 5440-5449."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.folder = Path(tempfile.mkdtemp(prefix="permitwatch-pgbouncer-"))
        self.port = free_port(PORTS)
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        user = parsed.username or "postgres"
        (self.folder / "users.txt").write_text(f'"{user}" "{parsed.password or ""}"\n')
        (self.folder / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={parsed.host or '127.0.0.1'} port={parsed.port or 5432}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.folder / 'users.txt'}\n"
            f"pool_mode = transaction\ndefault_pool_size = {POOL}\nmax_client_conn = 2000\n"
            f"logfile = {self.folder / 'pgbouncer.log'}\npidfile = {self.folder / 'pgbouncer.pid'}\n"
            "ignore_startup_parameters = extra_float_digits\n"
        )
        if self.as_postgres:
            for path in (self.folder, *self.folder.iterdir()):
                shutil.chown(path, "postgres", "postgres")
        self.url = parsed.set(port=self.port).render_as_string(hide_password=False)

    def start(self) -> None:
        command = [*self.as_postgres, str(PGBOUNCER), "-d", str(self.folder / "pgbouncer.ini")]
        subprocess.run(command, check=True, capture_output=True)
        deadline = time.monotonic() + 10
        while not (self.folder / "pgbouncer.pid").exists():
            if time.monotonic() > deadline:
                raise RuntimeError("pgbouncer did not start: " + self.log())
            time.sleep(0.1)

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            pid = int((self.folder / "pgbouncer.pid").read_text().strip())
            os.kill(pid, signal.SIGINT)  # shut down at once
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                os.kill(pid, 0)
                time.sleep(0.1)
        shutil.rmtree(self.folder, ignore_errors=True)

    def log(self) -> str:
        path = self.folder / "pgbouncer.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""


class Backends:
    """Samples this database's server backends (pg_stat_activity) while a phase runs."""

    def __init__(self, admin_url: str, database: str) -> None:
        self.admin_url, self.database = admin_url, database
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(
            self.admin_url.replace("postgresql+psycopg", "postgresql"), autocommit=True
        ) as db:
            while not self._stop.is_set():
                row = db.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [self.database])
                self.samples.append(int(row.fetchone()[0]))  # type: ignore[index]
                self._stop.wait(0.2)

    def __enter__(self) -> Backends:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def start_server(url: str, port: int, log_path: Path, *, pooled: bool) -> subprocess.Popen[bytes]:
    import secrets

    env = {key: value for key, value in os.environ.items() if key not in ("ENVIRONMENT", "SECRET_KEY")}
    env.update(
        DATABASE_URL=url,
        ENVIRONMENT="production",
        SECRET_KEY=secrets.token_urlsafe(36),
        BASE_URL=f"http://127.0.0.1:{port}",
        DATABASE_POOL_SIZE=str(APP_POOL),
        DATABASE_MAX_OVERFLOW="5",
        DATABASE_POOLER="pgbouncer" if pooled else "none",
        GRAPHQL_RATE_BUDGET="100000000",
    )
    command = [
        str(Path(sys.executable).with_name("permitwatch")),
        *("serve", "--workers", str(WORKERS), "--host", "127.0.0.1", "--port", str(port), "--no-access-log"),
    ]
    with log_path.open("wb") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_until_healthy(process: subprocess.Popen[bytes], base: str, log_path: Path) -> None:
    import httpx

    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited: " + log_path.read_text(errors="replace")[-2000:])
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.25)
    raise RuntimeError(f"the server did not answer within {STARTUP_SECONDS:.0f} s")


async def load(base: str, units: list[dict[str, Any]], *, filing: bool) -> dict[str, Any]:
    """``CLIENTS`` clients, each on one keep-alive connection, for ``SECONDS``."""
    import aiohttp

    latencies: list[float] = []
    statuses: dict[str, int] = {}
    deadline = time.perf_counter() + SECONDS

    async def client(index: int) -> None:
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(base_url=base, connector=connector) as http:
            n = 0
            while time.perf_counter() < deadline:
                unit = units[(index + n * CLIENTS) % len(units)]
                kind, period = unit["targets"][n % len(unit["targets"])]
                n += 1
                began = time.perf_counter()
                if filing:
                    variables = {
                        "input": {
                            "permitNumber": unit["permit_number"],
                            "kind": kind.upper(),
                            "period": period,
                            "content": report_content(kind, n),
                            "idempotencyKey": uuid.uuid4().hex,
                        }
                    }
                    headers = {"Authorization": f"Bearer {unit['token']}", "Accept-Language": "en"}
                    request = http.post(
                        "/graphql", json={"query": SUBMIT, "variables": variables}, headers=headers
                    )
                else:
                    request = http.get("/public/permits", params={"page": str(1 + n % 2)})
                try:
                    async with request as response:
                        body = await response.read()
                        status = str(response.status)
                        if filing and response.status == 200 and b'"receiptNumber"' not in body:
                            status = "200 not filed"
                except (aiohttp.ClientError, TimeoutError) as error:
                    status = type(error).__name__
                latencies.append(time.perf_counter() - began)
                statuses[status] = statuses.get(status, 0) + 1

    began = time.perf_counter()
    await asyncio.gather(*(client(index) for index in range(CLIENTS)))
    return {"latencies": latencies, "statuses": statuses, "seconds": time.perf_counter() - began}


def line(way: str, what: str, result: dict[str, Any], samples: list[int]) -> str:
    lat = result["latencies"]
    mean = statistics.fmean(samples) if samples else float("nan")
    rate = len(lat) / result["seconds"]
    return (
        f"{way:9} {what:22} {rate:7.1f} req/s  p50 {percentile(lat, 0.5) * 1000:6.0f} ms"
        f"  p99 {percentile(lat, 0.99) * 1000:6.0f} ms  backends peak {max(samples, default=0):3d}"
        f" mean {mean:5.1f}  {result['statuses']}"
    )


def main() -> None:
    if not PGBOUNCER.exists():
        print(f"bench_pgbouncer: {PGBOUNCER} is not installed (make pgbouncer-deps); nothing measured")
        return
    from domain import migrate

    url = create_database()
    database = make_url(url).database or ""
    bouncer: Bouncer | None = None
    folder = Path(tempfile.mkdtemp(prefix="permitwatch-bench-pgbouncer-"))
    try:
        migrate.upgrade(url)
        units = asyncio.run(load_units(url, UNITS))
        bouncer = Bouncer(url)
        bouncer.start()
        print(
            f"bench_pgbouncer: {UNITS} units, {WORKERS} server processes x pool {APP_POOL} (+5), {CLIENTS}"
            f" clients, {SECONDS:.0f} s a phase; pgbouncer :{bouncer.port} transaction pooling,"
            f" {POOL} server connections; load average {load_average()}"
        )
        for way, target, pooled in (("direct", url, False), ("pgbouncer", bouncer.url, True)):
            port = free_port()
            log_path = folder / f"server-{way}.log"
            server = start_server(target, port, log_path, pooled=pooled)
            try:
                base = f"http://127.0.0.1:{port}"
                wait_until_healthy(server, base, log_path)
                for what, filing in (("GET /public/permits", False), ("submitExecutionReport", True)):
                    with Backends(admin_url(), database) as backends:
                        result = asyncio.run(load(base, units, filing=filing))
                    print(line(way, what, result, backends.samples), flush=True)
            finally:
                stop_server(server)
            errors = [row for row in log_path.read_text(errors="replace").splitlines() if "Error" in row]
            if errors:
                print(f"  {way}: {len(errors)} error lines in the server log, first: {errors[0][:300]}")
    finally:
        if bouncer is not None:
            bouncer.stop()
        drop_database(url)
        shutil.rmtree(folder, ignore_errors=True)


def test_print_pgbouncer_figures() -> None:
    main()


if __name__ == "__main__":
    main()
