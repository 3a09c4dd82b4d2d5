"""Filed execution reports exported for the national platform (``permitwatch-reports/1``): every submission
as received, only to those who may read the reports, bad filters named, through the portal and the CLI."""

from __future__ import annotations

import json
from datetime import UTC

import pytest

from domain.access import ANONYMOUS
from domain.errors import NotAuthenticated, ValidationFailed
from domain.reports.models import ReportSubmission
from domain.reports.queries.editor import get_draft
from domain.reports.queries.exchange import export_reports
from tests.factories import actor, file_report, make_enterprise, make_permit, make_user
from tests.portal_helpers import log_in
from tests.reports.test_graphql_reports import last_full_quarter, last_year


async def arrange(session, db):  # type: ignore[no-untyped-def]
    unit = await make_enterprise(session, name="报告交换热电有限公司")
    permit = await make_permit(session, unit, decision_date="2024-06-03")
    staff = await make_user(session, "enterprise_staff", enterprise=unit)
    staff.display_name = "李娜"
    session.add(staff)
    other_unit = await make_enterprise(session, region_code="310104")
    other = await make_permit(session, other_unit, decision_date="2024-06-03")
    other_staff = await make_user(session, "enterprise_staff", enterprise=other_unit)
    officer = await make_user(session, "ecology", region_code="310107")
    await session.flush()
    year = last_year()
    annual = await get_draft(session, actor(staff), permit_number=permit.number, kind="annual", period=year)
    await file_report(
        db, actor(staff), permit, year, {**annual.content, "statement": "第一次"}, "x1", kind="annual"
    )
    await file_report(
        db, actor(staff), permit, year, {**annual.content, "statement": "更正"}, "x2", kind="annual"
    )
    quarter = last_full_quarter()
    quarterly = await get_draft(
        session, actor(staff), permit_number=permit.number, kind="quarterly", period=quarter
    )
    await file_report(db, actor(staff), permit, quarter, quarterly.content, "x3", kind="quarterly")
    theirs = await get_draft(
        session, actor(other_staff), permit_number=other.number, kind="annual", period=year
    )
    await file_report(db, actor(other_staff), other, year, theirs.content, "y1", kind="annual")
    return unit, permit, staff, officer, other_unit


async def test_a_jurisdictions_reports_come_with_every_submission_as_received(session, db):  # type: ignore[no-untyped-def]
    unit, permit, staff, officer, other_unit = await arrange(session, db)
    document = await export_reports(session, actor(officer), region_code="310107")
    assert document["format"] == "permitwatch-reports/1" and document["report_count"] == 2
    assert {r["unit"]["credit_code"] for r in document["reports"]} == {unit.credit_code}  # not 310104's
    annual = next(r for r in document["reports"] if r["kind"] == "annual")
    stored = (
        await session.exec(ReportSubmission.__table__.select().order_by(ReportSubmission.id))  # type: ignore[attr-defined]
    ).all()
    mine = [s for s in stored if s.receipt_number in {x["receipt_number"] for x in annual["submissions"]}]
    assert [(s["version"], s["content_hash"], s["previous_hash"]) for s in annual["submissions"]] == [
        (row.version, row.content_hash, row.previous_hash) for row in mine
    ]
    first = annual["submissions"][0]
    assert first["received_at"] == mine[0].received_at.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert first["filer"] == {"username": staff.username, "name": "李娜"} and first["on_behalf_of"] is None
    assert first["imported_from"] is None  # filed here, not imported from the national platform
    assert [s["content"]["statement"] for s in annual["submissions"]] == ["第一次", "更正"]
    assert "production" in first["content"] and "draft" not in json.dumps(document)
    assert annual["submissions"][1]["previous_hash"] == first["content_hash"]  # the chain
    assert annual["first_submitted_at"] == first["received_at"] and annual["latest_version"] == 2
    by_unit = await export_reports(
        session, actor(officer), credit_code=unit.credit_code.lower(), kind="annual"
    )
    assert [r["kind"] for r in by_unit["reports"]] == ["annual"]
    # Another district's unit is not this officer's: nothing of it, whichever way asked.
    assert (await export_reports(session, actor(officer), credit_code=other_unit.credit_code))[
        "reports"
    ] == []
    own = await export_reports(session, actor(staff), region_code="310000")
    assert {r["permit_number"] for r in own["reports"]} == {permit.number}


async def test_bad_filters_are_named_and_the_public_is_asked_to_log_in(session, db):  # type: ignore[no-untyped-def]
    officer = actor(await make_user(session, "ecology", region_code="310107"))
    with pytest.raises(NotAuthenticated):
        await export_reports(session, ANONYMOUS, region_code="310107")
    cases = [
        ({}, "enterprise"),
        ({"credit_code": "=1+1"}, "enterprise"),
        ({"credit_code": "91310107MA\x000000001"}, "enterprise"),
        ({"region_code": "31x107"}, "region"),
        ({"region_code": "310107", "year": "0001"}, "year"),
        ({"region_code": "310107", "year": "9999"}, "year"),
        ({"region_code": "310107", "kind": "weekly"}, "kind"),
    ]
    for values, field in cases:
        with pytest.raises(ValidationFailed) as raised:
            await export_reports(session, officer, **values)
        assert field in {e.field for e in raised.value.errors}, values


async def test_a_regulator_downloads_the_json_and_bad_filters_come_back_to_the_form(client, session, db):  # type: ignore[no-untyped-def]
    unit, permit, staff, officer, _ = await arrange(session, db)
    anonymous = await client.get("/reports/exchange.json", params={"region": "310107"})
    assert anonymous.status_code in (302, 303, 401) and "reports" not in anonymous.text[:1]
    await log_in(client, officer.username)
    queue = await client.get("/review")
    assert 'href="/reports/exchange"' in queue.text
    form = await client.get("/reports/exchange", headers={"Accept-Language": "en"})
    assert form.status_code == 200 and 'name="enterprise"' in form.text
    response = await client.get(
        "/reports/exchange.json", params={"enterprise": unit.credit_code, "year": last_year()}
    )
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert "attachment" in response.headers["content-disposition"]
    document = response.json()
    assert [r["period"] for r in document["reports"]] == [last_year()]
    bad = await client.get(
        "/reports/exchange.json", params={"region": "abc"}, headers={"Accept-Language": "en"}
    )
    assert bad.status_code == 400 and 'data-field="region"' in bad.text and "six digits" in bad.text


def test_the_cli_writes_the_document_and_names_a_bad_filter(cli, tmp_path):  # type: ignore[no-untyped-def]
    out = tmp_path / "reports.json"
    result = cli("export-reports", "--region", "310107", "--out", str(out))
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["format"] == "permitwatch-reports/1" and document["reports"] == []
    bad = cli("export-reports", "--enterprise", "123")
    assert bad.exit_code == 2 and "enterprise" in bad.output


async def test_submissions_imported_from_the_national_platform_say_so(session):  # type: ignore[no-untyped-def]
    from domain.history.models import DEFAULT_SOURCE
    from domain.history.service import import_history
    from tests.history.test_history_import import SAMPLE, putuo

    officer = await putuo(session)
    result = await import_history(session, officer, file_name=SAMPLE.name, data=SAMPLE.read_bytes())
    document = await export_reports(session, officer, region_code="310107")
    submissions = [s for r in document["reports"] for s in r["submissions"]]
    assert len(submissions) == result.submissions and submissions
    assert {s["imported_from"] for s in submissions} == {DEFAULT_SOURCE}
