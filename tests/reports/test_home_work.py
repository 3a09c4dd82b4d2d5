"""The unit's and the agency's home pages start from the work (issue 17): reports returned, overdue and
due with their deadlines, exceedances to explain, rectification items open, first things first."""

from datetime import timedelta

from domain.accounts.models import User
from domain.actors import actor_for_user
from domain.clock import today
from domain.overview import WAITING, regulator_work, unit_work
from domain.reports.queries.editor import get_draft
from domain.reports.queries.schedule import my_schedules
from domain.reports.queries.statistics import latest_due_period, overdue_reports
from domain.reports.rollup.counting import refresh
from domain.reports.rules import FeedbackItemInput
from domain.reports.service.review import issue_feedback
from tests.portal_helpers import log_in
from tests.reports.test_report_notices import filed_report
from tests.reports.test_reports import last_full_quarter, submit, unit

EN = {"Accept-Language": "en"}


async def _returned(session, db):  # type: ignore[no-untyped-def]
    permit, staff_user, clerk, officer, result = await filed_report(session, db)
    deadline = today() + timedelta(days=12)
    await issue_feedback(
        session, officer, report_id=result.report.id, deadline=deadline, items=[FeedbackItemInput("频次不足")]
    )
    await session.flush()
    return permit, staff_user, clerk, officer, result, deadline


async def test_a_returned_report_comes_first_with_the_feedback_deadline_for_the_unit_and_its_agency(
    session, db
):
    permit, staff_user, clerk, officer, result, deadline = await _returned(session, db)
    for user in (staff_user, clerk):
        reader = await actor_for_user(session, user, channel="portal")
        work = await unit_work(session, reader)
        assert work is not None
        first = work.reports[0]
        assert first.item.state == "returned" and first.item.report.id == result.report.id
        assert first.answer_by == deadline and first.permit_number == permit.number
        assert not first.answer_late  # twelve days left
        # Every period waiting for the unit is counted, whatever the list shows.
        waiting = [
            item
            for schedule in await my_schedules(session, reader)
            for item in schedule.items
            if item.state in WAITING and (item.state != "draft" or item.due_date <= today())
        ]
        assert work.reports_waiting == len(waiting)
        states = [task.item.state for task in work.reports]
        assert states == sorted(states, key=WAITING.index)  # returned, then overdue, then due
    assert await unit_work(session, officer) is None  # a regulator's home is the closed loop


async def test_the_home_page_links_the_correction_and_a_regulator_sees_no_unit_work(client, session, db):
    permit, staff_user, clerk, officer, result, deadline = await _returned(session, db)
    await session.commit()
    await log_in(client, staff_user.username)
    page = (await client.get("/", headers=EN)).text
    assert "What is waiting for you" in page
    assert f"Answer by {deadline.isoformat()}" in page
    assert f'href="/reports/{permit.number}/quarterly/{result.report.period}"' in page
    assert "Correct and resubmit" in page and "Returned" in page
    client.cookies.clear()
    regulator = await session.get(User, officer.user_id)
    await log_in(client, regulator.username)
    home = (await client.get("/", headers=EN)).text
    assert "What is waiting for you" not in home
    assert 'id="daily-work"' in home and "Reports waiting for review" in home


async def test_a_regulators_day_counts_what_its_pages_list(session, db):
    permit, staff_user, clerk, officer, result = await filed_report(session, db)  # one report filed
    late_permit, _late_staff, _officer = await unit(session)  # a second unit that filed nothing
    await refresh(session)  # the worker's round: the overdue rows come from the filing rollup
    day = await regulator_work(session, officer)
    assert day is not None
    assert day.reviews_waiting == 1
    period = latest_due_period("quarterly", today())
    listed = await overdue_reports(session, officer, kind="quarterly", period=period.label)
    assert day.overdue_period == period.label and day.reports_overdue == len(listed)
    assert late_permit.number in {o.permit.number for o in listed}
    assert permit.number not in {o.permit.number for o in listed}  # it filed that quarter
    staff = await actor_for_user(session, staff_user, channel="portal")
    assert await regulator_work(session, staff) is None


async def test_a_regulators_day_counts_the_reviews_up_to_a_bound_and_says_more_past_it(
    session, db, client, monkeypatch
):
    # A city's queue holds six figures: the home page counts as the queue's page does, up to a bound.
    monkeypatch.setattr("domain.overview.COUNT_BOUND", 1)
    _permit, _staff_user, _clerk, officer, _result = await filed_report(session, db)
    label = last_full_quarter()
    for key in ("second", "third"):
        other, other_staff, _other_officer = await unit(session)
        draft = await get_draft(
            session, other_staff, permit_number=other.number, kind="quarterly", period=label
        )
        await submit(db, other_staff, other, label, draft.content, key)
    day = await regulator_work(session, officer)
    # Three reports wait; the count stopped one past the bound.
    assert day is not None and day.reviews_waiting == 2 and day.reviews_bound == 1 and day.reviews_more
    regulator = await session.get(User, officer.user_id)
    await log_in(client, regulator.username)
    home = (await client.get("/", headers=EN)).text
    assert '<span class="figure">1+</span><span>Reports waiting for review' in home
