"""The filing rollup (docs/statistics.md, The filing rollup): its counts equal the direct computation over
every permit (tests/reports/filing_reference.py) for varied data — permits in force, revoked, held too
short, folded, moved to another district; reports on time, late, never filed, drafts, resubmitted, across
a period boundary and two districts — after a rebuild and after the worker's incremental rounds; the
dashboard's statements do not grow with the permits; the age is shown."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import col, func, select

from domain.access import Operation
from domain.access.sql import allowed
from domain.permits.list_filters import ListFilter
from domain.permits.models import Permit
from domain.permits.service.cancellation import revoke_permit
from domain.permits.state import TARGET_COLUMNS
from domain.reports import rules
from domain.reports import schedule as plans
from domain.reports.models import ExecutionReport
from domain.reports.queries.statistics import dashboard, filing_statistics, overdue_page, overdue_reports
from domain.reports.rollup.counting import rebuild, refresh
from domain.reports.rollup.models import FilingOverdue, FilingRollup, FilingRollupMark
from domain.statistics import figures as leader_figures
from domain.statistics.scope import in_industry, in_region, scope_of
from tests.factories import actor, make_enterprise, make_permit, make_user, permit_content
from tests.reports.filing_reference import (
    direct_filing_half,
    direct_filing_statistics,
    direct_overdue_reports,
)

KINDS = ("monthly", "quarterly", "semiannual", "annual")


def _periods(kind: str) -> list[str]:
    return [p.label for p in rules.periods_between(kind, date(2024, 1, 1), date(2026, 12, 31))]


async def _report(session, permit, kind, label, *, fate):  # type: ignore[no-untyped-def]
    """A report of a period: "on_time", "late", "draft" (never submitted) or "resubmitted" (on time, three
    versions)."""
    period = rules.parse_period(kind, label)
    assert period is not None
    due = rules.due_date(period, plans.default_due_days())
    submitted = fate != "draft"
    late = fate == "late"
    first = datetime.combine(due + timedelta(days=5 if late else -3), datetime.min.time(), tzinfo=UTC)
    session.add(
        ExecutionReport(
            permit_id=permit.id,
            enterprise_id=permit.enterprise_id,
            region_code=permit.region_code,
            industry_code=permit.industry_code,
            kind=kind,
            period=label,
            period_start=period.start,
            period_end=period.end,
            due_date=due,
            state="submitted" if submitted else "draft",
            first_submitted_at=first if submitted else None,
            on_time=(not late) if submitted else None,
            latest_version=(3 if fate == "resubmitted" else 1) if submitted else 0,
        )
    )


async def _cells(session) -> list[tuple]:  # type: ignore[no-untyped-def,type-arg]
    columns = sa.select(*(c for c in FilingRollup.__table__.c if c.name != "id"))  # type: ignore[attr-defined]
    return sorted(tuple(row) for row in (await session.exec(columns)).all())


async def _unreported(session, permit, kind: str) -> str:  # type: ignore[no-untyped-def]
    """The latest period of a kind the permit owes that has no report yet."""
    reported = set(
        (
            await session.exec(
                select(ExecutionReport.period).where(
                    ExecutionReport.permit_id == permit.id, ExecutionReport.kind == kind
                )
            )
        ).all()
    )
    owed = [p.label for p in rules.periods_between(kind, permit.valid_from, date(2026, 11, 30))]
    return [label for label in owed if label not in reported][-1]


async def _city(session):  # type: ignore[no-untyped-def]
    """Permits of two districts of one city and one of another city, and their reports."""
    fates = ("on_time", "late", None, "draft", "resubmitted", "on_time")
    permits = []
    for index, (region, industry, decided, content) in enumerate(
        (
            ("310107", "2614", "2024-02-10", permit_content()),
            ("310107", "4411", "2025-08-20", permit_content(report_kinds=["monthly", "quarterly", "annual"])),
            (
                "310107",
                "2614",
                "2025-03-28",
                permit_content(report_kinds=["monthly", "quarterly", "annual"], report_folding=True),
            ),
            (
                "310110",
                "2614",
                "2024-11-05",
                permit_content(report_kinds=["quarterly", "semiannual", "annual"]),
            ),
            ("310110", "3011", "2026-01-12", permit_content()),
            ("310107", "3011", "2023-06-30", permit_content()),  # to be revoked
            ("370102", "2614", "2024-05-06", permit_content()),  # another city
            (  # its own due days: its reports fall due on other days than the others'
                "310110",
                "4411",
                "2025-01-20",
                permit_content(
                    report_kinds=["monthly", "quarterly", "annual"],
                    report_due_days={"monthly": 28, "quarterly": 5, "annual": 31},
                ),
            ),
        )
    ):
        enterprise = await make_enterprise(session, region_code=region, industry_code=industry)
        permit = await make_permit(session, enterprise, decision_date=decided, content=content)
        permits.append(permit)
        count = 0
        for kind in KINDS:
            for label in _periods(kind):
                fate = fates[(index + count) % len(fates)]
                count += 1
                if fate is not None:
                    await _report(session, permit, kind, label, fate=fate)
    await session.flush()
    return permits


async def _assert_rollup_equals_direct(session, actors) -> None:  # type: ignore[no-untyped-def]
    for who in actors:
        for kind in KINDS:
            for label in _periods(kind):
                for by in ("region", "industry"):
                    direct = await direct_filing_statistics(session, who, kind=kind, period=label, by=by)
                    rolled = await filing_statistics(session, who, kind=kind, period=label, by=by)
                    assert rolled == direct, (who.username, kind, label, by)
                await _assert_overdue_equals_direct(session, who, kind, label)
        await _assert_filing_half_equals_direct(session, who)


async def _assert_filing_half_equals_direct(session, who) -> None:  # type: ignore[no-untyped-def]
    """The leaders' filing half (双百) as the rollup sums it and as it was planned per request: every year,
    the months of this year and the last, narrowed to a district and to an industry (this month's reports
    are not due yet; the permit with its own due days falls due on other days)."""
    from domain.clock import today

    on = today()
    scopes = [{"year": str(year)} for year in (2024, 2025, on.year)]
    scopes += [{"year": str(year), "month": str(month)} for year in (2025, on.year) for month in range(1, 13)]
    scopes += [{"year": str(on.year), "district": "310110"}, {"year": "2025", "industry": "4411"}]
    for asked in scopes:
        if asked.get("district") and not who.region_code.startswith("3101"):
            continue
        scope = scope_of(who, **asked)
        where = [
            allowed(who, Operation.PERMIT_VIEW, TARGET_COLUMNS),
            in_region(col(Permit.region_code), scope),
            in_industry(col(Permit.industry_code), scope),
        ]
        direct = await direct_filing_half(session, who, scope, where)
        rolled = await leader_figures.filing_half(session, who, scope)
        assert (rolled.due, rolled.submitted, rolled.on_time) == (
            direct.due,
            direct.submitted,
            direct.on_time,
        ), (
            who.username,
            asked,
        )
        assert rolled.counted_at is not None


def _shown(rows) -> list[tuple]:  # type: ignore[no-untyped-def,type-arg]
    return [
        (o.permit.number, o.enterprise_name, o.due_date, o.days_overdue, o.report is not None) for o in rows
    ]


async def _assert_overdue_equals_direct(session, who, kind, label, filters=None) -> None:  # type: ignore[no-untyped-def]
    direct = _shown(await direct_overdue_reports(session, who, kind=kind, period=label, filters=filters))
    rolled = _shown(await overdue_reports(session, who, kind=kind, period=label, filters=filters))
    assert rolled == direct, (who.username, kind, label, filters)


async def test_the_rollup_equals_the_direct_count_after_a_rebuild_and_after_each_round(session):
    permits = await _city(session)
    city = actor(await make_user(session, "ecology", region_code="310100"))
    district = actor(await make_user(session, "ecology", region_code="310110"))
    permitting = actor(await make_user(session, "permitting", region_code="310107"))
    await rebuild(session)
    assert (await session.exec(select(func.count()).select_from(FilingRollupMark))).one() == 0
    await _assert_rollup_equals_direct(session, (city, district))
    figures = await filing_statistics(session, city, kind="quarterly", period="2025-Q3")
    assert {r.group for r in figures} == {"310107", "310110"} and all(r.due >= r.submitted for r in figures)
    assert [
        r.group for r in await filing_statistics(session, district, kind="quarterly", period="2025-Q3")
    ] == ["310110"]

    # Changes: a permit revoked, one moved to the other district, a report filed late across the year's
    # end, a draft submitted, a new permit issued. Each leaves a mark in its own flush.
    await revoke_permit(session, permitting, number=permits[5].number, reason="以欺骗手段取得许可证")
    moved = await session.get(Permit, permits[0].id)
    assert moved is not None
    moved.region_code = "310110"
    session.add(moved)
    await _report(
        session, permits[3], "quarterly", await _unreported(session, permits[3], "quarterly"), fate="late"
    )
    draft = (
        await session.exec(
            select(ExecutionReport).where(
                ExecutionReport.permit_id == permits[1].id, ExecutionReport.state == "draft"
            )
        )
    ).first()
    assert draft is not None
    draft.state, draft.first_submitted_at, draft.on_time, draft.latest_version = (
        "submitted",
        datetime(2026, 12, 1, tzinfo=UTC),
        False,
        1,
    )
    session.add(draft)
    enterprise = await make_enterprise(session, region_code="310110", industry_code="4411")
    await make_permit(session, enterprise, decision_date="2025-12-15")
    await session.flush()
    assert (await session.exec(select(func.count()).select_from(FilingRollupMark))).one() > 0
    counted = await refresh(session)
    assert counted.regions == 2 and counted.marks > 0  # both districts: a permit left one for the other
    assert (await session.exec(select(func.count()).select_from(FilingRollupMark))).one() == 0
    await _assert_rollup_equals_direct(session, (city, district))

    # A report alone is recounted for its own period, not its district's every period.
    await _report(
        session, permits[4], "monthly", await _unreported(session, permits[4], "monthly"), fate="on_time"
    )
    before = (await session.exec(select(func.count()).select_from(FilingRollup))).one()
    counted = await refresh(session)
    assert (counted.regions, counted.periods) == (0, 1)
    assert (await session.exec(select(func.count()).select_from(FilingRollup))).one() == before
    await _assert_rollup_equals_direct(session, (city, district))
    # Nothing pending: a round changes nothing but the age.
    snapshot = await _cells(session)
    counted = await refresh(session)
    assert counted.marks == 0 and counted.counted_at is not None
    assert await _cells(session) == snapshot
    await rebuild(session)
    assert await _cells(session) == snapshot

    # The overdue list in every order, narrowed, and a page at a time: the reference's rows.
    quarter = "2025-Q2"
    for sort in ("", "unit", "-unit", "days", "-days", "permit", "-permit"):
        for narrowed in (ListFilter(sort=sort), ListFilter(sort=sort, district="310110")):
            await _assert_overdue_equals_direct(session, city, "quarterly", quarter, narrowed)
    for label in _periods("monthly"):  # a month with two reports overdue or more
        whole = _shown(await direct_overdue_reports(session, city, kind="monthly", period=label))
        if len(whole) >= 2:
            break
    assert len(whole) >= 2
    pages = [await overdue_page(session, city, kind="monthly", period=label, page=n, size=1) for n in (1, 2)]
    assert [p.total for p in pages] == [len(whole)] * 2 and _shown(pages[0].items + pages[1].items) == whole[
        :2
    ]


async def test_a_report_filed_or_a_permit_revoked_since_the_round_leaves_the_overdue_list_at_once(session):
    """The overdue list reads its rows as the worker counted them, except where a mark not yet counted
    names their permit or district: those are read again, so a report filed or a permit revoked after the
    round leaves the list (and its count) before the next round."""
    permits = await _city(session)
    city = actor(await make_user(session, "ecology", region_code="310100"))
    permitting = actor(await make_user(session, "permitting", region_code="310107"))
    await rebuild(session)
    revoked = permits[5]
    for label in reversed(_periods("quarterly")):
        before = await overdue_page(session, city, kind="quarterly", period=label)
        listed = {o.permit.number: o for o in before.items}
        others = [o for o in before.items if o.report is None and o.permit.number != revoked.number]
        if revoked.number in listed and others:
            break
    else:
        raise AssertionError("no quarter with the permit to revoke and another report never started")
    filed = next(o.permit for o in others)
    assert before.total == len(before.items) >= 2

    await _report(session, filed, "quarterly", label, fate="late")
    await revoke_permit(session, permitting, number=revoked.number, reason="以欺骗手段取得许可证")
    await session.flush()
    assert (await session.exec(select(func.count()).select_from(FilingRollupMark))).one() > 0  # not counted

    after = await overdue_page(session, city, kind="quarterly", period=label)
    gone = {filed.number, revoked.number}
    assert [o.permit.number for o in after.items] == [n for n in listed if n not in gone]
    assert after.total == before.total - 2
    assert _shown(await overdue_reports(session, city, kind="quarterly", period=label)) == _shown(after.items)
    await _assert_overdue_equals_direct(session, city, "quarterly", label)
    await refresh(session)  # the round counts what the marks named: the same list
    assert _shown((await overdue_page(session, city, kind="quarterly", period=label)).items) == _shown(
        after.items
    )


async def test_a_period_that_ends_brings_its_overdue_rows_at_the_next_round(session):
    """No write marks the end of a period: the first round of a later day counts the periods ended since."""
    enterprise = await make_enterprise(session, region_code="310107")
    permit = await make_permit(session, enterprise, decision_date="2025-02-03")
    await rebuild(session, on=date(2025, 9, 30))

    async def rows(label: str) -> int:
        statement = select(func.count()).select_from(FilingOverdue).where(FilingOverdue.period == label)
        return (await session.exec(statement)).one()

    assert (await rows("2025-Q2"), await rows("2025-Q3")) == (1, 0)  # Q3 has not ended
    counted = await refresh(session, on=date(2025, 10, 1))
    assert counted.periods >= 2 and await rows("2025-Q3") == 1  # Q3 and September ended (no monthly owed)
    await _report(session, permit, "quarterly", "2025-Q3", fate="late")
    await refresh(session, on=date(2025, 10, 2))
    assert await rows("2025-Q3") == 0


async def test_the_dashboard_reads_a_fixed_number_of_statements_whatever_the_permits(session, monkeypatch):
    planned = 0
    real_plan = rules.plan

    def plan(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal planned
        planned += 1
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(rules, "plan", plan)
    officer = actor(await make_user(session, "ecology", region_code="310100"))
    counts = []
    for size in (2, 8):
        while len((await session.exec(select(Permit))).all()) < size:
            enterprise = await make_enterprise(session)
            await make_permit(session, enterprise, decision_date="2025-02-03")
        await rebuild(session)
        statements = 0

        def count(*_args: object) -> None:
            nonlocal statements
            statements += 1

        connection = await session.connection()
        plans._plan.cache_clear()
        planned = 0
        sa.event.listen(connection.sync_connection, "before_cursor_execute", count)
        try:
            found = await dashboard(session, officer, kind="quarterly", period="2025-Q3")
        finally:
            sa.event.remove(connection.sync_connection, "before_cursor_execute", count)
        assert planned == 0  # neither the rates nor the overdue list plan a permit per request
        assert found.total.due == len((await session.exec(select(Permit))).all())
        assert found.overdue_page.total == found.total.due == len(found.overdue)  # nothing filed
        assert found.counted_at is not None
        counts.append(statements)
    assert counts[0] == counts[1], counts


def test_the_rollup_is_rebuilt_from_the_command_line(cli):  # type: ignore[no-untyped-def]
    result = cli("rollup-rebuild")
    assert result.exit_code == 0 and "filing rollup rebuilt: 0 districts" in result.output


async def test_a_second_worker_leaves_the_round_to_the_one_counting(engine, settings):  # type: ignore[no-untyped-def]
    """Two workers at once: the second does not wait on the first's lock, it skips its round."""
    from sqlmodel.ext.asyncio.session import AsyncSession

    from domain.db import on_postgresql

    async with engine.connect() as first, engine.connect() as second:
        one = AsyncSession(bind=first, expire_on_commit=False)
        two = AsyncSession(bind=second, expire_on_commit=False)
        if not on_postgresql(one):
            pytest.skip("SQLite has one writer at a time: a second worker waits for the database itself")
        try:
            one.add(FilingRollupMark(region_code="310107"))
            counted = await refresh(one)  # holds the state row until its transaction ends
            assert counted.marks == 1 and counted.counted_at is not None
            skipped = await refresh(two)
            assert skipped.marks == 0 and skipped.counted_at is None
        finally:
            await one.rollback()
            await two.rollback()


async def test_every_worker_round_brings_the_rollup_up_to_date(db, session, settings):  # type: ignore[no-untyped-def]
    from domain.clock import today
    from server.cli import worker_daily

    officer = actor(await make_user(session, "ecology", region_code="310107"))
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise, decision_date="2025-02-03")
    await session.commit()  # the round runs in a transaction of its own (the test's, rolled back after)
    assert await filing_statistics(session, officer, kind="quarterly", period="2025-Q3") == []
    daily = worker_daily(settings, reminders=False, bulk_export=False)
    # The permit import writes in bulk SQL: it marks the district itself (no flush to listen to).
    assert (await session.exec(select(func.count()).select_from(FilingRollupMark))).one() == 1
    await daily(db, today())  # a round later the same day: no daily work, the rollup's count all the same
    assert (await session.exec(select(func.count()).select_from(FilingRollupMark))).one() == 0
    rates = await filing_statistics(session, officer, kind="quarterly", period="2025-Q3")
    assert [(r.group, r.due, r.submitted) for r in rates] == [(permit.region_code, 1, 0)]
