"""Figures for the bureau's leaders through GraphQL: the monthly dispatch summary (调度, PT §3)."""

from __future__ import annotations

import datetime
from typing import Annotated

import strawberry

from domain.errors import DomainError
from domain.statistics import dispatch
from graphql_schema.errors import refused


@strawberry.type(description="许可证事项变化：按事项类型计数")
class PermitEventCount:
    kind: str = strawberry.field(
        description="事项：issued 核发、renewed 延续、changed 变更、revoked 撤销、cancelled 注销"
    )
    count: int = strawberry.field(description="当月件数")


@strawberry.type(description="证后监管月度调度汇总（本人辖区内、本人有权查看的记录）")
class DispatchSummary:
    month: datetime.date = strawberry.field(description="月份（当月第一天）")
    permit_events: list[PermitEventCount] = strawberry.field(description="审批科：许可证事项")
    exceedances: int = strawberry.field(description="生态科：发现的超标")
    monitoring_visits: int = strawberry.field(description="监测站：执法监测次数")
    inspections: int = strawberry.field(description="执法大队：执法检查次数")
    leads: int = strawberry.field(description="执法大队：收到的违法线索")
    cases_opened: int = strawberry.field(description="立案数")
    cases_decided: int = strawberry.field(description="作出处理决定的案件数")
    cases_closed: int = strawberry.field(description="结案数")
    fines_yuan: float = strawberry.field(description="当月决定的罚款金额（元）")
    problems_raised: int = strawberry.field(description="新发现问题")
    problems_closed: int = strawberry.field(description="销号问题")
    problems_open_at_end: int = strawberry.field(description="月末未销号问题")
    rectification_overdue: int = strawberry.field(description="截至今日逾期未整改")
    linkage_initiated: int = strawberry.field(description="发起的联动任务")
    linkage_archived: int = strawberry.field(description="归档的联动任务")
    admitted_to_list: int = strawberry.field(description="纳入正面清单")
    removed_from_list: int = strawberry.field(description="移出正面清单")
    yellow_cards: int = strawberry.field(description="记黄牌")

    @classmethod
    def from_view(cls, summary: dispatch.DispatchSummary) -> DispatchSummary:
        return cls(
            month=summary.month,
            permit_events=[
                PermitEventCount(kind=kind, count=summary.permit_events.get(kind, 0))
                for kind in dispatch.PERMIT_EVENT_KINDS
            ],
            exceedances=summary.exceedances,
            monitoring_visits=summary.monitoring_visits,
            inspections=summary.inspections,
            leads=summary.leads,
            cases_opened=summary.cases_opened,
            cases_decided=summary.cases_decided,
            cases_closed=summary.cases_closed,
            fines_yuan=summary.fines_yuan,
            problems_raised=summary.problems_raised,
            problems_closed=summary.problems_closed,
            problems_open_at_end=summary.problems_open_at_end,
            rectification_overdue=summary.rectification_overdue,
            linkage_initiated=summary.linkage_initiated,
            linkage_archived=summary.linkage_archived,
            admitted_to_list=summary.admitted_to_list,
            removed_from_list=summary.removed_from_list,
            yellow_cards=summary.yellow_cards,
        )


@strawberry.type
class StatisticsQuery:
    @strawberry.field(description="证后监管月度调度汇总（监管人员）：按科室列出当月辖区内的各项数字。")
    async def dispatch_summary(
        self,
        info: strawberry.Info,
        month: Annotated[str, strawberry.argument(description="月份 YYYY-MM（2015 年起，至当月）")],
    ) -> DispatchSummary:
        context = info.context
        try:
            first = dispatch.month_of(month)
            async with context.read() as session:
                return DispatchSummary.from_view(
                    await dispatch.dispatch_summary(session, context.actor, month=first)
                )
        except DomainError as error:
            raise refused(error, context.locale) from None
