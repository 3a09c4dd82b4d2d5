"""`permitwatch hj212` over loopback: a simulated station's packets become ledger readings, or are refused
with their reason; replies as HJ 212-2017 asks (CN 9014 when Flag bit A is set)."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from sqlmodel import col, func, select

from domain.access import Actor, Role
from domain.ledgers.hj212 import protocol
from domain.ledgers.hj212.models import MonitoringStation, StationRejection
from domain.ledgers.models import Exceedance, MonitoringReading
from domain.ledgers.queries.records import readings as ledger_readings
from domain.ledgers.rules import aware
from server.hj212 import Listener
from tests.hj212.station import MN, Station, an_hour_ago_in_china, hourly, prepare


@pytest.fixture
async def listener(db):  # type: ignore[no-untyped-def]
    listener = Listener(db, region_code="310107", idle_timeout=5)
    await listener.start("127.0.0.1", 0)
    yield listener
    await listener.close()


async def count(session, model, *where) -> int:  # type: ignore[no-untyped-def]
    return (await session.exec(select(func.count()).select_from(model).where(*where))).one()


async def rejections(session) -> list[StationRejection]:  # type: ignore[no-untyped-def]
    return list((await session.exec(select(StationRejection).order_by(col(StationRejection.id)))).all())


async def test_hourly_packets_land_in_the_units_ledger_and_are_answered(session, listener):
    enterprise, permit, _ = await prepare(session)
    start = an_hour_ago_in_china(5)
    packets = [
        hourly(start + timedelta(hours=h), {"a21026": 20 + h, "a21002": 30, "a01012": 120}) for h in range(3)
    ]
    async with Station(listener.port) as station:
        await station.send(*packets)
        assert await station.replies_count(3) == 3
    replies = bytes(station.replies).split(b"\r\n")[:3]
    for reply in replies:
        assert b"ST=91;CN=9014;" in reply and f"MN={MN}".encode() in reply
        segment = reply[6:-4]
        assert int(reply[-4:], 16) == protocol.crc16(segment)  # the reply is framed and checked like a packet
    staff = Actor(user_id=1, username="staff", role=Role.ENTERPRISE_STAFF, enterprise_id=enterprise.id)
    page = await ledger_readings(session, staff, permit_number=permit.number, outlet="DA001", pollutant="SO2")
    assert sorted(r.concentration for r in page.items) == [20, 21, 22]
    assert {r.method for r in page.items} == {"automatic"}
    assert {r.source for r in page.items} == {"hj212"}
    assert {r.entered_by for r in page.items} == {f"hj212:{MN}"}
    first = min(page.items, key=lambda r: r.measured_at)
    assert aware(first.measured_at) == start  # DataTime is the station's China time
    assert aware(first.period_end) - aware(first.measured_at) == timedelta(hours=1)
    assert await count(session, MonitoringReading) == 6  # SO2 and NOx; temperature is no pollutant
    station_row = (await session.exec(select(MonitoringStation))).one()
    await session.refresh(station_row)
    assert station_row.packets_accepted == 3


async def test_an_hourly_value_above_the_permit_limit_opens_an_exceedance(session, listener):
    _, permit, _ = await prepare(session)
    start = an_hour_ago_in_china(4)
    async with Station(listener.port) as station:
        await station.send(
            hourly(start, {"a21026": 20}), hourly(start + timedelta(hours=1), {"a21026": 48.5})
        )
        assert await station.replies_count(2) == 2
    exceedances = (await session.exec(select(Exceedance).where(Exceedance.permit_id == permit.id))).all()
    assert len(exceedances) == 1
    assert (exceedances[0].pollutant, exceedances[0].max_value, exceedances[0].limit_value) == (
        "SO2",
        48.5,
        35,
    )
    assert exceedances[0].status == "open"


async def test_a_packet_with_a_bad_crc_is_refused_recorded_and_not_answered(session, listener):
    await prepare(session)
    good = hourly(an_hour_ago_in_china(), {"a21026": 20})
    bad = good[:-6] + (b"0000" if good[-6:-2] != b"0000" else b"0001") + b"\r\n"
    async with Station(listener.port) as station:
        await station.send(bad)
        await station.settle(listener, 1)
        await asyncio.sleep(0.05)
    assert station.replies == b""
    assert await count(session, MonitoringReading) == 0
    [rejection] = await rejections(session)
    assert rejection.reason == protocol.BAD_CRC
    assert "computed" in rejection.detail
    assert rejection.region_code == "310107"  # read by the listener's region: the packet names nobody


async def test_unknown_mn_and_wrong_password_are_refused_with_their_reason(session, listener):
    _, permit, station_row = await prepare(session)
    moment = an_hour_ago_in_china()
    async with Station(listener.port) as station:
        await station.send(
            hourly(moment, {"a21026": 20}, mn="99999990000009"), hourly(moment, {"a21026": 20}, pw="654321")
        )
        await station.settle(listener, 2)
    assert station.replies == b""
    assert await count(session, MonitoringReading) == 0
    unknown, wrong = await rejections(session)
    assert (unknown.reason, unknown.mn, unknown.station_id) == (protocol.UNKNOWN_MN, "99999990000009", None)
    assert (wrong.reason, wrong.mn, wrong.station_id) == (protocol.WRONG_PASSWORD, MN, station_row.id)
    assert wrong.enterprise_id == permit.enterprise_id  # the unit sees its own station's refusals
    assert "654321" not in wrong.detail  # the password sent is never stored


async def test_a_code_nobody_knows_refuses_the_packet_and_names_the_code(session, listener):
    await prepare(session)
    async with Station(listener.port) as station:
        await station.send(hourly(an_hour_ago_in_china(), {"a21026": 20, "a99123": 3}))
        await station.settle(listener, 1)
    assert await count(session, MonitoringReading) == 0
    [rejection] = await rejections(session)
    assert rejection.reason == protocol.UNKNOWN_POLLUTANT and "a99123" in rejection.detail


async def test_a_value_the_ledger_refuses_refuses_its_packet_only(session, listener):
    await prepare(session)
    start = an_hour_ago_in_china(4)
    async with Station(listener.port) as station:
        await station.send(
            hourly(start, {"a21026": 20}),
            hourly(start + timedelta(hours=1), {"a21026": -5}),  # a negative concentration
            hourly(start + timedelta(hours=2), {"a21026": 21}),
        )
        assert await station.replies_count(2) == 2
        await station.settle(listener, 3)
    assert await count(session, MonitoringReading) == 2
    [rejection] = await rejections(session)
    assert rejection.reason == protocol.REFUSED_READINGS and "negative" in rejection.detail


async def test_values_flagged_as_maintenance_or_fault_are_answered_but_not_kept(session, listener):
    await prepare(session)
    async with Station(listener.port) as station:
        await station.send(hourly(an_hour_ago_in_china(), {"a21026": 20}, flag="M"))
        assert await station.replies_count(1) == 1
    assert await count(session, MonitoringReading) == 0
    assert await rejections(session) == []


async def test_a_replayed_packet_is_answered_again_and_stored_once(session, listener):
    await prepare(session)
    moment = an_hour_ago_in_china()
    packet = hourly(moment, {"a21026": 20, "a21002": 30})
    resent_with_new_qn = hourly(moment, {"a21026": 20, "a21002": 30}, sequence=7)
    async with Station(listener.port) as station:
        await station.send(packet)
        assert await station.replies_count(1) == 1
        await station.send(packet, resent_with_new_qn)
        assert await station.replies_count(3) == 3
    assert await count(session, MonitoringReading) == 2
    assert await rejections(session) == []


async def test_a_days_minute_data_in_one_burst_is_stored_exactly_once(session, listener):
    _, permit, _ = await prepare(session, ledger_data="minute", minute_interval=1)
    start = an_hour_ago_in_china(30)
    packets = [
        hourly(
            start + timedelta(minutes=m), {"a21026": 20 + m % 7, "a21002": 30}, cn=protocol.MINUTE, sequence=m
        )
        for m in range(1440)
    ]
    began = time.perf_counter()
    async with Station(listener.port) as station:
        await station.send(*packets)
        answered = await station.replies_count(1440, within=120)
    elapsed = time.perf_counter() - began
    print(
        f"\nHJ 212 burst: 1440 minute packets (2880 readings) in {elapsed:.2f} s,",
        f"{1440 / elapsed:.0f} packets/s",
    )
    assert answered == 1440
    assert listener.counters.accepted == 1440
    assert await count(session, MonitoringReading, MonitoringReading.permit_id == permit.id) == 2880
    assert await count(session, MonitoringReading, MonitoringReading.pollutant == "SO2") == 1440
    assert await rejections(session) == []


async def test_hourly_data_of_a_minute_station_is_answered_and_not_counted_twice(session, listener):
    await prepare(session, ledger_data="minute", minute_interval=60)
    moment = an_hour_ago_in_china()
    async with Station(listener.port) as station:
        await station.send(
            hourly(moment, {"a21026": 20}), hourly(moment, {"a21026": 20}, cn=protocol.REALTIME)
        )
        assert await station.replies_count(2) == 2
    assert await count(session, MonitoringReading) == 0


async def test_a_silent_connection_is_closed_after_the_idle_timeout(db):
    listener = Listener(db, idle_timeout=0.2)
    await listener.start("127.0.0.1", 0)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
        assert await asyncio.wait_for(reader.read(10), 3) == b""  # the listener hung up
        writer.close()
    finally:
        await listener.close()


async def test_connections_past_the_limit_are_closed_at_once(db):
    listener = Listener(db, max_connections=1, idle_timeout=5)
    await listener.start("127.0.0.1", 0)
    try:
        _, first = await asyncio.open_connection("127.0.0.1", listener.port)
        await asyncio.sleep(0.05)
        reader, second = await asyncio.open_connection("127.0.0.1", listener.port)
        assert await asyncio.wait_for(reader.read(10), 3) == b""
        assert listener.counters.refused_connections == 1
        first.close()
        second.close()
    finally:
        await listener.close()


async def test_a_connection_sending_only_refused_packets_is_cut_off(db):
    listener = Listener(db, idle_timeout=5, max_refusals=10)
    await listener.start("127.0.0.1", 0)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
        noise = protocol.frame("ST=31;CN=2061;PW=1;MN=NOBODY;CP=&&&&")
        for _ in range(10):
            writer.write(noise)
            await writer.drain()
        assert await asyncio.wait_for(reader.read(10), 5) == b""  # the listener hung up
        writer.close()
    finally:
        await listener.close()
    assert listener.counters.cut_off == 1 and listener.counters.refused == 10
