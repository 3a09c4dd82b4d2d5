"""Three-supervision linkage (PT §8, annexes 4-5): initiate -> receive/execute -> feed back -> archive,
across departments, each recording only its own steps; overdue receivers flagged; the offline sheet's
outcome entered by the permitting section; enforcement findings about the permit sent to permitting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from domain.access import Role, operator
from domain.audit.models import AuditEntry
from domain.clock import today
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from domain.notifications.models import Notification
from domain.supervision.linkage import queries, service
from domain.supervision.linkage.models import LinkageStep
from domain.supervision.linkage.rules import PermitFindingInput, StepInput, TaskInput
from tests.factories import actor, make_enterprise, make_permit, make_user


def task_input(unit, **overrides) -> TaskInput:  # type: ignore[no-untyped-def]
    values = {
        "description": "执法检查发现废气排放口标识牌缺失，在线监测数据异常。",
        "requested_action": "请监测站开展执法监测，污防科核查在线监测设备运行情况。",
        "receivers": ("monitoring_station", "pollution_prevention"),
        "handler": "张强",
        "responsible_person": "刘队长",
        "initiated_on": today() - timedelta(days=3),
        "due_on": today() + timedelta(days=10),
        "credit_code": unit.credit_code,
    }
    values.update(overrides)
    return TaskInput(**values)


def step(text: str = "已完成现场采样，结果达标。", **overrides) -> StepInput:  # type: ignore[no-untyped-def]
    values = {"text": text, "handler": "陈工", "responsible_person": "周站长", "done_on": today()}
    values.update(overrides)
    return StepInput(**values)


@pytest.fixture
async def bureau(session):  # type: ignore[no-untyped-def]
    people = {
        role: await make_user(session, role)
        for role in (
            Role.PERMITTING,
            Role.ENFORCEMENT,
            Role.MONITORING_STATION,
            Role.POLLUTION_PREVENTION,
            Role.ECOLOGY,
        )
    }
    unit = await make_enterprise(session)
    return people, unit


async def notices_of(session, user) -> list[Notification]:  # type: ignore[no-untyped-def]
    return list((await session.exec(select(Notification).where(Notification.user_id == user.id))).all())


async def test_a_task_goes_initiate_execute_feedback_archive_across_three_departments(session, bureau):  # type: ignore[no-untyped-def]
    people, unit = bureau
    enforcement = actor(people[Role.ENFORCEMENT])
    task = await service.initiate_task(session, enforcement, data=task_input(unit))
    assert task.department == "enforcement" and task.unit_name == unit.name and task.region_code == "310107"
    # The receivers are told at once, in the same transaction.
    for role in (Role.MONITORING_STATION, Role.POLLUTION_PREVENTION):
        [notice] = await notices_of(session, people[role])
        assert (
            notice.kind == "linkage_sent"
            and notice.link == f"/linkage/{task.id}"
            and unit.name in notice.title
        )
    assert await notices_of(session, people[Role.ECOLOGY]) == []

    station, prevention = actor(people[Role.MONITORING_STATION]), actor(people[Role.POLLUTION_PREVENTION])
    await service.receive_task(session, station, task_id=task.id, data=step(""))
    await service.record_execution(session, station, task_id=task.id, data=step("现场采样 3 个点位"))
    await service.record_execution(session, prevention, task_id=task.id, data=step("在线设备已校准"))
    await service.feed_back(session, station, task_id=task.id, data=step("监测结果达标"))
    with pytest.raises(Conflict):  # prevention has not fed back yet
        await service.archive_task(
            session, actor(people[Role.PERMITTING]), task_id=task.id, data=step("归档")
        )
    await service.feed_back(session, prevention, task_id=task.id, data=step("设备运行正常"))
    fed_back = [
        n for n in await notices_of(session, people[Role.ENFORCEMENT]) if n.kind == "linkage_fed_back"
    ]
    assert len(fed_back) == 2
    assert [n.kind for n in await notices_of(session, people[Role.PERMITTING])] == [
        "linkage_ready_to_archive"
    ]

    with pytest.raises(PermissionDenied):  # only the permitting section archives
        await service.archive_task(session, enforcement, task_id=task.id, data=step("归档"))
    archived = await service.archive_task(
        session, actor(people[Role.PERMITTING]), task_id=task.id, data=step("调度会归档")
    )
    assert archived.archived_at is not None
    steps = (
        await session.exec(
            select(LinkageStep).where(LinkageStep.task_id == task.id).order_by(col(LinkageStep.id))
        )
    ).all()
    assert [(s.kind, s.department) for s in steps] == [
        ("initiate", "enforcement"),
        ("receive", "monitoring_station"),
        ("execute", "monitoring_station"),
        ("receive", "pollution_prevention"),  # executing an unreceived task receives it
        ("execute", "pollution_prevention"),
        ("feedback", "monitoring_station"),
        ("feedback", "pollution_prevention"),
        ("archive", "permitting"),
    ]
    assert all(s.created_by and s.created_at for s in steps)
    actions = (
        await session.exec(select(AuditEntry.action).where(AuditEntry.object_type == "linkage_task"))
    ).all()
    assert actions.count("linkage.archive") == 1 and actions.count("linkage.feedback") == 2
    with pytest.raises(Conflict):  # archived: nothing more
        await service.feed_back(session, station, task_id=task.id, data=step())
    assert {n.kind for n in await notices_of(session, people[Role.MONITORING_STATION])} >= {
        "linkage_archived"
    }


async def test_a_department_records_only_its_own_step(session, bureau):  # type: ignore[no-untyped-def]
    people, unit = bureau
    task = await service.initiate_task(session, actor(people[Role.ENFORCEMENT]), data=task_input(unit))
    ecology = actor(people[Role.ECOLOGY])
    with pytest.raises(PermissionDenied) as refused:
        await service.record_execution(session, ecology, task_id=task.id, data=step())
    assert "not sent to" in refused.value.message
    with pytest.raises(PermissionDenied):  # naming another department does not help
        await service.record_execution(
            session, ecology, task_id=task.id, department="monitoring_station", data=step()
        )
    with pytest.raises(Conflict):  # feedback before execution
        await service.feed_back(session, actor(people[Role.MONITORING_STATION]), task_id=task.id, data=step())
    other_district = await make_user(session, Role.MONITORING_STATION, region_code="310104")
    with pytest.raises(NotFound):
        await service.record_execution(session, actor(other_district), task_id=task.id, data=step())
    unit_staff = await make_user(session, Role.ENTERPRISE_STAFF, enterprise=unit)
    with pytest.raises(NotFound):
        await service.receive_task(session, actor(unit_staff), task_id=task.id, data=step(""))
    for bad in ("x", "99999999999", "0"):
        with pytest.raises(NotFound):
            await service.receive_task(
                session, actor(people[Role.MONITORING_STATION]), task_id=bad, data=step("")
            )


async def test_bad_input_names_every_field_and_writes_nothing(session, bureau):  # type: ignore[no-untyped-def]
    people, unit = bureau
    enforcement = actor(people[Role.ENFORCEMENT])
    with pytest.raises(ValidationFailed) as refused:
        await service.initiate_task(
            session,
            enforcement,
            data=task_input(
                unit,
                description=" ",
                requested_action="x" * 2001,
                receivers=("enforcement", "nobody"),
                handler="a\x00b",
                initiated_on=today() + timedelta(days=1),
                due_on=today().replace(year=9999),
                credit_code="91310107MA0000000X",
            ),
        )
    fields = {e.field for e in refused.value.errors}
    assert fields >= {
        "description",
        "requested_action",
        "receivers",
        "handler",
        "initiated_on",
        "due_on",
        "credit_code",
    }
    with pytest.raises(ValidationFailed) as refused:
        await service.initiate_task(
            session, enforcement, data=task_input(unit, due_on=today() - timedelta(days=5))
        )
    assert [e.code for e in refused.value.errors] == ["before_start"]
    assert (await queries.task_list(session, enforcement, view="all")).total == 0
    task = await service.initiate_task(session, enforcement, data=task_input(unit))
    with pytest.raises(ValidationFailed) as refused:
        await service.record_execution(
            session,
            actor(people[Role.MONITORING_STATION]),
            task_id=task.id,
            data=step("", handler="", done_on=task.initiated_on - timedelta(days=1)),
        )
    assert {e.field for e in refused.value.errors} == {"text", "handler", "done_on"}


async def test_overdue_receivers_are_flagged_and_the_queue_shows_each_department_its_steps(session, bureau):  # type: ignore[no-untyped-def]
    people, unit = bureau
    enforcement = actor(people[Role.ENFORCEMENT])
    late = await service.initiate_task(
        session,
        enforcement,
        data=task_input(unit, initiated_on=today() - timedelta(days=30), due_on=today() - timedelta(days=1)),
    )
    on_time = await service.initiate_task(session, enforcement, data=task_input(unit, receivers=("ecology",)))
    station = actor(people[Role.MONITORING_STATION])
    mine = await queries.task_list(session, station, view="mine")
    assert [r.task.id for r in mine.items] == [late.id]
    assert mine.items[0].overdue and [r.overdue for r in mine.items[0].receivers] == [True, True]
    assert [r.task.id for r in (await queries.task_list(session, enforcement, view="overdue")).items] == [
        late.id
    ]
    ecology = await queries.task_list(session, actor(people[Role.ECOLOGY]), view="mine")
    assert [r.task.id for r in ecology.items] == [on_time.id] and not ecology.items[0].overdue
    # Once a receiver fed back it is no longer overdue; the permitting section's queue holds the task when
    # everyone has.
    await service.record_execution(session, station, task_id=late.id, data=step())
    await service.feed_back(session, station, task_id=late.id, data=step())
    row = (await queries.task_list(session, enforcement, view="all")).items
    late_row = next(r for r in row if r.task.id == late.id)
    assert [(r.department, r.overdue) for r in late_row.receivers] == [
        ("pollution_prevention", True),
        ("monitoring_station", False),
    ] or [(r.department, r.overdue) for r in late_row.receivers] == [
        ("monitoring_station", False),
        ("pollution_prevention", True),
    ]
    permitting = actor(people[Role.PERMITTING])
    assert (await queries.task_list(session, permitting, view="mine")).total == 0
    prevention = actor(people[Role.POLLUTION_PREVENTION])
    await service.record_execution(session, prevention, task_id=late.id, data=step())
    await service.feed_back(session, prevention, task_id=late.id, data=step())
    assert [r.task.id for r in (await queries.task_list(session, permitting, view="mine")).items] == [late.id]


async def test_the_permitting_section_enters_an_offline_sheet_for_any_department(session, bureau):  # type: ignore[no-untyped-def]
    people, unit = bureau
    permitting = actor(people[Role.PERMITTING])
    task = await service.initiate_task(
        session,
        permitting,
        data=task_input(unit, department="enforcement", via_sheet=True, receivers=("monitoring_station",)),
    )
    assert task.department == "enforcement" and task.via_sheet
    await service.record_execution(
        session, permitting, task_id=task.id, department="monitoring_station", data=step(via_sheet=True)
    )
    await service.feed_back(
        session, permitting, task_id=task.id, department="monitoring_station", data=step(via_sheet=True)
    )
    await service.archive_task(session, permitting, task_id=task.id, data=step("归档"))
    page = await queries.task_page(session, permitting, task_id=task.id)
    assert all(s.via_sheet for s in page.steps if s.kind != "archive")
    # Another department may not enter someone else's sheet.
    with pytest.raises((PermissionDenied, ValidationFailed)):
        await service.initiate_task(
            session,
            actor(people[Role.ECOLOGY]),
            data=task_input(unit, department="enforcement", via_sheet=True),
        )


async def test_a_permit_finding_goes_to_the_permitting_section(session, bureau):  # type: ignore[no-untyped-def]
    people, unit = bureau
    permit = await make_permit(session, unit)
    task = await service.refer_permit_finding(
        session,
        actor(people[Role.ENFORCEMENT]),
        data=PermitFindingInput(
            kind="permit_wrong",
            description="现场发现 DA002 排放口未载入许可证。",
            handler="张强",
            responsible_person="刘队长",
            found_on=today(),
            due_on=today() + timedelta(days=15),
            permit_number=permit.number,
            source_type="inspection",
            source_id="17",
        ),
    )
    assert task.kind == "permit_wrong" and task.permit_id == permit.id and task.enterprise_id == unit.id
    [notice] = await notices_of(session, people[Role.PERMITTING])
    assert notice.kind == "linkage_sent"
    unpermitted = await service.refer_permit_finding(
        session,
        actor(people[Role.ENFORCEMENT]),
        data=PermitFindingInput(
            kind="unpermitted",
            description="某小作坊无证排放废水。",
            handler="张强",
            responsible_person="刘队长",
            found_on=today(),
            due_on=today() + timedelta(days=15),
            unit_name="普陀区某电镀作坊",
        ),
    )
    assert unpermitted.enterprise_id is None and unpermitted.region_code == "310107"
    with pytest.raises(ValidationFailed) as refused:
        await service.refer_permit_finding(
            session,
            actor(people[Role.ENFORCEMENT]),
            data=PermitFindingInput(
                kind="nonsense",
                description="x",
                handler="x",
                responsible_person="x",
                found_on=today(),
                due_on=today(),
                unit_name="x",
            ),
        )
    assert [e.field for e in refused.value.errors] == ["kind"]


async def test_the_administrator_names_the_department_it_acts_for(session, bureau):  # type: ignore[no-untyped-def]
    people, unit = bureau
    with pytest.raises(ValidationFailed) as refused:
        await service.initiate_task(session, operator(), data=task_input(unit))
    assert [e.field for e in refused.value.errors] == ["department"]
    task = await service.initiate_task(session, operator(), data=task_input(unit, department="legal"))
    assert task.department == "legal"


async def test_a_task_about_a_problem_concerns_the_problems_unit(session, bureau):  # type: ignore[no-untyped-def]
    from domain.supervision.problems.rules import ProblemInput
    from domain.supervision.problems.service import raise_problem

    people, unit = bureau
    permit = await make_permit(session, unit)
    enforcement = actor(people[Role.ENFORCEMENT])
    problem = await raise_problem(
        session,
        enforcement,
        data=ProblemInput(
            enterprise_id=unit.id,
            permit_id=permit.id,
            outlet_code="DA001",
            source_kind="manual",
            source_ref="linkage-test-1",
            title="在线监测数据异常",
            description="DA001 在线监测数据连续 3 日为零值。",
            legal_basis="《排污许可管理条例》第二十条",
            evidence="现场检查笔录",
            department="enforcement",
        ),
    )
    task = await service.initiate_task(
        session, enforcement, data=task_input(unit, credit_code="", problem_id=problem.id)
    )
    assert (task.problem_id, task.enterprise_id, task.permit_id, task.outlet_code) == (
        problem.id,
        unit.id,
        permit.id,
        "DA001",
    )
    other = await make_enterprise(session)
    with pytest.raises(ValidationFailed) as refused:
        await service.initiate_task(session, enforcement, data=task_input(other, problem_id=problem.id))
    assert [e.code for e in refused.value.errors] == ["other_unit"]
    with pytest.raises(ValidationFailed) as refused:
        await service.initiate_task(session, enforcement, data=task_input(unit, problem_id=2_000_000_000))
    assert [e.field for e in refused.value.errors] == ["problem_id"]


async def test_the_steps_of_a_task_cannot_be_changed_or_removed_in_the_database(session, bureau):  # type: ignore[no-untyped-def]
    import sqlalchemy as sa
    from sqlalchemy.exc import DatabaseError

    people, unit = bureau
    task = await service.initiate_task(session, actor(people[Role.ENFORCEMENT]), data=task_input(unit))
    await session.flush()
    for statement in (
        sa.text("UPDATE linkage_step SET text = 'rewritten' WHERE task_id = :id"),
        sa.text("DELETE FROM linkage_step WHERE task_id = :id"),
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            async with session.begin_nested():
                await session.execute(statement, {"id": task.id})
