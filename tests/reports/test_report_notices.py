"""Everything the product tells a unit about its reports and its ledger is written as a notice and a
mail in the same transaction as the event (issue 12): a report returned, a report accepted, a feedback
form's deadline coming, an exceedance opened."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from domain.clock import today
from domain.errors import ValidationFailed
from domain.ledgers.rules import ReadingInput
from domain.ledgers.service import readings as ledgers
from domain.notifications.models import Notification, OutboxMessage
from domain.reports.queries.editor import get_draft
from domain.reports.rules import FeedbackItemInput
from domain.reports.service.review import accept_report, issue_feedback
from tests.agencies.test_portal_agencies import authorise, make_agency
from tests.factories import clear_every_section
from tests.reports.test_reports import last_full_quarter, submit, unit


async def told(session, user) -> list[tuple[Notification, OutboxMessage | None]]:
    """The user's notices, each with its mail (None when none was written)."""
    notices = (
        await session.exec(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    ).all()
    mails = {
        m.dedupe_key: m
        for m in (
            await session.exec(select(OutboxMessage).where(OutboxMessage.recipient_user_id == user.id))
        ).all()
    }
    return [(n, mails.get(n.dedupe_key)) for n in notices]


async def with_email(session, user, address: str):
    user.email = address
    session.add(user)
    await session.flush()
    return user


async def filed_report(session, db):
    """A unit's filed quarterly report; its staff and an agency filing its reports both have addresses."""
    permit, staff, officer = await unit(session)
    from domain.accounts.models import User
    from domain.enterprises.models import Enterprise

    enterprise = await session.get(Enterprise, permit.enterprise_id)
    staff_user = await with_email(session, await session.get(User, staff.user_id), "huanbao@shenpu.example")
    agency, clerk = await make_agency(session)
    await authorise(session, enterprise, agency, ["reports"])
    clerk = await with_email(session, clerk, "clerk@lvyuan.example")
    label = last_full_quarter()
    draft = await get_draft(session, staff, permit_number=permit.number, kind="quarterly", period=label)
    result = await submit(db, staff, permit, label, draft.content, "k")
    return permit, staff_user, clerk, officer, result


async def test_a_returned_report_tells_the_unit_and_its_agency_at_once(session, db):
    permit, staff, clerk, officer, result = await filed_report(session, db)
    deadline = today() + timedelta(days=15)
    before = await told(session, staff)

    await issue_feedback(
        session,
        officer,
        report_id=result.report.id,
        deadline=deadline,
        items=[FeedbackItemInput("自行监测频次不足"), FeedbackItemInput("超标未说明原因")],
    )

    for user, address in ((staff, "huanbao@shenpu.example"), (clerk, "clerk@lvyuan.example")):
        new = (await told(session, user))[len(before) if user is staff else 0 :]
        returned = [(n, m) for n, m in new if n.kind == "report_returned"]
        assert len(returned) == 1, user.username
        notice, mail = returned[0]
        assert deadline.isoformat() in notice.title and "退回" in notice.title and "returned" in notice.title
        assert permit.number in notice.body and "2 个问题" in notice.body and "2 problems" in notice.body
        assert notice.link == f"/reports/id/{result.report.id}"
        assert mail is not None and mail.to_address == address and mail.status == "pending"
        assert mail.subject == notice.title


async def test_a_refused_return_tells_nobody(session, db):
    _permit, staff, _clerk, officer, result = await filed_report(session, db)
    with pytest.raises(ValidationFailed):
        await issue_feedback(
            session, officer, report_id=result.report.id, deadline=today(), items=[FeedbackItemInput("x")]
        )
    assert [n for n, _m in await told(session, staff) if n.kind == "report_returned"] == []


async def test_an_accepted_report_tells_the_unit_and_its_agency(session, db):
    permit, staff, clerk, officer, result = await filed_report(session, db)
    await clear_every_section(session, result.report.id)  # a department cannot accept a report alone

    await accept_report(session, officer, report_id=result.report.id)

    for user in (staff, clerk):
        accepted = [(n, m) for n, m in await told(session, user) if n.kind == "report_accepted"]
        assert len(accepted) == 1
        notice, mail = accepted[0]
        assert "审核通过" in notice.title and "accepted" in notice.title
        assert permit.number in notice.body and mail is not None and mail.to_address == user.email


async def test_a_feedback_deadline_coming_is_reminded_by_notice_and_mail(session, db):
    from domain.reminders.due import send_feedback_reminders

    _permit, staff, clerk, officer, result = await filed_report(session, db)
    deadline = today() + timedelta(days=7)
    await issue_feedback(
        session,
        officer,
        report_id=result.report.id,
        deadline=deadline,
        items=[FeedbackItemInput("请补充说明")],
    )
    # The unit's staff, its administrator (who authorised the agency) and the agency's clerk.
    assert (await send_feedback_reminders(session, on=deadline - timedelta(days=3))).notices == 3
    for user in (staff, clerk):
        due = [(n, m) for n, m in await told(session, user) if n.kind == "feedback_due"]
        assert len(due) == 1 and deadline.isoformat() in due[0][0].title
        assert due[0][1] is not None and due[0][1].to_address == user.email


async def test_an_opened_exceedance_tells_the_unit_and_the_agency_keeping_its_ledger(session):
    permit, staff_actor, _officer = await unit(session)
    from domain.accounts.models import User
    from domain.enterprises.models import Enterprise

    enterprise = await session.get(Enterprise, permit.enterprise_id)
    staff = await with_email(session, await session.get(User, staff_actor.user_id), "huanbao@shenpu.example")
    ledger_agency, ledger_clerk = await make_agency(session)
    reports_agency, reports_clerk = await make_agency(session)
    await authorise(session, enterprise, ledger_agency, ["ledger"])
    await authorise(session, enterprise, reports_agency, ["reports"])
    start = datetime.combine(today() - timedelta(days=10), datetime.min.time(), tzinfo=UTC)

    async def hours(first: int, values: list[float]) -> int:
        result = await ledgers.record_readings(
            session,
            staff_actor,
            permit_number=permit.number,
            readings=[
                ReadingInput(
                    "DA001", "SO2", "automatic", start + timedelta(hours=first + h), v, "mg/m3", flow_m3=1e5
                )
                for h, v in enumerate(values)
            ],
        )
        await session.flush()
        return result.exceedances_opened

    assert await hours(0, [20.0, 48.0, 52.5]) == 1  # two hours above the permitted 35 mg/m³

    for user in (staff, ledger_clerk):
        opened = [(n, m) for n, m in await told(session, user) if n.kind == "exceedance_opened"]
        assert len(opened) == 1, user.username
        notice, mail = opened[0]
        assert (
            "DA001" in notice.title
            and "二氧化硫" in notice.title
            and "sulphur dioxide" in notice.title.lower()
        )
        assert "52.5 mg/m3" in notice.body and "35 mg/m3" in notice.body and permit.number in notice.body
        assert notice.link == "/exceedances"
        assert (mail is not None) is (user is staff)  # the clerk has no address: the portal notice only
    assert [n for n, _ in await told(session, reports_clerk) if n.kind == "exceedance_opened"] == []

    # The same episode growing by another hour is no new exceedance: nobody is told twice.
    assert await hours(3, [49.0]) == 0
    assert len([n for n, _ in await told(session, staff) if n.kind == "exceedance_opened"]) == 1
