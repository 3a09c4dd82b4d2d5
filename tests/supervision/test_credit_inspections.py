"""The environmental credit feeds the inspection plan (docs/domain-rules.md, Inspection frequency): a unit
at 环保警示 or 环保不良 is visited more often — key management every quarter, simplified management every half
year — as a unit on the positive list is visited less often; a unit at 环保诚信 keeps the ordinary
frequency. The plan is generated as the faces and the daily run generate it (``raised_by=warned_units``)."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest
from sqlmodel import select

from domain.access import Role
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.supervision.credit import queries, rules
from domain.supervision.credit import service as credit
from domain.supervision.inspections import rules as inspection_rules
from domain.supervision.inspections.models import InspectionPlanLine
from domain.supervision.inspections.service import plans
from tests.factories import actor, make_user
from tests.graphql_helpers import graphql_data
from tests.supervision.inspection_setup import REGION, build_district


def test_raised_frequency_plans_quarters_for_key_and_halves_for_simplified_and_wins_over_the_list():
    facts = inspection_rules.PermitFacts(
        permit_id=1,
        enterprise_id=1,
        region_code=REGION,
        category="key",
        renewed=True,
        decision_date=date(2024, 1, 1),
        valid_from=date(2024, 1, 1),
        valid_until=date(2029, 1, 1),
    )

    def periods(**flags: bool) -> list[str]:
        return [
            line.period
            for line in inspection_rules.plan_lines(facts, 2026, **flags)
            if line.kind == inspection_rules.InspectionKind.ENFORCEMENT
        ]

    assert periods() == ["2026-H1", "2026-H2"]
    assert periods(frequency_lowered=True) == ["2026"]
    assert periods(frequency_raised=True) == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert periods(frequency_raised=True, frequency_lowered=True) == [
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
    ]
    quarters = inspection_rules.quarters(2026)
    assert [(q[1], q[2]) for q in quarters][1] == (date(2026, 4, 1), date(2026, 6, 30))
    simplified = facts.__class__(**{**facts.__dict__, "category": "simplified"})
    assert [
        line.period
        for line in inspection_rules.plan_lines(simplified, 2026, frequency_raised=True)
        if line.kind == inspection_rules.InspectionKind.ENFORCEMENT
    ] == ["2026-H1", "2026-H2"]
    assert rules.RAISED_INSPECTION_LEVELS == ("warning", "poor")


async def test_a_poor_unit_is_planned_more_often_than_an_honest_one(session):
    district = await build_district(session)
    poor_permit, honest_permit = district.key
    simplified_permit = district.simplified[0]
    legal = actor(await make_user(session, Role.LEGAL, region_code=REGION))
    for permit, evidence in (
        (poor_permit, ("普环信〔2026〕1号", "普环信〔2026〕2号")),
        (simplified_permit, ("普环信〔2026〕3号",)),
    ):
        unit = await session.get(Enterprise, permit.enterprise_id)
        assert unit is not None
        for number in evidence:
            await credit.record_credit_event(
                session,
                legal,
                credit_code=unit.credit_code,
                kind="serious_violation",
                basis="《企业环境信用评价办法（试行）》",
                evidence=number,
            )
    ids = [poor_permit.enterprise_id, honest_permit.enterprise_id, simplified_permit.enterprise_id]
    assert await queries.levels_on(session, ids, today()) == {
        poor_permit.enterprise_id: "poor",  # 100 − 2 × 30
        honest_permit.enterprise_id: "honest",
        simplified_permit.enterprise_id: "warning",  # 100 − 30
    }
    # Before its events the unit stood at the base score: the level is the one of the day asked.
    assert (await queries.levels_on(session, ids, today() - timedelta(days=1)))[
        poor_permit.enterprise_id
    ] == "honest"

    year = today().year
    await plans.generate_plan(
        session, district.planner, region_code=REGION, year=year, raised_by=queries.warned_units
    )

    async def enforcement(permit) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
        rows = await session.exec(
            select(InspectionPlanLine.basis, InspectionPlanLine.period)
            .where(InspectionPlanLine.permit_id == permit.id, InspectionPlanLine.kind == "enforcement")
            .order_by(InspectionPlanLine.period)
        )
        return list(rows.all())

    poor_lines, honest_lines = await enforcement(poor_permit), await enforcement(honest_permit)
    assert poor_lines == [("key_quarterly", f"{year}-Q{q}") for q in range(1, 5)]
    assert honest_lines == [("key_half_year", f"{year}-H1"), ("key_half_year", f"{year}-H2")]
    assert len(poor_lines) > len(honest_lines)
    assert await enforcement(simplified_permit) == [
        ("simplified_half_year", f"{year}-H1"),
        ("simplified_half_year", f"{year}-H2"),
    ]
    # Generating again (the daily run does, with the same answer) adds nothing.
    again = await plans.generate_plan(
        session, district.planner, region_code=REGION, year=year, raised_by=queries.warned_units
    )
    assert again.added == 0


def test_a_heavier_unit_is_drawn_more_often_and_without_weights_the_draw_is_as_before():
    pool, roster = [11, 12, 13, 14], [1, 2, 3, 4]
    first = {11: 0, 12: 0}
    for seed in range(2000):
        picks = inspection_rules.draw(seed=seed, pool=pool, roster=roster, count=1, weights={11: 3})
        if picks[0].member in first:
            first[picks[0].member] += 1
        # Drawn again from the same seed and weights: the same result.
        assert picks == inspection_rules.draw(seed=seed, pool=pool, roster=roster, count=1, weights={11: 3})
    # Weight 3 of a total 6: about half the draws, against about a sixth for a unit of weight 1.
    assert first[11] > 2 * first[12]
    assert 900 < first[11] < 1100 and 250 < first[12] < 420
    # Weights of 1 (or none) draw as before weights existed: old draws replay the same.
    import random

    rng = random.Random(7)
    assert [
        p.member for p in inspection_rules.draw(seed=7, pool=pool, roster=roster, count=2, weights={12: 1})
    ] == (rng.sample(sorted(pool), 2))


@pytest.fixture
async def api(app):  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_a_poor_unit_is_drawn_more_often_than_an_honest_one_and_the_weights_are_published(session, api):
    from domain.supervision.inspections.queries import draws as draw_queries
    from domain.supervision.inspections.service import draws

    district = await build_district(session)
    poor_permit, honest_permit = district.key
    legal = actor(await make_user(session, Role.LEGAL, region_code=REGION))
    unit = await session.get(Enterprise, poor_permit.enterprise_id)
    assert unit is not None
    for number in ("普环信〔2026〕7号", "普环信〔2026〕8号"):
        await credit.record_credit_event(
            session,
            legal,
            credit_code=unit.credit_code,
            kind="serious_violation",
            basis="《企业环境信用评价办法（试行）》",
            evidence=number,
        )
    drawn = {poor_permit.id: 0, honest_permit.id: 0}
    for seed in range(12):
        draw = await draws.make_draw(
            session,
            district.planner,
            region_code=REGION,
            year=today().year,
            kind="enforcement",
            pool="key",
            units=1,
            seed=seed,
            weighed_by=queries.inspection_weights,
        )
        assert draw.member_weights == {str(poor_permit.id): 3}
        page = await draw_queries.draw_page(session, reference=draw.reference)
        assert page.verified  # drawn again from the published seed, pool, roster and weights
        assert page.pool_weights == [3 if m == poor_permit.id else 1 for m in draw.pool_members]
        (pick,) = page.picks
        drawn[poor_permit.id if pick.permit_number == poor_permit.number else honest_permit.id] += 1
    assert drawn[poor_permit.id] > drawn[honest_permit.id]
    # Published: the API and the public page name the weighted unit and its weight.
    await session.flush()
    query = (
        "query($r: String!) { inspectionDraw(reference: $r) { verified weightedUnits { unitName weight } } }"
    )
    found = (await graphql_data(api, query, {"r": draw.reference}))["inspectionDraw"]
    assert found == {"verified": True, "weightedUnits": [{"unitName": unit.name, "weight": 3}]}
    page = await api.get(f"/public/draws/{draw.reference}", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200 and f"{unit.name} （权重 3：企业环境信用）" in page.text
