"""Finding a permit's reports as one actor may see them: a permit or report the actor may not see does not
exist for them (``NotFound``), except that an anonymous caller is asked to log in first.

Filed annual reports are public (M48 §37): where a reader asks for one, ``public_annual`` lets anyone
through (what the public then sees of it is decided by the read side).
"""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, can, require
from domain.errors import N_, NotFound
from domain.permits.models import Permit
from domain.permits.reference import ReportKind
from domain.permits.rules import normal_number
from domain.permits.state import target_of
from domain.reports.models import ExecutionReport, ReportSubmission


def visible(actor: Actor, permit: Permit | None) -> Permit:
    """The permit, if the actor may see its reports; otherwise it does not exist for them."""
    if permit is None or not can(actor, Operation.REPORT_VIEW, target_of(permit)):
        if not actor.is_authenticated:
            require(actor, Operation.REPORT_VIEW)
        raise NotFound(N_("No permit with this number."), field="permit_number")
    return permit


async def permit(session: AsyncSession, actor: Actor, number: str) -> Permit:
    found = (await session.exec(select(Permit).where(Permit.number == normal_number(number)))).first()
    return visible(actor, found)


async def report(
    session: AsyncSession, actor: Actor, report_id: int, *, public_annual: bool = False
) -> tuple[ExecutionReport, Permit]:
    """A report by its id and its permit."""
    found = await session.get(ExecutionReport, report_id)
    permit = await session.get(Permit, found.permit_id) if found else None
    if found is None or permit is None:
        raise NotFound(N_("No such report."), field="report")
    if public_annual and found.kind == ReportKind.ANNUAL and found.latest_version > 0:
        return found, permit  # annual reports are public (M48 §37)
    if not can(actor, Operation.REPORT_VIEW, target_of(permit)):
        if not actor.is_authenticated:
            require(actor, Operation.REPORT_VIEW)
        raise NotFound(N_("No such report."), field="report")
    return found, permit


async def report_of(
    session: AsyncSession, permit: Permit, kind: str, label: str, *, lock: bool = False
) -> ExecutionReport | None:
    """The permit's report of a kind and period label, if one was opened (locked FOR UPDATE on request).
    The caller has checked that the permit is the actor's to see."""
    statement = select(ExecutionReport).where(
        ExecutionReport.permit_id == permit.id,
        ExecutionReport.kind == kind,
        ExecutionReport.period == label,
    )
    if lock:
        statement = statement.with_for_update()
    return (await session.exec(statement)).first()


async def latest_submission(session: AsyncSession, report: ExecutionReport) -> ReportSubmission | None:
    return (
        await session.exec(
            select(ReportSubmission).where(
                ReportSubmission.report_id == report.id, ReportSubmission.version == report.latest_version
            )
        )
    ).first()
