"""GraphQL projections of permits: explicit, field by field; relationships through the request's loaders.

What a caller may see of a permit is decided by the domain (``domain.permits.queries.visible``):
a ``Permit`` carries the key of that decision, and every relationship is loaded
with it, so the public never receives secret sections, history or applications.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import Enum
from functools import lru_cache
from typing import Any

import strawberry
from strawberry.scalars import JSON

from domain.calendar.rules import holiday_data_warning, holiday_data_warning_params, uncovered_years_between
from domain.changes.kinds import ObjectType
from domain.clock import today
from domain.i18n import translate
from domain.pagination import Page
from domain.permits import law, models, rules
from domain.permits.law import Basis, LegalDeadline
from domain.permits.queries.register import PermitFilter
from domain.permits.queries.visible import PermitKey, PermitRow, PermitView, application_overdue
from domain.permits.reference import pollutant_name
from domain.permits.state import acceptance_clock_start, deemed_accepted
from graphql_schema.changes import UPDATED_AT
from graphql_schema.enterprises.types import EnterpriseIdentity
from graphql_schema.enums import enum_value
from graphql_schema.errors import camel_case
from graphql_schema.pagination import UPDATED_SINCE, PageInfo

# ---------------------------------------------------------------------------
# Enumerations
# ---------------------------------------------------------------------------


@strawberry.enum(description="排污许可证状态；EXPIRED（已过期）由有效期推算")
class PermitStatus(Enum):
    APPLIED = enum_value("applied", description="已申请，待受理")
    ACCEPTED = enum_value("accepted", description="已受理，待作出许可决定")
    NOT_ACCEPTED = enum_value("not_accepted", description="不予受理")
    GRANTED = enum_value("granted", description="准予许可，待核发")
    REFUSED = enum_value("refused", description="不予许可")
    ISSUED = enum_value("issued", description="已核发，在有效期内")
    EXPIRED = enum_value(rules.EXPIRED, description="已过期：有效期已届满")
    REVOKED = enum_value("revoked", description="已撤销")
    CANCELLED = enum_value("cancelled", description="已注销")


@strawberry.enum(description="排污许可管理类别")
class PermitCategory(Enum):
    KEY = enum_value("key", description="重点管理")
    SIMPLIFIED = enum_value("simplified", description="简化管理")


@strawberry.enum(description="排放口类型（介质）")
class OutletMedium(Enum):
    AIR = enum_value("air", description="废气（编码 DA…）")
    WATER = enum_value("water", description="废水（编码 DW…）")


@strawberry.enum(description="排放口类别")
class OutletKind(Enum):
    MAIN = enum_value("main", description="主要排放口")
    GENERAL = enum_value("general", description="一般排放口")
    SPECIAL = enum_value("special", description="特殊排放口")


@strawberry.enum(description="监测或记录频次")
class MonitoringFrequency(Enum):
    CONTINUOUS = enum_value("continuous", description="连续（自动监测）")
    HOURLY = enum_value("hourly", description="每小时")
    DAILY = enum_value("daily", description="每日")
    WEEKLY = enum_value("weekly", description="每周")
    MONTHLY = enum_value("monthly", description="每月")
    QUARTERLY = enum_value("quarterly", description="每季度")
    SEMIANNUAL = enum_value("semiannual", description="每半年")
    ANNUAL = enum_value("annual", description="每年")


@strawberry.enum(description="自行监测方式")
class MonitoringMethod(Enum):
    AUTOMATIC = enum_value("automatic", description="自动监测")
    MANUAL = enum_value("manual", description="手工监测")


@strawberry.enum(description="环境管理台账记录内容")
class LedgerRecordKind(Enum):
    PRODUCTION_FACILITY = enum_value("production_facility", description="生产设施运行管理信息")
    CONTROL_FACILITY = enum_value("control_facility", description="污染防治设施运行管理信息")
    MONITORING = enum_value("monitoring", description="监测记录信息")
    ABNORMAL = enum_value("abnormal", description="非正常工况")
    OTHER = enum_value("other", description="其他环境管理信息")


@strawberry.enum(description="执行报告类别")
class ReportKind(Enum):
    MONTHLY = enum_value("monthly", description="月报")
    QUARTERLY = enum_value("quarterly", description="季报")
    SEMIANNUAL = enum_value("semiannual", description="半年报（上半年；下半年由年报代替）")
    ANNUAL = enum_value("annual", description="年报")


@strawberry.enum(description="排污单位可申请作为商业秘密不予公开的副本内容（第二十六条）")
class ContentSection(Enum):
    PRODUCTION_FACILITIES = enum_value("production_facilities", description="主要生产设施")
    PRODUCTS = enum_value("products", description="主要产品及产能")
    CONTROL_FACILITIES = enum_value("control_facilities", description="污染防治设施")


@strawberry.enum(description="申请事项")
class ApplicationKind(Enum):
    FIRST = enum_value("first", description="首次申请")
    RENEWAL = enum_value("renewal", description="延续")
    CHANGE_BASIC = enum_value("change_basic", description="变更正本基本信息")
    CHANGE_ITEMS = enum_value("change_items", description="变更许可事项")
    CHANGE_RESTART = enum_value("change_restart", description="变更，有效期重新计算")
    REPLACEMENT = enum_value("replacement", description="遗失补办、损毁补领")


@strawberry.enum(description="变更类型（第四十三条）")
class PermitChangeKind(Enum):
    CHANGE_BASIC = enum_value("change_basic", description="变更正本基本信息：变更之日起 30 个工作日内申请")
    CHANGE_ITEMS = enum_value(
        "change_items", description="变更许可事项：变更前至少 30 个工作日申请，有效期不变"
    )
    CHANGE_RESTART = enum_value(
        "change_restart", description="变更许可事项，有效期自变更之日起重新计算（第四十五条第二款）"
    )


@strawberry.enum(description="申请办理状态")
class ApplicationStatus(Enum):
    SUBMITTED = enum_value("submitted", description="已提交，待受理")
    ACCEPTED = enum_value("accepted", description="已受理，待决定")
    NOT_ACCEPTED = enum_value("not_accepted", description="不予受理")
    GRANTED = enum_value("granted", description="已准予，待核发")
    REFUSED = enum_value("refused", description="不予许可")
    COMPLETED = enum_value("completed", description="已办结（已核发）")


@strawberry.enum(description="注销事由（第五十条）")
class CancellationReason(Enum):
    EXPIRED_NOT_RENEWED = enum_value("expired_not_renewed", description="有效期届满未延续")
    UNIT_TERMINATED = enum_value("unit_terminated", description="排污单位依法终止")
    OTHER = enum_value("other", description="其他依法应当注销的情形（须填写说明）")


# ---------------------------------------------------------------------------
# JSON documents: camelCase on the wire, snake_case in the domain
# ---------------------------------------------------------------------------

CAMEL_KEY = re.compile(r"^[a-z][a-zA-Z0-9]*$")


@lru_cache(maxsize=4096)
def snake_case(name: str) -> str:
    """concentrationLimit -> concentration_limit; snake_case and other keys stay as they are (remembered:
    a report's content repeats a few dozen keys, and the regular expressions were a tenth of a filing's
    GraphQL work)."""
    if not CAMEL_KEY.match(name):
        return name
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def snake_keys(value: Any) -> Any:
    """A JSON document as the domain reads it: keys (and the names in secretSections) in snake_case."""
    if isinstance(value, dict):
        converted = {
            snake_case(key) if isinstance(key, str) else key: snake_keys(v) for key, v in value.items()
        }
        sections = converted.get("secret_sections")
        if isinstance(sections, list):
            converted["secret_sections"] = [snake_case(s) if isinstance(s, str) else s for s in sections]
        return converted
    if isinstance(value, list):
        return [snake_keys(item) for item in value]
    return value


def _camel_entries(entries: list[dict[str, str]] | None) -> list[JSON] | None:
    if entries is None:
        return None
    return [JSON({camel_case(key) or key: value for key, value in entry.items()}) for entry in entries]


# ---------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------


@strawberry.type(description="许可排放的一项污染物：许可排放浓度及（如有）年许可排放量")
class PollutantLimit:
    code: str = strawberry.field(description="污染物代码，例如 SO2、NOX、COD")
    concentration_limit: float = strawberry.field(description="许可排放浓度限值")
    unit: str = strawberry.field(description="浓度单位：mg/m3、mg/L 或 dimensionless（无量纲）")
    annual_quantity_limit: float | None = strawberry.field(description="年许可排放量（t/a）；未规定时为 null")
    standard: str = strawberry.field(description="执行的排放标准")

    @strawberry.field(description="污染物名称（按请求语言）")
    def name(self, info: strawberry.Info) -> str:
        return pollutant_name(self.code, info.context.locale)

    @classmethod
    def from_model(cls, limit: models.PermitLimit) -> PollutantLimit:
        return cls(
            code=limit.pollutant,
            concentration_limit=limit.concentration_limit,
            unit=limit.unit,
            annual_quantity_limit=limit.annual_quantity_limit,
            standard=limit.standard,
        )


@strawberry.type(description="自行监测要求")
class MonitoringRequirement:
    pollutant: str = strawberry.field(description="污染物代码")
    frequency: MonitoringFrequency = strawberry.field(description="监测频次")
    method: MonitoringMethod = strawberry.field(description="监测方式")

    @classmethod
    def from_model(cls, item: models.PermitMonitoring) -> MonitoringRequirement:
        return cls(
            pollutant=item.pollutant,
            frequency=MonitoringFrequency(item.frequency),
            method=MonitoringMethod(item.method),
        )


@strawberry.type(description="排放口或无组织排放源（isFugitive 为 true）及其许可排放限值")
class Outlet:
    code: str = strawberry.field(description="编码：废气 DA001…，废水 DW001…，无组织排放源如 MF0001")
    name: str = strawberry.field(description="名称")
    medium: OutletMedium | None = strawberry.field(description="类型（废气/废水）；无组织排放源为 null")
    kind: OutletKind | None = strawberry.field(description="类别（主要/一般/特殊）；无组织排放源为 null")
    location: str = strawberry.field(description="位置")
    longitude: float | None = strawberry.field(description="经度")
    latitude: float | None = strawberry.field(description="纬度")
    direction: str = strawberry.field(description="排放去向")
    height_m: float | None = strawberry.field(description="排气筒高度（米）")
    online_monitoring: bool = strawberry.field(description="是否安装自动监测（在线监测）设备")
    is_fugitive: bool = strawberry.field(description="是否为无组织排放源")
    permit: Permit = strawberry.field(description="所属排污许可证")

    @strawberry.field(description="许可排放的污染物及限值")
    async def pollutants(self, info: strawberry.Info) -> list[PollutantLimit]:
        limits = await info.context.loaders.permits.limits.load(self.permit.key)
        return [PollutantLimit.from_model(limit) for limit in limits if limit.point_code == self.code]

    @strawberry.field(description="本排放口的自行监测要求")
    async def monitoring(self, info: strawberry.Info) -> list[MonitoringRequirement]:
        items = await info.context.loaders.permits.monitoring.load(self.permit.key)
        return [MonitoringRequirement.from_model(item) for item in items if item.point_code == self.code]

    @classmethod
    def from_model(cls, outlet: models.PermitOutlet, permit: Permit) -> Outlet:
        return cls(
            code=outlet.code,
            name=outlet.name,
            medium=OutletMedium(outlet.medium) if outlet.medium else None,
            kind=OutletKind(outlet.kind) if outlet.kind else None,
            location=outlet.location,
            longitude=outlet.longitude,
            latitude=outlet.latitude,
            direction=outlet.direction,
            height_m=outlet.height_m,
            online_monitoring=outlet.online_monitoring,
            is_fugitive=outlet.is_fugitive,
            permit=permit,
        )


@strawberry.type(description="许可证规定的环境管理台账记录要求（第十八条、第三十五条）")
class LedgerRequirement:
    kind: LedgerRecordKind = strawberry.field(description="记录内容")
    frequency: MonitoringFrequency = strawberry.field(description="记录频次")

    @classmethod
    def from_model(cls, item: models.PermitLedgerRequirement) -> LedgerRequirement:
        return cls(kind=LedgerRecordKind(item.kind), frequency=MonitoringFrequency(item.frequency))


@strawberry.type(description="许可证的一次状态变化；公众只能看到已公告的事项")
class PermitEvent:
    kind: str = strawberry.field(
        description=(
            "事项（字符串而非枚举：申请类事项的值带点号，不能作枚举值）：application.first 首次申请、"
            "application.renewal 延续申请、application.change_basic / application.change_items / "
            "application.change_restart 变更申请、application.replacement 补办申请、accepted 受理、"
            "not_accepted 不予受理、materials_requested 要求补正材料、extended 延长审批期限、"
            "granted 准予许可、refused 不予许可、issued 核发、renewed 延续、change_started 开始变更、"
            "changed 变更、replaced 补办、revoked 撤销、cancelled 注销"
        )
    )
    effective_on: date = strawberry.field(description="生效日期")
    occurred_at: datetime = strawberry.field(description="记录时间（UTC，服务器时间）")
    raw_note: strawberry.Private[str]

    @strawberry.field(description="说明（如撤销、注销的理由）")
    def note(self, info: strawberry.Info) -> str:
        return translate(self.raw_note, info.context.locale) if self.raw_note else ""

    @classmethod
    def from_model(cls, event: models.PermitEvent) -> PermitEvent:
        return cls(
            kind=event.kind,
            effective_on=event.effective_on,
            occurred_at=event.occurred_at,
            raw_note=event.note,
        )


@strawberry.type(description="许可证的一个历史版本（每次核发、变更、延续生成一个，不可修改）")
class PermitVersion:
    version: int = strawberry.field(description="版本号")
    reason: str = strawberry.field(
        description=(
            "产生原因：imported 导入、first 首次核发、renewal 延续、"
            "change_basic/change_items/change_restart 变更"
        )
    )
    category: PermitCategory = strawberry.field(description="该版本的管理类别")
    decision_date: date | None = strawberry.field(description="许可决定日期")
    valid_from: date | None = strawberry.field(description="有效期起")
    valid_until: date | None = strawberry.field(description="有效期至（含当日）")
    created_at: datetime = strawberry.field(description="生成时间（UTC）")
    imported_from: str | None = strawberry.field(
        description="自全国平台导入的历史版本：其来源（日期为原始值）；在本平台生成的为 null"
    )

    @classmethod
    def from_model(cls, version: models.PermitVersion) -> PermitVersion:
        return cls(
            version=version.version,
            reason=version.reason,
            category=PermitCategory(version.category),
            decision_date=version.decision_date,
            valid_from=version.valid_from,
            valid_until=version.valid_until,
            created_at=version.created_at,
            imported_from=version.imported_from,
        )


@strawberry.type(description="期限或有效期的法律依据：按所规范行为发生之日施行的规则集")
class LegalBasis:
    rule_set: str = strawberry.field(
        description=(
            "规则集：m48（办法（试行），2018）、reg2021（条例，2021-03-01 起）、"
            "o32（条例及生态环境部令第 32 号，2024-07-01 起）"
        )
    )
    days: int | None = strawberry.field(description="天数；有效期为 null")
    working_days: bool = strawberry.field(
        description="是否按工作日计算（行政许可法第八十二条）；否则为自然日"
    )
    basis: strawberry.Private[Basis]

    @strawberry.field(description="条款（按请求语言）")
    def article(self, info: strawberry.Info) -> str:
        return translate(self.basis.article, info.context.locale)

    @strawberry.field(description="规则集名称（按请求语言）")
    def rule_set_name(self, info: strawberry.Info) -> str:
        return translate(self.basis.rule_set_name, info.context.locale)

    @classmethod
    def of(cls, basis: Basis) -> LegalBasis:
        return cls(rule_set=basis.rule_set, days=basis.days, working_days=basis.working, basis=basis)


@strawberry.type(description="一项许可申请（首次申请、延续、变更、补办）及其办理时限")
class PermitApplication:
    id: strawberry.ID = strawberry.field(description="申请编号；受理、决定、核发时使用")
    kind: ApplicationKind = strawberry.field(description="申请事项")
    status: ApplicationStatus = strawberry.field(description="办理状态")
    received_on: date = strawberry.field(description="收到申请的日期（服务器日期）")
    accept_due: date = strawberry.field(
        description="受理期限（补正后自补齐之日重新计算）；天数和条款见 acceptDueBasis"
    )
    accept_due_approximate: bool = strawberry.field(
        description="受理期限是否为估算：相关年份尚未载入节假日安排（见 warnings）"
    )
    accepted_on: date | None = strawberry.field(description="受理日期")
    decision_due: date | None = strawberry.field(description="许可决定期限；天数和条款见 decisionDueBasis")
    decision_due_approximate: bool = strawberry.field(description="决定期限是否为估算（见 warnings）")
    extended: bool = strawberry.field(description="决定期限是否已延长（只能延长一次）")
    decided_on: date | None = strawberry.field(description="作出决定的日期")
    issue_due: date | None = strawberry.field(description="核发期限；天数和条款见 issueDueBasis")
    issue_due_approximate: bool = strawberry.field(description="核发期限是否为估算（见 warnings）")
    window_due: date | None = strawberry.field(
        description="申请单位应当提出申请的最后一天（延续期限、变更期限、补领期限）"
    )
    late: bool = strawberry.field(description="是否逾期提出（照常办理，逾期记入该单位）")
    completion_requested_on: date | None = strawberry.field(description="一次性告知补正材料的日期")
    completion_request: str = strawberry.field(description="告知需要补正的全部材料")
    materials_completed_on: date | None = strawberry.field(description="补齐材料的日期；受理期限自此重新计算")
    started_by_authority: bool = strawberry.field(description="是否由审批部门依法启动的变更（条例第十六条）")
    completed_on: date | None = strawberry.field(description="办结（核发）日期")
    reason: str = strawberry.field(description="不予受理、不予许可的理由或缩短有效期的理由")
    permit: Permit | None = strawberry.field(description="所涉排污许可证")
    imported_from: str | None = strawberry.field(
        description="自全国平台导入的已办结申请：其来源（日期为原始值，期限按当年工作日计算）；否则为 null"
    )
    platform_id: str | None = strawberry.field(description="导入的申请在全国平台的申请编号；否则为 null")

    @strawberry.field(description="当前环节是否已超过办理期限")
    def overdue(self) -> bool:
        return application_overdue(self.model)

    @strawberry.field(
        description="受理期限届满未作决定、也未告知补正：视为已受理，不能再不予受理（条例第九条第四项）"
    )
    def deemed_accepted(self) -> bool:
        return deemed_accepted(self.model, today())

    @strawberry.field(description="受理期限的依据（天数、条款、规则集）")
    def accept_due_basis(self) -> LegalBasis | None:
        if self.model.kind == "replacement" or self.model.started_by_authority:
            return None
        return LegalBasis.of(law.acceptance_basis(acceptance_clock_start(self.model)))

    @strawberry.field(description="许可决定期限的依据（天数、条款、规则集）")
    def decision_due_basis(self) -> LegalBasis | None:
        if self.model.decision_due is None:
            return None
        m = self.model
        return LegalBasis.of(law.decision_basis(m.received_on, m.kind, m.proposed_category, m.extended))

    @strawberry.field(description="核发期限的依据（天数、条款、规则集）")
    def issue_due_basis(self) -> LegalBasis | None:
        if self.model.issue_due is None:
            return None
        return LegalBasis.of(law.issue_basis(self.model.received_on, self.model.kind))

    @strawberry.field(description="提醒（按请求语言）：哪些期限因相关年份尚未载入节假日安排而为估算")
    def warnings(self, info: strawberry.Info) -> list[str]:
        m = self.model
        pairs = (
            (m.accept_due_approximate, acceptance_clock_start(m), m.accept_due),
            (m.decision_due_approximate, m.accepted_on, m.decision_due),
            (m.issue_due_approximate, m.decided_on, m.issue_due),
        )
        years: set[int] = set()
        for approximate, start, end in pairs:
            if approximate and start is not None and end is not None:
                years.update(uncovered_years_between(start, end))
        warning = holiday_data_warning(tuple(sorted(years)))
        if warning is None:
            return []
        return [translate(warning, info.context.locale, **holiday_data_warning_params(tuple(sorted(years))))]

    model: strawberry.Private[models.PermitApplication]

    @classmethod
    def from_model(cls, application: models.PermitApplication, permit: Permit | None) -> PermitApplication:
        return cls(
            id=strawberry.ID(str(application.id)),
            kind=ApplicationKind(application.kind),
            status=ApplicationStatus(application.status),
            received_on=application.received_on,
            accept_due=application.accept_due,
            accept_due_approximate=application.accept_due_approximate,
            accepted_on=application.accepted_on,
            decision_due=application.decision_due,
            decision_due_approximate=application.decision_due_approximate,
            extended=application.extended,
            decided_on=application.decided_on,
            issue_due=application.issue_due,
            issue_due_approximate=application.issue_due_approximate,
            window_due=application.window_due,
            late=application.late,
            completion_requested_on=application.completion_requested_on,
            completion_request=application.completion_request,
            materials_completed_on=application.materials_completed_on,
            started_by_authority=application.started_by_authority,
            completed_on=application.completed_on,
            reason=application.reason,
            permit=permit,
            imported_from=application.imported_from,
            platform_id=application.platform_id,
            model=application,
        )


@strawberry.type(
    description=(
        "排污许可证。有权查看者（本单位、辖区监管人员、系统管理员）看到全部内容；"
        "其他人（含匿名访问者）只看到已公开的部分：不含商业秘密部分、个人信息、历史版本和在办申请"
    )
)
class Permit:
    number: str | None = strawberry.field(description="许可证编号（22 位）；准予许可前为 null")
    status: PermitStatus = strawberry.field(description="状态")
    category: PermitCategory = strawberry.field(description="管理类别")
    issuing_authority: str = strawberry.field(description="核发机关")
    decision_date: date | None = strawberry.field(description="许可决定日期")
    valid_from: date | None = strawberry.field(description="有效期起")
    valid_until: date | None = strawberry.field(description="有效期至（含当日）")
    renewed: bool = strawberry.field(description="是否为延续后的许可证（有效期 5 年）")
    renewal_deadline: date | None = strawberry.field(
        description=(
            "申请延续的最后一天，按许可决定之日施行的规则：条例第十四条为届满 60 日前，"
            "办法（试行）第四十六条为届满前第 30 个工作日；依据见 renewalDeadlineBasis"
        )
    )
    renewal_deadline_approximate: bool = strawberry.field(
        description=(
            "延续期限是否为估算：相关年份尚未载入节假日安排，"
            "只扣除了周末和固定日期的法定节假日（见 warnings）"
        )
    )
    validity_years: int | None = strawberry.field(
        description=(
            "有效期年数，按许可决定之日施行的规则"
            "（条例第十四条：5 年；办法（试行）第二十一条：首次 3 年、延续 5 年）"
        )
    )
    content_version: int = strawberry.field(description="现行副本内容的版本号")
    key: strawberry.Private[PermitKey]
    enterprise_id: strawberry.Private[int]
    renewal: strawberry.Private[LegalDeadline | None]
    recorded_at: strawberry.Private[datetime]

    @strawberry.field(description=UPDATED_AT)
    async def updated_at(self, info: strawberry.Info) -> datetime:
        return await info.context.loaders.changes.updated_at(
            ObjectType.PERMIT, self.key.permit_id, self.recorded_at
        )

    @classmethod
    def from_view(cls, view: PermitView) -> Permit:
        permit, deadline = view.permit, view.renewal_deadline
        return cls(
            number=permit.number,
            status=PermitStatus(view.display_status),
            category=PermitCategory(permit.category),
            issuing_authority=permit.issuing_authority,
            decision_date=permit.decision_date,
            valid_from=permit.valid_from,
            valid_until=permit.valid_until,
            renewed=permit.renewed,
            renewal_deadline=deadline.date if deadline else None,
            renewal_deadline_approximate=deadline.approximate if deadline else False,
            validity_years=rules.term_years(permit.decision_date, permit.renewed)
            if permit.decision_date
            else None,
            content_version=permit.content_version,
            key=view.key,
            enterprise_id=permit.enterprise_id,
            renewal=deadline,
            recorded_at=permit.updated_at,
        )

    @strawberry.field(description="延续期限的依据（天数、条款、规则集）")
    def renewal_deadline_basis(self) -> LegalBasis | None:
        return LegalBasis.of(self.renewal.basis) if self.renewal is not None else None

    @strawberry.field(description="有效期的依据（条款、规则集）")
    def validity_basis(self) -> LegalBasis | None:
        if self.decision_date is None:
            return None
        return LegalBasis.of(law.term_years(self.decision_date, self.renewed)[1])

    @strawberry.field(description="提醒（按请求语言），例如延续期限因缺少节假日数据而为估算")
    def warnings(self, info: strawberry.Info) -> list[str]:
        if self.renewal is None or self.renewal.warning is None:
            return []
        return [translate(self.renewal.warning, info.context.locale, **self.renewal.warning_params)]

    @strawberry.field(
        description="排污单位：有权查看者得到完整档案（Enterprise），其他人得到公开信息（EnterprisePublic）"
    )
    async def enterprise(self, info: strawberry.Info) -> EnterpriseIdentity:
        found = await info.context.loaders.permits.enterprise.load(self.enterprise_id)
        assert found is not None  # a permit always belongs to a registered unit
        return found

    @strawberry.field(description="排放口和无组织排放源（按编码排序）")
    async def outlets(self, info: strawberry.Info) -> list[Outlet]:
        rows = await info.context.loaders.permits.outlets.load(self.key)
        return [Outlet.from_model(row, self) for row in rows]

    @strawberry.field(description="环境管理台账记录要求")
    async def ledger_requirements(self, info: strawberry.Info) -> list[LedgerRequirement]:
        rows = await info.context.loaders.permits.ledger_requirements.load(self.key)
        return [LedgerRequirement.from_model(row) for row in rows]

    @strawberry.field(description="须提交的执行报告类别")
    async def report_kinds(self, info: strawberry.Info) -> list[ReportKind]:
        content = await info.context.loaders.permits.contents.load(self.key)
        return [ReportKind(kind) for kind in content.report_kinds]

    @strawberry.field(description="主要生产设施；作为商业秘密不予公开且调用者无权查看时为 null")
    async def production_facilities(self, info: strawberry.Info) -> list[JSON] | None:
        content = await info.context.loaders.permits.contents.load(self.key)
        return _camel_entries(content.production_facilities)

    @strawberry.field(description="主要产品及产能；作为商业秘密不予公开且调用者无权查看时为 null")
    async def products(self, info: strawberry.Info) -> list[JSON] | None:
        content = await info.context.loaders.permits.contents.load(self.key)
        return _camel_entries(content.products)

    @strawberry.field(description="污染防治设施；作为商业秘密不予公开且调用者无权查看时为 null")
    async def control_facilities(self, info: strawberry.Info) -> list[JSON] | None:
        content = await info.context.loaders.permits.contents.load(self.key)
        return _camel_entries(content.control_facilities)

    @strawberry.field(description="排污单位申请作为商业秘密不予公开的部分")
    async def secret_sections(self, info: strawberry.Info) -> list[ContentSection]:
        content = await info.context.loaders.permits.contents.load(self.key)
        return [ContentSection(section) for section in content.secret_sections]

    @strawberry.field(description="排污单位承诺")
    async def commitments(self, info: strawberry.Info) -> str:
        content = await info.context.loaders.permits.contents.load(self.key)
        return content.commitments

    @strawberry.field(description="状态变化记录，最新在前；公众只能看到已公告的事项")
    async def events(self, info: strawberry.Info) -> list[PermitEvent]:
        rows = await info.context.loaders.permits.events.load(self.key)
        return [PermitEvent.from_model(row) for row in rows]

    @strawberry.field(description="全部历史版本，最新在前；仅有权查看者可见，其他人为 null")
    async def versions(self, info: strawberry.Info) -> list[PermitVersion] | None:
        rows = await info.context.loaders.permits.versions.load(self.key)
        return None if rows is None else [PermitVersion.from_model(row) for row in rows]

    @strawberry.field(description="正在办理的申请；仅有权查看者可见，没有或无权查看时为 null")
    async def open_application(self, info: strawberry.Info) -> PermitApplication | None:
        row = await info.context.loaders.permits.open_application.load(self.key)
        return None if row is None else PermitApplication.from_model(row, self)


@strawberry.type(description="许可证列表中的一条")
class PermitEdge:
    cursor: str = strawberry.field(description="本条记录的游标")
    node: Permit = strawberry.field(description="排污许可证")


@strawberry.type(description="排污许可证分页列表（Relay 连接）")
class PermitConnection:
    edges: list[PermitEdge] = strawberry.field(description="本页记录")
    page_info: PageInfo = strawberry.field(description="分页信息")
    total_count: int = strawberry.field(description="符合条件的记录总数")

    @classmethod
    def from_page(cls, page: Page[PermitRow]) -> PermitConnection:
        return cls(
            edges=[
                PermitEdge(cursor=page.cursor_at(index), node=Permit.from_view(row.permit))
                for index, row in enumerate(page.items)
            ],
            page_info=PageInfo.from_page(page),
            total_count=page.total,
        )


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------


@strawberry.input(description="排污许可证检索条件")
class PermitFilterInput:
    query: str | None = strawberry.field(default=None, description="单位名称关键字、信用代码或许可证编号前缀")
    status: PermitStatus | None = strawberry.field(default=None, description="状态（含推算的 EXPIRED）")
    category: PermitCategory | None = strawberry.field(default=None, description="管理类别")
    industry_code: str | None = strawberry.field(default=None, description="行业类别代码")
    region_code: str | None = strawberry.field(
        default=None, description="行政区划代码（310100 含上海市下辖各区）"
    )
    expiring_within_days: int | None = strawberry.field(
        default=None, description="在此天数内到期的在有效期内的许可证（0–3660）"
    )
    renewal_deadline_passed: bool | None = strawberry.field(
        default=None, description="只列出已过延续申请期限且未申请延续的许可证"
    )
    updated_since: datetime | None = strawberry.field(default=None, description=UPDATED_SINCE)

    def to_domain(self) -> PermitFilter:
        return PermitFilter(
            query=self.query or "",
            status=self.status.value if self.status else "",
            category=self.category.value if self.category else "",
            industry_code=self.industry_code or "",
            region_code=self.region_code or "",
            expiring_within_days=self.expiring_within_days,
            renewal_deadline_passed=bool(self.renewal_deadline_passed),
            updated_since=self.updated_since,
        )


CONTENT_DESCRIPTION = (
    "许可证副本内容（JSON）：outlets、fugitiveSources、monitoring、ledgerRecords、reportKinds、"
    "productionFacilities、products、controlFacilities、commitments、secretSections；"
    "字段名可用 camelCase 或 snake_case"
)


@strawberry.input(description="首次申请排污许可证")
class ApplyForPermitInput:
    enterprise_credit_code: str = strawberry.field(description="申请单位的统一社会信用代码")
    issuing_authority: str = strawberry.field(description="核发机关")
    content: JSON = strawberry.field(description=CONTENT_DESCRIPTION)
    site: str | None = strawberry.field(
        default=None, description="生产经营场所顺序码（001、002……）；单位只有一个场所时可省略"
    )
    category: PermitCategory | None = strawberry.field(
        default=None, description="管理类别；省略时按单位的管理类别"
    )


@strawberry.input(description="申请变更排污许可证")
class ChangePermitInput:
    permit_number: str = strawberry.field(description="许可证编号")
    kind: PermitChangeKind = strawberry.field(description="变更类型")
    description: str = strawberry.field(description="变更内容说明")
    content: JSON | None = strawberry.field(
        default=None, description="变更后的完整副本内容；省略时沿用现行内容。" + CONTENT_DESCRIPTION
    )
    category: PermitCategory | None = strawberry.field(default=None, description="变更后的管理类别")
    changed_on: date | None = strawberry.field(
        default=None,
        description="变更发生（或将发生）之日；基本信息变更必填，据此判断是否在法定期限内申请",
    )


@strawberry.input(description="申请延续排污许可证（期限见 Permit.renewalDeadline 及其依据）")
class RenewPermitInput:
    permit_number: str = strawberry.field(description="许可证编号")
    content: JSON | None = strawberry.field(
        default=None, description="延续后的完整副本内容；省略时沿用现行内容。" + CONTENT_DESCRIPTION
    )
    category: PermitCategory | None = strawberry.field(default=None, description="延续后的管理类别")


@strawberry.input(description="申请补办遗失或损毁的排污许可证（第五十一条）")
class ReplacePermitInput:
    permit_number: str = strawberry.field(description="许可证编号")
    lost_on: date = strawberry.field(description="遗失或损毁的日期")
    description: str = strawberry.field(default="", description="情况说明（如遗失声明的刊登情况）")
