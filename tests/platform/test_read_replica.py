"""A read replica: public pages and anonymous GraphQL queries read from a streaming hot standby while it
keeps up; writes and a writer's own reads go to the primary; past the lag bound, or with the standby
down, the public reads from the primary, and from the standby again once it is back.

The test makes both clusters (tests/pg_cluster.py): a primary with a replication role on one port of
5440-5449, a standby of it made with ``pg_basebackup -R`` on another; migrates and loads the primary (the
standby follows by streaming) and starts ``permitwatch serve`` with DATABASE_URL on the primary and
DATABASE_REPLICA_URL on the standby.

The proof that a read came from the standby: its WAL replay is paused (``pg_wal_replay_pause()``), a
unit's name is changed through the API, and the anonymous pages still show the old name while the
writer, and a logged-in user on the same public page, see the new one.

PostgreSQL only: SQLite has no replicas.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import select

from tests.browser.servers import ROOT, START_SECONDS, serve_command
from tests.conftest import database_kind
from tests.pg_cluster import Cluster, free_port, has_server_binaries
from tests.portal_helpers import csrf_from

pytestmark = pytest.mark.skipif(
    database_kind() != "postgresql" or not has_server_binaries(),
    reason="a read replica is a PostgreSQL standby (and needs PostgreSQL's server binaries)",
)

PORTS = range(5440, 5450)
PASSWORD = "replica-password-1"
MAX_LAG = 4.0  # DATABASE_REPLICA_MAX_LAG_SECONDS of the app under test
FAST = "fsync = off\n"
UPDATE = """
mutation($code: String!, $input: EnterpriseInput!) {
  updateEnterprise(creditCode: $code, input: $input) { enterprise { name } errors { field message } }
}"""
NAME = "query($code: String!) { enterprise(creditCode: $code) { name } }"


@dataclass
class Setup:
    base: str
    primary: Cluster
    standby: Cluster
    token: str  # a permitting-section regulator's, who may edit the unit
    username: str
    credit_code: str
    permit_number: str
    unit: dict[str, Any]  # the unit's EnterpriseInput, to send back with a new name


async def load(url: str) -> dict[str, Any]:
    from domain.access import operator
    from domain.accounts.service.tokens import create_api_token
    from domain.accounts.service.users import create_user
    from domain.actors import actor_for
    from domain.clock import today
    from domain.db import Database
    from domain.enterprises.service import register_enterprise
    from domain.permits.service.imports import import_permits
    from tests.factories import enterprise_input, permit_record

    database = Database(url)
    try:
        async with database.transaction() as session:
            data = enterprise_input(name="沪西精细化工有限公司")
            unit = await register_enterprise(session, operator(), data=data)
            decided = (today() - timedelta(days=300)).isoformat()
            (permit,) = await import_permits(
                session, operator(), records=[permit_record(unit, decision_date=decided)]
            )
            regulator = await create_user(
                session,
                operator(),
                username="replica-permitting",
                password=PASSWORD,
                role="permitting",
                region_code="310107",
            )
            await session.flush()
            token, _ = await create_api_token(session, actor_for(regulator, channel="cli"), name="replica")
            return {
                "token": token,
                "username": regulator.username,
                "credit_code": unit.credit_code,
                "permit_number": permit.number,
                "unit": {
                    "name": data.name,
                    "registeredAddress": data.registered_address,
                    "legalRepresentative": data.legal_representative,
                    "industryCode": data.industry_code,
                    "regionCode": data.region_code,
                    "managementCategory": data.management_category.upper(),
                },
            }
    finally:
        await database.dispose()


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    from domain import migrate

    primary = Cluster(free_port(PORTS), prefix="permitwatch-replica-primary-")
    standby: Cluster | None = None
    server: subprocess.Popen[bytes] | None = None
    try:
        primary.create_primary(FAST)
        standby = Cluster(
            free_port(p for p in PORTS if p != primary.port), prefix="permitwatch-replica-standby-"
        )
        standby.create_standby_of(primary, FAST)
        primary.psql("CREATE DATABASE permitwatch")
        migrate.upgrade(primary.url)
        loaded = asyncio.run(load(primary.url))
        instance = tmp_path_factory.mktemp("replica")
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": primary.url,
            "DATABASE_REPLICA_URL": standby.url,
            "DATABASE_REPLICA_MAX_LAG_SECONDS": str(MAX_LAG),
            "DATABASE_REPLICA_CHECK_SECONDS": "0.3",
            "DATABASE_POOL_SIZE": "4",
            "INSTANCE_PATH": str(instance),
            "ENVIRONMENT": "test",
        }
        log = (instance / "server.log").open("wb")
        server = subprocess.Popen(
            serve_command(port), env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: server.poll() is None and answers(base), START_SECONDS, "the server to answer")
        yield Setup(base=base, primary=primary, standby=standby, **loaded)
    finally:
        if server is not None:
            print((instance / "server.log").read_text(errors="replace")[-6000:])  # shown when a test failed
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=5)
        if standby is not None:
            standby.remove()
        primary.remove()


def answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds:.0f} s for {what}; the replica: {LAST_STATE}")
        time.sleep(0.1)


LAST_STATE: dict[str, Any] = {}


def replica_state(setup: Setup) -> dict[str, Any]:
    response = httpx.get(f"{setup.base}/healthz", timeout=10)
    assert response.status_code == 200, response.text
    LAST_STATE.update(response.json()["replica"])
    return response.json()["replica"]  # type: ignore[no-any-return]


def graphql(setup: Setup, query: str, variables: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    headers = {"Accept-Language": "en"} | ({"Authorization": f"Bearer {token}"} if token else {})
    response = httpx.post(
        f"{setup.base}/graphql", json={"query": query, "variables": variables}, headers=headers, timeout=30
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


def register_page(setup: Setup, client: httpx.Client | None = None) -> str:
    """The public register searched for the unit: it lists the unit's name as it stands."""
    get = client.get if client is not None else httpx.get
    page = get(f"{setup.base}/public/permits", params={"q": setup.credit_code}, timeout=30)
    assert page.status_code == 200 and setup.permit_number in page.text
    return page.text


def public_name(setup: Setup) -> str:
    """The unit's name as an anonymous visitor reads it through the API."""
    return str(graphql(setup, NAME, {"code": setup.credit_code})["enterprise"]["name"])


def public_sees(setup: Setup, name: str) -> bool:
    """Whether an anonymous visitor reads ``name`` through the API and on the public register."""
    return public_name(setup) == name and name in register_page(setup)


def rename(setup: Setup, name: str) -> None:
    variables = {"code": setup.credit_code, "input": {**setup.unit, "name": name}}
    payload = graphql(setup, UPDATE, variables, setup.token)["updateEnterprise"]
    assert payload["errors"] == [] and payload["enterprise"]["name"] == name
    setup.unit["name"] = name


def paused(standby: Cluster) -> Any:
    class Paused:
        def __enter__(self) -> None:
            standby.psql("SELECT pg_wal_replay_pause()")

        def __exit__(self, *_: object) -> None:
            standby.psql("SELECT pg_wal_replay_resume()")

    return Paused()


def assert_public_reads_from_the_standby(setup: Setup, new_name: str) -> None:
    """With the standby's replay paused, a rename is seen by its writer at once and not by the public;
    once replay resumes, the public sees it too."""
    wait_for(lambda: replica_state(setup)["in_use"], 15, "the replica to be in use")
    old_name = setup.unit["name"]
    assert public_sees(setup, old_name)
    with paused(setup.standby):
        started = time.monotonic()
        rename(setup, new_name)
        # The writer reads from the primary: their own write, at once.
        assert (
            graphql(setup, NAME, {"code": setup.credit_code}, setup.token)["enterprise"]["name"] == new_name
        )
        # The public reads from the standby, which has not replayed it.
        seen, page = public_name(setup), register_page(setup)
        assert time.monotonic() - started < MAX_LAG, "too slow to tell replica from primary; retry"
        assert seen == old_name and new_name not in page
    wait_for(lambda: public_sees(setup, new_name), 10, "the public to see the rename after replication")


def test_the_public_reads_from_the_replica_and_a_writer_from_the_primary(setup):
    assert_public_reads_from_the_standby(setup, "沪西精细化工股份有限公司")
    state = replica_state(setup)
    assert state["in_use"] and state["lag_seconds"] is not None and state["lag_seconds"] < MAX_LAG


def test_a_logged_in_user_reads_the_public_pages_from_the_primary(setup):
    with httpx.Client(base_url=setup.base, timeout=30) as client:
        token = csrf_from(client.get("/login").text)
        login = client.post(
            "/login",
            data={"username": setup.username, "password": PASSWORD, "csrf_token": token, "next": "/"},
        )
        assert login.status_code == 303
        with paused(setup.standby):
            rename(setup, "沪西新材料有限公司")
            assert "沪西新材料有限公司" in register_page(setup, client)
    wait_for(lambda: public_sees(setup, "沪西新材料有限公司"), 10, "replication")


def test_past_the_lag_bound_the_public_reads_from_the_primary(setup):
    wait_for(lambda: replica_state(setup)["in_use"], 15, "the replica to be in use")
    with paused(setup.standby):
        rename(setup, "沪西化工（集团）有限公司")
        # The standby stays behind; within the bound and a check the public is sent to the primary.
        wait_for(lambda: public_sees(setup, "沪西化工（集团）有限公司"), MAX_LAG + 5, "the fallback")
        state = replica_state(setup)
        assert not state["in_use"] and state["state"] == "lagging past the bound"
        assert state["lag_seconds"] > MAX_LAG and state["behind_bytes"] > 0
    wait_for(lambda: replica_state(setup)["in_use"], 10, "the replica to be in use again")


def test_with_the_standby_down_the_public_reads_from_the_primary_and_then_from_it_again(setup):
    setup.standby.stop()
    try:
        # Not one failed request: the dead replica connection is found at checkout, the read goes on.
        assert public_sees(setup, setup.unit["name"])
        assert replica_state(setup)["state"] == "unreachable"
        rename(setup, "沪西化工有限公司")
        assert public_sees(setup, "沪西化工有限公司")
    finally:
        setup.standby.start()
    assert_public_reads_from_the_standby(setup, "沪西精细化工有限公司")


def test_the_status_command_prints_the_replica_state(setup):
    env = {**os.environ, "DATABASE_URL": setup.primary.url, "DATABASE_REPLICA_URL": setup.standby.url}
    command = [sys.executable, "-m", "server.cli", "status"]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "primary: ok" in done.stdout
    assert "replica: in use" in done.stdout and "lag" in done.stdout


def test_a_replica_session_refuses_to_write_before_sending_anything(setup):
    from domain.db import Database
    from domain.enterprises.models import Enterprise

    async def attempt() -> None:
        database = Database(setup.primary.url, replica_url=setup.standby.url)
        try:
            assert await database.replica.in_use()  # type: ignore[union-attr]
            async with database.read(replica=True) as session:
                unit = (await session.exec(select(Enterprise))).first()
                assert unit is not None and await session.scalar(text("SELECT pg_is_in_recovery()"))
                unit.name = "改名"
                with pytest.raises(RuntimeError, match="read-only"):
                    await session.flush()
        finally:
            await database.dispose()

    asyncio.run(attempt())
