"""A year's exceedances and emissions on the partitioned readings table (issue 19). Prints figures;
asserts nothing about speed.

On a fresh PostgreSQL database (BENCH_POSTGRES_URL / TEST_POSTGRES_URL): one permit with N outlets x 2
pollutants, hourly readings for the last Y whole China years (generated server-side, INSERT ... SELECT
generate_series), then the time of, for the last of those years:
  - a year's actual emissions (``actual_emissions``, the ledger's and the report's figures);
  - a year's exceedance detection (``detect_exceedances``: episodes of every series and the annual quantity);
  - a month's ledger (December's ``actual_emissions``);
each run twice (cold, warm), with the partitions each statement's plan reads. ``--compare`` runs the same
on a plain table too (the schema before migration 0035), to show what the partitions change.

Small (seconds):  .venv/bin/python -m tests.benchmarks.bench_readings_year
Big:  .venv/bin/python -m tests.benchmarks.bench_readings_year --outlets 200 --years 5 --compare
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import time
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlmodel import select

os.environ.setdefault("ENVIRONMENT", "test")
os.environ.setdefault("SECRET_KEY", "bench-secret-" + "x" * 40)

from domain import migrate  # noqa: E402
from domain.access import operator  # noqa: E402
from domain.clock import CHINA, utcnow  # noqa: E402
from domain.db import Database, sync_url  # noqa: E402
from domain.enterprises.rules import EnterpriseInput, make_credit_code  # noqa: E402
from domain.enterprises.service import register_enterprise  # noqa: E402
from domain.ledgers.lookup import permit_points  # noqa: E402
from domain.ledgers.partitions import ensure_partitions  # noqa: E402
from domain.ledgers.queries.period import actual_emissions  # noqa: E402
from domain.ledgers.service.exceedances import detect_exceedances  # noqa: E402
from domain.permits.models import Permit  # noqa: E402
from domain.permits.service.imports import import_permits  # noqa: E402

POLLUTANTS = {"SO2": 35.0, "NOX": 50.0}
BEFORE_PARTITIONS = "0034"  # the schema before monitoring_reading was partitioned
PARTITION = re.compile(r"\bon (monitoring_reading_(?:p\d{4}_\d{2}|default))\b")


def content(outlets: list[str]) -> dict[str, Any]:
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
            for code in outlets
        ],
        "monitoring": [
            {"point": code, "pollutant": p, "frequency": "continuous", "method": "automatic"}
            for code in outlets
            for p in POLLUTANTS
        ],
        "ledger_records": [{"kind": "production_facility", "frequency": "daily"}],
        "report_kinds": ["quarterly", "annual"],
    }


async def setup(database: Database, outlets: list[str]) -> str:
    async with database.transaction() as session:
        code = make_credit_code("91310107BENCH0019")
        await register_enterprise(
            session,
            operator(),
            data=EnterpriseInput(
                name="基准测试分区热电有限公司",
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
                    "content": content(outlets),
                }
            ],
        )
        return permit.number or ""


GENERATE = """
INSERT INTO monitoring_reading (permit_id, outlet_code, pollutant, method, measured_at, period_end,
    concentration, unit, flow_m3, quantity_kg, entered_at, source, void_reason)
SELECT permit_id, outlet, pollutant, 'automatic', moment, moment + interval '1 hour', value, 'mg/m3',
       400000, value * 0.4, now(), 'bench', ''
FROM (
    SELECT :permit_id AS permit_id, o.code AS outlet, p.code AS pollutant, t AS moment,
           p.lim * (0.6 + 0.2 * extract(hour FROM t) / 24)
             + CASE WHEN (extract(epoch FROM t) / 3600)::bigint % 997 = 0 THEN p.lim * 0.7 ELSE 0 END AS value
    FROM generate_series(CAST(:start AS timestamptz), CAST(:end AS timestamptz) - interval '1 hour',
                         interval '1 hour') AS t,
         unnest(CAST(:outlets AS text[])) AS o(code),
         (VALUES ('SO2', 35.0), ('NOX', 50.0)) AS p(code, lim)
) AS generated
"""


async def partitions_read(session: Any, call: Any) -> set[str]:
    connection = await session.connection()
    seen: list[tuple[str, Any]] = []

    def remember(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and "monitoring_reading" in statement:
            seen.append((statement, parameters))

    event.listen(connection.sync_connection, "before_cursor_execute", remember)
    try:
        await call()
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", remember)
    found: set[str] = set()
    for statement, parameters in seen:
        rows = (await connection.exec_driver_sql("EXPLAIN " + statement, parameters)).all()
        found |= set(PARTITION.findall("\n".join(row[0] for row in rows)))
    return found


async def measure(url: str, *, outlets: int, years: int, partitioned: bool) -> None:
    migrate.upgrade(url, "head" if partitioned else BEFORE_PARTITIONS)
    database = Database(url)
    codes = [f"DA{n:03d}" for n in range(1, outlets + 1)]
    last_year = utcnow().astimezone(CHINA).year - 1
    data_start = datetime(last_year - years + 1, 1, 1, tzinfo=CHINA)
    year_start, year_end = (
        datetime(last_year, 1, 1, tzinfo=CHINA),
        datetime(last_year + 1, 1, 1, tzinfo=CHINA),
    )
    december = datetime(last_year, 12, 1, tzinfo=CHINA)
    try:
        number = await setup(database, codes)
        async with database.transaction() as session:
            permit = (await session.exec(select(Permit).where(Permit.number == number))).one()
            if partitioned:
                await ensure_partitions(session, since=data_start)
        began = time.perf_counter()
        rows = 0
        for year in range(data_start.year, last_year + 1):
            async with database.transaction() as session:
                result = await session.exec(  # type: ignore[call-overload]
                    sa.text(GENERATE),
                    params={
                        "permit_id": permit.id,
                        "outlets": codes,
                        "start": datetime(year, 1, 1, tzinfo=CHINA),
                        "end": datetime(year + 1, 1, 1, tzinfo=CHINA),
                    },
                )
                rows += result.rowcount
        async with database.transaction() as session:
            await session.exec(sa.text("ANALYZE monitoring_reading"))  # type: ignore[call-overload]
        load_seconds = time.perf_counter() - began
        label = "partitioned by month" if partitioned else "plain table"
        print(
            f"\nreadings, {label}: {rows:,} rows ({outlets} outlets x {len(POLLUTANTS)} pollutants x"
            f" {years} year(s) hourly), loaded in {load_seconds:.1f} s"
        )
        actor = operator()
        series = {(code, p) for code in codes for p in POLLUTANTS}
        for attempt in ("cold", "warm"):
            async with database.read() as session:
                began = time.perf_counter()
                figures = await actual_emissions(
                    session, actor, permit_number=number, start=year_start, end=year_end
                )
                emissions = time.perf_counter() - began
            async with database.transaction() as session:
                points = await permit_points(session, permit)
                began = time.perf_counter()
                opened = await detect_exceedances(session, permit, points, series, year_start, year_end)
                exceedances = time.perf_counter() - began
            async with database.read() as session:
                began = time.perf_counter()
                await actual_emissions(session, actor, permit_number=number, start=december, end=year_end)
                month = time.perf_counter() - began
            print(
                f"  {attempt}: year's emissions {emissions:.3f} s ({len(figures)} figures);"
                f" year's exceedances {exceedances:.3f} s ({opened} opened); December's ledger {month:.3f} s"
            )
        if partitioned:
            async with database.read() as session:
                year_parts = await partitions_read(
                    session,
                    lambda: actual_emissions(
                        session, actor, permit_number=number, start=year_start, end=year_end
                    ),
                )
                month_parts = await partitions_read(
                    session,
                    lambda: actual_emissions(
                        session, actor, permit_number=number, start=december, end=year_end
                    ),
                )
            print(
                f"  partitions read: a year's emissions {len(year_parts)},"
                f" December's ledger {sorted(month_parts)}"
            )
    finally:
        await database.dispose()


def postgres_url() -> str | None:
    base = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL")
    if not base:
        return None
    name = f"permitwatch_bench_partition_{uuid.uuid4().hex[:8]}"
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--outlets", type=int, default=2, help="outlets of the permit (2 pollutants each)")
    parser.add_argument("--years", type=int, default=1, help="whole years of hourly readings before this one")
    parser.add_argument("--compare", action="store_true", help="also on a plain (unpartitioned) table")
    args = parser.parse_args(argv)
    for partitioned in (True, False) if args.compare else (True,):
        url = postgres_url()
        if url is None:
            print("bench_readings_year needs PostgreSQL: set BENCH_POSTGRES_URL or TEST_POSTGRES_URL")
            return
        try:
            asyncio.run(measure(url, outlets=args.outlets, years=args.years, partitioned=partitioned))
        finally:
            drop(url)


if __name__ == "__main__":
    main()
