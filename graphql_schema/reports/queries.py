"""Reading execution reports: the list, one report, the unit's draft, a check of a draft, the chain."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from domain.bounds import parse_id
from domain.errors import N_, DomainError, NotFound
from domain.reports.queries import chain, editor, schedule
from domain.reports.queries.rows import browse_reports, find_report_row
from graphql_schema.errors import absent, refused
from graphql_schema.pagination import After, Before, First, Last, page_window
from graphql_schema.permits.types import ReportKind
from graphql_schema.reports.types import (
    AuditFinding,
    ExecutionReport,
    ExecutionReportConnection,
    ExecutionReportFilterInput,
    ReportChain,
    ReportDraft,
    ScheduledReport,
    snake_content,
)

PermitNumber = Annotated[str, strawberry.argument(description="许可证编号")]
Kind = Annotated[ReportKind, strawberry.argument(description="报告类别")]
Period = Annotated[str, strawberry.argument(description="报告期，例如 2026-03、2026-Q1、2026")]
BY_REPORT_ID = {"report": "reportId"}


def parse_report_id(value: str) -> int:
    """An ID that cannot name a row is simply not found."""
    parsed = parse_id(value)
    if parsed is None:
        raise NotFound(N_("No such report."), field="report")
    return parsed


@strawberry.type
class ReportQuery:
    @strawberry.field(
        description=(
            "执行报告列表，按应提交日期倒序。企业用户看到本单位的报告（含草稿），第三方机构看到委托单位的报告，"
            "辖区监管人员和系统管理员看到本辖区已提交的报告，其他人（含匿名访问者）看到已提交的年度执行报告。"
        )
    )
    async def execution_reports(
        self,
        info: strawberry.Info,
        filter: Annotated[
            ExecutionReportFilterInput | None, strawberry.argument(description="检索条件")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> ExecutionReportConnection:
        context = info.context
        try:
            async with context.read() as session:
                page = await browse_reports(
                    session,
                    context.actor,
                    filters=filter.to_domain() if filter else None,
                    window=page_window(first, after, last, before),
                )
        except DomainError as error:
            raise refused(error, context.locale) from None
        return ExecutionReportConnection.from_page(page)

    @strawberry.field(
        description=(
            "按许可证编号、报告类别和报告期查询一份执行报告及其全部提交时间。已提交的年度执行报告公开；"
            "其他报告须登录并有权查看。不存在或无权查看时为 null。"
        )
    )
    async def execution_report(
        self, info: strawberry.Info, permit_number: PermitNumber, kind: Kind, period: Period
    ) -> ExecutionReport | None:
        context = info.context
        try:
            async with context.read() as session:
                row = await find_report_row(
                    session, context.actor, permit_number=permit_number, kind=kind.value, period=period
                )
        except DomainError as error:
            raise refused(error, context.locale) from None
        return ExecutionReport.from_row(row) if row is not None else None

    @strawberry.field(
        description=(
            "报告期日程：许可证要求的每个报告期（自有效期开始至今，最新在前）及其应提交日期和填报状态，"
            "包括尚未开始填写的报告期。不指定许可证时：企业用户为本单位全部许可证，第三方机构人员为委托其"
            "填报执行报告（授权在有效期内）的单位的许可证。指定许可证时须有权查看该许可证；监管部门看不到草稿。"
        )
    )
    async def report_schedule(
        self,
        info: strawberry.Info,
        permit_number: Annotated[
            str | None, strawberry.argument(description="许可证编号；不指定时为本人填报的全部许可证")
        ] = None,
    ) -> list[ScheduledReport] | None:
        context = info.context
        try:
            async with context.read() as session:
                if permit_number is None:
                    schedules = await schedule.my_schedules(session, context.actor)
                else:
                    schedules = [
                        await schedule.permit_schedule(session, context.actor, permit_number=permit_number)
                    ]
        except DomainError as error:
            absent(error, context.locale)
            return None
        return [item for s in schedules for item in ScheduledReport.from_schedule(context.actor, s)]

    @strawberry.field(
        description=(
            "本单位的报告草稿；尚未保存草稿的报告期按台账数据预填（实际排放浓度和排放量、超标情况、"
            "非正常工况）。仅本单位及其委托的第三方机构可查看，监管部门看不到草稿。"
        )
    )
    async def report_draft(
        self, info: strawberry.Info, permit_number: PermitNumber, kind: Kind, period: Period
    ) -> ReportDraft | None:
        context = info.context
        try:
            async with context.read() as session:
                draft = await editor.get_draft(
                    session, context.actor, permit_number=permit_number, kind=kind.value, period=period
                )
        except DomainError as error:
            absent(error, context.locale)
            return None
        return ReportDraft.from_draft(draft, permit_number=permit_number, kind=kind.value, period=period)

    @strawberry.field(
        description="用审核规则检查报告内容（不保存、不提交）：返回全部发现，错误在前，每项指明字段。"
    )
    async def check_report_draft(
        self,
        info: strawberry.Info,
        permit_number: PermitNumber,
        kind: Kind,
        period: Period,
        content: Annotated[
            JSON, strawberry.argument(description="报告内容（JSON，camelCase 或 snake_case）")
        ],
    ) -> list[AuditFinding] | None:
        context = info.context
        try:
            async with context.read() as session:
                findings = await editor.check_draft(
                    session,
                    context.actor,
                    permit_number=permit_number,
                    kind=kind.value,
                    period=period,
                    content=snake_content(content),
                )
        except DomainError as error:
            absent(error, context.locale)
            return None
        return [AuditFinding.from_finding(finding) for finding in findings]

    @strawberry.field(
        description=(
            "校验一份报告的提交记录链：重新计算每次提交的摘要并核对与上一版本的链接，"
            "任何改动都会被发现。年度执行报告公开可查。"
        )
    )
    async def verify_report_chain(
        self,
        info: strawberry.Info,
        report_id: Annotated[strawberry.ID, strawberry.argument(description="报告编号")],
    ) -> ReportChain | None:
        context = info.context
        try:
            async with context.read() as session:
                verification = await chain.verify_chain(
                    session, context.actor, report_id=parse_report_id(report_id)
                )
        except DomainError as error:
            absent(error, context.locale, rename=BY_REPORT_ID)
            return None
        return ReportChain.from_domain(verification, context.locale)
