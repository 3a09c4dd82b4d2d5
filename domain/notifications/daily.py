"""Everything due on a day, run once a day by the worker's scheduler (or ``permitwatch remind``)."""

from __future__ import annotations

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.calendar.service import refresh
from domain.notifications.digest import send_monthly_digests
from domain.notifications.letters import ReminderSummary
from domain.notifications.reminders import send_due_reminders, send_feedback_reminders, send_report_reminders
from domain.reports.service.review import escalate_overdue_feedback


async def run_daily(session: AsyncSession, *, on: date) -> ReminderSummary:
    """Everything due on a day: renewal reminders, the monthly digest (on the 1st), and feedback
    problems left unanswered past their deadline becoming enforcement leads."""
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
    await escalate_overdue_feedback(session, on=on)
    return summary
