"""The review flags stored on a report (which departments it awaits, its latest submission's error count,
``domain/reports/awaiting.py``) equal the live ``awaits`` expression after every step of review, and the
review queue lists the same rows in the same order as when it evaluated ``awaits`` per request (issue 19)."""

from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import col, select

from domain.clock import today
from domain.pagination import Window
from domain.reports import departments
from domain.reports.awaiting import FLAGS, awaits, flag_values
from domain.reports.models import ExecutionReport, ReportSubmission
from domain.reports.queries.review import review_queue_page, review_queue_window
from domain.reports.rules import FeedbackItemInput
from domain.reports.service.review import (
    accept_report,
    clear_section,
    issue_feedback,
    record_section_problems,
    respond_to_feedback,
)
from tests.factories import actor, make_user
from tests.reports.test_reports import last_full_quarter, submit
from tests.reports.test_review_by_department import ECOLOGY, PERMITTING, POLLUTION, clear_all, filed

LATEST = sa.and_(
    col(ReportSubmission.report_id) == col(ExecutionReport.id),
    col(ReportSubmission.version) == col(ExecutionReport.latest_version),
)


async def assert_flags_are_live(session) -> None:
    """Every report's stored flags and error count equal the live expressions."""
    await session.flush()
    stored = [getattr(ExecutionReport, name) for name in FLAGS]
    rows = (
        await session.exec(
            select(col(ExecutionReport.id), *stored, *flag_values()).join(
                ReportSubmission, LATEST, isouter=True
            )
        )
    ).all()
    assert rows
    for row in rows:
        n = len(FLAGS)
        kept = [bool(v) if i < n - 1 else int(v) for i, v in enumerate(row[1 : 1 + n])]
        live = [bool(v) if i < n - 1 else int(v) for i, v in enumerate(row[1 + n :])]
        assert kept == live, f"report {row[0]}: stored {kept} live {live} ({', '.join(FLAGS)})"


async def old_order(session, reviewer, ids: list[int]) -> list[int]:
    """The queue's rows in the order it had when ``awaits`` was evaluated per request."""
    role = reviewer.role if reviewer.role in departments.REVIEWING_DEPARTMENTS else None
    awaiting = awaits(role) if role is not None else sa.false()
    rows = (
        await session.exec(
            select(col(ExecutionReport.id))
            .join(ReportSubmission, LATEST, isouter=True)
            .where(col(ExecutionReport.id).in_(ids))
            .order_by(
                sa.case((awaiting, 0), else_=1),
                col(ReportSubmission.error_count).desc(),
                col(ExecutionReport.due_date),
                col(ExecutionReport.id),
            )
        )
    ).all()
    return [int(i) for i in rows]


async def assert_queue_order_kept(session, reviewers) -> None:
    for reviewer in reviewers:
        for state in ("submitted", "returned", "accepted"):
            queue = await review_queue_page(session, reviewer, state=state, first=100)
            ids = [row.report.id for row in queue.rows]
            assert ids == await old_order(session, reviewer, ids)
            for row in queue.rows:
                role = reviewer.role if reviewer.role in departments.REVIEWING_DEPARTMENTS else None
                expected = role is not None and getattr(row.report, f"awaits_{role.value}")
                assert row.awaiting == expected
            paged: list[int] = []
            window = Window(first=2)
            while True:
                page = await review_queue_window(session, reviewer, state=state, window=window)
                paged += [r.id for r, _p, _s in page.items]
                if not page.has_next:
                    break
                window = Window(first=2, after=page.end_cursor)
            assert paged == ids


async def test_stored_flags_follow_every_step_of_review_and_the_queue_keeps_its_order(session, db):
    a, permit_a, staff_a, who, draft_a = await filed(session, db, key="a")
    b, _permit_b, staff_b, _w, _d = await filed(session, db, key="b")
    c, _permit_c, _staff_c, _w, _d = await filed(session, db, key="c")
    d, _permit_d, _staff_d, _w, _d = await filed(session, db, key="d")
    admin = actor(await make_user(session, "admin"))
    city = actor(await make_user(session, "pollution_prevention", region_code="310100"))
    reviewers = (who["ecology"], who["pollution"], who["permitting"], admin, city)
    await assert_flags_are_live(session)
    await assert_queue_order_kept(session, reviewers)

    await clear_all(session, a, who["ecology"], ECOLOGY)  # partly reviewed: one department done
    await clear_section(session, who["pollution"], report_id=d, section="emissions")
    await assert_flags_are_live(session)
    await record_section_problems(
        session, who["pollution"], report_id=b, section="emissions", items=[FeedbackItemInput("偏差")]
    )
    await assert_flags_are_live(session)
    form = await issue_feedback(  # returned with a form
        session,
        who["ecology"],
        report_id=b,
        items=[FeedbackItemInput("请补充超标原因", field="content.exceedances")],
        deadline=today() + timedelta(days=5),
    )
    await assert_flags_are_live(session)
    await assert_queue_order_kept(session, reviewers)

    await respond_to_feedback(session, staff_b, form_id=form.id, response="已说明。")  # answered: re-check
    await assert_flags_are_live(session)
    for section in ("emissions", "exceedances"):  # re-checked by both departments
        await clear_section(session, who["pollution"], report_id=b, section=section)
        await assert_flags_are_live(session)
    await clear_section(session, who["ecology"], report_id=b, section="exceedances")
    await assert_flags_are_live(session)
    await assert_queue_order_kept(session, reviewers)

    await clear_all(session, c, who["ecology"], ECOLOGY)  # accepted
    await clear_all(session, c, who["pollution"], POLLUTION)
    await clear_all(session, c, who["permitting"], PERMITTING)
    await assert_flags_are_live(session)
    await accept_report(session, who["permitting"], report_id=c)
    await assert_flags_are_live(session)

    await issue_feedback(  # returned, then resubmitted: a new round awaits every department again
        session,
        who["pollution"],
        report_id=a,
        items=[FeedbackItemInput("非正常工况未说明", field="content.abnormal_operation")],
        deadline=today() + timedelta(days=5),
    )
    await assert_flags_are_live(session)
    await session.commit()
    await submit(db, staff_a, permit_a, last_full_quarter(), {**draft_a.content, "statement": "已补充"}, "a2")
    session.expire_all()
    await assert_flags_are_live(session)
    await assert_queue_order_kept(session, reviewers)
