"""The history import page: upload, the result, every problem by line and field; imported records marked
with their source on the permit's and the report's pages."""

import json

from sqlmodel import select

from demo.examples import example_records
from domain.history.service import import_history
from domain.reports.models import ExecutionReport
from tests.factories import make_user
from tests.graphql_helpers import bearer_token, graphql_data
from tests.history.test_history_import import SAMPLE, putuo
from tests.portal_helpers import csrf_token, log_in


async def upload(client, name, data, *, source="全国排污许可证管理信息平台", headers=None):
    token = await csrf_token(client, "/permits/import-history")
    return await client.post(
        "/permits/import-history",
        data={"csrf_token": token, "source": source},
        files={"file": (name, data, "application/x-ndjson")},
        headers=headers or {},
    )


async def test_the_page_imports_the_sample_and_the_pages_show_what_was_imported(client, session):
    await putuo(session)
    user = await make_user(session, "permitting", region_code="310107")
    await session.commit()
    await log_in(client, user.username)
    page = await client.get("/permits/import-history")
    assert page.status_code == 200 and "national-history.jsonl" in page.text
    response = await upload(client, SAMPLE.name, SAMPLE.read_bytes())
    assert response.status_code == 200, response.text
    assert "4" in response.text and "history-late" in response.text
    number = example_records()[0]["number"]
    permit_page = await client.get(f"/permits/{number}")
    assert permit_page.status_code == 200
    assert (
        permit_page.text.count("自全国排污许可证管理信息平台导入") >= 2 + 2
    )  # two versions, two applications
    assert 'data-platform-id="XK-2020-310107-0016"' in permit_page.text
    report = (await session.exec(select(ExecutionReport).where(ExecutionReport.period == "2024-Q3"))).one()
    report_page = await client.get(f"/reports/id/{report.id}")
    assert report_page.status_code == 200
    assert report_page.text.count("自全国排污许可证管理信息平台导入") == 2
    assert "2024-10-15 23:30:00" in report_page.text  # the platform's time, in China time
    receipt = await client.get(f"/receipts/R20241015-{report.id:07d}-01")
    assert receipt.status_code == 200
    assert 'id="receipt-imported"' in receipt.text and "全国平台接收时间" in receipt.text
    assert "2024-10-15 23:30:00" in receipt.text and "张敏" in receipt.text
    again = await upload(client, SAMPLE.name, SAMPLE.read_bytes(), headers={"Accept-Language": "en"})
    assert again.status_code == 200 and "Nothing new in national-history.jsonl" in again.text


async def test_the_page_lists_every_bad_line_and_field_and_imports_nothing(client, session):
    await putuo(session)
    user = await make_user(session, "permitting", region_code="310107")
    await session.commit()
    await log_in(client, user.username)
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["enterprise_credit_code"] = first["enterprise_credit_code"][:17] + "X"
    lines[0] = json.dumps(first, ensure_ascii=False)
    lines[4] = lines[4].replace('"2020-08-03"', '"0001-01-01"')
    response = await upload(client, "bad.jsonl", "\n".join(lines).encode(), headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert 'data-row="1" data-field="enterprise_credit_code" data-code="credit_code_check"' in response.text
    assert 'data-row="5" data-field="received_on" data-code="date_range"' in response.text
    assert "Nothing was imported" in response.text
    number = example_records()[0]["number"]
    assert (await client.get(f"/permits/{number}")).status_code == 404
    formula = await upload(client, "x.jsonl", b"{}", source="=cmd", headers={"Accept-Language": "en"})
    assert formula.status_code == 400 and 'data-field="source"' in formula.text


async def test_the_page_is_refused_to_those_who_may_not_import(client, session):
    unit_admin = await make_user(session, "enterprise_admin")
    await session.commit()
    assert (await client.get("/permits/import-history")).status_code in (302, 303, 401)
    await log_in(client, unit_admin.username)
    assert (await client.get("/permits/import-history")).status_code == 403


async def test_the_api_names_the_source_of_imported_records(client, session):
    officer = await putuo(session)
    await import_history(session, officer, file_name=SAMPLE.name, data=SAMPLE.read_bytes())
    user = await make_user(session, "permitting", region_code="310107")
    token = await bearer_token(session, user)
    await session.commit()
    number = example_records()[0]["number"]
    data = await graphql_data(
        client,
        """query($n: String!) {
          permit(number: $n) { versions { version decisionDate importedFrom } }
          executionReport(permitNumber: $n, kind: QUARTERLY, period: "2024-Q3") {
            firstSubmittedAt onTime submissions { version submittedAt importedFrom }
          }
        }""",
        {"n": number},
        token=token,
    )
    assert sorted(data["permit"]["versions"], key=lambda v: v["version"])[0] == {
        "version": 1,
        "decisionDate": "2020-09-15",
        "importedFrom": "全国排污许可证管理信息平台",
    }
    report = data["executionReport"]
    assert report["onTime"] is True and report["firstSubmittedAt"].startswith("2024-10-15T15:30:00")
    assert {s["importedFrom"] for s in report["submissions"]} == {"全国排污许可证管理信息平台"}
