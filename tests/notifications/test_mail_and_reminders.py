"""Mail goes through the outbox to a real SMTP server; reminders are written once; nothing is lost."""

import asyncio
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

from sqlmodel import func, select

from domain.calendar.rules import working_days_before
from domain.clock import utcnow
from domain.db import Database
from domain.notifications import mailer, outbox, queries, worker
from domain.notifications.models import Notification, OutboxMessage
from domain.reminders.daily import remind_if_new_day
from domain.reminders.due import send_due_reminders
from domain.settings import get_settings
from tests.factories import make_enterprise, make_permit, make_user


def days_ago(days: int) -> str:
    return (utcnow().date() - timedelta(days=days)).isoformat()


def subject_of(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def text_of(message) -> str:
    parsed = message_from_bytes(message.as_bytes())
    for part in parsed.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    return ""


async def write(session, key="k1", to="officer@example.cn"):
    message = await outbox.enqueue(
        session,
        dedupe_key=key,
        kind="test",
        to_address=to,
        subject="测试 / Test",
        body_text="正文 body",
        body_html="<p>正文 body</p>",
    )
    await session.flush()
    return message


async def test_a_message_written_to_the_outbox_arrives_and_is_marked_sent(session, db, smtp_server):
    message = await write(session)
    result = await worker.run_once(db, get_settings(), worker="w1")
    assert result.sent == 1
    [received] = smtp_server.messages
    assert received["To"] == "officer@example.cn" and subject_of(received) == "测试 / Test"
    assert "正文 body" in text_of(received)
    await session.refresh(message)
    assert message.status == "sent" and message.sent_at is not None


async def test_the_same_key_is_written_only_once(session):
    assert await write(session, key="same") is not None
    assert await write(session, key="same") is None
    count = (await session.exec(select(func.count()).select_from(OutboxMessage))).one()
    assert count == 1


async def test_a_stopped_smtp_server_delays_mail_but_loses_none(session, db, smtp_server):
    message = await write(session)
    smtp_server.stop()
    result = await worker.run_once(db, get_settings(), worker="w1")
    assert result.retrying == 1 and smtp_server.messages == []
    await session.refresh(message)
    assert message.status == "pending" and message.next_attempt_at > utcnow() and message.last_error
    smtp_server.start()
    assert (await worker.run_once(db, get_settings(), worker="w1")).claimed == 0  # not due yet: back-off
    message.next_attempt_at = utcnow() - timedelta(seconds=1)  # the back-off has elapsed
    session.add(message)
    await session.flush()
    assert (await worker.run_once(db, get_settings(), worker="w1")).sent == 1
    assert len(smtp_server.messages) == 1


async def test_after_the_last_attempt_a_message_is_failed_and_visible(session, db, smtp_server, monkeypatch):
    monkeypatch.setenv("OUTBOX_MAX_ATTEMPTS", "2")
    get_settings.cache_clear()
    message = await write(session)
    smtp_server.stop()
    for _ in range(2):
        await worker.run_once(db, get_settings(), worker="w1")
        await session.refresh(message)
        message.next_attempt_at = utcnow() - timedelta(seconds=1)
        session.add(message)
        await session.flush()
    await session.refresh(message)
    assert message.status == "failed" and message.attempts == 2
    admin = await make_user(session, "admin")
    from tests.factories import actor

    summary = await queries.outbox_summary(session, actor(admin))
    assert summary.failed == 1 and summary.recent_failures[0].id == message.id


async def test_a_worker_killed_mid_send_loses_nothing(session, db, smtp_server):
    message = await write(session)
    async with db.transaction() as claim_session:  # the killed worker got this far
        await outbox.claim(claim_session, worker="dead", limit=10)
    assert (await worker.run_once(db, get_settings(), worker="w2")).claimed == 0  # lease still held
    await session.refresh(message)
    message.claimed_at = utcnow() - timedelta(seconds=get_settings().outbox_lease_seconds + 1)
    session.add(message)
    await session.flush()
    assert (await worker.run_once(db, get_settings(), worker="w2")).sent == 1


async def test_a_mail_sent_again_after_a_worker_died_carries_the_same_message_id(session, db, smtp_server):
    """The SMTP server took the mail, then the worker died before marking it sent: the next worker sends it
    again (at least once, never lost), under the same Message-ID, so mail clients recognise the copy."""
    await write(session, key="once")
    async with db.transaction() as claim_session:
        [letter] = await outbox.claim(claim_session, worker="dying", limit=10)
    await mailer.send(letter, get_settings())  # delivered; the worker dies before mark_sent
    message = (await session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == "once"))).one()
    await session.refresh(message)
    message.claimed_at = utcnow() - timedelta(seconds=get_settings().outbox_lease_seconds + 1)
    session.add(message)
    await session.flush()
    assert (await worker.run_once(db, get_settings(), worker="w2")).sent == 1
    first, second = smtp_server.messages
    assert first["Message-ID"] == second["Message-ID"]
    assert first["Message-ID"].startswith(f"<outbox-{message.id}.")
    await write(session, key="another")
    assert (await worker.run_once(db, get_settings(), worker="w2")).sent == 1
    assert smtp_server.messages[2]["Message-ID"] != first["Message-ID"]


async def test_two_workers_started_together_deliver_each_message_exactly_once(
    fresh_database_url, smtp_server
):
    first, second = Database(fresh_database_url), Database(fresh_database_url)
    try:
        async with first.transaction() as session:
            for n in range(40):
                await outbox.enqueue(
                    session,
                    dedupe_key=f"m{n}",
                    kind="test",
                    to_address=f"u{n}@example.cn",
                    subject=f"message {n}",
                    body_text="x",
                    body_html="<p>x</p>",
                )
        settings = get_settings().model_copy(update={"worker_batch_size": 5})
        for _ in range(20):
            a, b = await asyncio.gather(
                worker.run_once(first, settings, worker="a"), worker.run_once(second, settings, worker="b")
            )
            if a.claimed == 0 and b.claimed == 0:
                break
        subjects = [subject_of(m) for m in smtp_server.messages]
        assert sorted(subjects) == sorted(f"message {n}" for n in range(40))
        async with first.read() as session:
            statuses = (await session.exec(select(OutboxMessage.status))).all()
        assert set(statuses) == {"sent"}
    finally:
        await first.dispose()
        await second.dispose()


async def test_a_permit_30_working_days_before_its_renewal_deadline_gets_its_reminder_once(
    session, db, smtp_server
):
    enterprise = await make_enterprise(session, name="上海申普热电有限公司")
    permit = await make_permit(
        session, enterprise, decision_date=(utcnow().date() - timedelta(days=900)).isoformat()
    )
    officer = await make_user(session, "enterprise_admin", enterprise=enterprise)
    officer.email = "env@shenpu.example.cn"
    session.add(officer)
    await session.flush()
    on = working_days_before(permit.renewal_due, 30).date
    first = await send_due_reminders(session, on=on)
    assert first.notices == 1 and first.emails == 1
    again = await send_due_reminders(session, on=on)
    assert again.notices == 0 and again.emails == 0
    await worker.run_once(db, get_settings(), worker="w1")
    [received] = smtp_server.messages
    assert received["To"] == "env@shenpu.example.cn"
    assert permit.renewal_due.isoformat() in subject_of(received)
    body = text_of(received)
    assert "上海申普热电有限公司" in body and permit.number in body and f"/permits/{permit.number}" in body
    # The deadline names its article and rule set (a permit decided 900 days ago: Reg art. 14, 60 days).
    assert "《排污许可管理条例》第十四条" in body and "60 日前" in body
    assert "Regulation 2021 art. 14" in body and "at least 60 days before expiry" in body
    notice = (await session.exec(select(Notification).where(Notification.user_id == officer.id))).one()
    assert notice.emailed and notice.link == f"/permits/{permit.number}"


async def test_no_reminder_before_its_day_and_a_notice_when_the_deadline_passes(session):
    enterprise = await make_enterprise(session)
    permit = await make_permit(
        session, enterprise, decision_date=(utcnow().date() - timedelta(days=900)).isoformat()
    )
    await make_user(session, "enterprise_staff", enterprise=enterprise)
    early = working_days_before(permit.renewal_due, 61).date
    assert (await send_due_reminders(session, on=early)).notices == 0
    passed = await send_due_reminders(session, on=permit.renewal_due + timedelta(days=1))
    assert passed.notices == 1
    notice = (await session.exec(select(Notification))).one()
    assert "已过" in notice.title


async def test_the_worker_writes_the_days_reminders_once_and_sends_them(session, db, smtp_server):
    from domain.clock import today

    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise, decision_date=days_ago(5 * 365 - 20))  # deadline passed
    staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
    staff.email = "staff@example.cn"
    session.add(staff)
    await session.flush()
    day = await remind_if_new_day(db, None)
    assert day == today()
    assert await remind_if_new_day(db, day) == day  # same day: nothing runs again
    await worker.run_once(db, get_settings(), worker="w1")
    # The renewal reminder, once; the same daily run recomputed the unit's credit (its reports of five
    # years were never filed), and its fall in level is the other mail.
    subjects = [subject_of(message) for message in smtp_server.messages]
    assert len([s for s in subjects if permit.number in s]) == 1
    assert len(subjects) == 2 and any(enterprise.name in s and permit.number not in s for s in subjects)


async def test_the_monthly_digest_and_the_public_expired_list_agree(session, db, smtp_server):
    from datetime import date

    from domain.clock import today
    from domain.disclosure.queries.register import expired_not_renewed
    from domain.reminders.digest import send_monthly_digests

    first_of_month = today().replace(day=1)
    last_month = (first_of_month - timedelta(days=1)).replace(day=1)
    # A permit whose last valid day fell last month: decided five years (Reg art. 14) before the 10th of it.
    tenth = last_month.replace(day=10)
    expired = await make_permit(session, decision_date=date(tenth.year - 5, tenth.month, 11).isoformat())
    elsewhere = await make_permit(
        session,
        await make_enterprise(session, region_code="370102"),
        decision_date=date(tenth.year - 5, tenth.month, 11).isoformat(),
    )
    officer = await make_user(session, "permitting", region_code="310107")
    officer.email = "permitting@putuo.example.cn"
    session.add(officer)
    await session.flush()
    public = await expired_not_renewed(session, month=last_month)
    assert {row.number for row in public.rows} == {expired.number, elsewhere.number}
    summary = await send_monthly_digests(session, on=first_of_month)
    assert summary.notices == 1 and summary.emails == 1
    assert (await send_monthly_digests(session, on=first_of_month)).notices == 0  # once a month
    await worker.run_once(db, get_settings(), worker="w1")
    [received] = smtp_server.messages
    body = text_of(received)
    assert (
        expired.number in body and elsewhere.number not in body
    )  # the jurisdiction's part of the public list
    assert f"/public/expired?month={last_month:%Y-%m}" in body
    assert (await send_monthly_digests(session, on=first_of_month + timedelta(days=1))).notices == 0


async def test_the_monthly_digest_names_the_article_of_each_renewal_deadline(session):
    from domain.clock import today
    from domain.reminders.digest import send_monthly_digests

    first_of_month = today().replace(day=1)
    decided = first_of_month.replace(year=first_of_month.year - 5) + timedelta(days=30)  # expires within 60
    expiring = await make_permit(session, decision_date=decided.isoformat())
    await make_user(session, "permitting", region_code="310107")
    await send_monthly_digests(session, on=first_of_month)
    notice = (await session.exec(select(Notification))).one()
    assert f"延续申请截止 {expiring.renewal_due.isoformat()}（《排污许可管理条例》第十四条）" in notice.body


async def test_report_reminders_go_to_the_unit_and_its_authorised_agency_once_per_stage(session):
    from domain.access import operator
    from domain.accounts.models import User
    from domain.agencies import service as agencies
    from domain.agencies.rules import AgencyInput, AuthorisationInput, StaffInput
    from domain.clock import today
    from domain.reminders.due import send_report_reminders
    from domain.reports import rules as report_rules
    from tests.factories import actor, credit_code

    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise, decision_date=days_ago(700))
    admin = await make_user(session, "enterprise_admin", enterprise=enterprise)
    admin.email = "env@unit.example.cn"
    session.add(admin)
    agency = await agencies.register_agency(
        session,
        operator("portal"),
        data=AgencyInput(
            name="报告代办机构",
            credit_code=credit_code(),
            address="上海",
            region_code="310107",
            contact_person="周",
            contact_phone="021-1234567",
            service_types=["reports"],
        ),
        staff=[
            StaffInput(username="report-clerk", password="clerk-password-1", email="clerk@agency.example.cn")
        ],
    )
    await agencies.review_agency(session, operator(), credit_code=agency.credit_code, decision="approve")
    await agencies.authorise_agency(
        session,
        actor(admin),
        data=AuthorisationInput(
            agency.credit_code,
            ["reports"],
            today() - timedelta(days=400),
            today() + timedelta(days=400),
            "HT",
        ),
    )
    await session.flush()
    # The last quarter that ended: reminders 3 days before its due date, and the day after it passed.
    quarters = report_rules.periods_between(
        "quarterly", today() - timedelta(days=120), today() - timedelta(days=1)
    )
    period = next(p for p in reversed(quarters) if p.end < today())
    due = report_rules.due_date(period)
    reminded = await send_report_reminders(session, on=due - timedelta(days=3))
    assert reminded.notices == 2 and reminded.emails == 2  # the unit's admin and the agency's clerk
    assert (await send_report_reminders(session, on=due - timedelta(days=3))).notices == 0
    overdue = await send_report_reminders(session, on=due + timedelta(days=1))
    assert overdue.notices == 2
    clerk = (await session.exec(select(User).where(User.username == "report-clerk"))).one()
    titles = (await session.exec(select(Notification.title).where(Notification.user_id == clerk.id))).all()
    assert any("逾期" in t for t in titles) and any(due.isoformat() in t for t in titles)
    assert permit.number in " ".join((await session.exec(select(Notification.body))).all())


async def test_an_unanswered_feedback_form_is_reminded_three_days_before_its_deadline(session, db):
    from domain.clock import today
    from domain.reminders.due import send_feedback_reminders
    from domain.reports.queries.editor import get_draft
    from domain.reports.rules import FeedbackItemInput
    from domain.reports.service.review import issue_feedback
    from tests.factories import actor, file_report

    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise, decision_date=days_ago(700))
    staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
    officer = await make_user(session, "ecology", region_code="310107")
    period = str(today().year - 1)
    draft = await get_draft(session, actor(staff), permit_number=permit.number, kind="annual", period=period)
    result = await file_report(db, actor(staff), permit, period, draft.content, "k", kind="annual")
    deadline = today() + timedelta(days=7)
    await issue_feedback(
        session,
        actor(officer),
        report_id=result.report.id,
        deadline=deadline,
        items=[FeedbackItemInput("自行监测频次不足")],
    )
    assert (await send_feedback_reminders(session, on=today())).notices == 0
    assert (await send_feedback_reminders(session, on=deadline - timedelta(days=3))).notices == 1
    assert (await send_feedback_reminders(session, on=deadline - timedelta(days=3))).notices == 0


async def test_the_worker_waits_out_a_database_that_is_away_instead_of_exiting():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once the probe is closed
    away = Database(f"postgresql://permitwatch@127.0.0.1:{port}/permitwatch")
    settings = get_settings().model_copy(update={"worker_poll_seconds": 0.05})
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(0.5, stop.set)
    try:
        # Rounds fail on the database (and the day's reminders with them); the worker keeps going
        # until it is told to stop, as it must across a restart of PostgreSQL.
        await asyncio.wait_for(
            worker.run(away, settings, stop=stop, worker="w1", daily=remind_if_new_day), timeout=30
        )
    finally:
        await away.dispose()
    assert stop.is_set()
