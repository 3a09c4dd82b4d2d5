"""Loading a year's holiday schedule, and counting again the stored deadlines it moves.

The schedule itself is the calendar's (``domain.calendar.service.store_schedule``); the deadlines it moves
are the permits', so the use case that does both in one transaction lives here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor
from domain.audit.service import record
from domain.calendar.service import store_schedule
from domain.permits import law
from domain.permits.models import Permit, PermitApplication
from domain.permits.rules import ApplicationKind, ApplicationStatus, PermitStatus
from domain.permits.service.common import set_renewal_due
from domain.permits.state import OPEN_APPLICATION_STATUSES, acceptance_clock_start, waiting_for_materials


@dataclass(frozen=True)
class LoadResult:
    year: int
    days_off: int
    make_up_days: int
    replaced: bool
    recounted: int  # stored deadlines counted again


async def load_schedule(session: AsyncSession, actor: Actor, *, text: str) -> LoadResult:
    """Check and load a year's holiday schedule (replacing that year's earlier one); count the stored
    deadlines again with it; audit both as one act."""
    stored = await store_schedule(session, actor, text=text)
    row = stored.row
    recounted = await recount_deadlines(session, row.year)
    await session.flush()
    record(
        session,
        actor,
        action="calendar.load",
        object_type="holiday_year",
        object_id=row.year,
        enterprise_id=None,
        before=stored.before,
        after={
            "days_off": row.days_off,
            "make_up_days": row.make_up_days,
            "recounted_deadlines": recounted,
        },
    )
    replaced = stored.before is not None
    return LoadResult(row.year, len(row.days_off), len(row.make_up_days), replaced, recounted)


async def recount_deadlines(session: AsyncSession, year: int) -> int:
    """Count again the stored deadlines a newly loaded ``year`` may move: renewal deadlines counted in
    working days across it, and the time limits of open applications. Returns how many dates moved or
    stopped being approximate. Called by ``load_schedule`` in its transaction."""
    changed = 0
    first, last = date(year, 1, 1), date(year, 12, 31)
    permits = (
        await session.exec(
            select(Permit).where(
                Permit.status == PermitStatus.ISSUED,
                col(Permit.valid_until) >= first,
                col(Permit.renewal_due) <= last,
            )
        )
    ).all()
    for permit in permits:
        before = (permit.renewal_due, permit.renewal_due_approximate)
        set_renewal_due(permit)
        if (permit.renewal_due, permit.renewal_due_approximate) != before:
            session.add(permit)
            changed += 1
    applications = (
        await session.exec(
            select(PermitApplication, Permit)
            .join(Permit, col(Permit.id) == col(PermitApplication.permit_id))
            .where(col(PermitApplication.status).in_(OPEN_APPLICATION_STATUSES))
        )
    ).all()
    for application, permit in applications:
        before_dates = (
            application.accept_due,
            application.accept_due_approximate,
            application.decision_due,
            application.decision_due_approximate,
            application.issue_due,
            application.issue_due_approximate,
        )
        kind = application.kind
        if (
            application.status == ApplicationStatus.SUBMITTED
            and not waiting_for_materials(application)
            and kind != ApplicationKind.REPLACEMENT
        ):
            due = law.acceptance_due(acceptance_clock_start(application))
            application.accept_due, application.accept_due_approximate = due.date, due.approximate
        elif application.status == ApplicationStatus.ACCEPTED and application.accepted_on is not None:
            category = application.proposed_category or permit.category
            due = law.decision_due(application.received_on, application.accepted_on, kind, category)
            if application.extended:
                extended = law.extended_decision_due(application.received_on, due.date)
                approximate = due.approximate or extended.approximate
                application.decision_due, application.decision_due_approximate = extended.date, approximate
            else:
                application.decision_due, application.decision_due_approximate = due.date, due.approximate
        elif application.status == ApplicationStatus.GRANTED and application.decided_on is not None:
            due = (
                law.replacement_issue_due(application.received_on)
                if kind == ApplicationKind.REPLACEMENT
                else law.issue_due(application.received_on, application.decided_on)
            )
            application.issue_due, application.issue_due_approximate = due.date, due.approximate
        after_dates = (
            application.accept_due,
            application.accept_due_approximate,
            application.decision_due,
            application.decision_due_approximate,
            application.issue_due,
            application.issue_due_approximate,
        )
        if after_dates != before_dates:
            session.add(application)
            changed += 1
    return changed
