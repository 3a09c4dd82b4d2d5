"""Credit: an agency's score and events, the score's history and the regulators' ranking of the agencies of
their jurisdiction. Each event with the record it rests on, and the public credit page (信用公示), are read
in ``domain.agency_oversight.queries.credit``, above the areas whose records they name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, jurisdiction
from domain.access.sql import TargetColumns, allowed
from domain.agencies.models import Agency, AgencyAuthorisation, CreditEvent
from domain.agencies.queries.lookup import require_oversight
from domain.agencies.rules import (
    BASE_SCORE,
    RANKED_STATUSES,
    level_of,
)
from domain.clock import china_date, today, utcnow
from domain.enterprises.models import Enterprise
from domain.scoring import ScorePoint, daily_history

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


async def score_history(session: AsyncSession, agency: Agency, *, on: date | None = None) -> list[ScorePoint]:
    """The score at the end of each day an event moved it, from registration to today (China dates)."""
    rows = (
        await session.exec(
            select(CreditEvent.occurred_at, CreditEvent.points)
            .where(CreditEvent.agency_id == agency.id)
            .order_by(col(CreditEvent.occurred_at))
        )
    ).all()
    moves = [(china_date(occurred_at), points) for occurred_at, points in rows]
    return daily_history(BASE_SCORE, china_date(agency.created_at), moves, on=on or today())


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
