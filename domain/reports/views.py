"""Reads behind the execution-report pages (执行报告), one call per page, composed from the service.

The portal's forms arrive as text keyed by the field paths the audit rules use
(``content.emissions[0].concentration_avg``); ``content_from_form`` turns them into
report content and names every value that is not a number, so a finding and an input
error point at the same input. The public reading of annual reports (M48 §37) leaves out
the sections the unit marked as commercial secret in its permit (M48 §26).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, can, jurisdiction_prefix, require
from domain.audit_rules import engine
from domain.audit_rules.content import UNIT_ALIASES
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.errors import N_, FieldError, NotFound, ValidationFailed
from domain.i18n import translate
from domain.permits.models import Permit, PermitVersion
from domain.permits.reference import UNIT_LABELS, ReportKind
from domain.permits.rules import PermitStatus, normal_number
from domain.permits.state import target_of
from domain.permits.terms import permit_terms
from domain.reports import review, rules, service
from domain.reports import schedule as report_schedule
from domain.reports.content import ANNUAL_SECTIONS, disclosed
from domain.reports.models import AuditFinding, ExecutionReport, FeedbackForm, FeedbackItem, ReportSubmission

# ---------------------------------------------------------------------------
# What a report's form holds, section by section
# ---------------------------------------------------------------------------

LIST_SECTIONS: dict[str, tuple[str, ...]] = {
    "emissions": (
        "outlet",
        "pollutant",
        "method",
        "concentration_avg",
        "concentration_max",
        "unit",
        "quantity_t",
        "compliant",
    ),
    "exceedances": (
        "outlet",
        "pollutant",
        "started_at",
        "ended_at",
        "max_value",
        "limit_value",
        "cause",
        "measures",
    ),
    "abnormal_operation": ("facility", "started_at", "ended_at", "cause", "measures"),
    "shutdowns": ("starts_on", "ends_on", "reason"),
    "control_facilities": ("name", "operating_hours", "abnormal_hours", "notes"),
}
DICT_SECTIONS: dict[str, tuple[str, ...]] = {
    "production": ("operating_days", "main_products", "output", "fuel"),
    "self_monitoring": ("planned", "performed", "notes"),
    "ledger_execution": ("complete", "completeness_ratio", "notes"),
    "disclosure": ("done", "channels", "notes"),
    "management_system": ("responsible_person", "training_sessions", "notes"),
}
TEXT_SECTIONS = ("statement", "other_requirements")
NUMBER_FIELDS = frozenset(
    {
        "concentration_avg",
        "concentration_max",
        "quantity_t",
        "max_value",
        "limit_value",
        "operating_hours",
        "abnormal_hours",
        "operating_days",
        "planned",
        "performed",
        "completeness_ratio",
        "training_sessions",
    }
)
WHOLE_NUMBER_FIELDS = frozenset({"operating_days", "planned", "performed", "training_sessions"})
BOOLEAN_FIELDS = frozenset({"compliant", "complete", "done"})
LONG_TEXT_FIELDS = frozenset({"cause", "measures", "notes", "channels", "reason"})
METHODS = ("automatic", "manual", "factor", "missing")
MAX_FORM_ROWS = 2000
MAX_FIELD_TEXT = 5000

SECTION_LABELS = {
    "emissions": N_("Actual emissions and compliance"),
    "exceedances": N_("Exceedances: cause and measures"),
    "abnormal_operation": N_("Abnormal operation of pollution-control facilities"),
    "shutdowns": N_("Shutdowns (production stopped)"),
    "statement": N_("Statement of the unit"),
    "production": N_("Basic production information"),
    "control_facilities": N_("Operation of pollution-control facilities"),
    "self_monitoring": N_("Self-monitoring execution"),
    "ledger_execution": N_("Ledger execution"),
    "disclosure": N_("Information disclosure"),
    "management_system": N_("Internal environmental management system"),
    "other_requirements": N_("Other permit requirements"),
}
FIELD_LABELS = {
    "outlet": N_("Outlet"),
    "pollutant": N_("Pollutant"),
    "method": N_("Method"),
    "concentration_avg": N_("Average concentration"),
    "concentration_max": N_("Maximum concentration"),
    "unit": N_("Measurement unit"),
    "quantity_t": N_("Quantity (t)"),
    "compliant": N_("Compliant"),
    "started_at": N_("Start time"),
    "ended_at": N_("End time"),
    "max_value": N_("Maximum value"),
    "limit_value": N_("Permitted value"),
    "cause": N_("Cause"),
    "measures": N_("Measures"),
    "facility": N_("Facility"),
    "starts_on": N_("First day"),
    "ends_on": N_("Last day"),
    "reason": N_("Reason"),
    "name": N_("Facility"),
    "operating_hours": N_("Operating hours"),
    "abnormal_hours": N_("Abnormal hours"),
    "notes": N_("Notes"),
    "operating_days": N_("Operating days"),
    "main_products": N_("Main products"),
    "output": N_("Output"),
    "fuel": N_("Fuel and raw materials"),
    "planned": N_("Monitoring tasks planned"),
    "performed": N_("Monitoring tasks performed"),
    "complete": N_("Ledger complete"),
    "completeness_ratio": N_("Completeness ratio"),
    "done": N_("Disclosure done"),
    "channels": N_("Channels"),
    "responsible_person": N_("Responsible person"),
    "training_sessions": N_("Training sessions"),
}
STATE_LABELS = {
    "not_due": N_("Not due yet"),
    "open": N_("Due, not started"),
    "overdue": N_("Overdue"),
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "returned": N_("Returned"),
    "accepted": N_("Accepted by the regulator"),
    "covered": N_("Not filed separately"),
}
METHOD_LABELS = {
    "automatic": N_("Automatic monitoring"),
    "manual": N_("Manual monitoring"),
    "factor": N_("Emission factor / material balance"),
    "missing": N_("No data"),
}
SEVERITY_LABELS = {engine.ERROR: N_("Error"), engine.WARNING: N_("Warning")}


def sections_of(kind: str) -> tuple[str, ...]:
    """The sections of a report of this kind, in the order the form shows them."""
    middle = ANNUAL_SECTIONS if kind == ReportKind.ANNUAL else ()
    return ("emissions", "exceedances", "abnormal_operation", "shutdowns", *middle, "statement")


_PATH = re.compile(r"^content\.([a-z_]+)(?:\[(\d{1,4})\])?(?:\.([a-z_]+))?$")


def _number(raw: str, whole: bool) -> float | int | None:
    text = raw.strip()
    if not text:
        return None
    value = float(text)  # ValueError for what is not a number
    if not math.isfinite(value):
        raise ValueError(raw)
    if whole and value.is_integer():
        return int(value)
    return value


def content_from_form(kind: str, items: Iterable[tuple[str, str]]) -> tuple[dict[str, Any], list[FieldError]]:
    """Report content from the editor's form fields; a value that is not a number is kept as typed
    and named, so the page shows it again next to its error.

    Rows marked for removal, and rows left entirely empty, are dropped; the rest keep their order.
    """
    sections = sections_of(kind)
    rows: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    removed: dict[str, set[int]] = defaultdict(set)
    objects: dict[str, dict[str, Any]] = defaultdict(dict)
    texts: dict[str, str] = {}
    flags: dict[str, bool] = {}
    for name, value in items:
        match = _PATH.match(name)
        if not match:
            continue
        section, index, key = match.group(1), match.group(2), match.group(3)
        if section not in sections:
            continue
        value = str(value)[:MAX_FIELD_TEXT]
        if section in TEXT_SECTIONS and index is None and key is None:
            texts[section] = value.strip()
        elif section in LIST_SECTIONS and index is not None and key is not None:
            position = int(index)
            if position >= MAX_FORM_ROWS:
                continue
            if key == "_remove":
                removed[section].add(position)
            elif key in LIST_SECTIONS[section]:
                row = rows[section].setdefault(position, {})
                if key in BOOLEAN_FIELDS:
                    # A checkbox follows a hidden "false": any "true" among the values wins.
                    row[key] = row.get(key) is True or value == "true"
                else:
                    row[key] = value
        elif section in DICT_SECTIONS and index is None and key in DICT_SECTIONS[section]:
            if key in BOOLEAN_FIELDS:
                flags[f"{section}.{key}"] = flags.get(f"{section}.{key}", False) or value == "true"
                objects[section][key] = flags[f"{section}.{key}"]
            else:
                objects[section][key] = value
    content: dict[str, Any] = {}
    errors: list[FieldError] = []

    def typed(path: str, key: str, value: Any) -> Any:
        if key in BOOLEAN_FIELDS:
            return bool(value)
        if key in NUMBER_FIELDS:
            try:
                return _number(str(value), key in WHOLE_NUMBER_FIELDS)
            except ValueError:
                errors.append(FieldError(path, "type", N_("Expected a number.")))
                return str(value)
        return str(value).strip()

    for section in sections:
        if section in TEXT_SECTIONS:
            content[section] = texts.get(section, "")
        elif section in LIST_SECTIONS:
            kept: list[dict[str, Any]] = []
            for position in sorted(rows.get(section, {})):
                if position in removed[section]:
                    continue
                row = rows[section][position]
                # Check boxes and the method (a list with a default) do not make a row; typed values do.
                if not any(
                    str(v).strip() for k, v in row.items() if k not in BOOLEAN_FIELDS and k != "method"
                ):
                    continue
                path = f"content.{section}[{len(kept)}]"
                kept.append(
                    {
                        key: typed(f"{path}.{key}", key, row[key])
                        for key in LIST_SECTIONS[section]
                        if key in row
                    }
                )
            content[section] = kept
        else:
            values = objects.get(section, {})
            content[section] = {
                key: typed(f"content.{section}.{key}", key, values[key])
                for key in DICT_SECTIONS[section]
                if key in values
            }
    return content, errors


def unit_label(unit: str) -> str:
    """A unit as the discharge standards write it (mg/m³, mg/L, 无量纲), whatever spelling the report has."""
    return UNIT_LABELS.get(UNIT_ALIASES.get(unit, unit), unit)


def latest_due_period(kind: str, on: date) -> rules.Period:
    """The most recent period of a kind whose report was due on or before ``on``."""
    first = date(on.year - 2, 1, 1)
    due_days = report_schedule.default_due_days()
    candidates = [p for p in rules.periods_between(kind, first, on) if rules.due_date(p, due_days) <= on]
    return candidates[-1]


def previous_periods(kind: str, last: rules.Period, count: int) -> list[rules.Period]:
    """``count`` periods of a kind ending with ``last``, oldest first."""
    first = date(last.start.year - count - 1, 1, 1)
    periods = [p for p in rules.periods_between(kind, first, last.end) if p.end <= last.end]
    return periods[-count:]


def _period(kind: str, label: str) -> rules.Period:
    period = rules.parse_period(kind, label)
    if period is None:
        raise ValidationFailed(
            [
                FieldError(
                    "period",
                    "period_format",
                    N_("Write the period like {example}."),
                    {"example": rules.period_label_example(kind)},
                )
            ]
        )
    return period


def findings_by_field(findings: Iterable[Any]) -> dict[str, list[Any]]:
    """Findings (of a draft or a submission) keyed by the exact field path they fault."""
    grouped: dict[str, list[Any]] = defaultdict(list)
    for finding in findings:
        grouped[finding.field].append(finding)
    return dict(grouped)


def _severity_first(findings: Iterable[AuditFinding]) -> list[AuditFinding]:
    return sorted(findings, key=lambda f: (f.severity != engine.ERROR, f.rule_code, f.field))


# ---------------------------------------------------------------------------
# The unit's schedule and its editor
# ---------------------------------------------------------------------------


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
    items: list[service.ScheduledReport]

    @property
    def needs_attention(self) -> int:
        return sum(1 for s in self.items if s.state in ("overdue", "returned"))

    def _recent(self, item: service.ScheduledReport) -> bool:
        return item.period.end >= today() - RECENT or item.state not in ("submitted", "accepted", "covered")

    @property
    def recent(self) -> list[service.ScheduledReport]:
        """The periods of the last year, and older ones that still wait for the unit."""
        return [item for item in self.items if self._recent(item)]

    @property
    def earlier(self) -> list[service.ScheduledReport]:
        """Older periods filed and closed or under review (shown folded)."""
        return [item for item in self.items if not self._recent(item)]


RECENT = timedelta(days=366)


async def my_schedules(session: AsyncSession, actor: Actor) -> list[PermitSchedule]:
    """The schedule of every permit the actor files reports for, newest periods first: its own unit's
    (unit staff), or those of the enterprises that authorised its agency for execution reports, with an
    authorisation in force today (agency staff), client by client."""
    if actor.is_agency_staff:
        enterprise_ids = sorted({e for e, scope in actor.authorisations if scope == "reports"})
    elif actor.enterprise_id is not None:
        enterprise_ids = [actor.enterprise_id]
    else:
        require(actor, Operation.REPORT_WRITE, None)
        enterprise_ids = []
    if not enterprise_ids:
        return []
    rows = (
        await session.exec(
            select(Permit, Enterprise)
            .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
            .where(
                col(Permit.enterprise_id).in_(enterprise_ids),
                col(Permit.number).is_not(None),
                col(Permit.valid_from).is_not(None),
            )
            .order_by(col(Enterprise.name), col(Permit.number))
        )
    ).all()
    schedules = await service.report_schedules(session, [permit for permit, _enterprise in rows])
    return [PermitSchedule(permit, enterprise, schedules[permit.id or 0]) for permit, enterprise in rows]


async def permit_schedule(session: AsyncSession, actor: Actor, *, permit_number: str) -> PermitSchedule:
    """One permit's schedule for anyone who may see the permit (regulators do not see drafts)."""
    items = await service.report_schedule(session, actor, permit_number=permit_number)
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
    latest: list[service.ScheduledReport]
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
    draft = await service.get_draft(session, actor, permit_number=permit_number, kind=kind, period=period)
    permit = (await session.exec(select(Permit).where(Permit.number == permit_number.strip().upper()))).one()
    target = rules.parse_period(kind, period)
    assert target is not None  # get_draft refused a bad period
    enterprise = await session.get(Enterprise, permit.enterprise_id)
    assert enterprise is not None
    report = draft.report
    planned = report_schedule.planned_period(permit, await permit_terms(session, permit), kind, period)
    if planned is not None:
        target, due = planned.period, planned.due_date
    else:
        due = rules.due_date(target, report_schedule.default_due_days())
    page = EditorPage(
        permit=permit,
        enterprise=enterprise,
        period=target,
        due_date=due,
        state=service.schedule_state(report, target, due, today(), owed=planned is None or planned.owed),
        report=report,
        content=content if content is not None else draft.content,
        prefilled=draft.prefilled and content is None,
        sections=sections_of(kind),
        limits=await _limits(session, permit),
    )
    if report is not None and report.id is not None:
        view = await service.report_view(session, actor, report_id=report.id)
        page.submissions = view.submissions
        page.open_feedback = [(f, items) for f, items in view.feedback if f.status == "open"]
    if check:
        page.findings = await service.check_draft(
            session, actor, permit_number=permit_number, kind=kind, period=period, content=page.content
        )
    return page


@dataclass
class ConfirmPage:
    """The step before filing: what will be filed, its errors and warnings, and that it stays."""

    preview: service.SubmissionPreview
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
) -> ConfirmPage:
    preview = await service.preview_submission(
        session, actor, permit_number=permit_number, kind=kind, period=period, content=content
    )
    enterprise = await session.get(Enterprise, preview.permit.enterprise_id)
    assert enterprise is not None
    return ConfirmPage(preview, enterprise, content, sections_of(kind))


# ---------------------------------------------------------------------------
# Receipt, report page, chain verification
# ---------------------------------------------------------------------------


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
    return {k: _severity_first(v) for k, v in grouped.items()}


async def receipt_page(session: AsyncSession, actor: Actor, *, receipt_number: str) -> Receipt:
    """回执: what was filed, when the server received it, its hash and the one before, by whom."""
    submission, report, permit = await service.submission_by_receipt(
        session, actor, receipt_number=receipt_number
    )
    await _readable(session, actor, permit)
    enterprise = await session.get(Enterprise, permit.enterprise_id)
    assert enterprise is not None and submission.id is not None
    findings = (await _findings(session, [submission.id])).get(submission.id, [])
    return Receipt(submission, report, permit, enterprise, findings)


@dataclass
class ReportPage:
    view: service.ReportView
    enterprise: Enterprise
    shown: ReportSubmission | None  # the submission whose content is shown
    may_write: bool
    may_review: bool

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
    view = await service.report_view(session, actor, report_id=report_id)
    await _readable(session, actor, view.permit)
    enterprise = await session.get(Enterprise, view.permit.enterprise_id)
    assert enterprise is not None
    shown = next((s for s in view.submissions if s.version == version), None) if version else None
    shown = shown or (view.submissions[0] if view.submissions else None)
    view.findings = {k: _severity_first(v) for k, v in view.findings.items()}
    target = target_of(view.permit)
    return ReportPage(
        view,
        enterprise,
        shown,
        may_write=can(actor, Operation.REPORT_WRITE, target),
        may_review=can(actor, Operation.REPORT_REVIEW, target),
    )


@dataclass
class VerifyPage:
    report: ExecutionReport
    permit: Permit
    verification: service.ChainVerification

    @property
    def first_broken(self) -> service.ChainLink | None:
        return next((link for link in self.verification.links if not link.intact), None)


async def verify_page(session: AsyncSession, actor: Actor, *, report_id: int) -> VerifyPage:
    verification = await service.verify_chain(session, actor, report_id=report_id)
    report = await session.get(ExecutionReport, report_id)
    assert report is not None
    permit = await session.get(Permit, report.permit_id)
    assert permit is not None
    return VerifyPage(report, permit, verification)


# ---------------------------------------------------------------------------
# Regulators: the queue, the review page, the filing dashboard
# ---------------------------------------------------------------------------

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


async def _enterprise_names(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
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
    rows, total = await service.review_queue(session, actor, state=state, first=first, offset=offset)
    names = await _enterprise_names(session, (p.enterprise_id for _r, p, _s in rows))
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
    view: service.ReportView
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
    view = await service.report_view(session, actor, report_id=report_id)
    require(actor, Operation.REPORT_REVIEW, target_of(view.permit))
    if not view.submissions:
        raise NotFound(N_("No such report."), field="report")
    latest = view.submissions[0]
    assert latest.id is not None
    enterprise = await session.get(Enterprise, view.permit.enterprise_id)
    assert enterprise is not None
    present = sections_of(view.report.kind)
    own = tuple(s for s in review.sections_for(actor.role.value if actor.role else None) if s in present)
    view.findings = {k: _severity_first(v) for k, v in view.findings.items()}
    return ReviewPage(
        view,
        enterprise,
        latest,
        view.findings.get(latest.id, []),
        own,
        tuple(s for s in present if s not in own),
        may_review=view.report.state == "submitted",
    )


async def return_report(
    session: AsyncSession,
    actor: Actor,
    *,
    report_id: int,
    finding_ids: set[int],
    violation_finding_ids: set[int],
    free_problems: list[service.FeedbackItemInput],
    deadline: date,
    locale: str,
) -> FeedbackForm:
    """Return a report with one feedback form (PT §5): the ticked findings of the latest submission, in
    the reviewer's words, and the problems written by hand; violations become enforcement leads.

    Errors come back named after the form's inputs (``problem_<row>``), so each shows at its row.
    """
    report = await session.get(ExecutionReport, report_id)
    permit = await session.get(Permit, report.permit_id) if report else None
    if report is None or permit is None or not can(actor, Operation.REPORT_VIEW, target_of(permit)):
        if not actor.is_authenticated:
            require(actor, Operation.REPORT_VIEW)
        raise NotFound(N_("No such report."), field="report")
    require(actor, Operation.REPORT_REVIEW, target_of(permit))
    latest = (
        await session.exec(
            select(ReportSubmission).where(
                ReportSubmission.report_id == report.id, ReportSubmission.version == report.latest_version
            )
        )
    ).first()
    chosen: list[AuditFinding] = []
    if latest is not None and finding_ids:
        chosen = _severity_first(
            (
                await session.exec(
                    select(AuditFinding).where(
                        AuditFinding.submission_id == latest.id, col(AuditFinding.id).in_(sorted(finding_ids))
                    )
                )
            ).all()
        )
    items = [
        service.FeedbackItemInput(
            problem=translate(f.message, locale, **f.params),
            field=f.field,
            rule_code=f.rule_code,
            is_violation=f.id in violation_finding_ids,
        )
        for f in chosen
    ]
    rows = [(row, item) for row, item in enumerate(free_problems) if item.problem.strip()]
    items.extend(item for _row, item in rows)
    try:
        return await service.issue_feedback(
            session, actor, report_id=report_id, items=items, deadline=deadline
        )
    except ValidationFailed as error:
        renamed = []
        for problem in error.errors:
            match = re.match(r"^items\[(\d+)\]\.problem$", problem.field or "")
            if match and int(match.group(1)) >= len(chosen):
                row = rows[int(match.group(1)) - len(chosen)][0]
                problem = FieldError(f"problem_{row}", problem.code, problem.message, problem.params)
            renamed.append(problem)
        raise ValidationFailed(renamed) from None


@dataclass
class OverdueReport:
    permit: Permit
    enterprise_name: str
    report: ExecutionReport | None
    due_date: date
    days_overdue: int


@dataclass
class SeriesPoint:
    period: str
    due: int
    submitted: int
    on_time: int

    @property
    def submission_rate(self) -> float:
        return self.submitted / self.due if self.due else 1.0

    @property
    def on_time_rate(self) -> float:
        return self.on_time / self.due if self.due else 1.0


@dataclass
class Dashboard:
    kind: str
    period: rules.Period
    due_date: date
    by_region: list[service.FilingRate]
    by_industry: list[service.FilingRate]
    overdue: list[OverdueReport]
    series: list[SeriesPoint]

    @property
    def total(self) -> service.FilingRate:
        return service.FilingRate(
            "",
            sum(r.due for r in self.by_region),
            sum(r.submitted for r in self.by_region),
            sum(r.on_time for r in self.by_region),
        )

    @property
    def target_met(self) -> bool:
        """The report half of the "double hundred" (docs/domain-rules.md): every unit that owes a report
        submitted it. The other half (permit quality checked for every permit within three years) waits
        for the quality audit and is never folded into this figure; punctuality is shown on its own."""
        total = self.total
        return total.submitted == total.due


async def _owing(
    session: AsyncSession, actor: Actor, kind: str, period: rules.Period
) -> list[tuple[Permit, rules.PlannedPeriod]]:
    """Issued permits of the jurisdiction whose validity overlaps the period and that owe its report."""
    statement = select(Permit).where(
        Permit.status == PermitStatus.ISSUED,
        col(Permit.valid_from) <= period.end,
        col(Permit.valid_until) >= period.start,
    )
    prefix = jurisdiction_prefix(actor)
    if prefix is not None:
        statement = statement.where(col(Permit.region_code).startswith(prefix, autoescape=True))
    permits = (await session.exec(statement.order_by(col(Permit.number)))).all()
    return await report_schedule.owing(session, permits, kind, period.label)


async def overdue_reports(
    session: AsyncSession, actor: Actor, *, kind: str, period: str
) -> list[OverdueReport]:
    """Reports of the jurisdiction for a period that are past due and were never submitted."""
    require(actor, Operation.PERMIT_LIST)
    target = _period(kind, period)
    on = today()
    if on <= target.end:
        return []
    owing = [
        (p, item.due_date) for p, item in await _owing(session, actor, kind, target) if on > item.due_date
    ]
    permits = [p for p, _due in owing]
    reports = {
        r.permit_id: r
        for r in (
            await session.exec(
                select(ExecutionReport).where(
                    ExecutionReport.kind == kind,
                    ExecutionReport.period == target.label,
                    col(ExecutionReport.permit_id).in_([p.id for p in permits]),
                )
            )
        ).all()
    }
    names = await _enterprise_names(session, (p.enterprise_id for p in permits))
    return [
        OverdueReport(p, names.get(p.enterprise_id, ""), reports.get(p.id or 0), due, (on - due).days)
        for p, due in owing
        if reports.get(p.id or 0) is None or reports[p.id or 0].first_submitted_at is None
    ]


async def dashboard(session: AsyncSession, actor: Actor, *, kind: str, period: str | None) -> Dashboard:
    """Filing rates for a period by region and industry, the trend of recent periods, the overdue list."""
    require(actor, Operation.PERMIT_LIST)
    kind = kind if kind in {k.value for k in ReportKind} else ReportKind.QUARTERLY.value
    target = _period(kind, period.strip()) if period and period.strip() else latest_due_period(kind, today())
    by_region = await service.filing_statistics(session, actor, kind=kind, period=target.label, by="region")
    by_industry = await service.filing_statistics(
        session, actor, kind=kind, period=target.label, by="industry"
    )
    series = []
    for earlier in previous_periods(kind, target, 6):
        rates = (
            by_region
            if earlier.label == target.label
            else await service.filing_statistics(session, actor, kind=kind, period=earlier.label)
        )
        series.append(
            SeriesPoint(
                earlier.label,
                sum(r.due for r in rates),
                sum(r.submitted for r in rates),
                sum(r.on_time for r in rates),
            )
        )
    return Dashboard(
        kind,
        target,
        rules.due_date(target, report_schedule.default_due_days()),
        by_region,
        by_industry,
        await overdue_reports(session, actor, kind=kind, period=target.label),
        series,
    )


# ---------------------------------------------------------------------------
# The public: annual reports of a permit (M48 §37), without commercial secrets
# ---------------------------------------------------------------------------


@dataclass
class PublicSubmission:
    version: int
    received_at: datetime
    receipt_number: str
    content_hash: str


@dataclass
class PublicAnnualReport:
    period: str
    due_date: date
    on_time: bool | None
    state: str
    submissions: list[PublicSubmission]  # oldest first: the first one is the one judged
    content: dict[str, Any]  # of the latest submission, secret sections removed
    hidden_sections: list[str]
    verification: service.ChainVerification

    @property
    def sections(self) -> tuple[str, ...]:
        return tuple(s for s in sections_of(ReportKind.ANNUAL) if s not in self.hidden_sections)


@dataclass
class PublicReports:
    permit: Permit
    enterprise_name: str
    reports: list[PublicAnnualReport]


async def public_annual_reports(session: AsyncSession, actor: Actor, *, permit_number: str) -> PublicReports:
    """A permit's filed annual reports as anyone reads them: every submission time, the chain check,
    the content without the sections its unit marked as commercial secret; never who filed them."""
    number = (permit_number or "").strip().upper()
    found = (
        await session.exec(
            select(Permit, Enterprise)
            .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
            .where(Permit.number == number, col(Permit.content_version) >= 1)
        )
    ).first()
    if found is None:
        raise NotFound(N_("No permit with this number."), field="permit_number")
    permit, enterprise = found
    version = (
        await session.exec(
            select(PermitVersion).where(
                PermitVersion.permit_id == permit.id, PermitVersion.version == permit.content_version
            )
        )
    ).first()
    # No content of the permit to read its secrets from: everything that could be secret stays hidden.
    secret = list(version.content.get("secret_sections") or []) if version else None
    reports = (
        await session.exec(
            select(ExecutionReport)
            .where(
                ExecutionReport.permit_id == permit.id,
                ExecutionReport.kind == ReportKind.ANNUAL,
                col(ExecutionReport.latest_version) > 0,
            )
            .order_by(col(ExecutionReport.period).desc())
        )
    ).all()
    items: list[PublicAnnualReport] = []
    for report in reports:
        assert report.id is not None
        submissions = (
            await session.exec(
                select(ReportSubmission)
                .where(ReportSubmission.report_id == report.id)
                .order_by(col(ReportSubmission.version))
            )
        ).all()
        content, hidden = disclosed(dict(submissions[-1].content), secret)
        items.append(
            PublicAnnualReport(
                report.period,
                report.due_date,
                report.on_time,
                report.state,
                [
                    PublicSubmission(s.version, s.received_at, s.receipt_number, s.content_hash)
                    for s in submissions
                ],
                content,
                hidden,
                await service.verify_chain(session, actor, report_id=report.id),
            )
        )
    return PublicReports(permit, enterprise.name, items)
