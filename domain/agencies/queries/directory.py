"""The directory of agencies with their credit (public: approved and suspended ones only), the legal
section's review lists, and one agency as the API reads it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.access.sql import TargetColumns, allowed
from domain.agencies.labels import STATUS_LABELS
from domain.agencies.models import SERVICE_SCOPES, Agency, CreditEvent
from domain.agencies.queries.credit import credit_of
from domain.agencies.queries.lookup import agency_by_code, may_oversee, may_see_full
from domain.agencies.rules import BASE_SCORE, PUBLIC_STATUSES, level_of, qualification_rows
from domain.clock import today
from domain.enterprises.rules import normalize_credit_code
from domain.errors import N_, FieldError, PermissionDenied, ValidationFailed
from domain.pagination import Key, Page, Window, check_page_size, keyset_page, sort_order


@dataclass(frozen=True)
class AgencyListing:
    agency: Agency
    score: float
    level: str


def scores() -> Any:
    """Each agency's sum of points, to join (agencies without events have none)."""
    return (
        select(CreditEvent.agency_id, sa.func.sum(CreditEvent.points).label("points"))
        .group_by(col(CreditEvent.agency_id))
        .subquery()
    )


def _listing(agency: Agency, points: float | None) -> AgencyListing:
    score = BASE_SCORE + float(points or 0)
    return AgencyListing(agency, round(score, 2), level_of(score))


@dataclass(frozen=True)
class DirectoryFilter:
    query: str = ""
    service: str = ""
    status: str = "approved"
    region_code: str = ""


def _check_filter(actor: Actor, filters: DirectoryFilter) -> DirectoryFilter:
    errors = []
    status = (filters.status or "").strip()
    if status and status not in STATUS_LABELS:
        errors.append(
            FieldError(
                "status", "choice", N_("Choose one of: {choices}."), {"choices": ", ".join(STATUS_LABELS)}
            )
        )
    if filters.service and filters.service not in SERVICE_SCOPES:
        errors.append(
            FieldError(
                "service", "choice", N_("Choose one of: {choices}."), {"choices": ", ".join(SERVICE_SCOPES)}
            )
        )
    if errors:
        raise ValidationFailed(errors)
    # The public reads the directory of agencies that are, or were, allowed to act.
    if not may_oversee(actor) and status and status not in PUBLIC_STATUSES:
        raise PermissionDenied(N_("You are not allowed to do this."), field="status")
    return filters


async def directory(
    session: AsyncSession,
    actor: Actor,
    *,
    filters: DirectoryFilter | None = None,
    first: int = 20,
    offset: int = 0,
    window: Window | None = None,
) -> Page[AgencyListing]:
    """Agencies with their credit score and level, by name. Anyone reads approved and suspended
    agencies; regulators and the administrator may list every status (empty status: all they may see)."""
    check_page_size(first)
    filters = _check_filter(actor, filters or DirectoryFilter())
    points = scores()
    statement = select(Agency, points.c.points).join(points, points.c.agency_id == Agency.id, isouter=True)
    if filters.status:
        statement = statement.where(Agency.status == filters.status)
    elif not may_oversee(actor):
        statement = statement.where(col(Agency.status).in_(PUBLIC_STATUSES))
    text = filters.query.strip()
    if text:
        code = normalize_credit_code(text)
        statement = statement.where(
            sa.or_(col(Agency.name).contains(text), col(Agency.credit_code).startswith(code))
        )
    if filters.service:
        # service_types is a JSON list: its text holds the quoted name on both databases.
        statement = statement.where(
            sa.cast(col(Agency.service_types), sa.Text).contains(f'"{filters.service}"')
        )
    if filters.region_code:
        statement = statement.where(col(Agency.region_code).startswith(filters.region_code.strip()))
    total = (await session.exec(select(sa.func.count()).select_from(statement.subquery()))).one()
    order = (Key(col(Agency.name)), Key(col(Agency.id)))
    if window is not None:
        page = await keyset_page(
            session, statement, order, window, lambda r: (r[0].name, r[0].id), total=int(total)
        )
        return page.mapped([_listing(agency, points) for agency, points in page.items])
    rows = (await session.exec(statement.order_by(*sort_order(order)).offset(offset).limit(first))).all()
    return Page(items=[_listing(agency, points) for agency, points in rows], offset=offset, total=int(total))


async def approved_choices(session: AsyncSession, limit: int = 500) -> list[AgencyListing]:
    """Approved agencies to pick from when authorising, best credit first."""
    points = scores()
    rows = (
        await session.exec(
            select(Agency, points.c.points)
            .join(points, points.c.agency_id == Agency.id, isouter=True)
            .where(Agency.status == "approved")
            .order_by(sa.func.coalesce(points.c.points, 0).desc(), col(Agency.name))
            .limit(limit)
        )
    ).all()
    return [_listing(agency, points) for agency, points in rows]


@dataclass(frozen=True)
class ReviewList:
    status: str
    counts: dict[str, int]
    items: list[AgencyListing]
    expired_qualifications: dict[int, int]


async def review_list(session: AsyncSession, actor: Actor, *, status: str = "pending") -> ReviewList:
    """The legal section's lists: pending, approved, suspended and rejected agencies."""
    require(actor, Operation.AGENCY_REVIEW_LIST)
    if status not in STATUS_LABELS:
        status = "pending"
    counts = {s: 0 for s in STATUS_LABELS}
    # The SQL form of can(AGENCY_REVIEW, agency): agencies registered in the actor's jurisdiction.
    scoped = allowed(
        actor,
        Operation.AGENCY_REVIEW,
        TargetColumns(agency_id=col(Agency.id), region_code=col(Agency.region_code)),
    )
    for value, number in (
        await session.exec(select(Agency.status, sa.func.count()).where(scoped).group_by(col(Agency.status)))
    ).all():
        counts[value] = int(number)
    points = scores()
    rows = (
        await session.exec(
            select(Agency, points.c.points)
            .join(points, points.c.agency_id == Agency.id, isouter=True)
            .where(Agency.status == status, scoped)
            .order_by(col(Agency.created_at), col(Agency.id))
            .limit(500)
        )
    ).all()
    on = today()
    items = [_listing(agency, points) for agency, points in rows]
    expired = {
        item.agency.id or 0: sum(1 for q in qualification_rows(item.agency, on) if q.expired)
        for item in items
    }
    return ReviewList(status, counts, items, expired)


# ---------------------------------------------------------------------------
# The agency as the API and the public read it
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyView:
    agency: Agency
    score: float
    level: str
    events: list[CreditEvent]
    full: bool  # events, staff and contacts beyond the public subset


async def view_agency(session: AsyncSession, actor: Actor, *, credit_code: str) -> AgencyView | None:
    """An agency for the API: in full for its staff and regulators; the public subset of an approved
    or suspended agency for anyone else; None when there is no such agency for this caller."""
    agency = await agency_by_code(session, credit_code)
    if agency is None or agency.id is None:
        return None
    full = may_see_full(actor, agency)
    if not full and agency.status not in PUBLIC_STATUSES:
        return None
    credit = await credit_of(session, agency_id=agency.id, public_only=not full)
    return AgencyView(agency, credit.score, credit.level, credit.events, full)


async def events_of(
    session: AsyncSession, actor: Actor, agency_ids: list[int]
) -> dict[int, list[CreditEvent]]:
    """Events of several agencies in one query: all where the caller may see them, else the public ones."""
    if not agency_ids:
        return {}
    rows = (
        await session.exec(
            select(CreditEvent)
            .where(col(CreditEvent.agency_id).in_(agency_ids))
            .order_by(col(CreditEvent.occurred_at).desc(), col(CreditEvent.id).desc())
        )
    ).all()
    oversee = may_oversee(actor)
    grouped: dict[int, list[CreditEvent]] = {agency_id: [] for agency_id in agency_ids}
    for event in rows:
        if event.public or oversee or actor.agency_id == event.agency_id:
            grouped[event.agency_id].append(event)
    return grouped
