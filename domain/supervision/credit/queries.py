"""What the credit pages and the API show: a unit's score, level, history and events with their sources
(regulators of its jurisdiction and the unit itself), the public face of it (public-safe events only),
the regulators' list of their units by score, and the levels by district for the leaders' statistics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation
from domain.access.sql import TargetColumns, allowed
from domain.clock import china_date, today
from domain.enterprises.models import Enterprise
from domain.enterprises.queries import find_enterprise
from domain.errors import N_, NotAuthenticated, NotFound
from domain.pagination import Key, Page, Window, check_page_size, keyset_page
from domain.scoring import ScorePoint, daily_history
from domain.supervision.credit import rules
from domain.supervision.credit.models import UnitCreditEvent
from domain.supervision.credit.service import unit_for


@dataclass(frozen=True)
class UnitCredit:
    enterprise: Enterprise
    score: float
    level: str
    events: list[UnitCreditEvent]  # newest first; voided ones too (struck through), unless public
    history: list[ScorePoint]


def source_link(event: UnitCreditEvent, enterprise: Enterprise, *, regulator: bool) -> str | None:
    """The page of the record an event rests on, as its reader opens it (None: no page of its own)."""
    match event.source_type:
        case "case":
            return f"/cases/{event.source_id}"
        case "card" | "listing":
            return f"/standing/{enterprise.credit_code}" if regulator else "/standing"
        case "grade":
            return f"/grading?year={event.source_id}" if regulator else "/grading/mine"
        case "problem" | "rectification":
            return f"/supervision/problems/{event.source_id}"
        case "report":
            return f"/reports/{event.source_id}"
        case "exceedance":
            return "/exceedances"
    return None


def history_of(enterprise: Enterprise, events: list[UnitCreditEvent]) -> list[ScorePoint]:
    """The score at the end of each day it moved: an event counts from the day it occurred until the day
    it was voided (China dates)."""
    moves: list[tuple[Any, float]] = []
    for event in events:
        moves.append((china_date(event.occurred_at), event.points))
        if event.voided_at is not None:
            moves.append((china_date(event.voided_at), -event.points))
    return daily_history(rules.BASE_SCORE, china_date(enterprise.created_at), moves, on=today())


async def _events_of(session: AsyncSession, enterprise_id: int) -> list[UnitCreditEvent]:
    return list(
        (
            await session.exec(
                select(UnitCreditEvent)
                .where(UnitCreditEvent.enterprise_id == enterprise_id)
                .order_by(col(UnitCreditEvent.occurred_at).desc(), col(UnitCreditEvent.id).desc())
            )
        ).all()
    )


def _credit(
    enterprise: Enterprise, events: list[UnitCreditEvent], shown: list[UnitCreditEvent]
) -> UnitCredit:
    score = rules.score_of([e.points for e in events if e.voided_at is None])
    return UnitCredit(enterprise, score, rules.level_of(score), shown, history_of(enterprise, events))


async def unit_credit(session: AsyncSession, actor: Actor, *, credit_code: str) -> UnitCredit:
    """A unit's credit with every event (voided ones too), for regulators of its jurisdiction and itself."""
    enterprise = await unit_for(session, actor, credit_code, Operation.UNIT_CREDIT_VIEW)
    assert enterprise.id is not None
    events = await _events_of(session, enterprise.id)
    return _credit(enterprise, events, events)


async def own_credit(session: AsyncSession, actor: Actor) -> UnitCredit:
    """The credit of the actor's own unit (enterprise users)."""
    if not actor.is_authenticated:
        raise NotAuthenticated(N_("Please log in to continue."))
    enterprise = await session.get(Enterprise, actor.enterprise_id) if actor.enterprise_id else None
    if enterprise is None:
        raise NotFound(N_("No unit with this credit code."), field="credit_code")
    return await unit_credit(session, actor, credit_code=enterprise.credit_code)


async def public_credit(session: AsyncSession, *, credit_code: str) -> UnitCredit:
    """What anyone may read: the score, the level, its history, and the events that are public-safe facts
    (penalties decided, grades, the positive list, serious violations, commendations), not voided. The
    score counts every event; the events it does not show are the unit's own business and its regulators'."""
    code = (credit_code or "").strip()
    enterprise = await find_enterprise(session, code) if 0 < len(code) <= 18 and "\x00" not in code else None
    if enterprise is None or enterprise.id is None:
        raise NotFound(N_("No unit with this credit code."), field="credit_code")
    events = await _events_of(session, enterprise.id)
    return _credit(enterprise, events, [e for e in events if e.public and e.voided_at is None])


def _event_where(actor: Actor, enterprise_id: int) -> list[Any]:
    return [
        UnitCreditEvent.enterprise_id == enterprise_id,
        allowed(
            actor,
            Operation.UNIT_CREDIT_VIEW,
            TargetColumns(
                enterprise_id=col(UnitCreditEvent.enterprise_id), region_code=col(UnitCreditEvent.region_code)
            ),
        ),
    ]


EVENT_ORDER = (
    Key(col(UnitCreditEvent.occurred_at), descending=True),
    Key(col(UnitCreditEvent.id), descending=True),
)


async def credit_events(
    session: AsyncSession, actor: Actor, *, credit_code: str, window: Window
) -> Page[UnitCreditEvent]:
    """A unit's events, newest first, by keyset (the API's connection)."""
    enterprise = await unit_for(session, actor, credit_code, Operation.UNIT_CREDIT_VIEW)
    assert enterprise.id is not None
    where = _event_where(actor, enterprise.id)
    total = (await session.exec(select(func.count()).select_from(UnitCreditEvent).where(*where))).one()  # type: ignore[call-overload]
    return await keyset_page(
        session,
        select(UnitCreditEvent).where(*where),
        EVENT_ORDER,
        window,
        lambda event: (event.occurred_at, event.id),
        total=int(total),
    )


# ---------------------------------------------------------------------------
# The regulators' list and the leaders' figures
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitScore:
    credit_code: str
    name: str
    region_code: str
    score: float
    events: int

    @property
    def level(self) -> str:
        return rules.level_of(self.score)


def _totals() -> Any:
    return (
        sa.select(
            col(UnitCreditEvent.enterprise_id).label("unit"),
            func.coalesce(func.sum(col(UnitCreditEvent.points)), 0).label("points"),
            func.count().label("events"),
        )
        .where(col(UnitCreditEvent.voided_at).is_(None))
        .group_by(col(UnitCreditEvent.enterprise_id))
        .subquery()
    )


def _level_bounds(level: str, score: Any) -> list[Any]:
    """The SQL condition of a level on a score expression (thresholds of ``rules.LEVELS``)."""
    bounds = rules.level_thresholds()
    names = [name for name, _ in bounds]
    index = names.index(level)
    low = bounds[index][1]
    high = bounds[index - 1][1] if index > 0 else None
    found = []
    if low is not None:
        found.append(score >= low)
    if high is not None:
        found.append(score < high)
    return found


async def unit_scores(
    session: AsyncSession, actor: Actor, *, level: str | None = None, first: int = 50, offset: int = 0
) -> Page[UnitScore]:
    """The units the reader may see with their score, lowest first (then by name), optionally of one
    level: the legal section's working list. A unit with no event stands at the base score."""
    if not actor.is_authenticated:
        raise NotAuthenticated(N_("Please log in to continue."))
    first = check_page_size(first)
    totals = _totals()
    score = rules.BASE_SCORE + func.coalesce(totals.c.points, 0)
    where = [
        allowed(
            actor,
            Operation.UNIT_CREDIT_VIEW,
            TargetColumns(enterprise_id=col(Enterprise.id), region_code=col(Enterprise.region_code)),
        )
    ]
    if level in rules.LEVEL_LABELS:
        where += _level_bounds(level, score)
    base = sa.select(
        col(Enterprise.credit_code),
        col(Enterprise.name),
        col(Enterprise.region_code),
        score.label("score"),
        func.coalesce(totals.c.events, 0),
    ).join(totals, totals.c.unit == col(Enterprise.id), isouter=True)
    connection = await session.connection()
    count = (
        await connection.execute(
            sa.select(func.count())
            .select_from(Enterprise)
            .join(totals, totals.c.unit == col(Enterprise.id), isouter=True)
            .where(*where)
        )
    ).scalar_one()
    rows = (
        await connection.execute(
            base.where(*where)
            .order_by(score, col(Enterprise.name), col(Enterprise.id))
            .offset(offset)
            .limit(first)
        )
    ).all()
    return Page(
        [
            UnitScore(code, name, region, round(float(value), 2), int(n))
            for code, name, region, value, n in rows
        ],
        offset,
        int(count),
    )


async def levels_by_region(
    session: AsyncSession, actor: Actor, conditions: Sequence[Any] = ()
) -> dict[str, dict[str, int]]:
    """How many units the reader may see stand at each level, by the unit's region (the leaders'
    statistics, ``conditions`` on the unit's columns narrowing to their scope); every level is counted."""
    if not actor.is_authenticated:
        raise NotAuthenticated(N_("Please log in to continue."))
    totals = _totals()
    rows = (
        await (await session.connection()).execute(
            sa.select(col(Enterprise.region_code), func.coalesce(totals.c.points, 0))
            .join(totals, totals.c.unit == col(Enterprise.id), isouter=True)
            .where(
                allowed(
                    actor,
                    Operation.UNIT_CREDIT_VIEW,
                    TargetColumns(enterprise_id=col(Enterprise.id), region_code=col(Enterprise.region_code)),
                ),
                *conditions,
            )
        )
    ).all()
    found: dict[str, dict[str, int]] = {}
    for region_code, points in rows:
        counts = found.setdefault(region_code, dict.fromkeys(rules.LEVEL_LABELS, 0))
        counts[rules.level_of(rules.BASE_SCORE + float(points))] += 1
    return dict(sorted(found.items()))


async def levels_on(session: AsyncSession, enterprise_ids: Sequence[int], day: date) -> dict[int, str]:
    """Each unit's level on ``day`` (China date): its events that happened by then and were not voided by
    then, as the score's history counts them (``history_of``). A unit with no event stands at the base."""
    scores = {unit: rules.BASE_SCORE for unit in enterprise_ids}
    if not scores:
        return {}
    rows = (
        await session.exec(
            select(
                UnitCreditEvent.enterprise_id,
                UnitCreditEvent.points,
                UnitCreditEvent.occurred_at,
                UnitCreditEvent.voided_at,
            ).where(col(UnitCreditEvent.enterprise_id).in_(sorted(scores)))
        )
    ).all()
    for unit, points, occurred_at, voided_at in rows:
        if china_date(occurred_at) <= day and (voided_at is None or china_date(voided_at) > day):
            scores[unit] += points
    return {unit: rules.level_of(round(score, 2)) for unit, score in scores.items()}


async def warned_units(session: AsyncSession, enterprise_ids: Sequence[int], day: date) -> frozenset[int]:
    """The units whose credit on ``day`` stands at 环保警示 or 环保不良: the inspection plan visits them more
    often (``inspections.service.plans.RaisedUnits``; docs/domain-rules.md, Inspection frequency)."""
    levels = await levels_on(session, enterprise_ids, day)
    return frozenset(unit for unit, level in levels.items() if level in rules.RAISED_INSPECTION_LEVELS)


async def inspection_weights(
    session: AsyncSession, enterprise_ids: Sequence[int], day: date
) -> dict[int, int]:
    """Each unit's weight in a double-random draw on ``day`` when above 1 (``rules.INSPECTION_DRAW_WEIGHTS``:
    警示 2, 不良 3; ``inspections.service.draws.UnitWeights``)."""
    levels = await levels_on(session, enterprise_ids, day)
    return {
        unit: rules.INSPECTION_DRAW_WEIGHTS[level]
        for unit, level in levels.items()
        if level in rules.INSPECTION_DRAW_WEIGHTS
    }
