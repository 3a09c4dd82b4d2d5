"""Enforcement in the API: the leads inbox, cases (a unit sees its own), one case with its steps and
documents, the public penalties (M48 §39; AP (7)), and a mutation per step calling the use case the portal
calls; payload ``errors`` name the fields."""

from __future__ import annotations

import binascii
from base64 import b64decode
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from domain.bounds import parse_id
from domain.errors import N_, DomainError, FieldError, NotFound, reporting
from domain.pagination import Page
from domain.supervision.cases import queries, service
from domain.supervision.cases.queries import CasePage, CaseRow, LeadRow, PublicPenalty
from domain.supervision.cases.rules import CaseInput, DecisionInput, DocumentInput
from graphql_schema.closed_sets import (
    CaseClassification,
    CaseDocumentKind,
    CaseStatus,
    CaseStepKind,
    ReportKindValue,
)
from graphql_schema.errors import UserError, refused, user_errors
from graphql_schema.pagination import After, Before, First, Last, PageInfo, edges_of, page_window

CaseId = Annotated[strawberry.ID, strawberry.argument(description="案件编号")]
BY_CASE_ID = {"case": "caseId"}
BY_LEAD_ID = {"lead": "leadId"}


def _yuan(cents: int | None) -> Decimal | None:
    """Fen as yuan with two decimals (12345.60, not 12345.6)."""
    return None if cents is None else (Decimal(cents) / 100).quantize(Decimal("0.01"))


def _id(value: str, message: str, field: str) -> int:
    parsed = parse_id(value)
    if parsed is None:
        raise NotFound(message, field=field)
    return parsed


@strawberry.type(description="违法线索（执行报告审核中发现的违法问题或逾期未答复的问题）")
class EnforcementLead:
    id: strawberry.ID = strawberry.field(description="线索编号")
    unit_name: str = strawberry.field(description="单位名称")
    permit_number: str = strawberry.field(description="许可证编号")
    report_kind: ReportKindValue = strawberry.field(description="来源报告类别")
    report_period: str = strawberry.field(description="来源报告期")
    description: str = strawberry.field(description="线索内容")
    received_at: datetime = strawberry.field(description="产生时间")

    @classmethod
    def from_row(cls, row: LeadRow) -> EnforcementLead:
        return cls(
            id=strawberry.ID(str(row.lead.id)),
            unit_name=row.unit_name,
            permit_number=row.permit_number,
            report_kind=ReportKindValue(row.report_kind),
            report_period=row.report_period,
            description=row.lead.description,
            received_at=row.lead.created_at,
        )


@strawberry.type(description="本页线索中的一条及其游标")
class EnforcementLeadEdge:
    cursor: str = strawberry.field(description="本条记录的游标")
    node: EnforcementLead = strawberry.field(description="记录")


@strawberry.type(description="违法线索分页列表")
class EnforcementLeadConnection:
    edges: list[EnforcementLeadEdge] = strawberry.field(description="本页线索（Relay 边：游标和记录）")
    nodes: list[EnforcementLead] = strawberry.field(
        description="本页线索", deprecation_reason="改用 edges { node }。"
    )
    page_info: PageInfo = strawberry.field(description="分页信息")
    total_count: int = strawberry.field(description="待处理线索总数")


@strawberry.type(description="案件文书（元数据；内容经门户下载）")
class CaseDocument:
    id: strawberry.ID = strawberry.field(description="文书编号")
    kind: CaseDocumentKind = strawberry.field(
        description="record 笔录、notice 告知书、decision 处罚决定书、evidence 证据、other 其他"
    )
    file_name: str = strawberry.field(description="文件名")
    media_type: str = strawberry.field(description="文件类型")
    size: int = strawberry.field(description="字节数")
    sha256: str = strawberry.field(description="SHA-256 摘要")


@strawberry.type(description="案件的一个步骤（立案、决定、结案、文书）")
class CaseStep:
    kind: CaseStepKind = strawberry.field(
        description="步骤：open 立案 / decide 决定 / close 结案 / document 文书"
    )
    entered_at: datetime = strawberry.field(description="录入时间（服务器时间）")
    entered_by: str = strawberry.field(description="录入账号")


@strawberry.type(description="执法案件")
class EnforcementCase:
    id: strawberry.ID = strawberry.field(description="案件编号")
    case_number: str | None = strawberry.field(description="处罚决定书文号")
    unit_name: str = strawberry.field(description="单位名称")
    permit_number: str | None = strawberry.field(description="许可证编号")
    outlet_code: str | None = strawberry.field(description="排放口编号")
    classification: CaseClassification = strawberry.field(
        description="without_permit 无证排污、against_permit 不按证排污、other 其他"
    )
    facts: str = strawberry.field(description="违法事实")
    legal_basis: str = strawberry.field(description="法律依据（条款）")
    status: CaseStatus = strawberry.field(description="open 调查中、decided 已决定、closed 已结案")
    opened_on: date = strawberry.field(description="立案日期")
    decision: str | None = strawberry.field(description="处罚决定")
    penalty_yuan: Decimal | None = strawberry.field(description="罚款金额（元）")
    measures: list[str] = strawberry.field(description="处罚或责令措施代码")
    decided_on: date | None = strawberry.field(description="决定日期")
    closed_on: date | None = strawberry.field(description="结案日期")
    lead_id: strawberry.ID | None = strawberry.field(description="来源线索编号")
    steps: list[CaseStep] | None = strawberry.field(description="全部步骤（查询单个案件时提供）")
    documents: list[CaseDocument] | None = strawberry.field(description="文书（查询单个案件时提供）")

    @classmethod
    def from_row(cls, row: CaseRow, page: CasePage | None = None) -> EnforcementCase:
        case = row.case
        return cls(
            id=strawberry.ID(str(case.id)),
            case_number=case.case_number or None,
            unit_name=case.unit_name,
            permit_number=row.permit_number or None,
            outlet_code=case.outlet_code or None,
            classification=CaseClassification(case.classification),
            facts=case.facts,
            legal_basis=case.legal_basis,
            status=CaseStatus(case.status),
            opened_on=case.opened_on,
            decision=case.decision or None,
            penalty_yuan=_yuan(case.penalty_cents),
            measures=list(case.measures),
            decided_on=case.decided_on,
            closed_on=case.closed_on,
            lead_id=strawberry.ID(str(case.lead_id)) if case.lead_id else None,
            steps=[
                CaseStep(kind=CaseStepKind(s.kind), entered_at=s.created_at, entered_by=s.created_by)
                for s in page.steps
            ]
            if page
            else None,
            documents=[
                CaseDocument(
                    id=strawberry.ID(str(d.id)),
                    kind=CaseDocumentKind(d.kind),
                    file_name=d.file_name,
                    media_type=d.media_type,
                    size=d.size,
                    sha256=d.sha256,
                )
                for d in page.documents
            ]
            if page
            else None,
        )


@strawberry.type(description="本页案件中的一条及其游标")
class EnforcementCaseEdge:
    cursor: str = strawberry.field(description="本条记录的游标")
    node: EnforcementCase = strawberry.field(description="记录")


@strawberry.type(description="执法案件分页列表")
class EnforcementCaseConnection:
    edges: list[EnforcementCaseEdge] = strawberry.field(description="本页案件（Relay 边：游标和记录）")
    nodes: list[EnforcementCase] = strawberry.field(
        description="本页案件", deprecation_reason="改用 edges { node }。"
    )
    page_info: PageInfo = strawberry.field(description="分页信息")
    total_count: int = strawberry.field(description="符合条件的案件总数")

    @classmethod
    def from_page(cls, page: Page[CaseRow]) -> EnforcementCaseConnection:
        return cls(
            nodes=(nodes := [EnforcementCase.from_row(row) for row in page.items]),
            edges=edges_of(page, nodes, EnforcementCaseEdge),
            page_info=PageInfo.from_page(page),
            total_count=page.total,
        )


@strawberry.type(description="公开的行政处罚（已结案且有处罚的案件；不含经办人员信息）")
class PublicPenaltyType:
    unit_name: str = strawberry.field(description="单位名称")
    credit_code: str | None = strawberry.field(description="统一社会信用代码")
    permit_number: str | None = strawberry.field(description="许可证编号")
    classification: CaseClassification = strawberry.field(
        description="without_permit 无证排污、against_permit 不按证排污、other"
    )
    legal_basis: str = strawberry.field(description="法律依据（条款）")
    case_number: str | None = strawberry.field(description="处罚决定书文号")
    decided_on: date = strawberry.field(description="决定日期")
    penalty_yuan: Decimal | None = strawberry.field(description="罚款金额（元）")
    measures: list[str] = strawberry.field(description="处罚措施代码")

    @classmethod
    def from_penalty(cls, p: PublicPenalty) -> PublicPenaltyType:
        return cls(
            unit_name=p.unit_name,
            credit_code=p.credit_code or None,
            permit_number=p.permit_number or None,
            classification=CaseClassification(p.classification),
            legal_basis=p.legal_basis,
            case_number=p.case_number or None,
            decided_on=p.decided_on,
            penalty_yuan=_yuan(p.penalty_cents),
            measures=p.measures,
        )


@strawberry.input(description="立案：来自线索（leadId）或执法大队自行发现")
class OpenEnforcementCaseInput:
    facts: str = strawberry.field(description="违法事实")
    legal_basis: str = strawberry.field(description="法律依据（条款）")
    classification: str = strawberry.field(
        description="违法类型：without_permit 无证排污 / against_permit 不按证排污 / other 其他"
    )
    opened_on: date = strawberry.field(description="立案日期（不晚于今天）")
    lead_id: strawberry.ID | None = strawberry.field(default=None, description="来源线索编号")
    credit_code: str = strawberry.field(default="", description="单位统一社会信用代码（无线索时）")
    unit_name: str = strawberry.field(default="", description="未登记单位的名称（无线索时）")
    permit_number: str = strawberry.field(default="", description="许可证编号（可选）")
    outlet_code: str = strawberry.field(default="", description="排放口编号（可选）")


@strawberry.input(description="处罚决定")
class DecideEnforcementCaseInput:
    decision: str = strawberry.field(description="处罚决定内容")
    decided_on: date = strawberry.field(description="决定日期（不早于立案日期、不晚于今天）")
    penalty_yuan: Decimal | None = strawberry.field(
        default=None, description="罚款金额（元，>0，最多两位小数，≤1亿）"
    )
    measures: list[str] = strawberry.field(
        default_factory=list,
        description=(
            "措施：warning 警告、order_correction 责令限期改正、restrict_production 限制生产、"
            "suspend_production 停产整治、confiscate_gains 没收违法所得、revoke_permit 吊销许可证、"
            "refer_police 移送公安机关"
        ),
    )
    case_number: str = strawberry.field(default="", description="处罚决定书文号")
    legal_basis: str = strawberry.field(default="", description="决定引用的条款（与立案时不同时）")


@strawberry.input(description="案件文书")
class CaseDocumentInput:
    kind: str = strawberry.field(
        description="文书类型：record 笔录 / notice 告知书 / decision 处罚决定书 / evidence 证据 / other 其他"
    )
    file_name: str = strawberry.field(description="文件名（.pdf、.jpg、.png）")
    content_base64: str = strawberry.field(description="文件内容的 Base64 编码；不超过 10 MB")


@strawberry.type(description="执法案件操作的结果")
class EnforcementCasePayload:
    case: EnforcementCase | None = strawberry.field(description="办理后的案件；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type(description="处理违法线索的结果")
class EnforcementLeadPayload:
    dismissed: bool = strawberry.field(description="线索已不予立案")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type
class CaseQuery:
    @strawberry.field(description="待处理的违法线索（执法大队、法制科：本辖区；其他人为空列表），先到先列")
    async def enforcement_leads(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> EnforcementLeadConnection:
        context = info.context
        try:
            async with context.read() as session:
                page = await queries.leads_inbox(
                    session, context.actor, window=page_window(first, after, last, before)
                )
        except DomainError as error:
            raise refused(error, context.locale) from None
        return EnforcementLeadConnection(
            nodes=(nodes := [EnforcementLead.from_row(row) for row in page.items]),
            edges=edges_of(page, nodes, EnforcementLeadEdge),
            page_info=PageInfo.from_page(page),
            total_count=page.total,
        )

    @strawberry.field(
        description=(
            "执法案件。view：active 未结案、open 调查中、decided 已决定、closed 已结案、all 全部；"
            "单位只看到本单位的案件"
        )
    )
    async def enforcement_cases(
        self,
        info: strawberry.Info,
        view: Annotated[
            str,
            strawberry.argument(
                description="范围：active 未结案 / open 调查中 / decided 已决定 / closed 已结案 / all 全部"
            ),
        ] = "active",
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> EnforcementCaseConnection:
        context = info.context
        try:
            async with context.read() as session:
                page = await queries.case_list(
                    session,
                    context.actor,
                    view=view,
                    window=page_window(first, after, last, before),
                )
        except DomainError as error:
            raise refused(error, context.locale) from None
        return EnforcementCaseConnection.from_page(page)

    @strawberry.field(description="一个执法案件及其步骤和文书；不存在或无权查看时为 null")
    async def enforcement_case(self, info: strawberry.Info, id: CaseId) -> EnforcementCase | None:
        context = info.context
        try:
            async with context.read() as session:
                page = await queries.case_page(
                    session, context.actor, case_id=_id(id, N_("No such enforcement case."), "case")
                )
        except NotFound:
            return None
        except DomainError as error:
            raise refused(error, context.locale) from None
        return EnforcementCase.from_row(page.row, page)

    @strawberry.field(
        description=(
            "公开的行政处罚（M48 §39）：已结案且有处罚的案件，决定日期倒序；"
            "classification 给出无证排污或不按证排污单位名单"
        )
    )
    async def public_penalties(
        self,
        info: strawberry.Info,
        classification: Annotated[
            str | None, strawberry.argument(description="without_permit / against_permit；空为全部")
        ] = None,
    ) -> list[PublicPenaltyType]:
        async with info.context.read() as session:
            found = await queries.public_penalties(
                session,
                classification=classification
                if classification in ("without_permit", "against_permit", "other")
                else None,
            )
        return [PublicPenaltyType.from_penalty(p) for p in found]


async def _case_result(
    info: strawberry.Info, run: Any, rename: dict[str, str] = BY_CASE_ID
) -> EnforcementCasePayload:
    context = info.context
    try:
        async with context.transaction() as session:
            case = await run(session)
            page = await queries.case_page(session, context.actor, case_id=case.id)
    except DomainError as error:
        return EnforcementCasePayload(case=None, errors=user_errors(error, context.locale, rename=rename))
    return EnforcementCasePayload(case=EnforcementCase.from_row(page.row, page), errors=[])


def _refusal(info: strawberry.Info, error: DomainError, rename: dict[str, str]) -> EnforcementCasePayload:
    return EnforcementCasePayload(case=None, errors=user_errors(error, info.context.locale, rename=rename))


@strawberry.type
class CaseMutation:
    @strawberry.mutation(description="线索不予立案，须说明理由；线索离开待办，连同理由留存")
    async def dismiss_enforcement_lead(
        self,
        info: strawberry.Info,
        lead_id: Annotated[strawberry.ID, strawberry.argument(description="线索编号")],
        reason: Annotated[str, strawberry.argument(description="理由（最多 1000 字）")],
    ) -> EnforcementLeadPayload:
        context = info.context
        try:
            parsed = _id(lead_id, N_("No such enforcement lead."), "lead")
            async with context.transaction() as session:
                await service.dismiss_lead(session, context.actor, lead_id=parsed, reason=reason)
        except DomainError as error:
            return EnforcementLeadPayload(
                dismissed=False, errors=user_errors(error, context.locale, rename=BY_LEAD_ID)
            )
        return EnforcementLeadPayload(dismissed=True, errors=[])

    @strawberry.mutation(
        description="立案（执法大队、法制科）：来自线索或自行发现；任一字段有误时一次列出全部错误"
    )
    async def open_enforcement_case(
        self,
        info: strawberry.Info,
        input: Annotated[OpenEnforcementCaseInput, strawberry.argument(description="立案内容")],
    ) -> EnforcementCasePayload:
        lead_id = None
        if input.lead_id is not None:
            lead_id = parse_id(input.lead_id)
            if lead_id is None:
                return _refusal(info, NotFound(N_("No such enforcement lead."), field="lead"), BY_LEAD_ID)
        data = CaseInput(
            facts=input.facts,
            legal_basis=input.legal_basis,
            classification=input.classification,
            opened_on=input.opened_on,
            lead_id=lead_id,
            credit_code=input.credit_code,
            unit_name=input.unit_name,
            permit_number=input.permit_number,
            outlet_code=input.outlet_code,
        )
        return await _case_result(
            info, lambda session: service.open_case(session, info.context.actor, data=data), BY_LEAD_ID
        )

    @strawberry.mutation(description="录入处罚决定：决定内容、罚款（元）、措施、文号、日期；单位即时收到通知")
    async def decide_enforcement_case(
        self,
        info: strawberry.Info,
        case_id: CaseId,
        input: Annotated[DecideEnforcementCaseInput, strawberry.argument(description="处罚决定")],
    ) -> EnforcementCasePayload:
        try:
            parsed = _id(case_id, N_("No such enforcement case."), "case")
        except DomainError as error:
            return _refusal(info, error, BY_CASE_ID)
        data = DecisionInput(
            decision=input.decision,
            decided_on=input.decided_on,
            penalty_yuan=input.penalty_yuan,
            measures=tuple(input.measures),
            case_number=input.case_number,
            legal_basis=input.legal_basis,
        )
        return await _case_result(
            info, lambda session: service.decide_case(session, info.context.actor, case_id=parsed, data=data)
        )

    @strawberry.mutation(description="结案（已作出决定的案件）；有处罚的案件结案后公开")
    async def close_enforcement_case(
        self,
        info: strawberry.Info,
        case_id: CaseId,
        closed_on: Annotated[date, strawberry.argument(description="结案日期（不早于决定日期、不晚于今天）")],
    ) -> EnforcementCasePayload:
        try:
            parsed = _id(case_id, N_("No such enforcement case."), "case")
        except DomainError as error:
            return _refusal(info, error, BY_CASE_ID)
        return await _case_result(
            info,
            lambda session: service.close_case(
                session, info.context.actor, case_id=parsed, closed_on=closed_on
            ),
        )

    @strawberry.mutation(description="上传案件文书（PDF、JPG、PNG，不超过 10 MB；记录 SHA-256）")
    async def add_case_document(
        self,
        info: strawberry.Info,
        case_id: CaseId,
        input: Annotated[CaseDocumentInput, strawberry.argument(description="案件文书")],
    ) -> EnforcementCasePayload:
        try:
            parsed = _id(case_id, N_("No such enforcement case."), "case")
        except DomainError as error:
            return _refusal(info, error, BY_CASE_ID)
        problems: list[FieldError] = []
        try:
            content = b64decode(input.content_base64, validate=True)
        except (binascii.Error, ValueError):
            content = b""
            problems.append(FieldError("file", "base64", N_("The file content is not valid Base64.")))
        data = DocumentInput(kind=input.kind, file_name=input.file_name, content=content)
        context = info.context
        try:
            async with context.transaction() as session, reporting(problems):
                await service.add_document(session, context.actor, case_id=parsed, data=data)
            async with context.read() as session:
                page = await queries.case_page(session, context.actor, case_id=parsed)
        except DomainError as error:
            return _refusal(info, error, BY_CASE_ID)
        return EnforcementCasePayload(case=EnforcementCase.from_row(page.row, page), errors=[])
