"""Two app nodes against one PostgreSQL database: what one node did holds on the other at once.

Two ``permitwatch serve`` processes on two ports share one database, as two machines behind a load
balancer do (docs/operations.md, "The shape of a deployment"). Each crossing does something on node A
and checks it on node B: a session, login back-off, a token's and an agency's authorisation revoked,
an idempotent filing, a filing burst split over both nodes; then two mail workers and two reminder runs
at once. Nothing of these may live in one process's memory.

PostgreSQL only: SQLite is one process's embedded database, not a deployment of several nodes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from tests.benchmarks.bench_filing_peak import report_content
from tests.browser.servers import ROOT, START_SECONDS, free_port, serve_command
from tests.conftest import _create_postgres_database, _drop_postgres_database, database_kind
from tests.portal_helpers import csrf_from

pytestmark = pytest.mark.skipif(
    database_kind() != "postgresql",
    reason="SQLite is one process's embedded database, not a deployment of several app nodes",
)

PASSWORD = "node-password-1"
SUBMIT = """
mutation($input: SubmitExecutionReportInput!) {
  submitExecutionReport(input: $input) {
    submission { version receiptNumber }
    replayed
    errors { field code message }
  }
}"""


@dataclass
class City:
    url: str
    admin: str  # the unit's administrator (portal login, and an API token)
    admin_token: str
    staff_token: str
    spare_token: str  # revoked on A in a test
    spare_token_id: int
    clerk_token: str  # an agency's clerk, authorised by the unit for its reports
    authorisation_id: int
    permit_number: str
    targets: list[tuple[str, str]]  # (kind, period) the unit may file now
    burst_units: list[tuple[str, str, list[tuple[str, str]]]]  # (token, permit number, targets)


def ended_periods(permit: Any) -> list[tuple[str, str]]:
    from domain.clock import today
    from domain.reports import rules

    on = today()
    quarters = [p.label for p in rules.periods_between("quarterly", permit.valid_from, on) if p.end < on]
    return [("quarterly", label) for label in reversed(quarters)][:4]


async def build_city(url: str) -> City:
    """A unit with a permit, its administrator, staff, tokens and an authorised agency; more units for
    the burst. Through the domain's use cases, committed for real."""
    from domain.access import operator
    from domain.accounts.service.tokens import create_api_token
    from domain.accounts.service.users import create_user
    from domain.actors import actor_for
    from domain.agencies import service as agencies
    from domain.agencies.rules import AgencyInput, AuthorisationInput, QualificationInput, StaffInput
    from domain.clock import today
    from domain.db import Database
    from domain.enterprises.service import register_enterprise
    from domain.permits.service.imports import import_permits
    from tests.factories import credit_code, enterprise_input, permit_record

    database = Database(url)
    decided = (today() - timedelta(days=700)).isoformat()
    try:
        async with database.transaction() as session:
            units = [
                await register_enterprise(session, operator(), data=enterprise_input()) for _ in range(4)
            ]
            permits = await import_permits(
                session, operator(), records=[permit_record(u, decision_date=decided) for u in units]
            )

            async def user(name: str, role: str, **where: str | None) -> Any:
                made = await create_user(
                    session, operator(), username=name, password=PASSWORD, role=role, **where
                )
                await session.flush()
                return made

            async def token(person: Any) -> tuple[str, int]:
                secret, row = await create_api_token(session, actor_for(person, channel="cli"), name="node")
                return secret, int(row.id)

            unit = units[0]
            admin = await user("node-admin", "enterprise_admin", enterprise_credit_code=unit.credit_code)
            staff = await user("node-staff", "enterprise_staff", enterprise_credit_code=unit.credit_code)
            spare = await user("node-spare", "enterprise_staff", enterprise_credit_code=unit.credit_code)
            legal = await user("node-legal", "legal", region_code="310107")
            agency = await agencies.register_agency(
                session,
                operator("portal"),
                data=AgencyInput(
                    name="上海绿源环境技术服务有限公司",
                    credit_code=credit_code(),
                    address="上海市普陀区",
                    region_code="310107",
                    contact_person="周敏",
                    contact_phone="021-52000000",
                    service_types=["reports"],
                    qualifications=[
                        QualificationInput("环境监测资质", "CMA-1", today() + timedelta(days=900))
                    ],
                ),
                staff=[StaffInput(username="node-clerk", password=PASSWORD)],
            )
            await session.flush()
            await agencies.review_agency(
                session,
                actor_for(legal, channel="portal"),
                credit_code=agency.credit_code,
                decision="approve",
            )
            authorisation = await agencies.authorise_agency(
                session,
                actor_for(admin, channel="portal"),
                data=AuthorisationInput(
                    agency.credit_code,
                    ["reports"],
                    today() - timedelta(days=1),
                    today() + timedelta(days=365),
                    "HT-1",
                ),
            )
            from domain.accounts.models import User

            clerk = (await session.exec(select(User).where(User.username == "node-clerk"))).one()
            spare_secret, spare_id = await token(spare)
            burst = []
            for index, (other, permit) in enumerate(zip(units[1:], permits[1:], strict=True)):
                filer = await user(
                    f"node-filer-{index}", "enterprise_staff", enterprise_credit_code=other.credit_code
                )
                burst.append(((await token(filer))[0], permit.number, ended_periods(permit)))
            return City(
                url=url,
                admin=admin.username,
                admin_token=(await token(admin))[0],
                staff_token=(await token(staff))[0],
                spare_token=spare_secret,
                spare_token_id=spare_id,
                clerk_token=(await token(clerk))[0],
                authorisation_id=int(authorisation.id or 0),
                permit_number=permits[0].number,
                targets=ended_periods(permits[0]),
                burst_units=burst,
            )
    finally:
        await database.dispose()


def start_nodes(url: str, instance: Path, count: int = 2) -> tuple[list[str], list[subprocess.Popen[bytes]]]:
    """``count`` servers on their own ports against ``url``, started together, waited for (bounded)."""
    env = {**os.environ, "DATABASE_URL": url, "INSTANCE_PATH": str(instance), "ENVIRONMENT": "test"}
    bases, processes = [], []
    for index in range(count):
        port = free_port()
        log = (instance / f"node-{index}.log").open("wb")
        processes.append(
            subprocess.Popen(serve_command(port), env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        )
        bases.append(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + START_SECONDS
    waiting = set(range(count))
    while waiting:
        for index in list(waiting):
            if processes[index].poll() is not None:
                stop_nodes(processes)
                pytest.fail(f"node {index} exited while starting: " + node_log(instance, index))
            try:
                if httpx.get(f"{bases[index]}/healthz", timeout=1).status_code == 200:
                    waiting.discard(index)
            except httpx.HTTPError:
                pass
        if waiting and time.monotonic() > deadline:
            stop_nodes(processes)
            pytest.fail(f"the nodes did not answer within {START_SECONDS} s: " + node_log(instance, 0))
        time.sleep(0.2)
    return bases, processes


def node_log(instance: Path, index: int) -> str:
    return (instance / f"node-{index}.log").read_text(errors="replace")[-2000:]


def stop_nodes(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    from domain import migrate

    admin_url, url = _create_postgres_database()
    try:
        migrate.upgrade(url)
        yield asyncio.run(build_city(url))
    finally:
        _drop_postgres_database(admin_url, url)


@pytest.fixture(scope="module")
def nodes(city: City, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    instance = tmp_path_factory.mktemp("nodes")
    bases, processes = start_nodes(city.url, instance)
    try:
        yield bases[0], bases[1]
    finally:
        stop_nodes(processes)


def graphql(base: str, token: str, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
    return httpx.post(
        f"{base}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
        timeout=60,
    )


def submit(
    base: str, token: str, permit: str, kind: str, period: str, key: str, n: int = 1
) -> dict[str, Any]:
    variables = {
        "input": {
            "permitNumber": permit,
            "kind": kind.upper(),
            "period": period,
            "content": report_content(kind, n),
            "idempotencyKey": key,
        }
    }
    response = graphql(base, token, SUBMIT, variables)
    assert response.status_code == 200, response.text
    return response.json()["data"]["submitExecutionReport"]  # type: ignore[no-any-return]


def log_in(client: httpx.Client, username: str, password: str) -> httpx.Response:
    token = csrf_from(client.get("/login").text)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token, "next": "/"}
    )


# ---------------------------------------------------------------------------
# The crossings
# ---------------------------------------------------------------------------


def test_a_session_made_on_one_node_works_on_the_other_and_ends_on_both(city, nodes):
    a, b = nodes
    with httpx.Client(base_url=a, timeout=60) as on_a:
        assert log_in(on_a, city.admin, PASSWORD).status_code == 303
        with httpx.Client(base_url=b, timeout=60, cookies=on_a.cookies) as on_b:
            page = on_b.get("/account")
            assert page.status_code == 200 and city.admin in page.text
            # Logging out on B ends the session on A too.
            logout = on_b.post("/logout", data={"csrf_token": csrf_from(page.text)})
            assert logout.status_code in (302, 303)
        after = on_a.get("/account")
        assert after.status_code == 303 and after.headers["location"].startswith("/login")


def test_failed_logins_on_one_node_hold_back_the_next_on_the_other(city, nodes):
    from domain.settings import Settings

    a, b = nodes
    tries = Settings.model_fields["login_max_failures_per_account"].default
    with httpx.Client(base_url=a, timeout=60) as on_a:
        for _ in range(tries):
            assert log_in(on_a, "node-spare", "not-the-password").status_code == 400
    with httpx.Client(base_url=b, timeout=60, headers={"Accept-Language": "en"}) as on_b:
        refused = log_in(on_b, "node-spare", PASSWORD)  # the right password, but held back
        assert refused.status_code == 429
        assert "Too many failed logins" in refused.text


def test_a_token_revoked_on_one_node_is_refused_on_the_other_at_once(city, nodes):
    a, b = nodes
    me = "{ viewer { username } }"
    for _ in range(6):  # so that B's processes remember the token (web.token_cache)
        assert graphql(b, city.spare_token, me).json()["data"]["viewer"]["username"]
    revoked = graphql(
        a,
        city.spare_token,
        "mutation($id: ID!) { revokeApiToken(id: $id) { errors { code } } }",
        {"id": str(city.spare_token_id)},
    )
    assert revoked.json()["data"]["revokeApiToken"]["errors"] == []
    refused = graphql(b, city.spare_token, me)
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["extensions"]["code"] == "invalid_token"


def test_an_agency_authorisation_revoked_on_one_node_is_refused_on_the_other_at_once(city, nodes):
    a, b = nodes
    kind, period = city.targets[0]
    for _ in range(6):  # so that B's processes remember the clerk's token (web.token_cache)
        assert graphql(b, city.clerk_token, "{ viewer { username } }").json()["data"]["viewer"]
    filed = submit(b, city.clerk_token, city.permit_number, kind, period, f"clerk-{uuid.uuid4()}")
    assert filed["errors"] == [] and filed["submission"]["receiptNumber"]
    revoked = graphql(
        a,
        city.admin_token,
        "mutation($id: ID!, $why: String!) "
        "{ revokeAgencyAuthorization(id: $id, reason: $why) { errors { code } } }",
        {"id": str(city.authorisation_id), "why": "contract ended"},
    )
    assert revoked.json()["data"]["revokeAgencyAuthorization"]["errors"] == []
    refused = submit(b, city.clerk_token, city.permit_number, kind, period, f"clerk-{uuid.uuid4()}")
    assert refused["submission"] is None  # the unit's permit is no longer the agency's to see
    assert [error["code"] for error in refused["errors"]] == ["not_found"]


def count_rows(url: str, sql: str, **params: Any) -> int:
    import sqlalchemy as sa

    from domain.db import sync_url

    engine = sa.create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            return int(connection.execute(sa.text(sql), params).scalar_one())
    finally:
        engine.dispose()


def test_one_idempotency_key_sent_to_both_nodes_is_one_submission_with_one_receipt(city, nodes):
    a, b = nodes
    kind, period = city.targets[1]
    key = f"twice-{uuid.uuid4()}"
    first = submit(a, city.staff_token, city.permit_number, kind, period, key)
    again = submit(b, city.staff_token, city.permit_number, kind, period, key)
    assert first["errors"] == [] and again["errors"] == []
    assert again["submission"]["receiptNumber"] == first["submission"]["receiptNumber"]
    assert again["replayed"] is True
    assert (
        count_rows(city.url, "SELECT count(*) FROM report_submission WHERE idempotency_key = :k", k=key) == 1
    )


def test_a_filing_burst_split_over_both_nodes_loses_and_duplicates_nothing(city, nodes):
    """Each unit files each period twice (two versions, two keys); every filing is sent to both nodes at
    once, as a client retrying on another node after a timeout would."""
    jobs = []
    for token, permit, targets in city.burst_units:
        for kind, period in targets:
            for version in range(2):
                key = f"burst-{uuid.uuid4()}"
                jobs += [(node, token, permit, kind, period, key, version) for node in nodes]
    started = threading.Barrier(8)

    def send(job: tuple[str, str, str, str, str, str, int]) -> tuple[str, str | None]:
        node, token, permit, kind, period, key, version = job
        with contextlib.suppress(threading.BrokenBarrierError):
            started.wait(timeout=5)
        outcome = submit(node, token, permit, kind, period, key, version)
        assert outcome["errors"] == [], outcome
        return key, outcome["submission"]["receiptNumber"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(send, jobs))
    receipts: dict[str, set[str]] = {}
    for key, receipt in answers:
        receipts.setdefault(key, set()).add(receipt or "")
    assert all(len(found) == 1 for found in receipts.values()), "one key, two receipts"
    keys = sorted(receipts)
    stored = count_rows(
        city.url, "SELECT count(*) FROM report_submission WHERE idempotency_key LIKE 'burst-%'"
    )
    duplicated = count_rows(
        city.url,
        "SELECT count(*) FROM (SELECT idempotency_key FROM report_submission "
        "WHERE idempotency_key LIKE 'burst-%' GROUP BY idempotency_key HAVING count(*) > 1) AS d",
    )
    assert stored == len(keys) and duplicated == 0
    acknowledged = {next(iter(found)) for found in receipts.values()}
    found = count_rows(
        city.url,
        "SELECT count(*) FROM report_submission WHERE receipt_number = ANY(:r)",
        r=list(acknowledged),
    )
    assert found == len(acknowledged)


def subject_of(message: Any) -> str:
    return str(make_header(decode_header(message["Subject"])))


def run_in_threads(*jobs: Any) -> list[Any]:
    """Run each coroutine function in its own thread and event loop, started together."""
    started = threading.Barrier(len(jobs))

    def run(job: Any) -> Any:
        started.wait(timeout=30)
        return asyncio.run(job())

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def test_two_mail_workers_at_once_deliver_each_message_once(city, smtp_server):
    from domain.db import Database
    from domain.notifications import outbox, worker
    from domain.settings import get_settings

    async def write() -> None:
        database = Database(city.url)
        try:
            async with database.transaction() as session:
                for n in range(30):
                    await outbox.enqueue(
                        session,
                        dedupe_key=f"nodes-mail-{n}",
                        kind="test",
                        to_address=f"u{n}@example.cn",
                        subject=f"nodes message {n}",
                        body_text="x",
                        body_html="<p>x</p>",
                    )
        finally:
            await database.dispose()

    asyncio.run(write())
    settings = get_settings().model_copy(update={"worker_batch_size": 4})

    def node(name: str) -> Any:
        async def work() -> int:
            database = Database(city.url)  # its own engine and connections, as another machine's
            sent = 0
            try:
                for _ in range(40):
                    result = await worker.run_once(database, settings, worker=name)
                    sent += result.sent
                    if result.claimed == 0:
                        break
            finally:
                await database.dispose()
            return sent

        return work

    sent = run_in_threads(node("node-a"), node("node-b"))
    subjects = sorted(str(m["Subject"]) for m in smtp_server.messages if "nodes message" in str(m["Subject"]))
    assert subjects == sorted(f"nodes message {n}" for n in range(30))
    assert sum(sent) == 30 and all(sent), sent  # both took part, neither sent what the other did
    assert (
        count_rows(
            city.url,
            "SELECT count(*) FROM outbox_message WHERE dedupe_key LIKE 'nodes-mail-%' AND status <> 'sent'",
        )
        == 0
    )


def test_reminders_run_on_both_nodes_at_once_are_written_and_mailed_once(city, smtp_server):
    from domain.access import operator
    from domain.accounts.service.users import create_user
    from domain.calendar.rules import working_days_before
    from domain.clock import today
    from domain.db import Database
    from domain.enterprises.service import register_enterprise
    from domain.notifications import worker
    from domain.permits.service.imports import import_permits
    from domain.reminders.daily import run_daily
    from domain.settings import get_settings
    from tests.factories import enterprise_input, permit_record

    async def arrange() -> Any:
        database = Database(city.url)
        try:
            async with database.transaction() as session:
                unit = await register_enterprise(session, operator(), data=enterprise_input())
                [permit] = await import_permits(
                    session,
                    operator(),
                    records=[permit_record(unit, decision_date=(today() - timedelta(days=900)).isoformat())],
                )
                for n in range(2):
                    person = await create_user(
                        session,
                        operator(),
                        username=f"node-reminded-{n}",
                        password=PASSWORD,
                        role="enterprise_admin" if n == 0 else "enterprise_staff",
                        enterprise_credit_code=unit.credit_code,
                    )
                    person.email = f"reminded-{n}@example.cn"
                    session.add(person)
                return permit.number, working_days_before(permit.renewal_due, 30).date
        finally:
            await database.dispose()

    number, on = asyncio.run(arrange())

    async def remind() -> int:
        database = Database(city.url)
        try:
            async with database.transaction() as session:
                return (await run_daily(session, on=on)).notices
        finally:
            await database.dispose()

    run_in_threads(remind, remind)
    notices = count_rows(
        city.url,
        "SELECT count(*) FROM notification WHERE dedupe_key LIKE 'renewal:%' AND link = :l",
        l=f"/permits/{number}",
    )
    assert notices == 2  # one for each of the unit's two people, though both nodes ran the day

    async def send() -> None:
        database = Database(city.url)
        try:
            for _ in range(20):
                if (await worker.run_once(database, get_settings(), worker="node-a")).claimed == 0:
                    break
        finally:
            await database.dispose()

    asyncio.run(send())
    mailed = sorted(str(m["To"]) for m in smtp_server.messages if number in subject_of(m))
    assert mailed == ["reminded-0@example.cn", "reminded-1@example.cn"]
