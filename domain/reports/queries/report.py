"""One report as its readers see it: every submission time (newest first; the first one is judged), the
audit findings, the feedback forms; its page and the receipt (回执) of a submission. Filed annual reports
are public (M48 §37): their page is read through ``queries.public``, and anyone may check their chain.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, can, require
from domain.audit_rules import engine
from domain.enterprises.models import Enterprise
from domain.errors import N_, NotFound
from domain.permits.models import Permit
from domain.permits.state import target_of
from domain.reports import lookup
from domain.reports.content import sections_of
from domain.reports.models import (
    AuditFinding,
    ExecutionReport,
    FeedbackForm,
    FeedbackItem,
    ReportAttachment,
    ReportSubmission,
)
from domain.reports.queries import attachments


def findings_by_field(findings: Iterable[Any]) -> dict[str, list[Any]]:
    """Findings (of a draft or a submission) keyed by the exact field path they fault."""
    grouped: dict[str, list[Any]] = defaultdict(list)
    for finding in findings:
        grouped[finding.field].append(finding)
    return dict(grouped)


def severity_first(findings: Iterable[AuditFinding]) -> list[AuditFinding]:
    return sorted(findings, key=lambda f: (f.severity != engine.ERROR, f.rule_code, f.field))


@dataclass
class ReportView:
    report: ExecutionReport
    permit: Permit
    submissions: list[ReportSubmission]
    findings: dict[int, list[AuditFinding]]
    feedback: list[tuple[FeedbackForm, list[FeedbackItem]]] = field(default_factory=list)
    reply_files: dict[int, list[ReportAttachment]] = field(default_factory=dict)  # by feedback form id


async def report_view(session: AsyncSession, actor: Actor, *, report_id: int) -> ReportView:
    """A report with every submission time (newest first), findings and feedback forms."""
    report, permit = await lookup.report(session, actor, report_id, public_annual=True)
    submissions = list(
        (
            await session.exec(
                select(ReportSubmission)
                .where(ReportSubmission.report_id == report.id)
                .order_by(col(ReportSubmission.version).desc())
            )
        ).all()
    )
    ids = [s.id for s in submissions if s.id is not None]
    findings: dict[int, list[AuditFinding]] = defaultdict(list)
    if ids:
        for finding in (
            await session.exec(select(AuditFinding).where(col(AuditFinding.submission_id).in_(ids)))
        ).all():
            findings[finding.submission_id].append(finding)
    forms = list(
        (
            await session.exec(
                select(FeedbackForm)
                .where(FeedbackForm.report_id == report.id)
                .order_by(col(FeedbackForm.id).desc())
            )
        ).all()
    )
    items: dict[int, list[FeedbackItem]] = defaultdict(list)
    form_ids = [f.id for f in forms if f.id is not None]
    if form_ids:
        for item in (
            await session.exec(select(FeedbackItem).where(col(FeedbackItem.form_id).in_(form_ids)))
        ).all():
            items[item.form_id].append(item)
    replies = (
        await attachments.reply_files(session, report.id)
        if forms and report.id is not None and can(actor, Operation.REPORT_VIEW, target_of(permit))
        else {}
    )
    return ReportView(
        report, permit, submissions, dict(findings), [(f, items.get(f.id or 0, [])) for f in forms], replies
    )


async def submission_by_receipt(
    session: AsyncSession, actor: Actor, *, receipt_number: str
) -> tuple[ReportSubmission, ExecutionReport, Permit]:
    submission = (
        await session.exec(
            select(ReportSubmission).where(ReportSubmission.receipt_number == receipt_number.strip())
        )
    ).first()
    if submission is None:
        raise NotFound(N_("No submission with this receipt number."), field="receipt_number")
    report, permit = await lookup.report(session, actor, submission.report_id, public_annual=True)
    return submission, report, permit


@dataclass
class Receipt:
    submission: ReportSubmission
    report: ExecutionReport
    permit: Permit
    enterprise: Enterprise
    findings: list[AuditFinding]

    @property
    def is_first(self) -> bool:
        return self.submission.version == 1


async def _readable(session: AsyncSession, actor: Actor, permit: Permit) -> None:
    """Logged-in pages: the unit's own users, regulators of the jurisdiction, the administrator."""
    if not can(actor, Operation.REPORT_VIEW, target_of(permit)):
        if not actor.is_authenticated:
            require(actor, Operation.REPORT_VIEW)
        raise NotFound(N_("No such report."), field="report")


async def _findings(session: AsyncSession, submission_ids: list[int]) -> dict[int, list[AuditFinding]]:
    grouped: dict[int, list[AuditFinding]] = defaultdict(list)
    if submission_ids:
        for finding in (
            await session.exec(
                select(AuditFinding)
                .where(col(AuditFinding.submission_id).in_(submission_ids))
                .order_by(col(AuditFinding.id))
            )
        ).all():
            grouped[finding.submission_id].append(finding)
    return {k: severity_first(v) for k, v in grouped.items()}


async def receipt_page(session: AsyncSession, actor: Actor, *, receipt_number: str) -> Receipt:
    """回执: what was filed, when the server received it, its hash and the one before, by whom."""
    submission, report, permit = await submission_by_receipt(session, actor, receipt_number=receipt_number)
    await _readable(session, actor, permit)
    enterprise = await session.get(Enterprise, permit.enterprise_id)
    assert enterprise is not None and submission.id is not None
    findings = (await _findings(session, [submission.id])).get(submission.id, [])
    return Receipt(submission, report, permit, enterprise, findings)


@dataclass
class ReportPage:
    view: ReportView
    enterprise: Enterprise
    shown: ReportSubmission | None  # the submission whose content is shown
    may_write: bool
    may_review: bool
    may_see_files: bool = False  # the files filed with it (not the public reading an annual report)

    @property
    def report(self) -> ExecutionReport:
        return self.view.report

    @property
    def permit(self) -> Permit:
        return self.view.permit

    @property
    def sections(self) -> tuple[str, ...]:
        return sections_of(self.view.report.kind)

    @property
    def first_submission(self) -> ReportSubmission | None:
        return self.view.submissions[-1] if self.view.submissions else None

    @property
    def shown_findings_at(self) -> dict[str, list[AuditFinding]]:
        if self.shown is None or self.shown.id is None:
            return {}
        return findings_by_field(self.view.findings.get(self.shown.id, []))


async def report_page(
    session: AsyncSession, actor: Actor, *, report_id: int, version: int | None = None
) -> ReportPage:
    """A report: every submission time (newest first, the first one judged), findings, feedback forms."""
    view = await report_view(session, actor, report_id=report_id)
    await _readable(session, actor, view.permit)
    enterprise = await session.get(Enterprise, view.permit.enterprise_id)
    assert enterprise is not None
    shown = next((s for s in view.submissions if s.version == version), None) if version else None
    shown = shown or (view.submissions[0] if view.submissions else None)
    view.findings = {k: severity_first(v) for k, v in view.findings.items()}
    target = target_of(view.permit)
    return ReportPage(
        view,
        enterprise,
        shown,
        may_write=can(actor, Operation.REPORT_WRITE, target),
        may_review=can(actor, Operation.REPORT_REVIEW, target),
        may_see_files=can(actor, Operation.REPORT_VIEW, target),
    )
