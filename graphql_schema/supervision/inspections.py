"""Inspections (PT §6-7) through the API: the year's plan and its coverage, double-random draws (public, with
what is needed to draw them again), inspection records on the annex-3 checklist. Mutations answer with a
payload whose ``errors`` list what was refused (nothing written then)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from domain.errors import DomainError, NotFound
from domain.i18n import translate
from domain.pagination import Page
from domain.supervision.credit.queries import inspection_weights, warned_units
from domain.supervision.inspections import labels, rules
from domain.supervision.inspections.queries import draws as draw_queries
from domain.supervision.inspections.queries import plan as plan_queries
from domain.supervision.inspections.queries import records as record_queries
from domain.supervision.inspections.service import draws, plans, records
from graphql_schema.closed_sets import (
    InspectionBasis,
    InspectionItemResult,
    InspectionKind,
    InspectionPool,
    PlanLineState,
)
from graphql_schema.errors import UserError, absent, refused, user_errors
from graphql_schema.pagination import After, Before, First, Last, PageInfo, edges_of, page_window

Year = Annotated[int, strawberry.argument(description="年度")]
RegionCode = Annotated[str, strawberry.argument(description="辖区行政区划代码，如 310107")]


@strawberry.type(
    description="检查计划中的一项：某单位在某期间应接受的一次检查（检查频次：实施方案第六、七条）"
)
class InspectionPlanLine:
    kind: InspectionKind = strawberry.field(description="enforcement 执法检查 / monitoring 执法监测")
    basis: InspectionBasis = strawberry.field(
        description="依据：new_permit 新领证三个月内、key_half_year 重点管理每半年、key_yearly 重点管理每年（正面清单降频）、"  # noqa: E501
        "simplified_yearly 简化管理每年、registration_drawn 登记单位随机抽中、drawn 随机抽中、"
        "monitoring_key 重点管理每年执法监测、monitoring_simplified_drawn 简化管理随机抽中执法监测、"
        "key_quarterly 重点管理每季度（信用警示或不良升频）、"
        "simplified_half_year 简化管理每半年（信用警示或不良升频）"
    )
    basis_label: str = strawberry.field(description="依据（按请求语言）")
    period: str = strawberry.field(
        description="期间：2026、2026-H1、2026-H2、2026-Q1 至 2026-Q4，或新领证 new:发证日期"
    )
    starts_on: date = strawberry.field(description="期间起")
    due_on: date = strawberry.field(description="应完成日期")
    state: PlanLineState = strawberry.field(description="done 已完成 / due 未到期 / behind 已逾期")
    done_on: date | None = strawberry.field(description="完成该项的检查日期")
    record_reference: str | None = strawberry.field(description="完成该项的检查记录编号")
    unit_name: str = strawberry.field(description="单位名称")
    permit_number: str | None = strawberry.field(description="许可证编号")
    registration_number: str | None = strawberry.field(description="排污登记编号")

    @classmethod
    def from_row(cls, row: plan_queries.PlanRow, locale: str) -> InspectionPlanLine:
        return cls(
            kind=InspectionKind(row.line.kind),
            basis=InspectionBasis(row.line.basis),
            basis_label=translate(labels.BASIS_LABELS[row.line.basis], locale),
            period=row.line.period,
            starts_on=row.line.starts_on,
            due_on=row.line.due_on,
            state=PlanLineState(row.state.value),
            done_on=row.done_on,
            record_reference=row.record_reference or None,
            unit_name=row.unit_name,
            permit_number=row.permit_number,
            registration_number=row.registration_number,
        )


@strawberry.type(description="本页计划项，按应完成日期排序中的一条及其游标")
class InspectionPlanLineEdge:
    cursor: str = strawberry.field(description="本条记录的游标")
    node: InspectionPlanLine = strawberry.field(description="记录")


@strawberry.type(description="检查计划项的一页")
class InspectionPlanLineConnection:
    edges: list[InspectionPlanLineEdge] = strawberry.field(
        description="本页计划项，按应完成日期排序（Relay 边：游标和记录）"
    )
    nodes: list[InspectionPlanLine] = strawberry.field(
        description="本页计划项，按应完成日期排序", deprecation_reason="改用 edges { node }。"
    )
    page_info: PageInfo = strawberry.field(description="分页信息")
    total_count: int = strawberry.field(description="符合条件的计划项总数")


@strawberry.type(description="频次目标的完成情况")
class InspectionCoverage:
    label: str = strawberry.field(description="规则（按请求语言）")
    units: int = strawberry.field(description="应覆盖的单位数")
    target: int = strawberry.field(description="目标单位数（按比例向上取整）")
    done: int = strawberry.field(description="本年度已检查（监测）的单位数")
    met: bool = strawberry.field(description="是否达标")

    @classmethod
    def from_domain(cls, coverage: rules.Coverage, locale: str) -> InspectionCoverage:
        return cls(
            label=translate(coverage.label, locale),
            units=coverage.total,
            target=coverage.target,
            done=coverage.done,
            met=coverage.met,
        )


@strawberry.type(description="辖区某年度检查计划概况")
class InspectionPlan:
    region_code: str = strawberry.field(description="辖区")
    year: int = strawberry.field(description="年度")
    done: int = strawberry.field(description="已完成的计划项")
    due: int = strawberry.field(description="未到期的计划项")
    behind: int = strawberry.field(description="已逾期的计划项")
    enforcement: list[InspectionCoverage] = strawberry.field(description="执法检查频次目标")
    monitoring: list[InspectionCoverage] = strawberry.field(description="执法监测频次目标")


@strawberry.type(description="双随机抽中的一个单位及其执法人员")
class InspectionDrawPick:
    position: int = strawberry.field(description="抽中顺序")
    unit_name: str = strawberry.field(description="单位名称")
    permit_number: str | None = strawberry.field(description="许可证编号")
    registration_number: str | None = strawberry.field(description="排污登记编号")
    inspectors: list[str] = strawberry.field(description="抽中的执法人员姓名")
    record_reference: str | None = strawberry.field(description="该次检查的记录编号；尚未检查时为 null")


@strawberry.type(description="抽取范围内权重大于 1 的单位（企业环境信用警示为 2、不良为 3）")
class InspectionDrawWeight:
    unit_name: str = strawberry.field(description="单位名称")
    weight: int = strawberry.field(description="抽取权重：相当于几个权重为 1 的单位")


@strawberry.type(description="一次双随机抽查（公开）：参数、随机种子、抽取范围和名录的哈希，以及结果")
class InspectionDraw:
    reference: str = strawberry.field(description="抽查编号")
    region_code: str = strawberry.field(description="辖区")
    year: int = strawberry.field(description="年度")
    kind: InspectionKind = strawberry.field(description="enforcement 执法检查 / monitoring 执法监测")
    pool: InspectionPool = strawberry.field(
        description="抽取范围：registration 登记单位、key 重点管理、simplified 简化管理、industry 某行业"
    )
    industry_code: str = strawberry.field(description="按行业抽取时的行业代码")
    seed: str = strawberry.field(description="随机种子（random.Random(seed)）")
    pool_size: int = strawberry.field(description="抽取范围内的单位数")
    pool_hash: str = strawberry.field(description="抽取范围（排序后编号）的 SHA-256")
    roster_hash: str = strawberry.field(description="执法人员名录（排序后编号）的 SHA-256")
    units_drawn: int = strawberry.field(description="抽取单位数")
    inspectors_per_visit: int = strawberry.field(description="每次检查人数")
    drawn_at: datetime = strawberry.field(description="抽取时间")
    picks: list[InspectionDrawPick] | None = strawberry.field(
        description="抽中的单位和执法人员（列表中为 null）"
    )
    verified: bool | None = strawberry.field(description="按种子重新抽取结果是否一致（列表中为 null）")
    weighted_units: list[InspectionDrawWeight] | None = strawberry.field(
        description="按企业环境信用加权的单位及其权重，其他单位权重为 1（列表中为 null）"
    )

    @classmethod
    def from_draw(cls, draw: object, page: draw_queries.DrawPage | None = None) -> InspectionDraw:
        from domain.supervision.inspections.models import InspectionDraw as Draw

        assert isinstance(draw, Draw)
        return cls(
            reference=draw.reference,
            region_code=draw.region_code,
            year=draw.year,
            kind=InspectionKind(draw.kind),
            pool=InspectionPool(draw.pool),
            industry_code=draw.industry_code,
            seed=draw.seed,
            pool_size=draw.pool_size,
            pool_hash=draw.pool_hash,
            roster_hash=draw.roster_hash,
            units_drawn=draw.units_wanted,
            inspectors_per_visit=draw.per_visit,
            drawn_at=draw.drawn_at,
            picks=None
            if page is None
            else [
                InspectionDrawPick(
                    position=p.position,
                    unit_name=p.unit_name,
                    permit_number=p.permit_number,
                    registration_number=p.registration_number,
                    inspectors=p.inspectors,
                    record_reference=p.record_reference,
                )
                for p in page.picks
            ],
            verified=None if page is None else page.verified,
            weighted_units=None
            if page is None
            else [
                InspectionDrawWeight(unit_name=name, weight=weight)
                for name, weight in zip(page.pool_units, page.pool_weights, strict=True)
                if weight > 1
            ],
        )


@strawberry.type(description="本页抽查，最新的在前中的一条及其游标")
class InspectionDrawEdge:
    cursor: str = strawberry.field(description="本条记录的游标")
    node: InspectionDraw = strawberry.field(description="记录")


@strawberry.type(description="双随机抽查的一页")
class InspectionDrawConnection:
    edges: list[InspectionDrawEdge] = strawberry.field(
        description="本页抽查，最新的在前（Relay 边：游标和记录）"
    )
    nodes: list[InspectionDraw] = strawberry.field(
        description="本页抽查，最新的在前", deprecation_reason="改用 edges { node }。"
    )
    page_info: PageInfo = strawberry.field(description="分页信息")
    total_count: int = strawberry.field(description="抽查总数")


@strawberry.type(description="检查要点的一项及其结果")
class InspectionItem:
    code: str = strawberry.field(description="要点编号（附件3：1.1 … 5.1；登记单位 R.1 …；执法监测 M.1 …）")
    text: str = strawberry.field(description="要点（按请求语言）")
    result: InspectionItemResult = strawberry.field(
        description="passed 符合 / failed 不符合 / not_applicable 不适用"
    )
    note: str = strawberry.field(description="发现的问题")


@strawberry.type(description="一份执法检查或执法监测记录")
class InspectionRecord:
    reference: str = strawberry.field(description="记录编号")
    kind: InspectionKind = strawberry.field(description="enforcement 执法检查 / monitoring 执法监测")
    inspected_on: date = strawberry.field(description="检查日期")
    unit_name: str = strawberry.field(description="被检查单位")
    permit_number: str | None = strawberry.field(description="许可证编号")
    registration_number: str | None = strawberry.field(description="排污登记编号")
    findings: int = strawberry.field(description="发现的问题数（不符合项数）")
    inspectors: list[str] | None = strawberry.field(description="执法人员姓名（列表中为 null）")
    summary: str | None = strawberry.field(description="检查情况（列表中为 null）")
    items: list[InspectionItem] | None = strawberry.field(description="检查要点及结果（列表中为 null）")
    draw_reference: str | None = strawberry.field(description="来自的双随机抽查编号")

    @classmethod
    def from_page(cls, page: record_queries.RecordPage, locale: str) -> InspectionRecord:
        return cls(
            reference=page.record.reference,
            kind=InspectionKind(page.record.kind),
            inspected_on=page.record.inspected_on,
            unit_name=page.unit_name,
            permit_number=page.permit_number,
            registration_number=page.registration_number,
            findings=page.record.findings,
            inspectors=page.inspectors,
            summary=page.record.summary,
            items=[
                InspectionItem(
                    code=i.code,
                    text=translate(i.text, locale),
                    result=InspectionItemResult(i.result),
                    note=i.note,
                )
                for i in page.items
            ],
            draw_reference=page.draw_reference,
        )

    @classmethod
    def from_row(cls, row: record_queries.RecordRow) -> InspectionRecord:
        return cls(
            reference=row.record.reference,
            kind=InspectionKind(row.record.kind),
            inspected_on=row.record.inspected_on,
            unit_name=row.unit_name,
            permit_number=row.permit_number,
            registration_number=None,
            findings=row.record.findings,
            inspectors=None,
            summary=None,
            items=None,
            draw_reference=None,
        )


@strawberry.type(description="本页记录，最新的在前中的一条及其游标")
class InspectionRecordEdge:
    cursor: str = strawberry.field(description="本条记录的游标")
    node: InspectionRecord = strawberry.field(description="记录")


@strawberry.type(description="检查记录的一页")
class InspectionRecordConnection:
    edges: list[InspectionRecordEdge] = strawberry.field(
        description="本页记录，最新的在前（Relay 边：游标和记录）"
    )
    nodes: list[InspectionRecord] = strawberry.field(
        description="本页记录，最新的在前", deprecation_reason="改用 edges { node }。"
    )
    page_info: PageInfo = strawberry.field(description="分页信息")
    total_count: int = strawberry.field(description="可见的记录总数")


@strawberry.type
class InspectionQuery:
    @strawberry.field(
        description="辖区某年度检查计划概况：按状态的计划项数和频次目标完成情况（本辖区监管部门可查）。"
    )
    async def inspection_plan(
        self, info: strawberry.Info, region_code: RegionCode, year: Year
    ) -> InspectionPlan | None:
        context = info.context
        try:
            async with context.read() as session:
                summary = await plan_queries.plan_summary(
                    session, context.actor, region_code=region_code, year=year
                )
        except DomainError as error:
            absent(error, context.locale)
            return None
        return InspectionPlan(
            region_code=summary.region_code,
            year=summary.year,
            done=summary.counts["done"],
            due=summary.counts["due"],
            behind=summary.counts["behind"],
            enforcement=[InspectionCoverage.from_domain(c, context.locale) for c in summary.enforcement],
            monitoring=[InspectionCoverage.from_domain(c, context.locale) for c in summary.monitoring],
        )

    @strawberry.field(
        description="检查计划项：谁在何时前应接受检查，已完成、未到期或已逾期（本辖区监管部门可查）。"
    )
    async def inspection_plan_lines(
        self,
        info: strawberry.Info,
        region_code: RegionCode,
        year: Year,
        state: Annotated[
            str | None,
            strawberry.argument(description="done 已完成 / due 未到期 / behind 已逾期；不填为全部"),
        ] = None,
        kind: Annotated[
            str | None,
            strawberry.argument(description="enforcement 执法检查 / monitoring 执法监测；不填为全部"),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> InspectionPlanLineConnection:
        context = info.context
        try:
            async with context.read() as session:
                page = await plan_queries.plan_lines(
                    session,
                    context.actor,
                    region_code=region_code,
                    year=year,
                    state=state,
                    kind=kind,
                    window=page_window(first, after, last, before),
                )
        except DomainError as error:
            raise refused(error, context.locale) from None
        return InspectionPlanLineConnection(
            nodes=(nodes := [InspectionPlanLine.from_row(row, context.locale) for row in page.items]),
            edges=edges_of(page, nodes, InspectionPlanLineEdge),
            page_info=PageInfo.from_page(page),
            total_count=page.total,
        )

    @strawberry.field(description="双随机抽查（公开，任何人可查）：最新的在前。")
    async def inspection_draws(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> InspectionDrawConnection:
        context = info.context
        try:
            async with context.read() as session:
                page: Page[object] = await draw_queries.list_draws(
                    session, context.actor, window=page_window(first, after, last, before)
                )  # type: ignore[assignment]
        except DomainError as error:
            raise refused(error, context.locale) from None
        return InspectionDrawConnection(
            nodes=(nodes := [InspectionDraw.from_draw(d) for d in page.items]),
            edges=edges_of(page, nodes, InspectionDrawEdge),
            page_info=PageInfo.from_page(page),
            total_count=page.total,
        )

    @strawberry.field(
        description="一次双随机抽查及其结果，并按随机种子重新抽取核验（公开）；不存在时为 null。"
    )
    async def inspection_draw(
        self, info: strawberry.Info, reference: Annotated[str, strawberry.argument(description="抽查编号")]
    ) -> InspectionDraw | None:
        async with info.context.read() as session:
            try:
                page = await draw_queries.draw_page(session, reference=reference)
            except NotFound:
                return None
        return InspectionDraw.from_draw(page.draw, page)

    @strawberry.field(description="检查记录：监管部门可查本辖区的，单位可查本单位的；最新的在前。")
    async def inspection_records(
        self,
        info: strawberry.Info,
        kind: Annotated[
            str | None,
            strawberry.argument(description="enforcement 执法检查 / monitoring 执法监测；不填为全部"),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> InspectionRecordConnection:
        context = info.context
        try:
            async with context.read() as session:
                page = await record_queries.list_records(
                    session, context.actor, kind=kind, window=page_window(first, after, last, before)
                )
        except DomainError as error:
            raise refused(error, context.locale) from None
        return InspectionRecordConnection(
            nodes=(nodes := [InspectionRecord.from_row(row) for row in page.items]),
            edges=edges_of(page, nodes, InspectionRecordEdge),
            page_info=PageInfo.from_page(page),
            total_count=page.total,
        )

    @strawberry.field(description="一份检查记录及其检查要点；不存在或无权查看时为 null。")
    async def inspection_record(
        self, info: strawberry.Info, reference: Annotated[str, strawberry.argument(description="记录编号")]
    ) -> InspectionRecord | None:
        context = info.context
        try:
            async with context.read() as session:
                page = await record_queries.record_page(session, context.actor, reference=reference)
        except NotFound:
            return None
        except DomainError as error:
            raise refused(error, context.locale) from None
        return InspectionRecord.from_page(page, context.locale)


@strawberry.type(description="更新检查计划的结果")
class InspectionPlanPayload:
    added: int | None = strawberry.field(description="新增的计划项数；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type(description="双随机抽查的结果")
class InspectionDrawPayload:
    draw: InspectionDraw | None = strawberry.field(description="抽查及其结果；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type(description="保存检查记录的结果")
class InspectionRecordPayload:
    record: InspectionRecord | None = strawberry.field(description="保存的检查记录；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.input(description="双随机抽查的参数（随机种子由服务器生成）")
class InspectionDrawInput:
    region_code: str = strawberry.field(description="辖区")
    year: int = strawberry.field(description="年度")
    kind: str = strawberry.field(description="enforcement 执法检查 / monitoring 执法监测")
    pool: str = strawberry.field(
        description="抽取范围：registration 登记单位 / key 重点管理 / simplified 简化管理 / industry 某行业"
    )
    industry_code: str = strawberry.field(default="", description="按行业抽取时的行业代码")
    units: int | None = strawberry.field(
        default=None, description="抽取单位数；为空按规定比例（登记 20%，简化管理监测 30%）"
    )


@strawberry.input(description="检查要点的一项结果")
class InspectionItemInput:
    code: str = strawberry.field(description="要点编号，如 1.1、R.1、M.1")
    result: str = strawberry.field(description="passed 符合 / failed 不符合 / not_applicable 不适用")
    note: str = strawberry.field(default="", description="发现的问题（不符合时必填）")


@strawberry.input(description="一份检查记录：被检查单位由许可证编号、登记编号或统一社会信用代码之一指明")
class InspectionRecordInput:
    kind: str = strawberry.field(
        default="enforcement", description="enforcement 执法检查 / monitoring 执法监测"
    )
    permit_number: str = strawberry.field(default="", description="许可证编号")
    registration_number: str = strawberry.field(default="", description="排污登记编号")
    credit_code: str = strawberry.field(default="", description="既无许可证也无登记的单位的统一社会信用代码")
    inspected_on: date | None = strawberry.field(default=None, description="检查日期")
    inspector_ids: list[int] = strawberry.field(
        default_factory=list, description="执法人员（至少两名）的用户编号"
    )
    items: list[InspectionItemInput] = strawberry.field(default_factory=list, description="检查要点逐项结果")
    summary: str = strawberry.field(default="", description="检查情况")
    rectify_by: date | None = strawberry.field(
        default=None, description="整改期限（选填：对所有问题下达整改）"
    )
    responsible_person: str = strawberry.field(default="", description="单位整改负责人")

    def to_domain(self) -> records.RecordInput:
        return records.RecordInput(
            kind=self.kind,
            permit_number=self.permit_number,
            registration_number=self.registration_number,
            credit_code=self.credit_code,
            inspected_on=self.inspected_on,
            inspector_ids=list(self.inspector_ids),
            items=[rules.ItemAnswer(i.code, i.result, i.note) for i in self.items],
            summary=self.summary,
            rectify_by=self.rectify_by,
            responsible_person=self.responsible_person,
        )


@strawberry.type
class InspectionMutation:
    @strawberry.mutation(
        description="按检查频次规定更新辖区某年度检查计划：只补入缺少的计划项，不重复（执法大队）。"
    )
    async def generate_inspection_plan(
        self, info: strawberry.Info, region_code: RegionCode, year: Year
    ) -> InspectionPlanPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                found = await plans.generate_plan(
                    session, context.actor, region_code=region_code, year=year, raised_by=warned_units
                )
        except DomainError as error:
            return InspectionPlanPayload(added=None, errors=user_errors(error, context.locale))
        return InspectionPlanPayload(added=found.added, errors=[])

    @strawberry.mutation(
        description="双随机抽查：随机抽取单位和执法人员（每次两人，同一人不连续两次检查同一单位），结果公开（执法大队）。"
    )
    async def make_inspection_draw(
        self,
        info: strawberry.Info,
        input: Annotated[InspectionDrawInput, strawberry.argument(description="抽查范围和人员")],
    ) -> InspectionDrawPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                draw = await draws.make_draw(
                    session,
                    context.actor,
                    region_code=input.region_code,
                    year=input.year,
                    kind=input.kind,
                    pool=input.pool,
                    industry_code=input.industry_code,
                    units=input.units,
                    weighed_by=inspection_weights,
                )
                page = await draw_queries.draw_page(session, reference=draw.reference)
        except DomainError as error:
            return InspectionDrawPayload(draw=None, errors=user_errors(error, context.locale))
        return InspectionDrawPayload(draw=InspectionDraw.from_draw(page.draw, page), errors=[])

    @strawberry.mutation(
        description="保存检查记录：逐项填写检查要点，不符合项转为问题并通知被检查单位（执法大队、监测站）。"
    )
    async def record_inspection(
        self,
        info: strawberry.Info,
        input: Annotated[InspectionRecordInput, strawberry.argument(description="检查记录")],
    ) -> InspectionRecordPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                inspection = await records.record_inspection(session, context.actor, data=input.to_domain())
                page = await record_queries.record_page(
                    session, context.actor, reference=inspection.reference
                )
        except DomainError as error:
            return InspectionRecordPayload(record=None, errors=user_errors(error, context.locale))
        return InspectionRecordPayload(record=InspectionRecord.from_page(page, context.locale), errors=[])
