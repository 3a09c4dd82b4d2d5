"""Registering and changing a station: who may, what is checked, what is kept."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from domain.access import operator
from domain.audit.models import AuditEntry
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from domain.ledgers.hj212.models import MonitoringStation, MonitoringStationRevision
from domain.ledgers.hj212.stations import StationInput, change_station, password_matches, register_station
from tests.factories import actor, make_enterprise, make_permit, make_user


def station_values(permit, **overrides) -> StationInput:  # type: ignore[no-untyped-def]
    values = {
        "permit_number": permit.number,
        "outlet_code": "DA001",
        "mn": "88888880000001",
        "password": "123456",
    }
    values.update(overrides)
    return StationInput(**values)


async def test_the_units_administrator_registers_a_station_and_the_password_is_kept_hashed(session):
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise)
    admin = actor(await make_user(session, "enterprise_admin", enterprise=enterprise))
    station = await register_station(session, admin, values=station_values(permit, outlet_code="da001"))
    assert (station.outlet_code, station.enterprise_id, station.region_code) == (
        "DA001",
        enterprise.id,
        permit.region_code,
    )
    assert "123456" not in station.password_hash and password_matches(station, "123456")
    assert not password_matches(station, "123457")
    [revision] = (await session.exec(select(MonitoringStationRevision))).all()
    assert revision.changed_by == admin.username and revision.data["outlet_code"] == "DA001"
    entry = (
        await session.exec(select(AuditEntry).where(AuditEntry.action == "hj212.register_station"))
    ).one()
    assert entry.actor_username == admin.username and "123456" not in str(entry.after)
    assert entry.enterprise_id == enterprise.id  # on the unit's trail


async def test_every_problem_of_a_registration_is_named_at_once(session):
    permit = await make_permit(session)
    with pytest.raises(ValidationFailed) as raised:
        await register_station(
            session,
            operator(),
            values=station_values(
                permit,
                outlet_code="DA009",
                mn="bad mn!",
                password="12;34",
                ledger_data="yearly",
                minute_interval=0,
                code_overrides={"a21026": "XYZ"},
            ),
        )
    fields = {error.field for error in raised.value.errors}
    assert fields == {"outlet_code", "mn", "password", "ledger_data", "minute_interval", "code_overrides"}


async def test_an_mn_is_registered_once(session):
    permit = await make_permit(session)
    await register_station(session, operator(), values=station_values(permit))
    with pytest.raises(Conflict) as raised:
        await register_station(session, operator(), values=station_values(permit, outlet_code="DW001"))
    assert raised.value.field == "mn"


async def test_staff_may_not_register_and_another_regions_regulator_sees_no_permit(session):
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise)
    staff = actor(await make_user(session, "enterprise_staff", enterprise=enterprise))
    with pytest.raises(PermissionDenied):
        await register_station(session, staff, values=station_values(permit))
    elsewhere = actor(await make_user(session, "monitoring_station", region_code="370102"))
    with pytest.raises(NotFound):
        await register_station(session, elsewhere, values=station_values(permit))
    here = actor(await make_user(session, "monitoring_station", region_code=permit.region_code))
    assert (await register_station(session, here, values=station_values(permit))).id is not None


async def test_a_change_keeps_the_previous_registration_as_a_revision(session):
    permit = await make_permit(session)
    await register_station(session, operator(), values=station_values(permit))
    changed = await change_station(
        session,
        operator(),
        mn="88888880000001",
        values=StationInput(password="654321", outlet_code="DW001", active=False),
    )
    assert changed.revision == 2 and changed.outlet_code == "DW001" and not changed.active
    assert password_matches(changed, "654321")
    revisions = (
        await session.exec(
            select(MonitoringStationRevision).order_by(col(MonitoringStationRevision.revision))
        )
    ).all()
    assert [r.data["outlet_code"] for r in revisions] == ["DA001", "DW001"]
    assert (await session.exec(select(MonitoringStation))).one().active is False
