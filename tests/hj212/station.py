"""A simulated online monitoring station (数采仪) talking HJ 212-2017 to the listener over loopback."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

from domain.access import operator
from domain.clock import CHINA, utcnow
from domain.ledgers.hj212 import protocol
from domain.ledgers.hj212.stations import StationInput, register_station
from server.hj212 import Listener
from tests.factories import make_enterprise, make_permit

MN = "88888880000001"
PASSWORD = "123456"


def an_hour_ago_in_china(hours: int = 3) -> datetime:
    """A whole China-time hour some hours back (a station's clock is China time)."""
    return (utcnow() - timedelta(hours=hours)).astimezone(CHINA).replace(minute=0, second=0, microsecond=0)


def qn_of(moment: datetime, sequence: int = 0) -> str:
    return f"{moment.astimezone(CHINA):%Y%m%d%H%M%S}{sequence % 1000:03d}"


def hourly(
    moment: datetime,
    values: dict[str, float],
    *,
    mn: str = MN,
    pw: str = PASSWORD,
    cn: str = protocol.HOURLY,
    flag: str = "N",
    sequence: int = 0,
) -> bytes:
    """An upload of averages (ZsAvg for air) with each value's flag, asking for a reply."""
    items = {
        code: {"ZsAvg" if code.startswith("a") else "Avg": f"{value:g}", "Flag": flag}
        for code, value in values.items()
    }
    segment = protocol.data_segment(
        qn=qn_of(moment, sequence), cn=cn, pw=pw, mn=mn, data_time=moment, values=items
    )
    return protocol.frame(segment)


async def prepare(session, *, ledger_data: str = "hourly", minute_interval: int = 10):  # type: ignore[no-untyped-def]
    """A unit with a permit in force (DA001: SO2 35, NOx 50, PM 10 mg/m³) and a station on DA001."""
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise)
    station = await register_station(
        session,
        operator(),
        values=StationInput(
            permit_number=permit.number,
            outlet_code="DA001",
            mn=MN,
            password=PASSWORD,
            name="1#锅炉烟气在线监测",
            ledger_data=ledger_data,
            minute_interval=minute_interval,
        ),
    )
    await session.commit()
    return enterprise, permit, station


class Station:
    """One TCP connection to the listener; replies are read by a task so a burst never blocks."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.replies = bytearray()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None
        self._arrived = asyncio.Event()

    async def __aenter__(self) -> Station:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self._task = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self.reader is not None
        while chunk := await self.reader.read(65536):
            self.replies += chunk
            self._arrived.set()

    async def send(self, *packets: bytes) -> None:
        assert self.writer is not None
        self.writer.write(b"".join(packets))
        await self.writer.drain()

    async def replies_count(self, expected: int, within: float = 60.0) -> int:
        """Wait until ``expected`` replies came (or ``within`` seconds passed); returns how many did."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                while self.replies.count(b"\r\n") < expected:
                    self._arrived.clear()
                    await self._arrived.wait()
        return self.replies.count(b"\r\n")

    async def settle(self, listener: Listener, packets: int, within: float = 30.0) -> None:
        """Wait until the listener has handled ``packets`` packets in all (refused ones get no reply)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                while listener.counters.packets < packets:  # noqa: ASYNC110 (the listener's counters are plain ints)
                    await asyncio.sleep(0.01)

    async def __aexit__(self, *_: object) -> None:
        assert self.writer is not None
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()
        if self._task is not None:
            self._task.cancel()
