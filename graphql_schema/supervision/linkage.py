"""Three-supervision linkage (三监联动, PT §8, annexes 4-5) in the API: the tasks (a department's queue and
the jurisdiction's lists), one task with its trace, and a mutation per step; each mutation calls the one
use case the portal calls, and its payload's ``errors`` name the fields."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import strawberry

from domain.bounds import parse_id
from domain.errors import N_, DomainError, NotFound
from domain.pagination import Page
from domain.supervision.departments import department_label
from domain.supervision.linkage import queries, service
from domain.supervision.linkage.models import LinkageStep as StepModel
from domain.supervision.linkage.queries import TaskPage, TaskRow
from domain.supervision.linkage.rules import StepInput, TaskInput
from graphql_schema.closed_sets import LinkageStage, LinkageStepKind, LinkageTaskKind
from graphql_schema.errors import UserError, refused, user_errors
from graphql_schema.pagination import After, Before, First, Last, PageInfo, page_window

TaskId = Annotated[strawberry.ID, strawberry.argument(description="联动任务编号")]
BY_TASK_ID = {"task": "taskId"}


def _task_id(value: str) -> int:
    parsed = parse_id(value)
    if parsed is None:
        raise NotFound(N_("No such linkage task."), field="task")
    return parsed


@strawberry.type(description="联动任务的一个接收部门及其办理进度")
class LinkageReceiver:
    department: str = strawberry.field(description="部门（角色代码，如 monitoring_station）")
    department_name: str = strawberry.field(description="部门名称")
    stage: LinkageStage = strawberry.field(
        description="进度：sent 已发送、received 已接收、executed 已执行、fed_back 已反馈"
    )
    overdue: bool = strawberry.field(description="超过反馈期限仍未反馈")


@strawberry.type(description="联动任务的一个环节（发起、接收、执行、反馈、归档），按转办单的栏目记录")
class LinkageStep:
    kind: LinkageStepKind = strawberry.field(
        description="环节：initiate 发起 / receive 接收 / execute 执行 / feedback 反馈 / archive 归档"
    )
    department: str = strawberry.field(description="办理部门（角色代码）")
    department_name: str = strawberry.field(description="办理部门名称")
    text: str = strawberry.field(description="问题描述、接收与执行情况、结果反馈或归档说明")
    handler: str = strawberry.field(description="经办人")
    responsible_person: str = strawberry.field(description="负责人")
    done_on: date = strawberry.field(description="日期")
    remarks: str = strawberry.field(description="备注")
    via_sheet: bool = strawberry.field(description="由线下转办单录入")
    entered_at: datetime = strawberry.field(description="录入时间（服务器时间）")
    entered_by: str = strawberry.field(description="录入账号")

    @classmethod
    def from_model(cls, step: StepModel) -> LinkageStep:
        return cls(
            kind=LinkageStepKind(step.kind),
            department=step.department,
            department_name=department_label(step.department),
            text=step.text,
            handler=step.handler,
            responsible_person=step.responsible_person,
            done_on=step.done_on,
            remarks=step.remarks,
            via_sheet=step.via_sheet,
            entered_at=step.created_at,
            entered_by=step.created_by,
        )


@strawberry.type(description="三监联动任务（PT §8）")
class LinkageTask:
    id: strawberry.ID = strawberry.field(description="任务编号")
    kind: LinkageTaskKind = strawberry.field(
        description="general 一般、unpermitted 应发未发、unregistered 应登未登、permit_wrong 许可不符"
    )
    department: str = strawberry.field(description="发起部门（角色代码）")
    department_name: str = strawberry.field(description="发起部门名称")
    unit_name: str = strawberry.field(description="单位名称")
    permit_number: str | None = strawberry.field(description="许可证编号")
    outlet_code: str | None = strawberry.field(description="排放口编号")
    problem_id: strawberry.ID | None = strawberry.field(description="来源问题编号")
    description: str = strawberry.field(description="问题描述")
    requested_action: str = strawberry.field(description="需要联动的内容")
    handler: str = strawberry.field(description="经办人")
    responsible_person: str = strawberry.field(description="负责人")
    initiated_on: date = strawberry.field(description="发起日期")
    due_on: date = strawberry.field(description="反馈期限")
    remarks: str = strawberry.field(description="备注")
    via_sheet: bool = strawberry.field(description="由线下转办单录入")
    archived_at: datetime | None = strawberry.field(description="归档时间；未归档为 null")
    overdue: bool = strawberry.field(description="有接收部门超过反馈期限仍未反馈")
    ready_to_archive: bool = strawberry.field(description="各接收部门均已反馈、待审批科归档")
    receivers: list[LinkageReceiver] = strawberry.field(description="接收部门及进度")
    steps: list[LinkageStep] | None = strawberry.field(
        description="全部环节（查询单个任务时提供；列表中为 null）"
    )

    @classmethod
    def from_row(cls, row: TaskRow, steps: list[StepModel] | None = None) -> LinkageTask:
        task = row.task
        return cls(
            id=strawberry.ID(str(task.id)),
            kind=LinkageTaskKind(task.kind),
            department=task.department,
            department_name=department_label(task.department),
            unit_name=task.unit_name,
            permit_number=row.permit_number or None,
            outlet_code=task.outlet_code or None,
            problem_id=strawberry.ID(str(task.problem_id)) if task.problem_id else None,
            description=task.description,
            requested_action=task.requested_action,
            handler=task.handler,
            responsible_person=task.responsible_person,
            initiated_on=task.initiated_on,
            due_on=task.due_on,
            remarks=task.remarks,
            via_sheet=task.via_sheet,
            archived_at=task.archived_at,
            overdue=row.overdue,
            ready_to_archive=row.ready_to_archive,
            receivers=[
                LinkageReceiver(
                    department=r.department,
                    department_name=department_label(r.department),
                    stage=LinkageStage(r.stage),
                    overdue=r.overdue,
                )
                for r in row.receivers
            ],
            steps=[LinkageStep.from_model(s) for s in steps] if steps is not None else None,
        )

    @classmethod
    def from_page(cls, page: TaskPage) -> LinkageTask:
        return cls.from_row(page.row, page.steps)


@strawberry.type(description="联动任务分页列表边")
class LinkageTaskEdge:
    cursor: str = strawberry.field(description="游标")
    node: LinkageTask = strawberry.field(description="任务")


@strawberry.type(description="联动任务分页列表（Relay 连接）")
class LinkageTaskConnection:
    edges: list[LinkageTaskEdge] = strawberry.field(description="本页记录")
    page_info: PageInfo = strawberry.field(description="分页信息")
    total_count: int = strawberry.field(description="符合条件的记录总数")

    @classmethod
    def from_page(cls, page: Page[TaskRow]) -> LinkageTaskConnection:
        return cls(
            edges=[
                LinkageTaskEdge(cursor=page.cursor_at(i), node=LinkageTask.from_row(row))
                for i, row in enumerate(page.items)
            ],
            page_info=PageInfo.from_page(page),
            total_count=page.total,
        )


@strawberry.input(description="发起联动任务（转办单“任务发起”栏）")
class InitiateLinkageTaskInput:
    description: str = strawberry.field(description="问题描述：缘由与发现的问题")
    requested_action: str = strawberry.field(description="需要联动的内容")
    receivers: list[str] = strawberry.field(description="接收部门（角色代码，一个或多个，不含本部门）")
    handler: str = strawberry.field(description="经办人")
    responsible_person: str = strawberry.field(description="负责人")
    initiated_on: date = strawberry.field(description="发起日期（不晚于今天）")
    due_on: date = strawberry.field(description="反馈期限（不早于发起日期）")
    credit_code: str = strawberry.field(default="", description="单位统一社会信用代码（已登记单位）")
    unit_name: str = strawberry.field(default="", description="单位名称（未登记的单位，如无证排污单位）")
    permit_number: str = strawberry.field(default="", description="许可证编号（可选）")
    outlet_code: str = strawberry.field(default="", description="排放口编号（可选）")
    remarks: str = strawberry.field(default="", description="备注")
    department: str = strawberry.field(
        default="",
        description="发起部门：监管人员为本部门（可留空）；系统管理员、录入线下转办单的审批科须填写",
    )
    problem_id: strawberry.ID | None = strawberry.field(default=None, description="来源问题编号（可选）")
    via_sheet: bool = strawberry.field(default=False, description="由线下转办单录入")

    def to_domain(self) -> TaskInput:
        problem_id = None
        if self.problem_id is not None:
            problem_id = parse_id(self.problem_id)
            if problem_id is None:
                problem_id = 0  # names no problem: refused by the use case with the other fields
        return TaskInput(
            description=self.description,
            requested_action=self.requested_action,
            receivers=tuple(self.receivers),
            handler=self.handler,
            responsible_person=self.responsible_person,
            initiated_on=self.initiated_on,
            due_on=self.due_on,
            credit_code=self.credit_code,
            unit_name=self.unit_name,
            permit_number=self.permit_number,
            outlet_code=self.outlet_code,
            remarks=self.remarks,
            department=self.department,
            problem_id=problem_id,
            via_sheet=self.via_sheet,
        )


@strawberry.input(description="办理一个环节（转办单的一行）：情况、经办人、负责人、日期、备注")
class LinkageStepInput:
    text: str = strawberry.field(default="", description="接收与执行情况、结果反馈或归档说明（接收时可留空）")
    handler: str = strawberry.field(description="经办人")
    responsible_person: str = strawberry.field(description="负责人")
    done_on: date = strawberry.field(description="日期（不晚于今天、不早于发起日期）")
    remarks: str = strawberry.field(default="", description="备注")
    via_sheet: bool = strawberry.field(default=False, description="由线下转办单录入（仅审批科，须指明部门）")

    def to_domain(self) -> StepInput:
        return StepInput(
            text=self.text,
            handler=self.handler,
            responsible_person=self.responsible_person,
            done_on=self.done_on,
            remarks=self.remarks,
            via_sheet=self.via_sheet,
        )


@strawberry.type(description="联动任务操作的结果")
class LinkageTaskPayload:
    task: LinkageTask | None = strawberry.field(description="办理后的任务（含全部环节）；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


Department = Annotated[
    str,
    strawberry.argument(
        description="办理的接收部门：监管人员为本部门（可留空）；系统管理员、录入转办单的审批科须填写"
    ),
]


@strawberry.type
class LinkageQuery:
    @strawberry.field(
        description=(
            "三监联动任务列表。view：mine 本部门待办（审批科另含待归档）、open 未归档、overdue 逾期、"
            "archived 已归档、all 全部。辖区监管人员可见本辖区任务；企业和第三方机构无权查看（空列表）。"
        )
    )
    async def linkage_tasks(
        self,
        info: strawberry.Info,
        view: Annotated[
            str,
            strawberry.argument(
                description="范围：mine 本部门待办 / open 未归档 / overdue 逾期 / archived 已归档 / all 全部"
            ),
        ] = "mine",
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> LinkageTaskConnection:
        context = info.context
        try:
            async with context.read() as session:
                page = await queries.task_list(
                    session,
                    context.actor,
                    view=view,
                    window=page_window(first, after, last, before),
                )
        except DomainError as error:
            raise refused(error, context.locale) from None
        return LinkageTaskConnection.from_page(page)

    @strawberry.field(description="一项联动任务及其全部环节；不存在或无权查看时为 null")
    async def linkage_task(self, info: strawberry.Info, id: TaskId) -> LinkageTask | None:
        context = info.context
        try:
            async with context.read() as session:
                page = await queries.task_page(session, context.actor, task_id=_task_id(id))
        except NotFound:
            return None
        except DomainError as error:
            raise refused(error, context.locale) from None
        return LinkageTask.from_page(page)


async def _result(info: strawberry.Info, task_id: int, run: Any) -> LinkageTaskPayload:
    context = info.context
    try:
        async with context.transaction() as session:
            await run(session)
            page = await queries.task_page(session, context.actor, task_id=task_id)
    except DomainError as error:
        return LinkageTaskPayload(task=None, errors=user_errors(error, context.locale, rename=BY_TASK_ID))
    return LinkageTaskPayload(task=LinkageTask.from_page(page), errors=[])


async def _step(
    info: strawberry.Info, use_case: Any, task_id: str, department: str, input: LinkageStepInput
) -> LinkageTaskPayload:
    try:
        parsed = _task_id(task_id)
    except DomainError as error:
        return LinkageTaskPayload(
            task=None, errors=user_errors(error, info.context.locale, rename=BY_TASK_ID)
        )
    return await _result(
        info,
        parsed,
        lambda session: use_case(
            session, info.context.actor, task_id=parsed, department=department, data=input.to_domain()
        ),
    )


@strawberry.type
class LinkageMutation:
    @strawberry.mutation(
        description=(
            "发起联动任务并发送给一个或多个部门（PT §8）；各接收部门的人员即时收到通知。"
            "任一字段有误时一次列出全部错误，不写入任何数据。"
        )
    )
    async def initiate_linkage_task(
        self,
        info: strawberry.Info,
        input: Annotated[InitiateLinkageTaskInput, strawberry.argument(description="联动任务")],
    ) -> LinkageTaskPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                task = await service.initiate_task(session, context.actor, data=input.to_domain())
                page = await queries.task_page(session, context.actor, task_id=task.id or 0)
        except DomainError as error:
            return LinkageTaskPayload(task=None, errors=user_errors(error, context.locale))
        return LinkageTaskPayload(task=LinkageTask.from_page(page), errors=[])

    @strawberry.mutation(description="接收联动任务（本部门的环节）。")
    async def receive_linkage_task(
        self,
        info: strawberry.Info,
        task_id: TaskId,
        input: Annotated[LinkageStepInput, strawberry.argument(description="任务和本部门的环节")],
        department: Department = "",
    ) -> LinkageTaskPayload:
        return await _step(info, service.receive_task, task_id, department, input)

    @strawberry.mutation(description="填写本部门的接收与执行情况；尚未接收的任务同时接收。")
    async def record_linkage_execution(
        self,
        info: strawberry.Info,
        task_id: TaskId,
        input: Annotated[LinkageStepInput, strawberry.argument(description="任务和本部门的执行情况")],
        department: Department = "",
    ) -> LinkageTaskPayload:
        return await _step(info, service.record_execution, task_id, department, input)

    @strawberry.mutation(description="向发起部门反馈结果（须先填写执行情况）；全部部门反馈后通知审批科归档。")
    async def feed_back_linkage_task(
        self,
        info: strawberry.Info,
        task_id: TaskId,
        input: Annotated[LinkageStepInput, strawberry.argument(description="任务和反馈内容")],
        department: Department = "",
    ) -> LinkageTaskPayload:
        return await _step(info, service.feed_back, task_id, department, input)

    @strawberry.mutation(description="审批科归档联动任务（各接收部门均已反馈后）。")
    async def archive_linkage_task(
        self,
        info: strawberry.Info,
        task_id: TaskId,
        input: Annotated[LinkageStepInput, strawberry.argument(description="任务和归档意见")],
    ) -> LinkageTaskPayload:
        try:
            parsed = _task_id(task_id)
        except DomainError as error:
            return LinkageTaskPayload(
                task=None, errors=user_errors(error, info.context.locale, rename=BY_TASK_ID)
            )
        return await _result(
            info,
            parsed,
            lambda session: service.archive_task(
                session, info.context.actor, task_id=parsed, data=input.to_domain()
            ),
        )
