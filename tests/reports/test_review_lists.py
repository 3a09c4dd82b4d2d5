"""The review queue as a regulator works it (issue 17): filters kept in the URL, search by unit name,
credit code or permit number, a whitelisted order, an XLSX export with Chinese headings of exactly the
filtered rows, and a reply to a feedback form after its deadline marked late in the queue. Which rows a
filter may list at all is pinned against can() by tests/access/test_lists.py."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook

from domain.accounts.models import User
from domain.clock import history_at, today
from domain.enterprises.models import Enterprise
from domain.errors import ValidationFailed
from domain.permits.list_filters import ListFilter
from domain.reports.queries.review import review_queue_page
from domain.reports.rules import FeedbackItemInput
from domain.reports.service.review import issue_feedback, respond_to_feedback
from tests.portal_helpers import log_in
from tests.reports.test_reports import last_full_quarter, submit
from tests.reports.test_review_by_department import filed


async def _late_and_resubmitted(session, db):  # type: ignore[no-untyped-def]
    """A report returned with a form, answered after its deadline, then filed again; and another unit's."""
    report_id, permit, staff, who, draft = await filed(session, db)
    other_id, other_permit, *_rest = await filed(session, db, key="other")
    form = await issue_feedback(
        session,
        who["ecology"],
        report_id=report_id,
        items=[FeedbackItemInput("请说明二氧化硫排放量")],
        deadline=today() + timedelta(days=1),
    )
    await session.flush()
    with history_at(datetime.now(UTC) + timedelta(days=3)):
        await respond_to_feedback(session, staff, form_id=form.id, response="迟到的说明")
    await session.flush()
    await submit(db, staff, permit, last_full_quarter(), {**draft.content, "statement": "已补充"}, "v2")
    return report_id, permit, other_id, other_permit, who


async def test_the_queue_marks_a_late_reply_and_lists_resubmitted_reports_alone(session, db):
    report_id, permit, other_id, _other, who = await _late_and_resubmitted(session, db)
    everything = await review_queue_page(session, who["ecology"], state="submitted")
    rows = {row.report.id: row for row in everything.rows}
    assert set(rows) == {report_id, other_id}
    assert rows[report_id].late_reply and rows[report_id].resubmitted
    assert not rows[other_id].late_reply and not rows[other_id].resubmitted
    again = await review_queue_page(
        session, who["ecology"], state="submitted", filters=ListFilter(resubmitted=True)
    )
    assert [row.report.id for row in again.rows] == [report_id] and again.total == 1
    unit = await session.get(Enterprise, permit.enterprise_id)
    for text in (unit.name, unit.credit_code.lower(), permit.number[-8:].lower()):
        found = await review_queue_page(session, who["ecology"], filters=ListFilter(search=text))
        assert [row.report.id for row in found.rows] == [report_id], text
    by_unit = await review_queue_page(session, who["ecology"], filters=ListFilter(sort="-unit"))
    names = [row.enterprise_name for row in by_unit.rows]
    assert names == sorted(names, reverse=True)


async def test_bad_filters_are_each_named_and_nothing_is_listed_by_them(session, db):
    _report_id, _permit, _other_id, _other, who = await _late_and_resubmitted(session, db)
    bad = ListFilter(
        district="31", industry="9999", state="lost", period="2026-Q9", search="x" * 61, sort="password"
    )
    try:
        await review_queue_page(session, who["ecology"], filters=bad)
    except ValidationFailed as failure:
        assert {e.field for e in failure.errors} == {"district", "industry", "state", "period", "q", "sort"}
    else:
        raise AssertionError("bad filters were accepted")
    try:
        await review_queue_page(session, who["ecology"], filters=ListFilter(search="单位\x00"))
    except ValidationFailed as failure:
        assert [e.code for e in failure.errors] == ["invalid_character"]


async def test_the_page_keeps_its_filters_in_links_and_exports_the_filtered_rows_in_chinese(
    client, session, db
):
    report_id, permit, other_id, _other, who = await _late_and_resubmitted(session, db)
    officer = await session.get(User, who["ecology"].user_id)
    await log_in(client, officer.username)
    page = await client.get("/review", params={"district": "310107", "resubmitted": "1", "sort": "due"})
    assert page.status_code == 200
    text = page.text
    assert f'data-report="{report_id}"' in text and f'data-report="{other_id}"' not in text
    assert f'data-late-reply="{report_id}"' in text and f'data-resubmitted="{report_id}"' in text
    assert 'href="/review/export.xlsx?district=310107&amp;resubmitted=1&amp;sort=due"' in text
    assert "/review?state=returned&amp;district=310107&amp;resubmitted=1&amp;sort=due" in text
    assert "反馈答复逾期" in text and "反馈后重新提交" in text  # the marks are words, in Chinese

    refused = await client.get("/review", params={"sort": "password", "q": "x" * 61})
    assert refused.status_code == 400
    assert 'data-field="sort"' in refused.text and 'data-field="q"' in refused.text
    assert f'data-report="{report_id}"' in refused.text  # the list without the bad filters

    export = await client.get("/review/export.xlsx", params={"district": "310107", "resubmitted": "1"})
    assert export.status_code == 200 and export.headers["content-type"].startswith(
        "application/vnd.openxmlformats"
    )
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("排污单位", "统一社会信用代码", "许可证编号")
    assert len(rows) == 2 and rows[1][2] == permit.number
    assert rows[1][-1] == "是" and rows[1][-2] == "是"  # resubmitted, answered late
    assert "2614" not in [str(v) for v in rows[1]] and "310107" not in [str(v) for v in rows[1]]


async def test_the_overdue_list_filters_keeps_its_filters_when_reminding_and_exports(client, session, db):
    from domain.clock import today as today_
    from domain.reports.queries.statistics import latest_due_period
    from domain.reports.rollup.counting import refresh_in
    from tests.portal_helpers import csrf_from
    from tests.reports.test_reports import unit as make_unit

    late, _staff, officer = await make_unit(session)
    on_time, staff2, _officer2 = await make_unit(session)
    period = latest_due_period("quarterly", today_()).label
    draft_label = period
    from domain.reports.queries.editor import get_draft

    draft = await get_draft(
        session, staff2, permit_number=on_time.number, kind="quarterly", period=draft_label
    )
    await submit(db, staff2, on_time, draft_label, draft.content, "filed")
    name = (await session.get(Enterprise, late.enterprise_id)).name
    user = await session.get(User, officer.user_id)
    await refresh_in(db)  # the worker's round: the overdue rows come from the filing rollup
    await log_in(client, user.username)
    query = {"kind": "quarterly", "period": period}
    everything = await client.get("/review/dashboard", params=query)
    assert f'data-permit="{late.number}"' in everything.text
    assert f'data-permit="{on_time.number}"' not in everything.text
    found = await client.get("/review/dashboard", params={**query, "q": name, "sort": "-days"})
    assert found.status_code == 200 and f'data-permit="{late.number}"' in found.text
    nobody = await client.get("/review/dashboard", params={**query, "q": "没有这个单位"})
    assert f'data-permit="{late.number}"' not in nobody.text

    token = csrf_from(found.text)
    reminded = await client.post(
        "/review/dashboard/urge",
        data={"csrf_token": token, "permit_number": late.number, **query, "q": name, "sort": "-days"},
    )
    assert reminded.status_code == 303
    assert "sort=-days" in reminded.headers["location"] and "urged=told" in reminded.headers["location"]

    export = await client.get("/review/dashboard/overdue.xlsx", params={**query, "q": name})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("排污单位", "许可证编号") and [r[1] for r in rows[1:]] == [late.number]
    assert rows[1][-1] == "未提交"


REVIEW_QUEUE = """
query($filter: ReviewQueueFilterInput) {
  reviewQueue(state: SUBMITTED, filter: $filter, first: 10) {
    totalCount
    edges { node { permitNumber period } }
  }
}
"""


async def test_the_api_filters_the_queue_as_the_page_does(client, session, db):
    from tests.graphql_helpers import bearer_token, graphql, graphql_data

    _report_id, permit, _other_id, other, who = await _late_and_resubmitted(session, db)
    token = await bearer_token(session, await session.get(User, who["ecology"].user_id))
    everything = await graphql_data(client, REVIEW_QUEUE, {}, token=token)
    assert everything["reviewQueue"]["totalCount"] == 2
    again = await graphql_data(
        client, REVIEW_QUEUE, {"filter": {"resubmittedAfterFeedback": True}}, token=token
    )
    assert [e["node"]["permitNumber"] for e in again["reviewQueue"]["edges"]] == [permit.number]
    searched = await graphql_data(
        client, REVIEW_QUEUE, {"filter": {"search": other.number.lower()}}, token=token
    )
    assert [e["node"]["permitNumber"] for e in searched["reviewQueue"]["edges"]] == [other.number]
    refused = (
        await graphql(client, REVIEW_QUEUE, {"filter": {"sort": "secret", "search": "x" * 61}}, token=token)
    ).json()
    problems = refused["errors"][0]["extensions"]["errors"]
    assert refused["data"] is None and {(p["field"], p["code"]) for p in problems} >= {
        ("sort", "choice"),
        ("search", "too_long"),
    }


PAGED_QUEUE = """
query($filter: ReviewQueueFilterInput, $first: Int, $after: String, $last: Int, $before: String) {
  reviewQueue(state: SUBMITTED, filter: $filter, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor node { permitNumber } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def _walk(client, token, sort: str) -> list[str]:  # type: ignore[no-untyped-def]
    from tests.graphql_helpers import graphql_data

    seen: list[str] = []
    after = None
    for _ in range(10):
        data = await graphql_data(
            client, PAGED_QUEUE, {"filter": {"sort": sort}, "first": 1, "after": after}, token=token
        )
        connection = data["reviewQueue"]
        seen += [edge["node"]["permitNumber"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            return seen
        after = connection["pageInfo"]["endCursor"]
    raise AssertionError("the queue did not end")


async def test_the_api_pages_the_queue_by_keyset_in_every_order_the_page_offers(client, session, db):
    """The queue's cursors hold the row's sort keys (not an offset): every order pages as the portal lists
    it, backwards too, and a report filed while an integrator pages moves no row between pages."""
    from tests.graphql_helpers import bearer_token, graphql_data

    who = None
    for key in ("a", "b", "c"):
        _id, _permit, _staff, who, _draft = await filed(session, db, key=key)
    assert who is not None
    reader = who["ecology"]
    token = await bearer_token(session, await session.get(User, reader.user_id))
    for sort in ("", "due", "-unit", "received", "-received", "errors", "-period"):
        portal = await review_queue_page(session, reader, state="submitted", filters=ListFilter(sort=sort))
        assert await _walk(client, token, sort) == [row.permit.number for row in portal.rows], sort

    first_two = await graphql_data(
        client, PAGED_QUEUE, {"filter": {"sort": "-received"}, "first": 2}, token=token
    )
    listed = [edge["node"]["permitNumber"] for edge in first_two["reviewQueue"]["edges"]]
    # A report filed now sorts first (the newest received); the next page still starts after the second row.
    _id, newest, *_rest = await filed(session, db, key="d")
    rest = await graphql_data(
        client,
        PAGED_QUEUE,
        {
            "filter": {"sort": "-received"},
            "first": 10,
            "after": first_two["reviewQueue"]["pageInfo"]["endCursor"],
        },
        token=token,
    )
    listed += [edge["node"]["permitNumber"] for edge in rest["reviewQueue"]["edges"]]
    assert (
        newest.number not in listed
        and len(listed) == len(set(listed)) == rest["reviewQueue"]["totalCount"] - 1
    )

    backwards = await graphql_data(
        client, PAGED_QUEUE, {"filter": {"sort": "-received"}, "last": 2}, token=token
    )
    tail = [edge["node"]["permitNumber"] for edge in backwards["reviewQueue"]["edges"]]
    assert tail == listed[-2:] and backwards["reviewQueue"]["pageInfo"]["hasPreviousPage"] is True


async def test_past_its_bound_the_queue_says_more_than_and_pages_on(client, session, db, monkeypatch):
    """A city's queue holds hundreds of thousands of reports: the page counts them up to a bound and says
    "more than" past it (as search pages do), and its pager goes on while there are rows."""
    from domain.reports.queries import review
    from portal import review_lists

    monkeypatch.setattr(review, "COUNT_BOUND", 2)
    monkeypatch.setattr(review_lists, "QUEUE_PAGE_SIZE", 1)
    who = None
    for key in ("a", "b", "c", "d"):
        _id, _permit, _staff, who, _draft = await filed(session, db, key=key)
    assert who is not None
    reader = who["ecology"]
    first = await review_queue_page(session, reader, first=1)
    assert (first.total, first.more, first.has_next) == (3, True, True)  # three counted: more than two
    last = await review_queue_page(session, reader, first=1, offset=3)
    assert (last.total, last.more, last.has_next, len(last.rows)) == (4, False, False, 1)  # all four counted
    assert (await review_queue_page(session, reader, first=10)).total == 4  # the page's own rows counted
    await log_in(client, (await session.get(User, reader.user_id)).username)
    page = await client.get("/review", headers={"Accept-Language": "en"})
    assert "More than 2 reports" in page.text and "<span>1 / 2+</span>" in page.text
    assert ">Next<" in page.text  # the next page while there are rows, though the last is not known
    fourth = await client.get("/review?page=4", headers={"Accept-Language": "en"})
    assert "4 reports" in fourth.text and "More than" not in fourth.text and ">Next<" not in fourth.text
    chinese = await client.get("/review", headers={"Accept-Language": "zh-CN"})
    assert "超过 2 份报告" in chinese.text


async def test_the_api_counts_the_queue_only_when_asked(client, session, db, connection):
    """``totalCount`` stays exact; a query that does not select it does not count (the count read a city's
    reports off an index, most of the request)."""
    from sqlalchemy import event

    from tests.graphql_helpers import bearer_token, graphql_data

    for key in ("a", "b", "c"):
        _id, _permit, _staff, who, _draft = await filed(session, db, key=key)
    token = await bearer_token(session, await session.get(User, who["ecology"].user_id))
    statements: list[str] = []

    def remember(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(connection.sync_connection, "before_cursor_execute", remember)
    try:
        counted = await graphql_data(client, PAGED_QUEUE, {"first": 1}, token=token)
        assert counted["reviewQueue"]["totalCount"] == 3
        assert any("count(" in s.lower() and "execution_report" in s for s in statements)
        statements.clear()
        fragment = (
            "query { reviewQueue(first: 1) { ...Counted } }"
            " fragment Counted on ExecutionReportConnection { totalCount }"
        )
        assert (await graphql_data(client, fragment, {}, token=token))["reviewQueue"]["totalCount"] == 3
        statements.clear()
        plain = "query { reviewQueue(first: 1) { edges { node { permitNumber } } pageInfo { hasNextPage } } }"
        data = await graphql_data(client, plain, {}, token=token)
        assert len(data["reviewQueue"]["edges"]) == 1 and data["reviewQueue"]["pageInfo"]["hasNextPage"]
        assert not any("count(" in s.lower() and "execution_report" in s for s in statements)
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", remember)
