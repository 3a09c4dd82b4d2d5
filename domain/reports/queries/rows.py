"""Reading execution reports as one actor may see them (lists, one report, dataloaders).

A reader either may view a report (its unit or the unit's authorised agency, the
regulators of its region, the administrator) and sees it whole, or sees only what
is public: an annual report that has been filed (M48 §37), its submission times and
hashes, and its content without the sections the unit marked as commercial secret in
its permit (M48 §26) and without the names of the staff who filed it. Audit findings
and feedback forms are never public. A report that was never filed is the unit's
draft: only the unit (and its agency) sees that it exists.

That decision is made once, in ``report_row``; every batch function below (the API's
dataloaders) takes the ``ReportKey`` of a row and serves only what the row allows, reading
all the keys it is given in one query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, can, require
from domain.access.sql import allowed
from domain.changes.kinds import ObjectType
from domain.changes.since import updated_since
from domain.errors import N_, FieldError, ValidationFailed
from domain.pagination import Key, Page, Window, check_page_size, keyset_page, sort_order
from domain.permits.models import Permit, PermitVersion
from domain.permits.reference import ReportKind
from domain.permits.rules import normal_number
from domain.permits.state import TARGET_COLUMNS, target_of
from domain.regions import is_valid_region_code
from domain.reports import checks, rules
from domain.reports.checks import KINDS, kind_error, period_error
from domain.reports.content import disclosed
from domain.reports.models import (
    REPORT_STATES,
    AuditFinding,
    ExecutionReport,
    FeedbackForm,
    FeedbackItem,
    ReportSubmission,
)


@dataclass(frozen=True)
class ReportKey:
    """Which rows of a report to load, and for whom: ``full`` readers may see everything."""

    report_id: int
    permit_id: int
    permit_version: int
    latest_version: int
    full: bool


@dataclass(frozen=True)
class ReportRow:
    """A report as one reader may see it."""

    report: ExecutionReport
    permit_number: str
    full: bool
    key: ReportKey


def report_row(actor: Actor, report: ExecutionReport, permit: Permit) -> ReportRow | None:
    """The report as this actor may see it; None when it is neither theirs to view nor public."""
    assert report.id is not None and permit.id is not None
    if can(actor, Operation.REPORT_VIEW, target_of(permit)):
        # A report never filed holds only the unit's draft: regulators do not see it yet.
        if report.latest_version == 0 and not actor.is_unit_side:
            return None
        full = True
    elif report.kind == ReportKind.ANNUAL and report.latest_version > 0:
        full = False  # annual reports are public once filed (M48 §37)
    else:
        return None
    key = ReportKey(report.id, permit.id, permit.content_version, report.latest_version, full)
    return ReportRow(report=report, permit_number=permit.number or "", full=full, key=key)


# ---------------------------------------------------------------------------
# Lists and single reports
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilter:
    permit_number: str = ""
    kind: str = ""
    period: str = ""
    state: str = ""
    region_code: str = ""
    updated_since: datetime | None = None  # changed (or recorded) at or after: an integrator's sync


def check_report_filter(filters: ReportFilter) -> None:
    errors: list[FieldError] = []
    if filters.kind and filters.kind not in KINDS:
        errors.append(kind_error())
    if filters.state and filters.state not in REPORT_STATES:
        errors.append(
            FieldError(
                "state", "choice", N_("Choose one of: {choices}."), {"choices": ", ".join(REPORT_STATES)}
            )
        )
    if filters.period:
        kinds = [filters.kind] if filters.kind in KINDS else list(KINDS)
        if not any(rules.parse_period(kind, filters.period) for kind in kinds):
            errors.append(period_error(filters.kind or ReportKind.QUARTERLY))
    if filters.region_code and not is_valid_region_code(filters.region_code.strip()):
        errors.append(
            FieldError(
                "region_code", "region_code", N_("A region code (GB/T 2260) is six digits, e.g. 310107.")
            )
        )
    if errors:
        raise ValidationFailed(errors)


def _scoped(statement: Any, actor: Actor) -> Any:
    """The reports an actor lists, as ``report_row`` decides one: readers with reports of their own (the
    unit, its agency for reports, regulators, the administrator) those they may view (the SQL form of
    can(REPORT_VIEW)), drafts only on the unit's side; everyone else the filed annual reports (public)."""
    filed = col(ExecutionReport.latest_version) > 0
    if actor.is_unit_side or can(actor, Operation.PERMIT_LIST):
        statement = statement.where(allowed(actor, Operation.REPORT_VIEW, TARGET_COLUMNS))
        return statement if actor.is_unit_side else statement.where(filed)
    return statement.where(ExecutionReport.kind == ReportKind.ANNUAL, filed)


# Latest due date first, then by permit and kind; the id makes the order total (pages never overlap).
REPORT_ORDER = (
    Key(col(ExecutionReport.due_date), descending=True),
    Key(col(Permit.number), nullable=True),
    Key(col(ExecutionReport.kind)),
    Key(col(ExecutionReport.id)),
)


def _report_key(row: Any) -> tuple[Any, ...]:
    report, permit = row
    return (report.due_date, permit.number, report.kind, report.id)


async def browse_reports(
    session: AsyncSession,
    actor: Actor,
    *,
    filters: ReportFilter | None = None,
    first: int = 20,
    offset: int = 0,
    window: Window | None = None,
) -> Page[ReportRow]:
    """A page of reports for this actor, latest due date first."""
    filters = filters or ReportFilter()
    check_report_filter(filters)
    check_page_size(first)
    statement = _scoped(
        select(ExecutionReport, Permit).join(Permit, col(Permit.id) == col(ExecutionReport.permit_id)),
        actor,
    )
    if filters.permit_number.strip():
        statement = statement.where(Permit.number == filters.permit_number.strip().upper())
    if filters.kind:
        statement = statement.where(ExecutionReport.kind == filters.kind)
    if filters.period:
        statement = statement.where(ExecutionReport.period == filters.period.strip())
    if filters.state:
        statement = statement.where(ExecutionReport.state == filters.state)
    if filters.region_code:
        prefix = filters.region_code.strip()
        while prefix.endswith("00"):
            prefix = prefix[:-2]
        statement = statement.where(col(ExecutionReport.region_code).startswith(prefix, autoescape=True))
    if filters.updated_since is not None:
        statement = statement.where(
            updated_since(
                ObjectType.EXECUTION_REPORT,
                col(ExecutionReport.id),
                col(ExecutionReport.created_at),
                filters.updated_since,
            )
        )
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    if window is not None:
        page = await keyset_page(session, statement, REPORT_ORDER, window, _report_key, total=int(total))
        return page.kept([report_row(actor, report, permit) for report, permit in page.items])
    rows = (
        await session.exec(statement.order_by(*sort_order(REPORT_ORDER)).offset(offset).limit(first))
    ).all()
    found = [report_row(actor, report, permit) for report, permit in rows]
    return Page(items=[row for row in found if row is not None], offset=offset, total=int(total))


async def find_report_row(
    session: AsyncSession, actor: Actor, *, permit_number: str, kind: str, period: str
) -> ReportRow | None:
    """One report by permit, kind and period; None when unknown or not visible to the actor.

    The public may read filed annual reports only: asked for any other kind, an
    anonymous caller is told to log in, whether or not the report exists.
    """
    parsed = checks.period(kind, (period or "").strip())
    if kind != ReportKind.ANNUAL and not actor.is_authenticated:
        require(actor, Operation.REPORT_VIEW)
    row = (
        await session.exec(
            select(ExecutionReport, Permit)
            .join(Permit, col(Permit.id) == col(ExecutionReport.permit_id))
            .where(
                Permit.number == normal_number(permit_number),
                ExecutionReport.kind == kind,
                ExecutionReport.period == parsed.label,
            )
        )
    ).first()
    return report_row(actor, row[0], row[1]) if row is not None else None


async def rows_of(session: AsyncSession, actor: Actor, reports: Sequence[ExecutionReport]) -> list[ReportRow]:
    """Reports a use case returned, as the actor may see them (for mutation results)."""
    ids = sorted({report.permit_id for report in reports})
    permits = (
        {p.id: p for p in (await session.exec(select(Permit).where(col(Permit.id).in_(ids)))).all()}
        if ids
        else {}
    )
    found = [report_row(actor, report, permits[report.permit_id]) for report in reports]
    return [row for row in found if row is not None]


# ---------------------------------------------------------------------------
# Batch functions of the dataloaders
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmissionView:
    """A submission as the reader may see it: the public gets neither staff names nor secret sections."""

    submission: ReportSubmission
    submitted_by: str | None
    content: dict[str, Any]


def submission_view(
    submission: ReportSubmission, *, full: bool, secret_sections: Sequence[str] | None
) -> SubmissionView:
    """``secret_sections`` None: the permit's content is unknown (every section that could be secret is
    hidden from the public)."""
    if full:
        return SubmissionView(submission, submission.submitted_by, dict(submission.content))
    return SubmissionView(submission, None, disclosed(submission.content, secret_sections)[0])


async def _secret_sections(
    session: AsyncSession, keys: Sequence[ReportKey]
) -> dict[tuple[int, int], list[str]]:
    pairs = sorted({(key.permit_id, key.permit_version) for key in keys if not key.full})
    if not pairs:
        return {}
    statement = select(PermitVersion).where(
        sa.tuple_(col(PermitVersion.permit_id), col(PermitVersion.version)).in_(pairs)
    )
    return {
        (v.permit_id, v.version): list(v.content.get("secret_sections") or [])
        for v in (await session.exec(statement)).all()
    }


async def submissions_for(
    session: AsyncSession, keys: Sequence[ReportKey]
) -> dict[ReportKey, list[SubmissionView]]:
    """Every submission of the reports, newest first, as each key's reader may see it."""
    ids = sorted({key.report_id for key in keys})
    if not ids:
        return {}
    statement = (
        select(ReportSubmission)
        .where(col(ReportSubmission.report_id).in_(ids))
        .order_by(col(ReportSubmission.report_id), col(ReportSubmission.version).desc())
    )
    found: dict[int, list[ReportSubmission]] = defaultdict(list)
    for submission in (await session.exec(statement)).all():
        found[submission.report_id].append(submission)
    secrets = await _secret_sections(session, keys)
    return {
        key: [
            submission_view(
                s,
                full=key.full,
                secret_sections=secrets.get((key.permit_id, key.permit_version)),
            )
            for s in found.get(key.report_id, [])
        ]
        for key in keys
    }


async def latest_findings_for(
    session: AsyncSession, keys: Sequence[ReportKey]
) -> dict[ReportKey, list[AuditFinding] | None]:
    """The audit findings of each report's latest submission; None for readers who may not see them."""
    result: dict[ReportKey, list[AuditFinding] | None] = {key: None for key in keys if not key.full}
    pairs = sorted({(key.report_id, key.latest_version) for key in keys if key.full})
    if not pairs:
        return result
    statement = (
        select(AuditFinding, ReportSubmission.report_id)
        .join(ReportSubmission, col(ReportSubmission.id) == col(AuditFinding.submission_id))
        .where(sa.tuple_(col(ReportSubmission.report_id), col(ReportSubmission.version)).in_(pairs))
        .order_by(col(AuditFinding.id))
    )
    found: dict[int, list[AuditFinding]] = defaultdict(list)
    for finding, report_id in (await session.exec(statement)).all():
        found[report_id].append(finding)
    for key in keys:
        if key.full:
            result[key] = found.get(key.report_id, [])
    return result


@dataclass(frozen=True)
class FeedbackView:
    form: FeedbackForm
    items: list[FeedbackItem]


async def feedback_for(
    session: AsyncSession, keys: Sequence[ReportKey]
) -> dict[ReportKey, list[FeedbackView] | None]:
    """Feedback forms of the reports, newest first; None for readers who may not see them."""
    result: dict[ReportKey, list[FeedbackView] | None] = {key: None for key in keys if not key.full}
    ids = sorted({key.report_id for key in keys if key.full})
    if not ids:
        return result
    forms = (
        await session.exec(
            select(FeedbackForm)
            .where(col(FeedbackForm.report_id).in_(ids))
            .order_by(col(FeedbackForm.report_id), col(FeedbackForm.id).desc())
        )
    ).all()
    items: dict[int, list[FeedbackItem]] = defaultdict(list)
    form_ids = [form.id for form in forms if form.id is not None]
    if form_ids:
        for item in (
            await session.exec(
                select(FeedbackItem)
                .where(col(FeedbackItem.form_id).in_(form_ids))
                .order_by(col(FeedbackItem.id))
            )
        ).all():
            items[item.form_id].append(item)
    by_report: dict[int, list[FeedbackView]] = defaultdict(list)
    for form in forms:
        by_report[form.report_id].append(FeedbackView(form, items.get(form.id or 0, [])))
    for key in keys:
        if key.full:
            result[key] = by_report.get(key.report_id, [])
    return result


async def feedback_result(
    session: AsyncSession, actor: Actor, form: FeedbackForm
) -> tuple[FeedbackView, ReportRow | None]:
    """A feedback form a use case just wrote, with its items and its report as the actor sees it."""
    items = (
        await session.exec(
            select(FeedbackItem).where(FeedbackItem.form_id == form.id).order_by(col(FeedbackItem.id))
        )
    ).all()
    report = await session.get(ExecutionReport, form.report_id)
    rows = await rows_of(session, actor, [report]) if report is not None else []
    return FeedbackView(form, list(items)), (rows[0] if rows else None)
