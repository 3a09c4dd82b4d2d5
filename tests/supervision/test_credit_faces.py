"""Enterprise credit through both faces (the legal section's forms and the GraphQL mutations record and
void alike, with the same errors), the pages as each reader sees them, and the public page and query."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import func, select

from domain.access import Role
from domain.supervision.credit import rules, service
from domain.supervision.credit.models import UnitCreditEvent
from graphql_schema.supervision.credit import UnitCreditEventKind
from tests.faces import Outcome, graphql_outcome, portal_outcome
from tests.factories import actor, credit_code, make_enterprise, make_permit, make_user
from tests.graphql_helpers import bearer_token, graphql_data
from tests.portal_helpers import csrf_token, log_in

ACCEPTED = Outcome(True, frozenset())
RECORD = (
    "mutation($c: String!, $k: UnitCreditEventKind!, $b: String!, $e: String!) {"
    " recordUnitCreditEvent(creditCode: $c, kind: $k, basis: $b, evidence: $e) {"
    " credit { score level } event { id points } errors { field code } } }"
)
VOID = (
    "mutation($id: ID!, $r: String!) { voidUnitCreditEvent(id: $id, reason: $r) {"
    " credit { score level } event { voidedAt voidReason } errors { field code } } }"
)


def test_the_api_names_every_kind_of_event():
    assert {kind.value for kind in UnitCreditEventKind} == set(rules.KINDS)


def refused(*errors: tuple[str | None, str]) -> Outcome:
    return Outcome(False, frozenset(errors))


@pytest.fixture
async def api(app):  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def events(session) -> int:  # type: ignore[no-untyped-def]
    return int((await session.exec(select(func.count()).select_from(UnitCreditEvent))).one())


CASES: dict[str, tuple[dict[str, Any], Outcome]] = {
    "an event with its basis and evidence": ({}, ACCEPTED),
    "no basis, evidence too long": (
        {"basis": " ", "evidence": "证" * 501},
        refused(("basis", "required"), ("evidence", "too_long")),
    ),
    "a kind only the records give": ({"kind": "penalty_decided"}, refused(("kind", "choice"))),
    "a unit that does not exist": ({"credit_code": "=1+1"}, refused((None, "not_found"))),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_an_event_is_recorded_alike_through_both_faces(client, api, session, case):  # type: ignore[no-untyped-def]
    changes, expected = CASES[case]
    legal = await make_user(session, Role.LEGAL)
    await log_in(client, legal.username)
    token = await bearer_token(session, legal)
    outcomes = []
    before = await events(session)
    for face in ("portal", "graphql"):
        unit = await make_enterprise(session)
        values = {
            "credit_code": unit.credit_code,
            "kind": "violation",
            "basis": "《条例》第三十四条",
            "evidence": f"普环信-{face}",
        }
        values.update(changes)
        if face == "portal":
            form = {k: v for k, v in values.items() if k != "credit_code"}
            form["csrf_token"] = await csrf_token(client, "/credit")
            code = values["credit_code"] if values["credit_code"].isalnum() else "x"
            outcomes.append(portal_outcome(await client.post(f"/credit/{code}/events", data=form)))
        else:
            variables = {
                "c": values["credit_code"],
                "k": values["kind"].upper(),
                "b": values["basis"],
                "e": values["evidence"],
            }
            payload = await graphql_data(api, RECORD, variables, token=token)
            outcomes.append(graphql_outcome(payload["recordUnitCreditEvent"], rename={"creditCode": None}))
    portal, graphql = outcomes
    assert portal == graphql == expected, f"portal {portal}, GraphQL {graphql}"
    assert await events(session) - before == (2 if expected.accepted else 0)


async def test_voiding_is_refused_alike_and_keeps_the_event(client, api, session):  # type: ignore[no-untyped-def]
    legal = await make_user(session, Role.LEGAL)
    unit = await make_enterprise(session)
    first = await service.record_credit_event(
        session,
        actor(legal),
        credit_code=unit.credit_code,
        kind="serious_violation",
        basis="依据",
        evidence="文书A",
    )
    second = await service.record_credit_event(
        session, actor(legal), credit_code=unit.credit_code, kind="violation", basis="依据", evidence="文书B"
    )
    await log_in(client, legal.username)
    token = await bearer_token(session, legal)
    token_csrf = await csrf_token(client, "/credit")
    path = f"/credit/{unit.credit_code}/events"
    portal = portal_outcome(
        await client.post(f"{path}/{first.id}/void", data={"reason": " ", "csrf_token": token_csrf})
    )
    payload = await graphql_data(api, VOID, {"id": str(first.id), "r": " "}, token=token)
    assert portal == graphql_outcome(payload["voidUnitCreditEvent"]) == refused(("reason", "required"))
    portal = portal_outcome(
        await client.post(f"{path}/{2**31}/void", data={"reason": "错", "csrf_token": token_csrf})
    )
    payload = await graphql_data(api, VOID, {"id": str(2**31), "r": "错"}, token=token)
    assert (
        portal
        == graphql_outcome(payload["voidUnitCreditEvent"], rename={"id": None})
        == refused((None, "not_found"))
    )

    assert portal_outcome(
        await client.post(f"{path}/{first.id}/void", data={"reason": "复议撤销", "csrf_token": token_csrf})
    ).accepted
    payload = await graphql_data(api, VOID, {"id": str(second.id), "r": "重复记录"}, token=token)
    result = payload["voidUnitCreditEvent"]
    assert result["errors"] == [] and result["credit"] == {"score": 100.0, "level": "HONEST"}
    assert result["event"]["voidReason"] == "重复记录"
    page = await client.get(f"/credit/{unit.credit_code}", headers={"Accept-Language": "zh-CN"})
    assert "复议撤销" in page.text and "重复记录" in page.text and "严重违法" in page.text
    assert page.text.count('class="credit-event voided"') == 2


async def test_the_pages_show_events_with_their_sources_to_the_regulator_the_unit_and_the_public(
    client, api, session
):  # type: ignore[no-untyped-def]
    unit = await make_enterprise(session, name="上海普陀绿源印染有限公司", credit_code=credit_code())
    await make_permit(session, unit)  # its first reports are long overdue
    legal = await make_user(session, Role.LEGAL)
    staff = await make_user(session, Role.ENTERPRISE_STAFF, enterprise=unit)
    await service.refresh_credit(session, actor(legal), credit_code=unit.credit_code)
    await service.record_credit_event(
        session,
        actor(legal),
        credit_code=unit.credit_code,
        kind="commendation",
        basis="市级表彰",
        evidence="沪环〔2026〕9号",
    )
    await session.flush()

    await log_in(client, legal.username)
    listing = await client.get("/credit", headers={"Accept-Language": "zh-CN"})
    assert listing.status_code == 200 and "上海普陀绿源印染有限公司" in listing.text
    page = await client.get(f"/credit/{unit.credit_code}", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200
    assert "执行报告未按期提交" in page.text and f'href="/reports/{unit.credit_code}001P/' in page.text
    assert "report_overdue" not in page.text and "沪环〔2026〕9号" in page.text
    assert 'action="/credit/' in page.text  # the legal section records and voids here

    client.cookies.clear()
    await log_in(client, staff.username)
    own = await client.get("/credit/mine", headers={"Accept-Language": "en"})
    assert own.status_code == 200 and "Execution report not filed by its due date" in own.text
    assert 'action="/credit/' not in own.text
    other = await make_enterprise(session)
    assert (await client.get(f"/credit/{other.credit_code}")).status_code == 403

    client.cookies.clear()
    public = await client.get(f"/public/credit/{unit.credit_code}", headers={"Accept-Language": "zh-CN"})
    assert public.status_code == 200 and "表彰" in public.text
    shown = public.text.split('id="public-events"')[1].split('id="formula"')[0]
    assert "执行报告未按期提交" not in shown  # not a public-safe fact; the score counts it
    assert (await client.get("/public/credit?code=" + other.credit_code)).status_code == 303
    assert (await client.get("/public/credit?code=NOPE")).status_code == 404
    query = (
        "query($c: String!) { publicUnitCredit(creditCode: $c) {"
        " score level events { kind } history { day score } } }"
    )
    data = await graphql_data(api, query, {"c": unit.credit_code})
    assert [e["kind"] for e in data["publicUnitCredit"]["events"]] == ["COMMENDATION"]
    assert data["publicUnitCredit"]["history"][0]["score"] == 100.0
    # Another unit's credit is null for the unit, as for one that does not exist; the public is refused.
    staff_token = await bearer_token(session, staff)
    for code in (other.credit_code, "=1+1"):
        data = await graphql_data(
            api, "query($c: String!) { unitCredit(creditCode: $c) { score } }", {"c": code}, token=staff_token
        )
        assert data["unitCredit"] is None
    response = await api.post(
        "/graphql",
        json={
            "query": "query($c: String!) { unitCredit(creditCode: $c) { score } }",
            "variables": {"c": unit.credit_code},
        },
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "unauthenticated"


async def test_the_events_connection_pages_by_keyset(api, session):  # type: ignore[no-untyped-def]
    legal = await make_user(session, Role.LEGAL)
    unit = await make_enterprise(session)
    for n in range(3):
        await service.record_credit_event(
            session,
            actor(legal),
            credit_code=unit.credit_code,
            kind="violation",
            basis="依据",
            evidence=f"文书{n}",
        )
    token = await bearer_token(session, legal)
    query = (
        "query($c: String!, $a: String) { unitCredit(creditCode: $c) { score level"
        " events(first: 2, after: $a) { totalCount edges { cursor node { evidence } }"
        " pageInfo { hasNextPage endCursor } } } }"
    )
    first = (await graphql_data(api, query, {"c": unit.credit_code}, token=token))["unitCredit"]
    assert first["score"] == 85.0 and first["level"] == "GOOD"
    assert first["events"]["totalCount"] == 3 and first["events"]["pageInfo"]["hasNextPage"]
    after = first["events"]["pageInfo"]["endCursor"]
    second = (await graphql_data(api, query, {"c": unit.credit_code, "a": after}, token=token))["unitCredit"]
    seen = [e["node"]["evidence"] for e in first["events"]["edges"] + second["events"]["edges"]]
    assert sorted(seen) == ["文书0", "文书1", "文书2"] and not second["events"]["pageInfo"]["hasNextPage"]
