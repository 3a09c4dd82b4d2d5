"""Attaching files to a report's draft and replying to a feedback form with files, through both faces (a
multipart form post, a mutation with Base64 files): the same outcome, accepted or refused with the same
errors (field and code), and the same files written."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from domain import uploads
from domain.clock import today
from domain.reports.models import ReportAttachment
from domain.reports.queries.editor import get_draft
from domain.reports.rules import FeedbackItemInput
from domain.reports.service.review import issue_feedback
from tests.faces import Outcome, graphql_outcome, portal_outcome
from tests.factories import actor, file_report, make_enterprise, make_permit, make_user
from tests.graphql_helpers import bearer_token, graphql_data
from tests.portal_helpers import csrf_from, log_in

PDF = b"%PDF-1.4\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
ATTACH = (
    "mutation($p: String!, $period: String!, $files: [AttachmentInput!]!) {"
    " attachToReportDraft(permitNumber: $p, kind: QUARTERLY, period: $period, attachments: $files) {"
    " files { id } errors { field code } } }"
)
RESPOND = (
    "mutation($id: ID!, $response: String!, $files: [AttachmentInput!]) {"
    " respondToFeedback(formId: $id, response: $response, attachments: $files) {"
    " form { id } errors { field code } } }"
)
NOT_NAMED = {"permitNumber": None, "formId": None}


@pytest.fixture(autouse=True)
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    keeper = uploads.FileStore(tmp_path / "uploads")
    monkeypatch.setattr(uploads, "file_store", lambda: keeper)
    yield


def last_full_quarter() -> str:
    day = today()
    quarter = (day.month - 1) // 3
    year = day.year if quarter else day.year - 1
    return f"{year}-Q{quarter or 4}"


async def arrange(session, db, *, returned: bool = False) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise, decision_date=(today() - timedelta(days=700)).isoformat())
    staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
    officer = await make_user(session, "ecology", region_code="310107")
    stranger = await make_user(session, "enterprise_staff", enterprise=await make_enterprise(session))
    label = last_full_quarter()
    draft = await get_draft(
        session, actor(staff), permit_number=permit.number, kind="quarterly", period=label
    )
    await session.flush()
    world: dict[str, Any] = {"permit": permit, "label": label, "staff": staff, "stranger": stranger}
    if returned:
        filed = await file_report(db, actor(staff), permit, label, draft.content, "first")
        form = await issue_feedback(
            session,
            actor(officer),
            report_id=filed.report.id,
            items=[FeedbackItemInput("请补充监测报告")],
            deadline=today() + timedelta(days=10),
        )
        await session.flush()
        world.update(report_id=filed.report.id, form_id=form.id)
    return world


async def portal_post(client, user, path: str, data: dict[str, str], files) -> Outcome:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    assert (await log_in(client, user.username)).status_code == 303
    token = csrf_from((await client.get("/notifications")).text)
    sent = [("attachments", (name, content, "application/octet-stream")) for name, content in files]
    # A form with a file input left empty still sends a multipart body.
    response = await client.post(path, data={**data, "csrf_token": token}, files=sent or {"_": ("", b"")})
    return portal_outcome(response)


def encoded(files: list[tuple[str, bytes]]) -> list[dict[str, str]]:
    return [
        {"fileName": name, "contentBase64": base64.b64encode(content).decode()} for name, content in files
    ]


CASES = {
    "a monitoring report": ("staff", [("监测报告.pdf", PDF)], Outcome(True, frozenset())),
    "a photo called a PDF": (
        "staff",
        [("监测报告.pdf", PDF), ("照片.pdf", PNG)],
        Outcome(False, frozenset({("attachments[1]", "file_type")})),
    ),
    "nothing chosen": ("staff", [], Outcome(False, frozenset({("attachments", "required")}))),
    "another unit's draft": (
        "stranger",
        [("监测报告.pdf", PDF)],
        Outcome(False, frozenset({(None, "not_found")})),
    ),
}


@pytest.mark.parametrize("case", CASES)
async def test_attaching_to_a_draft_is_the_same_on_both_faces(client, db, session, case) -> None:  # type: ignore[no-untyped-def]
    who, files, expected = CASES[case]
    outcomes, written = [], []
    for face in ("portal", "api"):
        world = await arrange(session, db)
        user, permit, label = world[who], world["permit"], world["label"]
        if face == "portal":
            path = f"/reports/{permit.number}/quarterly/{label}/attachments"
            outcome = await portal_post(client, user, path, {}, files)
        else:
            variables = {"p": permit.number, "period": label, "files": encoded(files)}
            data = await graphql_data(client, ATTACH, variables, token=await bearer_token(session, user))
            outcome = graphql_outcome(data["attachToReportDraft"], rename=NOT_NAMED)
        outcomes.append(outcome)
        rows = (
            await session.exec(
                select(ReportAttachment)
                .where(ReportAttachment.enterprise_id == permit.enterprise_id)
                .order_by(col(ReportAttachment.id))
            )
        ).all()
        written.append([(r.file_name, r.size, r.sha256) for r in rows])
    assert outcomes[0] == outcomes[1] == expected, [str(o) for o in outcomes]
    assert written[0] == written[1]


REPLIES = {
    "an explanation with its evidence": ("计算方法见附件", [("说明.pdf", PDF)], Outcome(True, frozenset())),
    "no text, a photo called a PDF": (
        "",
        [("说明.pdf", PNG)],
        Outcome(False, frozenset({("response", "required"), ("attachments[0]", "file_type")})),
    ),
}


@pytest.mark.parametrize("case", REPLIES)
async def test_a_reply_with_files_is_the_same_on_both_faces(client, db, session, case) -> None:  # type: ignore[no-untyped-def]
    text, files, expected = REPLIES[case]
    outcomes, written = [], []
    for face in ("portal", "api"):
        world = await arrange(session, db, returned=True)
        staff = world["staff"]
        if face == "portal":
            path = f"/reports/feedback/{world['form_id']}/respond"
            data = {"response": text, "report_id": str(world["report_id"])}
            outcome = await portal_post(client, staff, path, data, files)
        else:
            variables = {"id": str(world["form_id"]), "response": text, "files": encoded(files)}
            payload = await graphql_data(client, RESPOND, variables, token=await bearer_token(session, staff))
            outcome = graphql_outcome(payload["respondToFeedback"], rename=NOT_NAMED)
        outcomes.append(outcome)
        rows = (
            await session.exec(
                select(ReportAttachment).where(ReportAttachment.feedback_form_id == world["form_id"])
            )
        ).all()
        written.append([(r.file_name, r.size, r.sha256) for r in rows])
    assert outcomes[0] == outcomes[1] == expected, [str(o) for o in outcomes]
    assert written[0] == written[1]


async def test_a_full_file_store_refuses_the_upload_clearly_on_both_faces_and_writes_nothing(
    client, db, session, store, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import errno

    def no_room(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(uploads.os, "fsync", no_room)  # the volume fills up while the file is written
    refusals = []
    for face in ("portal", "api"):
        world = await arrange(session, db)
        staff, permit, label = world["staff"], world["permit"], world["label"]
        files = [("监测报告.pdf", PDF)]
        if face == "portal":
            path = f"/reports/{permit.number}/quarterly/{label}/attachments"
            client.cookies.clear()
            assert (await log_in(client, staff.username)).status_code == 303
            token = csrf_from((await client.get("/notifications")).text)
            sent = [("attachments", (name, content, "application/pdf")) for name, content in files]
            response = await client.post(path, data={"csrf_token": token}, files=sent)
            assert response.status_code == 507
            assert "文件存储空间已满" in response.text  # in the reader's language, Chinese by default
            refusals.append((face, "storage_full"))
        else:
            variables = {"p": permit.number, "period": label, "files": encoded(files)}
            data = await graphql_data(client, ATTACH, variables, token=await bearer_token(session, staff))
            errors = data["attachToReportDraft"]["errors"]
            assert [(e["field"], e["code"]) for e in errors] == [("attachments", "storage_full")]
            refusals.append((face, errors[0]["code"]))
        rows = (
            await session.exec(
                select(ReportAttachment).where(ReportAttachment.enterprise_id == permit.enterprise_id)
            )
        ).all()
        assert rows == []
    assert refusals == [("portal", "storage_full"), ("api", "storage_full")]
    left = (
        [p for p in (tmp_path / "uploads").rglob("*") if p.is_file()]
        if (tmp_path / "uploads").exists()
        else []
    )
    assert left == [], "a partly written file was left in the store"
