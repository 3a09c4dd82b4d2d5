"""The copy of record (存档件) of one submission: what its receipt page and its PDF show, read from the
append-only record alone, so the same submission gives the same document whenever it is asked for.

Everything comes from the submission row (content, server time, hash, filer, agency tag) and rows that do
not change after it: version 1 of the same report (the first submission time, on which on-time is
judged), its audit findings, the permit number. Names are looked up, not codes: the unit's name as its
record stood when the server received the submission (``EnterpriseRevision``), the filer's display name and
the agency's name. The draft is never read: a later edit of it cannot change a filed copy. Who may read it
is who may read the report (``Operation.REPORT_VIEW`` in ``domain.access``): the unit, its agency
authorised for reports, the regulators of its jurisdiction, the administrator. (docs/architecture.md)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor
from domain.accounts.models import User
from domain.agencies.service import agency_of_tag
from domain.enterprises.models import Enterprise, EnterpriseRevision
from domain.permits.models import Permit
from domain.reports.content import sections_of
from domain.reports.models import AuditFinding, ExecutionReport, ReportSubmission
from domain.reports.queries import report as report_queries
from domain.reports.queries.attachments import ListedFile, listed_files

# What one PDF prints, so that a render stays within seconds whatever the content bounds let through
# (``content.MAX_ROWS`` rows per section, ``MAX_TEXT`` characters per text: far more than pages can hold).
# Measured in docs/architecture.md, "The copy of record". A submission past them still gets its PDF: the
# rows past the budget (taken in section order) are counted, not printed, long texts end with " …", and the
# PDF says so; the hash it prints covers the whole content, which the report page shows in full.
PDF_MAX_ROWS = 400  # rows of all list sections together
PDF_MAX_TEXT = 1000  # characters of one text (a cause, a note); the statement is printed whole
PDF_MAX_CHARS = 40_000  # characters of text of the whole document


def pdf_path(receipt_number: str) -> str:
    """Where the copy of record of a submission is downloaded (the receipt's address + ``.pdf``)."""
    return f"/receipts/{receipt_number}.pdf"


@dataclass(frozen=True)
class Filer:
    """Who filed: the person (login and name) and, when an agency filed for the unit, the agency."""

    username: str
    name: str
    agency_name: str | None
    agency_credit_code: str | None


@dataclass
class CopyOfRecord:
    submission: ReportSubmission
    report: ExecutionReport
    permit: Permit
    enterprise: Enterprise
    unit_name: str  # as the unit's record stood when the submission was received
    first_received_at: datetime  # version 1's server time: never changed by a resubmission
    filer: Filer
    findings: list[AuditFinding]
    content: dict[str, Any]  # as filed, each list and text cut at the PDF bounds
    cut_rows: dict[str, int]  # section -> rows left out of the PDF
    cut_texts: int  # texts shortened in the PDF

    @property
    def is_first(self) -> bool:
        return self.submission.version == 1

    @property
    def sections(self) -> tuple[str, ...]:
        return sections_of(self.report.kind)

    @property
    def commitment(self) -> str:
        """The unit's statement (排污单位声明/承诺) as filed: the last section of every report."""
        value = self.submission.content.get("statement")
        return value if isinstance(value, str) else ""

    @property
    def pdf_path(self) -> str:
        return pdf_path(self.submission.receipt_number)

    @property
    def files(self) -> list[ListedFile]:
        """The files filed with this version (name, type, size, SHA-256), as its record lists them."""
        return listed_files(self.submission.attachments)

    @property
    def is_cut(self) -> bool:
        return bool(self.cut_rows) or self.cut_texts > 0


def bounded_content(content: dict[str, Any]) -> tuple[dict[str, Any], dict[str, int], int]:
    """The content as the PDF prints it, within ``PDF_MAX_ROWS``, ``PDF_MAX_TEXT`` and ``PDF_MAX_CHARS``;
    with the rows left out per section and the number of texts shortened."""
    cut_rows: dict[str, int] = {}
    cut_texts = 0
    rows_left, chars_left = PDF_MAX_ROWS, PDF_MAX_CHARS

    def text(value: Any) -> Any:
        nonlocal cut_texts, chars_left
        if not isinstance(value, str):
            return value
        room = max(0, min(PDF_MAX_TEXT, chars_left))
        chars_left -= min(len(value), room)
        if len(value) > room:
            cut_texts += 1
            return value[:room] + " …"
        return value

    bounded: dict[str, Any] = {}
    for section, value in content.items():
        if isinstance(value, list):
            printed = []
            for row in value:
                if rows_left <= 0 or chars_left <= 0:
                    cut_rows[section] = cut_rows.get(section, 0) + 1
                    continue
                rows_left -= 1
                printed.append({k: text(v) for k, v in row.items()} if isinstance(row, dict) else row)
            bounded[section] = printed
        elif isinstance(value, dict):
            bounded[section] = {key: text(item) for key, item in value.items()}
        else:
            bounded[section] = text(value)
    return bounded, cut_rows, cut_texts


async def _unit_name(session: AsyncSession, enterprise: Enterprise, at: datetime) -> str:
    """The unit's name in the revision in force at ``at`` (the first one if all are later: a unit
    registered after its history was loaded), else its current name."""
    revisions = (
        await session.exec(
            select(EnterpriseRevision)
            .where(EnterpriseRevision.enterprise_id == enterprise.id)
            .order_by(col(EnterpriseRevision.version))
        )
    ).all()
    standing = [r for r in revisions if r.changed_at <= at] or list(revisions[:1])
    name = standing[-1].data.get("name") if standing else None
    return name if isinstance(name, str) and name else enterprise.name


async def _filer(session: AsyncSession, submission: ReportSubmission) -> Filer:
    user = (await session.exec(select(User).where(User.username == submission.submitted_by))).first()
    agency = await agency_of_tag(session, submission.on_behalf_of)
    tag_code = (submission.on_behalf_of or "").split(":", 1)[-1] if submission.on_behalf_of else None
    return Filer(
        username=submission.submitted_by,
        name=(user.display_name if user and user.display_name else submission.submitted_by),
        agency_name=agency.name if agency else tag_code,
        agency_credit_code=agency.credit_code if agency else tag_code,
    )


async def copy_of_record(session: AsyncSession, actor: Actor, *, receipt_number: str) -> CopyOfRecord:
    """回执与报告存档件: the submission with this receipt number as filed, for whoever may read its report
    (anyone else: ``NotFound``, or asked to log in)."""
    receipt = await report_queries.receipt_page(session, actor, receipt_number=receipt_number)
    submission = receipt.submission
    first_received_at = submission.received_at
    if submission.version != 1:
        first = (
            await session.exec(
                select(ReportSubmission.received_at).where(
                    ReportSubmission.report_id == submission.report_id, ReportSubmission.version == 1
                )
            )
        ).first()
        first_received_at = first or receipt.report.first_submitted_at or submission.received_at
    content, cut_rows, cut_texts = bounded_content(dict(submission.content))
    return CopyOfRecord(
        submission=submission,
        report=receipt.report,
        permit=receipt.permit,
        enterprise=receipt.enterprise,
        unit_name=await _unit_name(session, receipt.enterprise, submission.received_at),
        first_received_at=first_received_at,
        filer=await _filer(session, submission),
        findings=receipt.findings,
        content=content,
        cut_rows=cut_rows,
        cut_texts=cut_texts,
    )
