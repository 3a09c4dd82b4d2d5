"""What the API's rate budget costs each request (issue 18): one upsert of the caller's row
(``domain.api_budget.charge``) in its own write unit of work, as ``graphql_schema.limits`` runs it
before every operation. Compare with the floor (SELECT 1 in a read unit of work) and with the filing
peak's ~3.1 ms of app CPU per submitExecutionReport (README, "Filing peak").

Run: .venv/bin/python -m tests.benchmarks.bench_rate_budget   (BENCH_CHARGES, default 2000;
TEST_POSTGRES_URL as for the tests; SQLite in a temporary directory).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import make_url

os.environ.setdefault("ENVIRONMENT", "test")
os.environ.setdefault("SECRET_KEY", "bench-secret-" + "x" * 40)

CHARGES = int(os.environ.get("BENCH_CHARGES", "2000"))
POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


async def measure(url: str) -> dict[str, float]:
    from domain import migrate
    from domain.api_budget import charge
    from domain.db import Database
    from domain.settings import get_settings

    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    migrate.upgrade(url)
    db = Database(url)
    figures = {}
    for label, unit in (
        ("SELECT 1 in a read unit of work", db.read),
        ("charge in a write unit of work", None),
    ):
        for rounds in (50, CHARGES):  # warm up, then measure
            started, cpu = time.perf_counter(), time.process_time()
            for n in range(rounds):
                if unit is not None:
                    async with unit() as session:
                        await (await session.connection()).execute(sa.text("SELECT 1"))
                else:
                    async with db.transaction() as session:
                        await charge(
                            session,
                            subject=f"token:{n % 50}",
                            cost=20,
                            budget=200_000,
                            window_seconds=60,
                            now=datetime.now(UTC),
                        )
        figures[label] = (time.perf_counter() - started) / CHARGES * 1000
        figures[label + " (CPU)"] = (time.process_time() - cpu) / CHARGES * 1000
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
    print(f"rate budget charge per request, {CHARGES} requests each, in-process (ms per request)")
    for kind, figures in results.items():
        for label, value in figures.items():
            print(f"  {kind:<11}{label:<40}{value:6.3f} ms")


if __name__ == "__main__":
    main()
