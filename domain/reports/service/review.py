"""Review (PT §5): a regulator returns a report with one feedback form listing every problem and a
deadline, or accepts it; the unit answers a form or files again; problems left unanswered by their deadline
become enforcement leads."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.audit.service import record
from domain.clock import today, utcnow
from domain.errors import N_, Conflict, NotFound, ValidationFailed
from domain.i18n import DEFAULT_LOCALE, translate
from domain.permits.state import target_of
from domain.reports import lookup, notices, rules
from domain.reports.models import (
    AuditFinding,
    EnforcementLead,
    ExecutionReport,
    FeedbackForm,
    FeedbackItem,
)
from domain.reports.rules import FeedbackItemInput


async def issue_feedback(
    session: AsyncSession,
    actor: Actor,
    *,
    report_id: int,
    items: Sequence[FeedbackItemInput],
    deadline: date,
    findings: Collection[int] = (),
    violations: Collection[int] = (),
    locale: str = DEFAULT_LOCALE,
) -> FeedbackForm:
    """Return a submitted report with one feedback form listing every problem: the audit findings of its
    latest submission the reviewer picked (``findings``, their ids; worded in ``locale``, the reviewer's
    language; those in ``violations`` are violations), then the problems written (``items``). Violations
    become enforcement leads at once; the unit (and its agency) is told.

    Every problem of the form is named at once (``items[i]`` after the problems written) and nothing is
    written; a problem is never cut to fit.
    """
    report, permit = await lookup.report(session, actor, report_id)
    require(actor, Operation.REPORT_REVIEW, target_of(permit))
    if report.state != "submitted":
        raise Conflict(N_("Only a submitted report can be returned."), field="report")
    latest = await lookup.latest_submission(session, report)
    assert latest is not None and latest.id is not None and report.id is not None  # submitted
    picked = (
        (
            await session.exec(
                select(AuditFinding).where(
                    AuditFinding.submission_id == latest.id, col(AuditFinding.id).in_(sorted(findings))
                )
            )
        ).all()
        if findings
        else []
    )
    errors = rules.feedback_errors(items, deadline, on=today(), picked=len(picked))
    if errors:
        raise ValidationFailed(errors)
    problems = [
        FeedbackItemInput(
            problem=translate(finding.message, locale, **finding.params),
            field=finding.field,
            rule_code=finding.rule_code,
            is_violation=finding.id in violations,
        )
        for finding in sorted(picked, key=lambda f: (f.severity != "error", f.rule_code, f.field))
    ]
    problems += items
    form = FeedbackForm(
        report_id=report.id,
        submission_id=latest.id,
        issued_by=actor.username or "",
        department=actor.role.value if actor.role else "",
        deadline=deadline,
    )
    session.add(form)
    await session.flush()
    assert form.id is not None
    for item in problems:
        row = FeedbackItem(
            form_id=form.id,
            field=item.field,
            problem=item.problem.strip(),
            rule_code=item.rule_code,
            is_violation=item.is_violation,
        )
        session.add(row)
        if item.is_violation:
            await session.flush()
            session.add(
                EnforcementLead(
                    report_id=report.id,
                    feedback_item_id=row.id,
                    permit_id=permit.id or 0,
                    enterprise_id=permit.enterprise_id,
                    region_code=permit.region_code,
                    description=item.problem.strip(),
                    created_by=actor.username or "",
                )
            )
    report.state = "returned"
    session.add(report)
    from domain.agencies.service import add_credit_event, agency_of_tag

    agency = await agency_of_tag(session, latest.on_behalf_of)
    if agency is not None and agency.id is not None:
        await add_credit_event(
            session,
            agency_id=agency.id,
            kind="feedback_form",
            source_type="feedback_form",
            source_id=str(form.id),
            note=f"{report.kind} {report.period}",
        )
    await notices.report_returned(session, report, permit, form, len(problems))
    record(
        session,
        actor,
        action="report.feedback",
        object_type="execution_report",
        object_id=f"{permit.number}/{report.kind}/{report.period}",
        after={
            "items": len(problems),
            "deadline": deadline.isoformat(),
            "violations": sum(1 for i in problems if i.is_violation),
        },
    )
    return form


async def respond_to_feedback(
    session: AsyncSession, actor: Actor, *, form_id: int, response: str
) -> FeedbackForm:
    """The unit explains instead of (or besides) resubmitting; the report is under review again. An
    answer longer than the form holds is refused, never cut."""
    form = await session.get(FeedbackForm, form_id)
    if form is not None:
        try:
            report, permit = await lookup.report(session, actor, form.report_id)
        except NotFound:
            form = None  # the form of a report the actor may not see does not exist for them
    if form is None:
        raise NotFound(N_("No such feedback form."), field="form")
    require(actor, Operation.REPORT_WRITE, target_of(permit))
    errors = rules.response_errors(response)
    if errors:
        raise ValidationFailed(errors)
    if form.status == "closed":
        raise Conflict(N_("This feedback form is closed."), field="form")
    answer = response.strip()
    form.response, form.responded_at, form.responded_by = answer, utcnow(), actor.username
    form.status = "answered"
    session.add(form)
    report.state = "submitted"
    session.add(report)
    record(
        session,
        actor,
        action="report.respond",
        object_type="feedback_form",
        object_id=form_id,
        after={"response": answer[:500]},
    )
    return form


async def accept_report(session: AsyncSession, actor: Actor, *, report_id: int) -> ExecutionReport:
    """Accept the latest submission: the report closes, and so do its open feedback forms."""
    report, permit = await lookup.report(session, actor, report_id)
    require(actor, Operation.REPORT_REVIEW, target_of(permit))
    if report.state not in ("submitted",):
        raise Conflict(N_("Only a submitted report can be accepted."), field="report")
    report.state = "accepted"
    report.accepted_at, report.accepted_by = utcnow(), actor.username
    session.add(report)
    latest = await lookup.latest_submission(session, report)
    if latest is not None and latest.error_count == 0 and latest.warning_count == 0:
        from domain.agencies.service import add_credit_event, agency_of_tag

        agency = await agency_of_tag(session, latest.on_behalf_of)
        if agency is not None and agency.id is not None:
            await add_credit_event(
                session,
                agency_id=agency.id,
                kind="clean_filing_accepted",
                source_type="report",
                source_id=str(report.id),
                note=f"{report.kind} {report.period}",
            )
    forms = (await session.exec(select(FeedbackForm).where(FeedbackForm.report_id == report.id))).all()
    for form in forms:
        if form.status != "closed":
            form.status = "closed"
            form.closed_at = utcnow()
            session.add(form)
    await notices.report_accepted(session, report, permit)
    record(
        session,
        actor,
        action="report.accept",
        object_type="execution_report",
        object_id=f"{permit.number}/{report.kind}/{report.period}",
        after={"version": report.latest_version},
    )
    return report


async def escalate_overdue_feedback(session: AsyncSession, *, on: date) -> int:
    """Problems not answered by their deadline become enforcement leads (run daily by the worker)."""
    forms = (
        await session.exec(
            select(FeedbackForm).where(FeedbackForm.status == "open", col(FeedbackForm.deadline) < on)
        )
    ).all()
    created = 0
    for form in forms:
        report = await session.get(ExecutionReport, form.report_id)
        assert report is not None
        items = (await session.exec(select(FeedbackItem).where(FeedbackItem.form_id == form.id))).all()
        for item in items:
            exists = (
                await session.exec(
                    select(EnforcementLead.id).where(EnforcementLead.feedback_item_id == item.id)
                )
            ).first()
            if exists is None and not item.resolved:
                session.add(
                    EnforcementLead(
                        report_id=report.id or 0,
                        feedback_item_id=item.id,
                        permit_id=report.permit_id,
                        enterprise_id=report.enterprise_id,
                        region_code=report.region_code,
                        description=item.problem,
                        created_by="system",
                    )
                )
                created += 1
        form.status = "closed"
        form.closed_at = utcnow()
        session.add(form)
    return created
