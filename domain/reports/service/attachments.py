"""Files on a report's draft and on the unit's reply to a feedback form (反馈单).

A draft's files are added and removed while it is a draft (the unit and the agency filing for it); each
submission lists the files on the draft when it is filed (``service.submission``), so a later version
has its own list and a removed file stays readable from the versions that listed it. A reply's files come
with the reply (``review.respond_to_feedback``). The bytes go to the file store (``domain.uploads``), the
rows keep name, type, size and hash. Every change is audited.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from domain import uploads
from domain.access import Actor, Operation, can, require
from domain.audit.service import record
from domain.bounds import MAX_ID
from domain.clock import utcnow
from domain.errors import N_, Conflict, FieldError, NotFound, ValidationFailed
from domain.permits.state import target_of
from domain.reports import attached, checks, lookup
from domain.reports.models import ExecutionReport, FeedbackForm, ReportAttachment
from domain.reports.service.drafts import editable_report


def rows_for(
    actor: Actor, report: ExecutionReport, files: Sequence[uploads.Checked], form_id: int | None = None
) -> list[ReportAttachment]:
    assert report.id is not None
    return [
        ReportAttachment(
            report_id=report.id,
            enterprise_id=report.enterprise_id,
            feedback_form_id=form_id,
            file_name=f.file_name,
            media_type=f.media_type,
            size=f.size,
            sha256=f.sha256,
            uploaded_by=actor.username or "system",
            on_behalf_of=actor.on_behalf_of,
        )
        for f in files
    ]


def _summary(rows: Sequence[ReportAttachment]) -> list[dict[str, object]]:
    return [{"file_name": r.file_name, "size": r.size, "sha256": r.sha256} for r in rows]


async def attach_to_draft(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    kind: str,
    period: str,
    files: Sequence[uploads.Upload],
) -> list[ReportAttachment]:
    """Add files to the draft of a period's report (opening the report if needed). Every problem of every
    file is named at once and nothing is stored; the draft holds at most ``attached.POLICY``'s files."""
    report, permit = await editable_report(
        session, actor, permit_number=permit_number, kind=kind, period=period
    )
    assert report.id is not None
    if not files:
        raise ValidationFailed([FieldError("attachments", "required", N_("Choose a file to attach."))])
    held = (await attached.on_drafts(session, [report.id])).get(report.id, [])
    checked, errors = uploads.check(
        files, attached.POLICY, held_files=len(held), held_bytes=sum(h.size for h in held)
    )
    if errors:
        raise ValidationFailed(errors)
    uploads.store(checked)
    rows = rows_for(actor, report, checked)
    session.add_all(rows)
    await session.flush()
    record(
        session,
        actor,
        action="report.attach",
        object_type="execution_report",
        object_id=f"{permit.number}/{report.kind}/{report.period}",
        enterprise_id=permit.enterprise_id,
        after={"files": _summary(rows)},
    )
    return rows


async def remove_from_draft(session: AsyncSession, actor: Actor, *, attachment_id: int) -> ReportAttachment:
    """Take a file off the draft. Versions already filed keep listing it (and it stays readable there)."""
    found = await session.get(ReportAttachment, attachment_id) if 0 < attachment_id <= MAX_ID else None
    report = permit = None
    if found is not None:
        try:
            report, permit = await lookup.report(session, actor, found.report_id)
        except NotFound:
            found = None
    if found is None or report is None or permit is None:
        raise NotFound(N_("No such file."), field="attachment")
    if not can(actor, Operation.REPORT_WRITE, target_of(permit)):
        if found.submitted_in is None and found.feedback_form_id is None:
            raise NotFound(N_("No such file."), field="attachment")  # a draft's file: not theirs to know of
        require(actor, Operation.REPORT_WRITE, target_of(permit))
    checks.check_open(report)
    if found.feedback_form_id is not None or found.removed_at is not None:
        raise Conflict(N_("This file is no longer on the draft."), field="attachment")
    found.removed_at, found.removed_by = utcnow(), actor.username
    session.add(found)
    record(
        session,
        actor,
        action="report.detach",
        object_type="execution_report",
        object_id=f"{permit.number}/{report.kind}/{report.period}",
        enterprise_id=permit.enterprise_id,
        before={"file_name": found.file_name, "size": found.size, "sha256": found.sha256},
    )
    return found


def reply_file_errors(
    files: Sequence[uploads.Upload],
) -> tuple[list[uploads.Checked], list[FieldError]]:
    """The files of a reply to a feedback form, checked (``review.respond_to_feedback``)."""
    return uploads.check(files, attached.POLICY)


def attach_to_reply(
    session: AsyncSession,
    actor: Actor,
    report: ExecutionReport,
    form: FeedbackForm,
    files: Sequence[uploads.Checked],
) -> list[ReportAttachment]:
    """Store a reply's checked files with it (seen by the reviewers at once)."""
    uploads.store(files)
    rows = rows_for(actor, report, files, form.id)
    session.add_all(rows)
    return rows
