"""催报: a regulator reminds a unit of a report that is past due and was never submitted (issue 17; JN
and AP (4): reminders when a report is due). One click on the overdue list tells the unit's staff and the
agency filing its reports, in the notification centre and by mail, with the report, the due date and the
link that writes it. A second click the same day tells nobody again; each reminder is in the audit trail
and on the unit's own trail."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.audit.service import record
from domain.clock import today
from domain.errors import N_, Conflict
from domain.permits.state import target_of
from domain.reports import checks, lookup, notices
from domain.reports.models import ExecutionReport


@dataclass(frozen=True)
class Urged:
    told: int  # people told now (0: already reminded today, or nobody to tell)
    already_today: bool


async def urge_report(
    session: AsyncSession, actor: Actor, *, permit_number: str, kind: str, period: str
) -> Urged:
    """Remind the unit of an overdue report. Refused (``Conflict``) unless the permit owes the period's
    report, its due date has passed and no version was ever submitted; an unknown period is a field
    error; a permit outside the reader's jurisdiction is not found."""
    permit = await lookup.permit(session, actor, permit_number)
    require(actor, Operation.REPORT_REVIEW, target_of(permit))
    target = checks.period(kind, period)
    planned = await checks.planned(session, permit, kind, target)
    on = today()
    if planned is None or not planned.owed or on <= planned.due_date:
        raise Conflict(
            N_("This report is not overdue: there is nothing to remind the unit of."), code="not_overdue"
        )
    filed = (
        await session.exec(
            select(ExecutionReport).where(
                ExecutionReport.permit_id == permit.id,
                ExecutionReport.kind == kind,
                ExecutionReport.period == target.label,
            )
        )
    ).first()
    if filed is not None and filed.first_submitted_at is not None:
        raise Conflict(N_("The unit has submitted this report."), code="submitted")
    recipients = await notices.unit_recipients(session, permit)
    told = await notices.report_urged(
        session, permit, kind, target.label, planned.due_date, recipients, on=on
    )
    if told == 0 and recipients:
        return Urged(told=0, already_today=True)
    record(
        session,
        actor,
        action="report.urge",
        object_type="execution_report",
        object_id=f"{permit.number}/{kind}/{target.label}",
        enterprise_id=permit.enterprise_id,
        after={"due_on": planned.due_date.isoformat(), "count": told},
    )
    return Urged(told=told, already_today=False)
