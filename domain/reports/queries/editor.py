"""What the unit sees while writing a report: its draft (pre-filled from the ledger until it saves one), the
audit rules' check of what it typed, and the confirmation of a filing, which refuses now everything the
filing would refuse (a filing cannot be withdrawn). Nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.audit_rules import engine
from domain.clock import today, utcnow
from domain.enterprises.models import Enterprise
from domain.errors import ValidationFailed
from domain.permits.models import Permit
from domain.permits.rules import normal_number
from domain.permits.state import target_of
from domain.permits.terms import permit_terms
from domain.reports import checks, facts, lookup, rules
from domain.reports import content as report_content
from domain.reports import schedule as plans
from domain.reports.content import LIST_SECTIONS, sections_of
from domain.reports.models import (
    ExecutionReport,
    FeedbackForm,
    FeedbackItem,
    ReportAttachment,
    ReportSubmission,
)
from domain.reports.queries import attachments
from domain.reports.queries.report import report_view
from domain.reports.queries.schedule import schedule_state


@dataclass
class Draft:
    report: ExecutionReport | None
    content: dict[str, Any]
    prefilled: bool


async def get_draft(
    session: AsyncSession, actor: Actor, *, permit_number: str, kind: str, period: str
) -> Draft:
    """The unit's draft; a period without one is pre-filled from the ledger. Regulators never see drafts."""
    permit = await lookup.permit(session, actor, permit_number)
    require(actor, Operation.REPORT_WRITE, target_of(permit))
    target = await checks.scheduled_period(session, permit, kind, period)
    report = await lookup.report_of(session, permit, kind, target.label)
    if report is not None and report.draft:
        return Draft(report, dict(report.draft), prefilled=False)
    ledger = await facts.ledger_facts(session, permit, target)
    return Draft(report, facts.prefill_content(kind, ledger, target), prefilled=True)


async def check_draft(
    session: AsyncSession, actor: Actor, *, permit_number: str, kind: str, period: str, content: Any
) -> list[engine.Finding]:
    """Run the audit rules on a draft before anything is filed (the "check" button, checkReportDraft).
    A period or content the rules cannot read is refused with every problem at once."""
    permit = await lookup.permit(session, actor, permit_number)
    require(actor, Operation.REPORT_WRITE, target_of(permit))
    nominal, errors = checks.period_errors(kind, period)
    errors += report_content.check_shape(kind, content)
    if errors:
        raise ValidationFailed(errors)
    target = await checks.scheduled_period(session, permit, kind, period)
    return await facts.findings(session, permit, kind, target, content)


@dataclass
class SubmissionPreview:
    """What a filing would be, shown for confirmation before it is made: nothing is written."""

    permit: Permit
    report: ExecutionReport | None
    period: rules.Period
    due_date: date
    version: int  # the version this filing would become
    findings: list[engine.Finding]
    late: bool | None  # a first filing judged at this moment; None for a resubmission

    @property
    def error_count(self) -> int:
        return sum(1 for f in self.findings if f.severity == engine.ERROR)

    @property
    def warning_count(self) -> int:
        return sum(1 for f in self.findings if f.severity == engine.WARNING)


async def preview_submission(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    kind: str,
    period: str,
    content: Any,
    idempotency_key: str,
) -> SubmissionPreview:
    """Everything the filing would refuse (``service.submission.submit_reports``), refused now with the
    same errors, and the audit rules' findings on the content: what the unit confirms before filing."""
    permit = (await session.exec(select(Permit).where(Permit.number == normal_number(permit_number)))).first()
    target = await checks.filing_target(
        session, actor, permit, kind=kind, label=period, content=content, key=idempotency_key
    )
    permit = target.permit
    errors = target.errors
    report = await lookup.report_of(session, permit, kind, target.period.label)
    if report is None:
        kinds = (await permit_terms(session, permit)).report_kinds
        errors = errors + checks.new_report_errors(permit, kinds, kind, target.nominal, target.planned)
    if errors:
        raise ValidationFailed(errors)
    if report is not None:
        earlier = (
            await session.exec(
                select(ReportSubmission).where(
                    ReportSubmission.report_id == report.id, ReportSubmission.idempotency_key == target.key
                )
            )
        ).first()
        if earlier is not None and not checks.same_filing(
            earlier.submitted_by,
            earlier.on_behalf_of,
            earlier.content,
            by=actor.username or "",
            for_agency=actor.on_behalf_of,
            again=content,
        ):
            raise checks.key_reused()
    checks.check_open(report)
    version = (report.latest_version if report else 0) + 1
    planned, scheduled = target.planned, target.period
    due = planned.due_date if planned is not None else rules.due_date(scheduled, plans.default_due_days())
    return SubmissionPreview(
        permit=permit,
        report=report,
        period=scheduled,
        due_date=due,
        version=version,
        findings=await facts.findings(session, permit, kind, scheduled, content),
        late=None if version > 1 else not rules.on_time(utcnow(), due),
    )


@dataclass(frozen=True)
class LimitInfo:
    concentration_limit: float
    unit: str
    annual_quantity_t: float | None


@dataclass
class EditorPage:
    permit: Permit
    enterprise: Enterprise
    period: rules.Period
    due_date: date
    state: str
    report: ExecutionReport | None
    content: dict[str, Any]
    prefilled: bool
    sections: tuple[str, ...]
    limits: dict[tuple[str, str], LimitInfo]
    submissions: list[ReportSubmission] = field(default_factory=list)
    open_feedback: list[tuple[FeedbackForm, list[FeedbackItem]]] = field(default_factory=list)
    findings: list[engine.Finding] | None = None  # None: not checked
    files: list[ReportAttachment] = field(default_factory=list)  # on the draft (filed with the next version)

    @property
    def kind(self) -> str:
        return self.period.kind

    @property
    def ended(self) -> bool:
        """Whether the period is over, so that it can be submitted (a draft can be kept before)."""
        return self.period.end < today()

    @property
    def first_filing_day(self) -> date:
        return self.period.end + timedelta(days=1)

    @property
    def closed(self) -> bool:
        return self.report is not None and self.report.state == "accepted"

    @property
    def error_count(self) -> int:
        return sum(1 for f in self.findings or [] if f.severity == engine.ERROR)

    @property
    def warning_count(self) -> int:
        return sum(1 for f in self.findings or [] if f.severity == engine.WARNING)


async def _limits(session: AsyncSession, permit: Permit) -> dict[tuple[str, str], LimitInfo]:
    terms = await permit_terms(session, permit)
    return {
        (limit.point, limit.pollutant): LimitInfo(
            limit.concentration_limit, limit.unit, limit.annual_quantity_limit
        )
        for limit in terms.limits
    }


async def editor_page(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    kind: str,
    period: str,
    content: dict[str, Any] | None = None,
    check: bool = False,
) -> EditorPage:
    """The draft editor: the saved draft (or one pre-filled from the ledger), or the content just typed;
    with ``check`` the audit rules' findings on it (nothing is written)."""
    draft = await get_draft(session, actor, permit_number=permit_number, kind=kind, period=period)
    permit = (await session.exec(select(Permit).where(Permit.number == normal_number(permit_number)))).one()
    target = rules.parse_period(kind, period)
    assert target is not None  # get_draft refused a bad period
    enterprise = await session.get(Enterprise, permit.enterprise_id)
    assert enterprise is not None
    report = draft.report
    planned = plans.planned_period(permit, await permit_terms(session, permit), kind, period)
    if planned is not None:
        target, due = planned.period, planned.due_date
    else:
        due = rules.due_date(target, plans.default_due_days())
    page = EditorPage(
        permit=permit,
        enterprise=enterprise,
        period=target,
        due_date=due,
        state=schedule_state(report, target, due, today(), owed=planned is None or planned.owed),
        report=report,
        content=content if content is not None else draft.content,
        prefilled=draft.prefilled and content is None,
        sections=sections_of(kind),
        limits=await _limits(session, permit),
    )
    if report is not None and report.id is not None:
        view = await report_view(session, actor, report_id=report.id)
        page.submissions = view.submissions
        page.open_feedback = [(f, items) for f, items in view.feedback if f.status == "open"]
        page.files = await attachments.draft_files(session, report.id)
    if check:
        page.findings = await check_draft(
            session, actor, permit_number=permit_number, kind=kind, period=period, content=page.content
        )
    return page


@dataclass
class ConfirmPage:
    """The step before filing: what will be filed, its errors and warnings, and that it stays."""

    preview: SubmissionPreview
    enterprise: Enterprise
    content: dict[str, Any]
    sections: tuple[str, ...]

    @property
    def permit(self) -> Permit:
        return self.preview.permit

    @property
    def kind(self) -> str:
        return self.preview.period.kind

    @property
    def period(self) -> rules.Period:
        return self.preview.period

    def rows(self, section: str) -> int | None:
        """How many rows a list section holds (None for the other sections)."""
        value = self.content.get(section)
        return len(value) if section in LIST_SECTIONS and isinstance(value, list) else None


async def confirm_page(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    kind: str,
    period: str,
    content: dict[str, Any],
    idempotency_key: str,
) -> ConfirmPage:
    """The confirmation of a filing (``preview_submission``) with its unit and the content's sections."""
    preview = await preview_submission(
        session,
        actor,
        permit_number=permit_number,
        kind=kind,
        period=period,
        content=content,
        idempotency_key=idempotency_key,
    )
    enterprise = await session.get(Enterprise, preview.permit.enterprise_id)
    assert enterprise is not None
    return ConfirmPage(preview, enterprise, content, sections_of(kind))
