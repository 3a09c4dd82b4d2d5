"""Readings partitioned by China month on PostgreSQL, and the archive of months past the five-year window
(issue 19; docs/operations.md, "Readings: monthly partitions and the archive").

The partitioned table, the plans that touch only a period's partitions, and detaching whole months into
the ``archive`` schema are PostgreSQL's; on SQLite the readings stay one plain table, and the archive says
it is for PostgreSQL (the last test)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import select

from domain.access import operator
from domain.audit.models import AuditEntry
from domain.clock import CHINA, utcnow
from domain.errors import PermissionDenied, ValidationFailed
from domain.ledgers.models import MonitoringReading
from domain.ledgers.partitions import (
    DEFAULT_PARTITION,
    Month,
    NotPartitioned,
    archive_readings,
    default_rows,
    ensure_partitions,
    partition_months,
    upkeep,
    window_start,
)
from domain.ledgers.queries import period
from domain.ledgers.queries.records import ReadingFilters, readings_page
from domain.ledgers.rules import ReadingInput
from domain.ledgers.service import readings
from tests.conftest import database_kind
from tests.factories import actor, make_enterprise, make_permit, make_user

postgresql_only = pytest.mark.skipif(
    database_kind() != "postgresql",
    reason="partitions are PostgreSQL's: SQLite keeps monitoring_reading as one plain table",
)
PARTITION = re.compile(r"\bon (monitoring_reading_(?:p\d{4}_\d{2}|default))\b")


def months_between(start: datetime, end: datetime) -> set[str]:
    """The partitions a query of [start, end) may need: every China month it overlaps."""
    first, last = Month.of(start), Month.of(end - timedelta(microseconds=1))
    found, month = set(), first
    while month <= last:
        found.add(month.partition)
        month = month.plus(1)
    return found


async def partitions_read(session: Any, call: Any) -> list[set[str]]:
    """For every SELECT of the readings ``call`` runs: the partitions its plan reads."""
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
    plans = []
    for statement, parameters in seen:
        rows = (await connection.exec_driver_sql("EXPLAIN " + statement, parameters)).all()
        plans.append(set(PARTITION.findall("\n".join(row[0] for row in rows))))
    return plans


def reading(permit: Any, moment: datetime, concentration: float = 20.0) -> MonitoringReading:
    return MonitoringReading(
        permit_id=permit.id,
        outlet_code="DA001",
        pollutant="SO2",
        method="automatic",
        measured_at=moment,
        period_end=moment + timedelta(hours=1),
        concentration=concentration,
        unit="mg/m3",
        flow_m3=200_000,
        quantity_kg=concentration * 0.2,
        entered_by="test",
    )


async def where_is(session: Any, reading_id: int) -> str:
    return (
        await session.exec(
            sa.text("SELECT tableoid::regclass::text FROM monitoring_reading WHERE id = :id"),
            params={"id": reading_id},
        )
    ).scalar_one()


@postgresql_only
async def test_every_month_ahead_has_its_partition_and_the_default_catches_the_rest(session):
    now = utcnow()
    made = await ensure_partitions(session, months_ahead=3, now=now)
    months = await partition_months(session)
    this_month = Month.of(now)
    assert [this_month.plus(n) for n in range(4)] == [m for m in months if m >= this_month][:4]
    assert (await ensure_partitions(session, months_ahead=3, now=now)).created == []  # idempotent
    assert made.left_in_default == 0
    permit = await make_permit(session)
    far = reading(permit, datetime(2031, 6, 1, 8, tzinfo=CHINA))
    session.add(far)
    await session.flush()
    assert await where_is(session, far.id) == DEFAULT_PARTITION
    assert await default_rows(session) == 1


@postgresql_only
async def test_a_month_that_reached_the_default_partition_gets_its_own_with_its_readings(session):
    permit = await make_permit(session)
    month = window_start(utcnow()).plus(-3)  # older than the months kept ready: no partition of its own
    assert month not in await partition_months(session)
    old = [reading(permit, month.start + timedelta(days=4, hours=hour)) for hour in range(3)]
    session.add_all(old)
    await session.flush()
    assert {await where_is(session, r.id) for r in old} == {DEFAULT_PARTITION}
    made = await ensure_partitions(session, months_ahead=1)
    assert month.partition in made.created
    assert made.moved_from_default == {month.partition: 3}
    assert made.left_in_default == 0
    assert {await where_is(session, r.id) for r in old} == {month.partition}
    ids = (
        await session.exec(select(MonitoringReading.id).where(MonitoringReading.permit_id == permit.id))
    ).all()
    assert sorted(ids) == sorted(r.id for r in old)  # the same rows, ids kept


@postgresql_only
async def test_a_month_and_a_year_read_only_their_own_partitions(session):
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise)
    staff = actor(await make_user(session, "enterprise_staff", enterprise=enterprise))
    now = utcnow()
    this_month = Month.of(now)
    await ensure_partitions(session, months_ahead=1, since=Month(this_month.year - 1, 1).start, now=now)
    for back in range(1, 14):
        month = this_month.plus(-back)
        session.add_all(reading(permit, month.start + timedelta(days=3, hours=h)) for h in range(4))
    await session.flush()
    connection = await session.connection()
    await connection.exec_driver_sql("ANALYZE monitoring_reading")

    month = this_month.plus(-2)
    ledger_month = await partitions_read(
        session,
        lambda: period.actual_emissions(
            session, staff, permit_number=permit.number, start=month.start, end=month.end
        ),
    )
    assert ledger_month and all(found == {month.partition} for found in ledger_month), ledger_month
    page = await partitions_read(
        session,
        lambda: readings_page(
            session,
            operator(),
            permit_number=permit.number,
            filters=ReadingFilters(start=month.start, end=month.end),
            first=50,
        ),
    )
    assert page and all(found == {month.partition} for found in page), page

    year = this_month.year - 1
    year_start, year_end = datetime(year, 1, 1, tzinfo=CHINA), datetime(year + 1, 1, 1, tzinfo=CHINA)
    emissions = await partitions_read(
        session,
        lambda: period.actual_emissions(
            session, staff, permit_number=permit.number, start=year_start, end=year_end
        ),
    )
    assert emissions and all(found and found <= months_between(year_start, year_end) for found in emissions)
    assert set().union(*emissions) == months_between(year_start, year_end) & {
        m.partition for m in await partition_months(session)
    }

    # Recording an hour reads back the series around it and the year's quantity (exceedances): only the
    # partitions of that window and of the year (counted in UTC there: one China month more).
    hour = (now - timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    batch = [
        ReadingInput(
            outlet_code="DA001",
            pollutant="SO2",
            method="automatic",
            measured_at=hour,
            concentration=50,
            unit="mg/m3",
            flow_m3=200_000,
        )
    ]
    ingest = await partitions_read(
        session, lambda: readings.record_readings(session, staff, permit_number=permit.number, readings=batch)
    )
    utc_year = datetime(hour.year, 1, 1, tzinfo=hour.tzinfo)
    allowed = months_between(utc_year, datetime(hour.year + 1, 1, 1, tzinfo=hour.tzinfo))
    assert ingest and all(found <= allowed for found in ingest), ingest
    assert DEFAULT_PARTITION not in set().union(*ingest)


async def archived(session: Any, name: str) -> int:
    return (await session.exec(sa.text(f"SELECT count(*) FROM archive.{name}"))).scalar_one()


@postgresql_only
async def test_months_past_five_years_move_whole_to_the_archive_and_the_window_is_refused(session):
    permit = await make_permit(session)
    now = utcnow()
    kept = window_start(now)  # the oldest month still inside the five years
    old = kept.plus(-2)
    await ensure_partitions(session, months_ahead=0, since=old.start, now=now)
    for month in (old, old.plus(1), kept):
        session.add_all(reading(permit, month.start + timedelta(hours=h)) for h in range(5))
    await session.flush()
    admin = operator("ops")

    dry = await archive_readings(session, admin, before=str(kept), now=now)
    assert not dry.applied
    assert [(m.partition, m.readings) for m in dry.months if m.month >= old] == [
        (old.partition, 5),
        (old.plus(1).partition, 5),
    ]
    assert old in await partition_months(session)  # a dry run moves nothing

    with pytest.raises(ValidationFailed) as inside:
        await archive_readings(session, admin, before=str(kept.plus(1)), apply=True, now=now)
    assert inside.value.errors[0].field == "before"
    assert inside.value.errors[0].code == "readings.inside_retention"
    assert old in await partition_months(session)

    with pytest.raises(PermissionDenied):
        staff = actor(await make_user(session, "enterprise_staff", enterprise=await make_enterprise(session)))
        await archive_readings(session, staff, before=str(kept), apply=True, now=now)

    done = await archive_readings(session, admin, before=str(kept), apply=True, now=now)
    assert done.applied
    months = await partition_months(session)
    assert old not in months and old.plus(1) not in months and kept in months
    assert await archived(session, old.partition) == 5 and await archived(session, old.plus(1).partition) == 5
    in_view = (
        await session.exec(
            sa.text("SELECT count(*) FROM archive.monitoring_reading WHERE permit_id = :id"),
            params={"id": permit.id},
        )
    ).scalar_one()
    assert in_view == 10
    left = (
        await session.exec(
            select(MonitoringReading.measured_at).where(MonitoringReading.permit_id == permit.id)
        )
    ).all()
    assert len(left) == 5 and all(Month.of(moment) == kept for moment in left)  # the window untouched
    entry = (
        await session.exec(select(AuditEntry).where(AuditEntry.action == "ledger.archive_readings"))
    ).one()
    assert entry.actor_username == "ops" and entry.after is not None
    assert f"archive.{old.partition}" in entry.after["partitions"]


@postgresql_only
async def test_the_worker_archives_the_months_past_the_window_only_when_enabled(db, session):
    permit = await make_permit(session)
    now = utcnow()
    old = window_start(now).plus(-1)
    await ensure_partitions(session, months_ahead=0, since=old.start, now=now)
    session.add_all(reading(permit, old.start + timedelta(hours=h)) for h in range(2))
    await session.flush()
    ensured, plan = await upkeep(db, months_ahead=2, archive=False, now=now)
    assert plan is None and old in await partition_months(session)
    assert Month.of(now).plus(2) in await partition_months(session)
    ensured, plan = await upkeep(db, months_ahead=2, archive=True, now=now)
    assert plan is not None and plan.applied and old not in await partition_months(session)
    assert await archived(session, old.partition) == 2
    entry = (
        await session.exec(select(AuditEntry).where(AuditEntry.action == "ledger.archive_readings"))
    ).one()
    assert entry.actor_username == "worker"
    _, again = await upkeep(db, months_ahead=2, archive=True, now=now)
    assert again is not None and not again.applied  # nothing left: no second entry


@pytest.mark.skipif(database_kind() != "sqlite", reason="what SQLite says; PostgreSQL archives (above)")
async def test_on_sqlite_the_archive_says_it_is_for_postgresql(session):
    assert (await ensure_partitions(session)).created == []
    with pytest.raises(NotPartitioned) as caught:
        await archive_readings(session, operator(), before="2019-01")
    assert "PostgreSQL" in caught.value.message


def test_the_command_is_a_dry_run_unless_applied_and_refuses_the_window(cli):
    result = cli("archive-readings", "--before", "2019-01")
    if database_kind() == "sqlite":
        assert result.exit_code == 2
        assert "for PostgreSQL" in result.output
        return
    assert result.exit_code == 0, result.output
    assert "nothing to archive" in result.output  # a fresh database has no month that old
    inside = cli("archive-readings", "--before", str(Month.of(utcnow())), "--apply")
    assert inside.exit_code == 2
    assert "before:" in inside.output and "5 years" in inside.output
    assert cli("archive-readings", "--before", "2019-13").exit_code == 2


@postgresql_only
def test_status_names_the_partitions_and_what_waits_in_the_default_one(cli):
    assert cli("migrate").exit_code == 0
    shown = cli("status")
    assert "monthly partitions" in shown.output
    assert "readings in the default partition: 0" in shown.output
