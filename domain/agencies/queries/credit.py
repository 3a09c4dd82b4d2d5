"""Credit: an agency's score and events, each event with the record it rests on, the score's history, the
public credit page (信用公示), and the regulators' ranking of the agencies of their jurisdiction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, jurisdiction
from domain.access.sql import TargetColumns, allowed
from domain.agencies.models import Agency, AgencyAuthorisation, CreditEvent
from domain.agencies.queries.lookup import agency_by_code, require_oversight, visible_agency
from domain.agencies.rules import (
    BASE_SCORE,
    PUBLIC_STATUSES,
    RANKED_STATUSES,
    formula,
    level_of,
    level_thresholds,
)
from domain.clock import china_date, today, utcnow
from domain.enterprises.models import Enterprise
from domain.errors import N_, NotFound
from domain.permits.models import Permit
from domain.reports.models import ExecutionReport, FeedbackForm, ReportSubmission

TREND_DAYS = 30


@dataclass(frozen=True)
class Credit:
    score: float
    level: str
    events: list[CreditEvent]


async def credit_of(session: AsyncSession, *, agency_id: int, public_only: bool = False) -> Credit:
    """The score and level of an agency from all its events; the events shown (only the public ones when
    ``public_only``), newest first."""
    statement = select(CreditEvent).where(CreditEvent.agency_id == agency_id)
    events = list((await session.exec(statement.order_by(col(CreditEvent.occurred_at).desc()))).all())
    score = BASE_SCORE + sum(event.points for event in events)
    shown = [e for e in events if e.public] if public_only else events
    return Credit(round(score, 2), level_of(score), shown)


@dataclass(frozen=True)
class EventSource:
    """What a credit event points at, resolved for a link: a report (and receipt) or a permit's readings."""

    kind: str  # report, readings, none
    report_id: int | None = None
    receipt_number: str | None = None
    permit_number: str | None = None
    enterprise_name: str | None = None
    report_kind: str | None = None
    period: str | None = None


@dataclass(frozen=True)
class EventRow:
    event: CreditEvent
    source: EventSource


def _receipt_of(event: CreditEvent) -> str | None:
    if event.source_type == "finding":
        return event.source_id.split(":", 1)[0]
    if event.source_type in ("submission", "regulator"):
        return event.source_id
    return None


async def event_sources(session: AsyncSession, events: Iterable[CreditEvent]) -> list[EventRow]:
    """Resolve every event's source in a few batched queries (callers have checked the viewer)."""
    events = list(events)
    receipts = {r for r in (_receipt_of(e) for e in events) if r}
    form_ids = {
        int(e.source_id) for e in events if e.source_type == "feedback_form" and e.source_id.isdigit()
    }
    report_ids = {int(e.source_id) for e in events if e.source_type == "report" and e.source_id.isdigit()}
    numbers = {e.source_id for e in events if e.source_type in ("regulator", "readings")}

    report_of_receipt: dict[str, int] = {}
    if receipts:
        for receipt_number, report_id in (
            await session.exec(
                select(ReportSubmission.receipt_number, ReportSubmission.report_id).where(
                    col(ReportSubmission.receipt_number).in_(receipts)
                )
            )
        ).all():
            report_of_receipt[receipt_number] = report_id
    report_of_form: dict[int, int] = {}
    if form_ids:
        for form_id, report_id in (
            await session.exec(
                select(FeedbackForm.id, FeedbackForm.report_id).where(col(FeedbackForm.id).in_(form_ids))
            )
        ).all():
            report_of_form[form_id or 0] = report_id
    wanted = set(report_of_receipt.values()) | set(report_of_form.values()) | report_ids
    reports: dict[int, tuple[ExecutionReport, str, str]] = {}
    if wanted:
        for report, number, name in (
            await session.exec(
                select(ExecutionReport, Permit.number, Enterprise.name)
                .join(Permit, col(Permit.id) == col(ExecutionReport.permit_id))
                .join(Enterprise, col(Enterprise.id) == col(ExecutionReport.enterprise_id))
                .where(col(ExecutionReport.id).in_(wanted))
            )
        ).all():
            reports[report.id or 0] = (report, number or "", name)
    permits: dict[str, str] = {}
    if numbers:
        for number, name in (
            await session.exec(
                select(Permit.number, Enterprise.name)
                .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
                .where(col(Permit.number).in_(numbers))
            )
        ).all():
            permits[number or ""] = name

    def report_source(report_id: int | None, receipt: str | None) -> EventSource:
        found = reports.get(report_id or -1)
        if found is None:
            return EventSource("none")
        report, number, name = found
        return EventSource(
            "report",
            report_id=report.id,
            receipt_number=receipt,
            permit_number=number,
            enterprise_name=name,
            report_kind=report.kind,
            period=report.period,
        )

    rows = []
    for event in events:
        receipt = _receipt_of(event)
        source: EventSource
        if receipt and receipt in report_of_receipt:
            source = report_source(report_of_receipt[receipt], receipt)
        elif event.source_type == "feedback_form" and event.source_id.isdigit():
            source = report_source(report_of_form.get(int(event.source_id)), None)
        elif event.source_type == "report" and event.source_id.isdigit():
            source = report_source(int(event.source_id), None)
        elif event.source_type in ("regulator", "readings") and event.source_id in permits:
            source = EventSource(
                "readings", permit_number=event.source_id, enterprise_name=permits[event.source_id]
            )
        else:
            source = EventSource("none")
        rows.append(EventRow(event, source))
    return rows


@dataclass(frozen=True)
class ScorePoint:
    day: date
    score: float


async def score_history(session: AsyncSession, agency: Agency, *, on: date | None = None) -> list[ScorePoint]:
    """The score at the end of each day an event moved it, from registration to today (China dates)."""
    on = on or today()
    rows = (
        await session.exec(
            select(CreditEvent.occurred_at, CreditEvent.points)
            .where(CreditEvent.agency_id == agency.id)
            .order_by(col(CreditEvent.occurred_at))
        )
    ).all()
    start = china_date(agency.created_at)
    moved: dict[date, float] = defaultdict(float)
    for occurred_at, points in rows:
        moved[china_date(occurred_at)] += points
    days = sorted(moved)
    if days and days[0] < start:
        start = days[0]
    points_list = [ScorePoint(start, BASE_SCORE)]
    score = BASE_SCORE
    for day in days:
        score += moved[day]
        if day == points_list[-1].day:
            points_list[-1] = ScorePoint(day, round(score, 2))
        else:
            points_list.append(ScorePoint(day, round(score, 2)))
    if points_list[-1].day < on:
        points_list.append(ScorePoint(on, points_list[-1].score))
    return points_list


@dataclass(frozen=True)
class CreditPage:
    agency: Agency
    score: float
    level: str
    events: list[EventRow]  # the public ones, each with the record it rests on
    history: list[ScorePoint]
    formula: list[tuple[str, float]]
    levels: list[tuple[str, float | None]]


async def public_credit_page(session: AsyncSession, *, credit_code: str) -> CreditPage:
    """信用公示: anyone's view of an approved (or suspended) agency's credit; serious problems only."""
    agency = await agency_by_code(session, credit_code)
    if agency is None or agency.status not in PUBLIC_STATUSES or agency.id is None:
        raise NotFound(N_("No agency with this credit code."), field="credit_code")
    credit = await credit_of(session, agency_id=agency.id, public_only=True)
    return CreditPage(
        agency=agency,
        score=credit.score,
        level=credit.level,
        events=await event_sources(session, credit.events),
        history=await score_history(session, agency),
        formula=formula(),
        levels=level_thresholds(),
    )


async def credit_events(
    session: AsyncSession, actor: Actor, *, credit_code: str
) -> tuple[Agency, list[EventRow]]:
    """Every event of an agency with its source (the ranking page opens them one agency at a time)."""
    agency = await visible_agency(session, actor, credit_code)
    assert agency.id is not None
    credit = await credit_of(session, agency_id=agency.id)
    return agency, await event_sources(session, credit.events)


# ---------------------------------------------------------------------------
# The regulators' ranking
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RankingRow:
    rank: int
    agency: Agency
    score: float
    score_before: float
    level: str
    events: int
    clients: int  # units of the jurisdiction the agency acts for today

    @property
    def change(self) -> float:
        return round(self.score - self.score_before, 2)

    @property
    def falling(self) -> bool:
        return self.score < self.score_before


@dataclass(frozen=True)
class Ranking:
    rows: list[RankingRow]
    days: int
    since: datetime

    @property
    def falling(self) -> list[RankingRow]:
        return [row for row in self.rows if row.falling]


async def ranking(session: AsyncSession, actor: Actor, *, days: int = TREND_DAYS) -> Ranking:
    """Agencies registered in, or acting for units of, the regulator's jurisdiction, best score first,
    with the score ``days`` ago beside today's (a falling score is what a regulator looks into)."""
    require_oversight(actor)
    since = utcnow() - timedelta(days=days)
    on = today()
    points = (
        select(
            CreditEvent.agency_id,
            sa.func.sum(CreditEvent.points).label("now"),
            sa.func.sum(
                sa.case((col(CreditEvent.occurred_at) <= since, col(CreditEvent.points)), else_=0.0)
            ).label("before"),
            sa.func.count().label("events"),
        )
        .group_by(col(CreditEvent.agency_id))
        .subquery()
    )
    # What an agency does for a unit: the SQL form of can(AGENCY_WORK_VIEW) (regulators: units of their
    # jurisdiction; the administrator: all).
    work = TargetColumns(
        agency_id=col(AgencyAuthorisation.agency_id),
        enterprise_id=col(AgencyAuthorisation.enterprise_id),
        region_code=col(Enterprise.region_code),
    )
    in_force = (
        select(
            AgencyAuthorisation.agency_id,
            sa.func.count(sa.distinct(col(AgencyAuthorisation.enterprise_id))).label("n"),
        )
        .join(Enterprise, col(Enterprise.id) == col(AgencyAuthorisation.enterprise_id))
        .where(
            col(AgencyAuthorisation.revoked_at).is_(None),
            col(AgencyAuthorisation.valid_from) <= on,
            col(AgencyAuthorisation.valid_until) >= on,
            allowed(actor, Operation.AGENCY_WORK_VIEW, work),
        )
        .group_by(col(AgencyAuthorisation.agency_id))
        .subquery()
    )
    statement = (
        select(Agency, points.c.now, points.c.before, points.c.events, in_force.c.n)  # type: ignore[call-overload]
        .join(points, points.c.agency_id == Agency.id, isouter=True)
        .join(in_force, in_force.c.agency_id == Agency.id, isouter=True)
        .where(col(Agency.status).in_(RANKED_STATUSES))
    )
    if not actor.is_admin:
        # Which agencies concern a regulator (every one is open to it): registered in its jurisdiction,
        # or working for a unit there.
        serves = (
            select(AgencyAuthorisation.agency_id)
            .join(Enterprise, col(Enterprise.id) == col(AgencyAuthorisation.enterprise_id))
            .where(allowed(actor, Operation.AGENCY_WORK_VIEW, work))
        )
        registered_here = jurisdiction(actor).where(TargetColumns(region_code=col(Agency.region_code)))
        statement = statement.where(sa.or_(registered_here, col(Agency.id).in_(serves)))
    best_first = statement.order_by(sa.func.coalesce(points.c.now, 0.0).desc(), col(Agency.name))
    rows = (await session.exec(best_first.limit(1000))).all()
    ranked = sorted(
        (
            (
                agency,
                BASE_SCORE + float(now or 0),
                BASE_SCORE + float(before or 0),
                int(events or 0),
                int(n or 0),
            )
            for agency, now, before, events, n in rows
        ),
        key=lambda item: (-item[1], item[0].name),
    )
    return Ranking(
        rows=[
            RankingRow(index + 1, agency, round(now, 2), round(before, 2), level_of(now), events, clients)
            for index, (agency, now, before, events, clients) in enumerate(ranked)
        ],
        days=days,
        since=since,
    )
