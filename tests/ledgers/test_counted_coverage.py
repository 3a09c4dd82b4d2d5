"""A filing's completeness ratio counts the slots in SQL (issue 19): ``period_ledgers(gaps=False)`` asks
the database for the number of distinct slots each required series recorded, instead of every reading's
time. Its counts are exactly those of the slots walked in Python (``gaps=True``, the ledger pages), for
every frequency, at China midnights, around shutdowns that cover part of a slot, with voided readings,
for a period still running, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.clock import CHINA, utcnow
from domain.ledgers import rules
from domain.ledgers.models import MonitoringReading, ShutdownPeriod
from domain.ledgers.partitions import Month, ensure_partitions
from domain.ledgers.queries import period
from domain.ledgers.queries.counted import excused_runs, recorded_windows
from domain.permits.reference import Frequency
from tests.conftest import database_kind
from tests.factories import make_enterprise, make_permit, permit_content
from tests.ledgers.test_partitions import months_between, partitions_read
from tests.ledgers.test_partitions import reading as partition_reading

postgresql_only = pytest.mark.skipif(
    database_kind() != "postgresql", reason="partitions are PostgreSQL's (SQLite: one plain table)"
)

# Every frequency, both methods, a series required at two frequencies (DA001 PM, DW001 COD).
MONITORING = [
    {"point": "DA001", "pollutant": "SO2", "frequency": "continuous", "method": "automatic"},
    {"point": "DA001", "pollutant": "NOX", "frequency": "hourly", "method": "manual"},
    {"point": "DA001", "pollutant": "PM", "frequency": "daily", "method": "manual"},
    {"point": "DA001", "pollutant": "PM", "frequency": "semiannual", "method": "manual"},
    {"point": "DW001", "pollutant": "COD", "frequency": "weekly", "method": "manual"},
    {"point": "DW001", "pollutant": "COD", "frequency": "annual", "method": "manual"},
    {"point": "DA001", "pollutant": "SO2", "frequency": "monthly", "method": "manual"},
    {"point": "MF0001", "pollutant": "PM", "frequency": "quarterly", "method": "manual"},
]
SERIES = sorted({(m["point"], m["pollutant"], m["method"]) for m in MONITORING}) + [
    ("DA001", "NOX", "automatic"),  # measured, but not required by that method: counts for nothing
]


def china(day: date, hour: int = 0) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=CHINA)


async def unit(session):  # type: ignore[no-untyped-def]
    enterprise = await make_enterprise(session)
    return await make_permit(
        session, enterprise, decision_date="2023-06-02", content=permit_content(monitoring=MONITORING)
    )


def counts(ledger: period.PeriodLedger) -> list[tuple[str, str, str, int, int]]:
    return [(c.label, c.kind, c.frequency, c.expected, c.recorded) for c in ledger.coverage]


async def both_ways(session, permits, start, end, monkeypatch):  # type: ignore[no-untyped-def]
    """The coverage of each permit walked in Python (gaps=True) and counted in SQL (gaps=False); the
    counted path must not read the moments."""
    walked = await period.period_ledgers(session, permits, start=start, end=end, emissions=False)

    async def no_moments(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the counted path read every reading's time")

    with monkeypatch.context() as patched:
        patched.setattr(period, "_required_moments", no_moments)
        counted = await period.period_ledgers(
            session, permits, start=start, end=end, emissions=False, gaps=False
        )
    for permit in permits:
        assert counts(counted[permit.id]) == counts(walked[permit.id])
        assert all(not c.gaps for c in counted[permit.id].coverage)
        assert rules.completeness_ratio(counted[permit.id].coverage) == rules.completeness_ratio(
            walked[permit.id].coverage
        )
    return walked, counted


def reading(permit_id: int, series: tuple[str, str, str], at: datetime, *, voided: bool = False):  # type: ignore[no-untyped-def]
    outlet, pollutant, method = series
    return MonitoringReading(
        permit_id=permit_id,
        outlet_code=outlet,
        pollutant=pollutant,
        method=method,
        measured_at=at,
        period_end=at + timedelta(hours=1),
        concentration=1.0,
        unit="mg/L" if outlet == "DW001" else "mg/m3",
        voided_at=utcnow() if voided else None,
        void_reason="录入错误" if voided else "",
    )


def stop(permit_id: int, first: date, last: date | None) -> ShutdownPeriod:
    return ShutdownPeriod(permit_id=permit_id, starts_on=first, ends_on=last, reason="检修", recorded_by="t")


async def test_edges_count_the_same_in_sql_as_in_python(session, monkeypatch):
    """China midnight and the microsecond before it, a shutdown that begins and ends inside a week, a
    month and a quarter, a voided reading alone in its slot, a series not required by its method, and a
    second permit without shutdown in the same statement."""
    permit, other = await unit(session), await unit(session)
    start, end = china(date(2025, 4, 1)), china(date(2025, 7, 1))  # the second quarter
    so2, pm, cod = ("DA001", "SO2", "automatic"), ("DA001", "PM", "manual"), ("DW001", "COD", "manual")
    nox, monthly, quarterly = (
        ("DA001", "NOX", "manual"),
        ("DA001", "SO2", "manual"),
        ("MF0001", "PM", "manual"),
    )
    moments = [
        china(date(2025, 4, 2)) - timedelta(microseconds=1),  # the last microsecond of 1 April (China)
        china(date(2025, 4, 2)),
        china(date(2025, 4, 2)) + timedelta(minutes=59, seconds=59, microseconds=999_999),  # same hour
        china(date(2025, 4, 7)),  # Monday midnight: a new week
        china(date(2025, 1, 10), 9),  # before the period, in its year and half-year: annual, semiannual
        china(date(2025, 5, 14), 10),  # inside the shutdown
        china(date(2025, 5, 12), 10),  # a Monday, the shutdown's week, before it began
        china(date(2025, 6, 30), 23) + timedelta(minutes=30),  # the period's last hour
        china(date(2025, 7, 1)),  # the period's end: not in it
    ]
    rows = [
        reading(p.id, series, at)
        for p in (permit, other)
        for series in (so2, nox, pm, cod, monthly, quarterly)
        for at in moments
    ]
    # The period's first instant (China midnight, 16:00 UTC the day before) for the hourly, monthly and
    # quarterly series: in the slot that begins there, not in the one before.
    rows += [
        reading(p.id, series, start) for p in (permit, other) for series in (so2, nox, monthly, quarterly)
    ]
    rows.append(reading(permit.id, so2, china(date(2025, 4, 20), 3), voided=True))  # voided, alone
    rows.append(reading(permit.id, ("DA001", "NOX", "automatic"), china(date(2025, 4, 3), 3)))
    session.add_all(rows)
    session.add(stop(permit.id, date(2025, 5, 13), date(2025, 5, 20)))  # Tuesday to the next Tuesday
    session.add(stop(permit.id, date(2025, 6, 25), None))  # still stopped
    await session.flush()
    _, counted = await both_ways(session, [permit, other], start, end, monkeypatch)
    found = {(c.label, c.frequency): (c.expected, c.recorded) for c in counted[permit.id].coverage}
    # 91 days less 8 + 6 stopped; recorded: 1 April 00h and 23h, 2 April 00h, 7 April 00h, 12 May 10h;
    # not 14 May nor 30 June (stopped) nor 1 July (the end).
    assert found[("DA001 SO2", "continuous")] == (77 * 24, 5)
    assert found[("DA001 NOX", "hourly")] == (77 * 24, 5)
    assert found[("DA001 PM", "daily")] == (77, 4)  # 1, 2 and 7 April, 12 May
    assert found[("DA001 PM", "semiannual")] == (1, 1)  # the sample of January counts for the half-year
    # Weeks from Monday 31 March: the shutdown of 13-20 May takes no whole week; the open one takes the
    # last week (30 June, the period's last day), not that of 23 June (stopped from its Wednesday).
    assert found[("DW001 COD", "weekly")] == (13, 3)
    assert found[("DW001 COD", "annual")] == (1, 1)
    assert found[("DA001 SO2", "monthly")] == (3, 3)  # 30 June counts: June is not wholly stopped
    assert found[("MF0001 PM", "quarterly")] == (1, 1)
    theirs = {(c.label, c.frequency): (c.expected, c.recorded) for c in counted[other.id].coverage}
    assert theirs[("DA001 SO2", "continuous")] == (91 * 24, 7)  # 14 May and 30 June count here
    assert theirs[("DA001 PM", "daily")] == (91, 6)
    assert theirs[("DW001 COD", "weekly")] == (14, 4)
    assert theirs[("DA001 SO2", "monthly")] == (3, 3)


async def test_a_running_period_is_judged_up_to_now_the_same_way(session, monkeypatch):
    permit = await unit(session)
    now = utcnow().astimezone(CHINA)
    start = china(now.date().replace(day=1))
    end = china(now.date() + timedelta(days=40))  # runs on past today
    so2 = ("DA001", "SO2", "automatic")
    past = [now - timedelta(hours=h) for h in (0, 1, 3, 30)] + [now + timedelta(hours=2)]
    session.add_all(reading(permit.id, so2, at) for at in past if at >= start)
    await session.flush()
    before = utcnow()
    walked, _ = await both_ways(session, [permit], start, end, monkeypatch)
    after = utcnow()
    hourly = next(c for c in walked[permit.id].coverage if c.frequency == "continuous")
    # The hours up to now, not the 40 days ahead; and the readings of the last hours.
    assert rules.slot_count(start, before, "continuous") <= hourly.expected
    assert hourly.expected <= rules.slot_count(start, after, "continuous")
    assert hourly.recorded == len([at for at in past if start <= at <= now])


def test_excused_runs_are_the_excused_slots_and_the_windows_hold_the_rest():
    draw = random.Random("runs")
    for _ in range(300):
        frequency = draw.choice(list(Frequency))
        origin = rules.slot_floor(
            datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=draw.randrange(20000)), frequency
        )
        end = origin + timedelta(hours=draw.randrange(0, 9000), microseconds=draw.choice([0, 1, -1]))
        stops = []
        for _ in range(draw.randrange(0, 4)):
            first = date(2024, 1, 1) + timedelta(days=draw.randrange(0, 900))
            stops.append(
                rules.shutdown_span(first, draw.choice([None, first + timedelta(days=draw.randrange(60))]))
            )
        slots = rules.slot_count(origin, end, frequency)
        excused = rules.excused_slots(frequency, origin, slots, stops)
        runs = excused_runs(frequency, origin, slots, stops)
        assert {s for low, high in runs for s in range(low, high)} == excused
        expected, windows = recorded_windows(frequency, origin, end, stops)
        assert expected == slots - len(excused)
        inside = set()
        for low, high in windows:
            first = rules.slot_of(low, frequency, origin)
            last = rules.slot_of(high - timedelta(microseconds=1), frequency, origin)
            assert rules.slot_start(first, frequency, origin) == low  # windows begin on a slot
            assert not inside & set(range(first, last + 1))
            inside |= set(range(first, last + 1))
        assert inside == set(range(slots)) - excused


DAY = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 1, 1))
OFFSETS = st.one_of(
    st.sampled_from(
        [timedelta(0), timedelta(microseconds=-1), timedelta(microseconds=1), timedelta(minutes=-30)]
    ),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=1)),
)
LEDGERS = st.fixed_dictionaries(
    {
        "start": DAY,
        "days": st.integers(min_value=1, max_value=200),
        # Readings and shutdowns by days from the period's start (before it too: the slot origins).
        "readings": st.lists(
            st.tuples(
                st.sampled_from(SERIES),
                st.integers(min_value=-100, max_value=210),
                OFFSETS,
                st.sampled_from([True, True, True, False]),
            ),
            max_size=40,
        ),
        "stops": st.lists(
            st.tuples(st.integers(min_value=-30, max_value=200), st.none() | st.integers(0, 40)), max_size=2
        ),
    }
)


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ledger=LEDGERS)
async def test_random_ledgers_count_the_same_in_sql_as_in_python(session, monkeypatch, ledger):
    """Readings at China midnights (and a microsecond either side) or anywhere in a day, some voided,
    shutdowns open or closed, periods of a day to half a year that may run past today."""
    permit = await unit(session)
    start = china(ledger["start"])
    end = start + timedelta(days=ledger["days"])
    taken = set()
    for series, days, offset, valid in ledger["readings"]:
        at = start + timedelta(days=days) + offset
        if valid and (series, at) in taken:
            continue  # one valid reading per series and moment
        if valid:
            taken.add((series, at))
        session.add(reading(permit.id, series, at, voided=not valid))
    for days, length in ledger["stops"]:
        first = ledger["start"] + timedelta(days=days)
        session.add(stop(permit.id, first, None if length is None else first + timedelta(days=length)))
    await session.flush()
    await both_ways(session, [permit], start, end, monkeypatch)


@postgresql_only
async def test_the_counted_read_of_a_month_reads_only_its_requirements_months(session):
    """PostgreSQL: each branch keeps the measured_at range, so the plan reads the month's partition
    (the hourly series) and the quarter's so far (the quarterly sample), not a year of them."""
    permit = await make_permit(session)  # SO2 and NOX continuous, COD quarterly
    now = utcnow()
    this_month = Month.of(now)
    await ensure_partitions(session, months_ahead=1, since=Month(this_month.year - 1, 1).start, now=now)
    for back in range(1, 14):
        month = this_month.plus(-back)
        session.add_all(partition_reading(permit, month.start + timedelta(days=3, hours=h)) for h in range(4))
    await session.flush()
    await (await session.connection()).exec_driver_sql("ANALYZE monitoring_reading")
    month = this_month.plus(-2)
    quarter = rules.slot_floor(month.start, Frequency.QUARTERLY)

    async def file_month() -> None:
        found = await period.period_ledgers(
            session, [permit], start=month.start, end=month.end, emissions=False, gaps=False
        )
        hourly = next(c for c in found[permit.id].coverage if c.label == "DA001 SO2")
        assert hourly.recorded == 4

    plans = await partitions_read(session, file_month)
    assert plans and set().union(*plans) <= months_between(quarter, month.end), plans
    assert month.partition in set().union(*plans)
