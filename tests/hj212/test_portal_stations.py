"""The stations pages over HTTP: the unit's administrator registers a station from the ledger, a regulator
reads the stations and refused packets of the jurisdiction (those naming no station included)."""

from __future__ import annotations

from sqlmodel import select

from domain.access import operator
from domain.ledgers.hj212 import protocol
from domain.ledgers.hj212.models import MonitoringStation
from domain.ledgers.hj212.protocol import Frame
from domain.ledgers.hj212.receiver import receive
from domain.ledgers.hj212.stations import StationInput, register_station
from tests.factories import make_enterprise, make_permit, make_user
from tests.hj212.station import MN, an_hour_ago_in_china, hourly
from tests.portal_helpers import log_in, post_form

EN = {"Accept-Language": "en"}


async def test_the_units_administrator_registers_a_station_from_the_ledger(client, session):
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise)
    admin = await make_user(session, "enterprise_admin", enterprise=enterprise)
    await session.commit()
    await log_in(client, admin.username)
    page = await client.get(f"/ledger/{permit.number}", headers=EN)
    assert f'href="/ledger/{permit.number}/stations"' in page.text  # the ledger's tab
    path = f"/ledger/{permit.number}/stations"
    refused = await post_form(
        client,
        path,
        {"outlet_code": "DA001", "mn": "bad mn", "password": "123456", "minute_interval": "x"},
        page=path,
    )
    assert refused.status_code == 400
    assert 'data-field="mn"' in refused.text and 'data-field="minute_interval"' in refused.text
    assert "123456" not in refused.text  # the password is not sent back
    assert (await session.exec(select(MonitoringStation))).first() is None
    sent = await post_form(
        client,
        path,
        {"outlet_code": "DA001", "mn": MN, "password": "123456", "name": "1#炉", "ledger_data": "hourly"},
        page=path,
    )
    assert sent.status_code == 303
    shown = await client.get(path, headers=EN)
    assert f'data-station="{MN}"' in shown.text and "No packet refused." in shown.text


async def test_a_regulator_reads_the_refused_packets_of_the_jurisdiction(client, session, db):
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise)
    await register_station(
        session,
        operator(),
        values=StationInput(permit_number=permit.number, outlet_code="DA001", mn=MN, password="123456"),
    )
    regulator = await make_user(session, "ecology", region_code=permit.region_code)
    elsewhere = await make_user(session, "ecology", region_code="370102")
    await session.commit()
    moment = an_hour_ago_in_china()
    frames = [
        Frame(hourly(moment, {"a21026": 20}, pw="000000")[6:-6]),
        Frame(hourly(moment, {"a21026": 20}, mn="77777770000007")[6:-6]),
        Frame(None, protocol.BAD_CRC, "CRC 0000, computed 1C80"),
    ]
    async with db.transaction() as tx:
        await receive(tx, frames, peer="192.0.2.8:4000", region_code=permit.region_code)
    await log_in(client, regulator.username)
    page = await client.get("/stations", headers=EN)
    assert page.status_code == 200
    assert page.text.count("<tr data-reason=") == 3
    assert "Wrong access password" in page.text and "No registered station has this MN" in page.text
    assert f'data-station="{MN}"' in page.text
    client.cookies.clear()
    await log_in(client, elsewhere.username)
    other = await client.get("/stations", headers=EN)
    assert "<tr data-reason=" not in other.text and f'data-station="{MN}"' not in other.text
