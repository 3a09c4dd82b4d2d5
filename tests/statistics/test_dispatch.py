"""The monthly dispatch summary counts what a count made directly in SQL counts, for the reader's
jurisdiction only; the page prints by department; units may not open it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import func, select

from domain.access import Role
from domain.clock import china_midnight, today
from domain.errors import PermissionDenied, ValidationFailed
from domain.permits.models import PermitEvent
from domain.statistics import dispatch
from domain.supervision.inspections.models import InspectionRecord
from domain.supervision.inspections.service import records
from domain.supervision.standing.models import PositiveListEntry
from tests.factories import actor, make_enterprise, make_user
from tests.supervision.inspection_setup import REGION, build_district, record_input
from tests.supervision.test_standing import admit


async def test_the_month_counts_as_sql_does_and_only_the_jurisdiction(session):
    district = await build_district(session)
    legal = await make_user(session, Role.LEGAL, region_code=REGION)
    for permit in district.key:
        await records.record_inspection(session, district.planner, data=record_input(district, permit))
    from domain.enterprises.models import Enterprise

    unit = await session.get(Enterprise, district.key[0].enterprise_id)
    await admit(session, legal, unit, today())
    elsewhere = await make_enterprise(session, region_code="370102")
    jinan_legal = await make_user(session, Role.LEGAL, region_code="370102")
    await admit(session, jinan_legal, elsewhere, today())
    await session.flush()

    month = today().replace(day=1)
    summary = await dispatch.dispatch_summary(session, district.planner, month=month)
    following = dispatch._next(month)
    start, end = china_midnight(month), china_midnight(following)
    inspections = (
        await session.exec(
            select(func.count())
            .select_from(InspectionRecord)
            .where(
                InspectionRecord.kind == "enforcement",
                InspectionRecord.inspected_on >= month,
                InspectionRecord.inspected_on < following,
                InspectionRecord.region_code.startswith("310107"),
            )
        )
    ).one()
    assert summary.inspections == inspections == len(district.key)
    admitted = (
        await session.exec(
            select(func.count())
            .select_from(PositiveListEntry)
            .where(PositiveListEntry.entered_on >= month, PositiveListEntry.region_code.startswith("310107"))
        )
    ).one()
    assert summary.admitted_to_list == admitted == 1  # Jinan's admission is not Putuo's
    issued = (
        await session.exec(
            select(PermitEvent.kind, func.count())
            .where(
                PermitEvent.occurred_at >= start, PermitEvent.occurred_at < end, PermitEvent.kind == "issued"
            )
            .group_by(PermitEvent.kind)
        )
    ).all()
    assert summary.permit_events.get("issued", 0) <= sum(number for _, number in issued)
    city = await make_user(session, Role.ENFORCEMENT, region_code="000000")
    national = await dispatch.dispatch_summary(session, actor(city), month=month)
    assert national.admitted_to_list == 2


async def test_units_may_not_open_it_and_a_bad_month_is_named(client, session):
    staff = await make_user(session, Role.ENTERPRISE_STAFF, enterprise=await make_enterprise(session))
    with pytest.raises(PermissionDenied):
        await dispatch.dispatch_summary(session, actor(staff), month=today().replace(day=1))
    for bad in ("2026-13", "1999-01", "abc", f"{today().year + 1}-01"):
        with pytest.raises(ValidationFailed):
            dispatch.month_of(bad)
    assert dispatch.month_of("2025-02") == date(2025, 2, 1)
    assert dispatch.months_back(3)[0] == today().replace(day=1)
    assert dispatch.months_back(13)[-1] == date(today().year - 1, today().month, 1)


async def test_the_page_prints_by_department(client, session):
    from tests.portal_helpers import log_in

    officer = await make_user(session, Role.PERMITTING)
    await log_in(client, officer.username)
    page = await client.get("/statistics/dispatch", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    for section in (
        "dispatch-permitting",
        "dispatch-enforcement",
        "dispatch-rectification",
        "dispatch-legal",
    ):
        assert f'id="{section}"' in page.text
    bad = await client.get("/statistics/dispatch?month=2026-13", headers={"Accept-Language": "en"})
    assert bad.status_code == 400 and 'data-field="month"' in bad.text


async def test_the_api_gives_the_same_figures(client, session):
    from tests.graphql_helpers import bearer_token, graphql_data

    district = await build_district(session)
    for permit in district.key:
        await records.record_inspection(session, district.planner, data=record_input(district, permit))
    brigade = district.brigade[0]
    await session.flush()
    month = today().strftime("%Y-%m")
    query = "query($m: String!) { dispatchSummary(month: $m) { inspections permitEvents { kind count } } }"
    data = await graphql_data(client, query, {"m": month}, token=await bearer_token(session, brigade))
    expected = await dispatch.dispatch_summary(session, actor(brigade), month=today().replace(day=1))
    assert data["dispatchSummary"]["inspections"] == expected.inspections == len(district.key)
    assert {row["kind"] for row in data["dispatchSummary"]["permitEvents"]} == set(
        dispatch.PERMIT_EVENT_KINDS
    )
