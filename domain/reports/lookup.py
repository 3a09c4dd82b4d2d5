"""Finding a permit's reports as one actor may see them: a permit or report the actor may not see does not
exist for them (``NotFound``), except that an anonymous caller is asked to log in first.

Filed annual reports are public (M48 §37): where a reader asks for one, ``public_annual`` lets anyone
through (what the public then sees of it is decided by the read side).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, can, require
from domain.errors import N_, NotFound
from domain.permits.models import Permit
from domain.permits.reference import ReportKind
from domain.permits.rules import normal_number
from domain.permits.state import target_of
from domain.reports import rounds
from domain.reports.models import (
    ExecutionReport,
    FeedbackForm,
    FeedbackItem,
    ReportSubmission,
    SectionItem,
    SectionReview,
)


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


async def rounds_of(
    session: AsyncSession, report: ExecutionReport, submissions: Sequence[ReportSubmission]
) -> dict[int, rounds.Round]:
    """The review rounds (PT §5) of a report's submissions, by submission id, from their rows (four
    statements whatever the number of submissions)."""
    ids = sorted(s.id for s in submissions if s.id is not None)
    if not ids:
        return {}
    steps = (await session.exec(select(SectionReview).where(col(SectionReview.submission_id).in_(ids)))).all()
    step_ids = sorted(s.id for s in steps if s.id is not None)
    items = (
        (await session.exec(select(SectionItem).where(col(SectionItem.review_id).in_(step_ids)))).all()
        if step_ids
        else []
    )
    forms = {
        f.id: f
        for f in (await session.exec(select(FeedbackForm).where(FeedbackForm.report_id == report.id))).all()
    }
    issued: dict[int, FeedbackForm] = {}
    if forms:
        for item_id, form_id in (
            await session.exec(
                select(FeedbackItem.section_item_id, FeedbackItem.form_id).where(
                    col(FeedbackItem.form_id).in_(sorted(i for i in forms if i is not None)),
                    col(FeedbackItem.section_item_id).is_not(None),
                )
            )
        ).all():
            if item_id is not None:
                issued[item_id] = forms[form_id]
    step_round = {s.id: s.submission_id for s in steps}
    return {
        submission.id: rounds.work_out(
            report.kind,
            submission,
            [s for s in steps if s.submission_id == submission.id],
            [i for i in items if step_round.get(i.review_id) == submission.id],
            issued,
        )
        for submission in submissions
        if submission.id is not None
    }
