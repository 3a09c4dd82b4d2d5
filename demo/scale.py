"""Province-scale data for the scale benchmark: ``permitwatch demo --scale province [--fraction F]``.

A province is about 350,000 units with permits in every state, three years of execution reports,
and 2,000 automatically monitored outlets with a year of hourly readings (about 90 million rows).
``fraction`` scales every count (0.01 is a hundredth of the province) so the generator can be run and
tested small. PostgreSQL only: the volumes are beyond what the embedded SQLite is for.

What goes through the product's own bulk paths, exactly as an operator or a unit would write it:
- the demo city (``demo.load``), then the generated units through ``register_enterprises`` and their
  permits through ``import_permits`` (``demo.generated``), a transaction per 5,000 units;
- each filing unit's staff account (``create_users_bulk``: an operator onboarding a register's units,
  one initial password hashed once);
- three years of execution reports, a unit's first filing of each, in bulk (the filing desk's
  ``domain.reports.service.first_filings``, whose docstring says what it writes and with which of the
  product's rules): chunks of 2,000 filings of any moments, each stamped with the moment it was filed;
  the chain check passes on every report and the findings are the audit rules'
  (tests/platform/test_scale_reports.py).

The fast path, and why: hourly readings. Through ``record_readings`` (a JSON-parameter INSERT ... RETURNING
and one change event per row) 90 million rows take many hours, and even a rule run per row in Python and a
COPY is hours. Here a series (one pollutant at one outlet, a year of hours) is made in the database by one
INSERT ... SELECT over ``generate_series`` (the demo city's diurnal pattern, below the permitted
concentration, with a noise that is a function of the series' seed and the hour), its canonical unit,
concentration factor and quantity from the flow as the ledger's own rule
(``domain.ledgers.rules.check_reading``) gives them; then 24 readings spread over the series are made
again and held to ``check_reading`` of their raw values (equal unit, concentration, flow, quantity and
period end, or the load stops). The change feed's events of an outlet's readings are written by one
INSERT ... SELECT in the same transaction (one per reading, as ``record_readings`` writes them), the
outlet's exceedances by the ledger's own ``detect_exceedances`` and one audit entry per outlet by
``record``. The table has no trigger a bulk INSERT would skip (readings are never updated; voids write
new rows); plain INSERTs also suit a partitioned ``monitoring_reading``. The detector finds no episode.
"""

from __future__ import annotations

import asyncio
import gc
import math
import multiprocessing
import time
import zlib
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from demo.generated import generate
from demo.load import is_empty, load
from domain.access import Actor, Role, operator
from domain.accounts.service.users import MAX_BULK_ACCOUNTS, NewAccount, create_users_bulk
from domain.actors import actor_for
from domain.audit.service import record
from domain.changes.kinds import ChangeKind, ObjectType
from domain.clock import CHINA, CHINA_OFFSET, today, utcnow
from domain.db import Database, on_postgresql
from domain.enterprises.models import Enterprise
from domain.errors import N_, FieldError, ValidationFailed
from domain.ledgers.lookup import points_of
from domain.ledgers.models import MonitoringReading
from domain.ledgers.rules import CheckedReading, PointInfo, ReadingInput, check_reading
from domain.ledgers.service.exceedances import detect_exceedances
from domain.permits.models import Permit
from domain.permits.reference import ReportKind
from domain.permits.rules import PermitStatus
from domain.permits.terms import PermitTerms, terms_of
from domain.reports import schedule as plans
from domain.reports.rollup.counting import rebuild_in
from domain.reports.service.first_filings import FirstFiling, file_first_reports

PROVINCE_UNITS = 350_000
PROVINCE_MONITORED_OUTLETS = 2_000
LOOKBACK_DAYS = 3 * 365 + 1  # three years of reports
HOURS = 365 * 24  # a year of hourly readings
UNIT_CHUNK = 5_000
FILING_CHUNK = 2000
PERMIT_PAGE = 20_000  # permits planned at once by a filing process
REPORT_WORKERS = 2  # processes filing reports
READING_WORKERS = 2  # outlets written at once (the machine the province is measured on has two cores)
PASSWORD = "Scale-demo-2026"  # the generated filers' accounts; nobody logs in with them
READING_COLUMNS = (
    "permit_id",
    "outlet_code",
    "pollutant",
    "method",
    "measured_at",
    "period_end",
    "concentration",
    "unit",
    "flow_m3",
    "quantity_kg",
    "entered_at",
    "entered_by",
    "on_behalf_of",
    "source",
    "void_reason",
)


@dataclass
class Step:
    name: str
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def fraction_errors(fraction: float) -> list[FieldError]:
    if not (math.isfinite(fraction) and 0 < fraction <= 1):
        return [FieldError("fraction", "range", N_("Between {min} and {max}."), {"min": "0", "max": "1"})]
    return []


async def load_province(database: Database, *, fraction: float, say: Callable[[str], None]) -> list[Step]:
    """The province at ``fraction`` of its size into an empty PostgreSQL database; returns each step's
    rows and seconds. Every step commits on its own (a failed run leaves what it committed)."""
    errors = fraction_errors(fraction)
    if errors:
        raise ValidationFailed(errors)
    async with database.transaction() as session:
        if not on_postgresql(session):
            raise ValidationFailed(
                [
                    FieldError(
                        "scale",
                        "postgresql_only",
                        N_("Province-scale data needs PostgreSQL; this database is SQLite."),
                    )
                ]
            )
    steps: list[Step] = []

    def done(name: str, rows: int, started: float) -> None:
        step = Step(name, rows, time.monotonic() - started)
        steps.append(step)
        say(f"{name}: {rows:,} rows in {step.seconds:,.1f} s ({step.rate:,.1f} rows/s)")

    started = time.monotonic()
    async with database.transaction() as session:
        if not await is_empty(session):
            raise ValidationFailed(
                [FieldError("scale", "not_empty", N_("Demo data goes into an empty database."))]
            )
        await load(session)
        base = int((await session.exec(select(func.count()).select_from(Enterprise))).one())
        base_id = int((await session.exec(select(func.max(Enterprise.id)))).one() or 0)
    done("demo city", base, started)

    units = max(base, round(PROVINCE_UNITS * fraction))
    started = time.monotonic()
    for chunk in range(base, units, UNIT_CHUNK):
        async with database.transaction() as session:
            await generate(
                session, operator("demo"), start=chunk, total=min(chunk + UNIT_CHUNK, units), progress=None
            )
        say(f"  units {min(chunk + UNIT_CHUNK, units):,} / {units:,}")
    done("units and permits (register_enterprises, import_permits)", units - base, started)

    started = time.monotonic()
    outlets = max(1, round(PROVINCE_MONITORED_OUTLETS * fraction))
    readings = await _readings(database, outlets, say)
    done(f"hourly readings of {outlets:,} outlets (INSERT ... SELECT)", readings, started)

    started = time.monotonic()
    filers = await _filers(database, say, after=base_id)
    done("filing staff (create_users_bulk)", len(filers), started)

    started = time.monotonic()
    filed = await _file_reports(database, filers, say)
    done("report submissions (first filings in bulk)", filed, started)

    started = time.monotonic()
    done("filing rollup (rollup-rebuild)", (await rebuild_in(database)).regions, started)

    started = time.monotonic()
    async with database.transaction() as session:
        connection = await session.connection()
        await connection.exec_driver_sql("ANALYZE")
    done("ANALYZE", 0, started)
    return steps


async def _filers(database: Database, say: Callable[[str], None], *, after: int) -> dict[int, Actor]:
    """A staff account for every generated unit (id above ``after``: the demo city's units file their
    own history) with a permit in force (enterprise id -> its actor)."""
    async with database.transaction() as session:
        rows = (
            await session.exec(
                select(Enterprise.id, Enterprise.credit_code)
                .join(Permit, col(Permit.enterprise_id) == col(Enterprise.id))
                .where(Permit.status == PermitStatus.ISSUED, col(Enterprise.id) > after)
                .distinct()
                .order_by(col(Enterprise.id))
            )
        ).all()
    filers: dict[int, Actor] = {}
    for start in range(0, len(rows), MAX_BULK_ACCOUNTS):
        chunk = rows[start : start + MAX_BULK_ACCOUNTS]
        async with database.transaction() as session:
            users = await create_users_bulk(
                session,
                operator("demo"),
                accounts=[
                    NewAccount(
                        username=f"scale{enterprise_id}-staff",
                        role=Role.ENTERPRISE_STAFF.value,
                        display_name="环保专员",
                        enterprise_credit_code=credit_code,
                    )
                    for enterprise_id, credit_code in chunk
                ],
                initial_password=PASSWORD,
            )
        for user in users:
            assert user.enterprise_id is not None
            filers[user.enterprise_id] = actor_for(user, channel="demo")
        say(f"  staff {start + len(chunk):,} / {len(rows):,}")
    return filers


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC).replace(hour=hour) - CHINA_OFFSET


def _content(kind: str, terms: PermitTerms, fate: int) -> dict[str, Any]:
    """What a unit files: a row per permitted outlet and pollutant, some without a quantity or over the
    permitted concentration so the audit rules have findings to make."""
    emissions = []
    for index, limit in enumerate(terms.limits):
        share = 0.35 + ((fate + index) % 9) / 20
        average = round(limit.concentration_limit * share, 3)
        emissions.append(
            {
                "outlet": limit.point,
                "pollutant": limit.pollutant,
                "method": "automatic",
                "concentration_avg": average,
                "concentration_max": round(limit.concentration_limit * (1.2 if fate == 7 else 0.9), 3),
                "unit": limit.unit,
                "quantity_t": None
                if fate == 11 or not limit.annual_quantity_limit
                else round(limit.annual_quantity_limit * share / 4, 3),
                "compliant": fate != 7,
            }
        )
    content: dict[str, Any] = {
        "emissions": emissions,
        "exceedances": [],
        "abnormal_operation": [],
        "statement": "本期按照排污许可证要求排放污染物，污染防治设施正常运行。",
    }
    if kind == ReportKind.ANNUAL:
        content["production"] = {
            "operating_days": 330 - fate,
            "main_products": "按许可证载明",
            "output": "持平",
        }
        content["disclosure"] = {"done": True, "channels": "全国排污许可证管理信息平台", "notes": ""}
    return content


async def _file_reports(
    database: Database, filers: dict[int, Actor], say: Callable[[str], None], *, workers: int = REPORT_WORKERS
) -> int:
    """Three years of every owed report (``_file_part``), the permits shared out among ``workers``
    processes: the audit rules and the ledger's facts are Python's work, one core's per process."""
    if workers <= 1:
        return await _file_part(database, filers, say, part=0, parts=1)
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        counts = await asyncio.gather(
            *(
                loop.run_in_executor(pool, _file_part_apart, database.url, filers, part, workers)
                for part in range(workers)
            )
        )
    return sum(counts)


def _file_part_apart(url: str, filers: dict[int, Actor], part: int, parts: int) -> int:
    """``_file_part`` in a process of its own (its own connections), printing its progress."""

    async def run() -> int:
        database = Database(url)
        try:
            return await _file_part(
                database,
                filers,
                lambda line: print(f"{line} [{part + 1}/{parts}]", flush=True),
                part=part,
                parts=parts,
            )
        finally:
            await database.dispose()

    return asyncio.run(run())


async def _file_part(
    database: Database, filers: dict[int, Actor], say: Callable[[str], None], *, part: int, parts: int
) -> int:
    """Three years of every owed report of the permits whose id is ``part`` modulo ``parts``, most on time,
    some late, about a tenth never filed, each a first filing at the moment it is filed, written in bulk
    (``domain.reports.service.first_filings``), period by period within each page of permits."""
    on, now = today(), utcnow()
    written, after, started = 0, 0, time.monotonic()
    while True:  # a page of permits at a time: the province's 350,000 and their filings do not fit at once
        async with database.transaction() as session:
            permits = (
                await session.exec(
                    select(Permit)
                    .where(
                        Permit.status == PermitStatus.ISSUED,
                        col(Permit.id) > after,
                        col(Permit.id) % parts == part,
                    )
                    .order_by(col(Permit.id))
                    .limit(PERMIT_PAGE)
                )
            ).all()
            if not permits:
                return written
            after = permits[-1].id or 0
            permits = [permit for permit in permits if permit.enterprise_id in filers]
            terms = await terms_of(session, list(permits))
        planned: list[tuple[datetime, Permit, Any, int, str]] = []
        for permit in permits:
            assert permit.id is not None and permit.number is not None
            if permit.valid_from is None or permit.valid_until is None:
                continue
            start = max(permit.valid_from, on - timedelta(days=LOOKBACK_DAYS))
            last = min(on - timedelta(days=1), permit.valid_until)
            for item in plans.permit_plan(permit, terms[permit.id], until=last):
                period = item.period
                if (
                    not item.owed
                    or period.end >= on
                    or item.begins < start
                    or period.end > permit.valid_until
                ):
                    continue
                name = f"{permit.number}/{item.kind}/{period.label}"
                fate = zlib.crc32(name.encode()) % 20
                if fate < 2:
                    continue  # never filed: overdue
                due = item.due_date
                late = fate < 5
                moment = _at(
                    due + timedelta(days=2 + fate % 12) if late else due - timedelta(days=1 + fate % 9), 10
                )
                moment = min(moment, now - timedelta(hours=6))
                if moment <= _at(period.end + timedelta(days=1), 9):
                    continue
                planned.append((moment, permit, item, fate, name))
        # By period first: a chunk's ledger facts cost a few queries per distinct period (a deadline's
        # filings share theirs), and oldest first within it.
        planned.sort(key=lambda one: (one[2].period.end, one[2].period.start, one[0], one[1].id or 0))
        # The page's permits, terms and plan live until its last chunk: the garbage collector need not
        # walk them again at every collection the filings' own objects set off (a sixth of a filing's
        # CPU, issue 19). Unfrozen after the page, so what it leaves is collected as before.
        gc.freeze()
        try:
            written += await _file_page(database, filers, terms, planned, say, started, written)
        finally:
            gc.unfreeze()


async def _file_page(
    database: Database,
    filers: dict[int, Actor],
    terms: dict[int, PermitTerms],
    planned: list[tuple[datetime, Permit, Any, int, str]],
    say: Callable[[str], None],
    started: float,
    before: int,
) -> int:
    """The filings planned for a page of permits, ``FILING_CHUNK`` a transaction; returns how many."""
    written = 0
    for chunk in range(0, len(planned), FILING_CHUNK):
        filings = [
            FirstFiling(
                filers[permit.enterprise_id],
                permit,
                item,
                _content(item.kind, terms[permit.id or 0], fate),
                f"scale-{name}",
                moment,
            )
            for moment, permit, item, fate, name in planned[chunk : chunk + FILING_CHUNK]
        ]
        async with database.transaction() as session:
            written += await file_first_reports(session, filings)
        rate = (before + written) / (time.monotonic() - started)
        say(f"  submissions {before + written:,} ({rate:,.0f}/s)")
    return written


async def monitored_outlets(session: AsyncSession, count: int) -> list[tuple[Permit, str, list[str]]]:
    """The first ``count`` outlets with automatic monitoring of permits without readings yet: (permit,
    outlet, its automatic pollutants)."""
    chosen: list[tuple[Permit, str, list[str]]] = []
    offset = 0
    while len(chosen) < count:
        permits = (
            await session.exec(
                select(Permit)
                .where(
                    Permit.status == PermitStatus.ISSUED,
                    # the demo city's ledgers have a year of readings already
                    ~sa.exists().where(col(MonitoringReading.permit_id) == col(Permit.id)),
                )
                .order_by(col(Permit.id))
                .offset(offset)
                .limit(500)
            )
        ).all()
        if not permits:
            break
        offset += len(permits)
        terms = await terms_of(session, list(permits))
        for permit in permits:
            assert permit.id is not None
            limited = {(limit.point, limit.pollutant) for limit in terms[permit.id].limits}
            by_outlet: dict[str, list[str]] = defaultdict(list)
            for term in terms[permit.id].monitoring:
                if term.method == "automatic" and (term.point, term.pollutant) in limited:
                    by_outlet[term.point].append(term.pollutant)
            for outlet, pollutants in sorted(by_outlet.items()):
                if len(chosen) < count:
                    chosen.append((permit, outlet, pollutants))
    return chosen


async def _readings(database: Database, count: int, say: Callable[[str], None]) -> int:
    async with database.transaction() as session:
        chosen = await monitored_outlets(session, count)
    written = 0
    started = time.monotonic()
    end = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    queue = list(enumerate(chosen))
    queue.reverse()

    async def worker() -> None:
        # An outlet a transaction; READING_WORKERS of them at once keep the database's cores busy (the
        # rows are made there) while this process waits.
        nonlocal written
        while queue:
            number, (permit, outlet, pollutants) = queue.pop()
            async with database.transaction() as session:
                rows = await outlet_readings(
                    session, permit, outlet, pollutants, end=end, hours=HOURS, seed=number
                )
            written += rows  # not ``written += await``: the other worker adds meanwhile
            rate = written / (time.monotonic() - started)
            done = len(chosen) - len(queue)
            say(f"  outlets {done:,} / {len(chosen):,}, readings {written:,} ({rate:,.0f}/s)")

    await asyncio.gather(*(worker() for _ in range(READING_WORKERS)))
    return written


async def outlet_readings(
    session: AsyncSession,
    permit: Permit,
    outlet: str,
    pollutants: list[str],
    *,
    end: datetime,
    hours: int,
    seed: int = 0,
) -> int:
    """``hours`` hourly readings up to ``end`` of each pollutant at one outlet, as its automatic monitor
    sends them: made in the database, each series held to the ledger's rule, written with their change
    events, the outlet's exceedances detected and one audit entry written, in the caller's transaction
    (the module's docstring says why)."""
    assert permit.id is not None
    begin = end - timedelta(hours=hours)
    terms = (await terms_of(session, [permit]))[permit.id]
    points = points_of(terms)
    medium = points[outlet].medium
    flow = (150.0 if medium == "water" else 350_000.0) if medium else None
    now = utcnow()
    written = 0
    for number, pollutant in enumerate(pollutants):
        unit = next(t.unit for t in terms.limits if t.point == outlet and t.pollutant == pollutant)
        series = Series(
            permit.id,
            permit.number or "",
            permit.enterprise_id,
            outlet,
            pollutant,
            unit,
            points[outlet].limits[pollutant],
            flow,
            medium or "air",
        )
        written += await _write_series(session, series, points, begin, hours, now, seed * 100 + number)
    await detect_exceedances(session, permit, points, {(outlet, p) for p in pollutants}, begin, end)
    record(
        session,
        operator("demo"),
        action="ledger.readings",
        object_type="permit",
        object_id=permit.number or "",
        enterprise_id=permit.enterprise_id,
        after={"count": written, "from": begin.isoformat(), "to": end.isoformat(), "source": "hj212"},
    )
    return written


@dataclass(frozen=True)
class Series:
    """One pollutant's hourly readings at one outlet, as its monitor sends them."""

    permit_id: int
    permit_number: str
    enterprise_id: int
    outlet: str
    pollutant: str
    unit: str  # as the monitor sends it (the permit's unit)
    limit: float  # the permitted concentration
    flow_m3: float | None  # each hour's flow
    medium: str


# A series' raw values, the demo city's diurnal pattern (below the permitted concentration; ``hour0`` is the
# China hour of the first) with a noise that depends only on the seed and the hour (the classic sine hash),
# so that any of its hours can be made again to be checked. ``{hours}`` is the set of hour numbers made.
SERIES_VALUES = """
SELECT h, %(begin)s::timestamptz + h * interval '1 hour' AS measured_at,
       round(greatest(0.01, %(limit)s * (0.42
             + 0.12 * sin(((%(hour0)s + h) %% 24 - 6)::float8 / 24 * 2 * pi())
             + (abs(sin(%(seed)s * 12.9898 + h * 78.233) * 43758.5453)::numeric %% 1)::float8 * 0.12 - 0.06))
             * 1000) / 1000 AS value
FROM {hours} AS h
"""
SAMPLES = 24  # readings of a series checked by ``check_reading`` (first, last and spread between)


async def _write_series(
    session: AsyncSession,
    series: Series,
    points: dict[str, PointInfo],
    begin: datetime,
    hours: int,
    now: datetime,
    seed: int,
) -> int:
    """INSERT ... SELECT the series' rows with the canonical unit, concentration and quantity the ledger's
    ``check_reading`` gives for the first raw value, then hold a sample of the rows written to what
    ``check_reading`` makes of their raw values: any difference (a unit the rule converts otherwise, a
    quantity computed otherwise, a value it refuses) stops the load."""
    connection = await session.connection()
    raw: Any = (await connection.get_raw_connection()).driver_connection
    params = {
        "limit": series.limit,
        "seed": seed,
        "begin": begin,
        "hours": hours,
        "hour0": begin.astimezone(CHINA).hour,
    }

    def check(value: float, measured_at: datetime) -> CheckedReading:
        reading = ReadingInput(
            series.outlet,
            series.pollutant,
            "automatic",
            measured_at,
            value,
            series.unit,
            flow_m3=series.flow_m3,
        )
        checked, problems = check_reading(reading, points, now)
        if checked is None:
            raise ValidationFailed(problems)
        return checked

    first = check(1.0, begin)
    factor, quantity = first.concentration, first.quantity_kg is not None
    async with raw.cursor() as cursor:
        # The rows and, from what the INSERT returns, the change feed's event of each (as
        # ``record_readings`` writes them), in one statement.
        await cursor.execute(
            f"WITH written AS (INSERT INTO {MonitoringReading.__tablename__} ({', '.join(READING_COLUMNS)})"
            " SELECT %(permit)s, %(outlet)s, %(pollutant)s, 'automatic', measured_at,"
            " measured_at + interval '1 hour', value * %(factor)s, %(unit)s, %(flow)s,"
            + (" value * %(factor)s * %(flow)s * %(scale)s / 1000000," if quantity else " NULL::float8,")
            + " %(now)s, 'hj212', NULL, 'hj212', '' FROM ("
            + SERIES_VALUES.format(hours="generate_series(0, %(hours)s - 1)")
            + ") AS made RETURNING id) INSERT INTO change_event (occurred_at, object_type, object_id,"
            " object_key, change, action, enterprise_id) SELECT %(now)s, %(type)s, id, %(key)s, %(change)s,"
            " 'ledger.readings', %(unit_id)s FROM written",
            {
                **params,
                "permit": series.permit_id,
                "outlet": first.outlet_code,
                "pollutant": first.pollutant,
                "factor": factor,
                "unit": first.unit,
                "flow": series.flow_m3,
                "scale": 1000.0 if series.medium == "water" else 1.0,
                "now": now,
                "type": ObjectType.READING.value,
                "key": series.permit_number,
                "change": ChangeKind.CREATED.value,
                "unit_id": series.enterprise_id,
            },
        )
        written = cursor.rowcount
        sample = sorted({0, hours - 1, *range(0, hours, max(1, hours // SAMPLES))})
        await cursor.execute(
            f"SELECT made.value, r.measured_at, r.period_end, r.concentration, r.unit, r.flow_m3,"
            f" r.quantity_kg FROM ({SERIES_VALUES.format(hours='unnest(%(sample)s::int[])')}) AS made"
            f" JOIN {MonitoringReading.__tablename__} r"
            " ON r.permit_id = %(permit)s AND r.outlet_code = %(outlet)s AND r.pollutant = %(pollutant)s"
            " AND r.method = 'automatic' AND r.measured_at = made.measured_at AND r.entered_at = %(now)s",
            {
                **params,
                "permit": series.permit_id,
                "outlet": first.outlet_code,
                "pollutant": first.pollutant,
                "now": now,
                "sample": sample,
            },
        )
        rows = await cursor.fetchall()
    assert len(rows) == len(sample), f"{series}: {len(rows)} of {len(sample)} sampled rows found"
    for value, measured_at, period_end, concentration, unit, flow_m3, quantity_kg in rows:
        checked = check(value, measured_at)
        made = (checked.period_end, checked.concentration, checked.unit, checked.flow_m3, checked.quantity_kg)
        assert (period_end, concentration, unit, flow_m3, quantity_kg) == made, f"{series}: {made}"
    return int(written)
