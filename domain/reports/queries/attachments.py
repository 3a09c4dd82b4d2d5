"""Files on reports as one reader may see them.

A file listed by a submission, or sent with a reply to a feedback form, is seen by whoever may see the
report (``Operation.REPORT_VIEW``); a file still only on the draft by the unit and the agency filing for it
(``Operation.REPORT_WRITE``), as the draft itself. Any other file does not exist for the reader (not found,
never "forbidden": no id tells whether a file exists)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import uploads
from domain.access import Actor, Operation, can
from domain.bounds import MAX_ID
from domain.errors import N_, NotFound
from domain.permits.state import target_of
from domain.reports import attached, lookup
from domain.reports.models import ReportAttachment


@dataclass(frozen=True)
class ListedFile:
    """A file as a submission's record lists it (``ReportSubmission.attachments``)."""

    id: int
    file_name: str
    media_type: str
    size: int
    sha256: str


def listed_files(entries: list[dict[str, object]] | None) -> list[ListedFile]:
    return [
        ListedFile(
            int(str(e["id"])),
            str(e["file_name"]),
            str(e["media_type"]),
            int(str(e["size"])),
            str(e["sha256"]),
        )
        for e in entries or []
    ]


async def attachment(session: AsyncSession, actor: Actor, *, attachment_id: int) -> ReportAttachment:
    """A report's file, to whoever may see it (see the module); otherwise not found."""
    found = await session.get(ReportAttachment, attachment_id) if 0 < attachment_id <= MAX_ID else None
    if found is not None:
        try:
            _report, permit = await lookup.report(session, actor, found.report_id)
        except NotFound:
            found = None
        else:
            filed = found.submitted_in is not None or found.feedback_form_id is not None
            if not filed and not can(actor, Operation.REPORT_WRITE, target_of(permit)):
                found = None
    if found is None:
        raise NotFound(N_("No such file."), field="attachment")
    return found


def content(found: ReportAttachment) -> bytes:
    """The file's bytes from the file store (checked against its hash)."""
    return uploads.file_store().get(found.sha256)


async def draft_files(session: AsyncSession, report_id: int | None) -> list[ReportAttachment]:
    """The files on a report's draft (the caller has checked the reader may edit it)."""
    if report_id is None:
        return []
    return (await attached.on_drafts(session, [report_id])).get(report_id, [])


async def reply_files(session: AsyncSession, report_id: int) -> dict[int, list[ReportAttachment]]:
    """The files sent with the replies to a report's feedback forms, by form id (the caller has checked the
    reader may see the report)."""
    found: dict[int, list[ReportAttachment]] = defaultdict(list)
    statement = (
        select(ReportAttachment)
        .where(ReportAttachment.report_id == report_id, col(ReportAttachment.feedback_form_id).is_not(None))
        .order_by(col(ReportAttachment.id))
    )
    for row in (await session.exec(statement)).all():
        assert row.feedback_form_id is not None
        found[row.feedback_form_id].append(row)
    return found
