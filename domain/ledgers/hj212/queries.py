"""The read side of online monitoring stations: a permit's stations, and every station and refused packet
a reader may see. Both read with ``Operation.LEDGER_VIEW``: the unit (and its agency keeping its ledger)
its own, regulators their jurisdiction's, the administrator all. A refused packet that names no registered
station carries the listener's region, so that region's regulators read it (docs/integrators.md)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, can, require
from domain.access.sql import TargetColumns, allowed
from domain.ledgers.hj212.models import MonitoringStation, StationRejection
from domain.ledgers.lookup import ledger_permit
from domain.permits.models import Permit
from domain.permits.state import target_of

STATION_COLUMNS = TargetColumns(
    enterprise_id=col(MonitoringStation.enterprise_id), region_code=col(MonitoringStation.region_code)
)
REJECTION_COLUMNS = TargetColumns(
    enterprise_id=col(StationRejection.enterprise_id), region_code=col(StationRejection.region_code)
)
RECENT = 100  # refused packets a page lists, newest first


@dataclass
class PermitStations:
    permit: Permit
    stations: list[MonitoringStation]
    rejections: list[StationRejection]
    may_manage: bool


async def permit_stations(session: AsyncSession, actor: Actor, *, permit_number: str) -> PermitStations:
    """The stations registered for a permit's outlets and their latest refused packets."""
    permit = await ledger_permit(session, actor, permit_number, Operation.LEDGER_VIEW)
    stations = list(
        (
            await session.exec(
                select(MonitoringStation)
                .where(MonitoringStation.permit_id == permit.id)
                .order_by(col(MonitoringStation.outlet_code), col(MonitoringStation.mn))
            )
        ).all()
    )
    ids = [station.id for station in stations]
    rejections = (
        list(
            (
                await session.exec(
                    select(StationRejection)
                    .where(col(StationRejection.station_id).in_(ids))
                    .order_by(col(StationRejection.received_at).desc(), col(StationRejection.id).desc())
                    .limit(RECENT)
                )
            ).all()
        )
        if ids
        else []
    )
    return PermitStations(
        permit, stations, rejections, can(actor, Operation.STATION_MANAGE, target_of(permit))
    )


@dataclass
class StationsOverview:
    stations: list[MonitoringStation]
    permit_numbers: dict[int, str]
    rejections: list[StationRejection]


async def stations_overview(session: AsyncSession, actor: Actor, *, limit: int = 500) -> StationsOverview:
    """Every station the reader may see and the latest refused packets, those naming no station included."""
    if not actor.is_authenticated:
        require(actor, Operation.LEDGER_VIEW)  # the public reads no station
    stations = list(
        (
            await session.exec(
                select(MonitoringStation)
                .where(allowed(actor, Operation.LEDGER_VIEW, STATION_COLUMNS))
                .order_by(col(MonitoringStation.region_code), col(MonitoringStation.mn))
                .limit(limit)
            )
        ).all()
    )
    permit_ids = {station.permit_id for station in stations}
    numbers = (
        {
            permit_id: number or ""
            for permit_id, number in (
                await session.exec(select(Permit.id, Permit.number).where(col(Permit.id).in_(permit_ids)))
            ).all()
            if permit_id is not None
        }
        if permit_ids
        else {}
    )
    rejections = list(
        (
            await session.exec(
                select(StationRejection)
                .where(allowed(actor, Operation.LEDGER_VIEW, REJECTION_COLUMNS))
                .order_by(col(StationRejection.received_at).desc(), col(StationRejection.id).desc())
                .limit(RECENT)
            )
        ).all()
    )
    return StationsOverview(stations, numbers, rejections)
