"""Ledger ingest at volume (issue 4). Prints figures; asserts nothing about speed.

One run measures, on a fresh database (SQLite file, or PostgreSQL when
BENCH_POSTGRES_URL / TEST_POSTGRES_URL points at a server):
  1. the raw bulk-insert rate of the same rows through SQLAlchemy Core (the limit);
  2. the batch path's rate (record_readings: validation, duplicate check, insert, exceedances);
  3. the time to compute a year's exceedances and actual emissions for a unit with
     4 outlets x 5 pollutants x 8,760 hours = 175,200 readings.

Run: make bench   (or: .venv/bin/python -m tests.benchmarks.bench_ledger_ingest)
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import make_url

os.environ.setdefault("ENVIRONMENT", "test")
os.environ.setdefault("SECRET_KEY", "bench-secret-" + "x" * 40)

from domain import migrate  # noqa: E402
from domain.access import operator  # noqa: E402
from domain.accounts.service.users import create_user  # noqa: E402
from domain.actors import actor_for
from domain.db import Database, sync_url  # noqa: E402
from domain.enterprises.rules import EnterpriseInput, make_credit_code  # noqa: E402
from domain.enterprises.service import register_enterprise  # noqa: E402
from domain.ledgers.lookup import permit_points  # noqa: E402
from domain.ledgers.models import MonitoringReading  # noqa: E402
from domain.ledgers.queries.period import actual_emissions  # noqa: E402
from domain.ledgers.rules import ReadingInput  # noqa: E402
from domain.ledgers.service import readings as ledgers  # noqa: E402
from domain.ledgers.service.exceedances import detect_exceedances  # noqa: E402
from domain.permits.service.imports import import_permits  # noqa: E402

OUTLETS = ["DA001", "DA002", "DA003", "DA004"]
POLLUTANTS = {"SO2": 35, "NOX": 50, "PM": 10, "HG": 0.03, "NH3": 8}
HOURS = 8760
YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)


def content() -> dict:  # type: ignore[type-arg]
    return {
        "outlets": [
            {
                "code": code,
                "name": f"{code} 烟囱",
                "medium": "air",
                "kind": "main",
                "online_monitoring": True,
                "limits": [
                    {
                        "pollutant": p,
                        "concentration_limit": limit,
                        "unit": "mg/m3",
                        "annual_quantity_limit": 2000,
                    }
                    for p, limit in POLLUTANTS.items()
                ],
            }
            for code in OUTLETS
        ],
        "monitoring": [
            {"point": code, "pollutant": p, "frequency": "continuous", "method": "automatic"}
            for code in OUTLETS
            for p in POLLUTANTS
        ],
        "ledger_records": [{"kind": "production_facility", "frequency": "daily"}],
        "report_kinds": ["quarterly", "annual"],
    }


def series(outlet: str, pollutant: str) -> list[ReadingInput]:
    limit = POLLUTANTS[pollutant]
    values = []
    for hour in range(HOURS):
        # A believable diurnal pattern at 40-80 % of the limit, with a few real exceedances.
        value = limit * (0.6 + 0.2 * ((hour % 24) / 24))
        if hour % 997 == 0:
            value = limit * 1.3
        values.append(
            ReadingInput(
                outlet,
                pollutant,
                "automatic",
                YEAR_START + timedelta(hours=hour),
                value,
                "mg/m3",
                flow_m3=400_000.0,
            )
        )
    return values


async def setup(database: Database) -> tuple[str, object]:
    async with database.transaction() as session:
        code = make_credit_code("91310107BENCH0001")
        await register_enterprise(
            session,
            operator(),
            data=EnterpriseInput(
                name="基准测试热电有限公司",
                credit_code=code,
                registered_address="上海市普陀区",
                legal_representative="张三",
                industry_code="4411",
                region_code="310107",
                management_category="key",
            ),
        )
        [permit] = await import_permits(
            session,
            operator(),
            records=[
                {
                    "number": code + "001P",
                    "enterprise_credit_code": code,
                    "category": "key",
                    "issuing_authority": "上海市普陀区生态环境局",
                    "decision_date": "2024-06-03",
                    "content": content(),
                }
            ],
        )
        user = await create_user(
            session,
            operator(),
            username="bench-staff",
            password="bench-password-1",
            role="enterprise_staff",
            enterprise_credit_code=code,
        )
        return permit.number or "", actor_for(user, channel="cli")


async def measure(url: str, label: str) -> None:
    migrate.upgrade(url)
    database = Database(url)
    try:
        number, actor = await setup(database)
        all_series = [(o, p) for o in OUTLETS for p in POLLUTANTS]
        generated = {key: series(*key) for key in all_series}
        total = sum(len(v) for v in generated.values())
        async with database.read() as session:
            from sqlmodel import select

            from domain.permits.models import Permit

            permit_id = (await session.exec(select(Permit.id).where(Permit.number == number))).one()

        # 1. the database's raw rate for the same rows (Core executemany, one transaction per series-year)
        now = datetime.now(UTC)
        raw_rows = [
            [
                {
                    "permit_id": permit_id,
                    "outlet_code": r.outlet_code,
                    "pollutant": r.pollutant,
                    "method": r.method,
                    "measured_at": r.measured_at,
                    "period_end": r.measured_at + timedelta(hours=1),
                    "concentration": r.concentration,
                    "unit": "mg/m3",
                    "flow_m3": r.flow_m3,
                    "quantity_kg": r.concentration * (r.flow_m3 or 0) / 1e6,
                    "entered_at": now,
                    "source": "bench",
                    "void_reason": "",
                }
                for r in rows
            ]
            for rows in generated.values()
        ]
        began = time.perf_counter()
        for rows in raw_rows:
            async with database.transaction() as session:
                connection = await session.connection()
                await connection.execute(MonitoringReading.__table__.insert(), rows)  # type: ignore[attr-defined]
        raw_seconds = time.perf_counter() - began
        async with database.transaction() as session:
            await session.exec(sa.delete(MonitoringReading))  # type: ignore[call-overload]

        # 2. the batch path: the same rows through the use case, one batch per series-year
        began = time.perf_counter()
        for rows in generated.values():
            async with database.transaction() as session:
                await ledgers.record_readings(
                    session, actor, permit_number=number, readings=rows, source="bench"
                )
        batch_seconds = time.perf_counter() - began

        # 3. a year's exceedances and actual emissions
        began = time.perf_counter()
        async with database.transaction() as session:
            from domain.permits.models import Permit

            permit = (await session.exec(select(Permit).where(Permit.number == number))).one()
            points = await permit_points(session, permit)
            await detect_exceedances(
                session, permit, points, set(all_series), YEAR_START, YEAR_START + timedelta(hours=HOURS)
            )
        exceedance_seconds = time.perf_counter() - began
        began = time.perf_counter()
        async with database.read() as session:
            figures = await actual_emissions(
                session,
                actor,
                permit_number=number,
                start=YEAR_START,
                end=YEAR_START + timedelta(hours=HOURS),
            )
        emission_seconds = time.perf_counter() - began
        assert all(f.method == "automatic" for f in figures), figures

        print(f"\nledger ingest on {label}: {total:,} readings (4 outlets x 5 pollutants x 8,760 h)")
        print(f"  raw Core bulk insert : {total / raw_seconds:10,.0f} rows/s  ({raw_seconds:.2f} s)")
        print(
            f"  batch path           : {total / batch_seconds:10,.0f} rows/s  ({batch_seconds:.2f} s)"
            f"  = {raw_seconds / batch_seconds:.0%} of raw"
        )
        print(f"  year's exceedances   : {exceedance_seconds:.2f} s")
        print(f"  year's actual emissions: {emission_seconds:.3f} s  (methods: automatic for all 20 series)")
    finally:
        await database.dispose()


def postgres_url() -> str | None:
    base = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL")
    if not base:
        return None
    name = f"permitwatch_bench_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(sync_url(base), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def drop(url: str) -> None:
    base = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or ""
    engine = sa.create_engine(sync_url(base), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    engine.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(measure(f"sqlite:///{folder}/bench.db", "SQLite"))
    url = postgres_url()
    if url:
        try:
            asyncio.run(measure(url, "PostgreSQL"))
        finally:
            drop(url)


def test_print_ledger_ingest_figures() -> None:
    main()


if __name__ == "__main__":
    main()
