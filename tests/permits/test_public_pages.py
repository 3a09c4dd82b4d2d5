"""The public disclosure pages of the permit register: anyone reads them, without logging in."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from domain.access import operator
from domain.clock import today
from domain.disclosure.queries.permit_page import outlet_enforcement_history
from domain.disclosure.queries.permits import expiry_transition, permit_freshness
from domain.disclosure.queries.register import permit_statistics
from domain.permits.models import PermitEvent
from domain.permits.service.applications import ApplicationInput, submit_application
from domain.permits.service.cancellation import cancel_permit, revoke_permit
from domain.permits.service.decisions import (
    GrantInput,
    accept_application,
    grant_application,
    refuse_application,
)
from portal import public as public_pages
from tests.factories import actor, make_enterprise, make_permit, make_user, permit_content
from tests.portal_helpers import log_in

EN = {"Accept-Language": "en"}


def years_ago(years: int, plus_days: int = 0) -> str:
    day = today()
    return (day.replace(year=day.year - years) + timedelta(days=plus_days)).isoformat()


def last_month() -> tuple[str, str]:
    """A day in the previous month (ISO) and that month (YYYY-MM)."""
    day = today().replace(day=1) - timedelta(days=5)
    return day.isoformat(), day.strftime("%Y-%m")


async def issued(session, *, name: str | None = None, **overrides):
    enterprise = await make_enterprise(session, **({"name": name} if name else {}))
    permit = await make_permit(
        session, enterprise, decision_date=overrides.pop("decision_date", years_ago(1)), **overrides
    )
    return enterprise, permit


# ---------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------


async def test_anyone_finds_a_permit_by_unit_name_credit_code_or_number_without_a_session(client, session):
    enterprise, permit = await issued(session, name="上海真如明辉热电有限公司")
    for query in ("明辉热电", enterprise.credit_code, permit.number):
        response = await client.get("/public/permits", params={"q": query})
        assert response.status_code == 200
        assert permit.number in response.text, query
        english = await client.get("/public/permits", params={"q": query}, headers=EN)
        assert "1 permits and registrations found" in english.text
    # Nobody logged in and nothing minted for the visitor: no cookie, a page any cache may share.
    assert "set-cookie" not in response.headers
    assert response.headers["cache-control"] == "public, max-age=60"
    missing = await client.get("/public/permits", params={"q": "没有这个单位"}, headers=EN)
    assert "0 permits and registrations found" in missing.text and permit.number not in missing.text


async def test_applications_that_never_led_to_an_issued_permit_are_not_public(client, session):
    officer = actor(await make_user(session, "permitting", region_code="310107"))
    granted_unit = await make_enterprise(session, name="只获准予尚未核发的公司")
    refused_unit = await make_enterprise(session, name="被拒绝申请的公司")
    applications = {}
    for unit in (granted_unit, refused_unit):
        application = await submit_application(
            session,
            officer,
            data=ApplicationInput(
                kind="first",
                enterprise_credit_code=unit.credit_code,
                category="key",
                issuing_authority="上海市普陀区生态环境局",
                content=permit_content(),
            ),
        )
        await accept_application(session, officer, application_id=application.id)
        applications[unit.id] = application
    number = granted_unit.credit_code + "001P"
    await grant_application(
        session, officer, application_id=applications[granted_unit.id].id, data=GrantInput(number=number)
    )
    await refuse_application(
        session, officer, application_id=applications[refused_unit.id].id, reason="不符合规定"
    )
    await session.flush()
    for query in ("只获准予尚未核发", "被拒绝申请", number):
        response = await client.get("/public/permits", params={"q": query}, headers=EN)
        assert "0 permits and registrations found" in response.text, query
    assert (await client.get(f"/public/permits/{number}")).status_code == 404
    assert (await client.get(f"/public/outlets/{number}/DA001")).status_code == 404


async def test_the_search_filters_by_status_including_expired_revoked_and_cancelled(client, session):
    expired_day, _ = last_month()
    _, in_force = await issued(session, name="状态筛选有效公司")
    _, expired = await issued(
        session,
        name="状态筛选过期公司",
        decision_date=years_ago(2),
        valid_until=expired_day,
        validity_cut_reason="淘汰落后产能",
    )
    _, revoked = await issued(session, name="状态筛选撤销公司")
    _, cancelled = await issued(session, name="状态筛选注销公司")
    await revoke_permit(session, operator(), number=revoked.number, reason="以欺骗手段取得")
    await cancel_permit(session, operator(), number=cancelled.number, reason="unit_terminated")
    await session.flush()
    expected = {"issued": in_force, "expired": expired, "revoked": revoked, "cancelled": cancelled}
    for status, permit in expected.items():
        response = await client.get("/public/permits", params={"q": "状态筛选", "status": status}, headers=EN)
        shown = set(re.findall(r"/public/permits/([0-9A-Z]{22})", response.text))
        assert shown == {permit.number}, status
    everything = await client.get("/public/permits", params={"q": "状态筛选"}, headers=EN)
    assert "4 permits and registrations found" in everything.text
    for label in ("In force", "Expired", "Revoked by the authority", "Cancelled"):
        assert label in everything.text
    wrong = await client.get("/public/permits", params={"status": "applied"}, headers=EN)
    assert wrong.status_code == 400 and "Choose one of" in wrong.text


async def test_an_htmx_search_gets_only_the_results_and_pages_through_them(client, session, monkeypatch):
    monkeypatch.setattr(public_pages, "PAGE_SIZE", 2)
    numbers = sorted([(await issued(session, name=f"分页测试公司{i}"))[1].number for i in range(3)])
    first = await client.get(
        "/public/permits", params={"q": "分页测试"}, headers={**EN, "HX-Request": "true"}
    )
    assert first.status_code == 200
    assert "<html" not in first.text and 'id="results"' in first.text
    assert "Page 1 of 2" in first.text and "page=2" in first.text
    second = await client.get("/public/permits", params={"q": "分页测试", "page": "2"}, headers=EN)
    assert "<html" in second.text
    assert re.findall(r"/public/permits/([0-9A-Z]{22})", second.text) == [numbers[2]]
    # The fragment and the page share an address: their validators differ, and caches are told why.
    assert (
        first.headers["etag"]
        != (await client.get("/public/permits", params={"q": "分页测试"}, headers=EN)).headers["etag"]
    )
    assert "HX-Request" in first.headers["vary"]


# ---------------------------------------------------------------------------
# One permit
# ---------------------------------------------------------------------------


async def test_the_public_permit_never_shows_a_secret_section_or_the_staff_data(client, session):
    enterprise = await make_enterprise(
        session, technical_lead="赵保密技术负责人", contact_phone="13911112222"
    )
    content = permit_content(
        products=[{"name": "高纯度绝密产品甲", "capacity": "300 t/a"}],
        production_facilities=[{"name": "2#反应釜", "capacity": "5 m3"}],
        secret_sections=["products"],
    )
    permit = await make_permit(session, enterprise, decision_date=years_ago(1), content=content)
    pages = [
        f"/public/permits/{permit.number}",
        f"/public/outlets/{permit.number}/DA001",
        f"/public/outlets/{permit.number}/DA001/sign",
    ]
    for path in pages:
        for headers in (EN, {}):
            text = (await client.get(path, headers=headers)).text
            for never in ("高纯度绝密产品甲", "300 t/a", "赵保密技术负责人", "13911112222"):
                assert never not in text, (path, never)
    page = (await client.get(pages[0], headers=EN)).text
    assert "2#反应釜" in page and enterprise.legal_representative in page
    assert "Products: withheld as a commercial secret" in page


async def test_a_section_the_unit_did_not_mark_secret_is_shown(client, session):
    content = permit_content(products=[{"name": "公开产品乙"}], secret_sections=[])
    _, permit = await issued(session, content=content)
    assert "公开产品乙" in (await client.get(f"/public/permits/{permit.number}")).text


async def test_the_public_permit_shows_the_original_the_copy_and_the_announcements(client, session):
    content = permit_content(
        special_period_limits=[
            {
                "period": "重污染天气橙色预警期间",
                "point": "DA001",
                "pollutant": "NOX",
                "concentration_limit": 30,
                "unit": "mg/m3",
            }
        ]
    )
    enterprise, permit = await issued(session, content=content, decision_date=years_ago(1))
    await revoke_permit(session, operator(), number=permit.number, reason="以欺骗手段取得（第四十九条）")
    await session.flush()
    text = (await client.get(f"/public/permits/{permit.number}", headers=EN)).text
    for shown in (
        enterprise.name,
        enterprise.credit_code,
        "上海市普陀区生态环境局",
        f"{years_ago(1)} to {permit.valid_until}",
        "Sulphur dioxide",
        "35 mg/m³",
        "120.5",
        "煤场",  # fugitive source
        "Continuous (automatic)",
        "重污染天气橙色预警期间",
        "Quarterly execution report",
        "严格按照排污许可证规定排放污染物。",
        "Revoked by the authority",
    ):
        assert shown in text, shown
    limits = text[text.index('id="outlets-title"') : text.index("Sulphur dioxide") + 200]
    assert "SO2" not in limits.replace('data-pollutant="SO2"', "")  # the name, not its code beside it
    announcements = text[text.index('id="announcements-title"') :]
    assert "Permit revoked" in announcements and "以欺骗手段取得（第四十九条）" in announcements
    assert "Permit issued" in announcements and years_ago(1) in announcements
    assert announcements.index("Permit revoked") < announcements.index("Permit issued")  # newest first
    assert "Imported from the national platform" in announcements


async def test_each_outlet_links_to_its_page_and_shows_its_qr_code(client, session):
    _, permit = await issued(session)
    text = (await client.get(f"/public/permits/{permit.number}")).text
    for code in ("DA001", "DW001"):
        assert f'href="/public/outlets/{permit.number}/{code}"' in text
        assert f'src="/public/outlets/{permit.number}/{code}/qr.svg"' in text
    # A fugitive source has no sign and no outlet page.
    assert f"/public/outlets/{permit.number}/MF0001" not in text
    assert (await client.get(f"/public/outlets/{permit.number}/MF0001")).status_code == 404
    assert (await client.get("/public/permits/91310107MA0000000X999P")).status_code == 404


# ---------------------------------------------------------------------------
# Outlet pages, QR codes and signs
# ---------------------------------------------------------------------------


async def test_the_outlet_page_shows_limits_monitoring_online_status_and_the_enforcement_history(
    client, session
):
    enterprise, permit = await issued(session)
    air = (await client.get(f"/public/outlets/{permit.number}/DA001", headers=EN)).text
    limits = air[air.index('id="limits"') :]
    for shown in (
        "Sulphur dioxide",
        "35 mg/m³",
        "120.5",
        "GB 13223-2011",
        "Nitrogen oxides",
        "50 mg/m³",
        "180",
    ):
        assert shown in limits, shown
    assert "Chemical oxygen demand" not in air  # the water outlet's limit is not this outlet's
    assert "Continuous (automatic)" in air
    assert "Automatic (online) monitoring equipment is installed at this outlet." in air
    assert enterprise.name in air and permit.number in air
    history = air[air.index('id="history-title"') :]
    assert 'id="no-enforcement-records"' in history and "No inspection or penalty records" in history
    water = (await client.get(f"/public/outlets/{permit.number}/dw001", headers=EN)).text
    assert "Chemical oxygen demand" in water and "500 mg/L" in water
    assert "No automatic (online) monitoring equipment is recorded at this outlet." in water
    assert "Quarterly" in water and "Manual" in water
    assert (await client.get(f"/public/outlets/{permit.number}/DA009")).status_code == 404


async def test_the_enforcement_history_is_empty_until_supervision_records_exist(session):
    _, permit = await issued(session)
    assert await outlet_enforcement_history(session, permit_number=permit.number, outlet_code="DA001") == []


async def test_the_qr_code_is_an_svg_of_the_outlet_address_on_the_public_site(client, session, settings):
    _, permit = await issued(session)
    air = await client.get(f"/public/outlets/{permit.number}/DA001/qr.svg")
    water = await client.get(f"/public/outlets/{permit.number}/DW001/qr.svg")
    assert air.status_code == 200 and air.headers["content-type"] == "image/svg+xml"
    assert air.content.startswith(b"<svg ") and b"</svg>" in air.content
    expected = settings.base_url.rstrip("/") + f"/public/outlets/{permit.number}/DA001"
    assert air.content == public_pages.outlet_qr_svg(expected)
    assert air.content != water.content
    assert water.content == public_pages.outlet_qr_svg(expected.replace("DA001", "DW001"))
    assert (await client.get(f"/public/outlets/{permit.number}/DA009/qr.svg")).status_code == 404


async def test_the_printable_sign_names_the_outlet_and_carries_its_big_qr_code(client, session, settings):
    _, permit = await issued(session)
    text = (await client.get(f"/public/outlets/{permit.number}/DA001/sign", headers=EN)).text
    assert "1#锅炉烟囱" in text and "DA001" in text and "Air" in text and "Main outlet" in text
    assert f'class="sign-qr" src="/public/outlets/{permit.number}/DA001/qr.svg"' in text
    assert settings.base_url.rstrip("/") + f"/public/outlets/{permit.number}/DA001" in text


# ---------------------------------------------------------------------------
# Permits expired and not renewed, by month
# ---------------------------------------------------------------------------


async def test_the_monthly_list_holds_the_permits_that_expired_in_the_month_without_renewal(client, session):
    day, month = last_month()
    earlier = (today().replace(day=1) - timedelta(days=1)).replace(day=1) - timedelta(days=3)
    cut = {"decision_date": years_ago(2), "validity_cut_reason": "淘汰落后产能"}
    _, expired = await issued(session, name="到期未延续甲", valid_until=day, **cut)
    _, cancelled = await issued(session, name="到期已注销乙", valid_until=day, **cut)
    _, terminated = await issued(session, name="终止注销丙", valid_until=day, **cut)
    _, older = await issued(session, name="更早到期丁", valid_until=earlier.isoformat(), **cut)
    # Renewed before its expiry last month: its validity now runs five years from the renewal.
    _, renewed = await issued(session, name="已延续戊", decision_date=day, renewed=True)
    _, in_force = await issued(session, name="有效己")
    await cancel_permit(session, operator(), number=cancelled.number, reason="expired_not_renewed")
    await cancel_permit(session, operator(), number=terminated.number, reason="unit_terminated")
    await session.flush()

    response = await client.get("/public/expired", params={"month": month}, headers=EN)
    listed = re.findall(r"/public/permits/([0-9A-Z]{22})", response.text)
    assert sorted(listed) == sorted([expired.number, cancelled.number])
    assert f"{month}: 2 permits" in response.text
    for absent in (terminated, older, renewed, in_force):
        assert absent.number not in response.text

    csv = await client.get("/public/expired.csv", params={"month": month}, headers=EN)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert f"expired-not-renewed-{month}.csv" in csv.headers["content-disposition"]
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Permit number,Unit name,")
    assert sorted(line.split(",")[0] for line in lines[1:]) == sorted([expired.number, cancelled.number])
    assert "到期未延续甲" in csv.content.decode("utf-8-sig")


async def test_the_monthly_list_opens_on_the_latest_month_with_entries_and_refuses_a_wrong_month(
    client, session
):
    response = await client.get("/public/expired", headers=EN)  # nothing expired yet: this month
    assert response.status_code == 200 and f'value="{today().strftime("%Y-%m")}"' in response.text
    two_months_back = (today().replace(day=1) - timedelta(days=40)).replace(day=10)
    cut = {"decision_date": years_ago(2), "validity_cut_reason": "淘汰落后产能"}
    _, expired = await issued(session, name="两月前到期", valid_until=two_months_back.isoformat(), **cut)
    await session.flush()
    response = await client.get("/public/expired", headers=EN)
    month = two_months_back.strftime("%Y-%m")
    assert f'value="{month}"' in response.text and f"{month}: 1 permits" in response.text
    assert expired.number in response.text
    csv = await client.get("/public/expired.csv", headers=EN)
    assert f"expired-not-renewed-{month}.csv" in csv.headers["content-disposition"]
    assert expired.number in csv.text
    # A month asked for is shown, even an empty one.
    this_month = today().strftime("%Y-%m")
    asked = await client.get("/public/expired", params={"month": this_month}, headers=EN)
    assert f'value="{this_month}"' in asked.text and expired.number not in asked.text
    future = (today().replace(day=28) + timedelta(days=5)).strftime("%Y-%m")
    for wrong, message in (
        ("2025-13", "Expected a month as YYYY-MM."),
        (future, "Choose this month or an earlier"),
    ):
        page = await client.get("/public/expired", params={"month": wrong}, headers=EN)
        assert page.status_code == 400 and message in page.text, wrong
    assert (await client.get("/public/expired.csv", params={"month": "nonsense"})).status_code == 400


# ---------------------------------------------------------------------------
# The public home page and the public navigation
# ---------------------------------------------------------------------------

PUBLIC_LISTS = (
    "/public/permits",
    "/public/registrations",
    "/public/expired",
    "/public/penalties",
    "/public/draws",
    "/public/positive-list",
    "/public/agencies",
    "/public/statistics",
)


async def test_the_public_home_page_and_every_public_page_link_every_public_list(client, session):
    _, permit = await issued(session)
    home = await client.get("/public")
    assert home.status_code == 200
    tiles = home.text[home.text.index('class="tiles public-lists"') :]
    for path in PUBLIC_LISTS:
        assert f'href="{path}"' in tiles, path
    visitor_home = await client.get("/")
    assert all(f'href="{path}"' in visitor_home.text for path in PUBLIC_LISTS)
    for path in (*PUBLIC_LISTS, f"/public/permits/{permit.number}", f"/public/reports/{permit.number}"):
        page = await client.get(path)
        assert page.status_code == 200, path
        nav = page.text[page.text.index('class="public-nav"') :]
        nav = nav[: nav.index("</nav>")]
        assert all(f'href="{listed}"' in nav for listed in PUBLIC_LISTS), path


async def test_a_logged_in_officer_reads_public_pages_with_the_public_navigation_and_crumbs(client, session):
    _, permit = await issued(session)
    user = await make_user(session, "permitting", region_code="310107")
    await log_in(client, user.username)
    page = await client.get(f"/public/reports/{permit.number}")
    assert page.status_code == 200
    assert 'class="public-nav"' in page.text
    crumbs = page.text[page.text.index('class="crumbs"') :]
    crumbs = crumbs[: crumbs.index("</p>")]
    assert 'href="/public"' in crumbs and f'href="/public/permits/{permit.number}"' in crumbs
    assert 'href="/permits' not in crumbs  # not the officer's own register


# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------


def table_counts(html: str, table: str) -> dict[str, int]:
    section = html[html.index(f'id="table-{table}"') :]
    section = section[: section.index("</table>")]
    return {
        key: int(n) for key, n in re.findall(r'data-key="([^"]+)">.*?<td class="num">(\d+)</td>', section)
    }


async def test_the_statistics_count_the_disclosed_permits_and_the_tables_match_the_figures(client, session):
    before = await permit_statistics(session)
    expired_day, _ = last_month()
    for _ in range(2):
        await make_permit(
            session, await make_enterprise(session, industry_code="4411"), decision_date=years_ago(1)
        )
    simplified = await make_enterprise(
        session, industry_code="2614", region_code="310110", management_category="simplified"
    )
    await make_permit(
        session,
        simplified,
        decision_date=years_ago(2),
        category="simplified",
        valid_until=expired_day,
        validity_cut_reason="淘汰",
    )
    _, revoked = await issued(session)
    await revoke_permit(session, operator(), number=revoked.number, reason="撤销")
    # An application is not counted: it is not disclosed.
    officer = actor(await make_user(session, "permitting", region_code="310107"))
    applicant = await make_enterprise(session)
    await submit_application(
        session,
        officer,
        data=ApplicationInput(
            kind="first",
            enterprise_credit_code=applicant.credit_code,
            category="key",
            issuing_authority="上海市普陀区生态环境局",
            content=permit_content(),
        ),
    )
    await session.flush()

    after = await permit_statistics(session)

    def delta(attribute: str) -> dict[str, int]:
        old, new = dict(getattr(before, attribute)), dict(getattr(after, attribute))
        return {key: new[key] - old.get(key, 0) for key in new if new[key] != old.get(key, 0)}

    assert after.total - before.total == 4
    assert delta("by_status") == {"issued": 2, "expired": 1, "revoked": 1}
    assert delta("by_category") == {"key": 3, "simplified": 1}
    assert delta("by_industry") == {"4411": 2, "2614": 2}  # the factory's default industry is 2614
    assert delta("by_region") == {"310107": 3, "310110": 1}

    html = (await client.get("/public/statistics", headers=EN)).text
    assert f'id="total">{after.total}<' in html
    assert table_counts(html, "status") == dict(after.by_status)
    assert table_counts(html, "category") == dict(after.by_category)
    assert table_counts(html, "industry") == dict(after.by_industry)
    assert table_counts(html, "region") == dict(after.by_region)
    assert '<canvas id="chart-status"' in html and "/static/vendor/chartjs/chart.umd.min.js" in html
    assert (await client.get("/static/vendor/chartjs/chart.umd.min.js")).status_code == 200


# ---------------------------------------------------------------------------
# Caching and access
# ---------------------------------------------------------------------------


async def test_pages_answer_304_while_the_data_is_unchanged_and_200_once_it_changes(client, session):
    _, permit = await issued(session)
    path = f"/public/permits/{permit.number}"
    first = await client.get(path)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert first.status_code == 200 and etag.startswith('W/"')
    assert first.headers["cache-control"] == "public, max-age=60"

    again = await client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert (await client.get(path, headers={"If-Modified-Since": modified})).status_code == 304
    assert (await client.get(path, headers={"If-None-Match": '"something-else"'})).status_code == 200
    english = await client.get(path, headers={**EN, "If-None-Match": etag})
    assert english.status_code == 200 and english.headers["etag"] != etag  # another language, another copy
    search = await client.get("/public/permits")

    await revoke_permit(session, operator(), number=permit.number, reason="撤销")
    await session.flush()
    changed = await client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert "status-revoked" in changed.text
    # Lists change with any permit of the register, even one that leaves the list.
    assert (
        await client.get("/public/permits", headers={"If-None-Match": search.headers["etag"]})
    ).status_code == 200


async def test_every_public_page_sends_validators(client, session):
    _, permit = await issued(session)
    _, month = last_month()
    for path in (
        "/public",
        "/public/permits",
        f"/public/permits/{permit.number}",
        f"/public/outlets/{permit.number}/DA001",
        f"/public/outlets/{permit.number}/DA001/qr.svg",
        f"/public/outlets/{permit.number}/DA001/sign",
        f"/public/expired?month={month}",
        f"/public/expired.csv?month={month}",
        "/public/statistics",
    ):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.headers["etag"] and response.headers["last-modified"], path
        assert response.headers["cache-control"] == "public, max-age=60", path
        assert (
            await client.get(path, headers={"If-None-Match": response.headers["etag"]})
        ).status_code == 304


@pytest.mark.parametrize("role", ["permitting", "enterprise_admin"])
async def test_logged_in_users_read_the_same_pages_but_their_copy_is_private(client, session, role):
    _, permit = await issued(session)
    user = await make_user(session, role)
    await log_in(client, user.username)
    response = await client.get(f"/public/permits/{permit.number}")
    assert response.status_code == 200 and user.username in response.text
    assert response.headers["cache-control"] == "private, max-age=60"


async def test_the_freshness_of_a_permit_moves_to_the_midnight_its_shown_status_turned_to_expired(session):
    last_day = today() - timedelta(days=10)
    enterprise, permit = await issued(
        session, decision_date=years_ago(2), valid_until=last_day.isoformat(), validity_cut_reason="淘汰"
    )
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    permit.updated_at = enterprise.updated_at = long_ago
    for event in (await session.exec(select(PermitEvent).where(PermitEvent.permit_id == permit.id))).all():
        event.occurred_at = long_ago
        session.add(event)
    session.add_all([permit, enterprise])
    await session.flush()
    fresh = await permit_freshness(session, number=permit.number)
    # Nothing was written when the permit expired, yet every page showing it changed then.
    assert fresh.changed_at == expiry_transition(last_day) and fresh.count == 1
