"""The enterprise register through both faces, the regulators' forms and the GraphQL mutations: accepted or
refused alike, with the same error codes on the same fields, and the same rows written (issue 14). A unit's
record reports every problem at once, the jurisdiction and a registered credit code with its fields."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import func, select

from domain.enterprises.models import Enterprise, EnterpriseRevision, ProductionSite
from tests.faces import Outcome, graphql_outcome, portal_outcome
from tests.factories import credit_code, make_enterprise, make_user
from tests.graphql_helpers import bearer_token, graphql_data
from tests.portal_helpers import csrf_token, log_in

REGISTER = """
mutation($input: EnterpriseInput!) {
  registerEnterprise(input: $input) { enterprise { version } errors { field code } }
}"""
UPDATE = """
mutation($code: String!, $input: EnterpriseInput!, $expected: Int) {
  updateEnterprise(creditCode: $code, input: $input, expectedVersion: $expected) {
    enterprise { version } errors { field code }
  }
}"""
ADD_SITE = """
mutation($code: String!, $input: SiteInput!) {
  addSite(creditCode: $code, input: $input) { site { sequence } errors { field code } }
}"""
ACCEPTED = Outcome(True, frozenset())
FIELDS = {
    "name": "name",
    "credit_code": "creditCode",
    "registered_address": "registeredAddress",
    "legal_representative": "legalRepresentative",
    "industry_code": "industryCode",
    "region_code": "regionCode",
    "contact_phone": "contactPhone",
}


def refused(*errors: tuple[str | None, str]) -> Outcome:
    return Outcome(False, frozenset(errors))


@pytest.fixture
async def api(app):  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, client=("203.0.113.8", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return int((await session.exec(select(func.count()).select_from(model))).one())


def record(**changes: str) -> dict[str, str]:
    values = {
        "name": "普陀热电有限公司",
        "credit_code": credit_code(),
        "registered_address": "上海市普陀区真北路1号",
        "legal_representative": "王伟",
        "industry_code": "4411",
        "region_code": "310107",
        "contact_phone": "021-62000000",
    }
    values.update(changes)
    return values


def as_form(values: dict[str, str]) -> dict[str, str]:
    return {**values, "management_category": "key"}


def as_input(values: dict[str, str]) -> dict[str, Any]:
    return {FIELDS[name]: value for name, value in values.items()} | {"managementCategory": "KEY"}


async def post(client, path: str, data: dict[str, Any], page: str):  # type: ignore[no-untyped-def]
    return await client.post(path, data={**data, "csrf_token": await csrf_token(client, page)})


REGISTER_CASES = {
    "fields that will not do": (
        {"name": "", "credit_code": "91310107MA1G00001X", "industry_code": "44"},
        refused(
            ("name", "required"),
            ("credit_code", "credit_code_check"),
            ("industry_code", "industry_code_format"),
        ),
    ),
    "a name longer than its column": ({"name": "厂" * 201}, refused(("name", "too_long"))),
    "a region outside the jurisdiction with a bad phone, at once": (
        {"region_code": "370102", "contact_phone": "x"},
        refused(("region_code", "outside_jurisdiction"), ("contact_phone", "phone_format")),
    ),
    "a credit code already registered": (
        {"credit_code": "registered"},
        refused(("credit_code", "duplicate")),
    ),
    "a proper record": ({}, ACCEPTED),
}


@pytest.mark.parametrize("case", list(REGISTER_CASES))
async def test_registering_a_unit_is_decided_alike_through_both_faces(client, api, session, case):  # type: ignore[no-untyped-def]
    changes, expected = REGISTER_CASES[case]
    if changes.get("credit_code") == "registered":
        changes = {"credit_code": (await make_enterprise(session)).credit_code}
    regulator = await make_user(session, "permitting", region_code="310107")
    await log_in(client, regulator.username)
    before = await count(session, Enterprise)
    portal = portal_outcome(
        await post(client, "/enterprises/new", as_form(record(**changes)), "/enterprises/new")
    )
    written_by_portal = await count(session, Enterprise) - before
    payload = await graphql_data(
        api, REGISTER, {"input": as_input(record(**changes))}, token=await bearer_token(session, regulator)
    )
    graphql = graphql_outcome(payload["registerEnterprise"])
    assert portal == graphql == expected, f"portal {portal}, GraphQL {graphql}"
    assert written_by_portal == (1 if expected.accepted else 0)
    assert await count(session, Enterprise) - before == (2 if expected.accepted else 0)


UPDATE_CASES = {
    "a new credit code": ({"credit_code": "new"}, None, refused(("credit_code", "immutable"))),
    "a move out of the jurisdiction": (
        {"region_code": "370102"},
        None,
        refused(("region_code", "outside_jurisdiction")),
    ),
    "a version someone else changed meanwhile": (
        {"name": "普陀热电二厂"},
        0,
        refused(("version", "conflict")),
    ),
    "a new name": ({"name": "普陀热电二厂"}, 1, ACCEPTED),
}


@pytest.mark.parametrize("case", list(UPDATE_CASES))
async def test_editing_a_unit_is_decided_alike_through_both_faces(client, api, session, case):  # type: ignore[no-untyped-def]
    changes, version, expected = UPDATE_CASES[case]
    units = [await make_enterprise(session) for _ in range(2)]
    regulator = await make_user(session, "permitting", region_code="310107")
    await log_in(client, regulator.username)

    def edited(unit: Enterprise) -> dict[str, str]:
        values = {name: getattr(unit, name) for name in FIELDS}
        values.update(changes)
        if changes.get("credit_code") == "new":
            values["credit_code"] = credit_code()
        return values

    before = await count(session, EnterpriseRevision)
    page = f"/enterprises/{units[0].credit_code}/edit"
    form = {**as_form(edited(units[0])), "version": "" if version is None else str(version)}
    portal = portal_outcome(await post(client, page, form, page))
    payload = await graphql_data(
        api,
        UPDATE,
        {"code": units[1].credit_code, "input": as_input(edited(units[1])), "expected": version},
        token=await bearer_token(session, regulator),
    )
    graphql = graphql_outcome(payload["updateEnterprise"], rename={"expectedVersion": "version"})
    assert portal == graphql == expected, f"portal {portal}, GraphQL {graphql}"
    assert await count(session, EnterpriseRevision) - before == (2 if expected.accepted else 0)


SITE_CASES = {
    "a latitude outside China": ({"latitude": "-31.2"}, refused(("latitude", "coordinate_range"))),
    "a longitude without its latitude": ({"latitude": ""}, refused(("latitude", "coordinate_pair"))),
    "no address and an industry that is not one": (
        {"address": "", "industry_code": "44"},
        refused(("address", "required"), ("industry_code", "industry_code_format")),
    ),
    "a proper site": ({}, ACCEPTED),
}


@pytest.mark.parametrize("case", list(SITE_CASES))
async def test_adding_a_site_is_decided_alike_through_both_faces(client, api, session, case):  # type: ignore[no-untyped-def]
    changes, expected = SITE_CASES[case]
    units = [await make_enterprise(session) for _ in range(2)]
    regulator = await make_user(session, "permitting", region_code="310107")
    await log_in(client, regulator.username)
    site = {
        "name": "申普热电二厂",
        "address": "上海市普陀区祁连山南路2891号",
        "region_code": "310107",
        "industry_code": "4412",
        "longitude": "121.372",
        "latitude": "31.262",
        **changes,
    }
    before = await count(session, ProductionSite)
    page = f"/enterprises/{units[0].credit_code}"
    portal = portal_outcome(await post(client, f"{page}/sites", site, page))
    variables = {
        "name": site["name"],
        "address": site["address"],
        "regionCode": site["region_code"],
        "industryCode": site["industry_code"],
        "longitude": float(site["longitude"]) if site["longitude"] else None,
        "latitude": float(site["latitude"]) if site["latitude"] else None,
    }
    payload = await graphql_data(
        api,
        ADD_SITE,
        {"code": units[1].credit_code, "input": variables},
        token=await bearer_token(session, regulator),
    )
    graphql = graphql_outcome(payload["addSite"])
    assert portal == graphql == expected, f"portal {portal}, GraphQL {graphql}"
    assert await count(session, ProductionSite) - before == (2 if expected.accepted else 0)


async def test_a_coordinate_the_form_cannot_read_is_shown_with_the_other_problems(client, session):  # type: ignore[no-untyped-def]
    unit = await make_enterprise(session)
    regulator = await make_user(session, "permitting", region_code="310107")
    await log_in(client, regulator.username)
    page = f"/enterprises/{unit.credit_code}"
    site = {
        "name": "二厂",
        "address": "",
        "region_code": "310107",
        "industry_code": "4412",
        "longitude": "东经121",
        "latitude": "31.2",
    }
    outcome = portal_outcome(await post(client, f"{page}/sites", site, page))
    assert outcome == refused(("longitude", "number"), ("address", "required"))
    assert await count(session, ProductionSite) == 1
