"""Problems and rectification through GraphQL: the same use cases, permissions and errors as the portal
(docs/supervision.md, "Problems and rectification"). Queries: problems, rectificationItems, problem,
problemBoard. Mutations: one per step (raise from a record or by hand, require rectification, report
progress, verify, re-check, close, reopen), each answering with a payload whose ``errors`` name the field;
nothing is written when there are errors."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from domain.bounds import parse_id
from domain.errors import N_, DomainError, NotFound, reporting
from domain.pagination import Page
from domain.supervision.departments import department_label
from domain.supervision.problems import intake, queries, rules, service
from domain.supervision.problems.models import Problem as ProblemModel
from domain.supervision.problems.models import RectificationItem as ItemModel
from graphql_schema.closed_sets import (
    ProblemSourceKind,
    ProblemState,
    RectificationState,
    RectificationStepKind,
    VerificationMethod,
    VerificationOutcome,
)
from graphql_schema.errors import UserError, refused, user_errors
from graphql_schema.files import AttachmentContent, AttachmentInput, content_of, decoded
from graphql_schema.pagination import After, Before, First, Last, PageInfo, edges_of, page_window

BY_PROBLEM_ID = {"problem": "problemId"}
BY_ITEM_ID = {"item": "itemId"}


def _id(value: str, message: str, field: str) -> int:
    parsed = parse_id(value)
    if parsed is None:
        raise NotFound(message, field=field)
    return parsed


@strawberry.type(description="整改进度中的一项数据")
class ProgressFigure:
    name: str = strawberry.field(description="名称")
    value: float | None = strawberry.field(description="数值；未给出时为 null")
    unit: str = strawberry.field(description="计量单位")


@strawberry.type(description="整改进度附件（照片、扫描件）；下载地址仅对可查看该问题的用户有效")
class RectificationAttachment:
    id: strawberry.ID = strawberry.field(description="附件 ID")
    file_name: str = strawberry.field(description="上传时的文件名")
    media_type: str = strawberry.field(description="按内容判定的文件类型")
    size: int = strawberry.field(description="字节数")
    sha256: str = strawberry.field(description="文件的 SHA-256 摘要")
    url: str = strawberry.field(description="门户中的下载地址")


@strawberry.type(description="整改事项的一个步骤：下达、报送进度、核查、抽查复核、销号、重新开启；只增不改")
class RectificationStep:
    id: strawberry.ID = strawberry.field(description="步骤 ID")
    kind: RectificationStepKind = strawberry.field(
        description=(
            "步骤：required 下达 / progress 报送进度 / verification 核查 / recheck 抽查复核 / "
            "closure 销号 / reopening 重新开启"
        )
    )
    at: datetime = strawberry.field(description="服务器时间")
    actor: str = strawberry.field(description="经办人")
    on_behalf_of: str | None = strawberry.field(description="代为办理的第三方机构")
    department: str | None = strawberry.field(description="监管人员所在科室的名称")
    note: str = strawberry.field(description="说明或意见")
    month: str | None = strawberry.field(description="进度报送所属月份 YYYY-MM")
    figures: list[ProgressFigure] = strawberry.field(description="进度数据")
    method: VerificationMethod | None = strawberry.field(
        description="核查方式：on_site（现场核查）/ paper（非现场核查）；非核查步骤为 null"
    )
    outcome: VerificationOutcome | None = strawberry.field(
        description="核查或复核结果：passed 通过 / failed 不通过；其他步骤为 null"
    )
    sample: str = strawberry.field(description="抽查复核的对象（排放口、记录、设施）")
    deadline: date | None = strawberry.field(description="整改期限（下达或重新开启时）")
    state_after: RectificationState = strawberry.field(description="本步骤后的整改状态")
    attachments: list[RectificationAttachment] = strawberry.field(description="附件")


@strawberry.type(description="整改事项：整改措施、期限、单位责任人和状态")
class RectificationItem:
    id: strawberry.ID = strawberry.field(description="整改事项 ID")
    measures: str = strawberry.field(description="整改措施")
    deadline: date = strawberry.field(description="整改期限")
    responsible_person: str = strawberry.field(description="单位整改责任人")
    state: RectificationState = strawberry.field(
        description="rectifying（整改中）/ verified（已核查待销号）/ closed（已销号）"
    )
    overdue: bool = strawberry.field(description="是否逾期未整改")
    closed_at: datetime | None = strawberry.field(description="销号时间；未销号时为 null")

    @classmethod
    def from_model(cls, item: ItemModel, overdue: bool) -> RectificationItem:
        return cls(
            id=strawberry.ID(str(item.id)),
            measures=item.measures,
            deadline=item.deadline,
            responsible_person=item.responsible_person,
            state=RectificationState(item.state),
            overdue=overdue,
            closed_at=item.closed_at,
        )


@strawberry.type(description="问题：来源、单位、许可证、排放口、法律依据、证据和责任科室")
class Problem:
    id: strawberry.ID = strawberry.field(description="问题 ID")
    title: str = strawberry.field(description="问题标题")
    description: str = strawberry.field(description="问题描述")
    legal_basis: str = strawberry.field(description="法律依据（条款）")
    evidence: str = strawberry.field(description="证据")
    source_kind: ProblemSourceKind = strawberry.field(description="问题来源")
    source_ref: str = strawberry.field(description="来源记录的编号（同一来源只形成一个问题）")
    enterprise_name: str = strawberry.field(description="排污单位名称")
    permit_number: str | None = strawberry.field(description="许可证编号；与许可证无关时为 null")
    outlet_code: str | None = strawberry.field(description="排放口编号；与排放口无关时为 null")
    region_code: str = strawberry.field(description="行政区划代码")
    industry_code: str = strawberry.field(description="行业类别代码")
    department: str = strawberry.field(description="责任科室的名称")
    state: ProblemState = strawberry.field(
        description="open（待下达整改）/ rectifying / verified / closed / dismissed（核实不属实，已撤销）"
    )
    raised_at: datetime = strawberry.field(description="登记时间")
    raised_by: str = strawberry.field(description="登记人")
    closed_at: datetime | None = strawberry.field(description="销号或撤销的时间")
    dismissal_reason: str | None = strawberry.field(description="撤销（核实不属实）的理由；未撤销时为 null")
    rectification: RectificationItem | None = strawberry.field(
        description="整改事项；尚未下达整改要求时为 null"
    )
    steps: list[RectificationStep] = strawberry.field(description="整改的全部步骤，按时间顺序")

    @classmethod
    def from_row(cls, row: queries.ProblemRow, locale: str) -> Problem:
        return cls._build(
            row.problem, row.enterprise_name, row.permit_number, row.item, row.overdue, [], locale
        )

    @classmethod
    def from_page(cls, page: queries.ProblemPage, locale: str) -> Problem:
        steps = [
            RectificationStep(
                id=strawberry.ID(str(view.step.id)),
                kind=RectificationStepKind(view.step.kind),
                at=view.step.at,
                actor=view.step.actor,
                on_behalf_of=view.step.on_behalf_of,
                department=department_label(view.step.department, locale) if view.step.department else None,
                note=view.step.note,
                month=view.step.month,
                figures=[
                    ProgressFigure(
                        name=str(f.get("name", "")), value=f.get("value"), unit=str(f.get("unit", ""))
                    )
                    for f in view.step.figures
                ],
                method=VerificationMethod(view.step.method) if view.step.method else None,
                outcome=VerificationOutcome(view.step.outcome) if view.step.outcome else None,
                sample=view.step.sample,
                deadline=view.step.deadline,
                state_after=RectificationState(view.step.state_after),
                attachments=[
                    RectificationAttachment(
                        id=strawberry.ID(str(a.id)),
                        file_name=a.file_name,
                        media_type=a.media_type,
                        size=a.size,
                        sha256=a.sha256,
                        url=f"/supervision/files/{a.id}",
                    )
                    for a in view.attachments
                ],
            )
            for view in page.steps
        ]
        return cls._build(
            page.problem, page.enterprise.name, page.permit_number, page.item, page.overdue, steps, locale
        )

    @classmethod
    def _build(
        cls,
        problem: ProblemModel,
        enterprise_name: str,
        permit_number: str | None,
        item: ItemModel | None,
        overdue: bool,
        steps: list[RectificationStep],
        locale: str,
    ) -> Problem:
        return cls(
            id=strawberry.ID(str(problem.id)),
            title=problem.title,
            description=problem.description,
            legal_basis=problem.legal_basis,
            evidence=problem.evidence,
            source_kind=ProblemSourceKind(problem.source_kind),
            source_ref=problem.source_ref,
            enterprise_name=enterprise_name,
            permit_number=permit_number,
            outlet_code=problem.outlet_code,
            region_code=problem.region_code,
            industry_code=problem.industry_code,
            department=department_label(problem.department, locale),
            state=ProblemState(problem.state),
            raised_at=problem.raised_at,
            raised_by=problem.raised_by,
            closed_at=problem.closed_at,
            dismissal_reason=problem.dismissal_reason,
            rectification=RectificationItem.from_model(item, overdue) if item is not None else None,
            steps=steps,
        )


@strawberry.type(description="问题清单中的一条及其游标")
class ProblemEdge:
    cursor: str = strawberry.field(description="本条记录的游标")
    node: Problem = strawberry.field(description="问题")


@strawberry.type(description="一页问题（Relay 连接）")
class ProblemPage:
    total_count: int = strawberry.field(description="符合条件的问题总数")
    edges: list[ProblemEdge] = strawberry.field(description="本页问题")
    page_info: PageInfo = strawberry.field(description="分页信息")
    end_cursor: str | None = strawberry.field(
        description="本页最后一条记录的游标", deprecation_reason="改用 pageInfo.endCursor。"
    )
    has_next_page: bool = strawberry.field(
        description="是否还有下一页", deprecation_reason="改用 pageInfo.hasNextPage。"
    )
    nodes: list[Problem] = strawberry.field(
        description="本页问题", deprecation_reason="改用 edges { node }。"
    )


@strawberry.type(description="清零看板的一行")
class BoardRow:
    key: str = strawberry.field(description="辖区代码、科室或行业代码")
    label: str = strawberry.field(description="辖区、科室或行业的名称")
    open: int = strawberry.field(description="未销号的问题")
    overdue: int = strawberry.field(description="逾期未整改的事项")
    closed_this_month: int = strawberry.field(description="本月销号的问题")
    closed: int = strawberry.field(description="累计销号的问题")
    average_days_to_close: float | None = strawberry.field(
        description="从发现到销号的平均天数；尚无销号问题时为 null"
    )

    @classmethod
    def from_row(cls, row: queries.BoardRow) -> BoardRow:
        return cls(
            key=row.key,
            label=row.label,
            open=row.open,
            overdue=row.overdue,
            closed_this_month=row.closed_this_month,
            closed=row.closed,
            average_days_to_close=row.average_days_to_close,
        )


@strawberry.type(description="限期整改清零看板（行动方案（五））")
class ProblemBoard:
    by: str = strawberry.field(description="统计维度：region / department / industry")
    month_start: date = strawberry.field(description="本月第一天（本月销号的起算日）")
    total: BoardRow = strawberry.field(description="合计")
    rows: list[BoardRow] = strawberry.field(description="各辖区、科室或行业")


def _page(page: Page[queries.ProblemRow], locale: str) -> ProblemPage:
    nodes = [Problem.from_row(row, locale) for row in page.items]
    return ProblemPage(
        total_count=page.total,
        edges=edges_of(page, nodes, ProblemEdge),
        page_info=PageInfo.from_page(page),
        has_next_page=page.has_next,
        end_cursor=page.end_cursor,
        nodes=nodes,
    )


@strawberry.type
class ProblemQuery:
    @strawberry.field(description="问题清单：监管部门看本辖区，排污单位看本单位；逾期在前")
    async def problems(
        self,
        info: strawberry.Info,
        state: Annotated[
            str,
            strawberry.argument(
                description="unclosed（未销号，默认）/ open / rectifying / verified / closed / dismissed"
            ),
        ] = "unclosed",
        department: Annotated[str, strawberry.argument(description="责任科室（角色代码）；不填为全部")] = "",
        source_kind: Annotated[
            str,
            strawberry.argument(description="问题来源（ProblemSourceKind 的值，如 complaint）；不填为全部"),
        ] = "",
        overdue: Annotated[bool, strawberry.argument(description="仅列逾期未整改的问题")] = False,
        enterprise: Annotated[
            str, strawberry.argument(description="单位名称或统一社会信用代码的一部分")
        ] = "",
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> ProblemPage:
        context = info.context
        try:
            async with context.read() as session:
                page = await queries.problems(
                    session,
                    context.actor,
                    state=state,
                    department=department,
                    source_kind=source_kind,
                    overdue=overdue,
                    enterprise=enterprise,
                    window=page_window(first, after, last, before),
                )
        except DomainError as error:
            raise refused(error, context.locale) from None
        return _page(page, context.locale)

    @strawberry.field(description="整改事项（本单位或委托机构）：整改中的按期限先后，再是待销号的")
    async def rectification_items(
        self,
        info: strawberry.Info,
        include_closed: Annotated[bool, strawberry.argument(description="是否包括已销号的事项")] = False,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> ProblemPage:
        context = info.context
        try:
            async with context.read() as session:
                page = await queries.rectification_items(
                    session,
                    context.actor,
                    include_closed=include_closed,
                    window=page_window(first, after, last, before),
                )
        except DomainError as error:
            raise refused(error, context.locale) from None
        return _page(page, context.locale)

    @strawberry.field(description="一个问题及其整改的全部步骤；不存在或无权查看时为 null")
    async def problem(
        self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="问题 ID")]
    ) -> Problem | None:
        context = info.context
        try:
            async with context.read() as session:
                page = await queries.problem_page(
                    session, context.actor, problem_id=_id(id, N_("No such problem."), "problem")
                )
        except NotFound:
            return None  # unknown, or not the caller's to see: one answer (no existence leak)
        except DomainError as error:
            raise refused(error, context.locale, rename={"problem": "id"}) from None
        return Problem.from_page(page, context.locale)

    @strawberry.field(description="整改进度附件的内容（可查看该问题的用户）；不存在或无权查看时为 null")
    async def rectification_attachment(
        self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="附件 ID")]
    ) -> AttachmentContent | None:
        context = info.context
        try:
            async with context.read() as session:
                found = await queries.attachment(
                    session, context.actor, attachment_id=_id(id, N_("No such file."), "attachment")
                )
        except NotFound:
            return None  # unknown, or not the caller's to see: one answer (no existence leak)
        except DomainError as error:
            raise refused(error, context.locale, rename={"attachment": "id"}) from None
        return content_of(
            found.id, found.file_name, found.media_type, found.sha256, queries.attachment_content(found)
        )

    @strawberry.field(description="清零看板：按辖区（region）、科室（department）或行业（industry）统计")
    async def problem_board(
        self,
        info: strawberry.Info,
        by: Annotated[
            str,
            strawberry.argument(
                description="统计维度：region（辖区，默认）/ department（科室）/ industry（行业）"
            ),
        ] = "region",
    ) -> ProblemBoard:
        context = info.context
        try:
            async with context.read() as session:
                board = await queries.board(session, context.actor, by=by, locale=context.locale)
        except DomainError as error:
            raise refused(error, context.locale) from None
        return ProblemBoard(
            by=board.by,
            month_start=board.month_start,
            total=BoardRow.from_row(board.total),
            rows=[BoardRow.from_row(row) for row in board.rows],
        )


@strawberry.input(description="整改要求")
class RectificationInput:
    measures: str = strawberry.field(description="整改措施")
    deadline: date = strawberry.field(description="整改期限（不早于今天，最长两年）")
    responsible_person: str = strawberry.field(description="单位整改责任人")

    def to_domain(self) -> rules.RectificationInput:
        return rules.RectificationInput(self.measures, self.deadline, self.responsible_person)


@strawberry.input(description="问题的表述；来源记录已有的内容可不填（沿用来源的建议）")
class ProblemWordingInput:
    title: str | None = strawberry.field(default=None, description="问题标题")
    description: str | None = strawberry.field(default=None, description="问题描述")
    legal_basis: str | None = strawberry.field(default=None, description="法律依据（条款）")
    evidence: str | None = strawberry.field(default=None, description="证据")
    department: str | None = strawberry.field(default=None, description="责任科室（角色代码，如 ecology）")
    outlet_code: str | None = strawberry.field(default=None, description="排放口编号")
    rectification: RectificationInput | None = strawberry.field(
        default=None, description="同时下达的整改要求"
    )

    def to_domain(self) -> intake.Wording:
        return intake.Wording(
            title=self.title,
            description=self.description,
            legal_basis=self.legal_basis,
            evidence=self.evidence,
            department=self.department,
            outlet_code=self.outlet_code,
            rectification=self.rectification.to_domain() if self.rectification else None,
        )


@strawberry.input(description="进度中的一项数据")
class ProgressFigureInput:
    name: str = strawberry.field(description="名称")
    value: float = strawberry.field(description="数值")
    unit: str = strawberry.field(default="", description="计量单位")


@strawberry.type(description="问题操作的结果")
class ProblemPayload:
    problem: Problem | None = strawberry.field(description="办理后的问题；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


async def _problem_result(session: object, context: object, problem_id: int) -> Problem:
    page = await queries.problem_page(session, context.actor, problem_id=problem_id)  # type: ignore[arg-type, attr-defined]
    return Problem.from_page(page, context.locale)  # type: ignore[attr-defined]


@strawberry.type
class ProblemMutation:
    @strawberry.mutation(
        description=(
            "把审核发现（audit_finding）、问题反馈意见（feedback_item）或超标记录（exceedance）转为问题（辖区监管部门）；"
            "同一来源只形成一个问题，重复提交返回原问题。"
        )
    )
    async def raise_problem_from_record(
        self,
        info: strawberry.Info,
        source_kind: Annotated[
            str, strawberry.argument(description="来源类型：audit_finding、feedback_item 或 exceedance")
        ],
        source_id: Annotated[strawberry.ID, strawberry.argument(description="来源记录的 ID")],
        wording: Annotated[ProblemWordingInput, strawberry.argument(description="问题的表述")],
    ) -> ProblemPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                problem = await intake.raise_from_record(
                    session,
                    context.actor,
                    source_kind=source_kind,
                    source_id=_id(source_id, N_("No such record."), "source_id"),
                    wording=wording.to_domain(),
                    locale=context.locale,
                )
                result = await _problem_result(session, context, problem.id or 0)
        except DomainError as error:
            return ProblemPayload(problem=None, errors=user_errors(error, context.locale))
        return ProblemPayload(problem=result, errors=[])

    @strawberry.mutation(
        description=(
            "登记监管人员发现的问题、信访投诉或纸质记录的检查、监测结果（辖区监管部门）；"
            "requestKey 由客户端生成，同一 requestKey 只登记一次。"
        )
    )
    async def raise_problem(
        self,
        info: strawberry.Info,
        source_kind: Annotated[
            str, strawberry.argument(description="问题来源（ProblemSourceKind 的值，如 complaint）")
        ],
        request_key: Annotated[
            str, strawberry.argument(description="客户端生成的请求键：同一请求键只登记一次")
        ],
        credit_code: Annotated[str, strawberry.argument(description="统一社会信用代码")],
        wording: Annotated[ProblemWordingInput, strawberry.argument(description="问题的表述")],
        permit_number: Annotated[str, strawberry.argument(description="许可证编号（可选）")] = "",
    ) -> ProblemPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                problem = await intake.raise_by_hand(
                    session,
                    context.actor,
                    source_kind=source_kind,
                    request_key=request_key,
                    credit_code=credit_code,
                    permit_number=permit_number,
                    wording=wording.to_domain(),
                )
                result = await _problem_result(session, context, problem.id or 0)
        except DomainError as error:
            return ProblemPayload(problem=None, errors=user_errors(error, context.locale))
        return ProblemPayload(problem=result, errors=[])

    @strawberry.mutation(description="对尚未下达整改要求的问题下达整改要求（辖区监管部门）")
    async def require_rectification(
        self,
        info: strawberry.Info,
        problem_id: Annotated[strawberry.ID, strawberry.argument(description="问题 ID")],
        rectification: Annotated[RectificationInput, strawberry.argument(description="整改要求")],
    ) -> ProblemPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                item = await service.require_rectification(
                    session,
                    context.actor,
                    problem_id=_id(problem_id, N_("No such problem."), "problem"),
                    data=rectification.to_domain(),
                )
                result = await _problem_result(session, context, item.problem_id)
        except DomainError as error:
            return ProblemPayload(
                problem=None, errors=user_errors(error, context.locale, rename=BY_PROBLEM_ID)
            )
        return ProblemPayload(problem=result, errors=[])

    @strawberry.mutation(
        description=(
            "撤销核实不属实的问题（辖区监管部门）：须写明理由，仅限尚未下达整改要求的问题；"
            "责任科室和单位收到通知。"
        )
    )
    async def dismiss_problem(
        self,
        info: strawberry.Info,
        problem_id: Annotated[strawberry.ID, strawberry.argument(description="问题 ID")],
        reason: Annotated[str, strawberry.argument(description="撤销理由")],
    ) -> ProblemPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                problem = await service.dismiss_problem(
                    session,
                    context.actor,
                    problem_id=_id(problem_id, N_("No such problem."), "problem"),
                    reason=reason,
                )
                result = await _problem_result(session, context, problem.id or 0)
        except DomainError as error:
            return ProblemPayload(
                problem=None, errors=user_errors(error, context.locale, rename=BY_PROBLEM_ID)
            )
        return ProblemPayload(problem=result, errors=[])

    @strawberry.mutation(description="报送本月整改进度（本单位或其委托的第三方机构）：说明、数据和附件")
    async def report_rectification_progress(
        self,
        info: strawberry.Info,
        item_id: Annotated[strawberry.ID, strawberry.argument(description="整改事项 ID")],
        text: Annotated[str, strawberry.argument(description="进度说明")],
        figures: Annotated[
            list[ProgressFigureInput] | None, strawberry.argument(description="进度数据")
        ] = None,
        attachments: Annotated[
            list[AttachmentInput] | None, strawberry.argument(description="附件（照片、扫描件）")
        ] = None,
    ) -> ProblemPayload:
        context = info.context
        files, problems = decoded(attachments)
        data = rules.ProgressInput(
            text=text,
            figures=[rules.Figure(f.name, f.value, f.unit) for f in figures or []],
            attachments=files,
        )
        try:
            async with context.transaction() as session, reporting(problems):
                step = await service.report_progress(
                    session,
                    context.actor,
                    item_id=_id(item_id, N_("No such rectification item."), "item"),
                    data=data,
                )
                result = await _problem_of_step(session, context, step.item_id)
        except DomainError as error:
            return ProblemPayload(problem=None, errors=user_errors(error, context.locale, rename=BY_ITEM_ID))
        return ProblemPayload(problem=result, errors=[])

    @strawberry.mutation(
        description="核查整改情况（辖区监管部门）：现场（on_site）或非现场（paper），通过或不通过"
    )
    async def verify_rectification(
        self,
        info: strawberry.Info,
        item_id: Annotated[strawberry.ID, strawberry.argument(description="整改事项 ID")],
        method: Annotated[str, strawberry.argument(description="on_site（现场核查）/ paper（非现场核查）")],
        outcome: Annotated[str, strawberry.argument(description="passed（通过）/ failed（不通过）")],
        note: Annotated[str, strawberry.argument(description="核查意见")],
    ) -> ProblemPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                step = await service.verify_rectification(
                    session,
                    context.actor,
                    item_id=_id(item_id, N_("No such rectification item."), "item"),
                    method=method,
                    outcome=outcome,
                    note=note,
                )
                result = await _problem_of_step(session, context, step.item_id)
        except DomainError as error:
            return ProblemPayload(problem=None, errors=user_errors(error, context.locale, rename=BY_ITEM_ID))
        return ProblemPayload(problem=result, errors=[])

    @strawberry.mutation(description="抽查复核已核查或已销号的事项（辖区监管部门）；不通过则退回整改")
    async def recheck_rectification(
        self,
        info: strawberry.Info,
        item_id: Annotated[strawberry.ID, strawberry.argument(description="整改事项 ID")],
        sample: Annotated[str, strawberry.argument(description="抽查的对象（排放口、记录、设施）")],
        outcome: Annotated[str, strawberry.argument(description="passed（通过）/ failed（不通过）")],
        note: Annotated[str, strawberry.argument(description="复核意见")] = "",
    ) -> ProblemPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                step = await service.recheck_rectification(
                    session,
                    context.actor,
                    item_id=_id(item_id, N_("No such rectification item."), "item"),
                    sample=sample,
                    outcome=outcome,
                    note=note,
                )
                result = await _problem_of_step(session, context, step.item_id)
        except DomainError as error:
            return ProblemPayload(problem=None, errors=user_errors(error, context.locale, rename=BY_ITEM_ID))
        return ProblemPayload(problem=result, errors=[])

    @strawberry.mutation(description="销号（辖区监管部门）：仅限已核查通过的事项")
    async def close_rectification(
        self,
        info: strawberry.Info,
        item_id: Annotated[strawberry.ID, strawberry.argument(description="整改事项 ID")],
        note: Annotated[str, strawberry.argument(description="备注")] = "",
    ) -> ProblemPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                step = await service.close_rectification(
                    session,
                    context.actor,
                    item_id=_id(item_id, N_("No such rectification item."), "item"),
                    note=note,
                )
                result = await _problem_of_step(session, context, step.item_id)
        except DomainError as error:
            return ProblemPayload(problem=None, errors=user_errors(error, context.locale, rename=BY_ITEM_ID))
        return ProblemPayload(problem=result, errors=[])

    @strawberry.mutation(description="重新开启已核查或已销号的事项（辖区监管部门）：说明原因并规定新的期限")
    async def reopen_rectification(
        self,
        info: strawberry.Info,
        item_id: Annotated[strawberry.ID, strawberry.argument(description="整改事项 ID")],
        reason: Annotated[str, strawberry.argument(description="重新开启的原因")],
        deadline: Annotated[date, strawberry.argument(description="新的整改期限")],
    ) -> ProblemPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                step = await service.reopen_rectification(
                    session,
                    context.actor,
                    item_id=_id(item_id, N_("No such rectification item."), "item"),
                    reason=reason,
                    deadline=deadline,
                )
                result = await _problem_of_step(session, context, step.item_id)
        except DomainError as error:
            return ProblemPayload(problem=None, errors=user_errors(error, context.locale, rename=BY_ITEM_ID))
        return ProblemPayload(problem=result, errors=[])


async def _problem_of_step(session: object, context: object, item_id: int) -> Problem:
    problem_id = await queries.problem_of_item(session, context.actor, item_id=item_id)  # type: ignore[arg-type, attr-defined]
    return await _problem_result(session, context, problem_id)
