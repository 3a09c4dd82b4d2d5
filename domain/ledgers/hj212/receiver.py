"""What the platform does with the packets a station sends (docs/integrators.md, "Sending data").

``receive`` takes the packets that arrived together on one connection and handles them in the caller's
transaction, like the filing desk: the readings of each station go through ``record_readings`` (the one
write path of readings, the one file imports use) in one batch, so they are checked by the same rules,
written in bulk and open exceedances the same way; each packet still gets its own answer.

- A packet is refused, with its reason in ``station_rejection``, when its CRC or framing is wrong, its MN
  is not a registered active station, its PW is not the station's, a code in it is unknown, or the
  ledger's checks refuse one of its values. A refused packet gets no reply (the station keeps it and
  sends it again, HJ 212-2017 6.6.3).
- Accepted: the data kind the station feeds the ledger with (``ledger_data``: hourly 2061 by default,
  or minute 2051) is written as automatic readings; other data (real-time 2011, daily 2031, minute data
  of an hourly station, status uploads) is accepted and not kept: one granularity per series, or a
  year's quantity would be counted twice.
- Idempotent by outlet, pollutant and time (the ledger's own key): a packet sent again, with the same QN
  or a new one, writes nothing more and is answered again, so a station that missed the reply stops
  resending. Readings of a time already in the ledger are left as they are (a correction goes through
  the ledger's correction, with its reason).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Role
from domain.clock import utcnow
from domain.db import insert_rows
from domain.errors import DomainError, ValidationFailed
from domain.i18n import translate
from domain.ledgers.hj212 import protocol
from domain.ledgers.hj212.codes import LEDGER_DATA, PERIODS, readings_of
from domain.ledgers.hj212.models import MonitoringStation, StationRejection
from domain.ledgers.hj212.protocol import Frame, Packet, PacketError
from domain.ledgers.hj212.stations import password_matches
from domain.ledgers.lookup import permit_points
from domain.ledgers.rules import ReadingInput
from domain.ledgers.service.readings import record_readings
from domain.permits.models import Permit

REJECTIONS: sa.Table = StationRejection.__table__  # type: ignore[attr-defined]
MAX_ROUNDS = 20  # rounds of setting aside refused packets before the rest of a batch is refused too
_READING_FIELD = re.compile(r"readings\[(\d+)\]\.")
SOURCE = "hj212"


@dataclass
class Outcome:
    """One packet's answer: the reply to send (None: none), whether it was accepted, readings written."""

    accepted: bool = False
    written: int = 0
    reply: bytes | None = None
    reason: str | None = None
    detail: str = ""


@dataclass
class _Pending:
    index: int
    packet: Packet
    readings: list[ReadingInput] = field(default_factory=list)


def station_actor(station: MonitoringStation) -> Actor:
    """The station writes as the unit's own automatic monitoring: the unit's right to record its
    monitoring readings (``MONITORING_WRITE`` on its own permits) is the only use case called with it."""
    return Actor(
        username=f"hj212:{station.mn}",
        role=Role.ENTERPRISE_STAFF,
        enterprise_id=station.enterprise_id,
        channel=SOURCE,
    )


async def receive(
    session: AsyncSession, frames: Sequence[Frame], *, peer: str = "", region_code: str | None = None
) -> list[Outcome]:
    """Handle packets received together; ``region_code`` is whose regulators read the refusals that name
    no registered station (the listener's region)."""
    outcomes = [Outcome() for _ in frames]
    rejections: list[dict[str, Any]] = []

    def refuse(
        index: int, reason: str, detail: str, packet: Packet | None = None, station: Any = None
    ) -> None:
        outcomes[index] = Outcome(reason=reason, detail=detail[:500])
        rejections.append(
            {
                "received_at": utcnow(),
                "peer": peer[:64],
                "mn": packet.mn[:24] if packet else "",
                "qn": packet.qn[:20] if packet else "",
                "cn": packet.cn[:4] if packet else "",
                "reason": reason,
                "detail": detail[:500],
                "station_id": station.id if station else None,
                "enterprise_id": station.enterprise_id if station else None,
                "region_code": station.region_code if station else region_code,
            }
        )

    parsed: list[tuple[int, Packet]] = []
    for index, received in enumerate(frames):
        if received.segment is None:
            refuse(index, received.problem or protocol.MALFORMED, received.detail)
            continue
        try:
            parsed.append((index, protocol.parse(received.segment)))
        except PacketError as error:
            refuse(index, error.reason, error.detail)
    mns = sorted({packet.mn for _, packet in parsed})
    stations = (
        {
            station.mn: station
            for station in (
                await session.exec(select(MonitoringStation).where(col(MonitoringStation.mn).in_(mns)))
            ).all()
        }
        if mns
        else {}
    )
    by_station: dict[int, list[_Pending]] = defaultdict(list)
    accepted_at: dict[int, int] = defaultdict(int)
    for index, packet in parsed:
        station = stations.get(packet.mn)
        if station is None or not station.active:
            detail = "no registered station has this MN" if station is None else "the station is deactivated"
            refuse(index, protocol.UNKNOWN_MN, detail, packet, station)
        elif not password_matches(station, packet.pw):
            refuse(index, protocol.WRONG_PASSWORD, "PW is not the station's access password", packet, station)
        elif packet.cn not in protocol.DATA_COMMANDS:
            if packet.cn[0] in "23":  # other uploads (status, parameters): accepted, not kept
                outcomes[index] = _accepted(packet, 0)
                accepted_at[station.id or 0] += 1
            else:
                refuse(index, protocol.UNSUPPORTED, f"CN {packet.cn} is not an upload", packet, station)
        elif packet.data_time is None:
            refuse(index, protocol.MALFORMED, "DataTime is missing", packet, station)
        elif LEDGER_DATA[station.ledger_data] != packet.cn:
            outcomes[index] = _accepted(packet, 0)
            accepted_at[station.id or 0] += 1
        else:
            by_station[station.id or 0].append(_Pending(index, packet))
    stations_by_id = {station.id: station for station in stations.values()}
    for station_id, pending in by_station.items():
        station = stations_by_id[station_id]
        permit = await session.get(Permit, station.permit_id)
        points = await permit_points(session, permit) if permit is not None else {}
        medium = points[station.outlet_code].medium if station.outlet_code in points else None
        span = PERIODS[pending[0].packet.cn] or timedelta(minutes=station.minute_interval)
        ready: list[_Pending] = []
        for item in pending:
            mapped = readings_of(
                item.packet,
                outlet_code=station.outlet_code,
                medium=medium,
                overrides=station.code_overrides or {},
                span=span,
            )
            if mapped.unknown_codes:
                detail = "unknown codes: " + ", ".join(mapped.unknown_codes)[:400]
                refuse(item.index, protocol.UNKNOWN_POLLUTANT, detail, item.packet, station)
                continue
            item.readings = mapped.readings
            ready.append(item)
        written = await _record(session, station, permit, ready, outcomes, refuse)
        accepted_at[station_id] += written
    await insert_rows(session, REJECTIONS, rejections)
    now = utcnow()
    connection = await session.connection()
    for station_id, count in accepted_at.items():
        if count:
            await connection.execute(
                sa.update(MonitoringStation)
                .where(col(MonitoringStation.id) == station_id)
                .values(last_packet_at=now, packets_accepted=MonitoringStation.packets_accepted + count)
            )
    return outcomes


def _accepted(packet: Packet, written: int) -> Outcome:
    return Outcome(
        accepted=True, written=written, reply=protocol.data_reply(packet) if packet.wants_reply else None
    )


async def _record(
    session: AsyncSession,
    station: MonitoringStation,
    permit: Permit | None,
    pending: list[_Pending],
    outcomes: list[Outcome],
    refuse: Any,
) -> int:
    """Write the packets' readings through ``record_readings``; set aside what it refuses and try the rest.
    Returns how many packets were accepted."""
    actor = station_actor(station)
    for _ in range(MAX_ROUNDS):
        with_readings = [item for item in pending if item.readings]
        if not with_readings or permit is None:
            break
        flat: list[ReadingInput] = []
        owner: list[_Pending] = []
        for item in with_readings:
            flat.extend(item.readings)
            owner.extend([item] * len(item.readings))
        try:
            await record_readings(
                session, actor, permit_number=permit.number or "", readings=flat, source=SOURCE
            )
            break
        except ValidationFailed as failure:
            dropped: set[int] = set()
            refused: dict[int, str] = {}
            for error in failure.errors:
                found = _READING_FIELD.match(error.field or "")
                if found is None:
                    refused.update({id(item): _text(error) for item in with_readings})
                    break
                position = int(found.group(1))
                if error.code in ("already_recorded", "duplicate"):
                    dropped.add(position)
                else:
                    refused.setdefault(id(owner[position]), f"{error.field}: {_text(error)}")
            kept_pending = []
            for item in pending:
                if id(item) in refused:
                    refuse(item.index, protocol.REFUSED_READINGS, refused[id(item)], item.packet, station)
                else:
                    kept_pending.append(item)
            for position in dropped:
                item = owner[position]
                item.readings = [r for r in item.readings if r is not flat[position]]
            pending = kept_pending
        except DomainError as error:  # the permit is no longer in force, the station may not write
            for item in pending:
                refuse(item.index, protocol.REFUSED_READINGS, _text(error), item.packet, station)
            return 0
    else:
        for item in pending:
            refuse(
                item.index,
                protocol.REFUSED_READINGS,
                "too many refused values in one batch",
                item.packet,
                station,
            )
        return 0
    for item in pending:
        outcomes[item.index] = _accepted(item.packet, len(item.readings))
    return len(pending)


def _text(error: Any) -> str:
    return translate(error.message, "en", **error.params)
