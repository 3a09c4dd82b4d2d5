"""Where problems come from: an audit finding on a submitted report, a feedback item (by hand, and by
itself when left unresolved past the form's deadline, in the daily run), an exceedance, a regulator's
own entry; each source makes one problem."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, func, select

from domain.clock import today
from domain.errors import NotFound, PermissionDenied, ValidationFailed
from domain.ledgers.models import Exceedance
from domain.notifications.models import Notification
from domain.reminders.daily import run_daily
from domain.reports.models import AuditFinding, EnforcementLead, FeedbackForm
from domain.reports.queries.editor import get_draft
from domain.reports.rules import FeedbackItemInput
from domain.reports.service.review import issue_feedback
from domain.supervision.problems import queries
from domain.supervision.problems.intake import Wording, draft, raise_by_hand, raise_from_record
from domain.supervision.problems.models import Problem
from tests.factories import actor, file_report
from tests.supervision.problem_world import arrange, rectification


def last_full_quarter() -> str:
    day = today()
    quarter = (day.month - 1) // 3
    year = day.year if quarter else day.year - 1
    return f"{year}-Q{quarter or 4}"


async def filed(session, db, world):  # type: ignore[no-untyped-def]
    label = last_full_quarter()
    report_draft = await get_draft(
        session, actor(world.staff), permit_number=world.permit.number, kind="quarterly", period=label
    )
    await session.flush()
    return await file_report(db, actor(world.staff), world.permit, label, report_draft.content, "first")


async def a_finding(session, submission_id: int) -> AuditFinding:  # type: ignore[no-untyped-def]
    finding = AuditFinding(
        submission_id=submission_id,
        rule_code="Q001",
        severity="error",
        field="emissions.DA001.SO2",
        message="Reported quantity exceeds the permitted quantity.",
    )
    session.add(finding)
    await session.flush()
    return finding


async def test_a_finding_on_a_submitted_report_becomes_one_rectification_item(session, db):
    world = await arrange(session)
    result = await filed(session, db, world)
    finding = await a_finding(session, result.submission.id)
    proposal = await draft(session, actor(world.officer), source_kind="audit_finding", source_id=finding.id)
    assert proposal.data.source_ref == f"{result.submission.receipt_number}:Q001:{finding.id}"
    assert (
        proposal.data.enterprise_id == world.enterprise.id and proposal.permit_number == world.permit.number
    )
    wording = Wording(title="二氧化硫排放量超许可", department="ecology", rectification=rectification())
    problem = await raise_from_record(
        session, actor(world.officer), source_kind="audit_finding", source_id=finding.id, wording=wording
    )
    again = await raise_from_record(
        session, actor(world.officer), source_kind="audit_finding", source_id=finding.id, wording=wording
    )
    await session.flush()
    assert again.id == problem.id and problem.title == "二氧化硫排放量超许可"
    assert "Q001" in problem.evidence and result.submission.receipt_number in problem.evidence
    items = await queries.rectification_items(session, actor(world.staff))
    assert [row.problem.id for row in items.items] == [problem.id]
    with pytest.raises(NotFound):
        await draft(session, actor(world.outsider), source_kind="audit_finding", source_id=finding.id)
    with pytest.raises(PermissionDenied):
        await draft(session, actor(world.staff), source_kind="audit_finding", source_id=finding.id)


async def test_feedback_left_unresolved_past_its_deadline_becomes_a_problem_in_the_daily_run(session, db):
    world = await arrange(session)
    result = await filed(session, db, world)
    form = await issue_feedback(
        session,
        actor(world.officer),
        report_id=result.report.id,
        items=[FeedbackItemInput("请补充 DW001 化学需氧量手工监测报告")],
        deadline=today() + timedelta(days=5),
    )
    await session.flush()
    assert await run_daily(session, on=form.deadline) is not None  # on the deadline: not yet
    # (the daily run also audits the permit's quality: those problems are the permitting section's)
    from_feedback = select(Problem).where(Problem.source_kind == "feedback_item")
    assert (await session.exec(from_feedback)).all() == []
    await run_daily(session, on=form.deadline + timedelta(days=1))
    await run_daily(session, on=form.deadline + timedelta(days=2))
    problems = (await session.exec(from_feedback)).all()
    assert len(problems) == 1
    problem = problems[0]
    assert problem.source_kind == "feedback_item" and problem.department == "ecology"
    assert problem.state == "open" and "DW001" in problem.title and problem.raised_by == "system"
    told = (
        await session.exec(
            select(Notification).where(
                Notification.user_id == world.officer.id, Notification.kind == "problem_raised"
            )
        )
    ).all()
    assert len(told) == 1
    # The form still closes and its item still goes to enforcement as a lead.
    refreshed = await session.get(FeedbackForm, form.id, populate_existing=True)
    assert refreshed is not None and refreshed.status == "closed"
    assert (await session.exec(select(func.count()).select_from(EnforcementLead))).one() == 1


async def test_an_exceedance_becomes_a_problem_on_its_outlet(session):
    world = await arrange(session)
    moment = datetime(2026, 10, 3, 2, tzinfo=UTC)
    exceedance = Exceedance(
        permit_id=world.permit.id,
        enterprise_id=world.enterprise.id,
        region_code=world.permit.region_code,
        outlet_code="DA001",
        pollutant="SO2",
        kind="concentration",
        started_at=moment,
        ended_at=moment + timedelta(hours=3),
        reading_count=4,
        max_value=52.5,
        limit_value=35,
        unit="mg/m3",
    )
    session.add(exceedance)
    await session.flush()
    problem = await raise_from_record(
        session, actor(world.brigade), source_kind="exceedance", source_id=exceedance.id, wording=Wording()
    )
    assert problem.outlet_code == "DA001" and problem.department == "enforcement"
    assert "52.5" in problem.evidence and "35" in problem.evidence and problem.state == "open"
    assert "二氧化硫" in problem.title


async def test_a_regulator_enters_a_problem_by_hand_once_per_form(session):
    world = await arrange(session)
    wording = Wording(
        title="厂界异味投诉",
        description="群众投诉夜间厂界异味",
        legal_basis="《排污许可管理条例》第三十四条",
        evidence="12345 热线工单 2026-1102",
        rectification=rectification(),
    )
    problem = await raise_by_hand(
        session,
        actor(world.officer),
        source_kind="complaint",
        request_key="form-1",
        credit_code=world.enterprise.credit_code,
        permit_number=world.permit.number,
        wording=wording,
    )
    again = await raise_by_hand(
        session,
        actor(world.officer),
        source_kind="complaint",
        request_key="form-1",
        credit_code=world.enterprise.credit_code,
        permit_number=world.permit.number,
        wording=wording,
    )
    assert again.id == problem.id and problem.source_ref == "complaint:form-1"
    with pytest.raises(ValidationFailed) as refused:
        await raise_by_hand(
            session,
            actor(world.officer),
            source_kind="rumour",
            request_key="",
            credit_code="91310000000000000X",
            permit_number="NOPE",
            wording=wording,
        )
    fields = {e.field for e in refused.value.errors}
    assert fields == {"source_kind", "request_key", "credit_code", "permit_number"}
    with pytest.raises(PermissionDenied):
        await raise_by_hand(
            session,
            actor(world.staff),
            source_kind="manual",
            request_key="k",
            credit_code=world.enterprise.credit_code,
            permit_number="",
            wording=wording,
        )
    assert (
        await session.exec(select(func.count()).select_from(Problem).where(col(Problem.id) > 0))
    ).one() == 1
