"""Filed execution reports as one document for the national platform (全国排污许可证管理信息平台): a unit's
or a jurisdiction's reports with every submission as received (server time, hash chain, filer and agency, the
content by section). The format, ``permitwatch-reports/1``, is documented field by field in
docs/integrators.md ("Execution reports for the national platform").

Read from the append-only submissions alone (never a draft), for whoever may read the reports
(``Operation.REPORT_VIEW``, its SQL form: the unit its own, its agency authorised for reports, the regulators
of their jurisdiction, the administrator). Bounded: an export of more than ``MAX_EXPORT_REPORTS`` reports is
refused, naming the filters that narrow it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation
from domain.access.sql import allowed
from domain.accounts.models import User
from domain.agencies.service import agency_of_tag
from domain.clock import as_utc, utcnow
from domain.enterprises.models import Enterprise
from domain.enterprises.rules import credit_code_error, normalize_credit_code
from domain.errors import N_, FieldError, NotAuthenticated, ValidationFailed
from domain.permits.models import Permit
from domain.permits.state import TARGET_COLUMNS
from domain.regions import is_valid_region_code
from domain.reports.checks import KINDS, kind_error
from domain.reports.content import sections_of
from domain.reports.models import ExecutionReport, ReportSubmission

FORMAT = "permitwatch-reports/1"
MAX_EXPORT_REPORTS = 2000


def _time(moment: datetime | None) -> str | None:
    return as_utc(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment is not None else None


def _check(credit_code: str, region_code: str, kind: str, year: str) -> None:
    errors: list[FieldError] = []
    if not credit_code and not region_code:
        errors.append(
            FieldError(
                "enterprise", "required", N_("Name a unit (credit code) or a jurisdiction (region code).")
            )
        )
    if credit_code:
        error = credit_code_error(credit_code, field="enterprise")
        if error is not None:
            errors.append(error)
    if region_code and not is_valid_region_code(region_code):
        errors.append(
            FieldError("region", "region_code", N_("A region code (GB/T 2260) is six digits, e.g. 310107."))
        )
    if kind and kind not in KINDS:
        errors.append(kind_error())
    if year and not (len(year) == 4 and year.isdigit() and "1990" <= year <= "2100"):
        errors.append(FieldError("year", "year", N_("Expected a year as four digits, e.g. 2025.")))
    if errors:
        raise ValidationFailed(errors)


def require_reader(actor: Actor) -> None:
    """Anyone logged in may ask; what they get is what they may read (nothing, for most). The public is asked
    to log in: filed reports other than annual ones are not public (annual ones are on the public pages)."""
    if not actor.is_authenticated:
        raise NotAuthenticated(N_("Please log in to continue."))


async def export_reports(
    session: AsyncSession,
    actor: Actor,
    *,
    credit_code: str = "",
    region_code: str = "",
    kind: str = "",
    year: str = "",
) -> dict[str, Any]:
    """The filed reports of a unit (``credit_code``) or of a jurisdiction (``region_code`` and the regions in
    it), optionally of one kind and of periods of one year, as a ``permitwatch-reports/1`` document."""
    require_reader(actor)
    credit_code = normalize_credit_code(credit_code or "")
    region_code = (region_code or "").strip()
    kind, year = (kind or "").strip(), (year or "").strip()
    _check(credit_code, region_code, kind, year)
    statement = (
        select(ExecutionReport, Permit, Enterprise)
        .join(Permit, col(Permit.id) == col(ExecutionReport.permit_id))
        .join(Enterprise, col(Enterprise.id) == col(ExecutionReport.enterprise_id))
        .where(col(ExecutionReport.latest_version) > 0, allowed(actor, Operation.REPORT_VIEW, TARGET_COLUMNS))
    )
    if credit_code:
        statement = statement.where(Enterprise.credit_code == credit_code)
    if region_code:
        prefix = region_code
        while prefix.endswith("00"):
            prefix = prefix[:-2]
        statement = statement.where(col(ExecutionReport.region_code).startswith(prefix, autoescape=True))
    if kind:
        statement = statement.where(ExecutionReport.kind == kind)
    if year:
        statement = statement.where(col(ExecutionReport.period).startswith(year, autoescape=True))
    total = int((await session.exec(select(func.count()).select_from(statement.subquery()))).one())
    if total > MAX_EXPORT_REPORTS:
        raise ValidationFailed(
            [
                FieldError(
                    "year",
                    "too_many",
                    N_("{count} reports match; narrow the export (a year, a kind) to at most {max}."),
                    {"count": total, "max": MAX_EXPORT_REPORTS},
                )
            ]
        )
    rows = (
        await session.exec(
            statement.order_by(
                col(Enterprise.credit_code),
                col(Permit.number),
                col(ExecutionReport.kind),
                col(ExecutionReport.period),
            )
        )
    ).all()
    submissions = await _submissions(session, [report.id for report, _, _ in rows if report.id is not None])
    filers = await _filers(session, [s for found in submissions.values() for s in found])
    return {
        "format": FORMAT,
        "generated_at": _time(utcnow()),
        "scope": {"credit_code": credit_code, "region_code": region_code, "kind": kind, "year": year},
        "report_count": len(rows),
        "reports": [
            _report(report, permit, enterprise, submissions.get(report.id or 0, []), filers)
            for report, permit, enterprise in rows
        ],
    }


async def _submissions(session: AsyncSession, ids: list[int]) -> dict[int, list[ReportSubmission]]:
    found: dict[int, list[ReportSubmission]] = {}
    for start in range(0, len(ids), 500):
        for submission in (
            await session.exec(
                select(ReportSubmission)
                .where(col(ReportSubmission.report_id).in_(ids[start : start + 500]))
                .order_by(col(ReportSubmission.report_id), col(ReportSubmission.version))
            )
        ).all():
            found.setdefault(submission.report_id, []).append(submission)
    return found


async def _filers(session: AsyncSession, submissions: list[ReportSubmission]) -> dict[str, dict[str, Any]]:
    """Each filer's name, and the agency a tag names, once per distinct login or tag."""
    names = {s.submitted_by for s in submissions}
    users = (await session.exec(select(User).where(col(User.username).in_(names)))).all() if names else []
    found: dict[str, dict[str, Any]] = {
        f"user:{user.username}": {"username": user.username, "name": user.display_name or user.username}
        for user in users
    }
    for tag in {s.on_behalf_of for s in submissions if s.on_behalf_of}:
        agency = await agency_of_tag(session, tag)
        code = tag.split(":", 1)[-1]
        found[f"tag:{tag}"] = {
            "credit_code": agency.credit_code if agency else code,
            "name": agency.name if agency else code,
        }
    return found


def _report(
    report: ExecutionReport,
    permit: Permit,
    enterprise: Enterprise,
    submissions: list[ReportSubmission],
    filers: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    return {
        "permit_number": permit.number,
        "unit": {"name": enterprise.name, "credit_code": enterprise.credit_code},
        "region_code": report.region_code,
        "industry_code": report.industry_code,
        "kind": report.kind,
        "period": report.period,
        "period_start": report.period_start.isoformat(),
        "period_end": report.period_end.isoformat(),
        "due_date": report.due_date.isoformat(),
        "state": report.state,
        "first_submitted_at": _time(report.first_submitted_at),
        "on_time": report.on_time,
        "latest_version": report.latest_version,
        "head_hash": report.head_hash,
        "submissions": [
            {
                "version": s.version,
                "received_at": _time(s.received_at),
                "receipt_number": s.receipt_number,
                "content_hash": s.content_hash,
                "previous_hash": s.previous_hash,
                "imported_from": s.imported_from,
                "filer": filers.get(
                    f"user:{s.submitted_by}", {"username": s.submitted_by, "name": s.submitted_by}
                ),
                "on_behalf_of": filers.get(f"tag:{s.on_behalf_of}") if s.on_behalf_of else None,
                "attachments": [
                    {key: item.get(key) for key in ("file_name", "media_type", "size", "sha256")}
                    for item in s.attachments
                ],
                "content": {
                    section: s.content.get(section)
                    for section in sections_of(report.kind)
                    if section in s.content
                },
            }
            for s in submissions
        ],
    }
