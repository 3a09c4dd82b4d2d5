"""Counting stored deadlines again when a year's holiday schedule is loaded (``domain.calendar.service``)."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.permits import law
from domain.permits.models import Permit, PermitApplication
from domain.permits.rules import ApplicationKind, ApplicationStatus, PermitStatus
from domain.permits.service.common import set_renewal_due
from domain.permits.state import OPEN_APPLICATION_STATUSES, acceptance_clock_start, waiting_for_materials


async def recount_deadlines(session: AsyncSession, year: int) -> int:
    """Count again the stored deadlines a newly loaded ``year`` may move: renewal deadlines counted in
    working days across it, and the time limits of open applications. Returns how many dates moved or
    stopped being approximate. Called by ``domain.calendar.service.load_schedule`` in its transaction."""
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
