"""Agencies in the portal: registration, review, authorisation, the agency's home, credit pages, ranking."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from domain.access import operator
from domain.accounts.models import User
from domain.actors import actor_for_user
from domain.agencies import service as agencies
from domain.agencies.models import Agency, AgencyAuthorisation, CreditEvent
from domain.agencies.rules import AgencyInput, AuthorisationInput, QualificationInput, StaffInput
from domain.agency_oversight import service as oversight
from domain.clock import today, utcnow
from domain.ledgers.rules import ReadingInput
from domain.ledgers.service import readings as ledgers
from domain.reports.queries.editor import get_draft
from tests.factories import actor, credit_code, file_report, make_enterprise, make_permit, make_user
from tests.portal_helpers import csrf_token, log_in, post_form

EN = {"Accept-Language": "en"}
CLERK_PASSWORD = "agency-password-1"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
async def app(db, settings):  # type: ignore[no-untyped-def]
    """The application with the agency pages (and the ledger and report pages they link to) mounted."""
    from portal import agencies as agency_pages
    from portal import ledgers as ledger_pages
    from portal import reports as report_pages
    from server.app import create_app

    application = create_app(settings, db)
    present = {
        (getattr(r, "path", None), tuple(sorted(getattr(r, "methods", None) or ())))
        for r in application.router.routes
    }
    extra = [
        route
        for route in (*agency_pages.routes, *ledger_pages.routes, *report_pages.routes)
        if (route.path, tuple(sorted(route.methods or ()))) not in present
    ]
    application.router.routes[:0] = extra
    return application


async def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return int((await session.exec(select(func.count()).select_from(model))).one())


_serial = iter(range(1, 100_000))


async def make_agency(
    session,
    *,
    status="approved",
    region="310107",
    services=("ledger", "reports", "self_monitoring"),
    name=None,
):  # type: ignore[no-untyped-def]
    n = next(_serial)
    agency = await agencies.register_agency(
        session,
        operator("portal"),
        data=AgencyInput(
            name=name or f"上海绿源环境技术服务有限公司{n}",
            credit_code=credit_code(),
            address="上海市普陀区",
            region_code=region,
            contact_person="周敏",
            contact_phone="021-52000000",
            service_types=list(services),
            qualifications=[
                QualificationInput("检验检测机构资质认定", "CMA-1", date(2099, 12, 31)),
                QualificationInput("旧资质", "OLD-1", date(2001, 1, 1)),
            ],
        ),
        staff=[StaffInput(username=f"agency-clerk-{n}", password=CLERK_PASSWORD)],
    )
    await session.flush()
    if status != "pending":
        await agencies.review_agency(session, operator(), credit_code=agency.credit_code, decision="approve")
    if status == "suspended":
        await agencies.review_agency(
            session, operator(), credit_code=agency.credit_code, decision="suspend", reason="核查中"
        )
    await session.flush()
    clerk = (await session.exec(select(User).where(User.agency_id == agency.id))).one()
    return agency, clerk


async def unit_with_permit(session):  # type: ignore[no-untyped-def]
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise, decision_date=(today() - timedelta(days=700)).isoformat())
    return enterprise, permit


async def authorise(session, enterprise, agency, scopes, days=(-1, 365)):  # type: ignore[no-untyped-def]
    admin = actor(await make_user(session, "enterprise_admin", enterprise=enterprise))
    authorisation = await agencies.authorise_agency(
        session,
        admin,
        data=AuthorisationInput(
            agency.credit_code,
            list(scopes),
            today() + timedelta(days=days[0]),
            today() + timedelta(days=days[1]),
            "HT-2025-001",
        ),
    )
    await session.flush()
    return authorisation


async def agency_readings(session, agency, clerk):  # type: ignore[no-untyped-def]
    """The agency enters a few readings for a new client: a record a credit event can rest on."""
    enterprise, permit = await unit_with_permit(session)
    await authorise(session, enterprise, agency, ["self_monitoring"])
    moment = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(hours=30)
    await ledgers.record_readings(
        session,
        await actor_for_user(session, clerk, channel="portal"),
        permit_number=permit.number,
        readings=[ReadingInput("DA001", "SO2", "automatic", moment, 20.0, "mg/m3", flow_m3=1e5)],
    )
    await session.flush()
    return enterprise, permit


def registration(code: str, **overrides: object) -> dict:  # type: ignore[type-arg]
    form: dict[str, object] = {
        "name": "上海清源检测技术有限公司",
        "credit_code": code,
        "address": "上海市普陀区真北路100号",
        "region_code": "310107",
        "contact_person": "王芳",
        "contact_phone": "021-52001234",
        "service_types": ["self_monitoring", "reports"],
        "qualification_name": ["检验检测机构资质认定", ""],
        "qualification_number": ["CMA-2025-88", ""],
        "qualification_valid_until": ["2030-06-30", ""],
        "staff_username": ["qingyuan-li", ""],
        "staff_display_name": ["李强", ""],
        "staff_password": ["qingyuan-password-1", ""],
    }
    form.update(overrides)
    return form


# ---------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------


async def test_registration_names_each_bad_field_keeps_the_input_and_writes_nothing(client, session):
    agencies_before, users_before = await count(session, Agency), await count(session, User)
    token = await csrf_token(client, "/agencies/register")
    response = await client.post(
        "/agencies/register",
        data={
            **registration(
                "91350100M000100Y44",
                service_types=[],
                staff_username=["Bad Name"],
                staff_password=["short"],
                qualification_name=["环境监测资质"],
                qualification_number=["X-1"],
                qualification_valid_until=["31/12/2030"],
            ),
            "csrf_token": token,
        },
        headers=EN,
    )
    assert response.status_code == 400
    html = response.text
    # each problem next to its field
    assert re.search(r'id="errors-credit_code"[^>]*>\s*<p class="error"[^>]*>[^<]*check character', html)
    assert re.search(r'id="errors-service_types"[^>]*>\s*<p class="error"[^>]*>Choose one of', html)
    assert re.search(
        r'id="errors-staff\[0\]\.username"[^>]*>\s*<p class="error"[^>]*>3 to 27 characters', html
    )
    assert re.search(r'id="errors-staff\[0\]\.password"[^>]*>\s*<p class="error"[^>]*>', html)
    assert re.search(
        r'id="errors-qualifications\[0\]\.valid_until"[^>]*>\s*<p class="error"[^>]*>Expected a date', html
    )
    # what was typed is still there
    assert (
        'value="上海清源检测技术有限公司"' in html
        and 'value="31/12/2030"' in html
        and 'value="Bad Name"' in html
    )
    assert await count(session, Agency) == agencies_before and await count(session, User) == users_before


async def test_add_another_row_works_without_javascript_and_as_an_htmx_fragment(client):
    token = await csrf_token(client, "/agencies/register")
    response = await client.post(
        "/agencies/register", data={**registration(credit_code()), "add": "staff", "csrf_token": token}
    )
    assert response.status_code == 200
    assert response.text.count('name="staff_username"') == 2 and 'value="qingyuan-li"' in response.text
    fragment = await client.get("/agencies/register/row/qualification", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'name="qualification_valid_until"' in fragment.text


async def test_an_agency_registers_over_http_and_waits_for_review(client, session):
    code = credit_code()
    response = await post_form(client, "/agencies/register", registration(code), page="/agencies/register")
    assert response.status_code == 303 and response.headers["location"] == "/agencies/register/submitted"
    page = await client.get("/agencies/register/submitted", headers=EN)
    assert "awaiting review" in page.text and code in page.text
    agency = (await session.exec(select(Agency).where(Agency.credit_code == code))).one()
    assert agency.status == "pending" and agency.service_types == ["self_monitoring", "reports"]
    assert agency.qualifications == [
        {"name": "检验检测机构资质认定", "number": "CMA-2025-88", "valid_until": "2030-06-30"}
    ]
    staff = (await session.exec(select(User).where(User.agency_id == agency.id))).one()
    # the login is the name asked for and a suffix (registering tells nobody which usernames exist)
    assert re.fullmatch(r"qingyuan-li-[a-z2-9]{4}", staff.username) and staff.role == "agency_staff"
    assert f"<code>{staff.username}</code>" in page.text
    # The clerk can log in and sees the agency waiting; it acts for no one yet.
    client.cookies.clear()
    assert (await log_in(client, staff.username, "qingyuan-password-1")).status_code == 303
    home = await client.get("/agency", headers=EN)
    assert home.status_code == 200 and "awaiting review by the legal section" in home.text
    assert "No authorisation is in force today." in home.text


# ---------------------------------------------------------------------------
# Review by the legal section
# ---------------------------------------------------------------------------


async def test_the_legal_section_rejects_with_reasons_and_approves(client, session):
    agency, _clerk = await make_agency(session, status="pending")
    legal = await make_user(session, "legal", region_code="310107")
    await log_in(client, legal.username)
    listing = await client.get("/agencies/review", headers=EN)
    assert listing.status_code == 200 and agency.credit_code in listing.text and "1 expired" in listing.text
    detail = await client.get(f"/agencies/{agency.credit_code}", headers=EN)
    assert re.search(r'class="expired-row"[^$]*旧资质', detail.text)  # the expired qualification is flagged
    assert "agency-clerk-" in detail.text  # the staff
    # rejecting needs reasons: said next to the field, nothing changes
    refused = await post_form(
        client,
        f"/agencies/{agency.credit_code}/review",
        {"decision": "reject", "reason": ""},
        page=f"/agencies/{agency.credit_code}",
    )
    assert refused.status_code == 400
    assert re.search(r'id="errors-reason"[^>]*>\s*<p class="error"[^>]*>', refused.text)
    await session.refresh(agency)
    assert agency.status == "pending"
    approved = await post_form(
        client,
        f"/agencies/{agency.credit_code}/review",
        {"decision": "approve", "reason": ""},
        page=f"/agencies/{agency.credit_code}",
    )
    assert approved.status_code == 303
    await session.refresh(agency)
    assert agency.status == "approved" and agency.status_changed_by == legal.username


async def test_only_the_legal_section_reviews(client, session):
    agency, _clerk = await make_agency(session, status="pending")
    staff = await make_user(session, "enterprise_admin")
    await log_in(client, staff.username)
    assert (await client.get("/agencies/review")).status_code == 403
    response = await post_form(
        client,
        f"/agencies/{agency.credit_code}/review",
        {"decision": "approve"},
        page="/agencies/authorisations",
    )
    assert response.status_code in (403, 404)
    await session.refresh(agency)
    assert agency.status == "pending"


# ---------------------------------------------------------------------------
# Authorisation by the enterprise, the agency's home, refusal outside scope
# ---------------------------------------------------------------------------


async def test_an_enterprise_admin_authorises_and_the_clerk_sees_the_client_and_nothing_else(client, session):
    agency, clerk = await make_agency(session)
    enterprise, permit = await unit_with_permit(session)
    other, other_permit = await unit_with_permit(session)
    admin = await make_user(session, "enterprise_admin", enterprise=enterprise)
    await log_in(client, admin.username)
    page = await client.get("/agencies/authorisations", headers=EN)
    assert re.search(rf'<option value="{agency.credit_code}"[^>]*>[^<]*credit level A \(100\)', page.text)

    # a file that is not what it says is refused with the other input kept, nothing written
    token = await csrf_token(client, "/agencies/authorisations")
    window = {
        "valid_from": (today() - timedelta(days=1)).isoformat(),
        "valid_until": (today() + timedelta(days=90)).isoformat(),
    }
    fields = {
        "agency_credit_code": agency.credit_code,
        "scopes": ["ledger"],
        "contract_number": "HT-9",
        **window,
    }
    bad = await client.post(
        "/agencies/authorisations",
        data={**fields, "csrf_token": token},
        files={"contract_file": ("contract.pdf", b"not a pdf", "application/pdf")},
        headers=EN,
    )
    assert bad.status_code == 400
    assert re.search(
        r'id="errors-contract_file"[^>]*>\s*<p class="error"[^>]*>Upload the contract as a PDF', bad.text
    )
    assert 'value="HT-9"' in bad.text
    assert await count(session, AgencyAuthorisation) == 0

    good = await client.post(
        "/agencies/authorisations",
        data={**fields, "csrf_token": token},
        files={"contract_file": ("合同.png", PNG, "image/png")},
    )
    assert good.status_code == 303
    listing = await client.get("/agencies/authorisations", headers=EN)
    assert "In force" in listing.text and "HT-9" in listing.text
    stored = (await session.exec(select(AgencyAuthorisation))).one()
    assert stored.contract_file == PNG and stored.contract_file_name == "合同.png"
    scan = await client.get(f"/agencies/authorisations/{stored.id}/contract")
    assert scan.status_code == 200 and scan.content == PNG and scan.headers["content-type"] == "image/png"

    # the unit's staff see the list read-only
    client.cookies.clear()
    reader = await make_user(session, "enterprise_staff", enterprise=enterprise)
    await log_in(client, reader.username)
    read_only = await client.get("/agencies/authorisations", headers=EN)
    assert "HT-9" in read_only.text and 'action="/agencies/authorisations"' not in read_only.text
    assert "/revoke" not in read_only.text

    # the agency's clerk sees the client in force, may open its ledger, not another unit's
    client.cookies.clear()
    await log_in(client, clerk.username, CLERK_PASSWORD)
    home = await client.get("/agency", headers=EN)
    assert home.status_code == 200
    clients = home.text.split('id="clients-in-force"')[1].split("</section>")[0]
    assert enterprise.name in clients and other.name not in clients and "Ledger keeping" in clients
    # The permit's desks are those the authorisation's scopes open: the ledger's records, not its
    # monitoring readings (self-monitoring) nor the reports.
    desks = re.findall(r'data-desk="(\w+)" href="([^"]+)"', clients)
    assert desks == [("entries", f"/ledger/{permit.number}/entries")]
    assert (await client.get(f"/ledger/{permit.number}/entries")).text.count('id="add-entry"') == 1
    assert (await client.get(f"/ledger/{permit.number}/readings")).status_code == 200
    assert (await client.get(f"/ledger/{other_permit.number}/readings")).status_code in (403, 404)
    assert (await client.get("/agencies/authorisations")).status_code == 403
    assert (await client.get(f"/agencies/authorisations/{stored.id}/contract")).status_code == 200


async def test_revoking_ends_the_authorisation_at_once(client, session):
    agency, clerk = await make_agency(session)
    enterprise, permit = await unit_with_permit(session)
    authorisation = await authorise(session, enterprise, agency, ["ledger"])
    await log_in(client, clerk.username, CLERK_PASSWORD)
    assert (await client.get(f"/ledger/{permit.number}/readings")).status_code == 200
    client.cookies.clear()
    admin = await make_user(session, "enterprise_admin", enterprise=enterprise)
    await log_in(client, admin.username)
    response = await post_form(
        client,
        f"/agencies/authorisations/{authorisation.id}/revoke",
        {"reason": "合同终止"},
        page="/agencies/authorisations",
    )
    assert response.status_code == 303
    listing = await client.get("/agencies/authorisations", headers=EN)
    assert "Revoked" in listing.text and "合同终止" in listing.text
    client.cookies.clear()
    await log_in(client, clerk.username, CLERK_PASSWORD)
    assert (await client.get(f"/ledger/{permit.number}/readings")).status_code in (403, 404)


# ---------------------------------------------------------------------------
# Filings and credit seen by the agency
# ---------------------------------------------------------------------------


async def test_the_agency_sees_its_filings_traced_to_the_person_and_every_credit_event_with_its_source(
    client, session, db
):
    agency, clerk = await make_agency(session)
    enterprise, permit = await unit_with_permit(session)
    await authorise(session, enterprise, agency, ["self_monitoring", "reports"])
    clerk_as = await actor_for_user(session, clerk, channel="portal")
    moment = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(hours=30)
    await ledgers.record_readings(
        session,
        clerk_as,
        permit_number=permit.number,
        readings=[
            ReadingInput("DA001", "SO2", "automatic", moment - timedelta(hours=h), 20.0, "mg/m3", flow_m3=1e5)
            for h in range(3)
        ],
    )
    period = str(today().year - 1)
    draft = await get_draft(session, clerk_as, permit_number=permit.number, kind="annual", period=period)
    content = {**draft.content, "statement": ""}
    result = await file_report(db, clerk_as, permit, period, content, "agency-portal-1", kind="annual")
    # another agency's filing for its own client is not in this list
    stranger, stranger_clerk = await make_agency(session)
    other, other_permit = await unit_with_permit(session)
    await authorise(session, other, stranger, ["self_monitoring"])
    await ledgers.record_readings(
        session,
        await actor_for_user(session, stranger_clerk, channel="portal"),
        permit_number=other_permit.number,
        readings=[ReadingInput("DA001", "SO2", "automatic", moment, 21.0, "mg/m3", flow_m3=1e5)],
    )
    await session.flush()

    await log_in(client, clerk.username, CLERK_PASSWORD)
    filings = await client.get("/agency/filings", headers=EN)
    assert filings.status_code == 200
    assert "3 readings" in filings.text and clerk.username in filings.text
    assert (
        f"/reports/id/{result.report.id}" in filings.text and result.submission.receipt_number in filings.text
    )
    assert other.name not in filings.text and stranger_clerk.username not in filings.text
    only_reports = await client.get("/agency/filings?kind=report_submission", headers=EN)
    assert "3 readings" not in only_reports.text and result.submission.receipt_number in only_reports.text

    home = await client.get("/agency", headers=EN)
    credit = home.text.split('id="credit"')[1].split("</section>")[0]
    assert "Audit rule warning in a filing" in credit
    assert f'href="/reports/id/{result.report.id}"' in credit  # the filing behind the event
    assert f"/receipts/{result.submission.receipt_number}" in credit
    by_client = home.text.split('id="filings-by-client"')[1].split("</section>")[0]
    assert enterprise.name in by_client and ">3<" in by_client

    # regulators read an agency's filings for the units of their jurisdiction only
    client.cookies.clear()
    await log_in(client, (await make_user(session, "ecology", region_code="310107")).username)
    seen = await client.get(f"/agencies/{agency.credit_code}/filings", headers=EN)
    assert seen.status_code == 200 and "3 readings" in seen.text and clerk.username in seen.text
    client.cookies.clear()
    await log_in(client, (await make_user(session, "ecology", region_code="110101")).username)
    unseen = await client.get(f"/agencies/{agency.credit_code}/filings", headers=EN)
    assert unseen.status_code == 200 and "0 filings" in unseen.text and "3 readings" not in unseen.text

    # the unit sees who entered its readings and filed its report: the clerk, for the agency (a link to
    # the agency's public credit page), never the internal tag
    client.cookies.clear()
    await log_in(client, (await make_user(session, "enterprise_staff", enterprise=enterprise)).username)
    agency_link = f'service agency <a href="/public/agencies/{agency.credit_code}">'
    for page in (f"/ledger/{permit.number}/readings", f"/reports/id/{result.report.id}"):
        shown = await client.get(page, headers=EN)
        assert shown.status_code == 200 and clerk.username in shown.text
        assert agency_link in shown.text and f"agency:{agency.credit_code}" not in shown.text

    # another agency's page is closed to this clerk
    client.cookies.clear()
    await log_in(client, clerk.username, CLERK_PASSWORD)
    assert (await client.get(f"/agencies/{stranger.credit_code}")).status_code in (403, 404)
    assert (await client.get(f"/agencies/{stranger.credit_code}/filings")).status_code in (403, 404)


# ---------------------------------------------------------------------------
# Public directory and credit page; credit events recorded by enforcement
# ---------------------------------------------------------------------------


async def test_enforcement_records_falsified_data_and_the_public_page_shows_it_but_not_private_events(
    client, session
):
    agency, clerk = await make_agency(session)
    enterprise, permit = await agency_readings(session, agency, clerk)
    pending, _ = await make_agency(session, status="pending")
    legal = actor(await make_user(session, "legal", region_code="310107"))
    await oversight.record_credit_event(
        session,
        legal,
        credit_code=agency.credit_code,
        kind="training_passed",
        note="2025年度培训（内部）",
        source_id="T-1",
    )
    await session.flush()
    enforcement = await make_user(session, "enforcement", region_code="310107")
    await log_in(client, enforcement.username)
    empty = await post_form(
        client,
        f"/agencies/{agency.credit_code}/credit-events",
        {"kind": "falsified_data", "note": "", "source_id": "INSP-1"},
        page=f"/agencies/{agency.credit_code}",
    )
    assert empty.status_code == 400
    assert re.search(r'id="errors-note"[^>]*>\s*<p class="error"[^>]*>', empty.text)
    assert 'value="INSP-1"' in empty.text
    # lowering the score needs its evidence: one of the agency's own records, offered by name
    assert re.search(r'id="errors-evidence"[^>]*>\s*<p class="error"[^>]*>', empty.text)
    assert f'value="readings:{permit.number}"' in empty.text and enterprise.name in empty.text
    recorded = await post_form(
        client,
        f"/agencies/{agency.credit_code}/credit-events",
        {
            "kind": "falsified_data",
            "note": "自动监测数据造假（执法检查查实）",
            "evidence": f"readings:{permit.number}",
        },
        page=f"/agencies/{agency.credit_code}",
    )
    assert recorded.status_code == 303

    client.cookies.clear()
    page = await client.get(f"/public/agencies/{agency.credit_code}", headers=EN)
    assert page.status_code == 200
    assert "自动监测数据造假（执法检查查实）" in page.text and "2025年度培训（内部）" not in page.text
    evidence = page.text.split('class="evidence">')[1].split("</td>")[0]
    assert f"Monitoring readings · {enterprise.name}" in evidence and permit.number not in evidence
    assert 'data-score="72.0"' in page.text  # 100 + 2 - 30: the score counts every event
    assert "/static/vendor/chartjs/chart.umd.min.js" in page.text and 'id="agency-score-data"' in page.text
    formula = page.text.split('id="formula"')[1].split("</section>")[0]
    assert "Falsified data" in formula and "-30" in formula and "≥ 90" in formula
    assert (await client.get(f"/public/agencies/{pending.credit_code}")).status_code == 404

    directory = await client.get("/public/agencies?q=绿源", headers=EN)
    assert agency.credit_code in directory.text and pending.credit_code not in directory.text
    by_service = await client.get(
        "/public/agencies?service=facility_operation", headers={**EN, "HX-Request": "true"}
    )
    assert "<html" not in by_service.text and agency.credit_code not in by_service.text


async def test_an_enterprise_admin_choosing_an_agency_gets_a_link_to_authorise_it(client, session):
    agency, _clerk = await make_agency(session)
    admin = await make_user(session, "enterprise_admin")
    await log_in(client, admin.username)
    page = await client.get(f"/public/agencies/{agency.credit_code}")
    assert f"/agencies/authorisations?agency={agency.credit_code}" in page.text
    form = await client.get(f"/agencies/authorisations?agency={agency.credit_code}")
    assert re.search(rf'<option value="{agency.credit_code}" selected', form.text)


# ---------------------------------------------------------------------------
# The regulators' ranking
# ---------------------------------------------------------------------------


async def _event_at(session, agency, kind, days_ago, source_id):  # type: ignore[no-untyped-def]
    event = await agencies.add_credit_event(
        session, agency_id=agency.id, kind=kind, source_type="regulator", source_id=source_id, note=kind
    )
    assert event is not None
    event.occurred_at = utcnow() - timedelta(days=days_ago)
    session.add(event)
    await session.flush()


async def test_regulators_rank_the_agencies_of_their_jurisdiction_with_falling_scores_highlighted(
    client, session
):
    falling, _ = await make_agency(session, name="下滑环境服务公司")
    rising, _ = await make_agency(session, name="上升环境服务公司")
    elsewhere, _ = await make_agency(session, region="110101", name="外地环境服务公司")
    _enterprise, permit = await unit_with_permit(session)
    await _event_at(session, falling, "assessment_passed", 40, "A-1")
    await _event_at(session, falling, "falsified_data", 2, permit.number)  # the readings behind it
    await _event_at(session, rising, "training_passed", 3, "T-9")
    officer = await make_user(session, "ecology", region_code="310107")
    await log_in(client, officer.username)
    page = await client.get("/agencies/ranking", headers=EN)
    assert page.status_code == 200
    text = page.text
    assert text.index(rising.credit_code) < text.index(falling.credit_code)
    assert elsewhere.credit_code not in text
    row = re.search(rf'<tr class="([^"]*)" id="rank-{falling.credit_code}"', text)
    assert row and "falling" in row.group(1)
    assert 'class="falling"' not in text.split(f'id="rank-{rising.credit_code}"')[0].rsplit("<tr", 1)[1]
    assert "Agencies with a falling score: 1." in text
    events = await client.get(f"/agencies/{falling.credit_code}/events", headers={**EN, "HX-Request": "true"})
    assert events.status_code == 200 and "<html" not in events.text
    assert f'href="/ledger/{permit.number}/readings"' in events.text and "Falsified data" in events.text

    client.cookies.clear()
    assert (await client.get("/agencies/ranking")).status_code == 303  # to the login page
    owner = await make_user(session, "enterprise_admin")
    await log_in(client, owner.username)
    assert (await client.get("/agencies/ranking")).status_code == 403
    assert await count(session, CreditEvent) == 3


async def test_the_clerk_sees_the_report_schedule_of_every_client_that_authorised_reports_and_no_other(
    client, session
):
    agency, clerk = await make_agency(session)
    reports_client, reports_permit = await unit_with_permit(session)
    ledger_client, ledger_permit = await unit_with_permit(session)
    ended_client, ended_permit = await unit_with_permit(session)
    stranger, stranger_permit = await unit_with_permit(session)
    await authorise(session, reports_client, agency, ["reports"])
    await authorise(session, ledger_client, agency, ["ledger"])
    await authorise(session, ended_client, agency, ["reports"], days=(-60, -1))  # the window has passed

    await log_in(client, clerk.username, CLERK_PASSWORD)
    home = await client.get("/agency", headers=EN)
    assert 'href="/reports"' in home.text  # reachable from the navigation
    page = await client.get("/reports", headers=EN)
    assert page.status_code == 200
    assert "Execution reports of your clients" in page.text
    card = page.text.split(f'id="permit-{reports_permit.number}"')[1].split("</section>")[0]
    assert reports_client.name in card
    # every past period is listed; the permit was decided 700 days ago, so some are overdue
    assert 'data-state="overdue"' in card
    assert f'href="/reports/{reports_permit.number}/' in card
    for number in (ledger_permit.number, ended_permit.number, stranger_permit.number):
        assert number not in page.text
    attention = page.text.split('class="card rp-attention"')[1].split("</section>")[0]
    assert f'href="#permit-{reports_permit.number}"' in attention

    # and the editor of a listed report opens for the clerk
    first = re.search(rf'href="(/reports/{reports_permit.number}/[a-z]+/[0-9QM-]+)"', card)
    assert first is not None
    assert (await client.get(first.group(1), headers=EN)).status_code == 200


async def test_a_clerk_whose_agency_files_for_no_one_is_told_so(client, session):
    _agency, clerk = await make_agency(session)
    await log_in(client, clerk.username, CLERK_PASSWORD)
    page = await client.get("/reports", headers=EN)
    assert page.status_code == 200
    assert "No enterprise has an authorisation in force" in page.text
    assert 'href="/agency"' in page.text


async def test_the_events_a_filing_made_show_no_system_note_where_people_read(client, session):
    agency, clerk = await make_agency(session)
    await agencies.add_credit_event(
        session,
        agency_id=agency.id,
        kind="feedback_form",
        source_type="feedback_form",
        source_id="999999",
        note="quarterly 2026-Q3",  # as the review use case writes it: the report's kind key and period
    )
    await agencies.add_credit_event(
        session,
        agency_id=agency.id,
        kind="training_passed",
        source_type="regulator",
        source_id="T-1",
        note="2026年度培训",
        recorded_by="pt-legal",
    )
    await session.flush()
    await log_in(client, clerk.username, CLERK_PASSWORD)
    home = await client.get("/agency", headers=EN)
    events = home.text.split(f'id="events-{agency.credit_code}"', 1)[1].split("</table>", 1)[0]
    assert events.count("<tr") == 3  # the heading and both events
    assert "quarterly" not in events
    assert "2026年度培训" in events and "pt-legal" in events
