"""The regulators' home page shows the closed loop of their jurisdiction with the figures the pages count:
the year's plan, the positive list, linkage, cases and rectification (issue 15, Faces: statistics on the
regulators' dashboard). Units see none of it."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import func, select

from domain.access import Role
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.overview import supervision_summary
from domain.supervision.inspections.models import InspectionPlanLine
from domain.supervision.inspections.service import plans
from tests.factories import actor, make_user
from tests.portal_helpers import log_in
from tests.supervision.inspection_setup import REGION, build_district
from tests.supervision.test_standing import admit


async def test_the_home_page_counts_the_loop_as_the_database_does(client, session):
    district = await build_district(session)
    legal = await make_user(session, Role.LEGAL, region_code=REGION)
    unit = await session.get(Enterprise, district.key[0].enterprise_id)
    await admit(session, legal, unit, today() - timedelta(days=3))
    await plans.generate_plan(session, district.planner, region_code=REGION, year=today().year)
    await session.flush()

    summary = await supervision_summary(session, district.planner)
    assert summary is not None
    lines = (await session.exec(select(func.count()).select_from(InspectionPlanLine))).one()  # this year only
    assert summary.plan_due + summary.plan_behind + summary.plan_done == lines
    assert summary.positive_list == 1 and summary.yellow_cards_this_year == 0
    assert (summary.problems_open, summary.linkage_mine, summary.cases_active) == (0, 0, 0)
    assert summary.leads_waiting == 0  # the brigade takes leads; the ecology section would see None
    ecology = await make_user(session, Role.ECOLOGY, region_code=REGION)
    assert (await supervision_summary(session, actor(ecology))).leads_waiting is None  # type: ignore[union-attr]

    brigade = district.brigade[0]
    await log_in(client, brigade.username)
    home = await client.get("/", headers={"Accept-Language": "en"})
    assert home.status_code == 200 and 'id="supervision-summary"' in home.text
    assert "Units on the positive list" in home.text and "Inspections behind the" in home.text

    client.cookies.clear()
    await log_in(client, district.unit_admin.username)
    own = await client.get("/", headers={"Accept-Language": "en"})
    assert own.status_code == 200 and 'id="supervision-summary"' not in own.text
    assert await supervision_summary(session, actor(district.unit_admin)) is None
