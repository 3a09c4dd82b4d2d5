"""The API's reads of linkage and cases: who sees which tasks and cases, the public penalties to anyone."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from domain.clock import today
from domain.supervision.cases import service as cases
from domain.supervision.cases.rules import CaseInput, DecisionInput
from domain.supervision.linkage import service as linkage
from domain.supervision.linkage.rules import TaskInput
from tests.factories import actor, make_enterprise, make_permit, make_user
from tests.graphql_helpers import bearer_token, graphql_data

TASKS = (
    "query($view: String!) { linkageTasks(view: $view) { totalCount edges { node { id unitName"
    " departmentName overdue receivers { departmentName stage overdue } } } } }"
)
TASK = "query($id: ID!) { linkageTask(id: $id) { id steps { kind departmentName handler } } }"
CASES = '{ enforcementCases(view: "all") { totalCount nodes { id unitName status penaltyYuan } } }'
PUBLIC = "{ publicPenalties { unitName legalBasis decidedOn penaltyYuan } }"


async def test_the_api_lists_tasks_cases_and_public_penalties_to_whom_it_may(client, session):  # type: ignore[no-untyped-def]
    unit = await make_enterprise(session)
    permit = await make_permit(session, unit)
    brigade = await make_user(session, "enforcement")
    station = await make_user(session, "monitoring_station")
    staff = await make_user(session, "enterprise_staff", enterprise=unit)
    task = await linkage.initiate_task(
        session,
        actor(brigade),
        data=TaskInput(
            description="在线数据异常",
            requested_action="请采样",
            receivers=("monitoring_station",),
            handler="张强",
            responsible_person="刘队长",
            initiated_on=today() - timedelta(days=9),
            due_on=today() - timedelta(days=1),
            credit_code=unit.credit_code,
        ),
    )
    case = await cases.open_case(
        session,
        actor(brigade),
        data=CaseInput(
            facts="超标",
            legal_basis="《排污许可管理条例》第三十四条",
            classification="against_permit",
            opened_on=today() - timedelta(days=5),
            permit_number=permit.number,
        ),
    )
    await cases.decide_case(
        session,
        actor(brigade),
        case_id=case.id,
        data=DecisionInput(decision="罚款", decided_on=today(), penalty_yuan=Decimal("12345.60")),
    )
    await cases.close_case(session, actor(brigade), case_id=case.id, closed_on=today())
    await session.flush()

    station_token = await bearer_token(session, station)
    queue = (await graphql_data(client, TASKS, {"view": "mine"}, token=station_token))["linkageTasks"]
    assert queue["totalCount"] == 1
    node = queue["edges"][0]["node"]
    assert node["overdue"] and node["receivers"] == [
        {"departmentName": "监测站", "stage": "sent", "overdue": True}
    ]
    one = (await graphql_data(client, TASK, {"id": str(task.id)}, token=station_token))["linkageTask"]
    assert [s["kind"] for s in one["steps"]] == ["initiate"] and one["steps"][0]["handler"] == "张强"
    staff_token = await bearer_token(session, staff)
    assert (await graphql_data(client, TASKS, {"view": "all"}, token=staff_token))["linkageTasks"][
        "totalCount"
    ] == 0
    assert (await graphql_data(client, TASK, {"id": str(task.id)}, token=staff_token))["linkageTask"] is None

    mine = (await graphql_data(client, CASES, token=staff_token))["enforcementCases"]
    assert mine["totalCount"] == 1 and mine["nodes"][0]["penaltyYuan"] == "12345.60"
    public = (await graphql_data(client, PUBLIC))["publicPenalties"]
    assert public == [
        {
            "unitName": unit.name,
            "legalBasis": "《排污许可管理条例》第三十四条",
            "decidedOn": today().isoformat(),
            "penaltyYuan": "12345.60",
        }
    ]
