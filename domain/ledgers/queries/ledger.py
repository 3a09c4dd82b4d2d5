"""The ledger's pages as a whole (环境管理台账): the permit's points and limits, the permits a user keeps
a ledger for, and the ledger home (this month's completeness, open exceedances, this year's emissions,
shutdowns).

Read side: no writes. Access is the use cases' (``domain/ledgers/lookup.py``): a permit the reader may
not see is not found. Times are aware; the portal parses what people type and formats what they read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.access.sql import allowed
from domain.clock import CHINA, today, utcnow
from domain.enterprises.models import Enterprise
from domain.ledgers import rules
from domain.ledgers.lookup import ledger_permit, may
from domain.ledgers.models import Exceedance, ShutdownPeriod
from domain.ledgers.queries.exceedances import list_exceedances
from domain.ledgers.queries.period import EmissionFigure, actual_emissions, completeness
from domain.ledgers.rules import RequirementCoverage
from domain.permits.models import (
    Permit,
    PermitLedgerRequirement,
    PermitLimit,
    PermitMonitoring,
    PermitOutlet,
    PermitVersion,
)
from domain.permits.reference import Medium
from domain.permits.rules import PermitStatus
from domain.permits.state import TARGET_COLUMNS

UNIT_CHOICES: dict[str, tuple[str, ...]] = {Medium.AIR: ("mg/m3", "μg/m3"), Medium.WATER: ("mg/L", "μg/L")}


# ---------------------------------------------------------------------------
# The permit's points, as every ledger page shows them
# ---------------------------------------------------------------------------


@dataclass
class Point:
    """An outlet or fugitive source of the permit with its limits and monitoring requirements."""

    code: str
    name: str
    is_fugitive: bool
    medium: str | None
    kind: str | None
    online_monitoring: bool
    limits: list[PermitLimit] = field(default_factory=list)
    monitoring: list[PermitMonitoring] = field(default_factory=list)

    @property
    def units(self) -> tuple[str, ...]:
        return UNIT_CHOICES[Medium(self.medium or Medium.AIR)]

    @property
    def canonical_unit(self) -> str:
        return rules.canonical_unit(self.medium)

    def method_for(self, pollutant: str) -> str:
        for requirement in self.monitoring:
            if requirement.pollutant == pollutant:
                return requirement.method
        return "manual"


@dataclass
class LedgerContext:
    permit: Permit
    enterprise_name: str
    points: list[Point]
    may_write: bool  # entries, explanations, shutdowns (Operation.LEDGER_WRITE)
    facilities: dict[str, list[str]]
    ledger_requirements: list[PermitLedgerRequirement]
    may_record: bool = False  # monitoring readings: record, correct, void, import (MONITORING_WRITE)

    @property
    def number(self) -> str:
        return self.permit.number or ""

    @property
    def in_force(self) -> bool:
        return self.permit.status == PermitStatus.ISSUED and (
            self.permit.valid_until is None or self.permit.valid_until >= today()
        )

    def point(self, code: str) -> Point | None:
        return next((p for p in self.points if p.code == code), None)

    def limit(self, code: str, pollutant: str) -> PermitLimit | None:
        point = self.point(code)
        if point is None:
            return None
        return next((item for item in point.limits if item.pollutant == pollutant), None)

    @property
    def pairs(self) -> list[tuple[Point, PermitLimit]]:
        return [(point, limit) for point in self.points for limit in point.limits]

    @property
    def pollutants(self) -> list[str]:
        return sorted({limit.pollutant for point in self.points for limit in point.limits})


async def ledger_context(session: AsyncSession, actor: Actor, *, permit_number: str) -> LedgerContext:
    """The permit, its unit's name, its points and limits, and what the reader may write in its ledger."""
    return await context_of(session, actor, await ledger_permit(session, actor, permit_number))


async def context_of(session: AsyncSession, actor: Actor, permit: Permit) -> LedgerContext:
    """``ledger_context`` of a permit already found for the reader."""
    version = permit.content_version
    enterprise = await session.get(Enterprise, permit.enterprise_id)
    outlets = (
        await session.exec(
            select(PermitOutlet)
            .where(PermitOutlet.permit_id == permit.id, PermitOutlet.version == version)
            .order_by(col(PermitOutlet.is_fugitive), col(PermitOutlet.code))
        )
    ).all()
    limits = (
        await session.exec(
            select(PermitLimit)
            .where(PermitLimit.permit_id == permit.id, PermitLimit.version == version)
            .order_by(col(PermitLimit.point_code), col(PermitLimit.id))
        )
    ).all()
    monitoring = (
        await session.exec(
            select(PermitMonitoring).where(
                PermitMonitoring.permit_id == permit.id, PermitMonitoring.version == version
            )
        )
    ).all()
    requirements = (
        await session.exec(
            select(PermitLedgerRequirement).where(
                PermitLedgerRequirement.permit_id == permit.id, PermitLedgerRequirement.version == version
            )
        )
    ).all()
    snapshot = (
        await session.exec(
            select(PermitVersion).where(
                PermitVersion.permit_id == permit.id, PermitVersion.version == version
            )
        )
    ).first()
    points = [
        Point(
            code=outlet.code,
            name=outlet.name,
            is_fugitive=outlet.is_fugitive,
            medium=outlet.medium,
            kind=outlet.kind,
            online_monitoring=outlet.online_monitoring,
            limits=[limit for limit in limits if limit.point_code == outlet.code],
            monitoring=[item for item in monitoring if item.point_code == outlet.code],
        )
        for outlet in outlets
    ]
    content = snapshot.content if snapshot is not None and isinstance(snapshot.content, dict) else {}

    def names(key: str) -> list[str]:
        return [str(item.get("name", "")) for item in content.get(key) or [] if isinstance(item, dict)]

    facilities = {
        "production_facility": names("production_facilities"),
        "control_facility": names("control_facilities"),
        "abnormal": names("production_facilities") + names("control_facilities"),
        "other": [f"{p.code} {p.name}" for p in points],
    }
    return LedgerContext(
        permit=permit,
        enterprise_name=enterprise.name if enterprise else "",
        points=points,
        may_write=may(actor, Operation.LEDGER_WRITE, permit),
        facilities=facilities,
        ledger_requirements=list(requirements),
        may_record=may(actor, Operation.MONITORING_WRITE, permit),
    )


# ---------------------------------------------------------------------------
# /ledger: the permits whose ledger the user keeps
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerPermit:
    number: str
    category: str
    valid_until: date | None
    open_exceedances: int


async def my_ledgers(session: AsyncSession, actor: Actor) -> list[LedgerPermit]:
    """An enterprise user's permits in force; regulators open a ledger from a permit or a warning."""
    if not actor.is_enterprise_user:
        require(actor, Operation.PERMIT_LIST)
        return []
    open_count = (
        select(sa.func.count())
        .where(Exceedance.permit_id == Permit.id, Exceedance.status == "open")
        .correlate(Permit)
        .scalar_subquery()
    )
    rows = (
        await session.exec(
            select(Permit.number, Permit.category, Permit.valid_until, open_count)  # type: ignore[call-overload,type-var]
            .where(
                allowed(actor, Operation.LEDGER_VIEW, TARGET_COLUMNS),  # the SQL form of can(): its own
                Permit.status == PermitStatus.ISSUED,
                sa.or_(col(Permit.valid_until).is_(None), col(Permit.valid_until) >= today()),
            )
            .order_by(col(Permit.number))
        )
    ).all()
    return [
        LedgerPermit(number or "", category, until, int(count)) for number, category, until, count in rows
    ]


# ---------------------------------------------------------------------------
# /ledger/{number}: the ledger home
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GapRow:
    coverage: RequirementCoverage
    gap: rules.Gap
    includes_current: bool


@dataclass
class LedgerHome:
    context: LedgerContext
    now: datetime
    month_start: datetime
    year_start: datetime
    coverage: list[RequirementCoverage]
    open_exceedances: list[Exceedance]
    open_total: int
    emissions: list[EmissionFigure]
    shutdowns: list[ShutdownPeriod] = field(default_factory=list)  # 停产, newest first

    @property
    def ratio(self) -> float:
        return rules.completeness_ratio(self.coverage)

    @property
    def gaps(self) -> list[GapRow]:
        """Every gap of the month so far; the one holding the present slot is still open, not late."""
        now = self.now.astimezone(CHINA)
        rows = []
        for item in self.coverage:
            current = rules.slot_of(now, item.frequency, self.month_start)
            for gap in item.gaps:
                last = rules.slot_of(gap.last_missing, item.frequency, self.month_start)
                rows.append(GapRow(item, gap, includes_current=last == current))
        return rows

    @property
    def automatic_required(self) -> set[tuple[str, str]]:
        return {
            (p.code, m.pollutant)
            for p in self.context.points
            for m in p.monitoring
            if m.method == "automatic"
        }


def validity_window(permit: Permit) -> tuple[datetime | None, datetime | None]:
    """[first day, day after the last) of the permit's validity in China time: nothing is required outside."""

    def midnight(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=CHINA)

    start = midnight(permit.valid_from) if permit.valid_from else None
    end = midnight(permit.valid_until) + timedelta(days=1) if permit.valid_until else None
    return start, end


def clip(start: datetime, end: datetime, permit: Permit) -> tuple[datetime, datetime]:
    valid_from, valid_until = validity_window(permit)
    if valid_from is not None and valid_from > start:
        start = valid_from
    if valid_until is not None and valid_until < end:
        end = valid_until
    return start, max(start, end)


def china_month_start(moment: datetime) -> datetime:
    local = moment.astimezone(CHINA)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


async def ledger_home(
    session: AsyncSession, actor: Actor, *, permit_number: str, now: datetime | None = None
) -> LedgerHome:
    """Points and limits, this month's completeness so far, open exceedances, this year's emissions."""
    context = await ledger_context(session, actor, permit_number=permit_number)
    now = now or utcnow()
    month_start = china_month_start(now)
    year_start = month_start.replace(month=1)
    # A permit issued (or expired) inside the month requires nothing before (or after) its validity.
    judged_from, judged_until = clip(month_start, now, context.permit)
    coverage = await completeness(
        session, actor, permit_number=context.number, start=judged_from, end=judged_until
    )
    warnings = await list_exceedances(session, actor, status="open", permit_number=context.number, first=50)
    emissions_from, _until = clip(year_start, now, context.permit)
    emissions = await actual_emissions(
        session, actor, permit_number=context.number, start=emissions_from, end=now
    )
    return LedgerHome(
        context=context,
        now=now,
        month_start=judged_from,
        year_start=emissions_from,
        coverage=coverage,
        open_exceedances=[e for e, _permit in warnings.items],
        open_total=warnings.total,
        emissions=emissions,
        shutdowns=await shutdowns_of(session, context.permit),
    )


async def shutdowns_of(session: AsyncSession, permit: Permit) -> list[ShutdownPeriod]:
    """The permit's shutdowns (停产), newest first. The caller found the permit for the reader."""
    statement = (
        select(ShutdownPeriod)
        .where(ShutdownPeriod.permit_id == permit.id)
        .order_by(col(ShutdownPeriod.starts_on).desc())
    )
    return list((await session.exec(statement)).all())


async def permit_number_of(session: AsyncSession, permit_id: int) -> str:
    """The number of a permit whose record a use case just returned (GraphQL's payloads name it)."""
    permit = await session.get(Permit, permit_id)
    return permit.number or "" if permit else ""
