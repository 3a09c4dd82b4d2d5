"""Keeping the ledger: readings in bulk, corrections that keep history, exceedances, gaps, emissions."""

from datetime import datetime, timedelta

import pytest
from sqlmodel import func, select

from domain.audit.models import AuditEntry
from domain.clock import as_utc, utcnow
from domain.errors import NotFound, PermissionDenied, ValidationFailed
from domain.ledgers.entry_rules import EntryInput
from domain.ledgers.models import Exceedance, LedgerEntryRevision, MonitoringReading
from domain.ledgers.queries import exceedances as exceedance_queries
from domain.ledgers.queries import period, records
from domain.ledgers.rules import ReadingInput
from domain.ledgers.service import entries, exceedances, readings
from tests.factories import actor, make_enterprise, make_permit, make_user


async def setup(session):
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise)
    staff = actor(await make_user(session, "enterprise_staff", enterprise=enterprise))
    return permit, staff


def hours(start, values, **extra):
    return [
        ReadingInput(
            outlet_code="DA001",
            pollutant="SO2",
            method="automatic",
            measured_at=start + timedelta(hours=i),
            concentration=v,
            unit="mg/m3",
            flow_m3=200_000,
            **extra,
        )
        for i, v in enumerate(values)
    ]


def day_start(days_back: int) -> datetime:
    """Midnight in China, days_back days ago (ledger days are China calendar days)."""
    from domain.clock import CHINA

    today = utcnow().astimezone(CHINA).replace(minute=0, second=0, microsecond=0, hour=0)
    return today - timedelta(days=days_back)


async def count(session, model):
    return (await session.exec(select(func.count()).select_from(model))).one()


async def test_a_batch_of_hourly_readings_is_written_and_an_exceedance_opened(session):
    permit, staff = await setup(session)
    start = day_start(3)
    result = await readings.record_readings(
        session, staff, permit_number=permit.number, readings=hours(start, [20, 30, 40, 45, 30, 20])
    )
    assert result.written == 6 and result.exceedances_opened == 1
    [exceedance] = (await session.exec(select(Exceedance))).all()
    assert (exceedance.reading_count, exceedance.max_value, exceedance.limit_value) == (2, 45, 35)
    assert exceedance.status == "open"
    assert (await session.exec(select(AuditEntry).where(AuditEntry.action == "ledger.readings"))).one()


async def test_one_bad_reading_refuses_the_whole_batch_and_names_it(session):
    permit, staff = await setup(session)
    batch = hours(day_start(2), [20, 21, 22])
    batch[1] = ReadingInput(
        outlet_code="DA001",
        pollutant="COD",
        method="automatic",
        measured_at=batch[1].measured_at,
        concentration=5,
        unit="mg/m3",
    )
    with pytest.raises(ValidationFailed) as caught:
        await readings.record_readings(session, staff, permit_number=permit.number, readings=batch)
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("readings[1].pollutant", "unknown_pollutant_at_point")
    ]
    assert await count(session, MonitoringReading) == 0


async def test_the_same_hour_cannot_be_recorded_twice_but_can_be_corrected_with_history(session):
    permit, staff = await setup(session)
    start = day_start(2)
    await readings.record_readings(session, staff, permit_number=permit.number, readings=hours(start, [0.43]))
    with pytest.raises(ValidationFailed) as caught:
        await readings.record_readings(
            session, staff, permit_number=permit.number, readings=hours(start, [0.13])
        )
    assert caught.value.errors[0].code == "already_recorded"
    original = (await session.exec(select(MonitoringReading))).one()
    corrected = await readings.correct_reading(
        session, staff, reading_id=original.id, corrected=hours(start, [0.45])[0], reason="仪表校准后重新计算"
    )
    await session.refresh(original)
    assert original.voided_at is not None and original.void_reason == "仪表校准后重新计算"
    assert corrected.replaces_id == original.id and corrected.concentration == 0.45
    page = await records.readings(session, staff, permit_number=permit.number, include_void=True)
    assert page.total == 2  # nothing was lost


async def test_a_regulator_reads_but_never_writes_a_units_ledger(session):
    permit, _staff = await setup(session)
    regulator = actor(await make_user(session, "enforcement", region_code="310107"))
    with pytest.raises(PermissionDenied):
        await readings.record_readings(
            session, regulator, permit_number=permit.number, readings=hours(day_start(1), [1])
        )
    page = await records.readings(session, regulator, permit_number=permit.number)
    assert page.total == 0
    stranger = actor(await make_user(session, "enterprise_admin"))
    with pytest.raises(NotFound):
        await records.readings(session, stranger, permit_number=permit.number)


async def test_an_exceedance_stays_open_until_cause_and_measures_are_recorded(session):
    permit, staff = await setup(session)
    await readings.record_readings(
        session, staff, permit_number=permit.number, readings=hours(day_start(2), [60])
    )
    exceedance = (await session.exec(select(Exceedance))).one()
    with pytest.raises(ValidationFailed) as caught:
        await exceedances.explain_exceedance(
            session, staff, exceedance_id=exceedance.id, cause="", measures=""
        )
    assert {e.field for e in caught.value.errors} == {"cause", "measures"}
    await exceedances.explain_exceedance(
        session,
        staff,
        exceedance_id=exceedance.id,
        cause="脱硫浆液循环泵故障",
        measures="切换备用泵，加强巡检",
    )
    assert exceedance.status == "explained" and exceedance.explained_by == staff.username
    regulator = actor(await make_user(session, "ecology", region_code="310107"))
    warnings = await exceedance_queries.list_exceedances(session, regulator)
    assert [e.id for e, _ in warnings.items] == [exceedance.id]
    elsewhere = actor(await make_user(session, "ecology", region_code="370100"))
    assert (await exceedance_queries.list_exceedances(session, elsewhere)).total == 0


async def test_a_years_quantity_above_the_permitted_one_opens_an_annual_exceedance(session):
    permit, staff = await setup(session)
    # 120.5 t/a SO2 permitted: 3 hours of 60 t each is 180 t (the quantity as measured, within the
    # plausible 10,000 t of one reading; docs/reading-bounds.md).
    batch = [
        ReadingInput(
            outlet_code="DA001",
            pollutant="SO2",
            method="automatic",
            measured_at=day_start(1) + timedelta(hours=i),
            concentration=30,
            unit="mg/m3",
            quantity=60,
            quantity_unit="t",
        )
        for i in range(3)
    ]
    await readings.record_readings(session, staff, permit_number=permit.number, readings=batch)
    annual = (await session.exec(select(Exceedance).where(Exceedance.kind == "annual_quantity"))).one()
    assert annual.limit_value == 120.5 and annual.max_value == pytest.approx(180.0) and annual.unit == "t"


async def test_the_permitted_annual_quantity_is_counted_by_china_calendar_year(session):
    """The hours either side of the China new year count in their own years: 100 t on 31 December and
    100 t in the first hours of 1 January (still 31 December in UTC) are each within 120.5 t a year;
    a UTC year would have added them up and warned of an annual exceedance that did not happen."""
    from domain.clock import CHINA

    permit, staff = await setup(session)
    new_year = datetime(utcnow().astimezone(CHINA).year, 1, 1, tzinfo=CHINA)

    def tonnes(start, count):
        return [
            ReadingInput(
                outlet_code="DA001",
                pollutant="SO2",
                method="automatic",
                measured_at=start + timedelta(hours=i),
                concentration=30,
                unit="mg/m3",
                quantity=50,
                quantity_unit="t",
            )
            for i in range(count)
        ]

    batch = tonnes(new_year - timedelta(hours=2), 2) + tonnes(new_year, 2)  # 22:00-24:00, then 00:00-02:00
    await readings.record_readings(session, staff, permit_number=permit.number, readings=batch)
    annual = select(Exceedance).where(Exceedance.kind == "annual_quantity")
    assert (await session.exec(annual)).all() == []
    # Two more hours on 1 January pass the year's 120.5 t: the exceedance is the new year's.
    await readings.record_readings(
        session, staff, permit_number=permit.number, readings=tonnes(new_year + timedelta(hours=2), 1)
    )
    exceedance = (await session.exec(annual)).one()
    assert exceedance.max_value == pytest.approx(150.0)
    assert as_utc(exceedance.started_at) == new_year


async def test_editing_an_entry_keeps_every_revision_and_voiding_keeps_the_entry(session):
    permit, staff = await setup(session)
    start = day_start(1)
    entry = await entries.record_entry(
        session,
        staff,
        permit_number=permit.number,
        data=EntryInput(
            kind="production_facility",
            subject="1#燃煤锅炉",
            period_start=start,
            period_end=start + timedelta(hours=24),
            data={"status": "正常运行", "hours": 24, "load_percent": 85},
        ),
    )
    with pytest.raises(ValidationFailed):  # a revision needs its reason
        await entries.revise_entry(
            session,
            staff,
            entry_id=entry.id,
            note="",
            expected_revision=1,
            data=EntryInput(
                kind="production_facility",
                subject="1#燃煤锅炉",
                period_start=start,
                data={"status": "正常运行", "hours": 20},
            ),
        )
    await entries.revise_entry(
        session,
        staff,
        entry_id=entry.id,
        note="运行小时数记错",
        expected_revision=1,
        data=EntryInput(
            kind="production_facility",
            subject="1#燃煤锅炉",
            period_start=start,
            data={"status": "正常运行", "hours": 20},
        ),
    )
    revisions = await records.entry_revisions(session, staff, entry_id=entry.id)
    assert [(r.revision, r.data["hours"]) for r in revisions] == [(2, 20), (1, 24)]
    await entries.void_entry(session, staff, entry_id=entry.id, reason="重复录入")
    assert entry.voided_at is not None and await count(session, LedgerEntryRevision) == 2


async def test_bad_entries_are_refused_with_their_field(session):
    permit, staff = await setup(session)
    now = utcnow()
    with pytest.raises(ValidationFailed) as caught:
        await entries.record_entry(
            session,
            staff,
            permit_number=permit.number,
            data=EntryInput(
                kind="abnormal",
                subject="脱硫系统",
                period_start=now - timedelta(hours=1),
                period_end=now - timedelta(hours=2),
                data={"description": "停运"},
            ),
        )
    assert {e.field for e in caught.value.errors} == {"period_end", "data.cause", "data.measures"}


async def test_completeness_finds_missing_hours_and_days(session):
    permit, staff = await setup(session)
    start = day_start(2)
    end = start + timedelta(days=1)
    values = [20.0] * 24
    batch = [r for i, r in enumerate(hours(start, values)) if i not in (5, 6, 7)]
    await readings.record_readings(session, staff, permit_number=permit.number, readings=batch)
    items = await period.completeness(session, staff, permit_number=permit.number, start=start, end=end)
    so2 = next(i for i in items if i.label == "DA001 SO2")
    assert (so2.expected, so2.recorded) == (24, 21)
    assert [(g.first_missing, g.missing) for g in so2.gaps] == [(start + timedelta(hours=5), 3)]
    production = next(i for i in items if i.kind == "production_facility")
    assert production.recorded == 0 and production.gaps[0].missing == 1


async def test_actual_emissions_say_which_method_each_figure_used(session):
    permit, staff = await setup(session)
    start = day_start(2)
    end = start + timedelta(days=1)
    await readings.record_readings(
        session, staff, permit_number=permit.number, readings=hours(start, [20.0] * 24)
    )
    await readings.record_readings(
        session,
        staff,
        permit_number=permit.number,
        readings=[
            ReadingInput(
                outlet_code="DW001",
                pollutant="COD",
                method="manual",
                measured_at=start + timedelta(hours=9),
                concentration=120,
                unit="mg/L",
                quantity=3.5,
                quantity_unit="kg",
            )
        ],
    )
    figures = {
        (f.outlet_code, f.pollutant): f
        for f in await period.actual_emissions(
            session, staff, permit_number=permit.number, start=start, end=end
        )
    }
    so2 = figures[("DA001", "SO2")]
    assert so2.method == "automatic" and so2.quantity_kg == pytest.approx(24 * 20 * 200_000 / 1e6)
    assert figures[("DA001", "NOX")].method == "missing"  # required automatic data absent, no estimate
    assert figures[("DW001", "COD")].method == "manual" and figures[("DW001", "COD")].quantity_kg == 3.5


async def test_times_are_stored_timezone_aware(session):
    permit, staff = await setup(session)
    naive = datetime.now() - timedelta(days=1)  # noqa: DTZ005 - a client sending a naive time
    await readings.record_readings(
        session,
        staff,
        permit_number=permit.number,
        readings=[
            ReadingInput(
                outlet_code="DA001",
                pollutant="SO2",
                method="automatic",
                measured_at=naive.replace(tzinfo=None),
                concentration=1,
                unit="mg/m3",
            )
        ],
    )
    stored = (await session.exec(select(MonitoringReading))).one()
    assert stored.measured_at.utcoffset() == timedelta(0)  # a naive time from a client is read as UTC
    assert stored.entered_at.utcoffset() == timedelta(0)
