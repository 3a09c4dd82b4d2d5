"""GraphQL projections of the ledger: readings, entries, exceedances, completeness, emissions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from domain.changes.kinds import ObjectType
from domain.ledgers import entry_rules, models, rules
from domain.ledgers.queries import period
from graphql_schema.changes import UPDATED_AT
from graphql_schema.closed_sets import (
    EmissionMethod,
    ExceedanceKind,
    ExceedanceStatus,
    LedgerEntryKind,
    ReadingMethod,
    RequirementKind,
)
from graphql_schema.scalars import Long


@strawberry.type(description="监测数据（自动监测为小时值，手工监测为一次采样）；更正时原记录作废保留")
class MonitoringReading:
    id: Long = strawberry.field(description="监测数据 ID")
    outlet_code: str = strawberry.field(description="排放口编号")
    pollutant: str = strawberry.field(description="污染物代码")
    method: ReadingMethod = strawberry.field(description="automatic 自动 / manual 手工")
    measured_at: datetime = strawberry.field(description="监测时间（开始）")
    period_end: datetime = strawberry.field(description="监测时段结束")
    concentration: float = strawberry.field(description="浓度（废气 mg/m³，废水 mg/L）")
    unit: str = strawberry.field(description="浓度单位")
    flow_m3: float | None = strawberry.field(description="流量（m³）")
    quantity_kg: float | None = strawberry.field(description="排放量（kg）")
    entered_at: datetime = strawberry.field(description="服务器接收时间")
    entered_by: str | None = strawberry.field(description="填报人")
    on_behalf_of: str | None = strawberry.field(description="代为填报的第三方机构")
    voided_at: datetime | None = strawberry.field(description="作废时间；有效记录为 null")
    void_reason: str = strawberry.field(description="作废原因；有效记录为空")
    replaces_id: Long | None = strawberry.field(description="本记录更正的原记录")

    @strawberry.field(description=UPDATED_AT)
    async def updated_at(self, info: strawberry.Info) -> datetime:
        return await info.context.loaders.changes.updated_at(ObjectType.READING, self.id, self.entered_at)

    @classmethod
    def from_model(cls, row: models.MonitoringReading) -> MonitoringReading:
        return cls(
            id=row.id or 0,
            outlet_code=row.outlet_code,
            pollutant=row.pollutant,
            method=ReadingMethod(row.method),
            measured_at=row.measured_at,
            period_end=row.period_end,
            concentration=row.concentration,
            unit=row.unit,
            flow_m3=row.flow_m3,
            quantity_kg=row.quantity_kg,
            entered_at=row.entered_at,
            entered_by=row.entered_by,
            on_behalf_of=row.on_behalf_of,
            voided_at=row.voided_at,
            void_reason=row.void_reason,
            replaces_id=row.replaces_id,
        )


@strawberry.type(description="台账记录（生产设施、污染防治设施、非正常工况、其他）；修改保留全部版本")
class LedgerEntry:
    id: int = strawberry.field(description="台账记录 ID")
    kind: LedgerEntryKind = strawberry.field(
        description=(
            "记录类型：production_facility 生产设施 / control_facility 污染防治设施 / "
            "abnormal 非正常工况 / other 其他"
        )
    )
    subject: str = strawberry.field(description="记录对象（设施、排放口）")
    period_start: datetime = strawberry.field(description="记录时段开始")
    period_end: datetime | None = strawberry.field(description="记录时段结束；单一时点的记录为 null")
    data: JSON = strawberry.field(description="记录内容")
    revision: int = strawberry.field(description="当前版本号")
    created_at: datetime = strawberry.field(description="服务器接收时间")
    created_by: str | None = strawberry.field(description="填报人")
    on_behalf_of: str | None = strawberry.field(description="代为填报的第三方机构")
    voided_at: datetime | None = strawberry.field(description="作废时间；有效记录为 null")
    void_reason: str = strawberry.field(description="作废原因；有效记录为空")

    @strawberry.field(description=UPDATED_AT)
    async def updated_at(self, info: strawberry.Info) -> datetime:
        return await info.context.loaders.changes.updated_at(
            ObjectType.LEDGER_ENTRY, self.id, self.created_at
        )

    @classmethod
    def from_model(cls, row: models.LedgerEntry) -> LedgerEntry:
        return cls(
            id=row.id or 0,
            kind=LedgerEntryKind(row.kind),
            subject=row.subject,
            period_start=row.period_start,
            period_end=row.period_end,
            data=JSON(dict(row.data)),
            revision=row.revision,
            created_at=row.created_at,
            created_by=row.created_by,
            on_behalf_of=row.on_behalf_of,
            voided_at=row.voided_at,
            void_reason=row.void_reason,
        )


@strawberry.type(description="超标记录：记录原因和措施前一直处于 open 状态")
class Exceedance:
    id: int = strawberry.field(description="超标记录 ID")
    permit_number: str = strawberry.field(description="许可证编号")
    outlet_code: str = strawberry.field(description="排放口编号")
    pollutant: str = strawberry.field(description="污染物代码")
    kind: ExceedanceKind = strawberry.field(
        description="concentration 浓度超标 / annual_quantity 年排放量超许可量"
    )
    started_at: datetime = strawberry.field(description="超标开始时间")
    ended_at: datetime = strawberry.field(description="超标结束时间（最后一条超标监测数据的时段结束）")
    reading_count: int = strawberry.field(description="超标的监测数据条数")
    max_value: float = strawberry.field(description="最大值（浓度或年排放量）")
    limit_value: float = strawberry.field(description="许可限值")
    unit: str = strawberry.field(description="计量单位")
    status: ExceedanceStatus = strawberry.field(description="open 待说明 / explained 已说明")
    cause: str = strawberry.field(description="超标原因；未说明时为空")
    measures: str = strawberry.field(description="采取的措施；未说明时为空")
    explained_at: datetime | None = strawberry.field(description="说明的时间；未说明时为 null")

    @classmethod
    def from_model(cls, row: models.Exceedance, permit_number: str) -> Exceedance:
        return cls(
            id=row.id or 0,
            permit_number=permit_number,
            outlet_code=row.outlet_code,
            pollutant=row.pollutant,
            kind=ExceedanceKind(row.kind),
            started_at=row.started_at,
            ended_at=row.ended_at,
            reading_count=row.reading_count,
            max_value=row.max_value,
            limit_value=row.limit_value,
            unit=row.unit,
            status=ExceedanceStatus(row.status),
            cause=row.cause,
            measures=row.measures,
            explained_at=row.explained_at,
        )


@strawberry.type(description="缺失时段")
class LedgerGap:
    first_missing: datetime = strawberry.field(description="第一个缺失时段的开始")
    last_missing: datetime = strawberry.field(description="最后一个缺失时段的开始")
    missing: int = strawberry.field(description="缺失的时段数（小时、日、月……）")


@strawberry.type(description="一项台账或监测要求在所查期间的完整情况")
class RequirementCoverage:
    label: str = strawberry.field(description="要求的名称")
    kind: RequirementKind = strawberry.field(description="要求的类型（台账或监测）")
    frequency: str = strawberry.field(description="记录频次")
    expected: int = strawberry.field(description="应记录的时段数")
    recorded: int = strawberry.field(description="已记录的时段数")
    gaps: list[LedgerGap] = strawberry.field(description="缺失时段")

    @classmethod
    def from_rule(cls, item: rules.RequirementCoverage) -> RequirementCoverage:
        return cls(
            label=item.label,
            kind=RequirementKind(item.kind),
            frequency=item.frequency,
            expected=item.expected,
            recorded=item.recorded,
            gaps=[
                LedgerGap(first_missing=g.first_missing, last_missing=g.last_missing, missing=g.missing)
                for g in item.gaps
            ],
        )


@strawberry.type(description="台账完整性：要求与实际记录的对比")
class LedgerCompleteness:
    ratio: float = strawberry.field(description="已记录时段占应记录时段的比例（0–1）")
    requirements: list[RequirementCoverage] = strawberry.field(description="各项台账和监测要求的完整情况")


@strawberry.type(description="实际排放量（《排污许可管理办法》第三十六条的核算方法顺序）")
class EmissionFigure:
    outlet_code: str = strawberry.field(description="排放口编号")
    pollutant: str = strawberry.field(description="污染物代码")
    method: EmissionMethod = strawberry.field(
        description="automatic 自动监测 / manual 手工监测 / factor 排污系数或物料衡算 / missing 缺失"
    )
    quantity_kg: float | None = strawberry.field(description="排放量（kg）；缺失时为 null")
    automatic_coverage: float = strawberry.field(description="自动监测有效小时占比")
    readings: int = strawberry.field(description="参与核算的监测数据条数")

    @classmethod
    def from_domain(cls, figure: period.EmissionFigure) -> EmissionFigure:
        return cls(
            outlet_code=figure.outlet_code,
            pollutant=figure.pollutant,
            method=EmissionMethod(figure.method),
            quantity_kg=figure.quantity_kg,
            automatic_coverage=figure.automatic_coverage,
            readings=figure.readings,
        )


@strawberry.input(description="一条监测数据")
class ReadingInputType:
    outlet_code: str = strawberry.field(description="排放口编号")
    pollutant: str = strawberry.field(description="污染物代码")
    method: str = strawberry.field(description="监测方式：automatic 自动 / manual 手工")
    measured_at: datetime = strawberry.field(description="监测时间；不带时区的按北京时间（UTC+8）")
    concentration: float = strawberry.field(description="浓度")
    unit: str = strawberry.field(description="浓度单位：mg/m3、μg/m3、mg/L …")
    period_end: datetime | None = strawberry.field(
        default=None, description="监测时段结束；不填时自动监测按一小时、手工监测按一分钟计"
    )
    flow_m3: float | None = strawberry.field(default=None, description="流量（m³）")
    quantity_kg: float | None = strawberry.field(default=None, description="排放量（kg）")

    def to_domain(self) -> rules.ReadingInput:
        return rules.ReadingInput(
            outlet_code=self.outlet_code,
            pollutant=self.pollutant,
            method=self.method,
            measured_at=self.measured_at,
            concentration=self.concentration,
            unit=self.unit,
            period_end=self.period_end,
            flow_m3=self.flow_m3,
            quantity=self.quantity_kg,
            quantity_unit="kg",
        )


@strawberry.input(description="台账记录")
class LedgerEntryInputType:
    kind: str = strawberry.field(
        description=(
            "记录类型：production_facility 生产设施 / control_facility 污染防治设施 / "
            "abnormal 非正常工况 / other 其他"
        )
    )
    subject: str = strawberry.field(description="记录对象（设施、排放口）")
    period_start: datetime = strawberry.field(description="记录时段开始；不带时区的按北京时间（UTC+8）")
    period_end: datetime | None = strawberry.field(
        default=None, description="记录时段结束；单一时点的记录不填"
    )
    data: JSON = strawberry.field(
        description="记录内容，如 {status, hours, load_percent} 或 {description, cause, measures}"
    )

    def to_domain(self) -> entry_rules.EntryInput:
        data: dict[str, Any] = dict(self.data) if isinstance(self.data, dict) else {}
        return entry_rules.EntryInput(
            kind=self.kind,
            subject=self.subject,
            period_start=self.period_start,
            period_end=self.period_end,
            data=data,
        )


@strawberry.type(description="停产记录：停产期间不计台账缺失，执行报告载明停产情况（条例第二十二条）")
class Shutdown:
    id: int = strawberry.field(description="停产记录 ID")
    permit_number: str = strawberry.field(description="许可证编号")
    starts_on: date = strawberry.field(description="停产第一天")
    ends_on: date | None = strawberry.field(description="停产最后一天；仍在停产时为 null")
    reason: str = strawberry.field(description="停产原因")
    recorded_at: datetime = strawberry.field(description="服务器接收时间")
    recorded_by: str = strawberry.field(description="填报人")
    on_behalf_of: str | None = strawberry.field(description="代为填报的第三方机构")

    @classmethod
    def from_model(cls, row: models.ShutdownPeriod, permit_number: str) -> Shutdown:
        return cls(
            id=row.id or 0,
            permit_number=permit_number,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            reason=row.reason,
            recorded_at=row.recorded_at,
            recorded_by=row.recorded_by,
            on_behalf_of=row.on_behalf_of,
        )
