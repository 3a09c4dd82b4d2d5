"""Review split by department (PT §5): each department clears or records problems in the sections it
checks; their problems go to the unit on one feedback form; the report is accepted only when every
department has cleared its sections (never by one department, the administrator or a city-level regulator
alone); a late answer is marked late; a resubmission is a new round; departments are told what awaits them.

A quarterly report's sections and who checks them: emissions and exceedances (ecology, pollution
prevention), abnormal operation and shutdowns (pollution prevention), the statement (all three)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from domain.clock import history_at, today
from domain.errors import Conflict, NotFound, ValidationFailed
from domain.i18n import translate
from domain.notifications.models import Notification
from domain.reports import lookup, rounds
from domain.reports.models import EnforcementLead, ExecutionReport, FeedbackForm, FeedbackItem, SectionReview
from domain.reports.queries.editor import get_draft
from domain.reports.queries.review import review_page, review_queue_page
from domain.reports.rules import FeedbackItemInput
from domain.reports.service.review import (
    SectionsOpen,
    accept_report,
    clear_section,
    issue_feedback,
    record_section_problems,
    respond_to_feedback,
)
from tests.factories import actor, make_user
from tests.reports.test_reports import last_full_quarter, submit, unit

PERMITTING = ("statement",)
ECOLOGY = ("emissions", "exceedances", "statement")
POLLUTION = ("emissions", "exceedances", "abnormal_operation", "shutdowns", "statement")


async def filed(session, db, key: str = "v1"):
    """A unit's filed quarterly report and a reviewer of each department of its district."""
    permit, staff, ecology = await unit(session)
    permitting = actor(await make_user(session, "permitting", region_code="310107"))
    pollution = actor(await make_user(session, "pollution_prevention", region_code="310107"))
    label = last_full_quarter()
    draft = await get_draft(session, staff, permit_number=permit.number, kind="quarterly", period=label)
    result = await submit(db, staff, permit, label, draft.content, key)
    return (
        result.report.id,
        permit,
        staff,
        {"permitting": permitting, "ecology": ecology, "pollution": pollution},
        draft,
    )


async def clear_all(session, report_id: int, reviewer, sections) -> None:
    for section in sections:
        await clear_section(session, reviewer, report_id=report_id, section=section)


async def state_of(session, report_id: int) -> str:
    report = await session.get(ExecutionReport, report_id, populate_existing=True)
    return report.state


def refused_sections(error: SectionsOpen) -> dict[str, str]:
    """The open sections an acceptance was refused for, as an English reader reads them."""
    return {str(e.params["section"].en): translate(e.message, "en", **e.params) for e in error.errors}


async def test_a_report_is_accepted_only_when_every_department_has_cleared_its_sections(session, db):
    report_id, _permit, _staff, who, _draft = await filed(session, db)
    city = actor(await make_user(session, "ecology", region_code="310100"))

    await clear_all(session, report_id, who["ecology"], ECOLOGY)
    with pytest.raises(SectionsOpen) as alone:
        await accept_report(session, who["ecology"], report_id=report_id)
    named = refused_sections(alone.value)
    assert set(named) == {
        "Actual emissions and compliance",
        "Exceedances: cause and measures",
        "Abnormal operation of pollution-control facilities",
        "Shutdowns (production stopped)",
        "Statement of the unit",
    }
    assert named["Statement of the unit"] == (
        "Statement of the unit: not yet cleared by Permitting section, Pollution prevention section."
    )
    assert "生态科" not in translate(
        alone.value.errors[-1].message, "zh_Hans", **alone.value.errors[-1].params
    )

    await clear_all(session, report_id, who["pollution"], POLLUTION)
    for reviewer in (who["pollution"], city, await admin_actor(session)):
        with pytest.raises(SectionsOpen) as refused:
            await accept_report(session, reviewer, report_id=report_id)
        assert list(refused_sections(refused.value)) == ["Statement of the unit"]
        assert "Permitting section" in translate(refused.value.message, "en", **refused.value.params)
    assert await state_of(session, report_id) == "submitted"

    await clear_section(session, who["permitting"], report_id=report_id, section="statement")
    accepted = await accept_report(session, who["pollution"], report_id=report_id)
    assert accepted.state == "accepted" and accepted.accepted_by == who["pollution"].username
    steps = (await session.exec(select(SectionReview).where(SectionReview.report_id == report_id))).all()
    assert len(steps) == len(ECOLOGY) + len(POLLUTION) + len(PERMITTING)
    assert {(s.section, s.department, s.reviewed_by) for s in steps if s.section == "statement"} == {
        ("statement", "ecology", who["ecology"].username),
        ("statement", "pollution_prevention", who["pollution"].username),
        ("statement", "permitting", who["permitting"].username),
    }
    assert all(s.reviewed_at is not None and s.outcome == "cleared" for s in steps)


async def admin_actor(session):
    return actor(await make_user(session, "admin"))


async def test_a_department_reviews_only_the_sections_it_checks(session, db):
    report_id, _permit, staff, who, _draft = await filed(session, db)
    other_district = actor(await make_user(session, "ecology", region_code="310110"))
    city = actor(await make_user(session, "ecology", region_code="310100"))
    enforcement = actor(await make_user(session, "enforcement", region_code="310107"))

    for reviewer, section, code in (
        (who["ecology"], "abnormal_operation", "not_your_section"),
        (who["permitting"], "emissions", "not_your_section"),
        (enforcement, "statement", "not_your_section"),
        (await admin_actor(session), "statement", "not_your_section"),
        (who["ecology"], "self_monitoring", "unknown_section"),  # annual reports only
        (who["ecology"], "x" * 40, "unknown_section"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            await clear_section(session, reviewer, report_id=report_id, section=section)
        assert [(e.field, e.code) for e in refused.value.errors] == [("section", code)]
    with pytest.raises(ValidationFailed) as named:
        await clear_section(session, who["ecology"], report_id=report_id, section="abnormal_operation")
    message = translate(named.value.message, "en", **named.value.params)
    assert message == (
        "Abnormal operation of pollution-control facilities is checked by Pollution prevention section, "
        "not by your department."
    )
    with pytest.raises(NotFound):
        await clear_section(session, other_district, report_id=report_id, section="emissions")
    with pytest.raises(NotFound):
        await clear_section(session, staff, report_id=report_id + 10_000, section="emissions")
    assert not (await session.exec(select(SectionReview))).all()

    # A city-level ecology officer is of the department, within its jurisdiction.
    done = await clear_section(session, city, report_id=report_id, section="emissions")
    assert done.step.department == "ecology" and done.form is None
    with pytest.raises(Conflict):  # a replay: the section is already cleared for this version
        await clear_section(session, who["ecology"], report_id=report_id, section="emissions")
    problem = [FeedbackItemInput("超标原因未说明")]
    await record_section_problems(session, city, report_id=report_id, section="exceedances", items=problem)
    with pytest.raises(Conflict):  # a replayed form post records the problem once
        await record_section_problems(
            session, city, report_id=report_id, section="exceedances", items=problem
        )
    steps = (await session.exec(select(SectionReview).where(SectionReview.section == "exceedances"))).all()
    assert len(steps) == 1


async def test_problems_of_every_department_go_to_the_unit_on_one_form_when_the_last_finishes(session, db):
    report_id, _permit, staff, who, _draft = await filed(session, db)
    await record_section_problems(
        session,
        who["ecology"],
        report_id=report_id,
        section="emissions",
        items=[FeedbackItemInput("二氧化硫排放量与台账不符", field="content.emissions[0].quantity_t")],
    )
    await clear_all(session, report_id, who["ecology"], ("exceedances", "statement"))
    await record_section_problems(
        session,
        who["pollution"],
        report_id=report_id,
        section="abnormal_operation",
        items=[FeedbackItemInput("未报告除尘设施故障", is_violation=True)],
    )
    await clear_all(
        session, report_id, who["pollution"], ("emissions", "exceedances", "shutdowns", "statement")
    )
    assert await state_of(session, report_id) == "submitted"
    assert not (await session.exec(select(FeedbackForm))).all()  # the permitting section has not finished

    page = await review_page(session, who["permitting"], report_id=report_id)
    assert [(v.section, v.department) for v in page.round.assembling] == [
        ("emissions", "ecology"),
        ("abnormal_operation", "pollution_prevention"),
    ]
    assert page.remaining == [
        ("emissions", ["ecology"]),
        ("abnormal_operation", ["pollution_prevention"]),
        ("statement", ["permitting"]),
    ]

    done = await clear_section(session, who["permitting"], report_id=report_id, section="statement")
    assert done.form is not None
    forms = (await session.exec(select(FeedbackForm))).all()
    assert len(forms) == 1 and forms[0].deadline > today()
    items = (await session.exec(select(FeedbackItem).order_by(col(FeedbackItem.id)))).all()
    assert [(i.problem, i.section, i.department, i.is_violation) for i in items] == [
        ("二氧化硫排放量与台账不符", "emissions", "ecology", False),
        ("未报告除尘设施故障", "abnormal_operation", "pollution_prevention", True),
    ]
    assert await state_of(session, report_id) == "returned"
    assert [lead.description for lead in (await session.exec(select(EnforcementLead))).all()] == [
        "未报告除尘设施故障"
    ]
    told = (
        await session.exec(
            select(Notification).where(
                Notification.user_id == staff.user_id, Notification.kind == "report_returned"
            )
        )
    ).all()
    assert len(told) == 1 and "2" in told[0].body  # one notice for one form of two problems

    page = await review_page(session, who["ecology"], report_id=report_id)
    assert {v.state for v in page.round.verdicts} == {rounds.CLEARED, rounds.RETURNED}
    with pytest.raises(Conflict):  # the report is with the unit
        await clear_section(session, who["ecology"], report_id=report_id, section="emissions")


async def test_issue_now_sends_what_is_recorded_and_the_rest_is_reviewed_after_the_answer(session, db):
    report_id, _permit, staff, who, _draft = await filed(session, db)
    await record_section_problems(
        session,
        who["pollution"],
        report_id=report_id,
        section="shutdowns",
        items=[FeedbackItemInput("停产时段与台账不符")],
    )
    form = await issue_feedback(
        session,
        who["ecology"],
        report_id=report_id,
        items=[FeedbackItemInput("请补充超标原因", field="content.exceedances")],
        deadline=today() + timedelta(days=5),
    )
    items = (await session.exec(select(FeedbackItem).where(FeedbackItem.form_id == form.id))).all()
    assert {(i.problem, i.section, i.department) for i in items} == {
        ("停产时段与台账不符", "shutdowns", "pollution_prevention"),
        ("请补充超标原因", "exceedances", "ecology"),  # the ecology section's own: recorded as its verdict
    }
    round_ = (await review_page(session, who["ecology"], report_id=report_id)).round
    assert round_.verdict("exceedances", "ecology").state == rounds.RETURNED
    assert round_.verdict("statement", "permitting").state == rounds.PENDING

    await respond_to_feedback(session, staff, form_id=form.id, response="停产时段已更正说明。")
    await session.flush()
    assert await state_of(session, report_id) == "submitted"
    round_ = (await review_page(session, who["ecology"], report_id=report_id)).round
    assert round_.verdict("shutdowns", "pollution_prevention").state == rounds.RECHECK
    assert round_.verdict("statement", "permitting").state == rounds.PENDING
    rechecks = (
        await session.exec(select(Notification.user_id).where(Notification.kind == "report_sections_await"))
    ).all()
    assert who["pollution"].user_id in rechecks and who["permitting"].user_id in rechecks

    with pytest.raises(SectionsOpen):
        await accept_report(session, who["permitting"], report_id=report_id)
    await clear_all(session, report_id, who["ecology"], ECOLOGY)
    await clear_all(session, report_id, who["pollution"], POLLUTION)
    await clear_all(session, report_id, who["permitting"], PERMITTING)
    assert (await accept_report(session, who["permitting"], report_id=report_id)).state == "accepted"
    assert len((await session.exec(select(FeedbackForm))).all()) == 1  # everything cleared: no new form


async def test_an_answer_after_the_deadline_is_late(session, db):
    report_id, _permit, staff, who, _draft = await filed(session, db)
    form = await issue_feedback(
        session,
        who["ecology"],
        report_id=report_id,
        items=[FeedbackItemInput("请说明")],
        deadline=today() + timedelta(days=1),
    )
    await session.flush()
    with history_at(datetime.now(UTC) + timedelta(days=3)):
        answered = await respond_to_feedback(session, staff, form_id=form.id, response="迟到的说明")
    assert answered.late is True
    with pytest.raises(Conflict):  # an answer is kept as given
        await respond_to_feedback(session, staff, form_id=form.id, response="再说明一次")

    report_id2, _p2, staff2, who2, _d2 = await filed(session, db)
    on_time = await issue_feedback(
        session,
        who2["ecology"],
        report_id=report_id2,
        items=[FeedbackItemInput("请说明")],
        deadline=today() + timedelta(days=1),
    )
    assert (await respond_to_feedback(session, staff2, form_id=on_time.id, response="按时")).late is False


async def test_a_resubmission_is_a_new_round_and_the_earlier_round_is_kept(session, db):
    report_id, permit, staff, who, draft = await filed(session, db)
    await clear_all(session, report_id, who["ecology"], ECOLOGY)
    await issue_feedback(
        session,
        who["pollution"],
        report_id=report_id,
        items=[FeedbackItemInput("非正常工况未说明", field="content.abnormal_operation")],
        deadline=today() + timedelta(days=5),
    )
    await session.flush()
    second = await submit(
        db, staff, permit, last_full_quarter(), {**draft.content, "statement": "已补充说明"}, "v2"
    )
    form = (await session.exec(select(FeedbackForm).execution_options(populate_existing=True))).one()
    assert form.status == "answered" and form.late is False  # the corrected version answered it in time

    page = await review_page(session, who["ecology"], report_id=report_id)
    assert page.latest.version == second.submission.version == 2
    assert all(v.state == rounds.PENDING for v in page.round.verdicts)
    [earlier] = page.earlier
    assert earlier.submission.version == 1
    assert [(s.section, s.department, s.outcome) for s in earlier.steps] == [
        *((section, "ecology", "cleared") for section in ECOLOGY),
        ("abnormal_operation", "pollution_prevention", "problems"),
    ]


async def test_each_department_is_told_when_a_report_awaits_its_sections(session, db):
    permit, staff, ecology = await unit(session)
    permitting = await make_user(session, "permitting", region_code="310107")
    pollution = await make_user(session, "pollution_prevention", region_code="310107")
    city = await make_user(session, "ecology", region_code="310100")
    elsewhere = await make_user(session, "ecology", region_code="310110")
    enforcement = await make_user(session, "enforcement", region_code="310107")
    label = last_full_quarter()
    draft = await get_draft(session, staff, permit_number=permit.number, kind="quarterly", period=label)
    await submit(db, staff, permit, label, draft.content, "v1")

    notices = (
        await session.exec(select(Notification).where(Notification.kind == "report_sections_await"))
    ).all()
    by_user = {n.user_id: n for n in notices}
    assert set(by_user) == {ecology.user_id, permitting.id, pollution.id, city.id}
    assert elsewhere.id not in by_user and enforcement.id not in by_user
    assert "审批科" in by_user[permitting.id].body and "Statement of the unit" in by_user[permitting.id].body
    assert "Abnormal operation" not in by_user[permitting.id].body
    assert "Abnormal operation of pollution-control facilities" in by_user[pollution.id].body
    assert by_user[pollution.id].link.startswith("/review/")


async def test_the_queue_lists_reports_awaiting_the_department_first(session, db):
    first_id, _p1, _s1, who, _d1 = await filed(session, db, key="a")
    second_id, _p2, _s2, _who2, _d2 = await filed(session, db, key="b")
    await clear_all(session, first_id, who["ecology"], ECOLOGY)
    await record_section_problems(
        session, who["pollution"], report_id=second_id, section="emissions", items=[FeedbackItemInput("偏差")]
    )

    for reviewer in (who["ecology"], who["pollution"], who["permitting"]):
        queue = await review_queue_page(session, reviewer)
        department = str(reviewer.role)
        flags = {row.report.id: row.awaiting for row in queue.rows}
        for row in queue.rows:  # the SQL form agrees with the round worked out in Python
            latest = await lookup.latest_submission(session, row.report)
            round_ = (await lookup.rounds_of(session, row.report, [latest]))[latest.id]
            assert row.awaiting == any(v.state in rounds.WAITING for v in round_.of(department))
        awaiting = [row.awaiting for row in queue.rows]
        assert awaiting == sorted(awaiting, reverse=True)  # those awaiting the department first
        if department == "ecology":
            assert flags[first_id] is False and flags[second_id] is True
        else:
            assert flags[first_id] is True and flags[second_id] is True


REVIEW = """query($id: ID!) { reportReview(reportId: $id) {
  canAccept
  current { version complete allCleared
    verdicts { section sectionTitle department departmentName state reviewedBy problems { problem } } }
  earlier { version steps { sectionTitle departmentName cleared reviewedBy } } } }"""
FORMS = """query($number: String!, $period: String!) {
  executionReport(permitNumber: $number, kind: QUARTERLY, period: $period) {
    feedbackForms { late items { problem sectionTitle departmentName } } } }"""


async def test_both_faces_show_where_each_department_stands_and_a_late_answer(client, session, db):
    from tests.graphql_helpers import bearer_token, graphql_data
    from tests.portal_helpers import log_in

    report_id, permit, staff, who, _draft = await filed(session, db)
    await record_section_problems(
        session,
        who["pollution"],
        report_id=report_id,
        section="shutdowns",
        items=[FeedbackItemInput("停产未说明")],
    )
    await clear_section(session, who["ecology"], report_id=report_id, section="emissions")
    from domain.accounts.models import User

    ecology = await session.get(User, who["ecology"].user_id)
    token = await bearer_token(session, ecology)
    data = await graphql_data(client, REVIEW, {"id": str(report_id)}, token=token)
    review = data["reportReview"]
    assert review["canAccept"] is False and review["current"]["complete"] is False
    verdicts = {(v["section"], v["department"]): v for v in review["current"]["verdicts"]}
    assert verdicts[("emissions", "ecology")]["state"] == "CLEARED"
    assert verdicts[("emissions", "ecology")]["reviewedBy"] == ecology.username
    assert verdicts[("shutdowns", "pollution_prevention")]["state"] == "PROBLEMS"
    assert verdicts[("shutdowns", "pollution_prevention")]["problems"] == [{"problem": "停产未说明"}]
    assert verdicts[("statement", "permitting")]["state"] == "PENDING"
    assert verdicts[("statement", "permitting")]["departmentName"] == "审批科"
    assert verdicts[("shutdowns", "pollution_prevention")]["sectionTitle"] not in ("", "shutdowns")

    form = await issue_feedback(
        session, who["permitting"], report_id=report_id, items=[], deadline=today() + timedelta(days=1)
    )
    await session.flush()
    with history_at(datetime.now(UTC) + timedelta(days=3)):
        await respond_to_feedback(session, staff, form_id=form.id, response="已补充停产说明")
    await session.commit()

    staff_user = await session.get(User, staff.user_id)
    forms = await graphql_data(
        client,
        FORMS,
        {"number": permit.number, "period": last_full_quarter()},
        token=await bearer_token(session, staff_user),
    )
    [shown] = forms["executionReport"]["feedbackForms"]
    assert shown["late"] is True
    assert shown["items"] == [
        {
            "problem": "停产未说明",
            "sectionTitle": shown["items"][0]["sectionTitle"],
            "departmentName": "污防科",
        }
    ]
    assert shown["items"][0]["sectionTitle"] and shown["items"][0]["sectionTitle"] != "shutdowns"

    assert (await log_in(client, staff_user.username)).status_code == 303
    page = await client.get(f"/reports/id/{report_id}")
    assert f'data-late="{form.id}"' in page.text and "污防科" in page.text
    client.cookies.clear()
    assert (await log_in(client, ecology.username)).status_code == 303
    review_page_ = await client.get(f"/review/{report_id}")
    assert f'data-late="{form.id}"' in review_page_.text
    # The earlier form is read where the reviewer decides: its problems inline, not only their count.
    earlier = review_page_.text.split('<ul class="rp-forms">', 1)[1].split("</ul>", 1)[0]
    assert "停产未说明" in earlier and "污防科" in earlier
    assert 'data-department="pollution_prevention"' in review_page_.text and "污防科" in review_page_.text
    assert ">pollution_prevention<" not in review_page_.text and ">shutdowns<" not in review_page_.text


async def test_who_cleared_which_section_is_never_rewritten_in_the_database(session, db):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError, IntegrityError

    report_id, _permit, _staff, who, _draft = await filed(session, db)
    await record_section_problems(
        session, who["ecology"], report_id=report_id, section="emissions", items=[FeedbackItemInput("偏差")]
    )
    await session.flush()
    for statement in (
        "UPDATE report_section_review SET reviewed_by = 'someone-else'",
        "DELETE FROM report_section_review",
        "UPDATE report_section_item SET problem = 'x'",
        "DELETE FROM report_section_item",
    ):
        with pytest.raises((IntegrityError, DBAPIError)):
            async with session.begin_nested():
                await session.exec(text(statement))  # type: ignore[call-overload]
