"""Review (PT §5), split by department: each department clears the sections of the latest submission it
checks (``departments.DEPARTMENT_SECTIONS``) or records their problems; the problems of every department
go to the unit in one feedback form with a deadline, issued when the last department has reviewed its
sections (or at once, by ``issue_feedback``, for a department that cannot wait); the report is accepted
only when every department has cleared every section it checks, never by one department alone. The unit
answers a form or files again (a new round); problems left unanswered by their deadline become enforcement
leads. The rounds are worked out by ``domain.reports.rounds``."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import uploads
from domain.access import Actor, Operation, require, role_label
from domain.audit.service import record
from domain.calendar.rules import working_days_after
from domain.changes.kinds import ObjectType
from domain.clock import today, utcnow
from domain.errors import N_, Conflict, FieldError, NotFound, ValidationFailed
from domain.i18n import DEFAULT_LOCALE, Localized, translate
from domain.permits.models import Permit
from domain.permits.reference import named_pollutant
from domain.permits.state import target_of
from domain.reports import departments, lookup, notices, rounds, rules
from domain.reports.awaiting import refresh_review_flags
from domain.reports.content import sections_of
from domain.reports.models import (
    AuditFinding,
    EnforcementLead,
    ExecutionReport,
    FeedbackForm,
    FeedbackItem,
    ReportSubmission,
    SectionItem,
    SectionReview,
)
from domain.reports.rules import FeedbackItemInput
from domain.reports.service import attachments

# The deadline of a form issued when the last department finishes: the plan leaves the time to the working
# group ("在约定的时间内", PT §5); ten working days, counted as the plan counts time limits.
FORM_WORKING_DAYS = 10


class SectionsOpen(Conflict):
    """The report cannot be accepted yet: the sections not cleared, each with the departments that have
    still to clear it (every problem at once)."""

    code = "sections_not_cleared"

    def __init__(self, problems: list[FieldError]) -> None:
        first = problems[0]
        super().__init__(first.message, field=first.field, code=first.code, params=first.params)
        self._problems = problems

    @property
    def errors(self) -> list[FieldError]:
        return list(self._problems)


def section_name(section: str) -> Localized:
    label = departments.SECTION_LABELS.get(section, section)
    return Localized(translate(label, "zh_Hans"), label)


def department_names(roles: Sequence[str]) -> Localized:
    return Localized(
        "、".join(role_label(r, "zh_Hans") for r in roles), ", ".join(role_label(r, "en") for r in roles)
    )


def open_sections(round_: rounds.Round) -> list[FieldError]:
    """What stands between a round and acceptance: each section not cleared, with its departments."""
    by_section: dict[str, list[str]] = {}
    for verdict in round_.open:
        by_section.setdefault(verdict.section, []).append(verdict.department)
    return [
        FieldError(
            None,  # the report as a whole: no field of the input is at fault
            "section_not_cleared",
            N_("{section}: not yet cleared by {departments}."),
            {"section": section_name(section), "departments": department_names(roles)},
        )
        for section, roles in by_section.items()
    ]


async def _under_review(
    session: AsyncSession, actor: Actor, report_id: int
) -> tuple[ExecutionReport, Permit, ReportSubmission, rounds.Round]:
    report, permit = await lookup.report(session, actor, report_id)
    require(actor, Operation.REPORT_REVIEW, target_of(permit))
    if report.state != "submitted":
        raise Conflict(N_("Only a report waiting for review can be reviewed."))
    latest = await lookup.latest_submission(session, report)
    assert latest is not None and latest.id is not None and report.id is not None  # submitted
    round_ = (await lookup.rounds_of(session, report, [latest]))[latest.id]
    return report, permit, latest, round_


def _section_errors(actor: Actor, report: ExecutionReport, section: str) -> list[FieldError]:
    if section not in sections_of(report.kind):
        return [FieldError("section", "unknown_section", N_("This report has no such section."))]
    if not departments.checks(actor.role, section):
        return [
            FieldError(
                "section",
                "not_your_section",
                N_("{section} is checked by {departments}, not by your department."),
                {
                    "section": section_name(section),
                    "departments": department_names([r.value for r in departments.departments_of(section)]),
                },
            )
        ]
    return []


@dataclass(frozen=True)
class SectionResult:
    """A department's step, and the feedback form it completed (None: the round goes on, or nothing
    was found)."""

    step: SectionReview
    form: FeedbackForm | None


async def clear_section(
    session: AsyncSession, actor: Actor, *, report_id: int, section: str
) -> SectionResult:
    """A department finds nothing to correct in a section it checks (PT §5) of the latest submission. The
    last department to finish issues the round's feedback form if any department found problems."""
    return await _review_section(session, actor, report_id=report_id, section=section, items=None)


async def record_section_problems(
    session: AsyncSession,
    actor: Actor,
    *,
    report_id: int,
    section: str,
    items: Sequence[FeedbackItemInput],
) -> SectionResult:
    """A department records problems in a section it checks; they go on the round's one feedback form.
    Every problem is named at once (``items[i]``) and nothing is written; a problem is never cut to fit."""
    return await _review_section(session, actor, report_id=report_id, section=section, items=items)


async def _review_section(
    session: AsyncSession,
    actor: Actor,
    *,
    report_id: int,
    section: str,
    items: Sequence[FeedbackItemInput] | None,
) -> SectionResult:
    report, permit, latest, round_ = await _under_review(session, actor, report_id)
    errors = _section_errors(actor, report, section)
    if items is not None:
        errors += rules.feedback_errors(items, None, on=today())
        for index, item in enumerate(items):
            named = departments.section_key(item.field or "")
            if item.field and named != section:
                errors.append(
                    FieldError(f"items[{index}].field", "other_section", N_("Name a field of this section."))
                )
    if errors:
        raise ValidationFailed(errors)
    department = str(actor.role)
    verdict = round_.verdict(section, department)
    assert verdict is not None
    if items is None and verdict.state == rounds.CLEARED:
        raise Conflict(
            N_("Your department has already cleared this section of this version."), field="section"
        )
    if items is not None and verdict.state == rounds.PROBLEMS:
        # A replayed request (a double click, a retry) records nothing twice.
        known = {item.problem for item in verdict.items}
        if all(item.problem.strip() in known for item in items):
            raise Conflict(N_("These problems are already recorded for this section."), field="section")
    step = await _step(session, actor, report, latest, section, department, items or [])
    record(
        session,
        actor,
        action="report.section_cleared" if items is None else "report.section_problems",
        object_type="execution_report",
        object_id=f"{permit.number}/{report.kind}/{report.period}",
        changed={ObjectType.EXECUTION_REPORT: report.id},
        enterprise_id=permit.enterprise_id,
        after={
            "version": latest.version,
            "section": section,
            "department": department,
            "problems": len(items or []),
        },
    )
    round_ = (await lookup.rounds_of(session, report, [latest]))[latest.id or 0]
    form = None
    if round_.complete and round_.assembling:
        deadline = working_days_after(today(), FORM_WORKING_DAYS).date
        form = await _issue(session, actor, report, permit, latest, round_, [], deadline)
    return SectionResult(step, form)


async def _step(
    session: AsyncSession,
    actor: Actor,
    report: ExecutionReport,
    latest: ReportSubmission,
    section: str,
    department: str,
    items: Sequence[FeedbackItemInput],
) -> SectionReview:
    assert report.id is not None and latest.id is not None
    step = SectionReview(
        report_id=report.id,
        submission_id=latest.id,
        section=section,
        department=department,
        outcome="problems" if items else "cleared",
        reviewed_at=utcnow(),
        reviewed_by=actor.username or "",
        on_behalf_of=actor.on_behalf_of,
    )
    session.add(step)
    await session.flush()
    assert step.id is not None
    for item in items:
        session.add(
            SectionItem(
                review_id=step.id,
                field=item.field or "",
                problem=item.problem.strip(),
                rule_code=item.rule_code,
                is_violation=item.is_violation,
            )
        )
    await refresh_review_flags(session, [report.id])  # flushes
    return step


@dataclass(frozen=True)
class _Problem:
    item: FeedbackItemInput
    section: str
    department: str
    section_item_id: int | None = None


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
    """Issue the round's feedback form now, without waiting for the departments that have not finished
    (PT §5: the form goes to the unit at once): every problem the departments recorded so far, the audit
    findings of the latest submission the reviewer picked (``findings``, their ids; worded in ``locale``,
    the reviewer's language; those in ``violations`` are violations), then the problems written now
    (``items``; a department's problems in a section it checks are recorded as its verdict on the
    section). Violations become enforcement leads at once; the unit (and its agency) is told. The sections
    not yet reviewed stay to be reviewed when the unit answers.

    Every problem of the form is named at once (``items[i]`` after the problems written) and nothing is
    written; a problem is never cut to fit.
    """
    report, permit, latest, round_ = await _under_review(session, actor, report_id)
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
    recorded = sum(len(v.items) for v in round_.assembling)
    errors = rules.feedback_errors(items, deadline, on=today(), picked=len(picked) + recorded)
    if errors:
        raise ValidationFailed(errors)
    department = str(actor.role) if actor.is_regulator else ""
    own: dict[str, list[FeedbackItemInput]] = {}
    loose: list[_Problem] = []
    for item in items:
        section = departments.section_key(item.field or "") or ""
        if section in sections_of(report.kind) and departments.checks(actor.role, section):
            own.setdefault(section, []).append(item)
        else:
            loose.append(_Problem(item, section, department))
    for section, written in own.items():
        await _step(session, actor, report, latest, section, department, written)
    if own:
        round_ = (await lookup.rounds_of(session, report, [latest]))[latest.id or 0]
    found = [
        _Problem(
            FeedbackItemInput(
                problem=translate(finding.message, locale, **named_pollutant(finding.params, locale)),
                field=finding.field,
                rule_code=finding.rule_code,
                is_violation=finding.id in violations,
            ),
            departments.section_key(finding.field) or "",
            department,
        )
        for finding in sorted(picked, key=lambda f: (f.severity != "error", f.rule_code, f.field))
    ]
    return await _issue(session, actor, report, permit, latest, round_, loose, deadline, findings=found)


async def _issue(
    session: AsyncSession,
    actor: Actor,
    report: ExecutionReport,
    permit: Permit,
    latest: ReportSubmission,
    round_: rounds.Round,
    extra: list[_Problem],
    deadline: date,
    *,
    findings: Sequence[_Problem] = (),
) -> FeedbackForm:
    """One feedback form: the audit ``findings`` picked, the round's recorded problems (by section and
    department), then ``extra``."""
    assert report.id is not None and latest.id is not None
    problems = list(findings)
    problems += [
        _Problem(
            FeedbackItemInput(
                problem=item.problem,
                field=item.field,
                rule_code=item.rule_code,
                is_violation=item.is_violation,
            ),
            verdict.section,
            verdict.department,
            item.id,
        )
        for verdict in round_.assembling
        for item in verdict.items
    ]
    problems += extra
    form = FeedbackForm(
        report_id=report.id,
        submission_id=latest.id,
        issued_by=actor.username or "",
        department=str(actor.role) if actor.is_regulator else "",
        deadline=deadline,
    )
    session.add(form)
    await session.flush()
    assert form.id is not None
    for problem in problems:
        item = problem.item
        row = FeedbackItem(
            form_id=form.id,
            field=item.field,
            problem=item.problem.strip(),
            rule_code=item.rule_code,
            is_violation=item.is_violation,
            section=problem.section,
            department=problem.department,
            section_item_id=problem.section_item_id,
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
        changed={ObjectType.EXECUTION_REPORT: report.id, ObjectType.FEEDBACK_FORM: form.id},
        enterprise_id=permit.enterprise_id,
        after={
            "form": form.id,
            "version": latest.version,
            "items": len(problems),
            "deadline": deadline.isoformat(),
            "violations": sum(1 for p in problems if p.item.is_violation),
            "departments": sorted({p.department for p in problems if p.department}),
            "sections_waiting": len(round_.waiting),
        },
    )
    await refresh_review_flags(session, [report.id])
    return form


async def respond_to_feedback(
    session: AsyncSession,
    actor: Actor,
    *,
    form_id: int,
    response: str,
    files: Sequence[uploads.Upload] = (),
) -> FeedbackForm:
    """The unit explains instead of (or besides) resubmitting; the report is under review again, and the
    departments whose problems were on the form re-check their sections (they are told). An answer after
    the form's deadline is late (PT §5: "在约定的时间内"), judged on the server's date now and kept. An
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
    checked, file_errors = attachments.reply_file_errors(files)
    errors = rules.response_errors(response) + file_errors
    if errors:
        raise ValidationFailed(errors)
    if form.status == "closed":
        raise Conflict(N_("This feedback form is closed."), field="form")
    if form.status == "answered":
        raise Conflict(N_("This feedback form has been answered."), field="form")
    answer = response.strip()
    form.response, form.responded_at, form.responded_by = answer, utcnow(), actor.username
    form.late = rules.answered_late(form.deadline, today())
    form.status = "answered"
    session.add(form)
    report.state = "submitted"
    session.add(report)
    replied = attachments.attach_to_reply(session, actor, report, form, checked)
    latest = await lookup.latest_submission(session, report)
    if latest is not None and latest.id is not None:
        round_ = (await lookup.rounds_of(session, report, [latest]))[latest.id]
        waiting: dict[str, list[str]] = {}
        for verdict in round_.waiting:
            waiting.setdefault(verdict.department, []).append(verdict.section)
        await notices.sections_await(
            session, report, permit, waiting, key=f"report-recheck:{form.id}", recheck=True
        )
    record(
        session,
        actor,
        action="report.respond",
        object_type="feedback_form",
        object_id=form_id,
        enterprise_id=permit.enterprise_id,
        after={
            "response": answer[:500],
            "late": form.late,
            "files": [{"file_name": f.file_name, "size": f.size, "sha256": f.sha256} for f in replied],
        },
    )
    await refresh_review_flags(session, [report.id])
    return form


async def accept_report(session: AsyncSession, actor: Actor, *, report_id: int) -> ExecutionReport:
    """Accept the latest submission once every department has cleared every section it checks (PT §5): a
    department, a city-level regulator or the administrator alike is refused while a section is open, with
    each open section and the departments that have still to clear it. The report closes, and so do its
    open feedback forms; the unit is told."""
    report, permit = await lookup.report(session, actor, report_id)
    require(actor, Operation.REPORT_REVIEW, target_of(permit))
    if report.state not in ("submitted",):
        raise Conflict(N_("Only a submitted report can be accepted."), field="report")
    latest = await lookup.latest_submission(session, report)
    assert latest is not None and latest.id is not None
    round_ = (await lookup.rounds_of(session, report, [latest]))[latest.id]
    if not round_.all_cleared:
        raise SectionsOpen(open_sections(round_))
    report.state = "accepted"
    report.accepted_at, report.accepted_by = utcnow(), actor.username
    session.add(report)
    if latest.error_count == 0 and latest.warning_count == 0:
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
        changed={ObjectType.EXECUTION_REPORT: report.id},
        enterprise_id=permit.enterprise_id,
        after={
            "version": report.latest_version,
            "cleared_by": sorted({v.department for v in round_.verdicts}),
        },
    )
    await refresh_review_flags(session, [report.id])
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
    await refresh_review_flags(session, [form.report_id for form in forms])
    return created
