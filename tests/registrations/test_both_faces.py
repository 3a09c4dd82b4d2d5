"""Discharge registrations through both faces, the forms and the GraphQL mutations: accepted or refused
alike, with the same error codes on the same fields, and the same rows written (issue 14). A change's date
the form cannot read is reported with the form's other problems."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import col, func, select

from domain.access import operator
from domain.clock import today
from domain.registrations import service
from domain.registrations.models import DischargeRegistration, RegistrationRevision
from tests.faces import Outcome, graphql_outcome, portal_outcome
from tests.factories import credit_code, make_user
from tests.graphql_helpers import bearer_token, graphql_data
from tests.portal_helpers import csrf_token, log_in
from tests.registrations.test_registrations import form

ACCEPTED = Outcome(True, frozenset())
PAYLOAD = "registration { number } errors { field code }"
FILE = "mutation($input: RegistrationInput!) { fileRegistration(input: $input) { " + PAYLOAD + " } }"
CHANGE = (
    "mutation($n: String!, $input: RegistrationInput!, $on: Date!) {"
    " changeRegistration(number: $n, input: $input, changedOn: $on) { " + PAYLOAD + " } }"
)
CANCEL = (
    "mutation($n: String!, $r: String!) { cancelRegistration(number: $n, reason: $r) { " + PAYLOAD + " } }"
)
RENEW = "mutation($n: String!) { renewRegistration(number: $n) { " + PAYLOAD + " } }"


def refused(*errors: tuple[str | None, str]) -> Outcome:
    return Outcome(False, frozenset(errors))


@pytest.fixture
async def api(app):  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, client=("203.0.113.8", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return int((await session.exec(select(func.count()).select_from(model))).one())


async def post(client, path: str, data: dict[str, Any], page: str):  # type: ignore[no-untyped-def]
    return await client.post(path, data={**data, "csrf_token": await csrf_token(client, page)})


def values(**changes: Any) -> dict[str, Any]:
    """A registration as a person fills it in: texts, coordinates, outlets as (code, pollutants)."""
    filled: dict[str, Any] = {
        "unit_name": "上海普陀彩印厂",
        "credit_code": credit_code(),
        "legal_representative": "赵敏",
        "site_address": "上海市普陀区同普路300号",
        "region_code": "310107",
        "industry_code": "2319",
        "longitude": None,
        "latitude": None,
        "production_process": "胶印：制版、印刷",
        "outlets": [("DA001", ["VOCs", "颗粒物"])],
        "discharge_destination": "纳入市政污水管网",
        "control_facilities": "活性炭吸附",
        "emission_standards": "DB31/872-2015",
        "contact_person": "孙强",
        "contact_phone": "021-52800000",
    }
    filled.update(changes)
    return filled


def as_form(filled: dict[str, Any]) -> dict[str, str]:
    data = {k: ("" if v is None else str(v)) for k, v in filled.items() if k != "outlets"}
    data["outlets"] = "\n".join(f"{code}: {'、'.join(pollutants)}" for code, pollutants in filled["outlets"])
    return data


def as_input(filled: dict[str, Any]) -> dict[str, Any]:
    camel = {
        "".join(part.capitalize() if i else part for i, part in enumerate(name.split("_"))): value
        for name, value in filled.items()
        if name != "outlets"
    }
    camel["outlets"] = [{"code": code, "pollutants": pollutants} for code, pollutants in filled["outlets"]]
    return camel


FILE_CASES = {
    "required fields left empty and an outlet that is not one": (
        {"production_process": "", "contact_phone": "", "outlets": [("XY1", ["颗粒物"])]},
        refused(
            ("production_process", "required"), ("contact_phone", "required"), ("outlets", "outlet_code")
        ),
    ),
    "a process longer than its column": (
        {"production_process": "印" * 1001},
        refused(("production_process", "too_long")),
    ),
    "a latitude outside China": (
        {"longitude": 121.4, "latitude": -31.2},
        refused(("latitude", "coordinate_range")),
    ),
    "an outlet code in lower case, its pollutants with spaces": (
        {"outlets": [("da001", [" VOCs "])]},
        ACCEPTED,
    ),
    "a proper registration": ({}, ACCEPTED),
}


@pytest.mark.parametrize("case", list(FILE_CASES))
async def test_filing_a_registration_is_decided_alike_through_both_faces(client, api, session, case):  # type: ignore[no-untyped-def]
    changes, expected = FILE_CASES[case]
    officer = await make_user(session, "permitting", region_code="310107")
    await log_in(client, officer.username)
    before = await count(session, DischargeRegistration)
    portal = portal_outcome(
        await post(client, "/registrations/new", as_form(values(**changes)), "/registrations/new")
    )
    payload = await graphql_data(
        api, FILE, {"input": as_input(values(**changes))}, token=await bearer_token(session, officer)
    )
    graphql = graphql_outcome(payload["fileRegistration"])
    assert portal == graphql == expected, f"portal {portal}, GraphQL {graphql}"
    assert await count(session, DischargeRegistration) - before == (2 if expected.accepted else 0)
    if expected.accepted:
        newest = select(DischargeRegistration.outlets).order_by(col(DischargeRegistration.id).desc()).limit(2)
        outlets = (await session.exec(newest)).all()
        assert outlets[0] == outlets[1] and outlets[0][0]["code"] == "DA001"


async def two_registrations(session):  # type: ignore[no-untyped-def]
    return [await service.file_registration(session, operator(), data=form()) for _ in range(2)]


CHANGE_CASES = {
    "no date of the change": ({}, None, refused(("changed_on", "required"))),
    "a change dated tomorrow": ({}, 1, refused(("changed_on", "future"))),
    "a site moved to another region": (
        {"region_code": "310106"},
        0,
        refused(("region_code", "site_region_fixed")),
    ),
    "nothing changed": ({}, 0, refused((None, "unchanged"))),
    "a new process": ({"production_process": "胶印、数码印刷"}, -3, ACCEPTED),
}


@pytest.mark.parametrize("case", list(CHANGE_CASES))
async def test_changing_a_registration_is_decided_alike_through_both_faces(client, api, session, case):  # type: ignore[no-untyped-def]
    changes, days, expected = CHANGE_CASES[case]
    found = await two_registrations(session)
    officer = await make_user(session, "permitting", region_code="310107")
    await log_in(client, officer.username)

    def changed(record) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        snapshot = record.snapshot()
        filled = values(
            unit_name=record.enterprise.name,
            credit_code=record.enterprise.credit_code,
            legal_representative=record.enterprise.legal_representative,
            site_address=snapshot["site_address"],
            industry_code=snapshot["industry_code"],
            outlets=[(o["code"], o["pollutants"]) for o in snapshot["outlets"]],
            **{
                name: snapshot[name]
                for name in (
                    "production_process",
                    "discharge_destination",
                    "control_facilities",
                    "emission_standards",
                    "contact_person",
                    "contact_phone",
                )
            },
        )
        filled.update(changes)
        return filled

    on = "" if days is None else (today() + timedelta(days=days)).isoformat()
    before = await count(session, RegistrationRevision)
    number = found[0].registration.number
    page = f"/registrations/{number}/change"
    portal = portal_outcome(await post(client, page, {**as_form(changed(found[0])), "changed_on": on}, page))
    if days is None:  # the API's date is required by its type: leaving it out is a GraphQL error, not ours
        graphql = portal
    else:
        payload = await graphql_data(
            api,
            CHANGE,
            {"n": found[1].registration.number, "input": as_input(changed(found[1])), "on": on},
            token=await bearer_token(session, officer),
        )
        graphql = graphql_outcome(payload["changeRegistration"])
    assert portal == graphql == expected, f"portal {portal}, GraphQL {graphql}"
    assert await count(session, RegistrationRevision) - before == (2 if expected.accepted else 0)


async def test_a_change_date_the_form_cannot_read_is_shown_with_the_other_problems(client, session):  # type: ignore[no-untyped-def]
    (found, _other) = await two_registrations(session)
    officer = await make_user(session, "permitting", region_code="310107")
    await log_in(client, officer.username)
    page = f"/registrations/{found.registration.number}/change"
    filled = as_form(values(credit_code=found.enterprise.credit_code, unit_name=found.enterprise.name))
    outcome = portal_outcome(
        await post(
            client, page, {**filled, "contact_phone": "", "longitude": "东经", "changed_on": "3/4/2026"}, page
        )
    )
    assert outcome == refused(("changed_on", "date"), ("contact_phone", "required"), ("longitude", "number"))


CANCEL_CASES = {
    "no reason": ("own", "", refused(("reason", "required"))),
    "a reason longer than its column": ("own", "停" * 501, refused(("reason", "too_long"))),
    "a unit of another jurisdiction": ("other", "停产", refused((None, "not_found"))),
    "a reason": ("own", "已停产关闭", ACCEPTED),
}


@pytest.mark.parametrize("case", list(CANCEL_CASES))
async def test_cancelling_a_registration_is_decided_alike_through_both_faces(client, api, session, case):  # type: ignore[no-untyped-def]
    whose, reason, expected = CANCEL_CASES[case]
    found = await two_registrations(session)
    officer = await make_user(session, "permitting", region_code="310107" if whose == "own" else "370102")
    await log_in(client, officer.username)
    number = found[0].registration.number
    portal = portal_outcome(await post(client, f"/registrations/{number}/cancel", {"reason": reason}, "/"))
    payload = await graphql_data(
        api,
        CANCEL,
        {"n": found[1].registration.number, "r": reason},
        token=await bearer_token(session, officer),
    )
    graphql = graphql_outcome(
        payload["cancelRegistration"], rename={"number": None} if whose == "other" else None
    )
    assert portal == graphql == expected, f"portal {portal}, GraphQL {graphql}"
    for record in found:
        await session.refresh(record.registration)
    assert [r.registration.status for r in found] == ["cancelled" if expected.accepted else "registered"] * 2


async def test_renewing_too_early_is_refused_alike_through_both_faces(client, api, session):  # type: ignore[no-untyped-def]
    found = await two_registrations(session)
    officer = await make_user(session, "permitting", region_code="310107")
    await log_in(client, officer.username)
    portal = portal_outcome(
        await post(client, f"/registrations/{found[0].registration.number}/renew", {}, "/")
    )
    payload = await graphql_data(
        api, RENEW, {"n": found[1].registration.number}, token=await bearer_token(session, officer)
    )
    graphql = graphql_outcome(payload["renewRegistration"])
    assert portal == graphql == refused(("number", "renewal_not_open"))
