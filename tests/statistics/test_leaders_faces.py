"""The leaders' statistics page, its workbook and the API: names never codes, Chinese headings, the same
figures on every face, the reader's jurisdiction only, and a fixed number of statements whatever the data."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from sqlalchemy import event

from domain.access import Role
from domain.clock import today
from domain.reports.rollup.counting import refresh
from domain.statistics import leaders
from domain.statistics.scope import scope_of
from tests.factories import actor, make_enterprise, make_user
from tests.graphql_helpers import bearer_token, graphql, graphql_data
from tests.portal_helpers import log_in
from tests.statistics.city import build_city


async def test_the_page_shows_names_charts_and_tables(client, session):
    await build_city(session)
    chief = await make_user(session, Role.ENFORCEMENT, region_code="310000")
    await session.flush()
    await log_in(client, chief.username)
    on = today()
    page = await client.get(f"/statistics?year={on.year}&month=1")
    assert page.status_code == 200, page.text
    for name in (
        "上海市普陀区",
        "上海市杨浦区",
        "二氧化硫",
        "化学需氧量",
        "重点管理",
        "有机化学原料制造",
        "棉印染精加工",
    ):
        assert name in page.text
    assert ">SO2<" not in page.text and ">310107<" not in page.text
    assert page.text.count("<svg") >= 4 and 'role="img"' in page.text  # charts, each beside its table
    assert "三年内完成质量核查的许可证" in page.text  # the quality-check half of 双百 beside the filing half
    # The filing half comes from the rollup the worker keeps: not counted yet, the page says so; then its age.
    assert "执行报告提交数据尚未统计" in page.text
    await refresh(session)
    counted = await client.get(f"/statistics?year={on.year}&month=1")
    assert re.search(r"执行报告提交数据更新于 \d{4}-\d\d-\d\d \d\d:\d\d（0 分钟前）", counted.text)
    assert 'href="/statistics.xlsx?year=' in page.text
    bad = await client.get("/statistics?year=1999&district=370102", headers={"Accept-Language": "en"})
    assert bad.status_code == 400
    assert 'data-field="year"' in bad.text and 'data-field="district"' in bad.text
    dispatch = await client.get("/statistics/dispatch")
    assert 'href="/statistics"' in dispatch.text


async def test_the_workbook_opens_with_chinese_headings_and_the_page_figures(client, session):
    await build_city(session)
    chief = await make_user(session, Role.ENFORCEMENT, region_code="310000")
    await session.flush()
    await log_in(client, chief.username)
    on = today()
    response = await client.get(f"/statistics.xlsx?year={on.year}&month={on.month}")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    districts = workbook["按区县"]
    rows = list(districts.iter_rows(values_only=True))
    assert rows[0][:3] == ("区县", "在期许可证", "未销号问题")
    assert ("上海市普陀区", 2, 4, 2, 2, 2, 30000.0) in rows
    assert "许可证（按状态和管理类别）" in workbook.sheetnames
    assert list(workbook["按行业"].iter_rows(values_only=True))[0][0] == "行业"
    emissions = workbook["报告排放量（按污染物）"]
    assert list(emissions.iter_rows(values_only=True))[0] == ("污染物", "排放量（吨）")
    csv = await client.get(f"/statistics.csv?year={on.year}")
    assert csv.status_code == 200 and "上海市杨浦区" in csv.content.decode("utf-8-sig")


async def test_the_api_gives_the_page_figures_and_keeps_to_the_jurisdiction(client, session):
    await build_city(session)
    putuo = await make_user(session, Role.LEGAL, region_code="310107")
    await refresh(session)  # the worker's round: the filing half comes from the filing rollup
    on = today()
    query = """query($y: Int, $m: Int, $d: String) { leaderStatistics(year: $y, month: $m, district: $d) {
      scope { regionName } permitsInForce districts { regionName problemsOpen fines: finesYuan }
      industries { industryName problemsOpen }
      permits { status category count } renewalsOnTime { due done rate }
      doubleHundred { reportsOnTime { due done } qualityChecked { due } reportsCountedAt }
      rectification { open overdue closed averageDaysToClose } casesDecided finesYuan
      grades { grade count } positiveList agencyCredit { level count }
      emissions { pollutantName quantityT } } }"""
    token = await bearer_token(session, putuo)
    data = (await graphql_data(client, query, {"y": on.year, "m": 1}, token=token))["leaderStatistics"]
    expected = await leaders.leader_statistics(
        session, actor(putuo), scope_of(actor(putuo), year=str(on.year), month="1")
    )
    assert data["scope"]["regionName"] == "上海市普陀区"
    assert [row["regionName"] for row in data["districts"]] == ["上海市普陀区"]
    assert data["permitsInForce"] == expected.permits_in_force == 2
    assert {row["industryName"]: row["problemsOpen"] for row in data["industries"]} == {
        "有机化学原料制造": 2,
        "棉印染精加工": 2,
    }
    assert data["rectification"]["open"] == expected.rectification.open == 4
    assert data["doubleHundred"]["reportsOnTime"]["due"] == expected.filing.due == 2
    assert data["doubleHundred"]["reportsCountedAt"] is not None
    assert data["doubleHundred"]["qualityChecked"]["due"] == expected.quality_checked.whole
    assert {row["pollutantName"]: row["quantityT"] for row in data["emissions"]} == {
        "二氧化硫": 4.0,
        "化学需氧量": 0.5,
    }
    assert {row["grade"] for row in data["grades"]} == {"EXCELLENT", "QUALIFIED", "UNQUALIFIED"}
    assert {row["status"] for row in data["permits"]} == {"ISSUED"}
    assert data["agencyCredit"] is not None
    # the page's own table (as its workbook holds it) shows the same figures as the API
    await log_in(client, putuo.username)
    workbook = load_workbook(
        io.BytesIO((await client.get(f"/statistics.xlsx?year={on.year}&month=1")).content)
    )
    page_rows = list(workbook["按区县"].iter_rows(values_only=True))[1:]
    assert [(row[0], row[2], row[6]) for row in page_rows] == [
        (row["regionName"], row["problemsOpen"], row["fines"]) for row in data["districts"]
    ]
    headline = (await client.get(f"/statistics?year={on.year}&month=1")).text
    assert f'<span class="st-figure">{data["permitsInForce"]}</span>' in headline
    refused = (await graphql(client, query, {"d": "310110"}, token=token)).json()
    assert refused["errors"][0]["extensions"]["field"] == "district"
    staff = await make_user(session, Role.ENTERPRISE_STAFF, enterprise=await make_enterprise(session))
    denied = (await graphql(client, query, {}, token=await bearer_token(session, staff))).json()
    assert denied["errors"][0]["extensions"]["code"] == "forbidden"


async def test_units_may_not_open_the_page(client, session):
    staff = await make_user(session, Role.ENTERPRISE_STAFF, enterprise=await make_enterprise(session))
    await session.flush()
    await log_in(client, staff.username)
    assert (await client.get("/statistics")).status_code == 403
    assert (await client.get("/statistics.xlsx")).status_code == 403


async def test_the_page_runs_the_same_statements_whatever_the_data(client, session, db):
    chief = await make_user(session, Role.ENFORCEMENT, region_code="310000")
    await session.flush()
    await log_in(client, chief.username)
    on = today()

    token = await bearer_token(session, chief)
    api = "query { leaderStatistics { permitsInForce districts { problemsOpen } emissions { quantityT } } }"

    async def statements(path: str) -> int:
        seen: list[str] = []

        def remember(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
            seen.append(statement)

        event.listen(db.engine.sync_engine, "before_cursor_execute", remember)
        try:
            if path == "graphql":
                await graphql_data(client, api, token=token)
            else:
                page = await client.get(path)
                assert page.status_code == 200
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", remember)
        return len([s for s in seen if s.lstrip().upper().startswith("SELECT")])

    month, year = f"/statistics?year={on.year}&month=1", f"/statistics?year={on.year}"
    await statements("graphql")  # the token's first use is recorded once

    async def measured() -> tuple[int, ...]:
        # The first page after new permits loads their terms (batched, whatever their number); then
        # they are cached.
        return tuple(
            [await statements(month)] + [await statements(path) for path in (month, year, "graphql")]
        )

    await build_city(session)
    await session.flush()
    small = await measured()
    await build_city(session)
    await build_city(session)
    await session.flush()
    assert await measured() == small
    print(f"statements: month page first and again, year page, API query: {small}")


async def test_the_administrator_sees_every_region_and_a_national_regulator_too(client, session):
    await build_city(session)
    admin = await make_user(session, Role.ADMIN)
    national = await make_user(session, Role.ENFORCEMENT, region_code="000000")
    await session.flush()
    on = today()
    for user in (admin, national):
        figures = await leaders.leader_statistics(
            session, actor(user), scope_of(actor(user), year=str(on.year))
        )
        assert {row.key for row in figures.districts} == {"310107", "310110", "310112", "370102"}
        assert figures.positive_list == 4  # Shanghai's three and Jinan's one
    await log_in(client, admin.username)
    page = await client.get(f"/statistics?year={on.year}&district=370102")
    assert page.status_code == 200 and "济南市历下区" in page.text


async def test_a_case_against_no_registered_unit_counts_under_industry_not_recorded(client, session):
    from domain.supervision.cases.models import EnforcementCase

    putuo = await make_user(session, Role.ENFORCEMENT, region_code="310107")
    session.add(
        EnforcementCase(
            region_code="310107",
            unit_name="无证小作坊",
            classification="without_permit",
            facts="无证排污",
            legal_basis="《排污许可管理条例》第三十三条",
            status="decided",
            opened_on=today().replace(day=1),
            penalty_cents=5_000_000,
            decided_on=today().replace(day=1),
            created_by="tester",
        )
    )
    await session.flush()
    figures = await leaders.leader_statistics(session, actor(putuo), scope_of(actor(putuo)))
    assert [(row.key, row.cases_decided, row.fines_yuan) for row in figures.industries] == [("", 1, 50_000.0)]
    await log_in(client, putuo.username)
    page = await client.get("/statistics")
    assert "未注明行业" in page.text
