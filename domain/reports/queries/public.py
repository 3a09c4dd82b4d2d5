"""The public: a permit's filed annual reports as anyone reads them (M48 §37): every submission time, the
chain check, the content without the sections its unit marked as commercial secret in its permit (M48 §26);
never who filed them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor
from domain.enterprises.models import Enterprise
from domain.errors import N_, NotFound
from domain.permits.models import Permit, PermitVersion
from domain.permits.reference import ReportKind
from domain.permits.rules import normal_number
from domain.reports.content import disclosed, sections_of
from domain.reports.models import ExecutionReport, ReportSubmission
from domain.reports.queries.chain import ChainVerification, verify_chain


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
    verification: ChainVerification

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
    number = normal_number(permit_number or "")
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
                await verify_chain(session, actor, report_id=report.id),
            )
        )
    return PublicReports(permit, enterprise.name, items)
