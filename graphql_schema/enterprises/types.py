"""GraphQL projections of enterprises: explicit, field by field (``from_model``)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from domain import regions
from domain.enterprises import models, queries, rules
from domain.pagination import Page
from graphql_schema.enums import enum_value
from graphql_schema.errors import camel_case
from graphql_schema.pagination import PageInfo


@strawberry.enum(description="排污许可管理类别")
class ManagementCategory(Enum):
    KEY = enum_value(rules.ManagementCategory.KEY.value, description="重点管理")
    SIMPLIFIED = enum_value(rules.ManagementCategory.SIMPLIFIED.value, description="简化管理")
    REGISTRATION = enum_value(rules.ManagementCategory.REGISTRATION.value, description="排污登记")


@strawberry.interface(description="有行业类别和行政区划的对象：排污单位、生产经营场所")
class Located:
    industry_code: str = strawberry.field(description="行业类别代码（GB/T 4754，4 位）")
    region_code: str = strawberry.field(description="行政区划代码（GB/T 2260，6 位）")

    @strawberry.field(description="行业类别名称（按请求语言）")
    def industry_name(self, info: strawberry.Info) -> str:
        return rules.industry_name(self.industry_code, info.context.locale)

    @strawberry.field(description="行政区划名称（按请求语言）")
    def region_name(self, info: strawberry.Info) -> str:
        return regions.region_name(self.region_code, info.context.locale)


@strawberry.interface(description="排污单位的公开信息：任何人（包括匿名访问者）都可查看")
class EnterpriseIdentity(Located):
    credit_code: str = strawberry.field(description="统一社会信用代码（18 位）")
    name: str = strawberry.field(description="单位名称")
    registered_address: str = strawberry.field(description="注册地址")
    operating_address: str = strawberry.field(description="生产经营场所地址")
    legal_representative: str = strawberry.field(description="法定代表人")
    management_category: ManagementCategory = strawberry.field(description="管理类别")


@strawberry.type(description="排污单位公开信息：不含技术负责人、联系电话等个人信息")
class EnterprisePublic(EnterpriseIdentity):
    @classmethod
    def from_model(cls, public: queries.EnterprisePublic) -> EnterprisePublic:
        return cls(
            credit_code=public.credit_code,
            name=public.name,
            registered_address=public.registered_address,
            operating_address=public.operating_address,
            legal_representative=public.legal_representative,
            industry_code=public.industry_code,
            region_code=public.region_code,
            management_category=ManagementCategory(public.management_category),
        )


@strawberry.type(description="生产经营场所：一个法人单位可有多个场所，每个场所一张排污许可证或一份排污登记")
class Site(Located):
    sequence: str = strawberry.field(description="场所顺序码（001、002……），即许可证编号第 19-21 位")
    name: str = strawberry.field(description="场所名称")
    address: str = strawberry.field(description="场所地址")
    longitude: float | None = strawberry.field(description="中心经度（可选）")
    latitude: float | None = strawberry.field(description="中心纬度（可选）")

    @classmethod
    def from_model(cls, site: models.ProductionSite) -> Site:
        return cls(
            sequence=site.code,
            name=site.name,
            address=site.address,
            industry_code=site.industry_code,
            region_code=site.region_code,
            longitude=site.longitude,
            latitude=site.latitude,
        )


@strawberry.input(name="SiteInput", description="新增生产经营场所时填写的内容")
class SiteInputType:
    name: str = strawberry.field(description="场所名称")
    address: str = strawberry.field(description="场所地址")
    industry_code: str = strawberry.field(description="行业类别代码（GB/T 4754，4 位）")
    region_code: str = strawberry.field(description="行政区划代码（GB/T 2260，6 位）")
    longitude: float | None = strawberry.field(default=None, description="中心经度（可选，与纬度同填）")
    latitude: float | None = strawberry.field(default=None, description="中心纬度（可选，与经度同填）")

    def to_domain(self) -> rules.SiteInput:
        return rules.SiteInput(
            name=self.name,
            address=self.address,
            region_code=self.region_code,
            industry_code=self.industry_code,
            longitude=self.longitude,
            latitude=self.latitude,
        )


@strawberry.type(description="排污单位完整档案：仅本单位用户、辖区监管人员和系统管理员可见")
class Enterprise(EnterpriseIdentity):
    technical_lead: str = strawberry.field(description="环保技术负责人（个人信息）")
    contact_phone: str = strawberry.field(description="联系电话（个人信息）")
    version: int = strawberry.field(description="档案版本号：每次修改加一，用于并发修改检查")
    created_at: datetime = strawberry.field(description="登记时间（UTC）")
    updated_at: datetime = strawberry.field(description="最后修改时间（UTC）")
    enterprise_id: strawberry.Private[int]

    @strawberry.field(description="生产经营场所（按顺序码）：许可证和排污登记按场所办理")
    async def sites(self, info: strawberry.Info) -> list[Site]:
        found = await info.context.loaders.enterprises.sites.load(self.enterprise_id)
        return [Site.from_model(site) for site in found]

    @classmethod
    def from_model(cls, enterprise: models.Enterprise) -> Enterprise:
        assert enterprise.id is not None
        return cls(
            enterprise_id=enterprise.id,
            credit_code=enterprise.credit_code,
            name=enterprise.name,
            registered_address=enterprise.registered_address,
            operating_address=enterprise.operating_address,
            legal_representative=enterprise.legal_representative,
            technical_lead=enterprise.technical_lead,
            contact_phone=enterprise.contact_phone,
            industry_code=enterprise.industry_code,
            region_code=enterprise.region_code,
            management_category=ManagementCategory(enterprise.management_category),
            version=enterprise.version,
            created_at=enterprise.created_at,
            updated_at=enterprise.updated_at,
        )


@strawberry.type(description="排污单位档案的一个历史版本（不可修改）")
class EnterpriseRevision:
    version: int = strawberry.field(description="版本号")
    changed_at: datetime = strawberry.field(description="修改时间（UTC，服务器时间）")
    changed_by: str | None = strawberry.field(description="修改人用户名")
    on_behalf_of: str | None = strawberry.field(description="代为办理的第三方机构（如有）")
    changed_fields: list[str] = strawberry.field(description="本版本改动的字段（camelCase）")
    data: JSON = strawberry.field(description="本版本的完整档案（字段名 camelCase）")

    @classmethod
    def from_model(cls, revision: models.EnterpriseRevision) -> EnterpriseRevision:
        data = {camel_case(key) or key: value for key, value in revision.data.items()}
        return cls(
            version=revision.version,
            changed_at=revision.changed_at,
            changed_by=revision.changed_by_username,
            on_behalf_of=revision.on_behalf_of,
            changed_fields=[camel_case(name) or name for name in revision.changed_fields],
            data=JSON(data),
        )


@strawberry.type(description="排污单位列表中的一条")
class EnterpriseEdge:
    cursor: str = strawberry.field(description="本条记录的游标")
    node: Enterprise = strawberry.field(description="排污单位")


@strawberry.type(description="排污单位分页列表（Relay 连接）")
class EnterpriseConnection:
    edges: list[EnterpriseEdge] = strawberry.field(description="本页记录")
    page_info: PageInfo = strawberry.field(description="分页信息")
    total_count: int = strawberry.field(description="符合条件的记录总数")

    @classmethod
    def from_page(cls, page: Page[models.Enterprise]) -> EnterpriseConnection:
        return cls(
            edges=[
                EnterpriseEdge(cursor=page.cursor_at(index), node=Enterprise.from_model(item))
                for index, item in enumerate(page.items)
            ],
            page_info=PageInfo.from_page(page),
            total_count=page.total,
        )


@strawberry.input(description="排污单位检索条件")
class EnterpriseFilterInput:
    query: str | None = strawberry.field(default=None, description="单位名称关键字或信用代码前缀")
    industry_code: str | None = strawberry.field(default=None, description="行业类别代码")
    region_code: str | None = strawberry.field(
        default=None, description="行政区划代码（370100 含济南市下辖各区）"
    )
    management_category: ManagementCategory | None = strawberry.field(default=None, description="管理类别")

    def to_domain(self) -> queries.EnterpriseFilter:
        return queries.EnterpriseFilter(
            query=self.query or "",
            industry_code=self.industry_code or "",
            region_code=self.region_code or "",
            management_category=self.management_category.value if self.management_category else "",
        )


@strawberry.input(name="EnterpriseInput", description="登记或修改排污单位时填写的档案（修改时整体替换）")
class EnterpriseInputType:
    name: str = strawberry.field(description="单位名称")
    registered_address: str = strawberry.field(description="注册地址")
    legal_representative: str = strawberry.field(description="法定代表人")
    industry_code: str = strawberry.field(description="行业类别代码（GB/T 4754，4 位）")
    region_code: str = strawberry.field(description="行政区划代码（GB/T 2260，6 位）")
    management_category: ManagementCategory = strawberry.field(description="管理类别")
    credit_code: str | None = strawberry.field(
        default=None, description="统一社会信用代码：登记时必填；修改时可省略，且不可更改"
    )
    operating_address: str | None = strawberry.field(
        default=None, description="生产经营场所地址：省略时同注册地址"
    )
    technical_lead: str | None = strawberry.field(default=None, description="环保技术负责人")
    contact_phone: str | None = strawberry.field(default=None, description="联系电话")

    def to_domain(self) -> rules.EnterpriseInput:
        return rules.EnterpriseInput(
            name=self.name,
            credit_code=self.credit_code or "",
            registered_address=self.registered_address,
            operating_address=self.operating_address or "",
            legal_representative=self.legal_representative,
            technical_lead=self.technical_lead or "",
            contact_phone=self.contact_phone or "",
            industry_code=self.industry_code,
            region_code=self.region_code,
            management_category=self.management_category.value,
        )
