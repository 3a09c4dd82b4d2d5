"""The pages people use most, on province-scale data (issue 19). Prints figures; asserts nothing.

On a database made by ``permitwatch demo --scale province --fraction F`` (PostgreSQL, BENCH_SCALE_URL;
it is read, never dropped; the run adds two API tokens to it):
  1. counts the SQL statements of one request of every page, in-process (the application on the same
     database with an SQLAlchemy ``before_cursor_execute`` listener), the lists at two page sizes;
  2. starts the application as users run it (``permitwatch serve --workers 2``, production settings),
     logs in the demo city's users over HTTP and runs BENCH_CLIENTS (20) concurrent clients (httpx async,
     one keep-alive connection each) for BENCH_SECONDS (60 s) or BENCH_REQUESTS (4,000) requests: each
     client takes the pages in turn — the public permit search and a permit's public page, a city's and
     a district's review queue, the exceedance warnings, the filing dashboard, a unit's ledger month and
     report draft, the GraphQL lists (permits, reviewQueue, exceedances, monitoringReadings) — and
     GET /livez, the endpoint that does no work; one more client makes a full sync, paging the change feed
     (``changes``, 100 a page) from the start, bounded by the same time;
  (first, the worker's round: the filing dashboard's rollup brought up to date, as the worker keeps it)
  3. prints p50/p99 per page beside /livez's, the statement count per page, and PASS/FAIL of p99 < 300 ms.

Run: BENCH_SCALE_URL=postgresql://postgres@127.0.0.1:5432/permitwatch_scale .venv/bin/python -m
tests.benchmarks.bench_scale
BENCH_PAGES="public permit search,GraphQL permits" limits the run to the pages whose names contain one of
these (comma-separated; /livez and the full sync are always run).
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import socket
import string
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

os.environ.setdefault("ENVIRONMENT", "test")
os.environ.setdefault("SECRET_KEY", "bench-secret-" + "x" * 40)

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "20"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "4000"))
STARTUP_SECONDS = 60.0
TIMEOUT = 30.0  # a request without an answer by then counts as status 0
TARGET_P99 = 0.300

PERMITS = "query($first: Int) { permits(first: $first) { edges { node { number status } } } }"
QUEUE = "query($first: Int) { reviewQueue(first: $first) { edges { node { id period } } } }"
EXCEEDANCES = "query($first: Int) { exceedances(first: $first) { edges { node { id pollutant } } } }"
READINGS = (
    "query($n: String!, $first: Int, $start: DateTime, $end: DateTime) { monitoringReadings(permitNumber: $n,"
    " first: $first, start: $start, end: $end) { edges { node { id concentration } } } }"
)
CHANGES = (
    "query($after: String) { changes(after: $after, first: 100) { edges { node { objectType objectId } }"
    " pageInfo { endCursor hasNextPage } } }"
)


@dataclass
class Page:
    name: str
    user: str | None  # who is logged in (the portal's cookie, or the GraphQL token); None: the public
    path: str
    graphql: tuple[str, dict[str, Any]] | None = None
    sizes: tuple[dict[str, Any], dict[str, Any]] | None = None  # two page sizes for the statement count
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    statements: str = ""


# ---------------------------------------------------------------------------
# What to ask for, read from the database
# ---------------------------------------------------------------------------


async def targets(url: str) -> tuple[list[Page], dict[str, str], dict[str, str]]:
    """The pages, the users' passwords and their API tokens."""
    import sqlalchemy as sa

    from demo.city import DEMO_PASSWORD
    from demo.scale import PASSWORD
    from domain.accounts.models import User
    from domain.accounts.service.tokens import create_api_token
    from domain.actors import actor_for
    from domain.db import Database

    database = Database(url)
    try:
        async with database.transaction() as session:
            connection = await session.connection()
            one = (
                await connection.exec_driver_sql(
                    "SELECT p.number, p.enterprise_id, r.measured_at FROM monitoring_reading r"
                    " JOIN permit p ON p.id = r.permit_id ORDER BY r.id DESC LIMIT 1"
                )
            ).one()
            monitored, enterprise_id, latest = one
            unit_user = (
                await connection.execute(
                    sa.text(
                        "SELECT username FROM user_account"
                        " WHERE enterprise_id = :e AND role = 'enterprise_staff' ORDER BY username LIMIT 1"
                    ),
                    {"e": enterprise_id},
                )
            ).scalar_one()
            draft = (
                await connection.execute(
                    sa.text(
                        "SELECT kind, period FROM execution_report r JOIN permit p ON p.id = r.permit_id"
                        " WHERE p.number = :n ORDER BY r.period_end DESC LIMIT 1"
                    ),
                    {"n": monitored},
                )
            ).one()
            public = (
                await connection.exec_driver_sql(
                    "SELECT number FROM permit WHERE status = 'issued' ORDER BY id DESC LIMIT 1"
                )
            ).scalar_one()
            tokens = {}
            for username in ("jn-permitting", unit_user):
                user = (await session.exec(sa.select(User).where(User.username == username))).scalar_one()
                tokens[username], _row = await create_api_token(
                    session, actor_for(user, channel="cli"), name=f"bench-scale-{secrets.token_hex(3)}"
                )
    finally:
        await database.dispose()
    month_end = latest.replace(day=1) - timedelta(days=1)
    month = (month_end.replace(day=1).date().isoformat(), month_end.date().isoformat())
    start, end = f"{month[0]}T00:00:00+08:00", f"{month[1]}T23:59:59+08:00"
    passwords = {
        name: (PASSWORD if name.startswith("scale") else DEMO_PASSWORD)
        for name in ("jn-permitting", "pt-permitting", unit_user)
    }
    pages = [
        Page("GET /livez (no work)", None, "/livez"),
        Page("public permit search", None, "/public/permits?q=%E6%B5%8E%E5%8D%97"),
        Page("public permit page", None, f"/public/permits/{public}"),
        Page("review queue, city (jn-permitting)", "jn-permitting", "/review"),
        Page("review queue, district (pt-permitting)", "pt-permitting", "/review"),
        Page("exceedance warnings", "jn-permitting", "/exceedances"),
        Page("filing dashboard", "jn-permitting", "/review/dashboard"),
        Page(
            "ledger month (readings)",
            unit_user,
            f"/ledger/{monitored}/readings?start={month[0]}&end={month[1]}",
        ),
        Page("report draft", unit_user, f"/reports/{monitored}/{draft[0]}/{draft[1]}"),
        Page(
            "GraphQL permits",
            "jn-permitting",
            "/graphql",
            (PERMITS, {"first": 20}),
            ({"first": 5}, {"first": 100}),
        ),
        Page(
            "GraphQL reviewQueue",
            "jn-permitting",
            "/graphql",
            (QUEUE, {"first": 20}),
            ({"first": 5}, {"first": 100}),
        ),
        Page(
            "GraphQL exceedances",
            "jn-permitting",
            "/graphql",
            (EXCEEDANCES, {"first": 20}),
            ({"first": 5}, {"first": 100}),
        ),
        Page(
            "GraphQL monitoringReadings (a month, 100)",
            unit_user,
            "/graphql",
            (READINGS, {"n": monitored, "first": 100, "start": start, "end": end}),
            ({"first": 5}, {"first": 100}),
        ),
        Page(
            "GraphQL changes (a page of the full sync)",
            "jn-permitting",
            "/graphql",
            (CHANGES, {"after": None}),
        ),
    ]
    return pages, passwords, tokens


# ---------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------


async def login(http: Any, username: str, password: str) -> None:
    form = await http.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None, "no CSRF token on the login form"
    response = await http.post(
        "/login", data={"username": username, "password": password, "csrf_token": token.group(1)}
    )
    assert response.status_code in (302, 303), f"login of {username}: {response.status_code}"


async def fetch(
    http: Any, page: Page, tokens: dict[str, str], variables: dict[str, Any] | None = None
) -> Any:
    if page.graphql is None:
        return await http.get(page.path)
    query, defaults = page.graphql
    headers = {"Authorization": f"Bearer {tokens[page.user]}"} if page.user else {}
    return await http.post(
        page.path, json={"query": query, "variables": {**defaults, **(variables or {})}}, headers=headers
    )


def body_ok(response: Any, page: Page) -> bool:
    return response.status_code == 200 and (page.graphql is None or '"errors"' not in response.text)


async def count_statements(
    url: str, pages: list[Page], passwords: dict[str, str], tokens: dict[str, str]
) -> None:
    """One request of each page in-process, its SQL statements counted (a second request after a first one
    that warms the caches); the lists at two page sizes."""
    import httpx

    from domain.db import Database
    from domain.settings import Settings
    from server.app import create_app

    database = Database(url)
    app = create_app(Settings(database_url=url, base_url="http://testserver", environment="test"), database)
    statements: list[str] = []

    def remember(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    clients: dict[str | None, Any] = {}
    try:
        for user in {page.user for page in pages}:
            http = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://testserver", timeout=TIMEOUT
            )
            if user is not None:
                await login(http, user, passwords[user])
            clients[user] = http
        for engine in database.engines:  # the token's lookup and the budget's charge run in autocommit
            event.listen(engine.sync_engine, "before_cursor_execute", remember)
        for page in pages:
            http = clients[page.user if page.graphql is None else None]
            counts = []
            for variables in page.sizes or (None,):
                await fetch(http, page, tokens, variables)
                statements.clear()
                response = await fetch(http, page, tokens, variables)
                if not body_ok(response, page):
                    print(f"  ! {page.name}: {response.status_code} {response.text[:200]}")
                counts.append(len(statements))
            page.statements = " / ".join(str(n) for n in counts)
    finally:
        for engine in database.engines:
            event.remove(engine.sync_engine, "before_cursor_execute", remember)
        for http in clients.values():
            await http.aclose()
        await database.dispose()


async def load(
    base: str, pages: list[Page], passwords: dict[str, str], tokens: dict[str, str]
) -> dict[str, Any]:
    import httpx

    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    remaining = REQUESTS
    deadline = time.perf_counter() + SECONDS
    cookies: dict[str, Any] = {}
    for user in sorted({p.user for p in pages if p.user and p.graphql is None}):
        async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT) as http:
            await login(http, user, passwords[user])
            cookies[user] = http.cookies
    # Session cookies are per user: a client holds one http client per user, each its own connection.
    sync: dict[str, Any] = {"pages": 0, "events": 0, "latencies": [], "complete": False}

    async def client(index: int) -> None:
        nonlocal remaining
        sessions = {
            user: httpx.AsyncClient(
                base_url=base, timeout=TIMEOUT, limits=limits, cookies=cookies.get(user or "")
            )
            for user in {p.user for p in pages}
        }
        try:
            turn = index
            while remaining > 0 and time.perf_counter() < deadline:
                remaining -= 1
                page = pages[turn % (len(pages) - 1)]  # the last page is the sync's
                turn += 1
                http = sessions[page.user]
                began = time.perf_counter()
                try:
                    response = await fetch(http, page, tokens)
                    status = response.status_code if body_ok(response, page) else -response.status_code
                except httpx.TimeoutException:
                    status = 0  # no answer within TIMEOUT: counted at TIMEOUT, never dropped
                except httpx.TransportError:
                    # The connection closed under the request (the server ends a keep-alive
                    # connection idle past its timeout as the client reuses it): counted as -1.
                    status = -1
                page.latencies.append(time.perf_counter() - began)
                page.statuses[status] = page.statuses.get(status, 0) + 1
        finally:
            for http in sessions.values():
                await http.aclose()

    async def full_sync() -> None:
        page = pages[-1]
        after = None
        async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT, limits=limits) as http:
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                response = await fetch(http, page, tokens, {"after": after})
                page.latencies.append(time.perf_counter() - began)
                data = response.json()["data"]["changes"]
                sync["pages"] += 1
                sync["events"] += len(data["edges"])
                after = data["pageInfo"]["endCursor"]
                if not data["pageInfo"]["hasNextPage"]:
                    sync["complete"] = True
                    break

    began = time.perf_counter()
    await asyncio.gather(full_sync(), *(client(index) for index in range(CLIENTS)))
    sync["seconds"] = time.perf_counter() - began
    return sync


# ---------------------------------------------------------------------------
# The server and the report
# ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(url: str, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    secret = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(48))
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "ENVIRONMENT")}
    env.update(
        DATABASE_URL=url, ENVIRONMENT="production", SECRET_KEY=secret, BASE_URL=f"http://127.0.0.1:{port}"
    )
    permitwatch = Path(sys.executable).with_name("permitwatch")
    command = [str(permitwatch), "serve", "--workers", "2", "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("wb") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


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


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def data_size(url: str) -> str:
    import sqlalchemy as sa

    from domain.db import sync_url

    engine = sa.create_engine(sync_url(url))
    tables = (
        "enterprise",
        "permit",
        "execution_report",
        "report_submission",
        "audit_finding",
        "monitoring_reading",
        "change_event",
    )
    with engine.connect() as connection:
        counts = {t: connection.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one() for t in tables}
        size = connection.exec_driver_sql(
            "SELECT pg_size_pretty(pg_database_size(current_database()))"
        ).scalar_one()
    engine.dispose()
    return ", ".join(f"{t} {n:,}" for t, n in counts.items()) + f"; database {size}"


async def worker_round(url: str) -> object:
    """The worker's round before measuring (production runs one beside the server; none runs here): the
    filing dashboard's rollup brought up to date, counted in full on a database migrated since its build."""
    from domain.db import Database
    from domain.reports.rollup.counting import refresh_in

    database = Database(url)
    try:
        started = time.monotonic()
        counted = await refresh_in(database)
        seconds = time.monotonic() - started
        return f"{counted.marks} marks, {counted.regions} districts recounted in {seconds:.1f} s"
    finally:
        await database.dispose()


def main() -> None:
    url = os.environ.get("BENCH_SCALE_URL")
    if not url:
        print(
            "BENCH_SCALE_URL: a PostgreSQL database made by `permitwatch demo --scale province --fraction F`"
        )
        sys.exit(2)
    print(f"data: {data_size(url)}")
    print(f"filing rollup: {asyncio.run(worker_round(url))}")
    pages, passwords, tokens = asyncio.run(targets(url))
    chosen = [name.strip() for name in os.environ.get("BENCH_PAGES", "").split(",") if name.strip()]
    if chosen:  # /livez first and the sync's page last stay
        middle = [page for page in pages[1:-1] if any(name in page.name for name in chosen)]
        pages = [pages[0], *middle, pages[-1]]
    asyncio.run(count_statements(url, pages, passwords, tokens))
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        log_path = Path(folder) / "server.log"
        process = start_server(url, port, log_path)
        try:
            wait_until_healthy(process, port)
            bound = f"{CLIENTS} clients, {SECONDS:.0f} s or {REQUESTS:,} requests"
            print(f"load before the run: {os.getloadavg()[0]:.1f}; {bound}")
            sync = asyncio.run(load(f"http://127.0.0.1:{port}", pages, passwords, tokens))
        finally:
            stop_server(process)
            tracebacks = log_path.read_text(errors="replace").count("Traceback")
    livez = pages[0]
    print(f"\n{'page':46} {'n':>6} {'p50 ms':>8} {'p99 ms':>8}  statements  p99<300ms  statuses")
    for page in pages:
        p50, p99 = percentile(page.latencies, 0.5) * 1000, percentile(page.latencies, 0.99) * 1000
        verdict = "PASS" if p99 < TARGET_P99 * 1000 else "FAIL"
        print(
            f"{page.name:46} {len(page.latencies):>6} {p50:>8.0f} {p99:>8.0f}"
            f"  {page.statements:>10}  {verdict:>9}  {page.statuses}"
        )
    rate = sync["events"] / sync["seconds"] if sync["seconds"] else 0
    print(
        f"\nfull sync: {sync['pages']:,} pages, {sync['events']:,} events in {sync['seconds']:.0f} s"
        f" ({rate:,.0f} events/s){'' if sync['complete'] else ', stopped by the time bound'}"
    )
    print(
        f"no-work endpoint /livez: p50 {percentile(livez.latencies, 0.5) * 1000:.0f} ms,"
        f" p99 {percentile(livez.latencies, 0.99) * 1000:.0f} ms; server tracebacks: {tracebacks}"
    )


if __name__ == "__main__":
    main()
