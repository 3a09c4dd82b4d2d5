"""Regulators register, search and edit enterprises in the portal; enterprises see their own."""

from sqlmodel import func, select

from domain.audit.models import AuditEntry
from domain.enterprises.models import Enterprise, EnterpriseRevision
from tests.factories import credit_code, make_enterprise, make_user
from tests.portal_helpers import csrf_token, log_in, post_form

VALID = {
    "name": "上海申普热电有限公司",
    "legal_representative": "陈建国",
    "industry_code": "4411",
    "region_code": "310107",
    "management_category": "key",
    "registered_address": "上海市普陀区武宁路1888号",
    "operating_address": "",
    "technical_lead": "刘洋",
    "contact_phone": "021-62008800",
}


async def count(session, model) -> int:
    return (await session.exec(select(func.count()).select_from(model))).one()


async def test_a_permitting_officer_registers_an_enterprise_and_its_first_version_is_kept(client, session):
    officer = await make_user(session, "permitting", region_code="310107")
    await log_in(client, officer.username)
    code = credit_code()
    response = await post_form(
        client, "/enterprises/new", {**VALID, "credit_code": code}, page="/enterprises/new"
    )
    assert response.status_code == 303 and response.headers["location"] == f"/enterprises/{code}?saved=1"
    page = await client.get(response.headers["location"])
    assert "上海申普热电有限公司" in page.text and "已保存为第 1 版" in page.text
    enterprise = (await session.exec(select(Enterprise).where(Enterprise.credit_code == code))).one()
    assert enterprise.operating_address == VALID["registered_address"]
    entry = (await session.exec(select(AuditEntry).where(AuditEntry.action == "enterprise.register"))).one()
    assert entry.actor_username == officer.username and entry.channel == "portal"
    assert entry.occurred_at.tzinfo is not None


async def test_a_bad_credit_code_is_shown_next_to_the_field_and_the_input_is_kept(client, session):
    officer = await make_user(session, "permitting")
    await log_in(client, officer.username)
    before = await count(session, Enterprise)
    response = await post_form(
        client, "/enterprises/new", {**VALID, "credit_code": "91350100M000100Y44"}, page="/enterprises/new"
    )
    assert response.status_code == 400
    assert "校验位" in response.text and "应为“3”" in response.text
    assert 'value="上海申普热电有限公司"' in response.text  # nothing the user typed is lost
    assert await count(session, Enterprise) == before


async def test_inline_validation_returns_only_the_changed_fields_error(client, session):
    officer = await make_user(session, "permitting")
    await log_in(client, officer.username)
    token = await csrf_token(client, "/enterprises/new")
    response = await client.post(
        "/enterprises/validate",
        data={**VALID, "credit_code": "91350100I000100Y43"},
        headers={"HX-Request": "true", "HX-Trigger-Name": "credit_code", "X-CSRF-Token": token},
    )
    assert response.status_code == 200
    assert 'id="errors-credit_code"' in response.text and "第 9 位" in response.text
    assert "<html" not in response.text
    fine = await client.post(
        "/enterprises/validate",
        data={**VALID, "credit_code": credit_code()},
        headers={"HX-Request": "true", "HX-Trigger-Name": "credit_code", "X-CSRF-Token": token},
    )
    assert 'class="error"' not in fine.text
    assert await count(session, Enterprise) == 0


async def test_an_ecology_officer_may_read_but_not_register(client, session):
    officer = await make_user(session, "ecology")
    await log_in(client, officer.username)
    assert (await client.get("/enterprises")).status_code == 200
    assert (await client.get("/enterprises/new")).status_code == 403
    response = await post_form(
        client, "/enterprises/new", {**VALID, "credit_code": credit_code()}, page="/enterprises"
    )
    assert response.status_code == 403
    assert await count(session, Enterprise) == 0


async def test_a_regulator_searches_only_within_its_jurisdiction(client, session):
    await make_enterprise(session, name="普陀印染厂", region_code="310107")
    await make_enterprise(session, name="济南印染厂", region_code="370102")
    officer = await make_user(session, "enforcement", region_code="310107")
    await log_in(client, officer.username)
    page = await client.get("/enterprises", params={"q": "印染"})
    assert "普陀印染厂" in page.text and "济南印染厂" not in page.text
    fragment = await client.get("/enterprises", params={"q": "印染"}, headers={"HX-Request": "true"})
    assert 'id="results"' in fragment.text and "<html" not in fragment.text


async def test_a_foreign_enterprise_is_not_found_for_a_regulator_elsewhere(client, session):
    foreign = await make_enterprise(session, region_code="370102")
    officer = await make_user(session, "permitting", region_code="310107")
    await log_in(client, officer.username)
    assert (await client.get(f"/enterprises/{foreign.credit_code}")).status_code == 404


async def test_editing_keeps_the_previous_version_readable(client, session):
    enterprise = await make_enterprise(session, name="旧名称有限公司")
    officer = await make_user(session, "permitting", region_code="310107")
    await log_in(client, officer.username)
    form = {**VALID, "name": "新名称有限公司", "credit_code": enterprise.credit_code, "version": "1"}
    response = await post_form(
        client,
        f"/enterprises/{enterprise.credit_code}/edit",
        form,
        page=f"/enterprises/{enterprise.credit_code}/edit",
    )
    assert response.status_code == 303
    page = await client.get(f"/enterprises/{enterprise.credit_code}")
    assert "新名称有限公司" in page.text and "旧名称有限公司" in page.text  # history shows the old value
    revisions = (
        await session.exec(
            select(EnterpriseRevision)
            .where(EnterpriseRevision.enterprise_id == enterprise.id)
            .order_by(EnterpriseRevision.version)
        )
    ).all()
    assert [r.data["name"] for r in revisions] == ["旧名称有限公司", "新名称有限公司"]
    assert revisions[1].changed_by_username == officer.username


async def test_a_stale_edit_is_refused_instead_of_overwriting(client, session):
    enterprise = await make_enterprise(session)
    officer = await make_user(session, "permitting", region_code="310107")
    await log_in(client, officer.username)
    form = {**VALID, "credit_code": enterprise.credit_code, "version": "1"}
    first = await post_form(
        client,
        f"/enterprises/{enterprise.credit_code}/edit",
        form,
        page=f"/enterprises/{enterprise.credit_code}/edit",
    )
    assert first.status_code == 303
    stale = await post_form(
        client,
        f"/enterprises/{enterprise.credit_code}/edit",
        {**form, "name": "另一个名字有限公司"},
        page=f"/enterprises/{enterprise.credit_code}/edit",
    )
    assert stale.status_code == 409 and "其他人" in stale.text


async def test_enterprise_staff_see_their_own_profile_and_nothing_else(client, session):
    own = await make_enterprise(session, name="自家企业有限公司")
    other = await make_enterprise(session, name="别家企业有限公司")
    staff = await make_user(session, "enterprise_staff", enterprise=own)
    await log_in(client, staff.username)
    mine = await client.get("/my-enterprise")
    assert mine.headers["location"] == f"/enterprises/{own.credit_code}"
    assert "自家企业有限公司" in (await client.get(mine.headers["location"])).text
    assert (await client.get(f"/enterprises/{other.credit_code}")).status_code == 404
    assert (await client.get("/enterprises")).status_code == 403
    assert (await client.get(f"/enterprises/{own.credit_code}/edit")).status_code == 403
