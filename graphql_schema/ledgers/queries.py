"""Reading the ledger through GraphQL: the same use cases and permissions as the portal."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from domain.errors import DomainError
from domain.ledgers import rules
from domain.ledgers.queries import exceedances as exceedance_queries
from domain.ledgers.queries import period, records
from domain.pagination import Page
from domain.permits.list_filters import ListFilter
from graphql_schema.errors import absent, refused
from graphql_schema.ledgers.types import (
    EmissionFigure,
    Exceedance,
    LedgerCompleteness,
    LedgerEntry,
    MonitoringReading,
    RequirementCoverage,
)
from graphql_schema.pagination import After, Before, First, Last, PageInfo, UpdatedSince, page_window

PermitNumber = Annotated[str, strawberry.argument(description="许可证编号")]


@strawberry.type(description="一条监测数据及其游标")
class MonitoringReadingEdge:
    cursor: str = strawberry.field(description="本条记录的游标")
    node: MonitoringReading = strawberry.field(description="记录")


@strawberry.type(description="一页监测数据（Relay 连接）")
class MonitoringReadingPage:
    total_count: int = strawberry.field(description="符合条件的记录总数")
    edges: list[MonitoringReadingEdge] = strawberry.field(description="本页记录")
    page_info: PageInfo = strawberry.field(description="分页信息")
    end_cursor: str | None = strawberry.field(
        description="本页最后一条记录的游标", deprecation_reason="改用 pageInfo.endCursor。"
    )
    has_next_page: bool = strawberry.field(
        description="是否还有下一页", deprecation_reason="改用 pageInfo.hasNextPage。"
    )
    nodes: list[MonitoringReading] = strawberry.field(
        description="本页记录", deprecation_reason="改用 edges { node }。"
    )

    @classmethod
    def from_page(cls, page: Page[Any], nodes: list[MonitoringReading]) -> MonitoringReadingPage:
        return cls(
            total_count=page.total,
            edges=[
                MonitoringReadingEdge(cursor=page.cursor_at(i), node=node) for i, node in enumerate(nodes)
            ],
            page_info=PageInfo.from_page(page),
            end_cursor=page.end_cursor,
            has_next_page=page.has_next,
            nodes=nodes,
        )


@strawberry.type(description="一条台账记录及其游标")
class LedgerEntryEdge:
    cursor: str = strawberry.field(description="本条记录的游标")
    node: LedgerEntry = strawberry.field(description="记录")


@strawberry.type(description="一页台账记录（Relay 连接）")
class LedgerEntryPage:
    total_count: int = strawberry.field(description="符合条件的记录总数")
    edges: list[LedgerEntryEdge] = strawberry.field(description="本页记录")
    page_info: PageInfo = strawberry.field(description="分页信息")
    end_cursor: str | None = strawberry.field(
        description="本页最后一条记录的游标", deprecation_reason="改用 pageInfo.endCursor。"
    )
    has_next_page: bool = strawberry.field(
        description="是否还有下一页", deprecation_reason="改用 pageInfo.hasNextPage。"
    )
    nodes: list[LedgerEntry] = strawberry.field(
        description="本页记录", deprecation_reason="改用 edges { node }。"
    )

    @classmethod
    def from_page(cls, page: Page[Any], nodes: list[LedgerEntry]) -> LedgerEntryPage:
        return cls(
            total_count=page.total,
            edges=[LedgerEntryEdge(cursor=page.cursor_at(i), node=node) for i, node in enumerate(nodes)],
            page_info=PageInfo.from_page(page),
            end_cursor=page.end_cursor,
            has_next_page=page.has_next,
            nodes=nodes,
        )


@strawberry.type(description="一条超标记录及其游标")
class ExceedanceEdge:
    cursor: str = strawberry.field(description="本条记录的游标")
    node: Exceedance = strawberry.field(description="记录")


@strawberry.type(description="一页超标记录（Relay 连接）")
class ExceedancePage:
    total_count: int = strawberry.field(description="符合条件的记录总数")
    edges: list[ExceedanceEdge] = strawberry.field(description="本页记录")
    page_info: PageInfo = strawberry.field(description="分页信息")
    end_cursor: str | None = strawberry.field(
        description="本页最后一条记录的游标", deprecation_reason="改用 pageInfo.endCursor。"
    )
    has_next_page: bool = strawberry.field(
        description="是否还有下一页", deprecation_reason="改用 pageInfo.hasNextPage。"
    )
    nodes: list[Exceedance] = strawberry.field(
        description="本页记录", deprecation_reason="改用 edges { node }。"
    )

    @classmethod
    def from_page(cls, page: Page[Any], nodes: list[Exceedance]) -> ExceedancePage:
        return cls(
            total_count=page.total,
            edges=[ExceedanceEdge(cursor=page.cursor_at(i), node=node) for i, node in enumerate(nodes)],
            page_info=PageInfo.from_page(page),
            end_cursor=page.end_cursor,
            has_next_page=page.has_next,
            nodes=nodes,
        )


@strawberry.type
class LedgerQuery:
    @strawberry.field(description="监测数据，按时间倒序（本单位、辖区监管部门可查）")
    async def monitoring_readings(
        self,
        info: strawberry.Info,
        permit_number: PermitNumber,
        outlet: Annotated[str, strawberry.argument(description="排放口编号；不填为全部")] = "",
        pollutant: Annotated[str, strawberry.argument(description="污染物代码；不填为全部")] = "",
        start: Annotated[datetime | None, strawberry.argument(description="起始时间（含）")] = None,
        end: Annotated[datetime | None, strawberry.argument(description="截止时间（不含）")] = None,
        include_void: Annotated[bool, strawberry.argument(description="是否包括已作废的记录")] = False,
        updated_since: UpdatedSince = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> MonitoringReadingPage | None:
        context = info.context
        try:
            async with context.read() as session:
                page = await records.readings(
                    session,
                    context.actor,
                    permit_number=permit_number,
                    outlet=outlet,
                    pollutant=pollutant,
                    start=start,
                    end=end,
                    include_void=include_void,
                    changed_since=updated_since,
                    window=page_window(first, after, last, before),
                )
                nodes = [MonitoringReading.from_model(row) for row in page.items]
        except DomainError as error:
            absent(error, context.locale)
            return None
        return MonitoringReadingPage.from_page(page, nodes)

    @strawberry.field(description="台账记录（生产设施、污染防治设施、非正常工况、其他）")
    async def ledger_records(
        self,
        info: strawberry.Info,
        permit_number: PermitNumber,
        kind: Annotated[
            str,
            strawberry.argument(
                description="记录类型：production_facility / control_facility / abnormal / other；不填为全部"
            ),
        ] = "",
        start: Annotated[datetime | None, strawberry.argument(description="起始时间（含）")] = None,
        end: Annotated[datetime | None, strawberry.argument(description="截止时间（不含）")] = None,
        updated_since: UpdatedSince = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> LedgerEntryPage | None:
        context = info.context
        try:
            async with context.read() as session:
                page = await records.entries(
                    session,
                    context.actor,
                    permit_number=permit_number,
                    kind=kind,
                    start=start,
                    end=end,
                    changed_since=updated_since,
                    window=page_window(first, after, last, before),
                )
                nodes = [LedgerEntry.from_model(row) for row in page.items]
        except DomainError as error:
            absent(error, context.locale)
            return None
        return LedgerEntryPage.from_page(page, nodes)

    @strawberry.field(
        description=(
            "超标记录：企业看本单位，监管部门看本辖区（超量预警）；可按区县、行业、开始月份筛选，"
            "按单位名称、信用代码或许可证编号检索（与门户“超量预警”页相同）"
        )
    )
    async def exceedances(
        self,
        info: strawberry.Info,
        status: Annotated[
            str, strawberry.argument(description="open（待说明）/ explained（已说明）；不填为全部")
        ] = "",
        permit_number: Annotated[str, strawberry.argument(description="许可证编号（可选）")] = "",
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        district: Annotated[
            str, strawberry.argument(description="行政区划代码（市级代码含下辖各区县）")
        ] = "",
        industry: Annotated[str, strawberry.argument(description="行业代码（四位）")] = "",
        month: Annotated[str, strawberry.argument(description="超标开始的月份，例如 2026-03")] = "",
        search: Annotated[
            str, strawberry.argument(description="单位名称、统一社会信用代码或许可证编号的一部分")
        ] = "",
        sort: Annotated[
            str,
            strawberry.argument(
                description=(
                    "排序：started（开始时间）、unit（单位名称）、status（状态）、excess（超标倍数），"
                    "前加 - 为倒序；不填时待说明的在前、新的在前"
                )
            ),
        ] = "",
    ) -> ExceedancePage:
        context = info.context
        filters = ListFilter(
            district=district.strip(),
            industry=industry.strip(),
            period=month.strip(),
            search=search.strip(),
            sort=sort.strip(),
        )
        try:
            async with context.read() as session:
                page = await exceedance_queries.list_exceedances(
                    session,
                    context.actor,
                    status=status,
                    permit_number=permit_number,
                    filters=filters,
                    window=page_window(first, after, last, before),
                )
                nodes = [Exceedance.from_model(row, permit.number or "") for row, permit in page.items]
        except DomainError as error:
            raise refused(error, context.locale) from None
        return ExceedancePage.from_page(page, nodes)

    @strawberry.field(description="台账完整性：所查期间 [start, end) 的应记、已记和缺失时段")
    async def ledger_completeness(
        self,
        info: strawberry.Info,
        permit_number: PermitNumber,
        start: Annotated[datetime, strawberry.argument(description="起始时间（含）")],
        end: Annotated[datetime, strawberry.argument(description="截止时间（不含）")],
    ) -> LedgerCompleteness | None:
        context = info.context
        try:
            async with context.read() as session:
                items = await period.completeness(
                    session, context.actor, permit_number=permit_number, start=start, end=end
                )
        except DomainError as error:
            absent(error, context.locale)
            return None
        return LedgerCompleteness(
            ratio=rules.completeness_ratio(items),
            requirements=[RequirementCoverage.from_rule(item) for item in items],
        )

    @strawberry.field(description="实际排放量：每个排放口和污染物一项，并说明所用核算方法")
    async def actual_emissions(
        self,
        info: strawberry.Info,
        permit_number: PermitNumber,
        start: Annotated[datetime, strawberry.argument(description="起始时间（含）")],
        end: Annotated[datetime, strawberry.argument(description="截止时间（不含）")],
    ) -> list[EmissionFigure] | None:
        context = info.context
        try:
            async with context.read() as session:
                figures = await period.actual_emissions(
                    session, context.actor, permit_number=permit_number, start=start, end=end
                )
        except DomainError as error:
            absent(error, context.locale)
            return None
        return [EmissionFigure.from_domain(figure) for figure in figures]
