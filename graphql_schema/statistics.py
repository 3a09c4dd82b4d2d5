"""Figures for the bureau's leaders through GraphQL: the leaders' statistics (docs/statistics.md) and the
monthly dispatch summary (调度, PT §3)."""

from __future__ import annotations

import datetime
from enum import Enum
from typing import Annotated

import strawberry

from domain import regions
from domain.enterprises.rules import industry_name
from domain.errors import DomainError
from domain.i18n import translate
from domain.permits.reference import pollutant_name
from domain.statistics import dispatch, leaders
from domain.statistics.figures import Rate
from domain.statistics.scope import scope_of
from graphql_schema.closed_sets import PermitEventCountKind
from graphql_schema.enums import enum_value
from graphql_schema.errors import refused
from graphql_schema.permits.types import PermitCategory, PermitStatus
from graphql_schema.supervision.credit import UnitCreditLevel
from graphql_schema.supervision.grading import Grade


@strawberry.type(description="许可证事项变化：按事项类型计数")
class PermitEventCount:
    kind: PermitEventCountKind = strawberry.field(
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
                PermitEventCount(kind=PermitEventCountKind(kind), count=summary.permit_events.get(kind, 0))
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


@strawberry.enum(description="第三方技术服务机构信用等级（A ≥ 90 分，B ≥ 75，C ≥ 60，D 以下）")
class CreditLevel(Enum):
    A = enum_value("A", description="A 级（90 分及以上）")
    B = enum_value("B", description="B 级（75–89 分）")
    C = enum_value("C", description="C 级（60–74 分）")
    D = enum_value("D", description="D 级（60 分以下）")


@strawberry.type(description="统计口径：地区（本人辖区或其中一个区县）、年份、月份（为空表示全年）、行业")
class StatisticsScope:
    region_code: str = strawberry.field(description="地区代码（GB/T 2260）")
    region_name: str = strawberry.field(description="地区名称")
    year: int = strawberry.field(description="年份")
    month: int | None = strawberry.field(description="月份 1-12；为空表示全年")
    industry_code: str | None = strawberry.field(description="行业代码；为空表示全部行业")


@strawberry.type(description="区县一行：在期许可证、未销号问题、逾期整改、期内销号、期内处理决定、罚款")
class DistrictFigures:
    region_code: str = strawberry.field(description="区县代码")
    region_name: str = strawberry.field(description="区县名称")
    permits_in_force: int = strawberry.field(description="在期许可证（当前）")
    problems_open: int = strawberry.field(description="未销号问题（当前）")
    rectification_overdue: int = strawberry.field(description="逾期未整改（当前）")
    problems_closed: int = strawberry.field(description="期内销号问题")
    cases_decided: int = strawberry.field(description="期内作出处理决定的案件")
    fines_yuan: float = strawberry.field(description="期内决定的罚款（元）")


@strawberry.type(description="行业一行：在期许可证、未销号问题、逾期整改、期内销号、期内处理决定、罚款")
class IndustryFigures:
    industry_code: str = strawberry.field(description="行业代码（国民经济行业分类）；空串表示未注明行业")
    industry_name: str = strawberry.field(description="行业名称")
    permits_in_force: int = strawberry.field(description="在期许可证（当前）")
    problems_open: int = strawberry.field(description="未销号问题（当前）")
    rectification_overdue: int = strawberry.field(description="逾期未整改（当前）")
    problems_closed: int = strawberry.field(description="期内销号问题")
    cases_decided: int = strawberry.field(description="期内作出处理决定的案件")
    fines_yuan: float = strawberry.field(description="期内决定的罚款（元）")


@strawberry.type(description="按状态和管理类别统计的许可证数")
class PermitStatusCount:
    status: PermitStatus = strawberry.field(description="许可证状态")
    category: PermitCategory = strawberry.field(description="管理类别")
    count: int = strawberry.field(description="件数")


@strawberry.type(description="一个比率：应完成数、已完成数和比率（应完成为 0 时比率为空）")
class RateFigure:
    due: int = strawberry.field(description="应完成数")
    done: int = strawberry.field(description="已完成数")
    rate: float | None = strawberry.field(description="比率 0-1；无应完成时为空")


@strawberry.type(description="“双百”：执行报告按时提交与许可证质量核查，两半各自计算")
class DoubleHundred:
    reports_filed: RateFigure = strawberry.field(description="期内到期的执行报告：应提交、已提交")
    reports_on_time: RateFigure = strawberry.field(description="期内到期的执行报告：应提交、按时提交")
    quality_checked: RateFigure = strawberry.field(
        description="期末（当期为今天）在期的许可证：应核查数，与三年内经质量核查活动核查完毕的数"
    )
    reports_counted_at: datetime.datetime | None = strawberry.field(
        description="执行报告两项数据的统计时间（后台任务按轮统计，此前提交的均已计入）；尚未统计时为空"
    )


@strawberry.type(description="年度检查计划覆盖的一项指标")
class CoverageLine:
    label: str = strawberry.field(description="指标名称")
    units: int = strawberry.field(description="应覆盖单位数")
    target: int = strawberry.field(description="目标数")
    done: int = strawberry.field(description="已完成数")


@strawberry.type(description="年度检查计划完成情况（与检查计划页面一致）")
class PlanFigures:
    year: int = strawberry.field(description="计划年份")
    done: int = strawberry.field(description="已完成的计划条目")
    due: int = strawberry.field(description="未到期的计划条目")
    behind: int = strawberry.field(description="已逾期未完成的计划条目")
    coverage: list[CoverageLine] = strawberry.field(description="覆盖率指标")


@strawberry.type(description="整改进度")
class RectificationFigures:
    open: int = strawberry.field(description="未销号问题（当前）")
    overdue: int = strawberry.field(description="逾期未整改（当前）")
    closed: int = strawberry.field(description="期内销号问题")
    average_days_to_close: float | None = strawberry.field(description="期内销号问题从发现到销号的平均天数")


@strawberry.type(description="年内某月的数字")
class MonthFigures:
    month: int = strawberry.field(description="月份 1-12")
    problems_raised: int = strawberry.field(description="新发现问题")
    problems_closed: int = strawberry.field(description="销号问题")
    cases_decided: int = strawberry.field(description="作出处理决定的案件")


@strawberry.type(description="按等级统计的年度评定结果（每个单位以现行决定计）")
class GradeCount:
    grade: Grade = strawberry.field(description="等级")
    count: int = strawberry.field(description="单位数")


@strawberry.type(description="按信用等级统计的第三方技术服务机构")
class CreditLevelCount:
    level: CreditLevel = strawberry.field(description="信用等级")
    count: int = strawberry.field(description="机构数")


@strawberry.type(description="按环境信用等级统计的单位数")
class UnitCreditLevelCount:
    level: UnitCreditLevel = strawberry.field(description="企业环境信用等级")
    count: int = strawberry.field(description="单位数")


@strawberry.type(description="一个区县的单位按企业环境信用等级的分布（当前）")
class UnitCreditDistrict:
    region_code: str = strawberry.field(description="区县代码")
    region_name: str = strawberry.field(description="区县名称")
    levels: list[UnitCreditLevelCount] = strawberry.field(description="各等级的单位数")


@strawberry.type(description="执行报告中报告的排放量（按污染物）")
class ReportedEmission:
    pollutant_code: str = strawberry.field(description="污染物代码")
    pollutant_name: str = strawberry.field(description="污染物名称")
    quantity_t: float = strawberry.field(description="排放量（吨）")


@strawberry.type(description="领导统计：辖区内按期间、区县、行业的各项数字（本人有权查看的记录）")
class LeaderStatistics:
    scope: StatisticsScope = strawberry.field(description="统计口径")
    districts: list[DistrictFigures] = strawberry.field(description="按区县")
    industries: list[IndustryFigures] = strawberry.field(description="按行业")
    permits: list[PermitStatusCount] = strawberry.field(description="许可证：按状态和管理类别（当前）")
    permits_in_force: int = strawberry.field(description="在期许可证（当前）")
    renewals_on_time: RateFigure = strawberry.field(description="期内收到的延续申请：总数、按时提出")
    double_hundred: DoubleHundred = strawberry.field(description="“双百”")
    plan: PlanFigures | None = strawberry.field(description="年度检查计划；无权查看时为空")
    rectification: RectificationFigures = strawberry.field(description="整改进度")
    months: list[MonthFigures] = strawberry.field(description="年内逐月")
    cases_opened: int = strawberry.field(description="期内立案")
    cases_decided: int = strawberry.field(description="期内作出处理决定")
    fines_yuan: float = strawberry.field(description="期内决定的罚款（元）")
    grades: list[GradeCount] = strawberry.field(description="年度等级评定结果")
    positive_list: int = strawberry.field(description="正面清单内单位（当前）")
    agency_credit: list[CreditLevelCount] | None = strawberry.field(
        description="第三方技术服务机构信用等级分布；无权查看时为空"
    )
    unit_credit: list[UnitCreditDistrict] = strawberry.field(
        description="企业环境信用等级分布，按区县（当前）"
    )
    emissions: list[ReportedEmission] = strawberry.field(description="报告排放量，按污染物")

    @classmethod
    def from_view(cls, figures: leaders.LeaderStatistics, locale: str) -> LeaderStatistics:
        scope = figures.scope
        filing = figures.filing

        def rate(whole: int, part: int) -> RateFigure:
            return RateFigure(due=whole, done=part, rate=Rate(whole, part).rate)

        plan = figures.plan
        return cls(
            scope=StatisticsScope(
                region_code=scope.region_code,
                region_name=regions.region_name(scope.region_code, locale),
                year=scope.year,
                month=scope.month,
                industry_code=scope.industry,
            ),
            districts=[
                DistrictFigures(
                    region_code=row.key,
                    region_name=regions.region_name(row.key, locale),
                    permits_in_force=row.permits_in_force,
                    problems_open=row.problems_open,
                    rectification_overdue=row.rectification_overdue,
                    problems_closed=row.problems_closed,
                    cases_decided=row.cases_decided,
                    fines_yuan=row.fines_yuan,
                )
                for row in figures.districts
            ],
            industries=[
                IndustryFigures(
                    industry_code=row.key,
                    industry_name=industry_name(row.key, locale)
                    if row.key
                    else translate(leaders.NO_INDUSTRY, locale),
                    permits_in_force=row.permits_in_force,
                    problems_open=row.problems_open,
                    rectification_overdue=row.rectification_overdue,
                    problems_closed=row.problems_closed,
                    cases_decided=row.cases_decided,
                    fines_yuan=row.fines_yuan,
                )
                for row in figures.industries
            ],
            permits=[
                PermitStatusCount(
                    status=PermitStatus(row.status), category=PermitCategory(row.category), count=row.count
                )
                for row in figures.permits
            ],
            permits_in_force=figures.permits_in_force,
            renewals_on_time=rate(figures.renewals.whole, figures.renewals.part),
            double_hundred=DoubleHundred(
                reports_filed=rate(filing.due, filing.submitted),
                reports_on_time=rate(filing.due, filing.on_time),
                quality_checked=rate(figures.quality_checked.whole, figures.quality_checked.part),
                reports_counted_at=filing.counted_at,
            ),
            plan=None
            if plan is None
            else PlanFigures(
                year=plan.year,
                done=plan.done,
                due=plan.due,
                behind=plan.behind,
                coverage=[
                    CoverageLine(label=translate(label, locale), units=units, target=target, done=done)
                    for label, units, target, done in plan.lines
                ],
            ),
            rectification=RectificationFigures(
                open=figures.rectification.open,
                overdue=figures.rectification.overdue,
                closed=figures.rectification.closed,
                average_days_to_close=figures.rectification.average_days_to_close,
            ),
            months=[
                MonthFigures(
                    month=p.month,
                    problems_raised=p.problems_raised,
                    problems_closed=p.problems_closed,
                    cases_decided=p.cases_decided,
                )
                for p in figures.months
            ],
            cases_opened=figures.cases_opened,
            cases_decided=figures.cases_decided,
            fines_yuan=figures.fines_yuan,
            grades=[GradeCount(grade=Grade(grade), count=number) for grade, number in figures.grades.items()],
            positive_list=figures.positive_list,
            agency_credit=None
            if figures.agency_levels is None
            else [
                CreditLevelCount(level=CreditLevel(level), count=number)
                for level, number in figures.agency_levels.items()
            ],
            unit_credit=[
                UnitCreditDistrict(
                    region_code=district,
                    region_name=regions.region_name(district, locale),
                    levels=[
                        UnitCreditLevelCount(level=UnitCreditLevel(level), count=number)
                        for level, number in counts.items()
                    ],
                )
                for district, counts in figures.unit_credit.items()
            ],
            emissions=[
                ReportedEmission(
                    pollutant_code=row.pollutant,
                    pollutant_name=pollutant_name(row.pollutant, locale),
                    quantity_t=row.quantity_t,
                )
                for row in figures.emissions
            ],
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

    @strawberry.field(
        description="领导统计（监管人员）：本人辖区（或其中一个区县）某年或某月、可按行业筛选的各项数字，"
        "与统计页面一致。"
    )
    async def leader_statistics(
        self,
        info: strawberry.Info,
        year: Annotated[int | None, strawberry.argument(description="年份（2015 年起）；默认今年")] = None,
        month: Annotated[int | None, strawberry.argument(description="月份 1-12；为空表示全年")] = None,
        district: Annotated[
            str | None, strawberry.argument(description="区县代码（本人辖区内）；为空表示整个辖区")
        ] = None,
        industry: Annotated[str | None, strawberry.argument(description="行业代码；为空表示全部行业")] = None,
    ) -> LeaderStatistics:
        context = info.context
        try:
            scope = scope_of(
                context.actor,
                year="" if year is None else str(year),
                month="" if month is None else str(month),
                district=district or "",
                industry=industry or "",
            )
            async with context.read() as session:
                figures = await leaders.leader_statistics(session, context.actor, scope)
            return LeaderStatistics.from_view(figures, context.locale)
        except DomainError as error:
            raise refused(error, context.locale) from None
