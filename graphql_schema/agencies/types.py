"""GraphQL projections of agencies, their credit events, authorisations and filings: explicit, field by field.

What a caller sees of an agency is decided by the domain (``domain.agencies.queries``): its own staff,
regulators and the administrator see it in full; anyone else sees an approved or suspended agency's
public subset (no contacts, only the credit events disclosed as serious problems).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry

from domain.agencies import models
from domain.agencies.queries.authorisations import AuthorisationRow
from domain.agencies.queries.credit import RankingRow
from domain.agencies.queries.directory import AgencyListing, AgencyView, DirectoryFilter
from domain.agencies.rules import BASE_SCORE, level_of, qualification_rows
from domain.agency_oversight.queries.filings import Filing
from domain.clock import today
from domain.pagination import Page
from graphql_schema.agencies.loaders import loaders_of
from graphql_schema.closed_sets import AgencyCreditLevel, ReportKindValue
from graphql_schema.enums import enum_value
from graphql_schema.pagination import PageInfo


@strawberry.enum(description="机构备案状态")
class AgencyStatus(Enum):
    PENDING = enum_value("pending", description="已提交，待法制科审核")
    APPROVED = enum_value("approved", description="审核通过，可受托开展业务")
    REJECTED = enum_value("rejected", description="审核不通过")
    SUSPENDED = enum_value("suspended", description="已暂停，不得代任何单位办理业务")


@strawberry.enum(description="服务类型，也是委托授权的范围")
class AgencyServiceType(Enum):
    LEDGER = enum_value("ledger", description="台账记录")
    REPORTS = enum_value("reports", description="执行报告填报")
    SELF_MONITORING = enum_value("self_monitoring", description="自行监测")
    FACILITY_OPERATION = enum_value("facility_operation", description="设施运维")


@strawberry.enum(description="信用事件类型；分值见 creditPoints")
class CreditEventKind(Enum):
    FINDING_ERROR = enum_value("finding_error", description="代填报告被审核规则判为错误（每项）")
    FINDING_WARNING = enum_value("finding_warning", description="代填报告被审核规则提示警告（每项）")
    FEEDBACK_FORM = enum_value("feedback_form", description="代填报告被退回（问题反馈意见单）")
    LATE_FILING = enum_value("late_filing", description="代填报告首次提交逾期")
    FALSIFIED_DATA = enum_value("falsified_data", description="弄虚作假（执法查实，向社会公开）")
    CLEAN_FILING_ACCEPTED = enum_value("clean_filing_accepted", description="代填报告无问题并通过审核")
    TRAINING_PASSED = enum_value("training_passed", description="参加培训并合格")
    ASSESSMENT_PASSED = enum_value("assessment_passed", description="通过考核")


@strawberry.enum(description="委托授权的状态（按中国日期计算）")
class AgencyAuthorizationState(Enum):
    IN_FORCE = enum_value("in_force", description="有效")
    NOT_STARTED = enum_value("not_started", description="尚未开始")
    SUSPENDED = enum_value("suspended", description="机构已被暂停：授权不产生任何权限")
    EXPIRED = enum_value("expired", description="已到期")
    REVOKED = enum_value("revoked", description="已撤销")


@strawberry.enum(description="机构代为填报的记录类型")
class AgencyFilingKind(Enum):
    READINGS = enum_value("readings", description="一批监测数据")
    LEDGER_ENTRY = enum_value("ledger_entry", description="一条台账记录")
    REPORT_SUBMISSION = enum_value("report_submission", description="一次执行报告提交")


@strawberry.type(description="一次信用事件：加减分及其来源")
class CreditEvent:
    kind: CreditEventKind = strawberry.field(description="事件类型")
    points: float = strawberry.field(description="加减分值")
    source: str = strawberry.field(
        description="来源，形如 finding:<回执编号>:<规则>:<字段>、submission:<回执编号>、"
        "feedback_form:<意见单编号>、report:<报告编号>、regulator:<检查或证书编号>"
    )
    note: str = strawberry.field(description="说明")
    public: bool = strawberry.field(description="是否向社会公开（严重问题）")
    occurred_at: datetime = strawberry.field(description="发生时间（UTC，服务器时间）")

    @classmethod
    def from_model(cls, event: models.CreditEvent) -> CreditEvent:
        return cls(
            kind=CreditEventKind(event.kind),
            points=event.points,
            source=f"{event.source_type}:{event.source_id}",
            note=event.note,
            public=event.public,
            occurred_at=event.occurred_at,
        )


@strawberry.type(description="机构资质")
class AgencyQualification:
    name: str = strawberry.field(description="资质名称")
    number: str = strawberry.field(description="证书编号")
    valid_until: date | None = strawberry.field(description="有效期至")
    expired: bool = strawberry.field(description="是否已过期")


@strawberry.type(description="第三方技术服务机构及其信用")
class Agency:
    credit_code: str = strawberry.field(description="统一社会信用代码")
    name: str = strawberry.field(description="机构名称")
    status: AgencyStatus = strawberry.field(description="备案状态")
    status_reason: str = strawberry.field(description="审核不通过或暂停的理由")
    region_code: str = strawberry.field(description="行政区划代码")
    address: str = strawberry.field(description="地址")
    service_types: list[AgencyServiceType] = strawberry.field(description="服务类型")
    qualifications: list[AgencyQualification] = strawberry.field(description="资质")
    credit_score: float = strawberry.field(description="信用分：基础 100 分加上全部信用事件的分值")
    credit_level: AgencyCreditLevel = strawberry.field(
        description="信用等级：A ≥ 90，B ≥ 75，C ≥ 60，D 低于 60"
    )
    registered_at: datetime = strawberry.field(description="备案提交时间（UTC）")
    contact_person: str | None = strawberry.field(description="联系人（个人信息：仅机构本身和监管部门可见）")
    contact_phone: str | None = strawberry.field(description="联系电话（仅机构本身和监管部门可见）")
    agency_id: strawberry.Private[int]
    events: strawberry.Private[list[models.CreditEvent] | None]

    @strawberry.field(description="信用事件，最新在前；匿名和其他访问者只看到公开的严重问题")
    async def credit_events(self, info: strawberry.Info) -> list[CreditEvent]:
        events = self.events
        if events is None:
            events = await loaders_of(info.context).events.load(self.agency_id)
        return [CreditEvent.from_model(event) for event in events]

    @classmethod
    def from_model(
        cls,
        agency: models.Agency,
        *,
        score: float,
        level: str,
        full: bool,
        events: list[models.CreditEvent] | None = None,
    ) -> Agency:
        on = today()
        return cls(
            credit_code=agency.credit_code,
            name=agency.name,
            status=AgencyStatus(agency.status),
            status_reason=agency.status_reason,
            region_code=agency.region_code,
            address=agency.address,
            service_types=[AgencyServiceType(s) for s in agency.service_types],
            qualifications=[
                AgencyQualification(
                    name=q.name, number=q.number, valid_until=q.valid_until, expired=q.expired
                )
                for q in qualification_rows(agency, on)
            ],
            credit_score=score,
            credit_level=AgencyCreditLevel(level),
            registered_at=agency.created_at,
            contact_person=agency.contact_person if full else None,
            contact_phone=agency.contact_phone if full else None,
            agency_id=agency.id or 0,
            events=events,
        )

    @classmethod
    def from_view(cls, view: AgencyView) -> Agency:
        return cls.from_model(
            view.agency, score=view.score, level=view.level, full=view.full, events=view.events
        )

    @classmethod
    def from_listing(cls, listing: AgencyListing, *, full: bool) -> Agency:
        return cls.from_model(listing.agency, score=listing.score, level=listing.level, full=full)

    @classmethod
    def registered(cls, agency: models.Agency) -> Agency:
        """A registration just filed: no event yet, the score is the starting one."""
        score = BASE_SCORE
        return cls.from_model(agency, score=score, level=level_of(score), full=True, events=[])


@strawberry.type(description="机构列表中的一条")
class AgencyEdge:
    cursor: str = strawberry.field(description="本条记录的游标")
    node: Agency = strawberry.field(description="机构")


@strawberry.type(description="机构分页列表（Relay 连接）")
class AgencyConnection:
    edges: list[AgencyEdge] = strawberry.field(description="本页记录")
    page_info: PageInfo = strawberry.field(description="分页信息")
    total_count: int = strawberry.field(description="符合条件的记录总数")

    @classmethod
    def from_page(cls, page: Page[AgencyListing], full: bool) -> AgencyConnection:
        return cls(
            edges=[
                AgencyEdge(cursor=page.cursor_at(index), node=Agency.from_listing(item, full=full))
                for index, item in enumerate(page.items)
            ],
            page_info=PageInfo.from_page(page),
            total_count=page.total,
        )


@strawberry.input(description="机构检索条件")
class AgencyFilterInput:
    query: str | None = strawberry.field(default=None, description="机构名称关键字或信用代码前缀")
    service_type: AgencyServiceType | None = strawberry.field(default=None, description="提供的服务类型")
    status: AgencyStatus | None = strawberry.field(
        default=None,
        description="备案状态；匿名和企业用户只能查询已通过（默认）或已暂停的机构，监管部门可查询全部",
    )
    region_code: str | None = strawberry.field(default=None, description="行政区划代码前缀")

    def to_domain(self) -> DirectoryFilter:
        return DirectoryFilter(
            query=self.query or "",
            service=self.service_type.value if self.service_type else "",
            status=self.status.value if self.status else "",
            region_code=self.region_code or "",
        )


@strawberry.type(description="委托授权：企业在一定范围和期限内委托机构代为办理")
class AgencyAuthorization:
    id: strawberry.ID = strawberry.field(description="授权编号")
    agency_credit_code: str = strawberry.field(description="受托机构的统一社会信用代码")
    agency_name: str = strawberry.field(description="受托机构名称")
    enterprise_credit_code: str = strawberry.field(description="委托单位的统一社会信用代码")
    enterprise_name: str = strawberry.field(description="委托单位名称")
    scopes: list[AgencyServiceType] = strawberry.field(description="授权范围")
    valid_from: date = strawberry.field(description="起始日期（含）")
    valid_until: date = strawberry.field(description="截止日期（含）")
    contract_number: str = strawberry.field(description="委托合同编号")
    contract_file_name: str = strawberry.field(description="合同扫描件文件名；未上传为空")
    state: AgencyAuthorizationState = strawberry.field(description="当前状态")
    created_at: datetime = strawberry.field(description="授权时间（UTC）")
    created_by: str = strawberry.field(description="授权人用户名")
    revoked_at: datetime | None = strawberry.field(description="撤销时间（UTC）")
    revoke_reason: str = strawberry.field(description="撤销理由")

    @classmethod
    def from_row(cls, row: AuthorisationRow) -> AgencyAuthorization:
        a = row.authorisation
        return cls(
            id=strawberry.ID(str(a.id)),
            agency_credit_code=row.agency.credit_code,
            agency_name=row.agency.name,
            enterprise_credit_code=row.enterprise_credit_code,
            enterprise_name=row.enterprise_name,
            scopes=[AgencyServiceType(s) for s in a.scopes],
            valid_from=a.valid_from,
            valid_until=a.valid_until,
            contract_number=a.contract_number,
            contract_file_name=a.contract_file_name,
            state=AgencyAuthorizationState(row.state),
            created_at=a.created_at,
            created_by=a.created_by,
            revoked_at=a.revoked_at,
            revoke_reason=a.revoke_reason,
        )


@strawberry.type(description="机构代企业填报的一条记录（留痕：机构和具体人员）")
class AgencyFiling:
    kind: AgencyFilingKind = strawberry.field(description="记录类型")
    filed_at: datetime = strawberry.field(description="服务器接收时间（UTC）")
    filed_by: str = strawberry.field(description="填报人用户名")
    enterprise_credit_code: str = strawberry.field(description="委托单位的统一社会信用代码")
    enterprise_name: str = strawberry.field(description="委托单位名称")
    permit_number: str = strawberry.field(description="许可证编号")
    reading_count: int | None = strawberry.field(description="监测数据：本批条数")
    series_count: int | None = strawberry.field(description="监测数据：本批涉及的排放口-污染物组合数")
    outlet_code: str | None = strawberry.field(description="监测数据：排放口编码（多个时为其中编码最小者）")
    pollutant: str | None = strawberry.field(description="监测数据：污染物（多个时为其中之一）")
    measured_from: datetime | None = strawberry.field(
        description="监测数据：最早的监测时间；台账：记录期间起"
    )
    measured_until: datetime | None = strawberry.field(
        description="监测数据：最晚时段的结束；台账：记录期间止"
    )
    entry_id: int | None = strawberry.field(description="台账记录编号")
    subject: str | None = strawberry.field(description="台账记录对象")
    report_id: int | None = strawberry.field(description="执行报告编号")
    report_kind: ReportKindValue | None = strawberry.field(description="执行报告：报告类别")
    period: str | None = strawberry.field(description="报告期")
    version: int | None = strawberry.field(description="第几次提交")
    receipt_number: str | None = strawberry.field(description="回执编号")

    @classmethod
    def from_domain(cls, f: Filing) -> AgencyFiling:
        readings, entry, report = (
            f.kind == "readings",
            f.kind == "ledger_entry",
            f.kind == "report_submission",
        )
        return cls(
            kind=AgencyFilingKind(f.kind),
            filed_at=f.at,
            filed_by=f.person,
            enterprise_credit_code=f.enterprise_credit_code,
            enterprise_name=f.enterprise_name,
            permit_number=f.permit_number,
            reading_count=f.count if readings else None,
            series_count=f.series if readings else None,
            outlet_code=f.first_label if readings else None,
            pollutant=f.second_label if readings else None,
            measured_from=f.start,
            measured_until=f.end,
            entry_id=f.ref_id if entry else None,
            subject=f.second_label if entry else None,
            report_id=f.ref_id if report else None,
            report_kind=ReportKindValue(f.first_label) if report else None,
            period=f.second_label if report else None,
            version=f.count if report else None,
            receipt_number=f.receipt_number if report else None,
        )


@strawberry.type(description="机构代填记录中的一条")
class AgencyFilingEdge:
    cursor: str = strawberry.field(description="本条记录的游标")
    node: AgencyFiling = strawberry.field(description="记录")


@strawberry.type(description="机构代填记录分页列表，最新在前")
class AgencyFilingConnection:
    edges: list[AgencyFilingEdge] = strawberry.field(description="本页记录")
    page_info: PageInfo = strawberry.field(description="分页信息")
    total_count: int = strawberry.field(description="符合条件的记录总数")

    @classmethod
    def from_page(cls, page: Page[Filing]) -> AgencyFilingConnection:
        return cls(
            edges=[
                AgencyFilingEdge(cursor=page.cursor_at(index), node=AgencyFiling.from_domain(item))
                for index, item in enumerate(page.items)
            ],
            page_info=PageInfo.from_page(page),
            total_count=page.total,
        )


@strawberry.type(description="辖区机构信用排名中的一行")
class AgencyRank:
    rank: int = strawberry.field(description="名次（按信用分从高到低）")
    agency: Agency = strawberry.field(description="机构")
    score: float = strawberry.field(description="当前信用分")
    score_before: float = strawberry.field(description="若干天前（days）的信用分")
    change: float = strawberry.field(description="变化")
    falling: bool = strawberry.field(description="信用分是否下降")
    clients_in_force: int = strawberry.field(description="本辖区内当前有效的委托单位数")

    @classmethod
    def from_row(cls, row: RankingRow) -> AgencyRank:
        return cls(
            rank=row.rank,
            agency=Agency.from_model(row.agency, score=row.score, level=row.level, full=True),
            score=row.score,
            score_before=row.score_before,
            change=row.change,
            falling=row.falling,
            clients_in_force=row.clients,
        )
