"""The notification centre and the e-mail choices, over HTTP; the administrator's outbox page."""

from datetime import timedelta

from sqlmodel import func, select

from domain.calendar.rules import working_days_before
from domain.clock import utcnow
from domain.notifications import outbox
from domain.notifications.models import OutboxMessage
from domain.reminders.due import send_due_reminders
from tests.factories import make_enterprise, make_permit, make_user
from tests.portal_helpers import log_in, post_form


async def due_renewal(session):
    enterprise = await make_enterprise(session, name="上海申普热电有限公司")
    decided = (utcnow().date() - timedelta(days=900)).isoformat()
    permit = await make_permit(session, enterprise, decision_date=decided)
    return enterprise, permit, working_days_before(permit.renewal_due, 30).date


async def test_a_user_sees_the_reminders_sent_to_them_and_no_one_elses(client, session):
    enterprise, permit, on = await due_renewal(session)
    staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
    other = await make_user(session, "enterprise_staff")
    await send_due_reminders(session, on=on)
    await log_in(client, staff.username)
    page = await client.get("/notifications")
    assert permit.number in page.text and permit.renewal_due.isoformat() in page.text
    await post_form(client, "/notifications/read", {}, page="/notifications")
    assert "unread" not in (await client.get("/notifications")).text
    await client.post("/logout", data={"csrf_token": ""})
    client.cookies.clear()
    await log_in(client, other.username)
    assert permit.number not in (await client.get("/notifications")).text


async def test_turning_email_off_keeps_the_notice_but_sends_no_mail(client, session):
    enterprise, permit, on = await due_renewal(session)
    staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
    staff.email = "staff@example.cn"
    session.add(staff)
    await session.flush()
    await log_in(client, staff.username)
    response = await post_form(client, "/notifications/preferences", {}, page="/notifications")
    assert response.status_code == 303
    summary = await send_due_reminders(session, on=on)
    assert summary.notices == 1 and summary.emails == 0
    assert (await session.exec(select(func.count()).select_from(OutboxMessage))).one() == 0
    page = await client.get("/notifications")
    assert permit.number in page.text


async def test_an_unknown_kind_is_refused_and_nothing_changes(client, session):
    user = await make_user(session, "ecology")
    await log_in(client, user.username)
    response = await post_form(
        client, "/notifications/preferences", {"email": ["lottery"]}, page="/notifications"
    )
    assert response.status_code == 400


async def test_the_administrator_sees_failed_mail_and_can_retry_it(client, session):
    message = await outbox.enqueue(
        session,
        dedupe_key="x",
        kind="test",
        to_address="a@example.cn",
        subject="s",
        body_text="t",
        body_html="<p>t</p>",
    )
    message.status, message.attempts, message.last_error = "failed", 8, "ConnectionRefusedError"
    session.add(message)
    await session.flush()
    admin = await make_user(session, "admin")
    await log_in(client, admin.username)
    page = await client.get("/admin/outbox")
    assert "ConnectionRefusedError" in page.text
    await post_form(client, f"/admin/outbox/{message.id}/retry", {}, page="/admin/outbox")
    await session.refresh(message)
    assert message.status == "pending" and message.attempts == 0


async def test_others_may_not_open_the_outbox(client, session):
    user = await make_user(session, "permitting")
    await log_in(client, user.username)
    assert (await client.get("/admin/outbox")).status_code == 403
    assert (await client.get("/notifications")).status_code == 200
