"""Files on reports (monitoring reports, written explanations): checked by what they contain, kept in the
file store under their hash (never the person's name), on the draft until it is filed, then listed by the
submission's record (and its hash), its receipt and its PDF; sent with a reply to a feedback form; opened
only by whoever may see the report."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlmodel import col, select

from domain import uploads
from domain.audit.models import AuditEntry
from domain.bounds import MAX_ID
from domain.clock import today
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from domain.reports import attached
from domain.reports.models import FeedbackForm, ReportAttachment, ReportSubmission
from domain.reports.queries import attachments as queries
from domain.reports.queries import chain, record
from domain.reports.queries.editor import get_draft
from domain.reports.rules import FeedbackItemInput
from domain.reports.service import attachments as service
from domain.reports.service.review import issue_feedback, respond_to_feedback
from domain.uploads import Upload
from tests.factories import actor, file_report, make_enterprise, make_permit, make_user
from tests.graphql_helpers import bearer_token, graphql_data
from tests.portal_helpers import csrf_from, log_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
NAME = "2026年第三季度自行监测报告.pdf"


def ooxml(main: str, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal Office Open XML zip whose [Content_Types].xml names ``main`` as its main part."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="/main.xml" ContentType="{main}"/></Types>',
        )
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = ooxml("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
XLSX = ooxml("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")


@pytest.fixture(autouse=True)
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[uploads.FileStore]:
    """A file store of the test's own (the app and the domain both take theirs from ``file_store``)."""
    keeper = uploads.FileStore(tmp_path / "uploads")
    monkeypatch.setattr(uploads, "file_store", lambda: keeper)
    yield keeper


def last_full_quarter() -> str:
    day = today()
    quarter = (day.month - 1) // 3
    year = day.year if quarter else day.year - 1
    return f"{year}-Q{quarter or 4}"


# ---------------------------------------------------------------------------
# Checking and storing (domain/uploads.py)
# ---------------------------------------------------------------------------


def codes(
    files: list[Upload], policy: uploads.Policy = attached.POLICY, **held: int
) -> list[tuple[str, str]]:
    return [(e.field or "", e.code) for e in uploads.check(files, policy, **held)[1]]


def test_the_type_comes_from_the_content_and_the_name_must_agree() -> None:
    passed, errors = uploads.check(
        [Upload("a.pdf", PDF), Upload("b.PNG", PNG), Upload("c.docx", DOCX), Upload("d.xlsx", XLSX)],
        attached.POLICY,
    )
    assert not errors
    assert [p.media_type for p in passed] == [
        "application/pdf",
        "image/png",
        uploads.MEDIA_TYPES[uploads.DOCX],
        uploads.MEDIA_TYPES[uploads.XLSX],
    ]
    assert passed[0].sha256 == hashlib.sha256(PDF).hexdigest()
    # A PNG called a PDF, a Word file called a workbook, a zip that is no Office file, an executable.
    plain_zip = ooxml("application/zip")
    wrong = [
        Upload("a.pdf", PNG),
        Upload("b.xlsx", DOCX),
        Upload("c.docx", plain_zip),
        Upload("d.pdf", b"MZ"),
    ]
    assert codes(wrong) == [(f"attachments[{i}]", "file_type") for i in range(4)]
    # Rectification takes photos and scans only.
    from domain.supervision.problems.rules import ATTACHMENTS

    assert codes([Upload("c.docx", DOCX)], ATTACHMENTS) == [("attachments[0]", "file_type")]


def test_a_zip_that_would_unpack_to_gigabytes_is_refused_without_unpacking_it() -> None:
    # 80 MB of zeros deflate to about 80 KB: more than the 64 MB a file may unpack to.
    bomb = ooxml(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        {"word/document.xml": b"\0" * (80 * 1024 * 1024)},
    )
    assert len(bomb) < 1024 * 1024
    assert codes([Upload("bomb.docx", bomb)]) == [("attachments[0]", "unpacks_too_large")]
    # One part compressed far past any document's ratio, the whole within the limit.
    dense = ooxml(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        {"word/document.xml": b"\0" * (8 * 1024 * 1024)},
    )
    assert codes([Upload("dense.docx", dense)]) == [("attachments[0]", "unpacks_too_large")]


def test_sizes_counts_and_names() -> None:
    big = PDF + b"\0" * (10 * 1024 * 1024)
    assert codes([Upload("a.pdf", b""), Upload("b.pdf", big)]) == [
        ("attachments[0]", "empty"),
        ("attachments[1]", "too_large"),
    ]
    assert codes([Upload("a.pdf", PDF)] * 11) == [("attachments", "too_many")]
    assert codes([Upload("a.pdf", PDF)], held_files=10) == [("attachments", "too_many")]
    nine_mb = PDF + b"\0" * (9 * 1024 * 1024)
    assert codes([Upload("a.pdf", nine_mb)], held_files=4, held_bytes=36 * 1024 * 1024) == [
        ("attachments", "total_too_large")
    ]
    assert codes([Upload("报" * 198 + ".pdf", PDF)]) == [("attachments[0]", "too_long")]
    # Folders, NUL and other control characters are dropped; a name of nothing but an extension gets one.
    passed, _ = uploads.check(
        [
            Upload("../../etc/监测\x00报告.pdf", PDF),
            Upload("C:\\Users\\王\\说明\r\n.pdf", PDF),
            Upload(".pdf", PDF),
        ],
        attached.POLICY,
    )
    assert [p.file_name for p in passed] == ["监测报告.pdf", "说明.pdf", "attachment.pdf"]


def test_the_store_names_files_by_their_hash_and_checks_what_it_reads(store: uploads.FileStore) -> None:
    digest = store.put(PDF)
    path = store.path(digest)
    assert path.name == digest == hashlib.sha256(PDF).hexdigest() and path.read_bytes() == PDF
    assert store.put(PDF) == digest  # one content, one file
    assert store.get(digest) == PDF
    path.write_bytes(PDF + b"changed")
    with pytest.raises(NotFound):
        store.get(digest)
    with pytest.raises(NotFound):
        store.get("../../etc/passwd")


# ---------------------------------------------------------------------------
# The use cases
# ---------------------------------------------------------------------------


async def arrange(session):  # type: ignore[no-untyped-def]
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise, decision_date=(today() - timedelta(days=700)).isoformat())
    staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
    officer = await make_user(session, "ecology", region_code="310107")
    outsider = await make_user(session, "ecology", region_code="310110")
    stranger = await make_user(session, "enterprise_staff", enterprise=await make_enterprise(session))
    label = last_full_quarter()
    draft = await get_draft(
        session, actor(staff), permit_number=permit.number, kind="quarterly", period=label
    )
    await session.flush()
    return enterprise, permit, staff, officer, outsider, stranger, label, draft.content


async def test_a_draft_file_is_filed_with_the_submission_and_seen_by_the_district_from_then_on(
    db, session, store
) -> None:  # type: ignore[no-untyped-def]
    enterprise, permit, staff, officer, outsider, stranger, label, content = await arrange(session)
    rows = await service.attach_to_draft(
        session,
        actor(staff),
        permit_number=permit.number,
        kind="quarterly",
        period=label,
        files=[Upload(NAME, PDF), Upload("现场照片.png", PNG)],
    )
    await session.flush()
    pdf_row, png_row = rows
    assert pdf_row.sha256 == hashlib.sha256(PDF).hexdigest() and store.get(pdf_row.sha256) == PDF
    assert (pdf_row.file_name, pdf_row.size, pdf_row.media_type) == (NAME, len(PDF), "application/pdf")
    # While on the draft only the unit sees it: the district, another district and another unit do not.
    assert (await queries.attachment(session, actor(staff), attachment_id=pdf_row.id)).id == pdf_row.id
    for reader in (officer, outsider, stranger):
        with pytest.raises(NotFound):
            await queries.attachment(session, actor(reader), attachment_id=pdf_row.id)
    # The photo is taken off before filing.
    await service.remove_from_draft(session, actor(staff), attachment_id=png_row.id)
    await session.flush()

    filed = await file_report(db, actor(staff), permit, label, content, "with-files")
    session.expunge_all()  # the filing desk wrote in a session of its own
    submission = await session.get(ReportSubmission, filed.submission.id, populate_existing=True)
    assert [(f["file_name"], f["size"], f["sha256"]) for f in submission.attachments] == [
        (NAME, len(PDF), pdf_row.sha256)
    ]
    seen = await queries.attachment(session, actor(officer), attachment_id=pdf_row.id)
    assert queries.content(seen) == PDF
    for reader in (outsider, stranger):
        with pytest.raises(NotFound):
            await queries.attachment(session, actor(reader), attachment_id=pdf_row.id)
    with pytest.raises(NotFound):  # the photo never filed stays the unit's
        await queries.attachment(session, actor(officer), attachment_id=png_row.id)
    for too_big in (0, -1, MAX_ID + 1, 2**63):
        with pytest.raises(NotFound):
            await queries.attachment(session, actor(staff), attachment_id=too_big)

    # The chain covers the list; the receipt's record lists the file.
    verified = await chain.verify_chain(session, actor(officer), report_id=filed.report.id)
    assert verified.intact
    copy = await record.copy_of_record(session, actor(officer), receipt_number=submission.receipt_number)
    assert [(f.file_name, f.size, f.sha256) for f in copy.files] == [(NAME, len(PDF), pdf_row.sha256)]

    # Taken off the draft afterwards, the file stays with version 1; version 2 has its own (empty) list.
    await service.remove_from_draft(session, actor(staff), attachment_id=pdf_row.id)
    await session.flush()
    second = await file_report(db, actor(staff), permit, label, content, "without-files")
    session.expunge_all()
    assert second.submission.attachments == []
    assert queries.content(await queries.attachment(session, actor(officer), attachment_id=pdf_row.id)) == PDF
    assert (await chain.verify_chain(session, actor(officer), report_id=filed.report.id)).intact

    # Every change is in the audit trail, under the unit.
    entries = (
        await session.exec(
            select(AuditEntry)
            .where(col(AuditEntry.action).in_(["report.attach", "report.detach"]))
            .order_by(col(AuditEntry.id))
        )
    ).all()
    assert [e.action for e in entries] == ["report.attach", "report.detach", "report.detach"]
    assert {e.enterprise_id for e in entries} == {enterprise.id}


async def test_refusals_write_nothing(db, session, store) -> None:  # type: ignore[no-untyped-def]
    _enterprise, permit, staff, officer, _outsider, stranger, label, _content = await arrange(session)

    async def attach(who, files, *, number=permit.number, period=label):  # type: ignore[no-untyped-def]
        return await service.attach_to_draft(
            session, actor(who), permit_number=number, kind="quarterly", period=period, files=files
        )

    with pytest.raises(ValidationFailed) as refused:
        await attach(staff, [Upload("ok.pdf", PDF), Upload("fake.pdf", PNG), Upload("empty.pdf", b"")])
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("attachments[1]", "file_type"),
        ("attachments[2]", "empty"),
    ]
    with pytest.raises(ValidationFailed) as refused:
        await attach(staff, [])
    assert [(e.field, e.code) for e in refused.value.errors] == [("attachments", "required")]
    with pytest.raises(NotFound):
        await attach(stranger, [Upload("ok.pdf", PDF)])
    with pytest.raises(PermissionDenied):  # the district may see the permit, not write its draft
        await attach(officer, [Upload("ok.pdf", PDF)])
    with pytest.raises(ValidationFailed):
        await attach(staff, [Upload("ok.pdf", PDF)], period="2026-Q9")
    assert (await session.exec(select(ReportAttachment))).all() == []
    assert not store.root.exists() or not any(store.root.rglob("*"))

    rows = await attach(staff, [Upload("ok.pdf", PDF)])
    await session.flush()
    with pytest.raises(NotFound):  # another unit's file: not found, never forbidden
        await service.remove_from_draft(session, actor(stranger), attachment_id=rows[0].id)
    with pytest.raises(NotFound):  # the draft's file is not the district's to know of
        await service.remove_from_draft(session, actor(officer), attachment_id=rows[0].id)
    await service.remove_from_draft(session, actor(staff), attachment_id=rows[0].id)
    await session.flush()
    with pytest.raises(Conflict):
        await service.remove_from_draft(session, actor(staff), attachment_id=rows[0].id)


async def test_a_reply_to_a_feedback_form_carries_files_the_reviewers_open(db, session, store) -> None:  # type: ignore[no-untyped-def]
    enterprise, permit, staff, officer, outsider, _stranger, label, content = await arrange(session)
    filed = await file_report(db, actor(staff), permit, label, content, "first")
    form = await issue_feedback(
        session,
        actor(officer),
        report_id=filed.report.id,
        items=[FeedbackItemInput("请说明二氧化硫排放量计算方法")],
        deadline=today() + timedelta(days=10),
    )
    await session.flush()
    with pytest.raises(ValidationFailed) as refused:
        await respond_to_feedback(
            session, actor(staff), form_id=form.id, response="", files=[Upload("说明.pdf", PNG)]
        )
    assert {(e.field, e.code) for e in refused.value.errors} == {
        ("response", "required"),
        ("attachments[0]", "file_type"),
    }
    await respond_to_feedback(
        session, actor(staff), form_id=form.id, response="计算方法见附件", files=[Upload("计算说明.pdf", PDF)]
    )
    await session.flush()
    replied = (await queries.reply_files(session, filed.report.id))[form.id]
    assert [(r.file_name, r.feedback_form_id) for r in replied] == [("计算说明.pdf", form.id)]
    assert (
        queries.content(await queries.attachment(session, actor(officer), attachment_id=replied[0].id)) == PDF
    )
    with pytest.raises(NotFound):
        await queries.attachment(session, actor(outsider), attachment_id=replied[0].id)
    entry = (await session.exec(select(AuditEntry).where(AuditEntry.action == "report.respond"))).one()
    assert entry.enterprise_id == enterprise.id and entry.after["files"][0]["sha256"] == replied[0].sha256
    assert (await session.get(FeedbackForm, form.id)).status == "answered"


# ---------------------------------------------------------------------------
# The portal
# ---------------------------------------------------------------------------


async def as_user(client, user) -> str:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    assert (await log_in(client, user.username)).status_code == 303
    return csrf_from((await client.get("/notifications")).text)


async def test_the_portal_attaches_lists_serves_and_refuses(client, db, session) -> None:  # type: ignore[no-untyped-def]
    _enterprise, permit, staff, officer, outsider, stranger, label, content = await arrange(session)
    base = f"/reports/{permit.number}/quarterly/{label}"
    token = await as_user(client, staff)
    editor = await client.get(base)
    assert 'id="attach-form"' in editor.text and 'enctype="multipart/form-data"' in editor.text
    response = await client.post(
        f"{base}/attachments",
        data={"csrf_token": token},
        files=[("attachments", (NAME, PDF, "application/pdf"))],
    )
    assert response.status_code == 303, response.text[:500]
    editor = await client.get(base)
    assert NAME in editor.text and hashlib.sha256(PDF).hexdigest() in editor.text
    row = (await session.exec(select(ReportAttachment))).one()

    # A PNG called a PDF: the editor again, the error at the file input, nothing stored.
    refused = await client.post(
        f"{base}/attachments",
        data={"csrf_token": token},
        files=[("attachments", ("假的.pdf", PNG, "application/pdf"))],
    )
    assert refused.status_code == 400
    assert 'data-field="attachments[0]" data-code="file_type"' in refused.text
    assert len((await session.exec(select(ReportAttachment))).all()) == 1

    # The unit downloads it: as a download, under its Chinese name, never sniffed.
    download = await client.get(f"/reports/files/{row.id}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;") and f"filename*=UTF-8''{quote(NAME, safe='')}" in disposition

    # Not filed yet: the district does not see it; another unit never.
    await as_user(client, officer)
    assert (await client.get(f"/reports/files/{row.id}")).status_code == 404
    filed = await file_report(db, actor(staff), permit, label, content, "portal-files")
    receipt = filed.submission.receipt_number
    assert (await client.get(f"/reports/files/{row.id}")).status_code == 200
    review = await client.get(f"/review/{filed.report.id}")
    assert review.status_code == 200 and 'id="latest-files"' in review.text and NAME in review.text
    receipt_page = await client.get(f"/receipts/{receipt}")
    assert 'id="receipt-files"' in receipt_page.text and NAME in receipt_page.text
    from tests.reports.test_pdf_record import text_of

    pdf = await client.get(f"/receipts/{receipt}.pdf")
    text = text_of(pdf.content).replace("\n", "")
    assert NAME in text and row.sha256[:16] in text
    for user in (outsider, stranger):
        await as_user(client, user)
        assert (await client.get(f"/reports/files/{row.id}")).status_code == 404
    for wrong in (str(MAX_ID + 1), "99999999999999999999", "0"):
        assert (await client.get(f"/reports/files/{wrong}")).status_code == 404


async def test_the_portal_reply_takes_files(client, db, session) -> None:  # type: ignore[no-untyped-def]
    _enterprise, permit, staff, officer, _outsider, _stranger, label, content = await arrange(session)
    filed = await file_report(db, actor(staff), permit, label, content, "reply")
    form = await issue_feedback(
        session,
        actor(officer),
        report_id=filed.report.id,
        items=[FeedbackItemInput("请补充监测报告")],
        deadline=today() + timedelta(days=10),
    )
    await session.flush()
    token = await as_user(client, staff)
    page = await client.get(f"/reports/id/{filed.report.id}")
    assert f'id="reply-files-input-{form.id}"' in page.text
    response = await client.post(
        f"/reports/feedback/{form.id}/respond",
        data={"csrf_token": token, "response": "监测报告见附件", "report_id": str(filed.report.id)},
        files=[("attachments", ("补充监测报告.pdf", PDF, "application/pdf"))],
    )
    assert response.status_code in (302, 303), response.text[:500]
    await as_user(client, officer)
    review = await client.get(f"/review/{filed.report.id}")
    assert 'id="reply-files"' in review.text and "补充监测报告.pdf" in review.text
    row = (await session.exec(select(ReportAttachment))).one()
    assert (await client.get(f"/reports/files/{row.id}")).content == PDF


# ---------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------

ATTACH = (
    "mutation($p: String!, $period: String!, $files: [AttachmentInput!]!) {"
    " attachToReportDraft(permitNumber: $p, kind: QUARTERLY, period: $period, attachments: $files) {"
    " files { id fileName size sha256 mediaType url } errors { field code message } } }"
)
REMOVE = "mutation($id: ID!) { removeReportAttachment(id: $id) { files { id } errors { field code } } }"
CONTENT = "query($id: ID!) { reportAttachment(id: $id) { fileName mediaType sha256 contentBase64 } }"


async def test_the_api_attaches_and_reads_files(client, db, session) -> None:  # type: ignore[no-untyped-def]
    import base64

    from tests.graphql_helpers import graphql

    _enterprise, permit, staff, officer, _outsider, stranger, label, content = await arrange(session)
    token = await bearer_token(session, staff)
    sent = [
        {"fileName": NAME, "contentBase64": base64.b64encode(PDF).decode()},
        {"fileName": "x.pdf", "contentBase64": "not base64!"},
    ]
    data = await graphql_data(
        client, ATTACH, {"p": permit.number, "period": label, "files": sent}, token=token
    )
    assert {(e["field"], e["code"]) for e in data["attachToReportDraft"]["errors"]} >= {
        ("attachments[1]", "base64")
    }
    data = await graphql_data(
        client, ATTACH, {"p": permit.number, "period": label, "files": sent[:1]}, token=token
    )
    files = data["attachToReportDraft"]["files"]
    assert [(f["fileName"], f["size"], f["mediaType"]) for f in files] == [
        (NAME, len(PDF), "application/pdf")
    ]
    file_id = files[0]["id"]
    read = await graphql_data(client, CONTENT, {"id": file_id}, token=token)
    assert base64.b64decode(read["reportAttachment"]["contentBase64"]) == PDF
    # The district: not before filing, then yes; another unit never; ids past 2^31 are not found.
    officer_token = await bearer_token(session, officer)
    hidden = await graphql(client, CONTENT, {"id": file_id}, token=officer_token)
    assert hidden.json()["errors"][0]["extensions"]["code"] == "not_found"
    await file_report(db, actor(staff), permit, label, content, "api-files")
    read = await graphql_data(client, CONTENT, {"id": file_id}, token=officer_token)
    assert read["reportAttachment"]["fileName"] == NAME
    for who, wanted in ((stranger, file_id), (staff, str(2**31))):
        refused = await graphql(client, CONTENT, {"id": wanted}, token=await bearer_token(session, who))
        assert refused.json()["errors"][0]["extensions"]["code"] == "not_found"
    removed = await graphql_data(client, REMOVE, {"id": file_id}, token=token)
    assert removed["removeReportAttachment"] == {"files": [], "errors": []}
