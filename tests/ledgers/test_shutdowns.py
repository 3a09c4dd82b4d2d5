"""Shutdown periods (停产): recorded through one use case (portal and GraphQL), audited; stated in the
reports of their periods; their days are no gaps in the ledger's completeness."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import select

from domain.audit.models import AuditEntry
from domain.clock import today
from domain.errors import Conflict, ValidationFailed
from domain.ledgers.models import ShutdownPeriod
from domain.ledgers.queries import period
from domain.ledgers.service import readings, shutdowns
from domain.ledgers.service.shutdowns import ShutdownInput
from domain.reports.queries.editor import get_draft
from tests.factories import actor, make_enterprise, make_permit, make_user
from tests.graphql_helpers import bearer_token, graphql_data
from tests.portal_helpers import log_in, post_form

CHINA = timedelta(hours=8)


async def unit(session):
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise, decision_date=(today() - timedelta(days=700)).isoformat())
    staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
    return permit, staff


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC) - CHINA


def previous_month() -> tuple[date, date]:
    last = today().replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


async def test_a_shutdown_is_recorded_audited_and_ended(session):
    permit, staff = await unit(session)
    first, last = previous_month()
    stop = await shutdowns.record_shutdown(
        session,
        actor(staff),
        permit_number=permit.number,
        data=ShutdownInput(first + timedelta(days=3), None, "锅炉检修"),
    )
    entry = (await session.exec(select(AuditEntry).where(AuditEntry.action == "ledger.shutdown"))).one()
    assert entry.actor_username == staff.username and entry.after["reason"] == "锅炉检修"
    ended = await shutdowns.end_shutdown(session, actor(staff), shutdown_id=stop.id, ends_on=last)
    assert ended.ends_on == last and ended.ended_by == staff.username
    assert (await session.exec(select(AuditEntry).where(AuditEntry.action == "ledger.shutdown_end"))).one()


async def test_bad_shutdowns_are_refused_naming_the_field_and_nothing_is_written(session):
    permit, staff = await unit(session)
    first, _last = previous_month()
    cases = [
        (ShutdownInput(None, None, "检修"), "starts_on", "required"),
        (ShutdownInput(today() + timedelta(days=2), None, "检修"), "starts_on", "future"),
        (ShutdownInput(first + timedelta(days=5), first, "检修"), "ends_on", "before_start"),
        (ShutdownInput(first, None, "  "), "reason", "required"),
    ]
    for data, field, code in cases:
        with pytest.raises(ValidationFailed) as refused:
            await shutdowns.record_shutdown(session, actor(staff), permit_number=permit.number, data=data)
        assert (field, code) in {(e.field, e.code) for e in refused.value.errors}
    assert (await session.exec(select(ShutdownPeriod))).all() == []
    await shutdowns.record_shutdown(
        session, actor(staff), permit_number=permit.number, data=ShutdownInput(first, None, "检修")
    )
    with pytest.raises(Conflict):
        await shutdowns.record_shutdown(
            session,
            actor(staff),
            permit_number=permit.number,
            data=ShutdownInput(first + timedelta(days=4), first + timedelta(days=6), "又停"),
        )


async def test_days_of_a_shutdown_are_no_gaps_in_completeness(session):
    permit, staff = await unit(session)
    first, last = previous_month()
    start, end = midnight(first), midnight(last + timedelta(days=1))
    before = await period.completeness(
        session, actor(staff), permit_number=permit.number, start=start, end=end
    )
    daily = next(item for item in before if item.kind == "production_facility")
    assert daily.expected == last.day and daily.gaps
    await shutdowns.record_shutdown(
        session,
        actor(staff),
        permit_number=permit.number,
        data=ShutdownInput(first, first + timedelta(days=9), "全厂停产检修"),
    )
    after = await period.completeness(
        session, actor(staff), permit_number=permit.number, start=start, end=end
    )
    daily = next(item for item in after if item.kind == "production_facility")
    assert daily.expected == last.day - 10
    assert all(gap.first_missing >= midnight(first + timedelta(days=10)) for gap in daily.gaps)
    hourly = next(item for item in after if item.label == "DA001 SO2")
    assert hourly.expected == (last.day - 10) * 24


async def test_the_report_of_the_period_states_the_shutdown(session):
    permit, staff = await unit(session)
    first, last = previous_month()
    await shutdowns.record_shutdown(
        session,
        actor(staff),
        permit_number=permit.number,
        data=ShutdownInput(first + timedelta(days=2), first + timedelta(days=5), "限产停炉"),
    )
    label = f"{first.year}-Q{(first.month - 1) // 3 + 1}"
    draft = await get_draft(
        session, actor(staff), permit_number=permit.number, kind="quarterly", period=label
    )
    assert draft.content["shutdowns"] == [
        {
            "starts_on": (first + timedelta(days=2)).isoformat(),
            "ends_on": (first + timedelta(days=5)).isoformat(),
            "reason": "限产停炉",
        }
    ]


async def test_the_ledger_page_records_a_shutdown_and_shows_a_bad_one_next_to_its_field(client, session):
    permit, staff = await unit(session)
    client.headers["accept-language"] = "en"
    assert (await log_in(client, staff.username)).status_code == 303
    page = f"/ledger/{permit.number}"
    bad = await post_form(
        client, f"{page}/shutdowns", {"starts_on": "2026-13-01", "reason": "检修"}, page=page
    )
    assert bad.status_code == 400 and "Expected a date (YYYY-MM-DD)." in bad.text
    bad = await post_form(client, f"{page}/shutdowns", {"starts_on": "2026-01-05", "reason": " "}, page=page)
    assert bad.status_code == 400 and "Say why production stopped." in bad.text
    assert 'id="shutdown-starts_on" name="starts_on" value="2026-01-05"' in bad.text  # what was typed stays
    first, _last = previous_month()
    done = await post_form(
        client, f"{page}/shutdowns", {"starts_on": first.isoformat(), "reason": "设备检修"}, page=page
    )
    assert done.status_code == 303
    shown = (await client.get(page)).text
    assert "设备检修" in shown and "Still stopped" in shown


async def test_graphql_records_a_shutdown_with_the_same_rules(client, session):
    permit, staff = await unit(session)
    token = await bearer_token(session, staff)
    mutation = (
        "mutation($n: String!, $s: Date!, $r: String!) { recordShutdown(permitNumber: $n, startsOn: $s, "
        "reason: $r) { shutdown { startsOn endsOn reason } errors { field code } } }"
    )
    first, _last = previous_month()
    data = await graphql_data(
        client, mutation, {"n": permit.number, "s": first.isoformat(), "r": "检修"}, token=token
    )
    assert data["recordShutdown"] == {
        "shutdown": {"startsOn": first.isoformat(), "endsOn": None, "reason": "检修"},
        "errors": [],
    }
    future = (today() + timedelta(days=3)).isoformat()
    data = await graphql_data(client, mutation, {"n": permit.number, "s": future, "r": "检修"}, token=token)
    assert data["recordShutdown"] == {"shutdown": None, "errors": [{"field": "startsOn", "code": "future"}]}


async def test_automatic_coverage_counts_only_the_hours_the_site_produced(session):
    from domain.ledgers.rules import ReadingInput

    permit, staff = await unit(session)
    first, last = previous_month()
    start, end = midnight(first), midnight(last + timedelta(days=1))
    restart = last - timedelta(days=9)
    await readings.record_readings(
        session,
        actor(staff),
        permit_number=permit.number,
        readings=[
            ReadingInput("DA001", "SO2", "automatic", midnight(restart) + timedelta(hours=h), 20, "mg/m3")
            for h in range(10 * 24)
        ],
    )

    async def so2_method():
        figures = await period.actual_emissions(
            session, actor(staff), permit_number=permit.number, start=start, end=end
        )
        return next(f for f in figures if (f.outlet_code, f.pollutant) == ("DA001", "SO2")).method

    assert await so2_method() != "automatic"  # ten days of data in a month: too little
    await shutdowns.record_shutdown(
        session,
        actor(staff),
        permit_number=permit.number,
        data=ShutdownInput(first, restart - timedelta(days=1), "停产"),
    )
    assert await so2_method() == "automatic"


async def test_a_bad_date_and_a_missing_reason_are_named_at_once_and_a_reader_is_refused_first(
    client, session
):
    permit, staff = await unit(session)
    client.headers["accept-language"] = "en"
    await log_in(client, staff.username)
    page = f"/ledger/{permit.number}"
    bad = await post_form(client, f"{page}/shutdowns", {"starts_on": "2026-13-01", "reason": " "}, page=page)
    assert bad.status_code == 400
    assert "Expected a date (YYYY-MM-DD)." in bad.text and "Say why production stopped." in bad.text
    client.cookies.clear()
    regulator = await make_user(session, "enforcement", region_code="310107")
    await log_in(client, regulator.username)
    refused = await post_form(
        client, f"{page}/shutdowns", {"starts_on": "2026-13-01", "reason": ""}, page=page
    )
    assert refused.status_code == 403  # who may comes before what was typed
    assert (await session.exec(select(ShutdownPeriod))).all() == []
