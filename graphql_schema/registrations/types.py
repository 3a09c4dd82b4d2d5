"""GraphQL projections of registrations (排污登记): explicit, field by field."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry

from domain.pagination import Page
from domain.registrations import queries as domain_queries
from domain.registrations import rules
from domain.registrations.queries import RegistrationRecord
from graphql_schema.closed_sets import RegistrationOutletMedium
from graphql_schema.enterprises.types import Located
from graphql_schema.enums import enum_value
from graphql_schema.pagination import PageInfo


@strawberry.enum(description="排污登记状态（过期由有效期推算）")
class RegistrationStatus(Enum):
    REGISTERED = enum_value("registered", description="已登记（有效期内）")
    EXPIRED = enum_value("expired", description="已过期未延续")
    CANCELLED = enum_value("cancelled", description="已注销")


@strawberry.type(description="登记的排放口（DA 废气、DW 废水）或无组织排放源（MF）及其排放的污染物")
class RegistrationOutlet:
    code: str = strawberry.field(description="排放口编号")
    medium: RegistrationOutletMedium = strawberry.field(description="air 废气 / water 废水 / fugitive 无组织")
    pollutants: list[str] = strawberry.field(description="排放的污染物")

    @classmethod
    def from_dict(cls, outlet: dict[str, object]) -> RegistrationOutlet:
        return cls(
            code=str(outlet["code"]),
            medium=RegistrationOutletMedium(str(outlet["medium"])),
            pollutants=[str(p) for p in outlet["pollutants"]],  # type: ignore[attr-defined]
        )


@strawberry.interface(description="排污登记的公开内容：任何人都可查看（不含联系人和电话）")
class RegistrationIdentity(Located):
    number: str = strawberry.field(description="登记编号：信用代码 + 场所顺序码 + W")
    unit_name: str = strawberry.field(description="单位名称")
    credit_code: str = strawberry.field(description="统一社会信用代码")
    site: str = strawberry.field(description="生产经营场所顺序码（001、002……）")
    site_address: str = strawberry.field(description="生产经营场所地址")
    status: RegistrationStatus = strawberry.field(description="状态")
    valid_from: date = strawberry.field(description="有效期起")
    valid_until: date = strawberry.field(description="有效期止（含当日；五年）")
    production_process: str = strawberry.field(description="主要产品及生产工艺")
    outlets: list[RegistrationOutlet] = strawberry.field(description="排放口及污染物")
    discharge_destination: str = strawberry.field(description="污染物排放去向")
    control_facilities: str = strawberry.field(description="污染防治设施")
    emission_standards: str = strawberry.field(description="执行的污染物排放标准")


@strawberry.type(description="排污登记公开信息")
class RegistrationPublic(RegistrationIdentity):
    @classmethod
    def from_view(cls, view: domain_queries.PublicRegistration) -> RegistrationPublic:
        return cls(
            number=view.number,
            unit_name=view.unit_name,
            credit_code=view.credit_code,
            site=view.site,
            site_address=view.site_address,
            region_code=view.region_code,
            industry_code=view.industry_code,
            status=RegistrationStatus(view.status),
            valid_from=view.valid_from,
            valid_until=view.valid_until,
            production_process=view.production_process,
            outlets=[RegistrationOutlet.from_dict(o) for o in view.outlets],
            discharge_destination=view.discharge_destination,
            control_facilities=view.control_facilities,
            emission_standards=view.emission_standards,
        )


@strawberry.type(description="排污登记完整内容：本单位、辖区监管人员和系统管理员可见")
class Registration(RegistrationIdentity):
    contact_person: str = strawberry.field(description="联系人（个人信息）")
    contact_phone: str = strawberry.field(description="联系电话（个人信息）")
    version: int = strawberry.field(description="版本号：每次登记、变更、延续、注销加一")
    updated_at: datetime = strawberry.field(description="最后修改时间（UTC）")

    @classmethod
    def from_record(cls, found: RegistrationRecord) -> Registration:
        r = found.registration
        return cls(
            number=r.number,
            unit_name=found.enterprise.name,
            credit_code=found.enterprise.credit_code,
            site=found.site.code,
            site_address=found.site.address,
            region_code=found.site.region_code,
            industry_code=found.site.industry_code,
            status=RegistrationStatus(found.status),
            valid_from=r.valid_from,
            valid_until=r.valid_until,
            production_process=r.production_process,
            outlets=[RegistrationOutlet.from_dict(o) for o in r.outlets],
            discharge_destination=r.discharge_destination,
            control_facilities=r.control_facilities,
            emission_standards=r.emission_standards,
            contact_person=r.contact_person,
            contact_phone=r.contact_phone,
            version=r.version,
            updated_at=r.updated_at,
        )


@strawberry.type(description="排污登记列表中的一条")
class RegistrationRow(Located):
    number: str = strawberry.field(description="登记编号")
    unit_name: str = strawberry.field(description="单位名称")
    credit_code: str = strawberry.field(description="统一社会信用代码")
    site_address: str = strawberry.field(description="生产经营场所地址")
    status: RegistrationStatus = strawberry.field(description="状态")
    valid_until: date = strawberry.field(description="有效期止")


@strawberry.type(description="排污登记列表中的一条（Relay 边）")
class RegistrationEdge:
    cursor: str = strawberry.field(description="本条记录的游标")
    node: RegistrationRow = strawberry.field(description="排污登记")


@strawberry.type(description="排污登记分页列表（Relay 连接）")
class RegistrationConnection:
    edges: list[RegistrationEdge] = strawberry.field(description="本页记录")
    page_info: PageInfo = strawberry.field(description="分页信息")
    total_count: int = strawberry.field(description="符合条件的记录总数")

    @classmethod
    def from_page(cls, page: Page[domain_queries.PublicRegistrationRow]) -> RegistrationConnection:
        return cls(
            edges=[
                RegistrationEdge(
                    cursor=page.cursor_at(index),
                    node=RegistrationRow(
                        number=row.number,
                        unit_name=row.unit_name,
                        credit_code=row.credit_code,
                        site_address=row.site_address,
                        region_code=row.region_code,
                        industry_code=row.industry_code,
                        status=RegistrationStatus(row.status),
                        valid_until=row.valid_until,
                    ),
                )
                for index, row in enumerate(page.items)
            ],
            page_info=PageInfo.from_page(page),
            total_count=page.total,
        )


@strawberry.input(description="排污登记检索条件")
class RegistrationFilterInput:
    query: str | None = strawberry.field(default=None, description="单位名称关键字、信用代码或登记编号前缀")
    status: RegistrationStatus | None = strawberry.field(default=None, description="状态")
    industry_code: str | None = strawberry.field(default=None, description="行业类别代码")
    region_code: str | None = strawberry.field(default=None, description="行政区划代码")

    def to_domain(self) -> domain_queries.RegistrationFilter:
        return domain_queries.RegistrationFilter(
            query=self.query or "",
            status=self.status.value if self.status else "",
            industry_code=self.industry_code or "",
            region_code=self.region_code or "",
        )


@strawberry.input(name="RegistrationOutletInput", description="一个排放口及其排放的污染物")
class RegistrationOutletInput:
    code: str = strawberry.field(description="排放口编号：DA001 废气、DW001 废水、MF0001 无组织")
    pollutants: list[str] = strawberry.field(description="排放的污染物")


@strawberry.input(
    name="RegistrationInput", description="排污登记表（变更时整体替换；单位名称、信用代码、行政区划不变）"
)
class RegistrationInputType:
    unit_name: str = strawberry.field(description="单位名称")
    credit_code: str = strawberry.field(description="统一社会信用代码")
    legal_representative: str = strawberry.field(description="法定代表人（实际负责人）")
    site_address: str = strawberry.field(description="生产经营场所地址")
    region_code: str = strawberry.field(description="行政区划代码（GB/T 2260）")
    industry_code: str = strawberry.field(description="行业类别代码（GB/T 4754）")
    production_process: str = strawberry.field(description="主要产品及生产工艺")
    outlets: list[RegistrationOutletInput] = strawberry.field(description="排放口及污染物")
    discharge_destination: str = strawberry.field(description="污染物排放去向")
    control_facilities: str = strawberry.field(description="污染防治设施")
    emission_standards: str = strawberry.field(description="执行的污染物排放标准")
    contact_person: str = strawberry.field(description="联系人")
    contact_phone: str = strawberry.field(description="联系电话")
    registered_address: str | None = strawberry.field(default=None, description="注册地址：省略时同场所地址")
    site: str | None = strawberry.field(
        default=None, description="已有场所的顺序码；省略时用同地址的场所，没有则新增场所"
    )
    longitude: float | None = strawberry.field(default=None, description="场所中心经度（可选）")
    latitude: float | None = strawberry.field(default=None, description="场所中心纬度（可选）")

    def to_domain(self) -> rules.RegistrationInput:
        return rules.RegistrationInput(
            unit_name=self.unit_name,
            credit_code=self.credit_code,
            legal_representative=self.legal_representative,
            registered_address=self.registered_address or "",
            site=self.site or "",
            site_address=self.site_address,
            region_code=self.region_code,
            industry_code=self.industry_code,
            longitude=self.longitude,
            latitude=self.latitude,
            production_process=self.production_process,
            outlets=[rules.OutletEntry(o.code, tuple(o.pollutants)) for o in self.outlets],
            discharge_destination=self.discharge_destination,
            control_facilities=self.control_facilities,
            emission_standards=self.emission_standards,
            contact_person=self.contact_person,
            contact_phone=self.contact_phone,
        )
