"""The inspection queries of the API: the plan for regulators of the jurisdiction, draws for anyone (with
their re-draw from the seed), records for the regulators and the unit itself."""

from __future__ import annotations

import httpx
import pytest

from domain.clock import today
from domain.supervision.inspections.service import draws, plans, records
from tests.graphql_helpers import bearer_token, graphql, graphql_data
from tests.supervision.inspection_setup import REGION, build_district, record_input

PLAN = """query($region: String!, $year: Int!) {
  inspectionPlan(regionCode: $region, year: $year) {
    done due behind enforcement { label units target done met }
  }
  inspectionPlanLines(regionCode: $region, year: $year, first: 3) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { unitName permitNumber basis basisLabel period dueOn state }
  }
}"""
DRAW = """query($reference: String!) {
  inspectionDraw(reference: $reference) {
    reference seed poolSize poolHash verified picks { unitName inspectors }
  }
  inspectionDraws { totalCount nodes { reference picks { position } } }
}"""
RECORDS = "{ inspectionRecords { totalCount nodes { reference findings unitName } } }"


@pytest.fixture
async def api(app):  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_the_plan_reaches_the_brigade_and_not_the_public(api, session):
    district = await build_district(session)
    await plans.generate_plan(session, district.planner, region_code=REGION, year=today().year)
    token = await bearer_token(session, district.brigade[0])
    data = await graphql_data(api, PLAN, {"region": REGION, "year": today().year}, token=token)
    lines = data["inspectionPlanLines"]
    assert lines["totalCount"] == 7 and len(lines["nodes"]) == 3 and lines["pageInfo"]["hasNextPage"]
    assert data["inspectionPlan"]["due"] + data["inspectionPlan"]["behind"] == 7
    assert data["inspectionPlan"]["enforcement"][0]["units"] == 2
    refused = (await graphql(api, PLAN, {"region": REGION, "year": today().year})).json()
    assert refused["errors"][0]["extensions"]["code"] == "unauthenticated"
    unit = await bearer_token(session, district.unit_admin)
    forbidden = (await graphql(api, PLAN, {"region": REGION, "year": today().year}, token=unit)).json()
    assert forbidden["errors"][0]["extensions"]["code"] == "forbidden"


async def test_anyone_reads_a_draw_drawn_again_from_its_seed(api, session):
    district = await build_district(session)
    draw = await draws.make_draw(
        session,
        district.planner,
        region_code=REGION,
        year=today().year,
        kind="enforcement",
        pool="key",
        units=2,
    )
    await session.flush()
    data = await graphql_data(api, DRAW, {"reference": draw.reference})
    found = data["inspectionDraw"]
    assert found["seed"] == draw.seed and found["verified"] is True and found["poolSize"] == 2
    assert len(found["picks"]) == 2 and all(len(p["inspectors"]) == 2 for p in found["picks"])
    assert data["inspectionDraws"]["totalCount"] == 1 and data["inspectionDraws"]["nodes"][0]["picks"] is None
    assert (await graphql_data(api, DRAW, {"reference": "SS-000000-1900-001"}))["inspectionDraw"] is None


async def test_a_unit_reads_its_own_records_only(api, session):
    district = await build_district(session)
    await records.record_inspection(
        session, district.planner, data=record_input(district, district.key[0], i4_3="台账缺页")
    )
    await records.record_inspection(session, district.planner, data=record_input(district, district.key[1]))
    own = await graphql_data(api, RECORDS, token=await bearer_token(session, district.unit_admin))
    assert (
        own["inspectionRecords"]["totalCount"] == 1 and own["inspectionRecords"]["nodes"][0]["findings"] == 1
    )
    other = await graphql_data(api, RECORDS, token=await bearer_token(session, district.other_unit_admin))
    assert other["inspectionRecords"]["totalCount"] == 0
    brigade = await graphql_data(api, RECORDS, token=await bearer_token(session, district.brigade[0]))
    assert brigade["inspectionRecords"]["totalCount"] == 2
