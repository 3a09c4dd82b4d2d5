"""The problems and rectification pages as their users use them: the district raises a problem from a
report's finding, the unit sees it first in its list and reports progress with a file, the district
verifies, re-checks and closes it, and the board shows zero; strangers see nothing."""

from __future__ import annotations

import re

from sqlmodel import select

from domain.supervision.problems.models import Problem, RectificationItem, RectificationStep
from tests.factories import PASSWORD
from tests.portal_helpers import csrf_from, log_in
from tests.supervision.problem_world import arrange
from tests.supervision.test_intake import a_finding, filed

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


async def _as(app_client, user):  # type: ignore[no-untyped-def]
    await app_client.post("/logout", data={})
    app_client.cookies.clear()
    response = await log_in(app_client, user.username, PASSWORD)
    assert response.status_code in (302, 303), response.text[:300]


async def _post(client, page: str, path: str, data: dict, files=None):  # type: ignore[no-untyped-def]
    token = csrf_from((await client.get(page)).text)
    return await client.post(path, data={**data, "csrf_token": token}, files=files)


async def test_from_a_finding_to_closure_through_the_portal(client, session, db):
    world = await arrange(session)
    result = await filed(session, db, world)
    finding = await a_finding(session, result.submission.id)
    await session.flush()

    await _as(client, world.officer)
    form = await client.get(f"/supervision/problems/new?source=audit_finding&id={finding.id}")
    assert form.status_code == 200 and world.enterprise.name in form.text
    refused = await _post(
        client,
        f"/supervision/problems/new?source=audit_finding&id={finding.id}",
        "/supervision/problems/new",
        {
            "source": "audit_finding",
            "record_id": str(finding.id),
            "title": "",
            "description": "x",
            "legal_basis": "x",
            "evidence": "x",
            "department": "ecology",
            "rectification.measures": "m",
            "rectification.deadline": "2020-01-01",
            "rectification.responsible_person": "王工",
        },
    )
    assert refused.status_code == 400
    assert 'data-field="title" data-code="required"' in refused.text
    assert 'data-field="rectification.deadline" data-code="past"' in refused.text
    created = await _post(
        client,
        f"/supervision/problems/new?source=audit_finding&id={finding.id}",
        "/supervision/problems/new",
        {
            "source": "audit_finding",
            "record_id": str(finding.id),
            "title": "二氧化硫排放量超许可",
            "description": "季度报告排放量超许可",
            "legal_basis": "《排污许可管理条例》第二十二条",
            "evidence": "回执",
            "department": "ecology",
            "outlet_code": "",
            "rectification.measures": "核算排放量并整改",
            "rectification.deadline": "2099-01-01",
            "rectification.responsible_person": "王工",
        },
    )
    assert created.status_code == 400  # 2099 is more than two years away
    assert 'data-field="rectification.deadline" data-code="too_far"' in created.text
    from datetime import timedelta

    from domain.clock import today

    deadline = (today() + timedelta(days=20)).isoformat()
    created = await _post(
        client,
        f"/supervision/problems/new?source=audit_finding&id={finding.id}",
        "/supervision/problems/new",
        {
            "source": "audit_finding",
            "record_id": str(finding.id),
            "title": "二氧化硫排放量超许可",
            "description": "季度报告排放量超许可",
            "legal_basis": "《排污许可管理条例》第二十二条",
            "evidence": "回执",
            "department": "ecology",
            "outlet_code": "DA001",
            "rectification.measures": "核算排放量并整改",
            "rectification.deadline": deadline,
            "rectification.responsible_person": "王工",
        },
    )
    assert created.status_code == 303, created.text[:500]
    location = created.headers["location"]
    problem_id = int(re.search(r"/supervision/problems/(\d+)", location).group(1))  # type: ignore[union-attr]
    page = await client.get(location)
    assert "二氧化硫排放量超许可" in page.text and "生态科" in page.text and ">ecology<" not in page.text
    listing = await client.get("/supervision/problems")
    assert "二氧化硫排放量超许可" in listing.text
    again = await client.get(f"/supervision/problems/new?source=audit_finding&id={finding.id}")
    assert again.status_code == 303 and again.headers["location"] == f"/supervision/problems/{problem_id}"

    item = (
        await session.exec(select(RectificationItem).where(RectificationItem.problem_id == problem_id))
    ).one()
    await _as(client, world.staff)
    mine = await client.get("/supervision/rectification")
    assert "二氧化硫排放量超许可" in mine.text and deadline in mine.text
    bad = await _post(
        client,
        f"/supervision/problems/{problem_id}",
        f"/supervision/rectification/{item.id}/progress",
        {"text": "", "figures[0].name": "有效率", "figures[0].value": "abc"},
    )
    assert bad.status_code == 400
    assert 'data-field="text" data-code="required"' in bad.text
    assert 'data-field="figures[0].value" data-code="number"' in bad.text
    sent = await _post(
        client,
        f"/supervision/problems/{problem_id}",
        f"/supervision/rectification/{item.id}/progress",
        {
            "text": "已重新核算",
            "figures[0].name": "有效率",
            "figures[0].value": "99.5",
            "figures[0].unit": "%",
        },
        files={"attachments": ("核算表.png", PNG, "image/png")},
    )
    assert sent.status_code == 303, sent.text[:500]
    page = await client.get(f"/supervision/problems/{problem_id}")
    assert "已重新核算" in page.text and "核算表.png" in page.text and "99.5" in page.text
    file_link = re.search(r'href="(/supervision/files/\d+)"', page.text).group(1)  # type: ignore[union-attr]
    assert (await client.get(file_link)).content == PNG
    assert (await client.get("/supervision/board")).status_code == 200

    await _as(client, world.stranger)
    assert (await client.get(f"/supervision/problems/{problem_id}")).status_code == 404
    assert (await client.get(file_link)).status_code == 404

    await _as(client, world.officer)
    refused = await _post(
        client,
        f"/supervision/problems/{problem_id}",
        f"/supervision/rectification/{item.id}/close",
        {"note": ""},
    )
    assert refused.status_code == 409 and 'data-code="state"' in refused.text
    for path, data in (
        ("verify", {"method": "on_site", "outcome": "passed", "note": "现场核查已整改"}),
        ("recheck", {"sample": "DA001 在线数据", "outcome": "passed", "note": ""}),
        ("close", {"note": "同意销号"}),
    ):
        done = await _post(
            client,
            f"/supervision/problems/{problem_id}",
            f"/supervision/rectification/{item.id}/{path}",
            data,
        )
        assert done.status_code == 303, (path, done.text[:500])
    page = await client.get(f"/supervision/problems/{problem_id}")
    kinds = re.findall(r'data-step="(\w+)"', page.text)
    assert kinds == ["required", "progress", "verification", "recheck", "closure"]
    board = await client.get("/supervision/board")
    assert re.search(r'data-figure="open">0<', board.text)
    steps = (await session.exec(select(RectificationStep))).all()
    assert len(steps) == 5


async def test_a_regulator_enters_a_problem_by_hand_and_the_unit_cannot(client, session):
    world = await arrange(session)
    await session.flush()
    await _as(client, world.staff)
    assert (await client.get("/supervision/problems")).headers.get("location") == "/supervision/rectification"
    refused = await _post(
        client,
        "/supervision/rectification",
        "/supervision/problems/new",
        {
            "source": "manual",
            "source_kind": "manual",
            "request_key": "k1",
            "credit_code": world.enterprise.credit_code,
            "title": "x",
        },
    )
    assert refused.status_code == 403
    await _as(client, world.officer)
    form = await client.get("/supervision/problems/new")
    key = re.search(r'name="request_key" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    data = {
        "source": "manual",
        "source_kind": "complaint",
        "request_key": key,
        "credit_code": world.enterprise.credit_code,
        "permit_number": world.permit.number,
        "title": "夜间异味投诉",
        "description": "群众投诉",
        "legal_basis": "《排污许可管理条例》第三十四条",
        "evidence": "12345 工单",
        "department": "enforcement",
    }
    first = await _post(client, "/supervision/problems/new", "/supervision/problems/new", data)
    second = await _post(client, "/supervision/problems/new", "/supervision/problems/new", data)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"].split("?")[0] == second.headers["location"].split("?")[0]
    assert len((await session.exec(select(Problem))).all()) == 1
    page = await client.get(first.headers["location"])
    assert "执法大队" in page.text and 'id="require-form"' in page.text
