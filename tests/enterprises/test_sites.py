"""Production sites: one legal entity, several permits, one per site (M48 §7), numbered 001, 002 ..."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import select

from domain.access import operator
from domain.audit.models import AuditEntry
from domain.enterprises.models import ProductionSite
from domain.enterprises.queries import list_sites
from domain.enterprises.rules import SiteInput
from domain.enterprises.service import add_site
from domain.errors import Conflict, PermissionDenied, ValidationFailed
from domain.permits.queries.register import permit_detail
from domain.permits.service.applications import ApplicationInput, submit_application
from domain.permits.service.decisions import GrantInput, accept_application, grant_application, issue_permit
from domain.permits.service.imports import ImportFailed, import_permits
from tests.factories import actor, make_enterprise, make_permit, make_user, permit_content, permit_record
from tests.graphql_helpers import bearer_token, graphql_data
from tests.portal_helpers import log_in, post_form

SECOND = SiteInput(
    name="申普热电二厂",
    address="上海市普陀区祁连山南路2891号",
    region_code="310107",
    industry_code="4412",
    longitude=121.372,
    latitude=31.262,
)


async def officer(session, region="310107"):
    return actor(await make_user(session, "permitting", region_code=region))


async def first_permit(session, enterprise, regulator, *, site: str = "", number: str = ""):
    application = await submit_application(
        session,
        regulator,
        data=ApplicationInput(
            kind="first",
            enterprise_credit_code=enterprise.credit_code,
            site=site,
            category="key",
            issuing_authority="上海市普陀区生态环境局",
            content=permit_content(),
        ),
    )
    await accept_application(session, regulator, application_id=application.id)
    await grant_application(session, regulator, application_id=application.id, data=GrantInput(number=number))
    return await issue_permit(session, regulator, application_id=application.id)


async def test_a_registered_unit_has_its_site_001_at_its_operating_address(session):
    enterprise = await make_enterprise(session, operating_address="上海市普陀区中山北路100号")
    sites = await list_sites(session, operator(), credit_code=enterprise.credit_code)
    assert [(s.code, s.address, s.region_code) for s in sites] == [
        ("001", "上海市普陀区中山北路100号", "310107")
    ]


async def test_a_second_site_of_the_same_entity_gets_its_own_permit_numbered_002(session):
    enterprise = await make_enterprise(session)
    regulator = await officer(session)
    first = await first_permit(session, enterprise, regulator)
    site = await add_site(session, regulator, credit_code=enterprise.credit_code, data=SECOND)
    assert site.code == "002" and (site.longitude, site.latitude) == (121.372, 31.262)

    second = await first_permit(session, enterprise, regulator, site="002")

    assert first.number == enterprise.credit_code + "001P"
    assert second.number == enterprise.credit_code + "002P"
    assert second.site_id == site.id and second.industry_code == "4412"
    detail = await permit_detail(session, regulator, number=second.number)
    assert detail.version.basic_info["operating_address"] == SECOND.address
    assert detail.version.basic_info["site"] == "002"
    entry = (await session.exec(select(AuditEntry).where(AuditEntry.action == "site.add"))).one()
    assert entry.object_id == f"{enterprise.credit_code}-002" and entry.actor_username == regulator.username


async def test_one_site_holds_one_permit_while_another_site_may_apply(session):
    enterprise = await make_enterprise(session)
    regulator = await officer(session)
    await first_permit(session, enterprise, regulator)
    with pytest.raises(Conflict) as refused:
        await first_permit(session, enterprise, regulator, site="001")
    assert refused.value.field == "site"


async def test_a_unit_with_several_sites_must_say_which_site_applies(session):
    enterprise = await make_enterprise(session)
    regulator = await officer(session)
    await add_site(session, regulator, credit_code=enterprise.credit_code, data=SECOND)
    with pytest.raises(ValidationFailed) as unnamed:
        await first_permit(session, enterprise, regulator)
    with pytest.raises(ValidationFailed) as unknown:
        await first_permit(session, enterprise, regulator, site="003")
    assert [(e.field, e.code) for e in unnamed.value.errors] == [("site", "site_required")]
    assert [(e.field, e.code) for e in unknown.value.errors] == [("site", "site_not_found")]


async def test_a_typed_permit_number_must_carry_the_sites_sequence(session):
    enterprise = await make_enterprise(session)
    regulator = await officer(session)
    await add_site(session, regulator, credit_code=enterprise.credit_code, data=SECOND)
    with pytest.raises(ValidationFailed) as refused:
        await first_permit(session, enterprise, regulator, site="002", number=enterprise.credit_code + "001P")
    assert [(e.field, e.code, e.params) for e in refused.value.errors] == [
        ("number", "permit_number_site", {"site": "002"})
    ]


async def test_an_imported_permit_belongs_to_the_site_its_number_names(session):
    enterprise = await make_enterprise(session)
    with pytest.raises(ImportFailed) as refused:
        await make_permit(session, enterprise, sequence=2)
    assert [(r.field, r.code) for r in refused.value.rows] == [("number", "site_not_found")]
    site = await add_site(session, operator(), credit_code=enterprise.credit_code, data=SECOND)
    permit = await make_permit(session, enterprise, sequence=2)
    assert permit.site_id == site.id and permit.number.endswith("002P")
    # The unit's first site and its second: two permits under one credit code.
    other = await import_permits(
        session, operator(), records=[permit_record(enterprise, decision_date="2025-03-03")]
    )
    assert other[0].site_id != site.id


async def test_a_site_is_checked_field_by_field_and_nothing_is_written(session):
    enterprise = await make_enterprise(session)
    regulator = await officer(session)
    bad = SiteInput(name="", address="x" * 301, region_code="370102", industry_code="44", longitude=121.4)
    with pytest.raises(ValidationFailed) as refused:
        await add_site(session, regulator, credit_code=enterprise.credit_code, data=bad)
    assert {(e.field, e.code) for e in refused.value.errors} == {
        ("name", "required"),
        ("address", "too_long"),
        ("industry_code", "industry_code_format"),
        ("latitude", "coordinate_pair"),
    }
    with pytest.raises(ValidationFailed) as outside:
        await add_site(
            session,
            regulator,
            credit_code=enterprise.credit_code,
            data=SiteInput(**{**SECOND.as_dict(), "region_code": "370102"}),
        )
    assert [(e.field, e.code) for e in outside.value.errors] == [("region_code", "outside_jurisdiction")]
    with pytest.raises(ValidationFailed) as far:
        await add_site(
            session,
            regulator,
            credit_code=enterprise.credit_code,
            data=SiteInput(**{**SECOND.as_dict(), "latitude": -31.2}),
        )
    assert [(e.field, e.code) for e in far.value.errors] == [("latitude", "coordinate_range")]
    count = (
        await session.exec(
            select(sa.func.count())
            .select_from(ProductionSite)
            .where(ProductionSite.enterprise_id == enterprise.id)
        )
    ).one()
    assert count == 1


async def test_only_the_permitting_section_adds_sites(session):
    enterprise = await make_enterprise(session)
    staff = actor(await make_user(session, "enterprise_admin", enterprise=enterprise))
    with pytest.raises(PermissionDenied):
        await add_site(session, staff, credit_code=enterprise.credit_code, data=SECOND)


async def test_the_enterprise_page_lists_its_sites_and_adds_one(client, session):
    enterprise = await make_enterprise(session)
    user = await make_user(session, "permitting", region_code="310107")
    await log_in(client, user.username)
    page = f"/enterprises/{enterprise.credit_code}"
    wrong = await post_form(client, f"{page}/sites", {**SECOND.as_dict(), "latitude": ""}, page=page)
    assert wrong.status_code == 400 and "请同时填写经度和纬度" in wrong.text
    response = await post_form(client, f"{page}/sites", SECOND.as_dict(), page=page)
    assert response.status_code == 303
    shown = await client.get(response.headers["location"])
    assert (
        "场所 002 已添加" in shown.text and SECOND.address in shown.text and "<code>002</code>" in shown.text
    )


SITES = """
query($code: String!) {
  enterprise(creditCode: $code) { ... on Enterprise { sites { sequence name address regionName longitude } } }
}"""
ADD_SITE = """
mutation($code: String!, $input: SiteInput!) {
  addSite(creditCode: $code, input: $input) { site { sequence address } errors { field code message } }
}"""


async def test_graphql_adds_a_site_and_lists_the_sites(client, session):
    enterprise = await make_enterprise(session)
    token = await bearer_token(session, await make_user(session, "permitting", region_code="310107"))
    wrong = await graphql_data(
        client,
        ADD_SITE,
        {
            "code": enterprise.credit_code,
            "input": {"name": "二厂", "address": "", "regionCode": "310107", "industryCode": "4412"},
        },
        token=token,
    )
    assert [(e["field"], e["code"]) for e in wrong["addSite"]["errors"]] == [("address", "required")]
    added = await graphql_data(
        client,
        ADD_SITE,
        {
            "code": enterprise.credit_code,
            "input": {
                "name": "二厂",
                "address": SECOND.address,
                "regionCode": "310107",
                "industryCode": "4412",
                "longitude": 121.37,
                "latitude": 31.26,
            },
        },
        token=token,
    )
    assert added["addSite"] == {"site": {"sequence": "002", "address": SECOND.address}, "errors": []}
    listed = await graphql_data(client, SITES, {"code": enterprise.credit_code}, token=token)
    assert [s["sequence"] for s in listed["enterprise"]["sites"]] == ["001", "002"]
    assert listed["enterprise"]["sites"][1]["longitude"] == 121.37


async def test_the_sites_of_a_page_of_enterprises_cost_the_same_statements_whatever_its_size(
    client, session, db
):
    from sqlalchemy import event

    token = await bearer_token(session, await make_user(session, "permitting", region_code="310107"))
    for _ in range(5):
        enterprise = await make_enterprise(session)
        await add_site(session, operator(), credit_code=enterprise.credit_code, data=SECOND)
    query = """query($first: Int!) { enterprises(first: $first) { edges { node {
      creditCode sites { sequence address } } } } }"""

    async def statements(first: int) -> int:
        seen: list[str] = []

        def remember(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
            seen.append(statement)

        event.listen(db.engine.sync_engine, "before_cursor_execute", remember)
        try:
            data = await graphql_data(client, query, {"first": first}, token=token)
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", remember)
        assert all(len(edge["node"]["sites"]) >= 1 for edge in data["enterprises"]["edges"])
        return len([s for s in seen if s.lstrip().upper().startswith("SELECT")])

    await statements(1)  # a token's first request does one-off work; compare the ones after it
    assert await statements(2) == await statements(5)
