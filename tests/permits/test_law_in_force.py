"""The law in force by effective date (docs/domain-rules.md): validity and renewal by the decision's rule set,
the one-time request for missing materials, deemed acceptance, change windows, changes started by the
authority, and a year's holiday schedule loaded by the administrator."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from domain.access import operator
from domain.audit.models import AuditEntry
from domain.calendar.rules import is_covered
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.errors import Conflict, PermissionDenied, ValidationFailed
from domain.notifications.models import Notification
from domain.permits import law
from domain.permits.queries.register import permit_detail
from domain.permits.rules import ApplicationStatus
from domain.permits.service.applications import ApplicationInput, submit_application, supply_missing_materials
from domain.permits.service.changes import start_change
from domain.permits.service.deadlines import load_schedule
from domain.permits.service.decisions import accept_application, reject_application, request_missing_materials
from domain.permits.state import deemed_accepted, waiting_for_materials
from tests.factories import actor, make_enterprise, make_permit, make_user, permit_content

SPRING_2027 = """# 国务院办公厅关于2027年部分节假日安排的通知（test data）
2027-01-01..2027-01-03 off 元旦
2027-02-06..2027-02-12 off 春节
2027-02-14 work 春节调休上班
2027-02-20 work 春节调休上班
"""


async def regulator(session):
    return actor(await make_user(session, "permitting", region_code="310107"))


async def unit_admin(session, permit):
    enterprise = await session.get(Enterprise, permit.enterprise_id)
    return await make_user(session, "enterprise_admin", enterprise=enterprise)


# 1. Validity and renewal by the rule set of the decision


async def test_a_permit_issued_in_2025_runs_five_years_with_renewal_60_days_before_expiry(session):
    permit = await make_permit(session, decision_date="2025-04-01")
    assert permit.valid_until == date(2030, 3, 31)
    assert permit.renewal_due == date(2030, 1, 30) and not permit.renewal_due_approximate
    detail = await permit_detail(session, operator(), number=permit.number)
    assert detail.term_years == 5 and detail.term_basis.article == law.REG_14
    assert (
        detail.renewal_deadline.basis.article == law.REG_14
        and detail.renewal_deadline.basis.rule_set == "o32"
    )


async def test_a_permit_issued_in_2019_keeps_three_years_and_30_working_days(session):
    permit = await make_permit(session, decision_date="2019-03-16")
    assert permit.valid_until == date(2022, 3, 15)
    assert permit.renewal_due == date(2022, 1, 27)  # the 30th working day before, across Spring Festival 2022
    detail = await permit_detail(session, operator(), number=permit.number)
    assert detail.term_years == 3 and detail.term_basis.article == law.M48_21
    assert detail.renewal_deadline.basis.article == law.M48_46 and detail.renewal_deadline.basis.working


# 2. Acceptance: the one-time request for missing materials, and deemed acceptance


async def _first_application(session):
    enterprise = await make_enterprise(session)
    applicant = await make_user(session, "enterprise_admin", enterprise=enterprise)
    application = await submit_application(
        session,
        actor(applicant),
        data=ApplicationInput(
            kind="first",
            enterprise_credit_code=enterprise.credit_code,
            category="key",
            issuing_authority="上海市普陀区生态环境局",
            content=permit_content(),
        ),
    )
    return application, applicant


async def test_missing_materials_are_requested_once_and_acceptance_restarts_when_they_arrive(session):
    application, applicant = await _first_application(session)
    officer = await regulator(session)
    # Reg art. 9 (4): 3 working days from receipt (received today).
    assert application.accept_due == law.acceptance_due(today()).date
    await request_missing_materials(
        session, officer, application_id=application.id, missing="环评批复文件；排污口规范化设置图"
    )
    assert application.completion_requested_on == today() and waiting_for_materials(application)
    notices = (await session.exec(select(Notification).where(Notification.user_id == applicant.id))).all()
    assert [n.kind for n in notices] == ["permit_missing_materials"] and "环评批复文件" in notices[0].body
    with pytest.raises(Conflict):  # once only
        await request_missing_materials(session, officer, application_id=application.id, missing="又一项")
    with pytest.raises(Conflict):  # nothing to accept until the materials are complete
        await accept_application(session, officer, application_id=application.id)
    # The unit supplies them; then the acceptance period runs anew from that day.
    application.accept_due = today() - timedelta(days=30)  # the first period long gone
    await supply_missing_materials(session, actor(applicant), application_id=application.id)
    assert application.materials_completed_on == today()
    assert application.accept_due == law.acceptance_due(today()).date
    assert not deemed_accepted(application, today())
    await accept_application(session, officer, application_id=application.id)
    assert application.status == ApplicationStatus.ACCEPTED and application.accepted_on == today()


async def test_past_the_acceptance_period_an_application_is_deemed_accepted_and_cannot_be_rejected(session):
    application, _ = await _first_application(session)
    officer = await regulator(session)
    received = today() - timedelta(days=20)
    application.received_on = received
    application.accept_due = law.acceptance_due(received).date
    session.add(application)
    await session.flush()
    assert deemed_accepted(application, today())
    with pytest.raises(Conflict) as refused:
        await reject_application(session, officer, application_id=application.id, reason="材料不全")
    assert refused.value.params["date"] == application.accept_due.isoformat()
    with pytest.raises(Conflict):
        await request_missing_materials(session, officer, application_id=application.id, missing="x")
    await accept_application(session, officer, application_id=application.id)
    assert application.accepted_on == received  # accepted as of receipt (Reg art. 9 (4))


# 3/4. Change windows and changes started by the authority


async def test_a_basic_change_needs_its_date_and_a_late_one_is_flagged(session):
    permit = await make_permit(session)
    unit = await unit_admin(session, permit)
    with pytest.raises(ValidationFailed) as missing:
        await submit_application(
            session,
            actor(unit),
            data=ApplicationInput(
                kind="change_basic", permit_number=permit.number, change_description="更名"
            ),
        )
    assert missing.value.errors[0].field == "event_date"
    late = await submit_application(
        session,
        actor(unit),
        data=ApplicationInput(
            kind="change_basic",
            permit_number=permit.number,
            change_description="法定代表人变更",
            event_date=today() - timedelta(days=45),
        ),
    )
    # Reg art. 14: within 30 (calendar) days of the change.
    assert late.late and late.window_due == today() - timedelta(days=15)
    notices = (await session.exec(select(Notification).where(Notification.user_id == unit.id))).all()
    assert [n.kind for n in notices] == ["permit_late_application"]


async def test_a_basic_change_within_30_days_is_in_time(session):
    permit = await make_permit(session)
    application = await submit_application(
        session,
        actor(await unit_admin(session, permit)),
        data=ApplicationInput(
            kind="change_basic",
            permit_number=permit.number,
            change_description="住所变更",
            event_date=today() - timedelta(days=29),
        ),
    )
    assert not application.late and application.window_due == today() + timedelta(days=1)


async def test_the_authority_starts_a_change_and_the_unit_is_told_but_a_unit_cannot(session):
    permit = await make_permit(session)
    unit = await unit_admin(session, permit)
    with pytest.raises(PermissionDenied):
        await start_change(session, actor(unit), number=permit.number, change_description="x")
    application = await start_change(
        session, await regulator(session), number=permit.number, change_description="新排放标准实施，收严限值"
    )
    assert application.status == ApplicationStatus.ACCEPTED and application.started_by_authority
    assert application.decision_due is not None
    notices = (await session.exec(select(Notification).where(Notification.user_id == unit.id))).all()
    assert [n.kind for n in notices] == ["permit_change_started"]


# 5. A year's holiday schedule


async def test_loading_the_2027_schedule_changes_the_deadlines_it_covers(session):
    assert not is_covered(2027)
    permit = await make_permit(session)
    officer = await regulator(session)
    application = await submit_application(
        session, officer, data=ApplicationInput(kind="renewal", permit_number=permit.number)
    )
    await accept_application(session, officer, application_id=application.id)
    # A renewal accepted on Monday 25 January 2027 (Reg art. 14: decided within 20 working days).
    application.received_on, application.accepted_on = date(2027, 1, 22), date(2027, 1, 25)
    due = law.decision_due(application.received_on, application.accepted_on, "renewal", "key")
    application.decision_due, application.decision_due_approximate = due.date, due.approximate
    session.add(application)
    await session.flush()
    assert (application.decision_due, application.decision_due_approximate) == (date(2027, 2, 22), True)

    result = await load_schedule(session, operator("admin"), text=SPRING_2027)

    assert result.year == 2027 and result.days_off == 10 and result.make_up_days == 2
    assert result.recounted >= 1
    await session.refresh(application)
    # Spring Festival off, the make-up Sunday 14 and Saturday 20 February worked: Thursday 25 February.
    assert (application.decision_due, application.decision_due_approximate) == (date(2027, 2, 25), False)
    assert is_covered(2027)
    entry = (await session.exec(select(AuditEntry).where(AuditEntry.action == "calendar.load"))).one()
    assert entry.object_id == "2027" and entry.actor_username == "admin"
    assert "2027-02-14" in entry.after["make_up_days"]


async def test_a_bad_schedule_is_refused_with_its_line_and_only_an_administrator_loads_one(session):
    with pytest.raises(ValidationFailed) as refused:
        await load_schedule(session, operator("admin"), text="2027-01-01 off\n2027-02-31 off\n")
    assert refused.value.errors[0].params["line"] == 2
    assert not is_covered(2027)
    with pytest.raises(PermissionDenied):
        await load_schedule(session, await regulator(session), text=SPRING_2027)


async def test_the_worklist_counts_late_filings_and_a_wait_for_materials_is_no_missed_time_limit(session):
    from domain.permits.queries.worklist import regulator_worklist

    day = today()
    late_permit = await make_permit(
        session, decision_date=(day.replace(year=day.year - 5) + timedelta(days=20)).isoformat()
    )
    officer = await regulator(session)
    late = await submit_application(
        session, officer, data=ApplicationInput(kind="renewal", permit_number=late_permit.number)
    )
    waiting, _ = await _first_application(session)
    await request_missing_materials(session, officer, application_id=waiting.id, missing="监测方案")
    waiting.accept_due = day - timedelta(days=10)  # long past: the unit's turn, not the authority's
    session.add(waiting)
    await session.flush()

    worklist = await regulator_worklist(session, officer)

    assert late.late and worklist.late_this_year == 1
    assert worklist.overdue == 0
    steps = {item.steps.application.id: item.steps for item in worklist.page.items}
    assert steps[waiting.id].next_action == "supply" and not steps[waiting.id].overdue


async def test_a_schedule_another_process_loaded_is_picked_up_from_the_database(session):
    from domain.calendar import service as calendar_service
    from domain.calendar.models import HolidayYear

    session.add(
        HolidayYear(year=2027, days_off=["2027-02-08"], make_up_days=[], names={}, source="2027-02-08 off")
    )
    await session.flush()
    assert not is_covered(2027)
    await calendar_service.refresh(session)
    assert is_covered(2027)
    assert law.acceptance_due(date(2027, 2, 5)).date == date(2027, 2, 11)  # Monday 8 February off
