"""Files on reports (``ReportAttachment``): the policy they are checked against, the draft's files, and
what a submission lists of them. The use cases are in ``service.attachments``; the reads in
``queries.attachments``; checking and storing the bytes in ``domain.uploads``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import uploads
from domain.errors import N_
from domain.reports.models import ReportAttachment

MIB = uploads.MIB
# A monitoring report or a written explanation is a PDF, a scan, a Word document or a workbook. Ten of at
# most 10 MB each, 40 MB on one report or reply; one portal upload stays within its 48 MB body limit.
POLICY = uploads.Policy(
    kinds=(uploads.PDF, uploads.JPEG, uploads.PNG, uploads.DOCX, uploads.XLSX),
    types_message=N_("Attach PDF, JPG, PNG, Word (.docx) or Excel (.xlsx) files."),
    max_files=10,
    max_file_bytes=10 * MIB,
    max_total_bytes=40 * MIB,
)
UPLOAD_MAX_FILES = 4  # in one request: 4 x 10 MB within the portal's upload body limit


def listed(files: Sequence[ReportAttachment]) -> list[dict[str, Any]]:
    """What a submission's record keeps of its files (and what its hash covers)."""
    return [
        {"id": f.id, "file_name": f.file_name, "media_type": f.media_type, "size": f.size, "sha256": f.sha256}
        for f in files
    ]


async def on_drafts(session: AsyncSession, report_ids: Sequence[int]) -> dict[int, list[ReportAttachment]]:
    """The files on these reports' drafts (not removed, not on a feedback reply), oldest first."""
    found: dict[int, list[ReportAttachment]] = defaultdict(list)
    if not report_ids:
        return found
    statement = (
        select(ReportAttachment)
        .where(
            col(ReportAttachment.report_id).in_(sorted(set(report_ids))),
            col(ReportAttachment.feedback_form_id).is_(None),
            col(ReportAttachment.removed_at).is_(None),
        )
        .order_by(col(ReportAttachment.id))
    )
    for row in (await session.exec(statement)).all():
        found[row.report_id].append(row)
    return found


def filed_in(files: Sequence[ReportAttachment], submission_id: int, session: AsyncSession) -> None:
    """Mark the files first filed with this submission (regulators may open them from now on)."""
    for item in files:
        if item.submitted_in is None:
            item.submitted_in = submission_id
            session.add(item)
