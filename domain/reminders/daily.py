"""Everything due on a day, run once a day by the mail worker (``remind_if_new_day``, handed to it by
``permitwatch worker``) or by ``permitwatch remind``."""

from __future__ import annotations

import logging
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.calendar.service import refresh
from domain.clock import today
from domain.db import Database
from domain.reminders.digest import send_monthly_digests
from domain.reminders.due import send_due_reminders, send_feedback_reminders, send_report_reminders
from domain.reminders.letters import ReminderSummary
from domain.reports.service.review import escalate_overdue_feedback
from domain.supervision.credit.queries import warned_units
from domain.supervision.credit.service import refresh_all_credit
from domain.supervision.inspections.service.plans import keep_plans_current
from domain.supervision.problems.intake import raise_overdue_feedback
from domain.supervision.problems.notices import send_rectification_reminders
from domain.supervision.quality.audit import audit_new_versions

log = logging.getLogger("permitwatch.worker")


async def run_daily(session: AsyncSession, *, on: date) -> ReminderSummary:
    """Everything due on a day: renewal reminders, the monthly digest (on the 1st), rectification
    reminders, and feedback problems left unanswered past their deadline becoming problems for the
    department that issued the form (before the form closes) and enforcement leads; each district's
    inspection plan of the year brought up to the permits issued since; the quality audit of every permit
    version issued since (its findings problems for the permitting section); every unit's credit events
    recomputed from its records (a level that changes is told to the unit)."""
    await refresh(session)  # count with the holiday schedules loaded since this process started
    summary = await send_due_reminders(session, on=on)
    for part in (
        await send_report_reminders(session, on=on),
        await send_feedback_reminders(session, on=on),
        await send_monthly_digests(session, on=on),
    ):
        summary.notices += part.notices
        summary.emails += part.emails
        summary.permits |= part.permits
    summary.notices += await send_rectification_reminders(session, on=on)
    await raise_overdue_feedback(session, on=on)
    await escalate_overdue_feedback(session, on=on)
    await keep_plans_current(session, on=on, raised_by=warned_units)
    await audit_new_versions(session, on=on)
    await refresh_all_credit(session)
    return summary


async def remind_if_new_day(db: Database, last_day: date | None) -> date:
    """The worker's scheduler: write the day's reminders once per China date (idempotent anyway)."""
    day = today()
    if day != last_day:
        async with db.transaction() as session:
            summary = await run_daily(session, on=day)
        log.info("reminders for %s: %s notices, %s e-mails", day, summary.notices, summary.emails)
    return day
