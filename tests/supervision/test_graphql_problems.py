"""Problems and rectification through the API alone: the unit sends a progress report with a file in
Base64, reads the problem's history and the file back by its id; another unit cannot; the board counts."""

from __future__ import annotations

import base64
import hashlib

from sqlmodel import select

from domain.supervision.problems.models import RectificationItem
from domain.supervision.problems.service import raise_problem
from tests.factories import actor
from tests.graphql_helpers import bearer_token, graphql, graphql_data
from tests.supervision.problem_world import arrange, problem_input

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 40
PROGRESS = """mutation($id: ID!, $files: [AttachmentInput!]) {
  reportRectificationProgress(itemId: $id, text: "已整改", attachments: $files,
                              figures: [{name: "有效率", value: 99.5, unit: "%"}]) {
    problem { id state steps { kind actor month figures { name value unit } attachments { id sha256 size } } }
    errors { field code }
  }
}"""
FILE = "query($id: ID!) { rectificationAttachment(id: $id) { fileName mediaType sha256 contentBase64 } }"
BOARD = '{ problemBoard(by: "department") { total { open overdue } rows { key label open } } }'


async def test_a_progress_report_with_a_file_through_the_api(client, session):
    world = await arrange(session)
    problem = await raise_problem(session, actor(world.officer), data=problem_input(world))
    await session.flush()
    item = (
        await session.exec(select(RectificationItem).where(RectificationItem.problem_id == problem.id))
    ).one()
    token = await bearer_token(session, world.staff)
    files = [{"fileName": "照片.png", "contentBase64": base64.b64encode(PNG).decode()}]
    data = await graphql_data(client, PROGRESS, {"id": str(item.id), "files": files}, token=token)
    payload = data["reportRectificationProgress"]
    assert payload["errors"] == []
    steps = payload["problem"]["steps"]
    assert [s["kind"] for s in steps] == ["required", "progress"]
    assert steps[1]["figures"] == [{"name": "有效率", "value": 99.5, "unit": "%"}]
    attached = steps[1]["attachments"][0]
    assert attached["sha256"] == hashlib.sha256(PNG).hexdigest() and attached["size"] == len(PNG)
    read = await graphql_data(client, FILE, {"id": attached["id"]}, token=token)
    assert base64.b64decode(read["rectificationAttachment"]["contentBase64"]) == PNG
    stranger = await bearer_token(session, world.stranger)
    refused = (await graphql(client, FILE, {"id": attached["id"]}, token=stranger)).json()
    # Not the stranger's to see: null, as for a file that does not exist (an expected outcome, no error).
    assert refused["data"]["rectificationAttachment"] is None and "errors" not in refused
    unknown = (await graphql(client, FILE, {"id": "999999999"}, token=token)).json()
    assert unknown["data"]["rectificationAttachment"] is None and "errors" not in unknown
    others = (
        await graphql(
            client, "query($id: ID!) { problem(id: $id) { id } }", {"id": str(problem.id)}, token=stranger
        )
    ).json()
    assert others["data"]["problem"] is None and "errors" not in others
    bad = [{"fileName": "x.png", "contentBase64": "not base64!"}]
    data = await graphql_data(client, PROGRESS, {"id": str(item.id), "files": bad}, token=token)
    assert {"field": "attachments[0]", "code": "base64"} in data["reportRectificationProgress"]["errors"]
    board = await graphql_data(client, BOARD, token=await bearer_token(session, world.officer))
    assert board["problemBoard"]["total"]["open"] == 1
    assert board["problemBoard"]["rows"][0]["label"] == "执法大队"
