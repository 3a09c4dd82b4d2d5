"""Regulators act on an agency only within their jurisdiction, and an agency's staff (and its clients) are
told at once, in the portal and by mail, when its right to act changes."""

from __future__ import annotations

from sqlmodel import col, select

from domain.access import operator
from domain.agencies import service as agencies
from domain.agencies.models import Agency, CreditEvent
from domain.notifications.models import Notification, OutboxMessage
from tests.agencies.test_portal_agencies import app, authorise, make_agency  # noqa: F401
from tests.factories import actor, make_enterprise, make_user
from tests.graphql_helpers import bearer_token, graphql_data
from tests.portal_helpers import log_in, post_form

APPROVE = """
mutation($code: String!) { approveAgency(creditCode: $code) { agency { status } errors { field code } } }"""
SUSPEND = """
mutation($code: String!) { suspendAgency(creditCode: $code, reason: "核查中") {
  agency { status } errors { field code } } }"""


async def _status(session, agency: Agency) -> str:  # type: ignore[no-untyped-def]
    await session.refresh(agency)
    return agency.status


async def test_a_legal_section_outside_the_agencys_region_cannot_review_it_in_the_portal(client, session):
    pending, _clerk = await make_agency(session, status="pending")  # registered in Putuo, Shanghai
    jinan = await make_user(session, "legal", region_code="370100")
    await log_in(client, jinan.username)
    listing = await client.get("/agencies/review")
    assert listing.status_code == 200 and pending.credit_code not in listing.text
    refused = await post_form(
        client,
        f"/agencies/{pending.credit_code}/review",
        {"decision": "approve", "reason": ""},
        page="/agencies/review",
    )
    assert refused.status_code == 403
    assert await _status(session, pending) == "pending"
    page = await client.get(f"/agencies/{pending.credit_code}")
    assert 'action="/agencies/' + pending.credit_code + '/review"' not in page.text

    putuo = await make_user(session, "legal", region_code="310107")
    client.cookies.clear()
    await log_in(client, putuo.username)
    assert pending.credit_code in (await client.get("/agencies/review")).text
    approved = await post_form(
        client,
        f"/agencies/{pending.credit_code}/review",
        {"decision": "approve", "reason": ""},
        page="/agencies/review",
    )
    assert approved.status_code == 303 and await _status(session, pending) == "approved"


async def test_enforcement_outside_the_agencys_region_records_no_credit_event(client, session):
    agency, _clerk = await make_agency(session)
    jinan = await make_user(session, "enforcement", region_code="370100")
    await log_in(client, jinan.username)
    refused = await post_form(
        client,
        f"/agencies/{agency.credit_code}/credit-events",
        {"kind": "training_passed", "note": "培训", "source_id": "T-9"},
        page=f"/agencies/{agency.credit_code}",
    )
    assert refused.status_code == 403
    events = (await session.exec(select(CreditEvent).where(CreditEvent.agency_id == agency.id))).all()
    assert events == []


async def test_a_regulator_outside_the_jurisdiction_is_refused_through_the_api(client, session):
    pending, _clerk = await make_agency(session, status="pending")
    approved, _ = await make_agency(session)
    token = await bearer_token(session, await make_user(session, "legal", region_code="370100"))
    refused = await graphql_data(client, APPROVE, {"code": pending.credit_code}, token=token)
    assert refused["approveAgency"] == {"agency": None, "errors": [{"field": None, "code": "forbidden"}]}
    refused = await graphql_data(client, SUSPEND, {"code": approved.credit_code}, token=token)
    assert refused["suspendAgency"]["errors"][0]["code"] == "forbidden"
    assert await _status(session, pending) == "pending" and await _status(session, approved) == "approved"
    credit = """mutation($code: String!) { recordAgencyCreditEvent(creditCode: $code, kind: TRAINING_PASSED,
      note: "培训", sourceId: "T-1") { event { kind } errors { code } } }"""
    refused = await graphql_data(client, credit, {"code": approved.credit_code}, token=token)
    assert refused["recordAgencyCreditEvent"] == {"event": None, "errors": [{"code": "forbidden"}]}


# ---------------------------------------------------------------------------
# Notices: approval, suspension, authorisation granted and revoked
# ---------------------------------------------------------------------------


async def _notices(session, user_id: int) -> list[Notification]:  # type: ignore[no-untyped-def]
    statement = select(Notification).where(Notification.user_id == user_id).order_by(col(Notification.id))
    return list((await session.exec(statement)).all())


async def _mail_to(session, address: str) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    return list((await session.exec(select(OutboxMessage).where(OutboxMessage.to_address == address))).all())


async def _with_email(session, user, address: str):  # type: ignore[no-untyped-def]
    user.email = address
    session.add(user)
    await session.flush()
    return user


async def test_the_agencys_staff_are_told_it_was_approved_in_the_portal_and_by_mail(client, session):
    agency, clerk = await make_agency(session, status="pending")
    await _with_email(session, clerk, "clerk@example.cn")
    legal = await make_user(session, "legal", region_code="310107")
    await log_in(client, legal.username)
    await post_form(
        client, f"/agencies/{agency.credit_code}/review", {"decision": "approve"}, page="/agencies/review"
    )
    [notice] = await _notices(session, clerk.id)
    assert notice.kind == "agency_status" and agency.name in notice.title and "approved" in notice.title
    assert notice.emailed
    [mail] = await _mail_to(session, "clerk@example.cn")
    assert mail.subject == notice.title and mail.status == "pending"
    client.cookies.clear()
    await log_in(client, clerk.username, "agency-password-1")
    assert agency.name in (await client.get("/notifications")).text


async def test_suspension_tells_the_staff_and_the_units_that_relied_on_the_agency(session):
    agency, clerk = await make_agency(session)
    await _with_email(session, clerk, "clerk2@example.cn")
    unit = await make_enterprise(session)
    await authorise(session, unit, agency, ["reports"])
    unit_admin = (
        await session.exec(
            select(agencies.User).where(
                agencies.User.enterprise_id == unit.id, agencies.User.role == "enterprise_admin"
            )
        )
    ).one()
    legal = actor(await make_user(session, "legal", region_code="310107"))
    before = len(await _notices(session, clerk.id))
    await agencies.review_agency(
        session, legal, credit_code=agency.credit_code, decision="suspend", reason="数据造假核查中"
    )
    await session.flush()
    latest = (await _notices(session, clerk.id))[before:]
    assert len(latest) == 1 and "suspended" in latest[0].title and "数据造假核查中" in latest[0].body
    assert any("suspended" in m.subject for m in await _mail_to(session, "clerk2@example.cn"))
    [told] = await _notices(session, unit_admin.id)
    assert "suspended" in told.title and told.link == "/agencies/authorisations"


async def test_the_agency_is_told_when_a_unit_authorises_it_and_when_it_revokes(session):
    agency, clerk = await make_agency(session)
    await _with_email(session, clerk, "clerk3@example.cn")
    unit = await make_enterprise(session, name="上海真如精细化工有限公司")
    authorisation = await authorise(session, unit, agency, ["reports", "ledger"])
    granted = [n for n in await _notices(session, clerk.id) if n.kind == "agency_authorisation"]
    assert len(granted) == 1
    assert "上海真如精细化工有限公司" in granted[0].title and "Execution report filing" in granted[0].body
    assert "执行报告" in granted[0].body  # both languages, names not codes
    assert "reports" not in granted[0].body
    unit_admin = actor(
        (await session.exec(select(agencies.User).where(agencies.User.enterprise_id == unit.id))).first()
    )
    await agencies.revoke_authorisation(
        session, unit_admin, authorisation_id=authorisation.id, reason="合同终止"
    )
    await session.flush()
    told = [n for n in await _notices(session, clerk.id) if n.kind == "agency_authorisation"]
    assert len(told) == 2 and "revoked" in told[1].title and "合同终止" in told[1].body
    mails = await _mail_to(session, "clerk3@example.cn")
    assert {m.kind for m in mails} >= {"agency_authorisation"} and len(mails) >= 2
    # revoking twice tells nobody twice
    await agencies.revoke_authorisation(session, unit_admin, authorisation_id=authorisation.id)
    await session.flush()
    assert len([n for n in await _notices(session, clerk.id) if n.kind == "agency_authorisation"]) == 2


async def test_a_legal_section_reviews_only_its_region_even_on_the_command_line_rules(session):
    """The operator (CLI) acts as the administrator and may review anywhere."""
    pending, _ = await make_agency(session, status="pending", region="370102")
    await agencies.review_agency(session, operator(), credit_code=pending.credit_code, decision="approve")
    assert pending.status == "approved"
