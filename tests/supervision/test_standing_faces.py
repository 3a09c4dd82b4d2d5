"""The positive list through both faces (the regulators' form and the GraphQL mutation decide alike), its
pages as each reader sees them, and the public list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import func, select

from domain.access import Role
from domain.clock import today
from domain.supervision.standing.models import PositiveListEntry
from tests.faces import Outcome, graphql_outcome, portal_outcome
from tests.factories import credit_code, make_enterprise, make_user
from tests.graphql_helpers import bearer_token, graphql_data
from tests.portal_helpers import csrf_token, log_in
from tests.supervision.test_standing import admit, card

ACCEPTED = Outcome(True, frozenset())
ADMIT = (
    "mutation($c: String!, $on: Date!, $b: String!) { admitToPositiveList(creditCode: $c, enteredOn: $on,"
    " basis: $b) { standing { listed unitName } errors { field code } } }"
)


def refused(*errors: tuple[str | None, str]) -> Outcome:
    return Outcome(False, frozenset(errors))


@pytest.fixture
async def api(app):  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def entries(session) -> int:  # type: ignore[no-untyped-def]
    return int((await session.exec(select(func.count()).select_from(PositiveListEntry))).one())


CASES: dict[str, tuple[dict[str, Any], Outcome]] = {
    "a decision with its basis": ({}, ACCEPTED),
    "a day in the future and no basis": (
        {"entered_on": today() + timedelta(days=3), "basis": "  "},
        refused(("entered_on", "future"), ("basis", "required")),
    ),
    "a basis longer than its column": ({"basis": "依" * 1001}, refused(("basis", "too_long"))),
    "a unit that does not exist": ({"credit_code": "unknown"}, refused((None, "not_found"))),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_admission_is_decided_alike_through_both_faces(client, api, session, case):  # type: ignore[no-untyped-def]
    changes, expected = CASES[case]
    legal = await make_user(session, Role.LEGAL)
    await log_in(client, legal.username)
    token = await bearer_token(session, legal)
    outcomes = []
    before = await entries(session)
    for face in ("portal", "graphql"):
        unit = await make_enterprise(session)
        values = {"credit_code": unit.credit_code, "entered_on": today(), "basis": "区执法正面清单（第二批）"}
        values.update(changes)
        if face == "portal":
            form = {k: str(v) for k, v in values.items()}
            form["csrf_token"] = await csrf_token(client, "/standing")
            outcomes.append(portal_outcome(await client.post("/standing/admit", data=form)))
        else:
            variables = {
                "c": values["credit_code"],
                "on": values["entered_on"].isoformat(),
                "b": values["basis"],
            }
            payload = await graphql_data(api, ADMIT, variables, token=token)
            outcomes.append(graphql_outcome(payload["admitToPositiveList"], rename={"creditCode": None}))
    portal, graphql = outcomes
    assert portal == graphql == expected, f"portal {portal}, GraphQL {graphql}"
    assert await entries(session) - before == (2 if expected.accepted else 0)


async def test_a_second_admission_is_refused_beside_the_field_on_both_faces(client, api, session):  # type: ignore[no-untyped-def]
    legal = await make_user(session, Role.LEGAL)
    unit = await make_enterprise(session)
    await admit(session, legal, unit, today() - timedelta(days=1))
    await log_in(client, legal.username)
    form = {"credit_code": unit.credit_code, "entered_on": today().isoformat(), "basis": "再次纳入"}
    form["csrf_token"] = await csrf_token(client, "/standing")
    portal = portal_outcome(await client.post("/standing/admit", data=form))
    variables = {"c": unit.credit_code, "on": today().isoformat(), "b": "再次纳入"}
    payload = await graphql_data(api, ADMIT, variables, token=await bearer_token(session, legal))
    assert portal == graphql_outcome(payload["admitToPositiveList"]) == refused(("credit_code", "conflict"))


async def test_the_pages_show_names_and_the_unit_sees_its_own_cards(client, session):  # type: ignore[no-untyped-def]
    legal = await make_user(session, Role.LEGAL)
    enforcement = await make_user(session, Role.ENFORCEMENT)
    unit = await make_enterprise(session, name="上海普陀绿源印染有限公司", credit_code=credit_code())
    staff = await make_user(session, Role.ENTERPRISE_STAFF, enterprise=unit)
    await admit(session, legal, unit, today() - timedelta(days=30))
    await card(session, enforcement, unit, today(), "普环罚〔2026〕12号")
    await session.flush()

    await log_in(client, legal.username)
    work = await client.get("/standing", headers={"Accept-Language": "zh-CN"})
    assert work.status_code == 200
    assert "上海普陀绿源印染有限公司" in work.text and "普环罚〔2026〕12号" in work.text
    assert "执法案件" in work.text and ">case<" not in work.text  # the source by name, never its code

    client.cookies.clear()
    await log_in(client, staff.username)
    own = await client.get("/standing", headers={"Accept-Language": "en"})
    assert own.status_code == 200
    assert "On the positive list since" in own.text and "Enforcement case" in own.text
    other = await make_enterprise(session)
    assert (await client.get(f"/standing/{other.credit_code}")).status_code == 403


async def test_the_public_list_names_units_and_its_removals(client, session):  # type: ignore[no-untyped-def]
    legal = await make_user(session, Role.LEGAL)
    enforcement = await make_user(session, Role.ENFORCEMENT)
    kept = await make_enterprise(session, name="普陀清源环保科技有限公司", credit_code=credit_code())
    lost = await make_enterprise(session, name="普陀东方化工有限公司", credit_code=credit_code())
    for unit in (kept, lost):
        await admit(session, legal, unit, today() - timedelta(days=60))
    start = today() - timedelta(days=2)
    if start.year != today().year:
        start = today()
    await card(session, enforcement, lost, start, "案-1")
    await card(session, enforcement, lost, today(), "案-2")
    await session.flush()
    listed = await client.get("/public/positive-list", headers={"Accept-Language": "en"})
    assert listed.status_code == 200
    assert "普陀清源环保科技有限公司" in listed.text and "普陀东方化工有限公司" not in listed.text
    removed = await client.get("/public/positive-list?show=removed", headers={"Accept-Language": "en"})
    assert "普陀东方化工有限公司" in removed.text and "Two yellow cards in one calendar year" in removed.text
    assert legal.username not in listed.text + removed.text  # who decided is never public


async def test_a_card_from_an_inspection_record_through_both_faces(client, api, session):  # type: ignore[no-untyped-def]
    from domain.enterprises.models import Enterprise
    from domain.supervision.inspections.service import records
    from tests.supervision.inspection_setup import REGION, build_district, record_input

    district = await build_district(session)
    legal = await make_user(session, Role.LEGAL, region_code=REGION)
    brigade = district.brigade[0]
    found = []
    for permit in district.key[:2]:
        unit = await session.get(Enterprise, permit.enterprise_id)
        await admit(session, legal, unit, today() - timedelta(days=30))
        found.append(
            await records.record_inspection(
                session, district.planner, data=record_input(district, permit, i2_1="排放口标志牌缺失")
            )
        )
    await session.flush()
    await log_in(client, brigade.username)
    token = await csrf_token(client, "/standing")
    path = f"/inspections/records/{found[0].reference}/yellow-card"
    response = await client.post(path, data={"csrf_token": token, "violation": "标志牌缺失，当场整改"})
    assert response.status_code in (302, 303)
    again = await client.post(path, data={"csrf_token": token, "violation": "再次"})
    assert (
        again.status_code == 400
        and "already earned a yellow card" in again.text
        or "已记过黄牌" in again.text
    )
    mutation = (
        "mutation($r: String!, $v: String!) { issueYellowCardForInspection(reference: $r, violation: $v)"
        " { standing { yellowCards { source sourceReference } } errors { field code } } }"
    )
    payload = await graphql_data(
        api,
        mutation,
        {"r": found[1].reference, "v": "标志牌缺失"},
        token=await bearer_token(session, brigade),
    )
    result = payload["issueYellowCardForInspection"]
    assert result["errors"] == []
    assert result["standing"]["yellowCards"] == [
        {"source": "INSPECTION", "sourceReference": found[1].reference}
    ]


async def test_a_page_number_out_of_range_shows_the_first_page(client):  # type: ignore[no-untyped-def]
    for page in ("0", "000", "999999", "-1", "x"):
        response = await client.get(f"/public/positive-list?page={page}", headers={"Accept-Language": "en"})
        assert response.status_code == 200, page
