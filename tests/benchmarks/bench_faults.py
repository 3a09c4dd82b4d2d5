"""Faults during a filing burst (issue 19). Prints figures; asserts nothing.

Everything runs against a PostgreSQL cluster of its own, made for the run in a temporary folder
(``initdb`` and ``pg_ctl``, as the ``postgres`` user when run as root) on a free port and removed at the
end: the benchmark restarts it, and the machine's main cluster serves others. The application runs as
users run it (``permitwatch serve --workers 2`` and ``permitwatch worker``, production settings), mail
goes to an SMTP sink (aiosmtpd) in this process, and attachments to a small tmpfs mounted for the run
(root only; without root the attachment phase is skipped and says so).

Clients file execution reports through the API, each filing with its own idempotency key, and send it
again with the same key after a failed attempt (a refused connection, a reset, a 5xx), waiting what
``Retry-After`` says (at most 2 s here): what a careful integrator does. Four phases, each during a
burst of filings:

  a. one of the server's worker processes is killed with SIGKILL (the supervisor starts another);
  b. PostgreSQL restarts (``pg_ctl restart -m fast``): requests fail at once with 503 and
     ``Retry-After``, then succeed again without restarting the application;
  c. the mail server stops: mail waits in the outbox and is delivered once it is back;
  d. the attachment volume fills up: uploads are refused with ``storage_full``, nothing half-written.

Each phase prints acknowledged, found, lost and duplicated (filings: in the database, by receipt and
idempotency key; mail: at the sink, by the outbox message's id; uploads: records and their files).

Run (as root, for the tmpfs): .venv/bin/python -m tests.benchmarks.bench_faults  (also part of make bench)
Tune: FAULT_UNITS (60), FAULT_FILINGS (150 per phase), FAULT_CLIENTS (8), FAULT_SECONDS (90 per phase).
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("ENVIRONMENT", "test")
os.environ.setdefault("SECRET_KEY", "bench-secret-" + "x" * 40)
os.environ.setdefault("ARGON2_MEMORY_COST", "1024")
os.environ.setdefault("ARGON2_TIME_COST", "1")

from tests import pg_cluster  # noqa: E402
from tests.benchmarks.bench_filing_peak import SUBMIT, free_port, report_content  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
UNITS = int(os.environ.get("FAULT_UNITS", "60"))
FILINGS = int(os.environ.get("FAULT_FILINGS", "150"))
CLIENTS = int(os.environ.get("FAULT_CLIENTS", "8"))
SECONDS = float(os.environ.get("FAULT_SECONDS", "90"))
STARTUP_SECONDS = 120.0
ATTEMPTS = 30  # per filing, then the client gives up (counted)
TMPFS_BYTES = 1024 * 1024
UPLOAD_BYTES = 150 * 1024
ATTACH = (
    "mutation($p: String!, $k: ReportKind!, $period: String!, $files: [AttachmentInput!]!) {"
    " attachToReportDraft(permitNumber: $p, kind: $k, period: $period, attachments: $files) {"
    " files { id } errors { field code message } } }"
)


# ---------------------------------------------------------------------------
# A PostgreSQL cluster of the benchmark's own
# ---------------------------------------------------------------------------


class Cluster(pg_cluster.Cluster):
    def __init__(self) -> None:
        super().__init__(prefix="permitwatch-faults-")


# ---------------------------------------------------------------------------
# The city: units with permits and tokens, a reviewer who is mailed each filing
# ---------------------------------------------------------------------------


@dataclass
class Unit:
    token: str
    permit_number: str
    targets: list[tuple[str, str]]  # (kind, period) for filings
    upload_target: tuple[str, str]  # a draft no filing touches, for attachments


async def load(url: str, count: int) -> list[Unit]:
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
    decided = (today() - timedelta(days=700)).isoformat()
    units = []
    try:
        async with database.transaction() as session:
            enterprises = [
                await register_enterprise(session, operator(), data=enterprise_input()) for _ in range(count)
            ]
            permits = await import_permits(
                session, operator(), records=[permit_record(e, decision_date=decided) for e in enterprises]
            )
            reviewer = await create_user(
                session,
                operator(),
                username="faults-ecology",
                password="bench-password-1",
                role="ecology",
                region_code="310107",
                email="ecology@example.cn",
            )
            assert reviewer.id is not None
            for index, (enterprise, permit) in enumerate(zip(enterprises, permits, strict=True)):
                staff = await create_user(
                    session,
                    operator(),
                    username=f"faults-staff-{index}",
                    password="bench-password-1",
                    role="enterprise_staff",
                    enterprise_credit_code=enterprise.credit_code,
                )
                await session.flush()
                token, _row = await create_api_token(session, actor_for(staff, channel="cli"), name="faults")
                on = today()
                quarters = [
                    p.label for p in rules.periods_between("quarterly", permit.valid_from, on) if p.end < on
                ]
                quarterly = [("quarterly", label) for label in reversed(quarters)]
                units.append(Unit(token, permit.number, quarterly[:4], quarterly[4]))
    finally:
        await database.dispose()
    return units


# ---------------------------------------------------------------------------
# The application
# ---------------------------------------------------------------------------


class App:
    def __init__(self, url: str, smtp_port: int, upload_path: Path, instance: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.instance = instance
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("ARGON2_MEMORY_COST", "ARGON2_TIME_COST", "SECRET_KEY", "ENVIRONMENT")
        }
        env.update(
            DATABASE_URL=url,
            ENVIRONMENT="production",
            BASE_URL=self.base,
            SECRET_KEY="".join(secrets.token_urlsafe(36)),
            INSTANCE_PATH=str(instance),
            UPLOAD_PATH=str(upload_path),
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(smtp_port),
            DATABASE_POOL_SIZE="8",
            DATABASE_MAX_OVERFLOW="4",
            WORKER_POLL_SECONDS="0.5",
            OUTBOX_BACKOFF_SECONDS="1",
            WORKER_BATCH_SIZE="50",
        )
        permitwatch = str(Path(sys.executable).with_name("permitwatch"))
        self.server = self._spawn(
            [
                permitwatch,
                "serve",
                "--workers",
                "2",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-access-log",
            ],
            env,
            "server.log",
        )
        self.worker = self._spawn([permitwatch, "worker", "--no-reminders"], env, "worker.log")

    def _spawn(self, command: list[str], env: dict[str, str], log: str) -> subprocess.Popen[bytes]:
        with (self.instance / log).open("wb") as out:
            return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)

    def wait_until_ready(self) -> None:
        import httpx

        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise SystemExit("the server exited: " + (self.instance / "server.log").read_text()[-2000:])
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise SystemExit(f"the server did not answer within {STARTUP_SECONDS:.0f} s")

    def workers(self) -> set[int]:
        """The server's worker processes (children of the supervisor)."""
        found = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                spawned = b"multiprocessing.spawn" in (entry / "cmdline").read_bytes()  # not the tracker
            except (OSError, IndexError, ValueError):
                continue
            if parent == self.server.pid and spawned:
                found.add(int(entry.name))
        return found

    def stop(self) -> None:
        for process in (self.worker, self.server):
            if process.poll() is None:
                process.terminate()
        for process in (self.worker, self.server):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


# ---------------------------------------------------------------------------
# Clients that retry with the same idempotency key
# ---------------------------------------------------------------------------


@dataclass
class Burst:
    acknowledged: dict[str, str] = field(default_factory=dict)  # key -> receipt
    replayed_after_failure: int = 0  # answered "already filed" on a retry: the first attempt had landed
    retried: int = 0  # filings that needed more than one attempt
    gave_up: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    unavailable_seconds: list[float] = field(default_factory=list)  # how long a 503 took to come
    without_retry_after: int = 0
    ack_times: list[float] = field(default_factory=list)  # time.monotonic() of each acknowledgement
    seconds: float = 0.0

    def count(self, status: str) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1


async def file_one(http: Any, burst: Burst, unit: Unit, kind: str, period: str, key: str, n: int) -> None:
    import httpx

    body = {
        "query": SUBMIT,
        "variables": {
            "input": {
                "permitNumber": unit.permit_number,
                "kind": kind.upper(),
                "period": period,
                "content": report_content(kind, n),
                "idempotencyKey": key,
            }
        },
    }
    headers = {"Authorization": f"Bearer {unit.token}", "Accept-Language": "en"}
    for attempt in range(1, ATTEMPTS + 1):
        began = time.perf_counter()
        try:
            response = await http.post("/graphql", json=body, headers=headers)
        except httpx.HTTPError as error:
            burst.count(type(error).__name__)
            await asyncio.sleep(0.2)
            continue
        burst.count(str(response.status_code))
        if response.status_code == 503:
            burst.unavailable_seconds.append(time.perf_counter() - began)
            wait = response.headers.get("retry-after")
            if wait is None:
                burst.without_retry_after += 1
            await asyncio.sleep(min(float(wait or 1), 2.0))
            continue
        if response.status_code != 200:
            await asyncio.sleep(0.5)
            continue
        payload = response.json()["data"]["submitExecutionReport"]
        if payload["errors"]:
            code = payload["errors"][0]["code"]
            burst.refused[code] = burst.refused.get(code, 0) + 1
            return
        burst.acknowledged[key] = payload["submission"]["receiptNumber"]
        burst.ack_times.append(time.monotonic())
        if attempt > 1:
            burst.retried += 1
            burst.replayed_after_failure += bool(payload["replayed"])
        return
    burst.gave_up += 1


async def run_burst(base: str, units: list[Unit], phase: str, count: int, during: Any = None) -> Burst:
    """``count`` filings from CLIENTS clients; ``during(burst)`` runs beside them (the fault)."""
    import httpx

    burst = Burst()
    jobs = asyncio.Queue[tuple[Unit, str, str, str, int]]()
    for n in range(count):
        unit = units[n % len(units)]
        kind, period = unit.targets[(n // len(units)) % len(unit.targets)]
        jobs.put_nowait((unit, kind, period, f"{phase}-{n}-{uuid.uuid4().hex[:8]}", n))
    deadline = time.monotonic() + SECONDS

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            while not jobs.empty() and time.monotonic() < deadline:
                unit, kind, period, key, n = jobs.get_nowait()
                await file_one(http, burst, unit, kind, period, key, n)

    began = time.perf_counter()
    fault = asyncio.create_task(during(burst)) if during else None
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    if fault is not None:
        await fault
    burst.seconds = time.perf_counter() - began
    return burst


async def when_acknowledged(burst: Burst, share: float) -> None:
    """Wait until ``share`` of the phase's filings are acknowledged (the fault strikes mid-burst)."""
    deadline = time.monotonic() + SECONDS
    while len(burst.acknowledged) < FILINGS * share and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)


async def replay_all(base: str, units: list[Unit], burst: Burst) -> int:
    """Send every acknowledged filing again with its key (the client lost the answer): how many got
    another receipt than the first (must be none)."""
    import httpx

    mismatched = 0
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        for key, receipt in list(burst.acknowledged.items()):
            n = int(key.split("-")[1])
            unit = units[n % len(units)]
            kind, period = unit.targets[(n // len(units)) % len(unit.targets)]
            again = Burst()
            await file_one(http, again, unit, kind, period, key, n)
            if again.acknowledged.get(key) != receipt:
                mismatched += 1
    return mismatched


def filings_in_database(url: str, burst: Burst, phase: str) -> dict[str, int]:
    import sqlalchemy as sa

    from domain.db import sync_url

    engine = sa.create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT idempotency_key, receipt_number FROM report_submission "
                    "WHERE idempotency_key LIKE :p"
                ),
                {"p": f"{phase}-%"},
            ).all()
    finally:
        engine.dispose()
    stored: dict[str, list[str]] = {}
    for key, receipt in rows:
        stored.setdefault(key, []).append(receipt)
    found = sum(1 for key, receipt in burst.acknowledged.items() if receipt in stored.get(key, []))
    return {
        "acknowledged": len(burst.acknowledged),
        "found": found,
        "lost": len(burst.acknowledged) - found,
        "duplicated": sum(len(receipts) - 1 for receipts in stored.values()),
        "stored_unacknowledged": len(set(stored) - set(burst.acknowledged)),
    }


def four(figures: dict[str, int]) -> str:
    return " / ".join(str(figures[name]) for name in ("acknowledged", "found", "lost", "duplicated"))


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def show(title: str, figures: dict[str, Any]) -> None:
    print(f"\n{title}")
    for name, value in figures.items():
        print(f"  {name:<34} {value}")


# ---------------------------------------------------------------------------
# The mail server
# ---------------------------------------------------------------------------


class Sink:
    """An SMTP server keeping the outbox id of every message it receives; it can stop and start again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[int] = []
        self.controller: Any = None

    def start(self) -> None:
        import re

        from aiosmtpd.controller import Controller

        received = self.received

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                text = envelope.content.decode("utf-8", "replace")
                found = re.search(r"outbox-(\d+)@", text)
                received.append(int(found.group(1)) if found else -1)
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def scalar(url: str, sql: str, **params: Any) -> Any:
    import sqlalchemy as sa

    from domain.db import sync_url

    engine = sa.create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(sql), params).scalar_one()
    finally:
        engine.dispose()


async def wait_for(predicate: Any, seconds: float) -> float:
    """Poll ``predicate`` until it holds or ``seconds`` pass; returns the seconds it took (or inf)."""
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        if await asyncio.to_thread(predicate):
            return time.monotonic() - began
        await asyncio.sleep(0.2)
    return float("inf")


# ---------------------------------------------------------------------------
# The phases
# ---------------------------------------------------------------------------


async def kill_a_worker(app: App, url: str, units: list[Unit]) -> None:
    before = app.workers()
    killed: list[int] = []
    replaced: list[float] = []

    async def fault(burst: Burst) -> None:
        await when_acknowledged(burst, 0.25)
        victim = min(app.workers())
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)
        replaced.append(await wait_for(lambda: bool(app.workers() - before), 30))

    burst = await run_burst(app.base, units, "kill", FILINGS, fault)
    mismatched = await replay_all(app.base, units, burst)
    figures = filings_in_database(url, burst, "kill")
    show(
        "a. an app worker killed with SIGKILL mid-burst",
        {
            **figures,
            "gave up (after 30 attempts)": burst.gave_up,
            "refused": burst.refused or 0,
            "retried after a failed attempt": burst.retried,
            "  of which answered as already filed": burst.replayed_after_failure,
            "resent with the same key: other receipt": mismatched,
            "responses": dict(sorted(burst.statuses.items())),
            "worker killed / replaced within": (
                f"pid {killed[0]} / {replaced[0]:.1f} s" if killed and replaced else "none killed"
            ),
            "burst seconds": f"{burst.seconds:.1f}",
        },
    )


async def restart_postgresql(app: App, url: str, units: list[Unit], cluster: Cluster) -> None:
    workers = app.workers()
    marks: dict[str, float] = {}

    async def fault(burst: Burst) -> None:
        await when_acknowledged(burst, 0.25)
        marks["began"] = time.monotonic()
        await asyncio.to_thread(cluster.restart)
        marks["ended"] = time.monotonic()

    burst = await run_burst(app.base, units, "restart", FILINGS, fault)
    figures = filings_in_database(url, burst, "restart")
    after = [t for t in burst.ack_times if t >= marks.get("ended", float("inf"))]
    recovered = (min(after) - marks["ended"]) if after else float("inf")
    show(
        "b. PostgreSQL restarted mid-burst (pg_ctl restart -m fast)",
        {
            **figures,
            "gave up (after 30 attempts)": burst.gave_up,
            "refused": burst.refused or 0,
            "503 answers": len(burst.unavailable_seconds),
            "  without Retry-After": burst.without_retry_after,
            "  time to answer 503: p50 / max": (
                f"{percentile(burst.unavailable_seconds, 0.5) * 1000:.0f} ms / "
                f"{max(burst.unavailable_seconds, default=float('nan')) * 1000:.0f} ms"
            ),
            "500 answers": burst.statuses.get("500", 0),
            "retried after a failed attempt": burst.retried,
            "  of which answered as already filed": burst.replayed_after_failure,
            "restart took": f"{marks['ended'] - marks['began']:.1f} s",
            "first acknowledgement after it": f"{recovered:.2f} s",
            "app restarted": "no" if app.server.poll() is None and app.workers() == workers else "yes",
            "responses": dict(sorted(burst.statuses.items())),
        },
    )


async def stop_the_mail_server(app: App, url: str, units: list[Unit], sink: Sink) -> None:
    unsent = "SELECT count(*) FROM outbox_message WHERE status <> 'sent'"
    await wait_for(lambda: scalar(url, unsent) == 0, 60)  # what earlier phases wrote is out
    first_id = int(scalar(url, "SELECT coalesce(max(id), 0) FROM outbox_message")) + 1
    sink.stop()
    burst = await run_burst(app.base, units, "mail", FILINGS)
    await asyncio.sleep(3)  # the worker tries, and fails, a few times
    written = int(scalar(url, "SELECT count(*) FROM outbox_message WHERE id >= :i", i=first_id))
    waiting = int(scalar(url, unsent + " AND id >= :i", i=first_id))
    tried = int(
        scalar(url, "SELECT count(*) FROM outbox_message WHERE id >= :i AND attempts > 0", i=first_id)
    )
    delivered_while_down = len([i for i in sink.received if i >= first_id])
    sink.start()
    took = await wait_for(lambda: scalar(url, unsent + " AND id >= :i", i=first_id) == 0, SECONDS)
    ids = [i for i in sink.received if i >= first_id]
    figures = filings_in_database(url, burst, "mail")
    show(
        "c. the mail server stopped during the burst, started again after it",
        {
            "filings acknowledged / found / lost / duplicated": four(figures),
            "mail written to the outbox (acknowledged)": written,
            "delivered while the server was down": delivered_while_down,
            "waiting in the outbox when it came back": waiting,
            "  of which tried and failed already": tried,
            "delivered after it came back (found)": len(set(ids)),
            "lost": written - len(set(ids)),
            "duplicated": len(ids) - len(set(ids)),
            "outbox empty again after": f"{took:.1f} s",
        },
    )


async def fill_the_attachment_volume(app: App, url: str, units: list[Unit], store: Path) -> None:
    import hashlib

    import httpx

    results: dict[str, int] = {}
    accepted: set[str] = set()
    refused: set[str] = set()
    messages: set[str] = set()

    async def upload(unit: Unit, n: int) -> None:
        content = b"%PDF-1.4\n" + os.urandom(UPLOAD_BYTES) + b"\n%%EOF\n"
        digest = hashlib.sha256(content).hexdigest()
        kind, period = unit.upload_target
        variables = {
            "p": unit.permit_number,
            "k": kind.upper(),
            "period": period,
            "files": [{"fileName": f"监测报告-{n}.pdf", "contentBase64": base64.b64encode(content).decode()}],
        }
        async with httpx.AsyncClient(base_url=app.base, timeout=60) as http:
            response = await http.post(
                "/graphql",
                json={"query": ATTACH, "variables": variables},
                headers={"Authorization": f"Bearer {unit.token}"},
            )
        payload = response.json()["data"]["attachToReportDraft"] if response.status_code == 200 else None
        if payload is None:
            outcome = f"HTTP {response.status_code}"
        elif payload["errors"]:
            outcome = payload["errors"][0]["code"]
            messages.add(payload["errors"][0]["message"])
            refused.add(digest)
        else:
            outcome = "accepted"
            accepted.add(digest)
        results[outcome] = results.get(outcome, 0) + 1

    uploads = min(len(units), 2 * TMPFS_BYTES // UPLOAD_BYTES)

    async def uploads_beside(_burst: Burst) -> None:
        for start in range(0, uploads, 4):
            await asyncio.gather(*(upload(units[n], n) for n in range(start, min(uploads, start + 4))))

    burst = await run_burst(app.base, units, "disk", FILINGS // 2, uploads_beside)
    rows = dict(
        (digest, int(count))
        for digest, count in [
            (d, scalar(url, "SELECT count(*) FROM report_attachment WHERE sha256 = :d", d=d))
            for d in accepted | refused
        ]
    )
    found, half = check_store(store, accepted, rows)
    figures = filings_in_database(url, burst, "disk")
    show(
        f"d. the attachment volume ({TMPFS_BYTES // 1024} KiB tmpfs) fills up: {uploads} uploads of "
        f"{UPLOAD_BYTES // 1024} KiB beside a burst of filings",
        {
            "uploads acknowledged": len(accepted),
            "  found (record and file, hash checked)": found,
            "  lost": len(accepted) - found,
            "  duplicated": sum(max(0, rows.get(d, 0) - 1) for d in accepted),
            "upload outcomes": dict(sorted(results.items())),
            "  refused but recorded anyway": sum(1 for d in refused if rows.get(d)),
            "  message": " | ".join(sorted(messages)) or "-",
            "half-written files in the store": half,
            "filings acknowledged / found / lost / duplicated": four(figures),
            "filings refused": burst.refused or 0,
        },
    )


def check_store(store: Path, accepted: set[str], rows: dict[str, int]) -> tuple[int, int]:
    """Accepted uploads whose record and file are there (the file's hash checked), and files in the store
    that are partly written (a temporary name left, or content that is not its name's)."""
    import hashlib

    def intact(path: Path) -> bool:
        return path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == path.name

    found = sum(1 for d in accepted if rows.get(d) and intact(store / d[:2] / d[2:4] / d))
    files = [p for p in store.rglob("*") if p.is_file()]
    half = sum(1 for p in files if p.name.startswith(".upload-") or not intact(p))
    return found, half


def create_database(cluster: Cluster) -> None:
    import sqlalchemy as sa

    from domain.db import sync_url

    admin = cluster.url.rsplit("/", 1)[0] + "/postgres"
    engine = sa.create_engine(sync_url(admin), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE DATABASE permitwatch")
    engine.dispose()


def main() -> None:
    from domain import migrate

    root = os.geteuid() == 0
    cluster = Cluster()
    instance = Path(tempfile.mkdtemp(prefix="permitwatch-faults-app-"))
    store = instance / "uploads"
    store.mkdir()
    sink = Sink()
    app: App | None = None
    mounted = False
    try:
        began = time.perf_counter()
        cluster.create()
        create_database(cluster)
        migrate.upgrade(cluster.url)
        units = asyncio.run(load(cluster.url, UNITS))
        if root:
            subprocess.run(
                ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES},mode=0755", "tmpfs", str(store)],
                check=True,
            )
            mounted = True
        sink.start()
        app = App(cluster.url, sink.port, store, instance)
        app.wait_until_ready()
        print(
            f"bench_faults: PostgreSQL of its own on port {cluster.port}, {UNITS} units, "
            f"{FILINGS} filings per phase from {CLIENTS} clients, serve --workers 2 + worker; "
            f"set up in {time.perf_counter() - began:.0f} s; load average {os.getloadavg()[0]:.1f}"
        )

        async def phases() -> None:
            assert app is not None
            await kill_a_worker(app, cluster.url, units)
            await restart_postgresql(app, cluster.url, units, cluster)
            await stop_the_mail_server(app, cluster.url, units, sink)
            if mounted:
                await fill_the_attachment_volume(app, cluster.url, units, store)
            else:
                print("\nd. skipped: mounting a small tmpfs for the attachments needs root")

        asyncio.run(phases())
    finally:
        if app is not None:
            app.stop()
        sink.stop()
        if mounted:
            subprocess.run(["umount", str(store)], check=False)
        cluster.remove()
        shutil.rmtree(instance, ignore_errors=True)


def test_print_fault_figures() -> None:
    main()


if __name__ == "__main__":
    main()
