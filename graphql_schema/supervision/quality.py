"""Permit quality through GraphQL (issue 16): a permit's audit and its findings, the permits the audit
flagged, quality-check campaigns and their checklists; the permitting section runs the audit and the
campaigns with the same use cases as the portal."""

from __future__ import annotations

import datetime
from typing import Annotated

import strawberry

from domain.bounds import parse_id
from domain.errors import N_, DomainError, NotFound
from domain.pagination import Page
from domain.supervision.quality import audit, campaigns, queries
from domain.supervision.quality.campaigns import CampaignInput, ItemResult
from graphql_schema.errors import UserError, refused, user_errors
from graphql_schema.pagination import After, Before, First, Last, PageInfo, edges_of, page_window

PermitId = Annotated[strawberry.ID, strawberry.argument(description="许可证 ID")]
CheckId = Annotated[strawberry.ID, strawberry.argument(description="核查表 ID")]
CampaignId = Annotated[strawberry.ID, strawberry.argument(description="核查活动 ID")]


def _id(value: object, field: str) -> int:
    parsed = parse_id(str(value))
    if parsed is None:
        raise NotFound(N_("No such record."), field=field)
    return parsed


@strawberry.type(description="质量审核发现的一个问题：规则、许可证副本中的字段、数值与依据")
class QualityFinding:
    rule_code: str = strawberry.field(description="规则编号（PQ01…）")
    rule_title: str = strawberry.field(description="规则名称")
    field: str = strawberry.field(description="许可证副本中的字段，如 monitoring[3].frequency")
    text: str = strawberry.field(description="发现的问题（名称而非代码）")
    basis: str = strawberry.field(description="依据：分类管理名录条目或 HJ/GB 标准")
    problem_id: strawberry.ID | None = strawberry.field(description="由此产生的问题 ID（审批科）")


@strawberry.type(description="一张许可证现行版本的质量审核")
class PermitQuality:
    permit_id: strawberry.ID = strawberry.field(description="许可证 ID")
    permit_number: str = strawberry.field(description="许可证编号")
    unit_name: str = strawberry.field(description="排污单位名称")
    version: int = strawberry.field(description="现行版本号")
    audited_at: datetime.datetime | None = strawberry.field(description="最近一次审核时间；未审核时为 null")
    findings: list[QualityFinding] = strawberry.field(description="最近一次审核的发现")
    catalogue_row: str | None = strawberry.field(description="分类管理名录中该行业的条目")
    quality_checked_at: datetime.datetime | None = strawberry.field(
        description="最近一次质量核查完成时间（核查活动）"
    )

    @classmethod
    def from_view(cls, page: queries.PermitQuality) -> PermitQuality:
        checked = [c.checked_at for c in page.checks if c.checked_at is not None]
        return cls(
            permit_id=strawberry.ID(str(page.permit.id)),
            permit_number=page.permit.number or "",
            unit_name=page.enterprise_name,
            version=page.permit.content_version,
            audited_at=page.audit.ran_at if page.audit else None,
            findings=[
                QualityFinding(
                    rule_code=f.rule_code,
                    rule_title=f.rule_title,
                    field=f.field,
                    text=f.text,
                    basis=f.basis,
                    problem_id=strawberry.ID(str(f.problem_id)) if f.problem_id else None,
                )
                for f in page.findings
            ],
            catalogue_row=page.catalogue.industry_class if page.catalogue else None,
            quality_checked_at=max(checked) if checked else None,
        )


@strawberry.type(description="质量审核发现问题的许可证")
class FlaggedPermit:
    permit_id: strawberry.ID = strawberry.field(description="许可证 ID")
    permit_number: str = strawberry.field(description="许可证编号")
    unit_name: str = strawberry.field(description="排污单位名称")
    version: int = strawberry.field(description="审核的版本")
    finding_count: int = strawberry.field(description="发现数")


@strawberry.type(description="发现问题的许可证")
class FlaggedPermitEdge:
    cursor: str = strawberry.field(description="本条记录的游标")
    node: FlaggedPermit = strawberry.field(description="许可证")


@strawberry.type(description="发现问题的许可证一页（Relay 连接）")
class FlaggedPermitConnection:
    edges: list[FlaggedPermitEdge] = strawberry.field(description="本页记录")
    page_info: PageInfo = strawberry.field(description="分页信息")
    total_count: int = strawberry.field(description="记录总数")

    @classmethod
    def from_page(cls, page: Page[queries.FlaggedRow]) -> FlaggedPermitConnection:
        nodes = [
            FlaggedPermit(
                permit_id=strawberry.ID(str(r.permit_id)),
                permit_number=r.number,
                unit_name=r.enterprise_name,
                version=r.version,
                finding_count=r.finding_count,
            )
            for r in page.items
        ]
        return cls(
            edges=edges_of(page, nodes, FlaggedPermitEdge),
            page_info=PageInfo.from_page(page),
            total_count=page.total,
        )


@strawberry.type(description="许可证质量核查活动")
class QualityCampaign:
    id: strawberry.ID = strawberry.field(description="活动 ID")
    name: str = strawberry.field(description="名称")
    region_code: str = strawberry.field(description="辖区代码")
    random: bool = strawberry.field(description="是否随机抽取（否则为指定清单）")
    seed: str | None = strawberry.field(description="随机抽取的种子（同一许可证池与种子抽出相同结果）")
    pool_size: int = strawberry.field(description="抽取时在期许可证数")
    sample_size: int = strawberry.field(description="核查的许可证数")
    checked: int = strawberry.field(description="已完成核查表的许可证数")
    closed: bool = strawberry.field(description="是否已结束")
    conclusion: str = strawberry.field(description="结论（结束时填写）")


@strawberry.type(description="核查活动")
class QualityCampaignEdge:
    cursor: str = strawberry.field(description="本条记录的游标")
    node: QualityCampaign = strawberry.field(description="核查活动")


@strawberry.type(description="核查活动一页（Relay 连接）")
class QualityCampaignConnection:
    edges: list[QualityCampaignEdge] = strawberry.field(description="本页记录")
    page_info: PageInfo = strawberry.field(description="分页信息")
    total_count: int = strawberry.field(description="记录总数")


def _campaign(row: queries.CampaignRow) -> QualityCampaign:
    c = row.campaign
    return QualityCampaign(
        id=strawberry.ID(str(c.id)),
        name=c.name,
        region_code=c.region_code,
        random=c.kind == "random",
        seed=c.seed,
        pool_size=c.pool_size,
        sample_size=c.sample_size,
        checked=row.checked,
        closed=c.state == "closed",
        conclusion=c.conclusion,
    )


@strawberry.input(description="核查表一行的结果")
class QualityItemResultInput:
    code: str = strawberry.field(description="核查项编号（PQ01… 或 H1…）")
    result: str = strawberry.field(
        description="passed（通过）、failed（不通过，须写明问题）或 not_applicable"
    )
    note: str = strawberry.field(default="", description="说明（至多 1000 字）")


@strawberry.type(description="许可证质量操作的结果")
class QualityPayload:
    id: strawberry.ID | None = strawberry.field(description="审核、活动或核查表的 ID；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type
class QualityQuery:
    @strawberry.field(description="一张许可证现行版本的质量审核与核查（辖区监管人员）。")
    async def permit_quality(self, info: strawberry.Info, permit_id: PermitId) -> PermitQuality:
        context = info.context
        try:
            async with context.read() as session:
                page = await queries.permit_quality(
                    session, context.actor, permit_id=_id(permit_id, "permit_id"), locale=context.locale
                )
                return PermitQuality.from_view(page)
        except DomainError as error:
            raise refused(error, context.locale) from None

    @strawberry.field(description="质量审核发现问题的许可证，发现多的在前（辖区监管人员）。")
    async def quality_flagged_permits(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> FlaggedPermitConnection:
        context = info.context
        try:
            async with context.read() as session:
                page = await queries.flagged_permits(
                    session, context.actor, window=page_window(first, after, last, before)
                )
                return FlaggedPermitConnection.from_page(page)
        except DomainError as error:
            raise refused(error, context.locale) from None

    @strawberry.field(description="辖区的许可证质量核查活动，新的在前。")
    async def quality_campaigns(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> QualityCampaignConnection:
        context = info.context
        try:
            async with context.read() as session:
                page = await queries.campaigns(
                    session, context.actor, window=page_window(first, after, last, before)
                )
                return QualityCampaignConnection(
                    edges=edges_of(page, [_campaign(row) for row in page.items], QualityCampaignEdge),
                    page_info=PageInfo.from_page(page),
                    total_count=page.total,
                )
        except DomainError as error:
            raise refused(error, context.locale) from None


@strawberry.type
class QualityMutation:
    @strawberry.mutation(
        description="立即对许可证现行版本运行质量审核（审批科）；每条规则的发现作为审批科的问题，每版本每规则一次。"
    )
    async def audit_permit_quality(self, info: strawberry.Info, permit_id: PermitId) -> QualityPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                found = await audit.audit_permit(
                    session, context.actor, permit_id=_id(permit_id, "permit_id")
                )
        except DomainError as error:
            return QualityPayload(id=None, errors=user_errors(error, context.locale))
        return QualityPayload(id=strawberry.ID(str(found.id)), errors=[])

    @strawberry.mutation(description="建立质量核查活动（审批科）：随机抽取（记录种子）或指定许可证编号清单。")
    async def create_quality_campaign(
        self,
        info: strawberry.Info,
        name: Annotated[str, strawberry.argument(description="名称（至多 100 字）")],
        random: Annotated[bool, strawberry.argument(description="true 随机抽取；false 按清单")],
        sample_size: Annotated[int | None, strawberry.argument(description="随机抽取的数量（1–200）")] = None,
        permit_numbers: Annotated[
            list[str] | None, strawberry.argument(description="指定的许可证编号")
        ] = None,
        region_code: Annotated[str, strawberry.argument(description="辖区代码（仅系统管理员填写）")] = "",
    ) -> QualityPayload:
        context = info.context
        data = CampaignInput(
            name=name,
            kind="random" if random else "targeted",
            sample_size=sample_size,
            permit_numbers=list(permit_numbers or [])[:1000],
            region_code=region_code,
        )
        try:
            async with context.transaction() as session:
                campaign = await campaigns.create_campaign(session, context.actor, data=data)
        except DomainError as error:
            return QualityPayload(id=None, errors=user_errors(error, context.locale))
        return QualityPayload(id=strawberry.ID(str(campaign.id)), errors=[])

    @strawberry.mutation(
        description="记录一张许可证核查表的结果；全部记录后该证计为已核查（三年有效），不通过的项成为审批科的问题。"
    )
    async def record_quality_check(
        self,
        info: strawberry.Info,
        check_id: CheckId,
        results: Annotated[list[QualityItemResultInput], strawberry.argument(description="核查表各项的结果")],
    ) -> QualityPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                check = await campaigns.record_check(
                    session,
                    context.actor,
                    check_id=_id(check_id, "check_id"),
                    results=[ItemResult(r.code, r.result, r.note) for r in results[:100]],
                )
        except DomainError as error:
            return QualityPayload(id=None, errors=user_errors(error, context.locale))
        return QualityPayload(id=strawberry.ID(str(check.id)), errors=[])

    @strawberry.mutation(description="结束质量核查活动并写明结论；未完成核查表的许可证不计为已核查。")
    async def close_quality_campaign(
        self,
        info: strawberry.Info,
        campaign_id: CampaignId,
        conclusion: Annotated[str, strawberry.argument(description="结论（至多 2000 字）")],
    ) -> QualityPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                campaign = await campaigns.close_campaign(
                    session, context.actor, campaign_id=_id(campaign_id, "campaign_id"), conclusion=conclusion
                )
        except DomainError as error:
            return QualityPayload(id=None, errors=user_errors(error, context.locale))
        return QualityPayload(id=strawberry.ID(str(campaign.id)), errors=[])
