"""The permit pages over HTTP: the register, one permit, its versions, the lifecycle forms, the worklist."""

import json
import re
from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from domain.audit.models import AuditEntry
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.permits import law
from domain.permits.models import Permit, PermitApplication, PermitEvent, PermitVersion
from domain.permits.rules import renewal_deadline, validity_end
from domain.permits.service.applications import ApplicationInput, submit_application
from domain.permits.service.decisions import accept_application, grant_application, issue_permit
from tests.factories import actor, make_enterprise, make_permit, make_user, permit_content
from tests.permits.copy_fields import copy_fields
from tests.portal_helpers import log_in, post_form

AUTHORITY = "上海市普陀区生态环境局"


@pytest.fixture
async def english(client):
    """Pages in English, so the tests read the message ids (the Chinese catalog is merged separately)."""
    client.headers["accept-language"] = "en"
    return client


def years_ago(years: int, plus_days: int = 0) -> str:
    day = today()
    return (day.replace(year=day.year - years) + timedelta(days=plus_days)).isoformat()


async def officer(session, client=None, region="310107"):
    user = await make_user(session, "permitting", region_code=region)
    if client is not None:
        await log_in(client, user.username)
    return user


async def writes(session) -> tuple[int, int, int, int]:
    """Rows a lifecycle action writes: events, audit entries, applications, versions."""

    async def count(model) -> int:
        return (await session.exec(select(func.count()).select_from(model))).one()

    return (
        await count(PermitEvent),
        await count(AuditEntry),
        await count(PermitApplication),
        await count(PermitVersion),
    )


async def application_of(session, permit_id: int) -> PermitApplication:
    statement = (
        select(PermitApplication)
        .where(PermitApplication.permit_id == permit_id)
        .order_by(PermitApplication.id.desc())
    )
    application = (await session.exec(statement)).first()
    await session.refresh(application)
    return application


async def first_application(session, enterprise, by) -> PermitApplication:
    application = await submit_application(
        session,
        actor(by),
        data=ApplicationInput(
            kind="first",
            enterprise_credit_code=enterprise.credit_code,
            category="key",
            issuing_authority=AUTHORITY,
            content=permit_content(),
        ),
    )
    await session.flush()
    return application


def numbers_in(html: str) -> set[str]:
    return set(re.findall(r'href="/permits/([0-9A-Z]{22})"', html))


# ---------------------------------------------------------------------------
# The register
# ---------------------------------------------------------------------------


async def test_the_register_filters_by_status_category_expiry_renewal_and_search(english, session):
    client = english
    expired = await make_permit(session, decision_date=years_ago(5, plus_days=-10))
    late = await make_permit(session, decision_date=years_ago(5, plus_days=20))  # expires in ~19 days
    fresh = await make_permit(session, decision_date=years_ago(0, plus_days=-10), category="simplified")
    elsewhere = await make_permit(
        session, await make_enterprise(session, region_code="310110"), decision_date=years_ago(1)
    )
    await officer(session, client)

    everything = await client.get("/permits")
    assert everything.status_code == 200
    assert numbers_in(everything.text) == {expired.number, late.number, fresh.number}  # not Yangpu's
    assert elsewhere.number not in everything.text

    async def listed(query: str) -> set[str]:
        response = await client.get(f"/permits?{query}")
        assert response.status_code == 200
        return numbers_in(response.text)

    assert await listed("status=expired") == {expired.number}
    assert await listed("status=issued") == {late.number, fresh.number}
    assert await listed("category=simplified") == {fresh.number}
    assert await listed("expiring=30") == {late.number}
    assert await listed("renewal_passed=1") == {late.number}
    assert await listed(f"q={fresh.number[:20]}") == {fresh.number}
    unit = (await session.get(Permit, late.id)).enterprise_id
    name = (await session.get(Enterprise, unit)).name
    assert await listed(f"q={name}") == {late.number}


async def test_an_htmx_search_gets_only_the_results_with_expired_rows_marked(english, session):
    client = english
    expired = await make_permit(session, decision_date=years_ago(5, plus_days=-10))
    await officer(session, client)
    response = await client.get("/permits?status=expired", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="results"' in response.text
    row = response.text[response.text.index(expired.number) - 400 :]
    days = (today() - expired.valid_until).days
    assert 'class="st-expired' in row and f"expired {days} days ago" in response.text
    assert "Permits found: 1" in response.text


async def test_a_permit_issued_in_2025_shows_five_years_and_its_renewal_deadline_with_the_article(
    english, session
):
    permit = await make_permit(session, decision_date="2025-04-01")
    await officer(session, english)
    page = (await english.get(f"/permits/{permit.number}")).text
    original = page[page.index('id="original"') :].split("</section>")[0]
    assert "first permit, 5 years" in original and "Regulation 2021 art. 14" in original
    deadline = original[original.index('id="renewal-deadline"') :].split("</dd>")[0]
    assert (
        "2030-01-30" in deadline and "60 calendar days" in deadline and "Regulation 2021 art. 14" in deadline
    )
    assert "rule set: Regulation 2021 with MEE Order 32 (2024)" in deadline
    chinese = (await english.get(f"/permits/{permit.number}", headers={"accept-language": "zh-CN"})).text
    assert "《排污许可管理条例》第十四条" in chinese and "首次核发，5 年" in chinese


async def test_a_permit_issued_in_2019_keeps_its_three_years_and_30_working_days(english, session):
    permit = await make_permit(session, decision_date="2019-03-16")
    await officer(session, english)
    page = (await english.get(f"/permits/{permit.number}")).text
    original = page[page.index('id="original"') :].split("</section>")[0]
    assert "first permit, 3 years" in original and "Trial Measures 2018 art. 21" in original
    public = (await english.get(f"/public/permits/{permit.number}")).text
    assert "first permit, 3 years" in public and "Trial Measures 2018 art. 21" in public


async def test_an_application_deadline_without_holiday_data_is_marked_approximate(english, session):
    client = english
    permit = await make_permit(session, decision_date=years_ago(1))
    officer_user = await officer(session, client)
    application = await submit_application(
        session, actor(officer_user), data=ApplicationInput(kind="renewal", permit_number=permit.number)
    )
    application.received_on = date(2028, 1, 21)
    due = law.acceptance_due(application.received_on)
    application.accept_due, application.accept_due_approximate = due.date, due.approximate
    session.add(application)
    await session.flush()
    page = await client.get(f"/permits/{permit.number}")
    assert due.date.isoformat() in page.text and 'class="approx"' in page.text
    assert "Holiday data for 2028 is not available yet" in page.text
    assert "3 working days" in page.text and "Regulation 2021 art. 9 (4)" in page.text


async def test_enterprise_users_see_only_their_own_permits(english, session):
    client = english
    own = await make_permit(session, decision_date=years_ago(1))
    other = await make_permit(session, decision_date=years_ago(1))
    unit = (await session.get(Permit, own.id)).enterprise_id
    staff = await make_user(session, "enterprise_staff", enterprise=await session.get(Enterprise, unit))
    await log_in(client, staff.username)
    listing = await client.get("/permits")
    assert numbers_in(listing.text) == {own.number}
    assert (await client.get(f"/permits/{own.number}")).status_code == 200
    assert (await client.get(f"/permits/{other.number}")).status_code == 404
    assert (await client.get(f"/permits/{other.number}/versions/1")).status_code == 404
    assert (await client.get("/permits/worklist")).status_code == 403


# ---------------------------------------------------------------------------
# One permit
# ---------------------------------------------------------------------------


async def test_the_page_shows_limits_secret_sections_and_a_passed_renewal_deadline(english, session):
    client = english
    late = await make_permit(session, decision_date=years_ago(5, plus_days=20))
    await officer(session, client)
    response = await client.get(f"/permits/{late.number}")
    assert response.status_code == 200
    text = response.text
    assert 'id="renewal-notice"' in text and "Renewal deadline passed" in text
    assert late.renewal_due.isoformat() in text and late.valid_until.isoformat() in text
    assert "A renewal filed now is still taken, but flagged as late" in text
    # the limits table of DA001: pollutant name, concentration with its unit, annual quantity
    outlet = text[text.index('id="outlet-DA001"') :]
    assert "Sulphur dioxide" in outlet and ">35</span> mg/m³" in outlet and "120.5" in outlet
    assert "Chemical oxygen demand" in text and ">500</span> mg/L" in text
    assert "Commercial secret — not published" in text  # products are marked secret
    assert "Imported from the national platform" in text  # the lifecycle event
    assert f'href="/permits/{late.number}/versions/1"' in text
    # renewal is still offered after its deadline (taken and flagged late), and so are change and replacement
    assert f"/permits/{late.number}/renew" in text and f"/permits/{late.number}/change" in text


async def test_a_renewal_deadline_within_60_days_is_announced_with_its_date(english, session):
    client = english
    for plus_days in range(60, 140):
        decision = years_ago(5, plus_days=plus_days)
        expiry = validity_end(date.fromisoformat(decision), 5)
        days_left = (renewal_deadline(expiry, date.fromisoformat(decision)).date - today()).days
        if 30 <= days_left <= 55:
            break
    permit = await make_permit(session, decision_date=decision)
    await officer(session, client)
    response = await client.get(f"/permits/{permit.number}")
    notice = response.text[response.text.index('id="renewal-notice"') :].split("</section>")[0]
    assert "Renewal deadline approaching" in notice
    assert f"by {permit.renewal_due.isoformat()} — {days_left} days from today" in notice
    assert f"/permits/{permit.number}/renew" in response.text  # still in time


async def test_a_permit_far_from_its_deadline_shows_no_warning(english, session):
    client = english
    permit = await make_permit(session, decision_date=years_ago(1))
    await officer(session, client)
    response = await client.get(f"/permits/{permit.number}")
    assert 'id="renewal-notice"' not in response.text
    assert f"/permits/{permit.number}/renew" in response.text


async def test_a_permit_number_in_lower_case_opens_the_same_page(english, session):
    permit = await make_permit(session, decision_date=years_ago(1))
    await officer(session, english)
    response = await english.get(f"/permits/{permit.number.lower()}")
    assert response.status_code == 200 and permit.number in response.text


# ---------------------------------------------------------------------------
# First application: apply, accept, grant, issue
# ---------------------------------------------------------------------------


async def test_a_first_application_goes_through_accept_grant_and_issue_in_the_portal(english, session):
    client = english
    enterprise = await make_enterprise(session)
    await officer(session, client)
    form = await client.get(f"/permits/apply?credit_code={enterprise.credit_code}")
    assert form.status_code == 200 and f'value="{enterprise.credit_code}"' in form.text
    assert "DA001" in form.text  # the content box starts with a skeleton

    response = await post_form(
        client,
        "/permits/apply",
        {
            "enterprise_credit_code": enterprise.credit_code,
            "category": "key",
            "issuing_authority": AUTHORITY,
            "content": json.dumps(permit_content(), ensure_ascii=False),
        },
        page="/permits/apply",
    )
    assert response.status_code == 303
    permit_id = int(re.search(r"/permits/id/(\d+)\?done=apply", response.headers["location"]).group(1))
    page = await client.get(response.headers["location"])
    assert "The application was filed" in page.text and "Application in progress" in page.text
    application = await application_of(session, permit_id)
    assert application.status == "submitted"
    assert application.accept_due.isoformat() in page.text
    assert "Working days left: 3" in page.text  # Reg art. 9 (4): 3 working days
    assert "Regulation 2021 art. 9 (4)" in page.text
    assert f'action="/permits/applications/{application.id}/accept"' in page.text

    accepted = await post_form(client, f"/permits/applications/{application.id}/accept", {}, page="/permits")
    assert accepted.status_code == 303
    application = await application_of(session, permit_id)
    assert application.status == "accepted" and application.decision_due is not None
    page = await client.get(f"/permits/id/{permit_id}")
    assert application.decision_due.isoformat() in page.text and 'id="form-grant"' in page.text

    number = enterprise.credit_code + "001P"
    granted = await post_form(
        client, f"/permits/applications/{application.id}/grant", {"number": number}, page="/permits"
    )
    assert granted.status_code == 303
    follow = await client.get(granted.headers["location"])  # the permit now has a number: its address
    assert follow.status_code == 303 and follow.headers["location"] == f"/permits/{number}?done=grant"

    issued = await post_form(client, f"/permits/applications/{application.id}/issue", {}, page="/permits")
    assert issued.status_code == 303
    permit = await session.get(Permit, permit_id)
    await session.refresh(permit)
    assert permit.status == "issued" and permit.number == number and permit.valid_from == today()
    page = await client.get(f"/permits/{number}?done=issue")
    assert "Issued: the new version" in page.text and "Application in progress" not in page.text
    assert ">35</span> mg/m³" in page.text


async def test_a_first_application_with_bad_content_names_the_paths_and_keeps_the_input(english, session):
    client = english
    enterprise = await make_enterprise(session)
    await officer(session, client)
    before = await writes(session)
    bad = permit_content()
    bad["outlets"][0]["limits"][0]["unit"] = "kg"
    response = await post_form(
        client,
        "/permits/apply",
        {
            "enterprise_credit_code": enterprise.credit_code,
            "category": "key",
            "issuing_authority": AUTHORITY,
            "content": json.dumps(bad, ensure_ascii=False),
        },
        page="/permits/apply",
    )
    assert response.status_code == 400
    # the path, and the outlet and pollutant it leads through, so the officer finds the place in the JSON
    assert (
        '<code title="outlets[0].limits[0].unit">outlets[0] DA001 › limits[0] SO2 › unit</code>'
        in response.text
    )
    assert "The unit must be one of: mg/m3." in response.text
    assert "&#34;kg&#34;" in response.text or "&quot;kg&quot;" in response.text  # the typed JSON is kept
    assert f'value="{AUTHORITY}"' in response.text
    assert await writes(session) == before
    count = (await session.exec(select(func.count()).select_from(Permit))).one()
    assert count == 0


async def test_a_first_application_with_broken_json_says_where(english, session):
    client = english
    enterprise = await make_enterprise(session)
    await officer(session, client)
    before = await writes(session)
    response = await post_form(
        client,
        "/permits/apply",
        {
            "enterprise_credit_code": enterprise.credit_code,
            "category": "key",
            "issuing_authority": AUTHORITY,
            "content": '{"outlets": [}',
        },
        page="/permits/apply",
    )
    assert response.status_code == 400
    assert "This is not valid JSON" in response.text and "line 1, column 14" in response.text
    assert await writes(session) == before


async def test_accepting_twice_is_refused_and_writes_nothing(english, session):
    client = english
    user = await officer(session, client)
    application = await first_application(session, await make_enterprise(session), user)
    await accept_application(session, actor(user), application_id=application.id)
    await session.flush()
    before = await writes(session)
    response = await post_form(client, f"/permits/applications/{application.id}/accept", {}, page="/permits")
    assert response.status_code == 409
    assert "This application is accepted; that action is not possible now." in response.text
    assert await writes(session) == before


async def test_not_accepting_needs_a_reason_next_to_the_field(english, session):
    client = english
    user = await officer(session, client)
    application = await first_application(session, await make_enterprise(session), user)
    before = await writes(session)
    response = await post_form(
        client, f"/permits/applications/{application.id}/reject", {"reason": "  "}, page="/permits"
    )
    assert response.status_code == 400
    errors = response.text[response.text.index('id="form-reject"') :]
    assert 'id="errors-reason"' in errors and "This field is required." in errors.split("</form>")[0]
    assert await writes(session) == before
    assert (await application_of(session, application.permit_id)).status == "submitted"

    done = await post_form(
        client,
        f"/permits/applications/{application.id}/reject",
        {"reason": "材料不齐全"},
        page="/permits",
    )
    assert done.status_code == 303
    application = await application_of(session, application.permit_id)
    assert application.status == "not_accepted" and application.reason == "材料不齐全"


async def test_granting_with_a_wrong_number_keeps_the_input_and_writes_nothing(english, session):
    client = english
    user = await officer(session, client)
    enterprise = await make_enterprise(session)
    application = await first_application(session, enterprise, user)
    await accept_application(session, actor(user), application_id=application.id)
    await session.flush()
    before = await writes(session)
    response = await post_form(
        client,
        f"/permits/applications/{application.id}/grant",
        {"number": "91350100M000100Y43001P"},
        page="/permits",
    )
    assert response.status_code == 400
    grant_form = response.text[response.text.index('id="form-grant"') :].split("</form>")[0]
    assert f"must begin with the unit&#39;s credit code {enterprise.credit_code}" in grant_form
    assert 'value="91350100M000100Y43001P"' in grant_form
    assert await writes(session) == before
    assert (await session.get(Permit, application.permit_id)).number is None


async def test_extending_once_then_refusing_a_second_time(english, session):
    client = english
    user = await officer(session, client)
    application = await first_application(session, await make_enterprise(session), user)
    await accept_application(session, actor(user), application_id=application.id)
    await session.flush()
    first_due = application.decision_due
    done = await post_form(
        client,
        f"/permits/applications/{application.id}/extend",
        {"reason": "需现场核查"},
        page="/permits",
    )
    assert done.status_code == 303
    application = await application_of(session, application.permit_id)
    assert application.extended and application.decision_due > first_due
    page = await client.get(f"/permits/id/{application.permit_id}")
    assert "extended once by 10 working days" in page.text and 'id="form-extend"' not in page.text
    before = await writes(session)
    again = await post_form(
        client, f"/permits/applications/{application.id}/extend", {"reason": "再次延期"}, page="/permits"
    )
    assert again.status_code == 409 and "can be extended only once" in again.text
    assert await writes(session) == before


async def test_refusing_needs_reasons_and_then_refuses(english, session):
    client = english
    user = await officer(session, client)
    application = await first_application(session, await make_enterprise(session), user)
    await accept_application(session, actor(user), application_id=application.id)
    await session.flush()
    before = await writes(session)
    missing = await post_form(client, f"/permits/applications/{application.id}/refuse", {}, page="/permits")
    assert missing.status_code == 400 and "This field is required." in missing.text
    assert await writes(session) == before
    done = await post_form(
        client,
        f"/permits/applications/{application.id}/refuse",
        {"reason": "不符合产业政策"},
        page="/permits",
    )
    assert done.status_code == 303
    assert (await session.get(Permit, application.permit_id)).status == "refused"


async def test_issuing_before_the_grant_is_refused(english, session):
    client = english
    user = await officer(session, client)
    application = await first_application(session, await make_enterprise(session), user)
    before = await writes(session)
    response = await post_form(client, f"/permits/applications/{application.id}/issue", {}, page="/permits")
    assert response.status_code == 409 and "This application is submitted" in response.text
    assert await writes(session) == before


# ---------------------------------------------------------------------------
# On an issued permit: change, renewal, replacement, revocation, cancellation
# ---------------------------------------------------------------------------


async def test_a_change_is_filed_issued_and_the_old_version_keeps_its_limits(english, session):
    client = english
    permit = await make_permit(session, decision_date=years_ago(1))
    user = await officer(session, client)
    form = await client.get(f"/permits/{permit.number}/change")
    assert form.status_code == 200 and 'value="DA001"' in form.text  # pre-filled with the current content
    changed = permit_content()
    changed["outlets"][0]["limits"][0]["concentration_limit"] = 25
    response = await post_form(
        client,
        f"/permits/{permit.number}/change",
        {
            "kind": "change_items",
            "change_description": "二氧化硫排放限值收严",
            **copy_fields(changed),
        },
        page="/permits",
    )
    assert response.status_code == 303 and response.headers["location"].endswith("?done=change")
    application = await application_of(session, permit.id)
    assert application.kind == "change_items" and application.proposed_content is not None
    for step in (accept_application, grant_application, issue_permit):
        await step(session, actor(user), application_id=application.id)
    await session.flush()

    current = await client.get(f"/permits/{permit.number}")
    assert ">25</span> mg/m³" in current.text and ">35</span> mg/m³" not in current.text
    old = await client.get(f"/permits/{permit.number}/versions/1")
    assert old.status_code == 200
    assert ">35</span> mg/m³" in old.text and "This is an earlier version" in old.text
    differences = old.text[old.text.index('id="differences"') :].split("</table>")[0]
    assert (
        "<del>35 mg/m³ · 120.5 t/a</del>" in differences and "<ins>25 mg/m³ · 120.5 t/a</ins>" in differences
    )
    assert "NOX" not in differences  # unchanged limits are not listed
    new = await client.get(f"/permits/{permit.number}/versions/2")
    assert ">25</span> mg/m³" in new.text and "This is the version in force." in new.text
    assert 'id="differences"' not in new.text
    assert (await client.get(f"/permits/{permit.number}/versions/9")).status_code == 404


async def test_a_change_without_a_description_or_kind_is_refused(english, session):
    client = english
    permit = await make_permit(session, decision_date=years_ago(1))
    await officer(session, client)
    before = await writes(session)
    response = await post_form(
        client,
        f"/permits/{permit.number}/change",
        {"kind": "change_items", "change_description": "", "content": ""},
        page="/permits",
    )
    assert response.status_code == 400
    field = response.text[response.text.index('id="errors-change_description"') :]
    assert field.split("</div>")[0].count("This field is required.") == 1
    wrong_kind = await post_form(
        client,
        f"/permits/{permit.number}/change",
        {"kind": "renewal", "change_description": "x"},
        page="/permits",
    )
    assert wrong_kind.status_code == 400 and "Choose one of: change_basic" in wrong_kind.text
    assert await writes(session) == before


async def test_a_forms_format_errors_show_with_the_domains_and_nothing_is_written(english, session):
    """A date that is no date is the form's error; the use case still runs, so its own errors (the
    description, a number of the copy that is no number) show at the same time, and what it would have
    written is undone."""
    client = english
    permit = await make_permit(session, decision_date=years_ago(1))
    await officer(session, client)
    before = await writes(session)
    response = await post_form(
        client,
        f"/permits/{permit.number}/change",
        {
            "kind": "change_basic",
            "change_description": "",
            "event_date": "2024-13-01",
            **copy_fields(
                {**permit_content(), "outlets": [{**permit_content()["outlets"][0], "height_m": "高"}]}
            ),
        },
        page="/permits",
    )
    assert response.status_code == 400
    assert "Expected a date as YYYY-MM-DD." in response.text
    assert 'data-field="content.outlets[0].height_m" data-code="type">Expected a number.' in response.text
    field = response.text[response.text.index('id="errors-change_description"') :]
    assert "This field is required." in field.split("</div>")[0]
    # Valid but for the date: the use case alone would have filed the change; the form's error undoes it.
    alone = await post_form(
        client,
        f"/permits/{permit.number}/change",
        {"kind": "change_items", "change_description": "限值调整", "event_date": "2024-13-01"},
        page="/permits",
    )
    assert alone.status_code == 400 and "Expected a date as YYYY-MM-DD." in alone.text
    assert await writes(session) == before


async def test_a_renewal_is_filed_in_time_and_a_late_one_is_taken_and_flagged(english, session):
    client = english
    in_time = await make_permit(session, decision_date=years_ago(2))
    late = await make_permit(session, decision_date=years_ago(5, plus_days=20))
    await officer(session, client)
    form = await client.get(f"/permits/{in_time.number}/renew")
    assert form.status_code == 200 and in_time.renewal_due.isoformat() in form.text
    response = await post_form(client, f"/permits/{in_time.number}/renew", {"content": ""}, page="/permits")
    assert response.status_code == 303
    application = await application_of(session, in_time.id)
    assert application.kind == "renewal" and application.proposed_content is None and not application.late
    page = await client.get(f"/permits/{in_time.number}")
    assert "Renewal applied for" in page.text and "Filed late" not in page.text

    taken = await post_form(client, f"/permits/{late.number}/renew", {"content": ""}, page="/permits")
    assert taken.status_code == 303
    application = await application_of(session, late.id)
    assert application.kind == "renewal" and application.late
    page = await client.get(f"/permits/{late.number}")
    assert f"the unit should have applied by {late.renewal_due.isoformat()}" in page.text


async def test_missing_materials_are_requested_in_the_portal_and_then_supplied(english, session):
    client = english
    permit = await make_permit(session, decision_date=years_ago(1))
    enterprise = await session.get(Enterprise, permit.enterprise_id)
    admin = await make_user(session, "enterprise_admin", enterprise=enterprise)
    await officer(session, client)
    await post_form(client, f"/permits/{permit.number}/renew", {"content": ""}, page="/permits")
    application = await application_of(session, permit.id)
    page = await client.get(f"/permits/{permit.number}")
    assert f'action="/permits/applications/{application.id}/request_materials"' in page.text
    empty = await post_form(
        client, f"/permits/applications/{application.id}/request_materials", {"missing": ""}, page="/permits"
    )
    assert empty.status_code == 400 and "This field is required." in empty.text
    asked = await post_form(
        client,
        f"/permits/applications/{application.id}/request_materials",
        {"missing": "延续申请表（法定代表人签字）"},
        page="/permits",
    )
    assert asked.status_code == 303
    page = await client.get(f"/permits/{permit.number}")
    assert "Missing materials requested on" in page.text and "Waiting for the missing materials" in page.text
    assert f'action="/permits/applications/{application.id}/accept"' not in page.text
    await post_form(client, "/logout", {}, page="/permits")
    await log_in(client, admin.username)
    page = await client.get(f"/permits/{permit.number}")
    assert f'action="/permits/applications/{application.id}/supply"' in page.text
    supplied = await post_form(
        client, f"/permits/applications/{application.id}/supply", {"note": "已补交"}, page="/permits"
    )
    assert supplied.status_code == 303
    application = await application_of(session, permit.id)
    assert application.materials_completed_on == today()


async def test_a_regulator_starts_a_change_from_the_permit_page(english, session):
    client = english
    permit = await make_permit(session, decision_date=years_ago(1))
    await officer(session, client)
    page = await client.get(f"/permits/{permit.number}")
    assert f'href="/permits/{permit.number}/start_change"' in page.text
    form = await client.get(f"/permits/{permit.number}/start_change")
    assert form.status_code == 200 and "Regulation 2021 art. 16" in form.text
    response = await post_form(
        client,
        f"/permits/{permit.number}/start_change",
        {"change_description": "地方排放标准修订", "content": ""},
        page="/permits",
    )
    assert response.status_code == 303
    application = await application_of(session, permit.id)
    assert application.started_by_authority and application.status == "accepted"
    page = await client.get(f"/permits/{permit.number}")
    assert "Change started by the authority" in page.text


async def test_a_replacement_needs_the_date_of_the_loss(english, session):
    client = english
    permit = await make_permit(session, decision_date=years_ago(1))
    await officer(session, client)
    before = await writes(session)
    missing = await post_form(
        client, f"/permits/{permit.number}/replace", {"change_description": "正本遗失"}, page="/permits"
    )
    assert missing.status_code == 400
    assert "This field is required." in missing.text.split('id="errors-event_date"')[1].split("</div>")[0]
    assert "正本遗失" in missing.text
    assert await writes(session) == before
    lost_on = (today() - timedelta(days=3)).isoformat()
    done = await post_form(
        client,
        f"/permits/{permit.number}/replace",
        {"event_date": lost_on, "change_description": "正本遗失"},
        page="/permits",
    )
    assert done.status_code == 303
    application = await application_of(session, permit.id)
    assert application.kind == "replacement" and application.event_date.isoformat() == lost_on


async def test_revocation_needs_a_reason_and_happens_once(english, session):
    client = english
    permit = await make_permit(session, decision_date=years_ago(1))
    await officer(session, client)
    before = await writes(session)
    missing = await post_form(client, f"/permits/{permit.number}/revoke", {"reason": ""}, page="/permits")
    assert missing.status_code == 400 and await writes(session) == before
    done = await post_form(
        client, f"/permits/{permit.number}/revoke", {"reason": "以欺骗手段取得许可"}, page="/permits"
    )
    assert done.status_code == 303
    await session.refresh(permit)
    assert permit.status == "revoked"
    page = await client.get(f"/permits/{permit.number}?done=revoke")
    assert "The permit was revoked." in page.text and "以欺骗手段取得许可" in page.text
    listing = await client.get(f"/permits?q={permit.number}")
    assert 'class="badge st-revoked"' in listing.text
    assert f">{(permit.valid_until - today()).days}</td>" not in listing.text  # no countdown once revoked
    assert (await client.get(f"/permits/{permit.number}/revoke")).status_code == 200
    again = await post_form(client, f"/permits/{permit.number}/revoke", {"reason": "再次"}, page="/permits")
    assert again.status_code == 409 and "Only an issued permit can be revoked or cancelled." in again.text


async def test_cancellation_as_expired_is_refused_for_a_valid_permit(english, session):
    client = english
    permit = await make_permit(session, decision_date=years_ago(1))
    await officer(session, client)
    before = await writes(session)
    refused = await post_form(
        client, f"/permits/{permit.number}/cancel", {"reason": "expired_not_renewed"}, page="/permits"
    )
    assert refused.status_code == 400
    assert f"This permit is valid until {permit.valid_until.isoformat()}" in refused.text
    assert 'value="expired_not_renewed" checked' in refused.text
    assert await writes(session) == before
    done = await post_form(
        client,
        f"/permits/{permit.number}/cancel",
        {"reason": "unit_terminated", "note": "企业已注销营业执照"},
        page="/permits",
    )
    assert done.status_code == 303
    await session.refresh(permit)
    assert permit.status == "cancelled"


# ---------------------------------------------------------------------------
# Who may act
# ---------------------------------------------------------------------------


async def test_enterprise_staff_may_not_act_on_their_permit_nor_see_another(english, session):
    client = english
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise, decision_date=years_ago(1))
    regulator = await officer(session)
    staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
    await log_in(client, staff.username)
    page = await client.get(f"/permits/{permit.number}")
    assert page.status_code == 200 and f"/permits/{permit.number}/change" not in page.text
    assert (await client.get(f"/permits/{permit.number}/change")).status_code == 403
    before = await writes(session)
    forbidden = await post_form(
        client,
        f"/permits/{permit.number}/change",
        {"kind": "change_basic", "change_description": "更名"},
        page="/permits",
    )
    assert forbidden.status_code == 403
    assert (await post_form(client, f"/permits/{permit.number}/revoke", {"reason": "x"})).status_code == 403
    renewal = await submit_application(
        session, actor(regulator), data=ApplicationInput(kind="renewal", permit_number=permit.number)
    )
    await session.flush()
    before = await writes(session)
    accept = await post_form(client, f"/permits/applications/{renewal.id}/accept", {}, page="/permits")
    assert accept.status_code == 403
    assert await writes(session) == before

    other = await make_permit(session, decision_date=years_ago(1))
    assert (await client.get(f"/permits/{other.number}")).status_code == 404
    assert (await client.get(f"/permits/{other.number}/change")).status_code == 404


async def test_an_enterprise_admin_files_a_change_of_basic_information(english, session):
    client = english
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise, decision_date=years_ago(1))
    admin = await make_user(session, "enterprise_admin", enterprise=enterprise)
    await log_in(client, admin.username)
    page = await client.get(f"/permits/{permit.number}")
    assert (
        f"/permits/{permit.number}/change" in page.text
        and f"/permits/{permit.number}/revoke" not in page.text
    )
    response = await post_form(
        client,
        f"/permits/{permit.number}/change",
        {"kind": "change_basic", "change_description": "法定代表人变更", "content": ""},
        page="/permits",
    )
    assert response.status_code == 400 and "principal person changed" in response.text  # its date is needed
    response = await post_form(
        client,
        f"/permits/{permit.number}/change",
        {
            "kind": "change_basic",
            "change_description": "法定代表人变更",
            "event_date": (today() - timedelta(days=5)).isoformat(),
            "content": "",
        },
        page="/permits",
    )
    assert response.status_code == 303
    application = await application_of(session, permit.id)
    assert not application.late
    assert application.kind == "change_basic" and application.submitted_by_username == admin.username
    page = await client.get(f"/permits/{permit.number}")
    assert "Application in progress" in page.text and 'id="decisions"' not in page.text


# ---------------------------------------------------------------------------
# The worklist
# ---------------------------------------------------------------------------


async def test_the_worklist_lists_open_applications_by_due_date_overdue_first(english, session):
    client = english
    user = await officer(session, client)
    recent = await first_application(session, await make_enterprise(session), user)
    stale = await first_application(session, await make_enterprise(session), user)
    stale.received_on = today() - timedelta(days=30)
    stale.accept_due = today() - timedelta(days=20)
    session.add(stale)
    elsewhere_officer = await make_user(session, "permitting", region_code="310110")
    elsewhere = await first_application(
        session, await make_enterprise(session, region_code="310110"), elsewhere_officer
    )
    await session.flush()
    response = await client.get("/permits/worklist")
    assert response.status_code == 200
    table = response.text[response.text.index('id="worklist"') :]
    assert f"/permits/id/{stale.permit_id}#application" in table
    assert table.index(f"/permits/id/{stale.permit_id}") < table.index(f"/permits/id/{recent.permit_id}")
    assert f"/permits/id/{elsewhere.permit_id}" not in table
    assert "Overdue: 20 days" in table and 'class="overdue-row"' in table
    page = await client.get(f"/permits/id/{stale.permit_id}")
    assert "Time limit missed" in page.text and "Overdue: 20 days" in page.text


async def test_an_enterprise_admin_applies_for_the_first_permit_of_their_unit(english, session):
    client = english
    enterprise = await make_enterprise(session)
    admin = await make_user(session, "enterprise_admin", enterprise=enterprise)
    await log_in(client, admin.username)
    form = await client.get("/permits/apply")
    assert form.status_code == 200 and f'value="{enterprise.credit_code}"' in form.text
    response = await post_form(
        client,
        "/permits/apply",
        {
            "enterprise_credit_code": enterprise.credit_code,
            "category": "key",
            "issuing_authority": AUTHORITY,
            "content": json.dumps(permit_content(), ensure_ascii=False),
        },
        page="/permits/apply",
    )
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert "Awaiting acceptance" in page.text and 'id="decisions"' not in page.text  # the unit cannot decide


async def test_staff_and_the_public_may_not_open_the_application_form(english, session):
    client = english
    assert (await client.get("/permits")).headers["location"].startswith("/login")
    staff = await make_user(session, "enterprise_staff")
    await log_in(client, staff.username)
    assert (await client.get("/permits/apply")).status_code == 403
    ecology = await make_user(session, "ecology", region_code="310107")
    client.cookies.clear()
    await log_in(client, ecology.username)
    assert (await client.get("/permits")).status_code == 200
    assert (await client.get("/permits/apply")).status_code == 403


async def test_the_worklist_counts_and_marks_applications_filed_late(english, session):
    client = english
    late = await make_permit(session, decision_date=years_ago(5, plus_days=20))
    user = await officer(session, client)
    await submit_application(
        session, actor(user), data=ApplicationInput(kind="renewal", permit_number=late.number)
    )
    page = await client.get("/permits/worklist")
    tile = page.text[page.text.index('id="late-filings"') :].split("</div>")[0]
    assert '<span class="figure">1</span>' in tile and "Filed late by units this year" in tile
    assert '<span class="badge late">filed late</span>' in page.text
    # the renewal deadline in the register names its article on hover
    listing = await client.get("/permits")
    assert 'title="60 calendar days · Regulation 2021 art. 14' in listing.text
