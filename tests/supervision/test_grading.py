"""Annual grading of permit holders (PT §4, annex 2): a proposal from the year's records with each
unqualified ground linked to its record, the regulators' decision with a reason when it differs, a unit
with a ground kept unqualified, and excellent units capped at 10 % of the previous year's holders."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from domain.access import Role
from domain.clock import today
from domain.errors import PermissionDenied, ValidationFailed
from domain.notifications.models import Notification
from domain.supervision.cases import service as cases
from domain.supervision.grading import queries, rules, service
from domain.supervision.grading.rules import Grade, Ground, GroundRecord, UnitRecord
from tests.factories import actor, make_enterprise, make_permit, make_user
from tests.supervision.test_cases import case_input, decision

YEAR = today().year - 1


def test_the_cap_is_ten_percent_of_last_years_holders_rounded_down():
    assert [rules.excellent_cap(n) for n in (0, 9, 10, 19, 25, 100)] == [0, 0, 1, 1, 2, 10]


def test_the_proposal_follows_the_records():
    ground = GroundRecord(Ground.PENALTY, "case", 1, "普环罚〔2025〕1号")
    assert rules.proposed_grade(UnitRecord(1, [ground])) == Grade.UNQUALIFIED
    assert rules.proposed_grade(UnitRecord(1, problems=2)) == Grade.QUALIFIED
    assert rules.proposed_grade(UnitRecord(1)) == Grade.EXCELLENT
    assert [e.code for e in rules.decision_errors("qualified", "", Grade.UNQUALIFIED, [ground])] == [
        "required",
        "ground_holds",
    ]
    assert [e.code for e in rules.decision_errors("best", "", Grade.QUALIFIED, [])] == ["choice"]
    assert rules.decision_errors("qualified", "", Grade.QUALIFIED, []) == []


@pytest.fixture
async def district(session):  # type: ignore[no-untyped-def]
    """Ten permit holders of Putuo since three years ago (so ten last year and the year before)."""
    units = []
    for _ in range(10):
        unit = await make_enterprise(session)
        await make_permit(session, unit, decision_date=date(YEAR - 2, 3, 1).isoformat())
        units.append(unit)
    grader = await make_user(session, Role.PERMITTING)
    brigade = await make_user(session, Role.ENFORCEMENT)
    return units, actor(grader), actor(brigade)


async def test_a_fined_unit_is_unqualified_with_its_case_and_cannot_be_graded_otherwise(session, district):
    units, grader, brigade = district
    fined = units[0]
    case = await cases.open_case(
        session,
        brigade,
        data=case_input(credit_code=fined.credit_code, opened_on=date(YEAR, 4, 1), classification="other"),
    )
    await cases.decide_case(
        session,
        brigade,
        case_id=case.id,
        data=decision(
            decided_on=date(YEAR, 5, 10), penalty_yuan=Decimal("50000"), case_number="普环罚〔X〕7号"
        ),
    )
    grading = await queries.grading(session, grader, region_code="310107", year=YEAR)
    row = next(unit for unit in grading.units if unit.enterprise.id == fined.id)
    assert row.proposed == Grade.UNQUALIFIED
    assert [(g.ground, g.record_kind, g.record_id, g.record_label) for g in row.record.grounds] == [
        (Ground.PENALTY, "case", case.id, "普环罚〔X〕7号")
    ]
    with pytest.raises(ValidationFailed) as refused:
        await service.decide_grade(
            session, grader, year=YEAR, credit_code=fined.credit_code, grade="qualified", reason="整改到位"
        )
    assert {e.code for e in refused.value.errors} == {"ground_holds"}
    decided = await service.decide_grade(
        session, grader, year=YEAR, credit_code=fined.credit_code, grade="unqualified", reason=""
    )
    assert decided.grounds[0]["record_id"] == case.id
    others = [unit for unit in grading.units if unit.enterprise.id != fined.id]
    assert {unit.proposed for unit in others} == {Grade.EXCELLENT}


async def test_excellent_units_are_capped_at_ten_percent_of_last_years_holders(session, district):
    units, grader, _ = district
    first = await service.decide_grade(
        session, grader, year=YEAR, credit_code=units[1].credit_code, grade="excellent", reason=""
    )
    assert first.grade == "excellent"
    with pytest.raises(ValidationFailed) as refused:
        await service.decide_grade(
            session, grader, year=YEAR, credit_code=units[2].credit_code, grade="excellent", reason=""
        )
    error = refused.value.errors[0]
    assert error.code == "excellent_cap" and error.params["cap"] == 1 and error.params["holders"] == 10
    # Changing the first unit's grade frees the place; its earlier decision is kept.
    await service.decide_grade(
        session, grader, year=YEAR, credit_code=units[1].credit_code, grade="qualified", reason="名额调整"
    )
    await service.decide_grade(
        session, grader, year=YEAR, credit_code=units[2].credit_code, grade="excellent", reason="受到市级表彰"
    )
    grading = await queries.grading(session, grader, region_code="310107", year=YEAR)
    assert grading.excellent == 1 and grading.excellent_cap == 1 and grading.decided == 2


async def test_the_unit_is_told_and_only_regulators_of_the_district_decide(session, district):
    units, grader, _ = district
    staff = await make_user(session, Role.ENTERPRISE_STAFF, enterprise=units[3])
    elsewhere = await make_user(session, Role.PERMITTING, region_code="370102")
    for outsider in (actor(staff), actor(elsewhere)):
        with pytest.raises(PermissionDenied):
            await service.decide_grade(
                session, outsider, year=YEAR, credit_code=units[3].credit_code, grade="qualified", reason=""
            )
    await service.decide_grade(
        session, grader, year=YEAR, credit_code=units[3].credit_code, grade="qualified", reason="有一般问题"
    )
    told = (await session.exec(select(Notification).where(Notification.user_id == staff.id))).all()
    assert any(f"{YEAR}" in n.body and "合格" in n.body and "Qualified" in n.body for n in told)
    with pytest.raises(ValidationFailed) as refused:
        await queries.grading(session, grader, region_code="310107", year=today().year)
    assert refused.value.errors[0].code == "year"
    newcomer = await make_enterprise(session)
    await make_permit(session, newcomer, decision_date=(today() - timedelta(days=3)).isoformat())
    with pytest.raises(ValidationFailed) as refused:
        await service.decide_grade(
            session, grader, year=YEAR, credit_code=newcomer.credit_code, grade="qualified", reason=""
        )
    assert refused.value.errors[0].code == "not_a_holder"


# ---------------------------------------------------------------------------
# The faces
# ---------------------------------------------------------------------------

DECIDE = (
    "mutation($y: Int!, $c: String!, $g: Grade!, $r: String!) { decideGrade(year: $y, creditCode: $c,"
    " grade: $g, reason: $r) { decision { grade proposedGrade } errors { field code } } }"
)


@pytest.fixture
async def api(app):  # type: ignore[no-untyped-def]
    import httpx

    transport = httpx.ASGITransport(app=app, client=("203.0.113.10", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_grading_is_decided_alike_through_both_faces(client, api, session, district):  # type: ignore[no-untyped-def]
    from tests.faces import Outcome, graphql_outcome, portal_outcome
    from tests.graphql_helpers import bearer_token, graphql_data
    from tests.portal_helpers import csrf_token, log_in

    units, grader, _ = district
    officer = await make_user(session, Role.PERMITTING, username="grader-faces")
    await log_in(client, officer.username)
    token = await bearer_token(session, officer)
    cases_ = [
        ("qualified", "", Outcome(False, frozenset({("reason", "required")}))),
        ("unqualified", "拒不配合现场检查", Outcome(True, frozenset())),
    ]
    for index, (grade, reason, expected) in enumerate(cases_):
        portal_unit, api_unit = units[2 * index + 4], units[2 * index + 5]
        form = {"year": str(YEAR), "grade": grade, "reason": reason}
        form["csrf_token"] = await csrf_token(client, f"/grading?year={YEAR}")
        portal = portal_outcome(await client.post(f"/grading/{portal_unit.credit_code}/decide", data=form))
        payload = await graphql_data(
            api, DECIDE, {"y": YEAR, "c": api_unit.credit_code, "g": grade.upper(), "r": reason}, token=token
        )
        graphql = graphql_outcome(payload["decideGrade"])
        assert portal == graphql == expected, (grade, portal, graphql)
    page = await client.get(f"/grading?year={YEAR}", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "拒不配合现场检查" in page.text and "Excellent" in page.text
    assert ">excellent<" not in page.text  # grades by name, never by code


async def test_the_unit_sees_its_own_grades_and_not_the_district(client, session, district):  # type: ignore[no-untyped-def]
    from tests.portal_helpers import log_in

    units, grader, _ = district
    await service.decide_grade(
        session, grader, year=YEAR, credit_code=units[0].credit_code, grade="qualified", reason="名额所限"
    )
    staff = await make_user(session, Role.ENTERPRISE_STAFF, enterprise=units[0])
    await session.flush()
    await log_in(client, staff.username)
    own = await client.get("/grading/mine", headers={"Accept-Language": "en"})
    assert own.status_code == 200 and f"<td>{YEAR}</td>" in own.text and "Qualified" in own.text
    district_page = await client.get(f"/grading?year={YEAR}")
    assert district_page.status_code in (302, 303) and district_page.headers["location"] == "/grading/mine"


async def test_the_public_permit_page_shows_the_grade_and_its_etag_moves_with_it(client, session, district):  # type: ignore[no-untyped-def]
    from domain.permits.models import Permit
    from tests.supervision.test_standing import admit

    units, grader, _ = district
    permit = (await session.exec(select(Permit).where(Permit.enterprise_id == units[0].id))).one()
    await session.flush()
    before = await client.get(f"/public/permits/{permit.number}", headers={"Accept-Language": "en"})
    assert before.status_code == 200 and "No annual grade is published" in before.text
    await service.decide_grade(
        session, grader, year=YEAR, credit_code=units[0].credit_code, grade="excellent", reason=""
    )
    legal = await make_user(session, Role.LEGAL)
    await admit(session, legal, units[0], today())
    await session.flush()
    after = await client.get(
        f"/public/permits/{permit.number}",
        headers={"Accept-Language": "en", "If-None-Match": before.headers["etag"]},
    )
    assert after.status_code == 200, "a grade changes the page: its ETag must change too"
    assert f"<td>{YEAR}</td><td>Excellent</td>" in after.text
    assert "On the positive list of supervision and enforcement since" in after.text
