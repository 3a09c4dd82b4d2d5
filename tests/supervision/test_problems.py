"""Problems and rectification through the use cases (AP (5); PT §5-8; JN): raising from any source once,
the closed loop rectify → verify → close → re-check, refused steps, files, notices and the board."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import col, func, select

from domain.audit.models import AuditEntry
from domain.clock import today
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from domain.notifications.models import Notification
from domain.supervision.problems import queries, rules
from domain.supervision.problems.models import Problem, RectificationAttachment, RectificationStep
from domain.supervision.problems.notices import send_rectification_reminders
from domain.supervision.problems.rules import AttachmentInput, Figure, ProgressInput
from domain.supervision.problems.service import (
    close_rectification,
    raise_problem,
    recheck_rectification,
    reopen_rectification,
    report_progress,
    require_rectification,
    verify_rectification,
)
from tests.factories import actor
from tests.supervision.problem_world import arrange, problem_input, rectification

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return (await session.exec(select(func.count()).select_from(model))).one()


async def _notices(session, user, kind: str | None = None) -> list[Notification]:  # type: ignore[no-untyped-def]
    statement = select(Notification).where(Notification.user_id == user.id)
    if kind:
        statement = statement.where(Notification.kind == kind)
    return list((await session.exec(statement.order_by(col(Notification.id)))).all())


async def test_a_finding_becomes_an_item_the_unit_is_told_of_and_a_replay_writes_nothing(session):
    world = await arrange(session)
    problem = await raise_problem(session, actor(world.officer), data=problem_input(world))
    await session.flush()
    page = await queries.problem_page(session, actor(world.staff), problem_id=problem.id)
    assert page.item is not None and page.item.state == "rectifying"
    assert [s.step.kind for s in page.steps] == ["required"]
    assert page.steps[0].step.actor == world.officer.username and page.steps[0].step.department == "ecology"
    told = await _notices(session, world.staff, "rectification_required")
    assert len(told) == 1 and "二氧化硫在线监测数据缺失" in told[0].title
    assert page.item.deadline.isoformat() in told[0].body
    # The owning department (the enforcement brigade) hears of a problem raised for it.
    assert await _notices(session, world.brigade, "problem_raised")
    problems, audits = await _count(session, Problem), await _count(session, AuditEntry)
    again = await raise_problem(session, actor(world.officer), data=problem_input(world, title="另一个标题"))
    await session.flush()
    assert again.id == problem.id and again.title == "二氧化硫在线监测数据缺失"
    assert (await _count(session, Problem), await _count(session, AuditEntry)) == (problems, audits)


async def test_every_fault_of_a_problem_is_named_at_once_and_nothing_is_written(session):
    world = await arrange(session)
    bad = problem_input(
        world,
        title=" ",
        legal_basis="x" * 501,
        department="permitting-ish",
        outlet_code="DA999",
        source_kind="rumour",
        rectification=replace(rectification(), deadline=today() - timedelta(days=1), responsible_person=""),
    )
    with pytest.raises(ValidationFailed) as refused:
        await raise_problem(session, actor(world.officer), data=bad)
    fields = {(e.field, e.code) for e in refused.value.errors}
    assert fields == {
        ("title", "required"),
        ("legal_basis", "too_long"),
        ("department", "unknown_department"),
        ("outlet_code", "not_found"),
        ("source_kind", "choice"),
        ("rectification.deadline", "past"),
        ("rectification.responsible_person", "required"),
    }
    far = problem_input(world, rectification=rectification(today() + timedelta(days=800)))
    with pytest.raises(ValidationFailed) as refused:
        await raise_problem(session, actor(world.officer), data=far)
    assert {(e.field, e.code) for e in refused.value.errors} == {("rectification.deadline", "too_far")}
    ancient = problem_input(world, rectification=rectification(date(1, 1, 1)))
    with pytest.raises(ValidationFailed) as refused:
        await raise_problem(session, actor(world.officer), data=ancient)
    assert {(e.field, e.code) for e in refused.value.errors} == {("rectification.deadline", "date_range")}
    other_unit = problem_input(world, enterprise_id=world.stranger.enterprise_id)
    with pytest.raises(ValidationFailed) as refused:
        await raise_problem(session, actor(world.officer), data=other_unit)
    assert ("permit_id", "not_found") in {(e.field, e.code) for e in refused.value.errors}
    assert await _count(session, Problem) == 0


async def test_only_the_units_regulators_raise_and_only_its_readers_see(session):
    world = await arrange(session)
    for who in (world.staff, world.outsider, world.stranger):
        with pytest.raises(PermissionDenied):
            await raise_problem(session, actor(who), data=problem_input(world))
    problem = await raise_problem(session, actor(world.officer), data=problem_input(world))
    await session.flush()
    for who in (world.outsider, world.stranger):
        with pytest.raises(NotFound):
            await queries.problem_page(session, actor(who), problem_id=problem.id)
    assert (await queries.problems(session, actor(world.outsider))).total == 0
    assert [r.problem.id for r in (await queries.problems(session, actor(world.officer))).items] == [
        problem.id
    ]
    assert [r.problem.id for r in (await queries.rectification_items(session, actor(world.staff))).items] == [
        problem.id
    ]


async def test_the_closed_loop_report_verify_close_recheck_and_the_board_at_zero(session):
    world = await arrange(session)
    problem = await raise_problem(session, actor(world.officer), data=problem_input(world))
    await session.flush()
    page = await queries.problem_page(session, actor(world.staff), problem_id=problem.id)
    assert page.item is not None and page.item.id is not None
    item_id = page.item.id
    board = await queries.board(session, actor(world.officer), by="region")
    assert (board.total.open, board.total.closed_this_month) == (1, 0)

    progress = ProgressInput(
        text="喷淋层已更换，在线监测恢复传输",
        figures=[Figure("SO2 小时数据有效率", 99.2, "%")],
        attachments=[AttachmentInput("验收照片.png", PNG)],
    )
    step = await report_progress(session, actor(world.staff), item_id=item_id, data=progress)
    await session.flush()
    assert step.month == rules.month_of(today()) and step.figures == [
        {"name": "SO2 小时数据有效率", "value": 99.2, "unit": "%"}
    ]
    replay = await report_progress(session, actor(world.staff), item_id=item_id, data=progress)
    assert replay.id == step.id and await _count(session, RectificationAttachment) == 1
    stored = (await session.exec(select(RectificationAttachment))).one()
    assert stored.sha256 == __import__("hashlib").sha256(PNG).hexdigest() and stored.media_type == "image/png"
    assert await _notices(session, world.brigade, "rectification_progress")
    with pytest.raises(NotFound):
        await queries.attachment(session, actor(world.stranger), attachment_id=stored.id)
    seen = await queries.attachment(session, actor(world.officer), attachment_id=stored.id)
    assert queries.attachment_content(seen) == PNG and stored.content == b""  # in the file store, not the row

    with pytest.raises(Conflict) as refused:
        await close_rectification(session, actor(world.officer), item_id=item_id, note="")
    assert refused.value.code == "state"
    with pytest.raises(PermissionDenied):
        await verify_rectification(
            session, actor(world.staff), item_id=item_id, method="paper", outcome="passed", note="自查"
        )
    await verify_rectification(
        session,
        actor(world.officer),
        item_id=item_id,
        method="on_site",
        outcome="passed",
        note="现场核查已整改",
    )
    await recheck_rectification(
        session,
        actor(world.brigade),
        item_id=item_id,
        sample="DA001 在线数据 10 天",
        outcome="passed",
        note="",
    )
    await close_rectification(session, actor(world.officer), item_id=item_id, note="同意销号")
    await session.flush()
    with pytest.raises(Conflict):
        await report_progress(
            session, actor(world.staff), item_id=item_id, data=replace(progress, text="再报")
        )
    page = await queries.problem_page(session, actor(world.officer), problem_id=problem.id)
    assert [s.step.kind for s in page.steps] == ["required", "progress", "verification", "recheck", "closure"]
    assert page.problem.state == "closed" and page.problem.closed_at is not None
    assert all(s.step.at is not None and s.step.actor for s in page.steps)
    closed = await _notices(session, world.staff, "rectification_step")
    assert any("销号" in n.title for n in closed)
    board = await queries.board(session, actor(world.officer), by="department")
    assert (board.total.open, board.total.overdue, board.total.closed_this_month) == (0, 0, 1)
    assert board.rows[0].label == "执法大队" and board.total.average_days_to_close is not None
    own = await queries.board(session, actor(world.staff), by="region")
    assert own.total.open == 0 and own.total.closed == 1
    assert (await queries.board(session, actor(world.stranger), by="region")).total.closed == 0


async def test_a_failed_recheck_is_followed_by_a_reopening_with_a_new_deadline(session):
    world = await arrange(session)
    problem = await raise_problem(session, actor(world.officer), data=problem_input(world))
    await session.flush()
    item_id = (await queries.problem_page(session, actor(world.officer), problem_id=problem.id)).item.id  # type: ignore[union-attr]
    await verify_rectification(
        session, actor(world.officer), item_id=item_id, method="paper", outcome="passed", note="材料齐全"
    )
    await close_rectification(session, actor(world.officer), item_id=item_id, note="")
    step = await recheck_rectification(
        session, actor(world.brigade), item_id=item_id, sample="抽查台账", outcome="failed", note="数据仍缺失"
    )
    assert step.state_after == "closed"  # the re-check records; reopening is the regulator's step
    with pytest.raises(ValidationFailed) as refused:
        await reopen_rectification(session, actor(world.officer), item_id=item_id, reason="", deadline=None)
    assert {e.field for e in refused.value.errors} == {"reason", "deadline"}
    new_deadline = today() + timedelta(days=20)
    await reopen_rectification(
        session, actor(world.officer), item_id=item_id, reason="群众投诉复发", deadline=new_deadline
    )
    await session.flush()
    page = await queries.problem_page(session, actor(world.staff), problem_id=problem.id)
    assert page.item is not None and page.item.deadline == new_deadline and page.problem.state == "rectifying"
    assert page.problem.closed_at is None
    told = [n.title for n in await _notices(session, world.staff)]
    assert any("抽查复核未通过" in t for t in told) and any("重新开启" in t for t in told)
    with pytest.raises(Conflict):
        await reopen_rectification(
            session, actor(world.officer), item_id=item_id, reason="再次", deadline=new_deadline
        )


async def test_bad_progress_is_refused_field_by_field(session):
    world = await arrange(session)
    problem = await raise_problem(session, actor(world.officer), data=problem_input(world))
    await session.flush()
    item_id = (await queries.problem_page(session, actor(world.staff), problem_id=problem.id)).item.id  # type: ignore[union-attr]
    bad = ProgressInput(
        text="",
        figures=[Figure("", None, "")],
        attachments=[AttachmentInput("a.exe", b"MZ..."), AttachmentInput("b.png", b"not a png")],
    )
    with pytest.raises(ValidationFailed) as refused:
        await report_progress(session, actor(world.staff), item_id=item_id, data=bad)
    assert {(e.field, e.code) for e in refused.value.errors} == {
        ("text", "required"),
        ("figures[0].name", "required"),
        ("figures[0].value", "number"),
        ("attachments[0]", "file_type"),
        ("attachments[1]", "file_type"),
    }
    with pytest.raises(NotFound):
        await report_progress(session, actor(world.stranger), item_id=item_id, data=replace(bad, text="x"))
    with pytest.raises(NotFound):
        await report_progress(session, actor(world.staff), item_id=2**40, data=replace(bad, text="x"))
    assert await _count(session, RectificationStep) == 1


async def test_steps_are_append_only_in_the_database(session):
    world = await arrange(session)
    await raise_problem(session, actor(world.officer), data=problem_input(world))
    await session.flush()
    for statement in ("UPDATE rectification_step SET note = 'x'", "DELETE FROM rectification_step"):
        with pytest.raises((IntegrityError, DBAPIError)):
            async with session.begin_nested():
                await session.exec(text(statement))  # type: ignore[call-overload]


async def test_a_problem_raised_without_rectification_gets_one_later_once(session):
    world = await arrange(session)
    problem = await raise_problem(
        session, actor(world.officer), data=problem_input(world, rectification=None)
    )
    await session.flush()
    assert problem.state == "open"
    item = await require_rectification(
        session, actor(world.officer), problem_id=problem.id, data=rectification()
    )
    assert item.state == "rectifying"
    with pytest.raises(Conflict):
        await require_rectification(
            session, actor(world.officer), problem_id=problem.id, data=rectification()
        )


async def test_reminders_before_the_deadline_and_when_overdue_reach_unit_and_department_once(session):
    world = await arrange(session)
    problem = await raise_problem(session, actor(world.officer), data=problem_input(world))
    await session.flush()
    deadline = (await queries.problem_page(session, actor(world.staff), problem_id=problem.id)).item.deadline  # type: ignore[union-attr]

    async def due_notices() -> int:
        return len(await _notices(session, world.staff, "rectification_due")) + len(
            await _notices(session, world.brigade, "rectification_due")
        )

    await send_rectification_reminders(session, on=deadline - timedelta(days=10))
    assert await due_notices() == 0
    for stage, day in enumerate((7, 1, -1), start=1):
        await send_rectification_reminders(session, on=deadline - timedelta(days=day))
        await send_rectification_reminders(session, on=deadline - timedelta(days=day))  # once per stage
        assert await due_notices() == 2 * stage
    unit = await _notices(session, world.staff, "rectification_due")
    brigade = await _notices(session, world.brigade, "rectification_due")
    assert len(unit) == len(brigade) == 3
    assert "逾期" in unit[-1].title
    assert not await _notices(session, world.officer, "rectification_due")  # not the owning department


def test_the_loop_allows_only_its_steps():
    assert rules.next_state("rectifying", "progress") == "rectifying"
    assert rules.next_state("rectifying", "verification", "passed") == "verified"
    assert rules.next_state("rectifying", "verification", "failed") == "rectifying"
    assert rules.next_state("verified", "closure") == "closed"
    assert rules.next_state("closed", "recheck", "passed") == "closed"
    assert rules.next_state("closed", "recheck", "failed") == "closed"
    assert rules.next_state("verified", "reopening") == "rectifying"
    assert rules.next_state("closed", "reopening") == "rectifying"
    for state, kind in (
        ("rectifying", "closure"),
        ("closed", "progress"),
        ("rectifying", "recheck"),
        ("closed", "verification"),
        ("rectifying", "reopening"),
        ("verified", "progress"),
    ):
        assert rules.next_state(state, kind, "passed") is None, (state, kind)
    assert rules.overdue("rectifying", date(2026, 1, 1), date(2026, 1, 2))
    assert not rules.overdue("verified", date(2026, 1, 1), date(2026, 1, 2))


async def test_an_agency_filing_the_units_reports_reports_progress_for_it_and_no_other_does(session):
    from domain.access import Actor, Role

    world = await arrange(session)
    problem = await raise_problem(session, actor(world.officer), data=problem_input(world))
    await session.flush()
    item_id = (await queries.problem_page(session, actor(world.officer), problem_id=problem.id)).item.id  # type: ignore[union-attr]

    def clerk(scope: str) -> Actor:
        return Actor(
            user_id=world.staff.id,  # any user id: access reads the authorisations the actor carries
            username="agency-clerk",
            role=Role.AGENCY_STAFF,
            agency_id=1,
            authorisations=frozenset({(world.enterprise.id, scope)}),
            on_behalf_of="agency:91310000MA1FL0000X",
        )

    mine = await queries.rectification_items(session, clerk("reports"))
    assert [row.item_id for row in mine.items] == [item_id]
    step = await report_progress(
        session, clerk("reports"), item_id=item_id, data=ProgressInput(text="代为报送")
    )
    assert step.actor == "agency-clerk" and step.on_behalf_of == "agency:91310000MA1FL0000X"
    with pytest.raises(NotFound):
        await report_progress(session, clerk("ledger"), item_id=item_id, data=ProgressInput(text="无权"))
    assert (await queries.rectification_items(session, clerk("ledger"))).total == 0


async def test_ids_past_the_database_range_name_nothing(session, client):
    world = await arrange(session)
    await session.flush()
    for bad in (0, 2**31, 2**63):
        with pytest.raises(NotFound):
            await queries.problem_page(session, actor(world.officer), problem_id=bad)
        with pytest.raises(NotFound):
            await report_progress(session, actor(world.staff), item_id=bad, data=ProgressInput(text="x"))
        with pytest.raises(NotFound):
            await queries.attachment(session, actor(world.staff), attachment_id=bad)
    from tests.portal_helpers import log_in

    assert (await log_in(client, world.officer.username)).status_code == 303
    assert (await client.get(f"/supervision/problems/{2**40}")).status_code == 404
    assert (await client.get(f"/supervision/files/{2**40}")).status_code == 404
    assert (await client.get("/supervision/problems/new?source=exceedance&id=99999999999")).status_code == 404
    listing = await client.get("/supervision/problems?state=nonsense&department=x")
    assert listing.status_code == 400 and 'data-field="state" data-code="choice"' in listing.text


async def test_a_unit_that_has_not_reported_the_months_progress_is_reminded_once_from_the_20th(session):
    from datetime import UTC, datetime

    from domain.clock import history_at

    world = await arrange(session)
    problem = await raise_problem(
        session,
        actor(world.officer),
        data=problem_input(world, rectification=rectification(today() + timedelta(days=200))),
    )
    await session.flush()
    item_id = (await queries.problem_page(session, actor(world.staff), problem_id=problem.id)).item.id  # type: ignore[union-attr]
    next_month = (today().replace(day=1) + timedelta(days=32)).replace(day=1)
    assert await send_rectification_reminders(session, on=next_month.replace(day=19)) == 0
    assert await send_rectification_reminders(session, on=next_month.replace(day=20)) == 1
    assert await send_rectification_reminders(session, on=next_month.replace(day=25)) == 0
    told = await _notices(session, world.staff, "rectification_monthly")
    assert len(told) == 1 and rules.month_of(next_month) in told[0].body
    assert not await _notices(session, world.brigade, "rectification_monthly")  # the unit's duty
    # A month whose progress was reported is not reminded.
    following = (next_month + timedelta(days=32)).replace(day=1)
    with history_at(datetime.combine(following.replace(day=3), datetime.min.time(), tzinfo=UTC)):
        await report_progress(
            session, actor(world.staff), item_id=item_id, data=ProgressInput(text="按计划推进")
        )
    assert await send_rectification_reminders(session, on=following.replace(day=21)) == 0
