"""Registrations in the portal, the API and the public register (search, pages, statistics)."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from domain.access import operator
from domain.disclosure.queries.register import PublicPermitFilter, permit_statistics, search_permits
from domain.registrations import service
from domain.registrations.models import DischargeRegistration
from tests.factories import credit_code, make_enterprise, make_permit, make_user
from tests.graphql_helpers import bearer_token, graphql_data
from tests.portal_helpers import log_in, post_form
from tests.registrations.test_registrations import form

EN = {"Accept-Language": "en"}

FORM = {
    "unit_name": "上海普陀彩印厂",
    "legal_representative": "赵敏",
    "registered_address": "",
    "site": "",
    "site_address": "上海市普陀区同普路300号",
    "region_code": "310107",
    "industry_code": "2319",
    "longitude": "",
    "latitude": "",
    "production_process": "胶印：制版、印刷",
    "outlets": "DA001: VOCs、颗粒物\nDW001：COD，氨氮",
    "discharge_destination": "纳入市政污水管网",
    "control_facilities": "活性炭吸附",
    "emission_standards": "DB31/872-2015",
    "contact_person": "孙强",
    "contact_phone": "021-52800000",
}


async def registrations(session) -> int:
    return (await session.exec(select(func.count()).select_from(DischargeRegistration))).one()


async def test_the_permitting_section_files_a_registration_in_the_portal(client, session):
    officer = await make_user(session, "permitting", region_code="310107")
    await log_in(client, officer.username)
    code = credit_code()
    page = await client.get("/registrations/new")
    assert page.status_code == 200 and "填报排污登记表" in page.text
    before = await registrations(session)
    wrong = await post_form(
        client,
        "/registrations/new",
        {**FORM, "credit_code": code, "outlets": "DA001: VOCs\nXY1: 颗粒物", "contact_phone": ""},
        page="/registrations/new",
    )
    assert wrong.status_code == 400
    assert "第 2 行" in wrong.text and "此项为必填项" in wrong.text
    assert await registrations(session) == before
    response = await post_form(
        client, "/registrations/new", {**FORM, "credit_code": code}, page="/registrations/new"
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/registrations/{code}001W?done=registered"
    shown = await client.get(response.headers["location"])
    assert "孙强" in shown.text and "VOCs、颗粒物" in shown.text and "COD、氨氮" in shown.text
    # Changed 30 days late: taken and flagged.
    change = await post_form(
        client,
        f"/registrations/{code}001W/change",
        {**FORM, "credit_code": code, "control_facilities": "活性炭吸附+UV光解", "changed_on": "2020-01-02"},
        page=f"/registrations/{code}001W/change",
    )
    assert change.status_code == 303
    history = await client.get(f"/registrations/{code}001W")
    assert "逾期填报" in history.text and "已变更" in history.text
    cancel = await post_form(
        client, f"/registrations/{code}001W/cancel", {"reason": ""}, page=f"/registrations/{code}001W"
    )
    assert cancel.status_code == 400


async def test_anyone_reads_the_public_register_without_the_contact(client, session):
    found = await service.file_registration(session, operator(), data=form(unit_name="上海桃浦小五金厂"))
    number = found.registration.number
    listing = await client.get("/public/registrations", params={"q": "桃浦小五金"})
    assert listing.status_code == 200 and number in listing.text and "set-cookie" not in listing.headers
    page = await client.get(f"/public/registrations/{number}")
    assert page.status_code == 200
    assert "活性炭吸附装置" in page.text and "DB31/872-2015" in page.text
    assert "孙强" not in page.text and "021-52800000" not in page.text
    english = await client.get(f"/public/registrations/{number}", headers=EN)
    assert "Registration in force" in english.text and "Discharge destination" in english.text
    assert (await client.get("/public/registrations/91310107MA0000001X001W")).status_code == 404


async def test_the_permit_search_finds_registrations_as_registrations(client, session):
    permitted = await make_enterprise(session, name="上海桃浦许可热电厂")
    permit = await make_permit(session, permitted)
    found = await service.file_registration(session, operator(), data=form(unit_name="上海桃浦登记印刷厂"))
    number = found.registration.number
    both = await client.get("/public/permits", params={"q": "上海桃浦"})
    assert permit.number in both.text and number in both.text
    assert f"/public/registrations/{number}" in both.text and "排污登记" in both.text
    only = await search_permits(
        session, filters=PublicPermitFilter(query="上海桃浦", category="registration")
    )
    assert [(row.number, row.kind, row.status) for row in only.items] == [
        (number, "registration", "registered")
    ]
    in_force = await search_permits(session, filters=PublicPermitFilter(query="上海桃浦", status="issued"))
    assert {row.number for row in in_force.items} == {permit.number, number}
    revoked = await search_permits(session, filters=PublicPermitFilter(query="上海桃浦", status="revoked"))
    assert revoked.total == 0


async def test_statistics_count_the_registrations(client, session):
    before = await permit_statistics(session)
    found = await service.file_registration(session, operator(), data=form())
    await service.file_registration(session, operator(), data=form())
    await service.cancel_registration(session, operator(), number=found.registration.number, reason="关闭")
    after = await permit_statistics(session)
    delta = {k: v - dict(before.registrations).get(k, 0) for k, v in after.registrations}
    assert delta == {"registered": 1, "cancelled": 1}
    assert after.registrations_total - before.registrations_total == 2
    page = await client.get("/public/statistics")
    assert "排污登记" in page.text and f'id="registrations-total">{after.registrations_total}<' in page.text


FILE = """
mutation($input: RegistrationInput!) {
  fileRegistration(input: $input) {
    registration { number status validUntil siteAddress contactPerson outlets { code medium pollutants } }
    errors { field code message }
  }
}"""
PUBLIC = """
query($number: String!) {
  registration(number: $number) { number unitName status dischargeDestination outlets { code } }
  registrations(filter: { query: "图文" }) { totalCount edges { node { number industryName } } }
}"""


def graphql_form(**overrides):
    values = {
        "unitName": "上海普陀图文制作厂",
        "creditCode": credit_code(),
        "legalRepresentative": "赵敏",
        "siteAddress": "上海市普陀区同普路500号",
        "regionCode": "310107",
        "industryCode": "2319",
        "productionProcess": "数码印刷",
        "outlets": [{"code": "DA001", "pollutants": ["VOCs"]}],
        "dischargeDestination": "大气",
        "controlFacilities": "活性炭吸附",
        "emissionStandards": "DB31/872-2015",
        "contactPerson": "孙强",
        "contactPhone": "021-52800000",
    }
    values.update(overrides)
    return values


async def test_graphql_files_a_registration_and_anyone_reads_it(client, session):
    token = await bearer_token(session, await make_user(session, "permitting", region_code="310107"))
    wrong = await graphql_data(
        client, FILE, {"input": graphql_form(outlets=[{"code": "DA1", "pollutants": []}])}, token=token
    )
    assert {(e["field"], e["code"]) for e in wrong["fileRegistration"]["errors"]} == {
        ("outlets", "outlet_code"),
        ("outlets", "pollutants_required"),
    }
    filed = (await graphql_data(client, FILE, {"input": graphql_form()}, token=token))["fileRegistration"]
    assert filed["errors"] == [] and filed["registration"]["status"] == "REGISTERED"
    assert filed["registration"]["outlets"] == [{"code": "DA001", "medium": "air", "pollutants": ["VOCs"]}]
    number = filed["registration"]["number"]
    anonymous = await graphql_data(client, PUBLIC, {"number": number})
    assert anonymous["registration"]["unitName"] == "上海普陀图文制作厂"
    assert anonymous["registrations"]["totalCount"] == 1


async def test_graphql_renewal_is_refused_before_its_window_with_the_reason(client, session):
    token = await bearer_token(session, await make_user(session, "permitting", region_code="310107"))
    filed = (await graphql_data(client, FILE, {"input": graphql_form()}, token=token))["fileRegistration"]
    renew = await graphql_data(
        client,
        "mutation($n: String!) { renewRegistration(number: $n) {"
        " registration { number } errors { field code message } } }",
        {"n": filed["registration"]["number"]},
        token=token,
    )
    assert [(e["field"], e["code"]) for e in renew["renewRegistration"]["errors"]] == [
        ("number", "renewal_not_open")
    ]


@pytest.mark.parametrize("path", ["/registrations/new"])
async def test_the_form_needs_a_login(client, path):
    response = await client.get(path)
    assert response.status_code in (302, 303, 401)


async def test_a_registration_page_is_rebuilt_when_its_units_name_changes(client, session):
    from domain.enterprises.rules import EnterpriseInput
    from domain.enterprises.service import update_enterprise

    found = await service.file_registration(session, operator(), data=form(unit_name="上海旧名印刷厂"))
    path = f"/public/registrations/{found.registration.number}"
    first = await client.get(path)
    etag = first.headers["etag"]
    assert (await client.get(path, headers={"If-None-Match": etag})).status_code == 304
    renamed = EnterpriseInput(**{**found.enterprise.snapshot(), "name": "上海新名印刷厂"})
    await update_enterprise(session, operator(), credit_code=found.enterprise.credit_code, data=renamed)
    await session.flush()
    again = await client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 200 and "上海新名印刷厂" in again.text
