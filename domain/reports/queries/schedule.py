"""The schedule of reports: every period a permit requires a report for, from the start of its validity to
now, with its due date and state (filed or not, late or not); the unit's schedules of all its permits (an
agency's: of its clients'), and the summary on a permit's page. Regulators never see a unit's drafts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, can, require
from domain.access.sql import allowed
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.permits.models import Permit
from domain.permits.rules import normal_number
from domain.permits.state import TARGET_COLUMNS, target_of
from domain.permits.terms import terms_of
from domain.reports import lookup, rules
from domain.reports import schedule as plans
from domain.reports.models import ExecutionReport


@dataclass(frozen=True)
class ScheduledReport:
    kind: str
    period: rules.Period
    due_date: date
    state: str  # not_due / open / overdue / draft / submitted / returned / accepted / covered
    report: ExecutionReport | None
    reason: str | None = None  # why the permit does not owe it: rules.SHORT_HOLDING or rules.FOLDED
    covered_by: rules.Period | None = None  # the report whose content includes this period's

    @property
    def late(self) -> bool:
        return self.report is not None and self.report.on_time is False


def schedule_state(
    report: ExecutionReport | None, period: rules.Period, due: date, on: date, *, owed: bool = True
) -> str:
    if report is not None and report.state != "draft":
        return report.state
    if not owed:
        return "covered"
    if period.end >= on:
        return "not_due" if report is None else "draft"
    return "overdue" if on > due else ("draft" if report is not None else "open")


async def report_schedule(
    session: AsyncSession, actor: Actor, *, permit_number: str
) -> list[ScheduledReport]:
    """Every period the permit requires a report for, from the start of its validity to now, newest first."""
    permit = await lookup.permit(session, actor, permit_number)
    assert permit.id is not None
    scheduled = (await report_schedules(session, [permit]))[permit.id]
    if actor.is_unit_side:
        return scheduled
    # A report never filed holds only the unit's draft: regulators see the period as not yet filed.
    on = today()
    return [
        replace(
            item,
            state=schedule_state(None, item.period, item.due_date, on, owed=item.reason is None),
            report=None,
        )
        if item.report is not None and item.report.latest_version == 0
        else item
        for item in scheduled
    ]


async def report_schedules(
    session: AsyncSession, permits: Sequence[Permit]
) -> dict[int, list[ScheduledReport]]:
    """``report_schedule`` of many permits at once (an agency's clients), in two queries whatever their
    number. The caller has checked that the permits are the actor's to see."""
    on = today()
    existing: dict[int, dict[tuple[str, str], ExecutionReport]] = defaultdict(dict)
    ids = sorted(p.id for p in permits if p.id is not None)
    if ids:
        for report in (
            await session.exec(select(ExecutionReport).where(col(ExecutionReport.permit_id).in_(ids)))
        ).all():
            existing[report.permit_id][(report.kind, report.period)] = report
    terms = await terms_of(session, permits)
    defaults = plans.default_due_days()
    schedules: dict[int, list[ScheduledReport]] = {}
    for permit in permits:
        assert permit.id is not None
        scheduled: list[ScheduledReport] = []
        for item in plans.permit_plan(permit, terms[permit.id], until=on, defaults=defaults):
            filed = existing[permit.id].get((item.kind, item.period.label))
            state = schedule_state(filed, item.period, item.due_date, on, owed=item.owed)
            scheduled.append(
                ScheduledReport(
                    item.kind, item.period, item.due_date, state, filed, item.reason, item.covered_by
                )
            )
        schedules[permit.id] = sorted(scheduled, key=lambda s: (s.period.end, s.kind), reverse=True)
    return schedules


def landing(actor: Actor) -> str | None:
    """Where /reports sends someone who files no reports: reviewers to their queue."""
    if actor.is_enterprise_user:
        return None
    if can(actor, Operation.PERMIT_LIST):
        return "/review"
    return None


@dataclass
class PermitSchedule:
    permit: Permit
    enterprise: Enterprise
    items: list[ScheduledReport]

    @property
    def needs_attention(self) -> int:
        return sum(1 for s in self.items if s.state in ("overdue", "returned"))

    def _recent(self, item: ScheduledReport) -> bool:
        return item.period.end >= today() - RECENT or item.state not in ("submitted", "accepted", "covered")

    @property
    def recent(self) -> list[ScheduledReport]:
        """The periods of the last year, and older ones that still wait for the unit."""
        return [item for item in self.items if self._recent(item)]

    @property
    def earlier(self) -> list[ScheduledReport]:
        """Older periods filed and closed or under review (shown folded)."""
        return [item for item in self.items if not self._recent(item)]


RECENT = timedelta(days=366)


async def my_schedules(session: AsyncSession, actor: Actor) -> list[PermitSchedule]:
    """The schedule of every permit the actor files reports for, newest periods first: its own unit's
    (unit staff), or those of the enterprises that authorised its agency for execution reports, with an
    authorisation in force today (agency staff), client by client."""
    if not actor.is_unit_side:
        require(actor, Operation.REPORT_WRITE, None)  # refused: only the unit's side files reports
        return []
    rows = (
        await session.exec(
            select(Permit, Enterprise)
            .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
            .where(
                # The SQL form of can(REPORT_VIEW): the unit's own; an agency's clients for reports.
                allowed(actor, Operation.REPORT_VIEW, TARGET_COLUMNS),
                col(Permit.number).is_not(None),
                col(Permit.valid_from).is_not(None),
            )
            .order_by(col(Enterprise.name), col(Permit.number))
        )
    ).all()
    schedules = await report_schedules(session, [permit for permit, _enterprise in rows])
    return [PermitSchedule(permit, enterprise, schedules[permit.id or 0]) for permit, enterprise in rows]


async def permit_schedule(session: AsyncSession, actor: Actor, *, permit_number: str) -> PermitSchedule:
    """One permit's schedule for anyone who may see the permit (regulators do not see drafts)."""
    items = await report_schedule(session, actor, permit_number=permit_number)
    permit, enterprise = (
        await session.exec(
            select(Permit, Enterprise)
            .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
            .where(Permit.number == normal_number(permit_number))
        )
    ).one()
    return PermitSchedule(permit, enterprise, items)


@dataclass
class PermitReports:
    """A permit's execution reports at a glance (its page): counts by state and the latest periods."""

    schedule: PermitSchedule
    latest: list[ScheduledReport]
    files: bool  # the actor files this permit's reports (the unit, its agency)
    reviews: bool  # the actor reviews them (the jurisdiction's regulators)

    def count(self, *states: str) -> int:
        return sum(1 for item in self.schedule.items if item.state in states)

    @property
    def late(self) -> int:
        return sum(1 for item in self.schedule.items if item.late)


async def permit_reports(
    session: AsyncSession, actor: Actor, permit: Permit, *, latest: int = 8
) -> PermitReports | None:
    """The summary for the permit's page; None for a permit without reports or a reader who may not
    see them (the public reads annual reports on the disclosure pages)."""
    if permit.number is None or permit.valid_from is None:
        return None
    if not can(actor, Operation.REPORT_VIEW, target_of(permit)):
        return None
    schedule = await permit_schedule(session, actor, permit_number=permit.number)
    due = [item for item in schedule.items if item.state != "not_due" or item.report is not None]
    return PermitReports(
        schedule=schedule,
        latest=due[:latest],
        files=actor.is_unit_side,
        reviews=can(actor, Operation.REPORT_REVIEW, target_of(permit)),
    )
