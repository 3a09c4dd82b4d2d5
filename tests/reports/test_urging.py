"""催报 (issue 17): from the overdue list a regulator reminds a unit of a report past due and never
submitted, in one click; the unit's staff and its agency are told at once, once a day, and the trail keeps
who asked."""

import pytest
from sqlmodel import func, select

from domain.accounts.models import User
from domain.audit.models import AuditEntry
from domain.clock import today
from domain.errors import Conflict, NotFound, PermissionDenied
from domain.notifications.models import Notification, OutboxMessage
from domain.reports.queries.editor import get_draft
from domain.reports.rollup.counting import refresh
from domain.reports.service.urging import urge_report
from tests.factories import actor, make_user
from tests.graphql_helpers import bearer_token, graphql_data
from tests.portal_helpers import log_in, post_form
from tests.reports.test_report_notices import with_email
from tests.reports.test_reports import last_full_quarter, submit, unit

EN = {"Accept-Language": "en"}


def this_quarter() -> str:
    day = today()
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


async def _notices(session, user_id: int) -> list[Notification]:  # type: ignore[no-untyped-def]
    found = await session.exec(
        select(Notification).where(Notification.user_id == user_id, Notification.kind == "report_urged")
    )
    return list(found.all())


async def _urges(session) -> int:  # type: ignore[no-untyped-def]
    return (await session.exec(select(func.count()).where(AuditEntry.action == "report.urge"))).one()


async def test_the_unit_is_told_once_a_day_with_the_link_that_writes_the_report(session):
    permit, staff, officer = await unit(session)
    await with_email(session, await session.get(User, staff.user_id), "huanbao@unit.example")
    label = last_full_quarter()

    urged = await urge_report(session, officer, permit_number=permit.number, kind="quarterly", period=label)

    assert urged.told == 1 and not urged.already_today
    [notice] = await _notices(session, staff.user_id)
    assert label in notice.title and "due" in notice.title and permit.number in notice.body
    assert notice.link == f"/reports/{permit.number}/quarterly/{label}"
    mail = (
        await session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == notice.dedupe_key))
    ).one()
    assert mail.to_address == "huanbao@unit.example"
    trail = (await session.exec(select(AuditEntry).where(AuditEntry.action == "report.urge"))).one()
    assert trail.enterprise_id == permit.enterprise_id and trail.actor_username == officer.username
    # The same click again today tells nobody and records nothing more.
    again = await urge_report(session, officer, permit_number=permit.number, kind="quarterly", period=label)
    assert again.already_today and again.told == 0
    assert len(await _notices(session, staff.user_id)) == 1 and await _urges(session) == 1


async def test_only_an_overdue_unsubmitted_report_of_the_jurisdiction_can_be_urged(session, db):
    permit, staff, officer = await unit(session)
    for period, code in ((this_quarter(), "not_overdue"),):
        try:
            await urge_report(session, officer, permit_number=permit.number, kind="quarterly", period=period)
        except Conflict as refused:
            assert refused.code == code
        else:
            raise AssertionError(period)
    elsewhere = actor(await make_user(session, "ecology", region_code="370102"))
    for reader, refusal in ((elsewhere, NotFound), (staff, PermissionDenied)):
        with pytest.raises(refusal):
            await urge_report(
                session, reader, permit_number=permit.number, kind="quarterly", period=last_full_quarter()
            )
    label = last_full_quarter()
    draft = await get_draft(session, staff, permit_number=permit.number, kind="quarterly", period=label)
    await submit(db, staff, permit, label, draft.content, "k-urge")
    try:
        await urge_report(session, officer, permit_number=permit.number, kind="quarterly", period=label)
    except Conflict as refused:
        assert refused.code == "submitted"
    else:
        raise AssertionError("a submitted report was urged")
    assert await _notices(session, staff.user_id) == [] and await _urges(session) == 0


async def test_one_click_on_the_overdue_list_and_the_same_through_the_api(client, session):
    permit, staff, officer = await unit(session)
    label = last_full_quarter()
    regulator = await session.get(User, officer.user_id)
    await refresh(session)  # the worker's round: the overdue rows come from the filing rollup
    await session.commit()
    await log_in(client, regulator.username)
    dashboard = (await client.get(f"/review/dashboard?kind=quarterly&period={label}", headers=EN)).text
    assert 'action="/review/dashboard/urge"' in dashboard and "Remind (催报)" in dashboard
    response = await post_form(
        client,
        "/review/dashboard/urge",
        {"permit_number": permit.number, "kind": "quarterly", "period": label},
        page=f"/review/dashboard?kind=quarterly&period={label}",
    )
    assert response.status_code == 303
    shown = (await client.get(response.headers["location"], headers=EN)).text
    assert "was reminded of its overdue report: 1 people told" in shown
    assert len(await _notices(session, staff.user_id)) == 1

    other = await make_user(session, "ecology", region_code="310107")
    token = await bearer_token(session, other)
    await session.commit()
    mutation = """mutation($p: String!, $k: String!, $q: String!) {
      urgeReport(permitNumber: $p, kind: $k, period: $q) { told alreadyToday errors { field code } } }"""
    data = await graphql_data(
        client, mutation, {"p": permit.number, "k": "quarterly", "q": label}, token=token
    )
    assert data["urgeReport"] == {"told": 0, "alreadyToday": True, "errors": []}
    data = await graphql_data(
        client, mutation, {"p": permit.number, "k": "quarterly", "q": this_quarter()}, token=token
    )
    assert data["urgeReport"]["errors"][0]["code"] == "not_overdue"
    assert len(await _notices(session, staff.user_id)) == 1


async def test_after_a_reminder_the_overdue_list_opens_on_the_page_it_was_sent_from(
    client, session, monkeypatch
):
    """The reminder's redirect keeps the list's filters and its page number (it went back to page 1)."""
    import re

    from domain.reports.queries import statistics
    from tests.portal_helpers import csrf_from

    monkeypatch.setattr(statistics, "OVERDUE_PAGE_SIZE", 1)  # two overdue reports: two pages
    first, _staff, officer = await unit(session)
    second, staff, _officer = await unit(session)
    label = last_full_quarter()
    await refresh(session)  # the worker's round: the overdue rows come from the filing rollup
    await session.commit()
    await log_in(client, (await session.get(User, officer.user_id)).username)
    listed = f"/review/dashboard?kind=quarterly&period={label}&sort=permit"
    page_two = (await client.get(f"{listed}&page=2", headers=EN)).text
    assert "Page 2 of 2" in page_two
    [number] = re.findall(r'data-permit="([^"]+)"', page_two)
    assert number == max(first.number, second.number)
    [urge_form] = re.findall(r'<form method="post" action="/review/dashboard/urge".*?</form>', page_two, re.S)
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', urge_form))
    assert form["page"] == "2" and form["sort"] == "permit"

    response = await client.post(
        "/review/dashboard/urge",
        data={**form, "csrf_token": csrf_from(page_two), "permit_number": number},
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert "page=2" in location and "sort=permit" in location and "urged=told" in location
    shown = (await client.get(location, headers=EN)).text
    assert "Page 2 of 2" in shown and f'data-permit="{number}"' in shown
    assert "was reminded of its overdue report" in shown
