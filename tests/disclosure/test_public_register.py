"""The public register's rows (issue 19): every use case that changes what the public search shows keeps
its row in its own transaction, and the search shows the change at once; a broad search is counted up to
a bound and shown as "more than 10,000"."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa

from demo.examples import example_records
from domain.access import operator
from domain.clock import today
from domain.db import Database
from domain.disclosure.queries import register as public_register
from domain.disclosure.queries.register import PublicPermitFilter, search_permits
from domain.enterprises.models import Enterprise
from domain.enterprises.rules import EnterpriseInput
from domain.enterprises.service import update_enterprise
from domain.history.service import import_history
from domain.permits.service.applications import ApplicationInput, submit_application
from domain.permits.service.cancellation import cancel_permit, revoke_permit
from domain.permits.service.decisions import GrantInput, accept_application, grant_application, issue_permit
from domain.registrations import service as registrations
from tests.conftest import database_kind
from tests.factories import actor, make_enterprise, make_permit, make_user, permit_content
from tests.history.test_history_import import SAMPLE, putuo
from tests.registrations.test_registrations import form

EN = {"Accept-Language": "en"}


def years_ago(years: int, plus_days: int = 0) -> str:
    day = today()
    return (day.replace(year=day.year - years) + timedelta(days=plus_days)).isoformat()


async def regulator(session):
    return actor(await make_user(session, "permitting", region_code="310107"))


async def found(session, query: str, **filters: str) -> dict[str, tuple[str, str, str]]:
    """What the public search shows for a query: number -> (unit name, category, status as shown)."""
    page = await search_permits(session, filters=PublicPermitFilter(query=query, **filters), first=100)
    return {row.number: (row.unit_name, row.category, row.status) for row in page.items}


async def decide(session, officer, application_id: int, number: str | None = None):
    await accept_application(session, officer, application_id=application_id)
    await grant_application(session, officer, application_id=application_id, data=GrantInput(number=number))
    return await issue_permit(session, officer, application_id=application_id)


async def test_a_permit_is_in_the_public_search_once_issued_never_before(session):
    enterprise = await make_enterprise(session, name="上海登记簿首发热电有限公司")
    officer = await regulator(session)
    application = await submit_application(
        session,
        officer,
        data=ApplicationInput(
            kind="first",
            enterprise_credit_code=enterprise.credit_code,
            category="key",
            issuing_authority="上海市普陀区生态环境局",
            content=permit_content(),
        ),
    )
    number = enterprise.credit_code + "001P"
    await accept_application(session, officer, application_id=application.id)
    await grant_application(session, officer, application_id=application.id, data=GrantInput(number=number))
    assert await found(session, "首发热电") == {}  # granted, not yet issued: not public
    await issue_permit(session, officer, application_id=application.id)
    assert await found(session, "首发热电") == {number: ("上海登记簿首发热电有限公司", "key", "issued")}


async def test_a_change_of_category_shows_under_the_new_category(session):
    permit = await make_permit(session, await make_enterprise(session, name="上海登记簿变更化工有限公司"))
    officer = await regulator(session)
    application = await submit_application(
        session,
        officer,
        data=ApplicationInput(
            kind="change_items",
            permit_number=permit.number,
            category="simplified",
            content=permit_content(),
            change_description="产能压减，改为简化管理",
        ),
    )
    assert await found(session, "变更化工", category="simplified") == {}
    await decide(session, officer, application.id)
    assert set(await found(session, "变更化工", category="simplified")) == {permit.number}
    assert await found(session, "变更化工", category="key") == {}


async def test_a_renewal_moves_an_expired_permit_back_to_issued(session):
    permit = await make_permit(
        session,
        await make_enterprise(session, name="上海登记簿延续纸业有限公司"),
        decision_date=years_ago(5, 3),
    )
    officer = await regulator(session)
    assert await found(session, "延续纸业", status="expired") == {}
    application = await submit_application(
        session, officer, data=ApplicationInput(kind="renewal", permit_number=permit.number)
    )
    renewed = await decide(session, officer, application.id)
    page = await search_permits(session, filters=PublicPermitFilter(query="延续纸业", status="issued"))
    assert [(row.number, row.valid_until) for row in page.items] == [(permit.number, renewed.valid_until)]
    assert renewed.valid_until > today().replace(year=today().year + 4)


async def test_a_lapsed_permit_is_found_as_expired_without_any_write(session):
    permit = await make_permit(
        session,
        await make_enterprise(session, name="上海登记簿过期印染有限公司"),
        decision_date=years_ago(5, -3),
    )
    assert await found(session, "过期印染", status="expired") == {
        permit.number: ("上海登记簿过期印染有限公司", "key", "expired")
    }
    assert await found(session, "过期印染", status="issued") == {}


async def test_a_revocation_and_a_cancellation_show_in_the_search(session):
    officer = await regulator(session)
    revoked = await make_permit(session, await make_enterprise(session, name="上海登记簿撤销钢铁有限公司"))
    cancelled = await make_permit(
        session,
        await make_enterprise(session, name="上海登记簿注销钢铁有限公司"),
        decision_date=years_ago(5, -3),
    )
    await revoke_permit(session, officer, number=revoked.number, reason="以欺骗手段取得许可")
    await cancel_permit(session, officer, number=cancelled.number, reason="expired_not_renewed")
    assert await found(session, "钢铁有限公司", status="revoked") == {
        revoked.number: ("上海登记簿撤销钢铁有限公司", "key", "revoked")
    }
    assert await found(session, "钢铁有限公司", status="cancelled") == {
        cancelled.number: ("上海登记簿注销钢铁有限公司", "key", "cancelled")
    }
    assert await found(session, "钢铁有限公司", status="issued") == {}


async def test_a_registration_is_found_when_filed_and_follows_its_change_renewal_and_cancellation(session):
    officer = await regulator(session)
    filed = await registrations.file_registration(session, officer, data=form(unit_name="上海登记簿印刷厂"))
    number = filed.registration.number
    assert await found(session, "登记簿印刷") == {number: ("上海登记簿印刷厂", "registration", "registered")}
    await registrations.change_registration(
        session, officer, number=number, data=form(industry_code="2320"), changed_on=today()
    )
    page = await search_permits(session, filters=PublicPermitFilter(query="登记簿印刷", industry_code="2320"))
    assert [row.number for row in page.items] == [number]
    filed.registration.valid_until = today() + timedelta(days=30)  # within its renewal window
    session.add(filed.registration)
    renewed = await registrations.renew_registration(session, officer, number=number)
    page = await search_permits(session, filters=PublicPermitFilter(query="登记簿印刷"))
    assert [row.valid_until for row in page.items] == [renewed.registration.valid_until]
    await registrations.cancel_registration(session, officer, number=number, reason="企业关闭")
    assert await found(session, "登记簿印刷", status="cancelled") == {
        number: ("上海登记簿印刷厂", "registration", "cancelled")
    }


async def test_a_units_new_name_is_searched_and_sorted_by(session):
    permit = await make_permit(session, await make_enterprise(session, name="上海登记簿旧名电镀有限公司"))
    filed = await registrations.file_registration(
        session, operator(), data=form(unit_name="上海登记簿旧名电镀有限公司", credit_code=permit.number[:18])
    )
    enterprise = await session.get(Enterprise, permit.enterprise_id)
    assert enterprise is not None and filed.enterprise.id == enterprise.id
    renamed = EnterpriseInput(**{**enterprise.snapshot(), "name": "上海登记簿新名电镀有限公司"})
    await update_enterprise(session, operator(), credit_code=enterprise.credit_code, data=renamed)
    assert await found(session, "旧名电镀") == {}
    assert {name for name, _category, _status in (await found(session, "新名电镀")).values()} == {
        "上海登记簿新名电镀有限公司"
    }
    assert len(await found(session, "新名电镀")) == 2


async def test_a_history_import_lists_the_permits_it_creates(session):
    officer = await putuo(session)
    numbers = {record["number"] for record in example_records()}
    for number in numbers:
        assert await found(session, number) == {}
    await import_history(session, officer, file_name=SAMPLE.name, data=SAMPLE.read_bytes())
    for number in numbers:
        assert set(await found(session, number)) == {number}


async def test_the_rows_are_what_the_permits_and_registrations_say(session):
    """After every kind of write above, the register holds exactly the disclosed permits and the
    registrations with their units' names: what the migration computes from scratch."""
    officer = await regulator(session)
    kept = await make_permit(session, await make_enterprise(session, name="上海登记簿对账甲公司"))
    await revoke_permit(session, officer, number=kept.number, reason="以欺骗手段取得许可")
    filed = await registrations.file_registration(session, officer, data=form(unit_name="上海登记簿对账乙厂"))
    await registrations.cancel_registration(session, officer, number=filed.registration.number, reason="关闭")
    await session.flush()
    connection = await session.connection()
    stored = set(
        (
            await connection.execute(
                sa.text(
                    "SELECT kind, number, unit_name, credit_code, region_code, industry_code, category,"
                    " status, valid_from, valid_until FROM public_register_entry"
                )
            )
        ).all()
    )
    expected = set(
        (
            await connection.execute(
                sa.text(
                    "SELECT 'permit', p.number, e.name, e.credit_code, p.region_code, p.industry_code,"
                    " p.category, p.status, p.valid_from, p.valid_until"
                    " FROM permit p JOIN enterprise e ON e.id = p.enterprise_id"
                    " WHERE p.number IS NOT NULL AND p.content_version >= 1"
                    " UNION ALL SELECT 'registration', r.number, e.name, e.credit_code, r.region_code,"
                    " r.industry_code, 'registration', r.status, r.valid_from, r.valid_until"
                    " FROM discharge_registration r JOIN enterprise e ON e.id = r.enterprise_id"
                )
            )
        ).all()
    )
    assert stored == expected and len(stored) >= 2


async def test_a_broad_search_is_counted_up_to_a_bound_and_paged_on(client, session, monkeypatch):
    for index in range(4):
        await make_permit(session, await make_enterprise(session, name=f"上海登记簿计数{index}号有限公司"))
    await session.flush()
    monkeypatch.setattr(public_register, "COUNT_BOUND", 2)
    page = await search_permits(session, filters=PublicPermitFilter(query="登记簿计数"), first=1)
    assert (
        page.total == 3
        and page.has_next
        and [row.unit_name for row in page.items] == ["上海登记簿计数0号有限公司"]
    )
    last = await search_permits(session, filters=PublicPermitFilter(query="登记簿计数"), first=1, offset=3)
    assert [row.unit_name for row in last.items] == ["上海登记簿计数3号有限公司"] and not last.has_next
    monkeypatch.setattr("portal.public.COUNT_BOUND", 2)
    response = await client.get("/public/permits", params={"q": "登记簿计数"}, headers=EN)
    assert "More than 2 permits and registrations found" in response.text
    chinese = await client.get("/public/permits", params={"q": "登记簿计数"})
    assert "超过 2 " in chinese.text
    monkeypatch.setattr(public_register, "COUNT_BOUND", 10_000)
    monkeypatch.setattr("portal.public.COUNT_BOUND", 10_000)
    exact = await client.get("/public/permits", params={"q": "登记簿计数"}, headers=EN)
    assert "4 permits and registrations found" in exact.text


@pytest.mark.skipif(database_kind() != "postgresql", reason="two writers at once: PostgreSQL's locks")
async def test_a_units_rename_racing_a_decision_on_its_permit_leaves_the_new_name(fresh_database_url):
    """The decision's transaction rewrites the permit's row with the unit's name, the rename renames the
    unit's rows: whichever commits first, the register ends with the new name (the keeper's share lock on
    the unit; without it the rename missed the row the decision had written and not yet committed)."""
    database = Database(fresh_database_url)
    try:
        async with database.transaction() as session:
            enterprise = await make_enterprise(session, name="上海登记簿竞态旧名有限公司")
            permit = await make_permit(session, enterprise)
            officer = actor(await make_user(session, "permitting", region_code="310107"))
            number, credit, snapshot = permit.number, enterprise.credit_code, enterprise.snapshot()
        decided, release = asyncio.Event(), asyncio.Event()

        async def decide() -> None:
            async with database.transaction() as session:
                await revoke_permit(session, officer, number=number, reason="以欺骗手段取得许可")
                decided.set()
                await release.wait()

        async def rename() -> None:
            await decided.wait()
            async with database.transaction() as session:
                renamed = EnterpriseInput(**{**snapshot, "name": "上海登记簿竞态新名有限公司"})
                await update_enterprise(session, operator(), credit_code=credit, data=renamed)

        deciding, renaming = asyncio.create_task(decide()), asyncio.create_task(rename())
        await decided.wait()
        await asyncio.sleep(0.5)  # the rename reaches the decision's locks
        release.set()
        await asyncio.gather(deciding, renaming)
        async with database.transaction() as session:
            page = await search_permits(session, filters=PublicPermitFilter(query=number))
        assert [(row.unit_name, row.status) for row in page.items] == [
            ("上海登记簿竞态新名有限公司", "revoked")
        ]
    finally:
        await database.dispose()
