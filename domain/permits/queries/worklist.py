"""The regulator's worklist: open applications of the jurisdiction, nearest time limit first. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.access.sql import allowed
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.pagination import Page, check_page_size
from domain.permits.models import Permit, PermitApplication
from domain.permits.queries.deadlines import ApplicationSteps, application_steps
from domain.permits.rules import ApplicationStatus
from domain.permits.state import OPEN_APPLICATION_STATUSES, TARGET_COLUMNS

WORKLIST_LIMIT = 100


@dataclass(frozen=True)
class WorklistItem:
    steps: ApplicationSteps
    permit: Permit
    enterprise: Enterprise


@dataclass(frozen=True)
class Worklist:
    page: Page[WorklistItem]
    overdue: int
    late_this_year: int = 0  # applications the units filed after their renewal or change window, this year


def _current_due() -> Any:
    return sa.case(
        (col(PermitApplication.status) == ApplicationStatus.SUBMITTED, col(PermitApplication.accept_due)),
        (col(PermitApplication.status) == ApplicationStatus.ACCEPTED, col(PermitApplication.decision_due)),
        else_=col(PermitApplication.issue_due),
    )


async def regulator_worklist(
    session: AsyncSession, actor: Actor, *, first: int = WORKLIST_LIMIT, offset: int = 0
) -> Worklist:
    """Open applications of the actor's jurisdiction, the nearest time limit first (missed ones lead)."""
    require(actor, Operation.PERMIT_LIST)
    check_page_size(first)
    on = today()
    due = _current_due()
    statement = (
        select(PermitApplication, Permit, Enterprise)
        .join(Permit, col(Permit.id) == col(PermitApplication.permit_id))
        .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
        .where(col(PermitApplication.status).in_(OPEN_APPLICATION_STATUSES))
    )
    # The SQL form of can(PERMIT_VIEW): the applications of permits the reader may view (its jurisdiction).
    visible = allowed(actor, Operation.PERMIT_VIEW, TARGET_COLUMNS)
    statement = statement.where(visible)
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    # While the unit owes the missing materials (补正), the authority's acceptance period is not running.
    waiting = sa.and_(
        col(PermitApplication.status) == ApplicationStatus.SUBMITTED,
        col(PermitApplication.completion_requested_on).is_not(None),
        col(PermitApplication.materials_completed_on).is_(None),
    )
    overdue = (
        await session.exec(
            select(func.count()).select_from(statement.where(due < on, sa.not_(waiting)).subquery())
        )
    ).one()
    late = (
        select(func.count())
        .select_from(PermitApplication)
        .join(Permit, col(Permit.id) == col(PermitApplication.permit_id))
        .where(
            col(PermitApplication.late).is_(True),
            col(PermitApplication.received_on) >= on.replace(month=1, day=1),
            visible,
        )
    )
    late_this_year = (await session.exec(late)).one()
    rows = (
        await session.exec(statement.order_by(due, col(PermitApplication.id)).offset(offset).limit(first))
    ).all()
    items = [
        WorklistItem(application_steps(application, on), permit, enterprise)
        for application, permit, enterprise in rows
    ]
    return Worklist(Page(items=items, offset=offset, total=int(total)), int(overdue), int(late_this_year))
