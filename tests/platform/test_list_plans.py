"""The main lists read the big tables through an index (issue 19): on a small generated data set, the
EXPLAIN of every statement of the public permit search, a review queue, the exceedance warnings, a
permit's readings of a month and the change feed shows no sequential scan of permit, execution_report,
report_submission, monitoring_reading or change_event, and the change feed's and the review queue's pages
are read in their index's order (no sort of every visible event or report).

On a few thousand rows the planner would rightly prefer a sequential scan, so the plans are taken with
``enable_seqscan`` off: a table is then still scanned sequentially only where no index can serve the
query — the case that turns a 20 ms page into a 20 s one on the province's 90 million readings. PostgreSQL
only: SQLite's planner is another one, and the province runs on PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from demo.generated import generate
from demo.scale import monitored_outlets, outlet_readings
from domain.access import operator
from domain.clock import CHINA, today, utcnow
from domain.disclosure.queries.register import PublicPermitFilter, search_permits
from domain.feed import changes
from domain.ledgers.queries.exceedances import warnings
from domain.ledgers.queries.records import ReadingFilters, readings_page
from domain.pagination import Window
from domain.permits.queries.visible import browse_permits
from domain.reports.queries.review import review_queue, review_queue_page
from domain.reports.queries.statistics import latest_due_period, overdue_page
from domain.reports.rollup.counting import rebuild
from tests.conftest import database_kind
from tests.factories import actor, make_user

pytestmark = pytest.mark.skipif(
    database_kind() != "postgresql", reason="the plans asserted are PostgreSQL's (the province runs on it)"
)

BIG_TABLES = (
    "permit",
    "execution_report",
    "report_submission",
    "monitoring_reading",
    "change_event",
    "public_register_entry",
)


async def plans_of(session: Any, call: Any) -> list[tuple[str, str]]:
    """(statement, plan) of every statement ``call`` runs on the session's connection."""
    connection = await session.connection()
    seen: list[tuple[str, Any]] = []

    def remember(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") or statement.lstrip().upper().startswith("WITH"):
            seen.append((statement, parameters))

    event.listen(connection.sync_connection, "before_cursor_execute", remember)
    try:
        await call()
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", remember)
    plans = []
    for statement, parameters in seen:
        rows = (await connection.exec_driver_sql("EXPLAIN " + statement, parameters)).all()
        plans.append((statement, "\n".join(row[0] for row in rows)))
    return plans


def sequential_scans(plans: list[tuple[str, str]]) -> list[str]:
    # monitoring_reading is partitioned by month: a scan of one of its partitions counts as one of it.
    return [
        f"{table}:\n{statement}\n{plan}"
        for statement, plan in plans
        for table in BIG_TABLES
        if re.search(rf"Seq Scan on {table}(_p\d{{4}}_\d{{2}}|_default)?(\s|$)", plan)
    ]


@pytest.fixture
async def province(session):  # type: ignore[no-untyped-def]
    """Sixty generated units with their imported permits, two monitored outlets with forty days of hourly
    readings and their change events, analysed."""
    await generate(session, operator("demo"), start=64, total=124, progress=None)
    end = utcnow().replace(minute=0, second=0, microsecond=0)
    chosen = await monitored_outlets(session, 2)
    assert chosen, "the generated permits have automatic monitoring"
    for number, (permit, outlet, pollutants) in enumerate(chosen):
        await outlet_readings(session, permit, outlet, pollutants, end=end, hours=24 * 40, seed=number)
    connection = await session.connection()
    await connection.exec_driver_sql("ANALYZE")
    await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    return chosen[0][0], end


async def test_the_main_lists_use_an_index_on_the_big_tables(session, province):  # type: ignore[no-untyped-def]
    permit, end = province
    city = actor(await make_user(session, "permitting", region_code="370100"))
    await rebuild(session)  # the filing rollup's overdue rows, as the worker keeps them
    await (await session.connection()).exec_driver_sql("ANALYZE filing_overdue")
    quarter = latest_due_period("quarterly", today()).label
    month_start = (end - timedelta(days=30)).astimezone(CHINA).replace(day=1, hour=0)
    lists = {
        "public permit search": lambda: search_permits(
            session, filters=PublicPermitFilter(query="济南"), first=20
        ),
        "review queue": lambda: review_queue(session, city, first=20),
        "review queue, the portal's page (bounded count)": lambda: review_queue_page(session, city, first=50),
        "overdue list": lambda: overdue_page(session, city, kind="quarterly", period=quarter),
        "exceedance warnings": lambda: warnings(session, city, first=20),
        "readings of a month": lambda: readings_page(
            session,
            operator(),
            permit_number=permit.number,
            filters=ReadingFilters(start=month_start, end=month_start + timedelta(days=31)),
            first=50,
        ),
        "change feed": lambda: changes(session, city, first=100),
        "GraphQL permits": lambda: browse_permits(session, city, window=Window(first=20), count=False),
        "permit register page": lambda: browse_permits(session, city, first=20),
    }
    found = {}
    # Lists whose order an index must hold: on a few dozen rows the planner rightly sorts them, so they
    # are planned with sorting off, where a sort stays only if no index can give the order.
    ordered = ("public permit search", "GraphQL permits", "permit register page", "overdue list")
    connection = await session.connection()
    for name, call in lists.items():
        if name in ordered:
            await connection.exec_driver_sql("SET LOCAL enable_sort = off")
        plans = await plans_of(session, call)
        if name in ordered:
            await connection.exec_driver_sql("SET LOCAL enable_sort = on")
        assert plans, f"{name}: no statement seen"
        found[name] = sequential_scans(plans)
        if name == "change feed":
            # A client syncs the feed a page at a time: the page must be read in the index's order and
            # stop at its limit, never sort every visible event first.
            found[name] += [f"sorted:\n{plan}" for _statement, plan in plans if "Sort" in plan]
        if name == "public permit search":
            # The page is read in the register's order off its index (issue 19) and stops at its limit.
            # A search for a part of a unit's name reads the register's rows (no index holds "contains");
            # its count stops at its bound (COUNT_BOUND), which the LIMIT in the count says.
            found[name] = [
                scan
                for scan in found[name]
                if not ("public_register_entry:" in scan and "count(" in scan and "LIMIT" in scan)
            ]
            found[name] += [
                f"sorted:\n{plan}"
                for statement, plan in plans
                if "public_register_entry" in statement and "LIMIT" in statement and "Sort" in plan
            ]
            assert any("ix_public_register_entry_order" in plan for _statement, plan in plans)
            assert all("LIMIT" in statement for statement, _plan in plans if "count" in statement.lower())
        if name in ("GraphQL permits", "permit register page"):
            # By expiry off ix_permit_expiry_order with the page's LIMIT, never a sort of the city's permits.
            pages = [(statement, plan) for statement, plan in plans if "LIMIT" in statement]
            assert pages, f"{name}: no page read"
            found[name] += [
                f"sorted:\n{plan}"
                for _statement, plan in pages
                if "Sort" in plan or "ix_permit_expiry_order" not in plan
            ]
            if name == "GraphQL permits":  # totalCount not asked for: nothing counted
                found[name] += [statement for statement, _plan in plans if "count(" in statement.lower()]
        if name == "overdue list":
            # Counted and paged from the rollup's rows alone, the page in the order of its index and
            # stopping at its LIMIT: no permit or report read per overdue row of the jurisdiction.
            # (A permit is read in a subquery only for a row a pending rollup mark names.)
            found[name] += [f"{s}\n{plan}" for s, plan in plans if "Seq Scan on filing_overdue" in plan]
            found[name] += [
                f"sorted:\n{plan}"
                for statement, plan in plans
                if "LIMIT" in statement
                and "filing_overdue" in statement
                and ("Sort" in plan or "ix_filing_overdue_page" not in plan)
            ]
            found[name] += [
                f"the count joins the permits:\n{statement}"
                for statement, _plan in plans
                if "count(" in statement.lower() and "JOIN permit" in statement
            ]
        if name == "review queue":
            assert any("LIMIT" in statement for statement, _plan in plans)
            # The page is read in the order of the department's queue index (its stored flags,
            # domain/reports/awaiting.py) and stops at its limit, never sorts the jurisdiction's reports.
            found[name] += [
                f"sorted:\n{plan}"
                for statement, plan in plans
                if "LIMIT" in statement and ("Sort" in plan or "ix_execution_report_queue" not in plan)
            ]
    assert found == {name: [] for name in lists}
