"""The filing peak (issue 5): many units submit execution reports at once. Prints figures; asserts nothing.

One run, on a fresh PostgreSQL database (BENCH_POSTGRES_URL / TEST_POSTGRES_URL, default
postgresql://postgres@127.0.0.1:5432/postgres; a uniquely named database is created, migrated and
dropped at the end):
  1. loads N units, each with an issued permit that requires quarterly and annual reports and a staff
     member holding an API token (domain use cases, one transaction);
  2. measures the database's raw rate of single-row committed inserts into a scratch table, one
     transaction per row, at the same concurrency as the load (psycopg async, 50 connections);
  3. starts the application as users run it (``permitwatch serve --workers 2``, production
     settings) and, from a separate client process on 127.0.0.1, measures
       a. a plain endpoint that does no work: GET /livez (liveness: answers, touches nothing),
       b. GET /healthz, which runs one ``SELECT 1``,
       c. ``submitExecutionReport`` with a report kind that does not exist, which the GraphQL layer
          refuses before any resolver runs: the cheapest request of the kind, the ceiling of (d),
       d. ``submitExecutionReport`` at 50 concurrent clients, about 10 % of which send every filing
          twice with the same idempotency key (a double click), bounded to 3,000 filings and 120 s;
  4. counts, in the database, the acknowledged submissions (every receipt the server acknowledged
     must be there) and the duplicates (an idempotency key with more than one row: must be none).
Beside each figure: the CPU one request cost the app's processes, PostgreSQL (this database's live
backends as a lower bound, the whole server as an upper bound) and the client, read from /proc, so the
figures can be judged when other processes share the machine (the load average is printed too).
Targets are printed as PASS/FAIL: none missing, no duplicate, filing throughput at least 25 % of the
raw committed-insert rate, p99 below 500 ms at 50 clients.

Run: .venv/bin/python -m tests.benchmarks.bench_filing_peak  (or make bench)
Where the CPU of one submission goes (in-process, step by step, and cProfile):
     .venv/bin/python -m tests.benchmarks.bench_filing_peak --profile
Tune: BENCH_UNITS (300), BENCH_FILINGS (3000), BENCH_SECONDS (120), BENCH_CLIENTS (50).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import secrets
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

os.environ.setdefault("ENVIRONMENT", "test")
os.environ.setdefault("SECRET_KEY", "bench-secret-" + "x" * 40)
# The loader's own accounts never log in: cheap hashes keep the setup short (the server uses its own).
os.environ.setdefault("ARGON2_MEMORY_COST", "1024")
os.environ.setdefault("ARGON2_TIME_COST", "1")

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
UNITS = int(os.environ.get("BENCH_UNITS", "300"))
FILINGS = int(os.environ.get("BENCH_FILINGS", "3000"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "120"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "50"))
RETRYING_SHARE = 0.10
PLAIN_REQUESTS = 5000
PLAIN_SECONDS = 20.0
RAW_INSERTS = 5000
RAW_SECONDS = 20.0
STARTUP_SECONDS = 60.0
REQUEST_TIMEOUT = 30.0

SUBMIT = """
mutation($input: SubmitExecutionReportInput!) {
  submitExecutionReport(input: $input) {
    submission { version receiptNumber submittedAt }
    replayed
    errors { field code message }
  }
}"""


# ---------------------------------------------------------------------------
# The database: create, load, raw insert rate, checks, drop
# ---------------------------------------------------------------------------


def admin_url() -> str:
    return os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


def create_database() -> str:
    from domain.db import sync_url

    name = f"permitwatch_bench_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(sync_url(admin_url()), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return make_url(admin_url()).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    from domain.db import sync_url

    engine = sa.create_engine(sync_url(admin_url()), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    engine.dispose()


def report_content(kind: str, n: int) -> dict[str, Any]:
    """A believable report as an integrator sends it (camelCase), every main outlet reported."""
    content: dict[str, Any] = {
        "emissions": [
            {
                "outlet": "DA001",
                "pollutant": pollutant,
                "method": "automatic",
                "concentrationAvg": round(limit * (0.4 + (n % 7) / 20), 3),
                "concentrationMax": round(limit * 0.9, 3),
                "unit": "mg/m3",
                "quantityT": round(2.0 + (n % 11) / 10, 3),
                "compliant": True,
            }
            for pollutant, limit in (("SO2", 35), ("NOX", 50), ("PM", 10))
        ]
        + [
            {
                "outlet": "DW001",
                "pollutant": "COD",
                "method": "manual",
                "concentrationAvg": 120.0,
                "concentrationMax": 180.0,
                "unit": "mg/L",
                "quantityT": 3.5,
                "compliant": True,
            }
        ],
        "exceedances": [],
        "abnormalOperation": [],
        "statement": f"本期严格按照排污许可证要求排放污染物（第 {n} 次填报）。",
    }
    if kind == "annual":
        content.update(
            production={
                "operatingDays": 330,
                "mainProducts": "电力",
                "output": "4.1 亿千瓦时",
                "fuel": "燃煤",
            },
            controlFacilities=[{"name": "石灰石-石膏湿法脱硫", "operatingHours": 7900, "abnormalHours": 6}],
            selfMonitoring={"planned": 3, "performed": 3, "notes": ""},
            ledgerExecution={"complete": True, "completenessRatio": 0.99, "notes": ""},
            disclosure={"done": True, "channels": "全国排污许可证管理信息平台", "notes": ""},
            managementSystem={"responsiblePerson": "李娜", "trainingSessions": 4, "notes": ""},
            otherRequirements="",
        )
    return content


async def load_units(url: str, count: int) -> list[dict[str, Any]]:
    """N units with an issued permit and a staff member's API token, through the domain's use cases."""
    from domain.access import operator
    from domain.accounts.service.tokens import create_api_token
    from domain.accounts.service.users import create_user
    from domain.actors import actor_for
    from domain.clock import today
    from domain.db import Database
    from domain.enterprises.service import register_enterprise
    from domain.permits.service.imports import import_permits
    from domain.reports import rules
    from tests.factories import enterprise_input, permit_record

    database = Database(url)
    decided = today() - timedelta(days=700)
    units: list[dict[str, Any]] = []
    try:
        async with database.transaction() as session:
            enterprises = [
                await register_enterprise(session, operator(), data=enterprise_input()) for _ in range(count)
            ]
            permits = await import_permits(
                session,
                operator(),
                records=[permit_record(e, decision_date=decided.isoformat()) for e in enterprises],
            )
            for index, (enterprise, permit) in enumerate(zip(enterprises, permits, strict=True)):
                user = await create_user(
                    session,
                    operator(),
                    username=f"bench-staff-{index}",
                    password="bench-password-1",
                    role="enterprise_staff",
                    enterprise_credit_code=enterprise.credit_code,
                )
                await session.flush()
                token, _row = await create_api_token(session, actor_for(user, channel="cli"), name="bench")
                assert permit.valid_from is not None
                on = today()
                quarters = [
                    p.label
                    for p in rules.periods_between("quarterly", permit.valid_from, on)
                    if p.end < on  # the filing peak: periods that have ended
                ]
                years = [
                    p.label for p in rules.periods_between("annual", permit.valid_from, on) if p.end < on
                ]
                # Newest first: the quarter just ended and last year's annual report are filed first.
                targets = [("quarterly", label) for label in reversed(quarters)][:4]
                targets[1:1] = [("annual", label) for label in reversed(years)][:1]
                units.append({"token": token, "permit_number": permit.number, "targets": targets})
    finally:
        await database.dispose()
    return units


async def raw_insert_rate(url: str, concurrency: int) -> tuple[float, int, float]:
    """Single-row inserts, one committed transaction each, from ``concurrency`` connections."""
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as connection:
        await connection.execute(
            "CREATE TABLE bench_scratch (id bigserial PRIMARY KEY, key text NOT NULL, "
            "body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
        )
    body = json.dumps(report_content("quarterly", 1), ensure_ascii=False)
    remaining = RAW_INSERTS
    deadline = time.perf_counter() + RAW_SECONDS

    async def writer() -> int:
        nonlocal remaining
        done = 0
        async with await psycopg.AsyncConnection.connect(dsn) as connection:
            while remaining > 0 and time.perf_counter() < deadline:
                remaining -= 1
                async with connection.transaction():
                    await connection.execute(
                        "INSERT INTO bench_scratch (key, body) VALUES (%s, %s)", (uuid.uuid4().hex, body)
                    )
                done += 1
        return done

    began = time.perf_counter()
    written = sum(await asyncio.gather(*(writer() for _ in range(concurrency))))
    seconds = time.perf_counter() - began
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as connection:
        stored = (await (await connection.execute("SELECT count(*) FROM bench_scratch")).fetchone() or [0])[0]
        await connection.execute("DROP TABLE bench_scratch")
    assert stored == written, (stored, written)
    return written / seconds, written, seconds


def check_database(url: str, acknowledged: set[str], keys_sent: int) -> dict[str, int]:
    from domain.db import sync_url

    engine = sa.create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT receipt_number FROM report_submission").all()
            stored = {row[0] for row in rows}
            duplicates = connection.exec_driver_sql(
                "SELECT count(*) FROM (SELECT idempotency_key FROM report_submission "
                "GROUP BY idempotency_key HAVING count(*) > 1) AS d"
            ).scalar_one()
            versions = connection.exec_driver_sql(
                "SELECT count(*) FROM execution_report WHERE latest_version > 1"
            ).scalar_one()
            reports = connection.exec_driver_sql("SELECT count(*) FROM execution_report").scalar_one()
    finally:
        engine.dispose()
    return {
        "rows": len(rows),
        "found": len(acknowledged & stored),
        "missing": len(acknowledged - stored),
        "unacknowledged_rows": len(stored - acknowledged),
        "duplicate_keys": int(duplicates),
        "keys_sent": keys_sent,
        "reports": int(reports),
        "resubmitted_reports": int(versions),
    }


# ---------------------------------------------------------------------------
# The server, as users run it
# ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(url: str, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    secret = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(48))
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("ARGON2_MEMORY_COST", "ARGON2_TIME_COST", "SECRET_KEY", "ENVIRONMENT")
    }
    env.update(
        DATABASE_URL=url, ENVIRONMENT="production", SECRET_KEY=secret, BASE_URL=f"http://127.0.0.1:{port}"
    )
    permitwatch = Path(sys.executable).with_name("permitwatch")
    command = [str(permitwatch), "serve", "--workers", "2", "--host", "127.0.0.1", "--port", str(port)]
    # Popen runs the server itself (no shell in between), so proc.pid is the server's own PID (pitfall 9).
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return process


def wait_until_healthy(process: subprocess.Popen[bytes], port: int) -> None:
    import httpx

    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"the server did not answer /healthz within {STARTUP_SECONDS:.0f} s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# ---------------------------------------------------------------------------
# The client process
# ---------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def count(self, status: str) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def client_session(base: str) -> Any:
    """One keep-alive connection per simulated client, as a browser tab or an integrator's client holds."""
    import aiohttp

    return aiohttp.ClientSession(
        base_url=base,
        connector=aiohttp.TCPConnector(limit=1),
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
    )


async def plain_load(
    base: str, path: str, clients: int, units: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """GET ``path``; or, with ``units``, POST a submitExecutionReport that the GraphQL layer refuses
    before any resolver runs (a report kind that does not exist): the cheapest request of its kind."""
    tally = Tally()
    remaining = PLAIN_REQUESTS
    deadline = time.perf_counter() + PLAIN_SECONDS

    def request(http: Any, index: int) -> Any:
        if units is None:
            return http.get(path)
        unit = units[index % len(units)]
        variables = {
            "input": {
                "permitNumber": unit["permit_number"],
                "kind": "FORTNIGHTLY",
                "period": "2026Q1",
                "content": report_content("quarterly", index),
                "idempotencyKey": f"refused-{index}",
            }
        }
        return http.post(
            path,
            json={"query": SUBMIT, "variables": variables},
            headers={"Authorization": f"Bearer {unit['token']}", "Accept-Language": "en"},
        )

    async def client(index: int) -> None:
        nonlocal remaining
        async with client_session(base) as http:
            while remaining > 0 and time.perf_counter() < deadline:
                remaining -= 1
                began = time.perf_counter()
                async with request(http, index) as response:
                    body = await response.read()
                tally.latencies.append(time.perf_counter() - began)
                refused = units is not None and b'"errors"' not in body
                tally.count("200 but not refused" if refused else str(response.status))

    began = time.perf_counter()
    await asyncio.gather(*(client(index) for index in range(clients)))
    tally.seconds = time.perf_counter() - began
    return {"latencies": tally.latencies, "statuses": tally.statuses, "seconds": tally.seconds}


async def filing_load(base: str, units: list[dict[str, Any]], clients: int) -> dict[str, Any]:
    """``clients`` clients; client c files for units c, c + clients, …; every tenth client double-clicks."""
    tally = Tally()
    acknowledged: set[str] = set()
    replayed = 0
    mismatched_replays = 0
    keys_sent = 0
    new_versions = 0
    problems: dict[str, int] = {}
    remaining = FILINGS
    deadline = time.perf_counter() + SECONDS
    every = round(1 / RETRYING_SHARE)  # every tenth client double-clicks
    per_client: list[int] = []

    async def post(http: Any, token: str, variables: dict[str, Any]) -> dict[str, Any] | None:
        import aiohttp

        began = time.perf_counter()
        try:
            async with http.post(
                "/graphql",
                json={"query": SUBMIT, "variables": variables},
                headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
            ) as response:
                status = response.status
                body = await response.json() if status == 200 else None
        except (aiohttp.ClientError, TimeoutError) as error:
            tally.count(type(error).__name__)
            return None
        tally.latencies.append(time.perf_counter() - began)
        tally.count(str(status))
        if body is None:
            return None
        payload = (body.get("data") or {}).get("submitExecutionReport")
        if payload is None:
            problem = "graphql: " + str(body.get("errors"))[:120]
            problems[problem] = problems.get(problem, 0) + 1
            return None
        if payload["errors"]:
            code = payload["errors"][0]["code"]
            problems[code] = problems.get(code, 0) + 1
            return None
        return payload

    async def client(index: int) -> None:
        nonlocal remaining, replayed, mismatched_replays, keys_sent, new_versions
        mine = units[index::clients]
        per_client.append(0)
        slot = len(per_client) - 1
        double_clicks = index % every == 0
        if not mine:
            return
        async with client_session(base) as http, client_session(base) as second_tab:
            sequence = 0
            while remaining > 0 and time.perf_counter() < deadline:
                unit = mine[sequence % len(mine)]
                kind, period = unit["targets"][(sequence // len(mine)) % len(unit["targets"])]
                sequence += 1
                remaining -= 1
                key = f"bench-{index}-{sequence}-{uuid.uuid4().hex[:12]}"
                variables = {
                    "input": {
                        "permitNumber": unit["permit_number"],
                        "kind": kind.upper(),
                        "period": period,
                        "content": report_content(kind, sequence),
                        "idempotencyKey": key,
                    }
                }
                keys_sent += 1
                per_client[slot] += 1
                if double_clicks:
                    # The same filing sent twice a moment apart, as an impatient second click does.
                    first, second = await asyncio.gather(
                        post(http, unit["token"], variables),
                        _later(0.005, post(second_tab, unit["token"], variables)),
                    )
                    answers = [a for a in (first, second) if a is not None]
                    receipts = {a["submission"]["receiptNumber"] for a in answers}
                    replayed += sum(1 for a in answers if a["replayed"])
                    mismatched_replays += max(0, len(receipts) - 1)
                else:
                    answer = await post(http, unit["token"], variables)
                    answers = [answer] if answer is not None else []
                for answer in answers:
                    acknowledged.add(answer["submission"]["receiptNumber"])
                new_versions += sum(1 for a in answers if not a["replayed"])

    began = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    tally.seconds = time.perf_counter() - began
    return {
        "latencies": tally.latencies,
        "statuses": tally.statuses,
        "seconds": tally.seconds,
        "acknowledged": sorted(acknowledged),
        "replayed": replayed,
        "mismatched_replays": mismatched_replays,
        "keys_sent": keys_sent,
        "new_versions": new_versions,
        "problems": problems,
        "double_clicking_clients": len(range(0, clients, every)),
        "per_client": per_client,
    }


async def _later(delay: float, awaitable: Any) -> Any:
    await asyncio.sleep(delay)
    return await awaitable


async def client_main(plan: dict[str, Any]) -> dict[str, Any]:
    base, clients, phase = plan["base_url"], plan["clients"], plan["phase"]
    if phase == "filing":
        return await filing_load(base, plan["units"], clients)
    if phase == "refused":
        return await plain_load(base, "/graphql", clients, plan["units"])
    return await plain_load(base, phase, clients)


def run_client_process(plan: dict[str, Any], folder: Path) -> tuple[dict[str, Any], float]:
    """The load comes from another process, over 127.0.0.1, as a real client's would.

    Returns the client's figures and the CPU seconds the client process used.
    """
    plan_path, result_path = folder / "plan.json", folder / "result.json"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    budget = max(PLAIN_SECONDS, SECONDS) + 120
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.benchmarks.bench_filing_peak",
            "--client",
            str(plan_path),
            str(result_path),
        ],
        cwd=ROOT,
        check=True,
        timeout=budget,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    return result, cpu


# ---------------------------------------------------------------------------
# CPU accounting: what one request costs the app and the database, whatever else runs on the machine
# ---------------------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: set[int]) -> dict[int, float]:
    """User + system CPU seconds of each live process (Linux /proc)."""
    found: dict[int, float] = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it has exited
        found[pid] = (int(fields[11]) + int(fields[12])) / TICKS
    return found


def descendants(root: int) -> set[int]:
    """The server's processes: the supervisor and the workers it spawned."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    family = {root}
    for _ in range(5):  # bounded: supervisor -> workers (-> helpers)
        family |= {pid for pid, parent in parents.items() if parent in family}
    return family


def database_backends(url: str) -> tuple[set[int], int | None]:
    """The backends serving this database now, and the PostgreSQL server's supervisor (postmaster)."""
    from domain.db import sync_url

    engine = sa.create_engine(sync_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            ).all()
            own = int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
    finally:
        engine.dispose()
    try:
        postmaster: int | None = int(Path(f"/proc/{own}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        postmaster = None  # a server on another machine (or in a container): not measured
    return {int(row[0]) for row in rows}, postmaster


def server_cpu(postmaster: int | None) -> float:
    """CPU seconds of the whole PostgreSQL server so far: the postmaster, its live children and the
    children it has reaped (a backend that closed during a phase is counted too)."""
    if postmaster is None:
        return 0.0
    try:
        fields = Path(f"/proc/{postmaster}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    total = sum(int(value) for value in fields[11:15]) / TICKS  # utime, stime, cutime, cstime
    children = {
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and _parent(entry) == postmaster
    }
    return total + sum(cpu_seconds(children).values())


def _parent(entry: Path) -> int | None:
    try:
        return int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


@dataclass
class CpuUse:
    app: float  # the server's processes
    database: float  # this database's backends alive at the end of the phase (a lower bound)
    postgres: float  # the whole PostgreSQL server, other databases' work included (an upper bound)
    per_process: list[float]  # the app's CPU per process: the supervisor and each worker


@dataclass
class CpuMeter:
    """CPU used by the app's processes and by PostgreSQL between start() and stop()."""

    server_pid: int
    url: str
    app: dict[int, float] = field(default_factory=dict)
    database: dict[int, float] = field(default_factory=dict)
    postgres: float = 0.0

    def start(self) -> None:
        self.app = cpu_seconds(descendants(self.server_pid))
        backends, postmaster = database_backends(self.url)
        self.database = cpu_seconds(backends)
        self.postgres = server_cpu(postmaster)

    def stop(self) -> CpuUse:
        app = cpu_seconds(descendants(self.server_pid))
        backends, postmaster = database_backends(self.url)
        database = cpu_seconds(backends)
        per_process = sorted((used - self.app.get(pid, 0.0) for pid, used in app.items()), reverse=True)
        return CpuUse(
            app=sum(per_process),
            database=sum(used - self.database.get(pid, 0.0) for pid, used in database.items()),
            postgres=server_cpu(postmaster) - self.postgres,
            per_process=per_process,
        )


def connections_per_worker(port: int) -> list[int]:
    """Client connections each server process holds (each worker has its own SO_REUSEPORT socket and the
    kernel spreads new connections over them; with keep-alive a client stays where it landed)."""
    try:
        listing = subprocess.run(
            ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    counts: dict[str, int] = {}
    for line in listing.splitlines():
        pid = line.split("pid=", 1)[1].split(",", 1)[0] if "pid=" in line else "?"
        counts[pid] = counts.get(pid, 0) + 1
    return sorted(counts.values(), reverse=True)


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------


def figures(label: str, result: dict[str, Any]) -> tuple[float, float, float, float]:
    """Prints rate, latency and CPU per request; returns (rate, p50, p99, server CPU ms per request)."""
    latencies = result["latencies"]
    rate = len(latencies) / result["seconds"] if result["seconds"] else 0.0
    p50, p99 = percentile(latencies, 0.50) * 1000, percentile(latencies, 0.99) * 1000
    cpu = result["cpu"]
    per = {key: max(0.0, value) / max(1, len(latencies)) * 1000 for key, value in cpu.items()}
    print(
        f"  {label:<44}{rate:9,.0f} /s   p50 {p50:7.1f} ms   p99 {p99:7.1f} ms"
        f"   statuses {result['statuses']}"
    )
    print(
        f"  {'':<44}CPU per request: app {per['app']:.2f} ms + PostgreSQL {per['database']:.2f}"
        f" to {per['postgres']:.2f} ms (+ client {per['client']:.2f} ms)"
    )
    return rate, p50, p99, per["app"] + per["postgres"]


def load_average() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> None:
    from domain import migrate

    url = create_database()
    print(f"\nfiling peak on PostgreSQL ({make_url(url).database}), {UNITS} units, {CLIENTS} clients")
    print(f"  machine: {os.cpu_count()} CPUs, load average before the run {load_average()}")
    try:
        began = time.perf_counter()
        migrate.upgrade(url)
        units = asyncio.run(load_units(url, UNITS))
        print(f"  setup: migrated and loaded {len(units)} units in {time.perf_counter() - began:.1f} s")

        raw_rate, raw_rows, raw_seconds = asyncio.run(raw_insert_rate(url, CLIENTS))

        port = free_port()
        with tempfile.TemporaryDirectory() as folder:
            log_path = Path(folder) / "server.log"
            server = start_server(url, port, log_path)
            try:
                wait_until_healthy(server, port)
                meter = CpuMeter(server.pid, url)
                result: dict[str, Any] = {}
                for phase in ("/livez", "/healthz", "refused", "filing"):
                    plan = {"base_url": f"http://127.0.0.1:{port}", "clients": CLIENTS, "phase": phase}
                    if phase in ("refused", "filing"):
                        plan["units"] = units
                    meter.start()
                    placement: list[list[int]] = []
                    probe = threading.Timer(
                        15.0, lambda found=placement: found.append(connections_per_worker(port))
                    )
                    probe.start()
                    result[phase], client_cpu = run_client_process(plan, Path(folder))
                    probe.cancel()
                    result[phase]["placement"] = placement[0] if placement else []
                    used = meter.stop()
                    result[phase]["cpu"] = {
                        "app": used.app,
                        "database": used.database,
                        "postgres": used.postgres,
                        "client": client_cpu,
                    }
                    result[phase]["app_processes"] = used.per_process
            finally:
                stop_server(server)
                server_log = log_path.read_text(encoding="utf-8", errors="replace")

        filing = result["filing"]
        acknowledged = set(filing["acknowledged"])
        checked = check_database(url, acknowledged, filing["keys_sent"])

        print(
            f"  raw committed single-row inserts (psycopg, {CLIENTS} conns){raw_rate:9,.0f} /s   "
            f"({raw_rows:,} rows in {raw_seconds:.1f} s)"
        )
        figures("GET /livez (no work)", result["/livez"])
        figures("GET /healthz (one SELECT 1)", result["/healthz"])
        refused_rate, *_rest = figures("submitExecutionReport refused by GraphQL", result["refused"])
        _requests_rate, _p50, p99, server_ms = figures("submitExecutionReport, requests", filing)
        filing_rate = filing["new_versions"] / filing["seconds"] if filing["seconds"] else 0.0
        print(
            f"  {'submitExecutionReport, new submissions':<44}{filing_rate:9,.0f} /s   "
            f"({filing['new_versions']:,} filed in {filing['seconds']:.1f} s; "
            f"{filing['keys_sent']:,} idempotency keys sent)"
        )
        cores = os.cpu_count() or 1
        if server_ms > 0:
            print(
                f"  ceiling from CPU alone: {cores} CPUs / {server_ms:.1f} ms (app + PostgreSQL, upper) = "
                f"{cores * 1000 / server_ms:,.0f} submitExecutionReport/s if nothing else ran"
            )
        print(
            f"  double-clicking clients: {filing['double_clicking_clients']} of {CLIENTS}; "
            f"replayed answers: {filing['replayed']}; "
            f"replays with another receipt: {filing['mismatched_replays']}"
        )
        done = sorted(filing["per_client"])
        print(
            f"  filings per client: min {done[0]}, median {done[len(done) // 2]}, max {done[-1]}; "
            f"app CPU per process (s): {', '.join(f'{v:.1f}' for v in filing['app_processes'])}"
        )
        print(f"  client connections per worker 15 s into the filing: {filing['placement']}")
        if filing["problems"]:
            print(f"  refused filings by error code: {filing['problems']}")
        print(
            f"  acknowledged by the server: {len(acknowledged):,}; "
            f"found in the database: {checked['found']:,}; "
            f"missing: {checked['missing']}; rows not acknowledged: {checked['unacknowledged_rows']}"
        )
        print(
            f"  report_submission rows: {checked['rows']:,} in {checked['reports']:,} reports "
            f"({checked['resubmitted_reports']:,} resubmitted); idempotency keys with >1 row: "
            f"{checked['duplicate_keys']}"
        )
        print(f"  load average after the run {load_average()} (other processes share the CPUs)")
        errors_logged = server_log.count("Traceback")
        print(f"  server log: {errors_logged} tracebacks")

        share = filing_rate / raw_rate if raw_rate else 0.0
        print("  targets:")
        print(f"    {verdict(checked['missing'] == 0)}  none missing ({checked['missing']} missing)")
        print(
            f"    {verdict(checked['duplicate_keys'] == 0 and filing['mismatched_replays'] == 0)}  "
            f"no duplicate ({checked['duplicate_keys']} keys with >1 row)"
        )
        print(
            f"    {verdict(share >= 0.25)}  throughput >= 25 % of raw committed inserts "
            f"({filing_rate:,.0f} / {raw_rate:,.0f} = {share:.1%})"
        )
        print(f"    {verdict(p99 < 500)}  p99 < 500 ms at {CLIENTS} clients (p99 {p99:.0f} ms)")
        print(
            f"  for scale: the same mutation refused by the GraphQL layer, before any filing work or SQL, "
            f"runs at {refused_rate:,.0f} /s = {refused_rate / raw_rate if raw_rate else 0.0:.1%} of the raw "
            f"rate: the ceiling of any submitExecutionReport on this machine and stack"
        )
        if errors_logged:
            print(server_log[server_log.index("Traceback") :][:3000])
    finally:
        drop_database(url)


# ---------------------------------------------------------------------------
# Where the time goes: CPU of one submission, step by step, in-process (--profile)
# ---------------------------------------------------------------------------

PROFILED_STEPS = (
    ("domain.reports.service.submission", "submit_reports", "submit_reports (a batch of one)"),
    ("domain.reports.facts", "ledger_facts_many", "  ledger facts for the rules"),
    ("domain.ledgers.queries.period", "period_ledgers", "    the period's ledger (emissions, completeness)"),
    ("domain.permits.terms", "terms_of", "  the permits' terms (from memory)"),
    ("domain.reports.service.submission", "_lock_reports", "  lock (and open) the reports"),
    ("domain.audit_rules.ruleset", "run", "  the audit rules themselves"),
    ("domain.reports.notices", "sections_notices", "  the departments' notices (built)"),
    ("domain.reports.service.submission", "_answer_open_feedback", "  feedback forms (returned only)"),
)


async def profile_submissions(url: str, count: int) -> None:
    """CPU (process time, so waiting for PostgreSQL is not counted) and SQL statements of each step."""
    import cProfile
    import functools
    import importlib
    import pstats

    from sqlalchemy import event

    from domain.actors import actor_for_token
    from domain.db import Database
    from graphql_schema.context import GraphQLContext
    from graphql_schema.schema import schema

    cpu: dict[str, float] = {}
    statements: dict[str, int] = {}
    stack: list[str] = []

    def timed(function: Any, label: str) -> Any:
        @functools.wraps(function)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            began = time.process_time()
            stack.append(label)
            try:
                return await function(*args, **kwargs)
            finally:
                stack.pop()
                cpu[label] = cpu.get(label, 0.0) + time.process_time() - began

        @functools.wraps(function)
        def plain(*args: Any, **kwargs: Any) -> Any:
            began = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                cpu[label] = cpu.get(label, 0.0) + time.process_time() - began

        return wrapper if asyncio.iscoroutinefunction(function) else plain

    for module_name, name, label in PROFILED_STEPS:
        module = importlib.import_module(module_name)
        setattr(module, name, timed(getattr(module, name), label))

    units = await load_units(url, 20)
    database = Database(url)

    def counted(*_args: Any) -> None:
        key = stack[-1] if stack else "  GraphQL layer, transaction, commit"
        statements[key] = statements.get(key, 0) + 1

    for engine in database.engines:
        event.listen(engine.sync_engine, "before_cursor_execute", counted)
    totals = {"token authentication": 0.0, "mutation through the schema": 0.0}

    async def one(index: int) -> None:
        unit = units[index % len(units)]
        kind, period = unit["targets"][(index // len(units)) % len(unit["targets"])]
        began = time.process_time()
        async with database.read() as session:
            lookup = await actor_for_token(session, token=unit["token"])
        assert lookup is not None
        authenticated = time.process_time()
        context = GraphQLContext(
            request=None,  # type: ignore[arg-type]
            response=None,
            db=database,
            actor=lookup.actor,
            locale="en",
            request_id="profile",
        )
        variables = {
            "input": {
                "permitNumber": unit["permit_number"],
                "kind": kind.upper(),
                "period": period,
                "content": report_content(kind, index),
                "idempotencyKey": f"profile-{index}",
            }
        }
        outcome = await schema.execute(SUBMIT, variables, context_value=context)
        assert not outcome.errors and outcome.data and not outcome.data["submitExecutionReport"]["errors"]
        totals["token authentication"] += authenticated - began
        totals["mutation through the schema"] += time.process_time() - authenticated

    try:
        for index in range(10):  # warm the caches (statements, GraphQL documents)
            await one(10_000 + index)
        cpu.clear()
        statements.clear()
        totals = dict.fromkeys(totals, 0.0)
        for index in range(count):
            await one(index)
        print(f"\nCPU per submission, in-process, over {count} submissions (PostgreSQL waits not counted):")
        for label, used in totals.items():
            print(f"  {label:<46}{used / count * 1000:7.2f} ms")
        for _module, _name, label in PROFILED_STEPS:
            print(
                f"  {label:<46}{cpu.get(label, 0.0) / count * 1000:7.2f} ms"
                f"   {statements.get(label, 0) / count:5.1f} SQL statements of its own"
            )
        other = statements.get("  GraphQL layer, transaction, commit", 0)
        print(
            f"  SQL statements outside the steps above: {other / count:.1f}; "
            f"total per submission: {sum(statements.values()) / count:.1f} (+ token lookup)"
        )
        profiler = cProfile.Profile()
        profiler.enable()
        for index in range(count, count + 100):
            await one(index)
        profiler.disable()
        order = os.environ.get("BENCH_PROFILE_SORT", "tottime")  # or cumulative
        lines = int(os.environ.get("BENCH_PROFILE_LINES", "15"))
        print(f"\ncProfile, 100 more submissions, top {lines} functions by {order}:")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats(order).print_stats(lines)
    finally:
        await database.dispose()


def profile_main(count: int = 200) -> None:
    from domain import migrate

    url = create_database()
    try:
        migrate.upgrade(url)
        asyncio.run(profile_submissions(url, count))
    finally:
        drop_database(url)


def test_print_filing_peak_figures() -> None:
    main()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--client":
        plan = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
        try:
            import uvloop  # a lighter event loop leaves more CPU to the server on a small machine

            outcome = uvloop.run(client_main(plan))
        except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
            outcome = asyncio.run(client_main(plan))
        Path(sys.argv[3]).write_text(json.dumps(outcome), encoding="utf-8")
    elif sys.argv[1:] == ["--profile"]:
        profile_main()
    else:
        main()
