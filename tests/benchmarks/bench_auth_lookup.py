"""What it costs to decide, on every request, who the caller is (issue 12: revocation takes effect on the
next request in every process, so nothing about a credential is remembered between requests).

In-process, on a fresh database of each kind: N lookups of a bearer token (an enterprise user's and an
agency clerk's, whose authorisations are read too), each in its own read-only unit of work as
``web.auth.authenticate`` opens it; prints the mean wall time per lookup. Compare with the
filing peak's ~3.1 ms of app CPU per submitExecutionReport (README, "Filing peak").

Run: .venv/bin/python -m tests.benchmarks.bench_auth_lookup   (BENCH_LOOKUPS, default 2000;
TEST_POSTGRES_URL as for the tests; SQLite in a temporary directory).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import make_url

os.environ.setdefault("ENVIRONMENT", "test")
os.environ.setdefault("SECRET_KEY", "bench-secret-" + "x" * 40)
os.environ.setdefault("ARGON2_MEMORY_COST", "1024")
os.environ.setdefault("ARGON2_TIME_COST", "1")

LOOKUPS = int(os.environ.get("BENCH_LOOKUPS", "2000"))
POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


async def measure(url: str) -> dict[str, float]:
    from domain import migrate
    from domain.access import operator
    from domain.accounts.queries import find_user
    from domain.accounts.service.tokens import create_api_token
    from domain.actors import actor_for_token
    from domain.agencies import service as agencies
    from domain.agencies.rules import AgencyInput, AuthorisationInput, StaffInput
    from domain.clock import today
    from domain.db import Database
    from domain.settings import get_settings
    from tests.factories import actor, credit_code, make_enterprise, make_user

    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    migrate.upgrade(url)
    db = Database(url)
    async with db.transaction() as session:
        enterprise = await make_enterprise(session)
        staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
        staff_token, _ = await create_api_token(session, actor(staff), name="bench")
        agency = await agencies.register_agency(
            session,
            operator(),
            data=AgencyInput(
                name="基准机构",
                credit_code=credit_code(),
                address="上海市普陀区",
                region_code="310107",
                contact_person="周敏",
                contact_phone="021-52000000",
                service_types=["reports", "ledger"],
            ),
            staff=[StaffInput(username="bench-clerk", password="bench-password-1")],
        )
        await agencies.review_agency(session, operator(), credit_code=agency.credit_code, decision="approve")
        admin = await make_user(session, "enterprise_admin", enterprise=enterprise)
        await agencies.authorise_agency(
            session,
            actor(admin),
            data=AuthorisationInput(
                agency.credit_code,
                ["reports"],
                today() - timedelta(days=1),
                today() + timedelta(days=300),
                "HT",
            ),
        )
        await session.flush()
        clerk = await find_user(session, username="bench-clerk")
        assert clerk is not None
        clerk_token, _ = await create_api_token(
            session, operator(), name="bench", for_username=clerk.username
        )
    figures = {}
    cpu = time.process_time()
    for _ in range(LOOKUPS):  # the floor: any statement in its own unit of work
        async with db.read() as session:
            await (await session.connection()).execute(sa.text("SELECT 1"))
    figures["SELECT 1 in a read unit of work (CPU)"] = (time.process_time() - cpu) / LOOKUPS * 1000
    for label, token in (("enterprise staff token", staff_token), ("agency clerk token", clerk_token)):
        for _ in range(50):  # warm up: pool, statement caches
            async with db.read() as session:
                assert await actor_for_token(session, token=token) is not None
        started = time.perf_counter()
        cpu = time.process_time()
        for _ in range(LOOKUPS):
            async with db.read() as session:
                await actor_for_token(session, token=token)
        figures[label] = (time.perf_counter() - started) / LOOKUPS * 1000
        figures[label + " (CPU)"] = (time.process_time() - cpu) / LOOKUPS * 1000
    await db.dispose()
    return figures


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        results = {"SQLite": asyncio.run(measure(f"sqlite:///{folder}/bench.db"))}
    name = f"permitwatch_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(
        POSTGRES.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
        results["PostgreSQL"] = asyncio.run(measure(url))
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    print(f"per-request credential lookup, {LOOKUPS} lookups each, in-process (ms per lookup)")
    for kind, figures in results.items():
        for label, value in figures.items():
            print(f"  {kind:<11}{label:<34}{value:6.3f} ms")


if __name__ == "__main__":
    main()
