"""Execution reports: preserved submission times, an unalterable chain, idempotency, rules, review.

Filings go through the filing desk's queue, as the server files them."""

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError
from sqlmodel import func, select

from domain.clock import today, utcnow
from domain.enterprises.models import Enterprise
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from domain.ledgers.rules import ReadingInput
from domain.ledgers.service import readings as ledgers
from domain.reports import rules
from domain.reports.filing import desk_for
from domain.reports.models import EnforcementLead, ExecutionReport, ReportSubmission
from domain.reports.queries.chain import verify_chain
from domain.reports.queries.editor import check_draft, get_draft
from domain.reports.queries.report import report_view
from domain.reports.queries.review import review_queue
from domain.reports.queries.schedule import report_schedule
from domain.reports.queries.statistics import filing_statistics
from domain.reports.rollup.counting import refresh
from domain.reports.rules import FeedbackItemInput
from domain.reports.service.review import accept_report, issue_feedback
from domain.reports.service.submission import Filing
from tests.factories import actor, clear_every_section, file_report, make_enterprise, make_permit, make_user


def last_full_quarter() -> str:
    day = today()
    quarter = (day.month - 1) // 3  # the previous quarter
    year = day.year if quarter else day.year - 1
    return f"{year}-Q{quarter or 4}"


async def unit(session):
    enterprise = await make_enterprise(session)
    decided = (today() - timedelta(days=700)).isoformat()
    permit = await make_permit(session, enterprise, decision_date=decided)
    staff = actor(await make_user(session, "enterprise_staff", enterprise=enterprise))
    officer = actor(await make_user(session, "ecology", region_code="310107"))
    return permit, staff, officer


async def quarter_of_readings(session, permit, staff, label, value=0.43, hours=48):
    period = rules.parse_period("quarterly", label)
    start = datetime.combine(period.start, datetime.min.time(), tzinfo=UTC) + timedelta(days=3)
    readings = [
        ReadingInput("DA001", "SO2", "automatic", start + timedelta(hours=h), value, "mg/m3", flow_m3=100_000)
        for h in range(hours)
    ]
    await ledgers.record_readings(session, staff, permit_number=permit.number, readings=readings)


async def submit(db, staff, permit, label, content, key, kind="quarterly"):
    return await file_report(db, staff, permit, label, content, key, kind=kind)


async def test_a_resubmission_keeps_both_times_and_is_judged_on_the_first(session, db):
    permit, staff, _officer = await unit(session)
    label = last_full_quarter()
    draft = await get_draft(session, staff, permit_number=permit.number, kind="quarterly", period=label)
    first = await submit(db, staff, permit, label, draft.content, "k-1")
    second = await submit(db, staff, permit, label, {**draft.content, "statement": "补充说明"}, "k-2")
    report = second.report
    assert [first.submission.version, second.submission.version] == [1, 2]
    assert report.first_submitted_at == first.submission.received_at
    assert report.on_time == rules.on_time(first.submission.received_at, report.due_date)
    assert second.submission.previous_hash == first.submission.content_hash
    view = await report_view(session, staff, report_id=report.id)
    assert [s.received_at for s in view.submissions] == [
        second.submission.received_at,
        first.submission.received_at,
    ]


async def test_the_same_idempotency_key_returns_the_first_result_and_writes_nothing(session, db):
    permit, staff, _officer = await unit(session)
    label = last_full_quarter()
    draft = await get_draft(session, staff, permit_number=permit.number, kind="quarterly", period=label)
    first = await submit(db, staff, permit, label, draft.content, "double-click")
    again = await submit(db, staff, permit, label, dict(draft.content), "double-click")
    assert again.replayed and again.submission.id == first.submission.id
    assert (await session.exec(select(func.count()).select_from(ReportSubmission))).one() == 1


async def test_a_reused_key_is_refused_and_never_answered_with_another_filing(session, db):
    permit, staff, _officer = await unit(session)
    enterprise = await session.get(Enterprise, permit.enterprise_id)
    colleague = actor(await make_user(session, "enterprise_staff", enterprise=enterprise))
    label = last_full_quarter()
    draft = await get_draft(session, staff, permit_number=permit.number, kind="quarterly", period=label)
    await submit(db, staff, permit, label, draft.content, "k")
    for who, content in ((staff, {**draft.content, "statement": "x"}), (colleague, draft.content)):
        with pytest.raises(Conflict) as refused:
            await submit(db, who, permit, label, content, "k")
        assert refused.value.code == "idempotency_key_reused" and refused.value.field == "idempotency_key"
    assert (await session.exec(select(func.count()).select_from(ReportSubmission))).one() == 1


async def test_a_period_that_has_not_ended_cannot_be_submitted(session, db):
    permit, staff, _officer = await unit(session)
    day = today()
    current = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    period = rules.parse_period("quarterly", current)
    draft = await get_draft(session, staff, permit_number=permit.number, kind="quarterly", period=current)
    with pytest.raises(ValidationFailed) as refused:
        await submit(db, staff, permit, current, draft.content, "early")
    error = refused.value.errors[0]
    assert (error.field, error.code) == ("period", "period_not_ended")
    assert error.params["end"] == period.end.isoformat()
    assert (await session.exec(select(func.count()).select_from(ReportSubmission))).one() == 0
    report = (await session.exec(select(ExecutionReport))).first()
    assert report is None or report.first_submitted_at is None


async def test_raw_sql_cannot_alter_or_delete_a_submission(session, connection, db):
    permit, staff, _officer = await unit(session)
    label = last_full_quarter()
    draft = await get_draft(session, staff, permit_number=permit.number, kind="quarterly", period=label)
    result = await submit(db, staff, permit, label, draft.content, "k")
    await session.flush()
    for statement in (
        f"UPDATE report_submission SET received_at = received_at WHERE id = {result.submission.id}",
        f"DELETE FROM report_submission WHERE id = {result.submission.id}",
    ):
        savepoint = await connection.begin_nested()
        with pytest.raises(DatabaseError, match="append-only"):
            await connection.execute(sa.text(statement))
        await savepoint.rollback()
    assert (await session.exec(select(func.count()).select_from(ReportSubmission))).one() == 1


async def test_the_chain_verifies_and_a_tampered_row_is_detected(session, connection, database_url, db):
    permit, staff, _officer = await unit(session)
    label = last_full_quarter()
    draft = await get_draft(session, staff, permit_number=permit.number, kind="quarterly", period=label)
    await submit(db, staff, permit, label, draft.content, "a")
    result = await submit(db, staff, permit, label, {**draft.content, "statement": "v2"}, "b")
    await session.flush()
    report_id = result.report.id
    verified = await verify_chain(session, staff, report_id=report_id)
    assert verified.intact and [link.version for link in verified.links] == [1, 2]
    # Someone with the database's owner rights drops the guard and edits version 1 behind the product's back.
    if connection.dialect.name == "postgresql":
        await connection.execute(
            sa.text("ALTER TABLE report_submission DISABLE TRIGGER report_submission_append_only")
        )
    else:
        await connection.execute(sa.text("DROP TRIGGER report_submission_no_update"))
    await connection.execute(
        sa.text("UPDATE report_submission SET submitted_by = 'someone-else' WHERE version = 1")
    )
    session.expire_all()
    tampered = await verify_chain(session, staff, report_id=report_id)
    assert not tampered.intact and [link.intact for link in tampered.links] == [False, True]


async def test_a_restated_concentration_is_an_error_naming_both_figures(session, db):
    permit, staff, _officer = await unit(session)
    label = last_full_quarter()
    await quarter_of_readings(session, permit, staff, label, value=0.43)
    draft = await get_draft(session, staff, permit_number=permit.number, kind="quarterly", period=label)
    row = next(r for r in draft.content["emissions"] if (r["outlet"], r["pollutant"]) == ("DA001", "SO2"))
    assert row["concentration_avg"] == 0.43 and row["method"] in ("automatic", "missing")
    row["concentration_avg"] = 0.13
    findings = await check_draft(
        session, staff, permit_number=permit.number, kind="quarterly", period=label, content=draft.content
    )
    g003 = [f for f in findings if f.code == "G003"]
    assert len(g003) == 1 and g003[0].params["reported"] == 0.13 and g003[0].params["recorded"] == 0.43
    index = draft.content["emissions"].index(row)
    assert g003[0].field == f"content.emissions[{index}].concentration_avg"
    result = await submit(db, staff, permit, label, draft.content, "k")
    assert result.submission.error_count >= 1 and "G003" in {f.code for f in result.findings}


async def test_filed_together_each_report_is_reconciled_against_its_own_ledger(session, db):
    """One batch, two units, same period: the grouped ledger queries must not mix one unit's readings
    into the other's figures."""
    label = last_full_quarter()
    (first, first_staff, _), (second, second_staff, _) = await unit(session), await unit(session)
    await quarter_of_readings(session, first, first_staff, label, value=0.43)
    await quarter_of_readings(session, second, second_staff, label, value=0.13)
    contents = []
    for permit, staff in ((first, first_staff), (second, second_staff)):
        draft = await get_draft(session, staff, permit_number=permit.number, kind="quarterly", period=label)
        row = next(r for r in draft.content["emissions"] if (r["outlet"], r["pollutant"]) == ("DA001", "SO2"))
        row["concentration_avg"] = 0.13  # right for the second unit, a restatement for the first
        contents.append(draft.content)

    desk = desk_for(db)
    outcomes = await asyncio.gather(
        desk.file(Filing(first_staff, first.number, "quarterly", label, contents[0], "a")),
        desk.file(Filing(second_staff, second.number, "quarterly", label, contents[1], "b")),
    )
    assert desk.batches == 1  # arrived together: filed together

    first_g003 = [f for f in outcomes[0].findings if f.code == "G003"]
    assert len(first_g003) == 1 and first_g003[0].params["recorded"] == 0.43
    assert not [f for f in outcomes[1].findings if f.code == "G003"]


async def test_a_regulator_returns_a_report_with_one_form_and_sees_it_come_back(session, db):
    permit, staff, officer = await unit(session)
    label = last_full_quarter()
    draft = await get_draft(session, staff, permit_number=permit.number, kind="quarterly", period=label)
    first = await submit(db, staff, permit, label, draft.content, "v1")
    queue, total = await review_queue(session, officer)
    assert total == 1 and queue[0][0].id == first.report.id
    form = await issue_feedback(
        session,
        officer,
        report_id=first.report.id,
        deadline=today() + timedelta(days=10),
        items=[
            FeedbackItemInput("二氧化硫排放量与台账不符", field="content.emissions[0].quantity_t"),
            FeedbackItemInput("瞒报超标排放", is_violation=True),
        ],
    )
    report = await session.get(ExecutionReport, first.report.id)  # the desk filed in a session of its own
    assert report.state == "returned"
    leads = (await session.exec(select(EnforcementLead))).all()
    assert [lead.description for lead in leads] == ["瞒报超标排放"]
    await session.flush()
    second = await submit(db, staff, permit, label, {**draft.content, "statement": "已更正"}, "v2")
    await session.refresh(form)
    await session.refresh(report)
    assert second.report.state == report.state == "submitted" and form.status == "answered"
    with pytest.raises(Conflict):  # the other departments have not cleared their sections (PT §5)
        await accept_report(session, officer, report_id=first.report.id)
    await clear_every_section(session, first.report.id)
    await accept_report(session, officer, report_id=first.report.id)
    assert report.state == "accepted"
    await session.flush()
    with pytest.raises(Conflict):
        await submit(db, staff, permit, label, draft.content, "v3")


async def test_drafts_are_private_and_reports_stay_within_the_jurisdiction(session, db):
    permit, staff, officer = await unit(session)
    label = last_full_quarter()
    with pytest.raises(PermissionDenied):
        await get_draft(session, officer, permit_number=permit.number, kind="quarterly", period=label)
    stranger = actor(await make_user(session, "enterprise_admin"))
    with pytest.raises(NotFound):
        await get_draft(session, stranger, permit_number=permit.number, kind="quarterly", period=label)
    draft = await get_draft(session, staff, permit_number=permit.number, kind="quarterly", period=label)
    result = await submit(db, staff, permit, label, draft.content, "k")
    with pytest.raises(PermissionDenied):
        await issue_feedback(
            session,
            staff,
            report_id=result.report.id,
            deadline=today() + timedelta(days=5),
            items=[FeedbackItemInput("x")],
        )


async def test_bad_periods_kinds_and_keys_are_refused_with_their_field(session, db):
    permit, staff, _officer = await unit(session)
    with pytest.raises(ValidationFailed) as caught:
        await submit(db, staff, permit, "2026-13", {}, "k")
    assert caught.value.errors[0].field == "period"
    with pytest.raises(ValidationFailed) as caught:
        await submit(db, staff, permit, "2026-01", {}, "k", kind="monthly")
    assert caught.value.errors[0].code == "not_required"
    with pytest.raises(ValidationFailed) as caught:
        await submit(db, staff, permit, last_full_quarter(), {}, "")
    assert caught.value.errors[0].field == "idempotency_key"
    with pytest.raises(ValidationFailed) as caught:
        await submit(db, staff, permit, last_full_quarter(), {"emissions": "lots"}, "k")
    assert caught.value.errors[0].field == "content.emissions"
    assert (await session.exec(select(func.count()).select_from(ExecutionReport))).one() <= 1


async def test_the_schedule_lists_periods_with_due_dates_and_states(session):
    permit, staff, _officer = await unit(session)
    schedule = await report_schedule(session, staff, permit_number=permit.number)
    assert {s.kind for s in schedule} == {"quarterly", "annual"}
    past = [s for s in schedule if s.period.end < today() and s.due_date < today()]
    assert past and all(s.state == "overdue" for s in past)
    current = [s for s in schedule if s.period.end >= today()]
    assert all(s.state == "not_due" for s in current)
    q = next(s for s in schedule if s.kind == "quarterly")
    assert q.due_date == rules.due_date(q.period)


async def test_filing_statistics_count_submissions_and_on_time_filings(session, db):
    permit, staff, officer = await unit(session)
    await make_permit(
        session, await make_enterprise(session), decision_date=(today() - timedelta(days=700)).isoformat()
    )
    label = last_full_quarter()
    draft = await get_draft(session, staff, permit_number=permit.number, kind="quarterly", period=label)
    await submit(db, staff, permit, label, draft.content, "k")
    await refresh(session)  # the worker's round: the rates come from the filing rollup
    [rate] = await filing_statistics(session, officer, kind="quarterly", period=label)
    assert (rate.group, rate.due, rate.submitted) == ("310107", 2, 1)
    assert rate.submission_rate == 0.5


def test_due_dates_follow_the_defaults():
    assert rules.due_date(rules.parse_period("monthly", "2026-12")) == date(2027, 1, 15)
    assert rules.due_date(rules.parse_period("annual", "2026")) == date(2027, 1, 31)
    assert rules.on_time(datetime(2027, 1, 15, 15, 59, tzinfo=UTC), date(2027, 1, 15))  # 23:59 in China
    assert not rules.on_time(datetime(2027, 1, 15, 16, 1, tzinfo=UTC), date(2027, 1, 15))


def test_utcnow_is_aware():
    assert utcnow().tzinfo is not None
