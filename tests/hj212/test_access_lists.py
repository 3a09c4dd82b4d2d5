"""The stations list and the refused packets list show exactly the rows ``can(LEDGER_VIEW)`` allows: the
SQL filter of ``stations_overview`` compared with ``can()`` row by row, for every kind of reader."""

from __future__ import annotations

import pytest
from sqlmodel import select

from domain.access import ANONYMOUS, Actor, Operation, Role, Target, can, operator
from domain.errors import NotAuthenticated
from domain.ledgers.hj212 import protocol
from domain.ledgers.hj212.models import MonitoringStation, StationRejection
from domain.ledgers.hj212.protocol import Frame
from domain.ledgers.hj212.queries import stations_overview
from domain.ledgers.hj212.receiver import receive
from domain.ledgers.hj212.stations import StationInput, register_station
from tests.factories import make_enterprise, make_permit
from tests.hj212.station import an_hour_ago_in_china, hourly


async def test_the_lists_filter_as_can_does(session):
    here = await make_enterprise(session)
    there = await make_enterprise(session, region_code="370102", registered_address="济南市历下区1号")
    permits = [await make_permit(session, here), await make_permit(session, there)]
    for number, permit in enumerate(permits, start=1):
        await register_station(
            session,
            operator(),
            values=StationInput(
                permit_number=permit.number, outlet_code="DA001", mn=f"M{number}", password="123456"
            ),
        )
    moment = an_hour_ago_in_china()
    frames = [
        Frame(hourly(moment, {"a21026": 1}, mn="M1", pw="x")[6:-6]),
        Frame(hourly(moment, {"a21026": 1}, mn="M2", pw="x")[6:-6]),
        Frame(None, protocol.BAD_CRC, "CRC 0000, computed 1C80"),
    ]
    await receive(session, frames, region_code="310107")
    await receive(session, frames[2:], region_code=None)  # a listener that names no region
    stations = (await session.exec(select(MonitoringStation))).all()
    rejections = (await session.exec(select(StationRejection))).all()
    assert len(stations) == 2 and len(rejections) == 4
    readers = [
        operator(),
        Actor(user_id=1, username="r1", role=Role.ECOLOGY, region_code="310107"),
        Actor(user_id=2, username="r2", role=Role.ENFORCEMENT, region_code="3701"),
        Actor(user_id=3, username="r3", role=Role.PERMITTING, region_code="440300"),
        Actor(user_id=4, username="s1", role=Role.ENTERPRISE_STAFF, enterprise_id=here.id),
        Actor(user_id=5, username="s2", role=Role.ENTERPRISE_ADMIN, enterprise_id=there.id),
        Actor(
            user_id=6,
            username="a1",
            role=Role.AGENCY_STAFF,
            agency_id=1,
            authorisations=frozenset({(here.id, "ledger")}),
        ),
        Actor(
            user_id=7,
            username="a2",
            role=Role.AGENCY_STAFF,
            agency_id=2,
            authorisations=frozenset({(there.id, "reports")}),
        ),
    ]
    for reader in readers:
        found = await stations_overview(session, reader)
        expected_stations = {
            s.id
            for s in stations
            if can(reader, Operation.LEDGER_VIEW, Target(s.enterprise_id, s.region_code))
        }
        expected_rejections = {
            r.id
            for r in rejections
            if can(reader, Operation.LEDGER_VIEW, Target(r.enterprise_id, r.region_code))
        }
        assert {s.id for s in found.stations} == expected_stations, reader.username
        assert {r.id for r in found.rejections} == expected_rejections, reader.username
    regional = await stations_overview(session, readers[1])
    assert len(regional.rejections) == 2  # its station's wrong password and the unattributed bad CRC
    with pytest.raises(NotAuthenticated):
        await stations_overview(session, ANONYMOUS)
