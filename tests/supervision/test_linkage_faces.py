"""Linkage through both faces (portal form posts and GraphQL mutations): the same cases, the same outcome
(accepted or refused, each error's field and code) and the same rows written; the portal's pages show the
department's queue, the task's trace and the printable transfer sheet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, func, select

from domain.clock import today
from domain.supervision.linkage import service
from domain.supervision.linkage.models import LinkageStep, LinkageTask
from domain.supervision.linkage.rules import StepInput, TaskInput
from tests.faces import Outcome, graphql_outcome, portal_outcome
from tests.factories import actor, make_enterprise, make_user
from tests.graphql_helpers import bearer_token, graphql_data
from tests.portal_helpers import csrf_from, log_in

ERRORS = "errors { field code message }"
INITIATE = (
    "mutation($input: InitiateLinkageTaskInput!) { initiateLinkageTask(input: $input) {"
    " task { id receivers { department stage } } " + ERRORS + " } }"
)
STEP = (
    "mutation($id: ID!, $input: LinkageStepInput!) { %s(taskId: $id, input: $input) {"
    " task { id receivers { department stage } archivedAt } " + ERRORS + " } }"
)
MUTATIONS = {
    "execute": "recordLinkageExecution",
    "feedback": "feedBackLinkageTask",
    "receive": "receiveLinkageTask",
    "archive": "archiveLinkageTask",
}


@dataclass
class World:
    unit: Any
    people: dict[str, Any]
    task_id: int


async def arrange(session) -> World:  # type: ignore[no-untyped-def]
    unit = await make_enterprise(session)
    people = {
        role: await make_user(session, role)
        for role in ("enforcement", "monitoring_station", "ecology", "permitting", "pollution_prevention")
    }
    task = await service.initiate_task(
        session,
        actor(people["enforcement"]),
        data=TaskInput(
            description="废气在线监测数据异常",
            requested_action="请开展执法监测",
            receivers=("monitoring_station",),
            handler="张强",
            responsible_person="刘队长",
            initiated_on=today() - timedelta(days=2),
            due_on=today() + timedelta(days=5),
            credit_code=unit.credit_code,
        ),
    )
    await session.flush()
    return World(unit, people, task.id or 0)


def api(payload: dict[str, Any]) -> Outcome:
    outcome = graphql_outcome(payload)
    # The portal's 404 page names no field; its task-level refusals are shown as the task's.
    named = {
        (None if code == "not_found" else "task", code) if field == "task_id" else (field, code)
        for field, code in outcome.errors
    }
    return Outcome(outcome.accepted, frozenset(named))


async def as_user(client, user) -> str:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    assert (await log_in(client, user.username)).status_code == 303
    return csrf_from((await client.get("/notifications")).text)


def task_form(world: World, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "description": "现场检查发现雨水排口有异常排放",
        "requested_action": "请监测站采样，污防科核查",
        "receivers": ["monitoring_station", "pollution_prevention"],
        "handler": "张强",
        "responsible_person": "刘队长",
        "initiated_on": today().isoformat(),
        "due_on": (today() + timedelta(days=10)).isoformat(),
        "credit_code": world.unit.credit_code,
    }
    values.update(overrides)
    return values


async def portal_initiate(client, session, world, user, values):  # type: ignore[no-untyped-def]
    token = await as_user(client, user)
    response = await client.post("/linkage/new", data={**values, "csrf_token": token})
    return portal_outcome(response)


async def graphql_initiate(client, session, world, user, values):  # type: ignore[no-untyped-def]
    names = {
        "requested_action": "requestedAction",
        "responsible_person": "responsiblePerson",
        "initiated_on": "initiatedOn",
        "due_on": "dueOn",
        "credit_code": "creditCode",
    }
    variables = {names.get(k, k): v for k, v in values.items()}
    data = await graphql_data(client, INITIATE, {"input": variables}, token=await bearer_token(session, user))
    return api(data["initiateLinkageTask"])


def step_values(**overrides: Any) -> dict[str, Any]:
    values = {
        "text": "已采样 3 个点位",
        "handler": "陈工",
        "responsible_person": "周站长",
        "done_on": today().isoformat(),
    }
    values.update(overrides)
    return values


async def portal_step(client, session, world, user, kind, values, task_id=None):  # type: ignore[no-untyped-def]
    token = await as_user(client, user)
    response = await client.post(
        f"/linkage/{task_id or world.task_id}/{kind}", data={**values, "csrf_token": token}
    )
    return portal_outcome(response)


async def graphql_step(client, session, world, user, kind, values, task_id=None):  # type: ignore[no-untyped-def]
    variables = {
        "id": str(task_id or world.task_id),
        "input": {
            "text": values["text"],
            "handler": values["handler"],
            "responsiblePerson": values["responsible_person"],
            "doneOn": values["done_on"],
        },
    }
    name = MUTATIONS[kind]
    data = await graphql_data(client, STEP % name, variables, token=await bearer_token(session, user))
    return api(data[name])


async def written(session, world: World) -> tuple[Any, ...]:  # type: ignore[no-untyped-def]
    tasks = (await session.exec(select(func.count()).select_from(LinkageTask))).one()
    steps = (
        await session.exec(select(LinkageStep.kind, LinkageStep.department).order_by(col(LinkageStep.id)))
    ).all()
    return tasks, tuple(steps)


INITIATE_CASES = [
    ("a regulator initiates a task", "enforcement", {}, Outcome(True, frozenset())),
    (
        "every problem of the task at once",
        "enforcement",
        {
            "description": "",
            "receivers": [],
            "handler": "",
            "due_on": (today() - timedelta(days=3)).isoformat(),
        },
        Outcome(
            False,
            frozenset(
                {
                    ("description", "required"),
                    ("receivers", "required"),
                    ("handler", "required"),
                    ("due_on", "before_start"),
                }
            ),
        ),
    ),
    (
        "the task goes to other departments",
        "monitoring_station",
        {},
        Outcome(False, frozenset({("receivers", "own_department")})),
    ),
    (
        "an unknown unit",
        "enforcement",
        {"credit_code": "91310107MA1G8Q0000"},
        Outcome(False, frozenset({("credit_code", "unknown_unit")})),
    ),
]


@pytest.mark.parametrize(
    ("name", "role", "overrides", "expected"), INITIATE_CASES, ids=[c[0] for c in INITIATE_CASES]
)
async def test_initiating_has_the_same_outcome_through_both_faces(
    name, role, overrides, expected, client, session
):  # type: ignore[no-untyped-def]
    results = []
    for face in (portal_initiate, graphql_initiate):
        world = await arrange(session)
        before = await written(session, world)
        outcome = await face(client, session, world, world.people[role], task_form(world, **overrides))
        after = await written(session, world)
        results.append((outcome, after[0] - before[0]))
    assert results[0] == results[1], results
    assert results[0][0] == expected
    assert results[0][1] == (1 if expected.accepted else 0)


STEP_CASES = [
    ("the receiving department executes", "monitoring_station", "execute", {}, Outcome(True, frozenset())),
    (
        "a department the task was not sent to",
        "ecology",
        "execute",
        {},
        Outcome(False, frozenset({(None, "forbidden")})),
    ),
    (
        "a bad step names its fields",
        "monitoring_station",
        "execute",
        {"text": "", "done_on": (today() + timedelta(days=1)).isoformat()},
        Outcome(False, frozenset({("text", "required"), ("done_on", "future")})),
    ),
    (
        "feedback before execution",
        "monitoring_station",
        "feedback",
        {},
        Outcome(False, frozenset({("task", "conflict")})),
    ),
    (
        "archiving is the permitting section's",
        "ecology",
        "archive",
        {},
        Outcome(False, frozenset({(None, "forbidden")})),
    ),
    (
        "archiving waits for every feedback",
        "permitting",
        "archive",
        {},
        Outcome(False, frozenset({("task", "conflict")})),
    ),
]


@pytest.mark.parametrize(
    ("name", "role", "kind", "overrides", "expected"), STEP_CASES, ids=[c[0] for c in STEP_CASES]
)
async def test_steps_have_the_same_outcome_through_both_faces(
    name, role, kind, overrides, expected, client, session
):  # type: ignore[no-untyped-def]
    results = []
    for face in (portal_step, graphql_step):
        world = await arrange(session)
        before = await written(session, world)
        outcome = await face(client, session, world, world.people[role], kind, step_values(**overrides))
        after = await written(session, world)
        results.append((outcome, len(after[1]) - len(before[1])))
    assert results[0] == results[1], results
    assert results[0][0] == expected


async def test_unknown_tasks_are_not_found_through_both_faces(client, session):  # type: ignore[no-untyped-def]
    world = await arrange(session)
    station = world.people["monitoring_station"]
    for task_id in ("999999", "2147483648"):
        portal = await portal_step(client, session, world, station, "execute", step_values(), task_id=task_id)
        api_outcome = await graphql_step(
            client, session, world, station, "execute", step_values(), task_id=task_id
        )
        assert portal == api_outcome == Outcome(False, frozenset({(None, "not_found")}))


async def test_the_portal_walks_a_task_to_its_archive_and_prints_its_sheet(client, session):  # type: ignore[no-untyped-def]
    world = await arrange(session)
    station, permitting = world.people["monitoring_station"], world.people["permitting"]
    token = await as_user(client, station)
    queue = await client.get("/linkage")
    assert (
        queue.status_code == 200
        and f'data-task="{world.task_id}"' in queue.text
        and world.unit.name in queue.text
    )
    page = await client.get(f"/linkage/{world.task_id}")
    assert (
        'id="execute-form"' in page.text and "监测站" in page.text and "monitoring_station</" not in page.text
    )
    for kind in ("execute", "feedback"):
        response = await client.post(
            f"/linkage/{world.task_id}/{kind}", data={**step_values(), "csrf_token": token}
        )
        assert response.status_code == 303, response.text[:400]
    assert (
        f'data-task="{world.task_id}"' not in (await client.get("/linkage")).text
    )  # nothing left for the station
    token = await as_user(client, permitting)
    assert f'data-task="{world.task_id}"' in (await client.get("/linkage")).text  # to archive
    response = await client.post(
        f"/linkage/{world.task_id}/archive", data={**step_values(text="调度会归档"), "csrf_token": token}
    )
    assert response.status_code == 303
    page = await client.get(f"/linkage/{world.task_id}")
    assert 'id="archived"' in page.text and page.text.count('data-step="') == 5
    sheet = await client.get(f"/linkage/{world.task_id}/sheet")
    assert sheet.status_code == 200 and 'id="transfer-sheet"' in sheet.text and "调度会归档" in sheet.text
    assert "data-print" in sheet.text
    # The unit's people never see linkage tasks.
    staff = await make_user(session, "enterprise_staff", enterprise=world.unit)
    await as_user(client, staff)
    assert (await client.get(f"/linkage/{world.task_id}")).status_code == 404


async def test_the_permitting_section_enters_a_paper_sheet_in_the_portal(client, session):  # type: ignore[no-untyped-def]
    world = await arrange(session)
    permitting = world.people["permitting"]
    token = await as_user(client, permitting)
    data = {**step_values(), "via_sheet": "1", "department": "monitoring_station", "csrf_token": token}
    assert (await client.post(f"/linkage/{world.task_id}/execute", data=data)).status_code == 303
    assert (await client.post(f"/linkage/{world.task_id}/feedback", data=data)).status_code == 303
    steps = (await session.exec(select(LinkageStep).where(LinkageStep.task_id == world.task_id))).all()
    assert [(s.kind, s.department, s.via_sheet) for s in steps][-2:] == [
        ("execute", "monitoring_station", True),
        ("feedback", "monitoring_station", True),
    ]
    refused = await client.post(
        f"/linkage/{world.task_id}/archive", data={**step_values(text=""), "csrf_token": token}
    )
    assert refused.status_code == 400 and 'data-field="text" data-code="required"' in refused.text
    _ = StepInput
