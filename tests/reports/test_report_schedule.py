"""The report schedule as the permit fixes it: due dates from its copy or the deployment, holding-period
exemptions and folding, seen alike on the schedule page, in reminders and in the filing rates."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from domain.clock import today
from domain.errors import ValidationFailed
from domain.notifications.models import Notification
from domain.reminders.due import send_report_reminders
from domain.reports.queries.editor import get_draft
from domain.reports.queries.schedule import report_schedule
from domain.reports.queries.statistics import filing_statistics
from domain.reports.rollup.counting import refresh
from domain.reports.service.drafts import save_draft
from domain.settings import get_settings
from tests.factories import actor, make_enterprise, make_permit, make_user, permit_content
from tests.portal_helpers import log_in

GRANTED = date(today().year - 1, 2, 25)  # mid-month, late: February is held 4 days


async def granted_mid_month(session, *, folding=True, **content):
    enterprise = await make_enterprise(session)
    permit = await make_permit(
        session,
        enterprise,
        decision_date=GRANTED.isoformat(),
        content=permit_content(
            report_kinds=["monthly", "quarterly", "annual"], report_folding=folding, **content
        ),
    )
    staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
    return permit, staff


def by_period(schedule):
    return {(item.kind, item.period.label): item for item in schedule}


async def test_a_permit_granted_mid_month_shows_its_exemptions_and_foldings(session):
    permit, staff = await granted_mid_month(session)
    year = GRANTED.year
    schedule = by_period(await report_schedule(session, actor(staff), permit_number=permit.number))

    february = schedule[("monthly", f"{year}-02")]
    assert february.state == "covered" and february.reason == "short_holding"
    assert february.covered_by.kind == "quarterly" and february.covered_by.label == f"{year}-Q1"
    march = schedule[("monthly", f"{year}-03")]
    assert march.state == "covered" and march.reason == "folded" and march.covered_by.label == f"{year}-Q1"
    for label in (f"{year}-12",):
        assert schedule[("monthly", label)].covered_by.label == str(year)
    assert schedule[("quarterly", f"{year}-Q4")].covered_by.label == str(year)
    # What is owed stays owed, with its due date.
    april = schedule[("monthly", f"{year}-04")]
    assert april.reason is None and april.state == "overdue" and april.due_date == date(year, 5, 15)
    assert schedule[("annual", str(year))].due_date == date(year + 1, 1, 31)


async def test_without_the_permits_leave_the_months_stay_owed_but_a_short_first_month_does_not(session):
    permit, staff = await granted_mid_month(session, folding=False)
    year = GRANTED.year
    schedule = by_period(await report_schedule(session, actor(staff), permit_number=permit.number))
    assert schedule[("monthly", f"{year}-03")].state == "overdue"
    february = schedule[("monthly", f"{year}-02")]
    assert february.reason == "short_holding" and february.covered_by.label == f"{year}-03"
    # The March report covers February's four days, so its draft starts on the permit's first day.
    assert schedule[("monthly", f"{year}-03")].period.start == GRANTED


async def test_a_period_not_owed_cannot_be_opened_and_says_which_report_covers_it(session):
    permit, staff = await granted_mid_month(session)
    year = GRANTED.year
    draft = await get_draft(
        session, actor(staff), permit_number=permit.number, kind="quarterly", period=f"{year}-Q1"
    )
    with pytest.raises(ValidationFailed) as refused:
        await save_draft(
            session,
            actor(staff),
            permit_number=permit.number,
            kind="monthly",
            period=f"{year}-03",
            content={**draft.content, "emissions": []},
        )
    error = refused.value.errors[0]
    assert error.field == "period" and error.code == "covered" and error.params["cover"] == f"{year}-Q1"


@pytest.fixture
def city_due_days(monkeypatch):
    """A deployment (city) that sets its own due days for monthly and quarterly reports."""
    monkeypatch.setenv("REPORT_DUE_DAYS", '{"monthly": 10, "quarterly": 20}')
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("REPORT_DUE_DAYS")
    get_settings.cache_clear()


async def test_the_permits_copy_and_the_deployment_set_the_due_dates(session, city_due_days):
    permit, staff = await granted_mid_month(session, report_due_days={"quarterly": 25})
    year = GRANTED.year
    schedule = by_period(await report_schedule(session, actor(staff), permit_number=permit.number))
    assert schedule[("monthly", f"{year}-04")].due_date == date(year, 5, 10)  # the deployment's day
    assert schedule[("quarterly", f"{year}-Q2")].due_date == date(year, 7, 25)  # the permit's day
    assert schedule[("annual", str(year))].due_date == date(year + 1, 1, 31)  # the specifications'


async def test_reminders_skip_a_folded_month_and_remind_the_report_that_covers_it(session):
    permit, staff = await granted_mid_month(session)
    year = GRANTED.year
    await send_report_reminders(session, on=date(year, 4, 16))  # the day after March and Q1 were due
    keys = (await session.exec(select(Notification.dedupe_key).where(Notification.user_id == staff.id))).all()
    assert any(f":quarterly:{year}-Q1:overdue:" in key for key in keys)
    assert not any(f":monthly:{year}-03:" in key for key in keys)
    assert not any(f":monthly:{year}-02:" in key for key in keys)


async def test_filing_rates_do_not_count_a_folded_report_as_owed(session):
    permit, _staff = await granted_mid_month(session)
    year = GRANTED.year
    officer = actor(await make_user(session, "ecology", region_code=permit.region_code))
    await refresh(session)  # the worker's round: the rates come from the filing rollup
    march = await filing_statistics(session, officer, kind="monthly", period=f"{year}-03")
    april = await filing_statistics(session, officer, kind="monthly", period=f"{year}-04")
    assert sum(rate.due for rate in march) == 0
    assert sum(rate.due for rate in april) == 1


async def test_the_schedule_page_names_the_report_that_covers_a_period(client, session):
    permit, staff = await granted_mid_month(session)
    year = GRANTED.year
    client.headers["accept-language"] = "en"
    assert (await log_in(client, staff.username)).status_code == 303
    page = (await client.get("/reports")).text
    february = page[page.index(f'data-period="{year}-02" data-kind="monthly"') :][:1500]
    assert 'data-state="covered"' in february
    assert (
        f"Permit held too short a time in this period: covered by Quarterly execution report {year}-Q1."
        in february
    )
    december = page[page.index(f'data-period="{year}-12" data-kind="monthly"') :][:1500]
    assert f"Covered by Annual execution report {year}." in december
    assert f"{GRANTED.isoformat()} – {year}-03-31" in page  # Q1 covers from the permit's first day


async def test_the_schedule_shows_semiannual_reports_with_the_second_half_in_the_annual(session):
    enterprise = await make_enterprise(session)
    permit = await make_permit(
        session,
        enterprise,
        decision_date=(today() - timedelta(days=800)).isoformat(),
        content=permit_content(report_kinds=["semiannual", "annual"]),
    )
    staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
    schedule = by_period(await report_schedule(session, actor(staff), permit_number=permit.number))
    year = today().year - 1
    assert schedule[("semiannual", f"{year}-H1")].due_date == date(year, 7, 15)
    second = schedule[("semiannual", f"{year}-H2")]
    assert second.state == "covered" and second.covered_by.label == str(year)


async def test_the_permit_page_states_its_report_timing_and_folding(client, session):
    permit, staff = await granted_mid_month(session, report_due_days={"annual": 15})
    client.headers["accept-language"] = "en"
    assert (await log_in(client, staff.username)).status_code == 303
    page = (await client.get(f"/permits/{permit.number}")).text
    assert "Annual execution report 15" in page
    assert "The quarterly report stands for the quarter&#39;s last monthly report" in page
