"""The regulators' side of review (PT §5): the queue of a jurisdiction's reports in a state, those with rule
errors first, and the review page of one report for one department, its own sections and the rule
findings first. Returning or accepting a report is ``service.review``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.access.sql import allowed
from domain.enterprises.models import Enterprise
from domain.errors import N_, NotFound
from domain.permits.models import Permit
from domain.permits.state import TARGET_COLUMNS, target_of
from domain.reports import departments
from domain.reports.content import sections_of
from domain.reports.models import AuditFinding, ExecutionReport, ReportSubmission
from domain.reports.queries.report import ReportView, findings_by_field, report_view, severity_first


async def review_queue(
    session: AsyncSession, actor: Actor, *, state: str = "submitted", first: int = 50, offset: int = 0
) -> tuple[list[tuple[ExecutionReport, Permit, ReportSubmission | None]], int]:
    """Reports of the jurisdiction waiting for review: those with rule errors first, then by due date."""
    require(actor, Operation.PERMIT_LIST)
    statement = (
        select(ExecutionReport, Permit, ReportSubmission)
        .join(Permit, col(Permit.id) == col(ExecutionReport.permit_id))
        .join(
            ReportSubmission,
            sa.and_(
                col(ReportSubmission.report_id) == col(ExecutionReport.id),
                col(ReportSubmission.version) == col(ExecutionReport.latest_version),
            ),
            isouter=True,
        )
        .where(ExecutionReport.state == state)
    )
    # The SQL form of can(REPORT_VIEW): the reports of the reader's jurisdiction (all: the administrator).
    statement = statement.where(allowed(actor, Operation.REPORT_VIEW, TARGET_COLUMNS))
    total = (await session.exec(select(sa.func.count()).select_from(statement.subquery()))).one()
    rows = (
        await session.exec(
            # The id breaks ties: pages of an order that is not total overlap (PostgreSQL).
            statement.order_by(
                col(ReportSubmission.error_count).desc(),
                col(ExecutionReport.due_date),
                col(ExecutionReport.id),
            )
            .offset(offset)
            .limit(first)
        )
    ).all()
    return [(r, p, s) for r, p, s in rows], int(total)


REVIEW_STATES = ("submitted", "returned", "accepted")


@dataclass
class QueueRow:
    report: ExecutionReport
    permit: Permit
    submission: ReportSubmission | None
    enterprise_name: str


@dataclass
class Queue:
    state: str
    rows: list[QueueRow]
    total: int
    offset: int
    errors: int  # over the rows shown
    warnings: int


async def enterprise_names(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = (
        await session.exec(select(Enterprise.id, Enterprise.name).where(col(Enterprise.id).in_(wanted)))
    ).all()
    return {int(i or 0): str(n) for i, n in rows}


async def review_queue_page(
    session: AsyncSession, actor: Actor, *, state: str = "submitted", first: int = 50, offset: int = 0
) -> Queue:
    """Reports of the jurisdiction in a state, those with rule errors first, with their unit."""
    state = state if state in REVIEW_STATES else "submitted"
    rows, total = await review_queue(session, actor, state=state, first=first, offset=offset)
    names = await enterprise_names(session, (p.enterprise_id for _r, p, _s in rows))
    queue_rows = [QueueRow(r, p, s, names.get(p.enterprise_id, "")) for r, p, s in rows]
    return Queue(
        state,
        queue_rows,
        total,
        offset,
        errors=sum(s.error_count for _r, _p, s in rows if s),
        warnings=sum(s.warning_count for _r, _p, s in rows if s),
    )


@dataclass
class ReviewPage:
    view: ReportView
    enterprise: Enterprise
    latest: ReportSubmission
    findings: list[AuditFinding]  # of the latest submission, errors first
    own_sections: tuple[str, ...]  # the sections this department checks (PT §5), first
    other_sections: tuple[str, ...]
    may_review: bool

    @property
    def report(self) -> ExecutionReport:
        return self.view.report

    @property
    def permit(self) -> Permit:
        return self.view.permit

    @property
    def findings_at(self) -> dict[str, list[AuditFinding]]:
        return findings_by_field(self.findings)


async def review_page(session: AsyncSession, actor: Actor, *, report_id: int) -> ReviewPage:
    """The review of a report by one department: its own sections first, rule findings first."""
    view = await report_view(session, actor, report_id=report_id)
    require(actor, Operation.REPORT_REVIEW, target_of(view.permit))
    if not view.submissions:
        raise NotFound(N_("No such report."), field="report")
    latest = view.submissions[0]
    assert latest.id is not None
    enterprise = await session.get(Enterprise, view.permit.enterprise_id)
    assert enterprise is not None
    present = sections_of(view.report.kind)
    own = tuple(s for s in departments.sections_for(actor.role.value if actor.role else None) if s in present)
    view.findings = {k: severity_first(v) for k, v in view.findings.items()}
    return ReviewPage(
        view,
        enterprise,
        latest,
        view.findings.get(latest.id, []),
        own,
        tuple(s for s in present if s not in own),
        may_review=view.report.state == "submitted",
    )
