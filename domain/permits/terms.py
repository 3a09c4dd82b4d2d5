"""The terms of one permit version (outlets, limits, monitoring and ledger requirements, report kinds),
read once and kept in memory.

A permit version never changes once written: a change, renewal or correction writes a new version
and moves ``permit.content_version`` on. So the terms of ``(permit id, version)`` may be cached for the
life of the process, in every process alike, with nothing to invalidate. Hot paths (a report filing,
a batch of readings) then read the permit's terms without a query.

Only committed versions ever reach the cache: a transaction sees other transactions' versions only once
they are committed, and the use cases that write a version do not read terms in the same transaction.
Tests that roll back between cases (SQLite reuses row ids after a rollback) call ``forget_all``.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.permits.models import (
    Permit,
    PermitLedgerRequirement,
    PermitLimit,
    PermitMonitoring,
    PermitOutlet,
    PermitVersion,
)

REPORT_KIND_ORDER = ("monthly", "quarterly", "annual")
CACHE_SIZE = 20_000  # a few KB each: a city's permits, several times over


@dataclass(frozen=True)
class OutletTerm:
    code: str
    name: str
    is_fugitive: bool
    medium: str | None  # air / water; None for fugitive sources
    kind: str | None  # main / general / special; None for fugitive sources


@dataclass(frozen=True)
class LimitTerm:
    point: str
    pollutant: str
    concentration_limit: float
    unit: str
    annual_quantity_limit: float | None


@dataclass(frozen=True)
class MonitoringTerm:
    point: str
    pollutant: str
    frequency: str
    method: str


@dataclass(frozen=True)
class LedgerTerm:
    kind: str
    frequency: str


@dataclass(frozen=True)
class PermitTerms:
    permit_id: int
    version: int
    report_kinds: tuple[str, ...]  # in the order monthly, quarterly, annual
    outlets: tuple[OutletTerm, ...]
    limits: tuple[LimitTerm, ...]
    monitoring: tuple[MonitoringTerm, ...]
    ledger_requirements: tuple[LedgerTerm, ...]

    def outlet(self, code: str) -> OutletTerm | None:
        for outlet in self.outlets:
            if outlet.code == code:
                return outlet
        return None


_cache: OrderedDict[tuple[int, int], PermitTerms] = OrderedDict()


async def permit_terms(session: AsyncSession, permit: Permit) -> PermitTerms:
    """The terms of the permit's version in force (from memory after the first read)."""
    assert permit.id is not None
    key = (permit.id, permit.content_version)
    found = _cache.get(key)
    if found is not None:
        _cache.move_to_end(key)
        return found
    terms = await _read(session, permit.id, permit.content_version)
    _cache[key] = terms
    if len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return terms


def forget_all() -> None:
    _cache.clear()


async def _read(session: AsyncSession, permit_id: int, version: int) -> PermitTerms:
    content = (
        await session.exec(
            select(PermitVersion.content).where(
                PermitVersion.permit_id == permit_id, PermitVersion.version == version
            )
        )
    ).first()
    kinds = (content or {}).get("report_kinds", []) if isinstance(content, dict) else []
    outlets = (
        await session.exec(
            select(PermitOutlet)
            .where(PermitOutlet.permit_id == permit_id, PermitOutlet.version == version)
            .order_by(col(PermitOutlet.code))
        )
    ).all()
    limits = (
        await session.exec(
            select(PermitLimit)
            .where(PermitLimit.permit_id == permit_id, PermitLimit.version == version)
            .order_by(col(PermitLimit.point_code), col(PermitLimit.id))
        )
    ).all()
    monitoring = (
        await session.exec(
            select(PermitMonitoring)
            .where(PermitMonitoring.permit_id == permit_id, PermitMonitoring.version == version)
            .order_by(col(PermitMonitoring.id))
        )
    ).all()
    ledger = (
        await session.exec(
            select(PermitLedgerRequirement)
            .where(PermitLedgerRequirement.permit_id == permit_id, PermitLedgerRequirement.version == version)
            .order_by(col(PermitLedgerRequirement.id))
        )
    ).all()
    return PermitTerms(
        permit_id=permit_id,
        version=version,
        report_kinds=tuple(k for k in REPORT_KIND_ORDER if k in kinds),
        outlets=tuple(OutletTerm(o.code, o.name, o.is_fugitive, o.medium, o.kind) for o in outlets),
        limits=tuple(
            LimitTerm(
                lim.point_code, lim.pollutant, lim.concentration_limit, lim.unit, lim.annual_quantity_limit
            )
            for lim in limits
        ),
        monitoring=tuple(
            MonitoringTerm(m.point_code, m.pollutant, m.frequency, m.method) for m in monitoring
        ),
        ledger_requirements=tuple(LedgerTerm(r.kind, r.frequency) for r in ledger),
    )
