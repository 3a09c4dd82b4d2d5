"""Enterprise environmental credit (企业环境信用) through GraphQL: a unit's score, level, history and events
with their sources (regulators of its jurisdiction and the unit itself), the public face for anyone, and
the legal section's mutations (record an event with basis and evidence, void one with a reason,
recompute a unit's events from its records). The same use cases and errors as the portal."""

from __future__ import annotations

import datetime
from enum import Enum
from typing import Annotated

import strawberry

from domain.errors import DomainError
from domain.pagination import Page
from domain.supervision.credit import queries, service
from domain.supervision.credit.models import UnitCreditEvent as EventModel
from graphql_schema.enums import enum_value
from graphql_schema.errors import UserError, absent, refused, user_errors
from graphql_schema.pagination import After, Before, First, Last, PageInfo, page_window

CreditCode = Annotated[str, strawberry.argument(description="统一社会信用代码")]


@strawberry.enum(description="企业环境信用等级（环发〔2013〕150号的四级）")
class UnitCreditLevel(Enum):
    HONEST = enum_value("honest", description="环保诚信（90 分及以上）")
    GOOD = enum_value("good", description="环保良好（75–89 分）")
    WARNING = enum_value("warning", description="环保警示（60–74 分）")
    POOR = enum_value("poor", description="环保不良（60 分以下）")


@strawberry.enum(
    description="信用事件类型：由单位自身记录得出的，及法制科记录的（COMMENDATION、VIOLATION、SERIOUS_VIOLATION）"
)
class UnitCreditEventKind(Enum):
    PENALTY_DECIDED = enum_value("penalty_decided", description="受到行政处罚（−20）")
    YELLOW_CARD = enum_value("yellow_card", description="黄牌（−5）")
    GRADE_UNQUALIFIED = enum_value("grade_unqualified", description="年度等级评定为不合格（−15）")
    GRADE_EXCELLENT = enum_value("grade_excellent", description="年度等级评定为优秀（+5）")
    POSITIVE_LIST = enum_value("positive_list", description="纳入正面清单，在清单期间（+5）")
    PROBLEM_CONFIRMED = enum_value("problem_confirmed", description="问题经确认，责令整改（−2）")
    RECTIFICATION_OVERDUE = enum_value("rectification_overdue", description="整改逾期未完成（−5）")
    REPORT_OVERDUE = enum_value("report_overdue", description="执行报告未按期提交（−3）")
    EXCEEDANCE_UNEXPLAINED = enum_value(
        "exceedance_unexplained", description="超标 30 日内未说明原因和措施（−5）"
    )
    COMMENDATION = enum_value("commendation", description="受到表彰或有突出贡献（+5，法制科记录）")
    VIOLATION = enum_value("violation", description="监管部门查实的其他违法行为（−5，法制科记录）")
    SERIOUS_VIOLATION = enum_value(
        "serious_violation", description="监管部门查实的严重违法行为（−30，法制科记录）"
    )


@strawberry.enum(description="信用事件所依据的记录类型")
class UnitCreditSource(Enum):
    CASE = enum_value("case", description="执法案件")
    CARD = enum_value("card", description="黄牌")
    GRADE = enum_value("grade", description="年度等级评定")
    LISTING = enum_value("listing", description="正面清单")
    PROBLEM = enum_value("problem", description="问题")
    RECTIFICATION = enum_value("rectification", description="整改事项")
    REPORT = enum_value("report", description="执行报告")
    EXCEEDANCE = enum_value("exceedance", description="超标记录")
    REGULATOR = enum_value("regulator", description="法制科记录")


@strawberry.type(description="信用事件：加减分、所依据的记录；作废的事件保留，不再计分")
class UnitCreditEvent:
    id: strawberry.ID = strawberry.field(description="事件 ID（作废时使用）")
    kind: UnitCreditEventKind = strawberry.field(description="事件类型")
    points: float = strawberry.field(description="加减分")
    occurred_at: datetime.datetime = strawberry.field(description="发生时间（所依据记录的日期）")
    source: UnitCreditSource = strawberry.field(description="所依据记录的类型")
    source_reference: str = strawberry.field(
        description="所依据记录的编号：案件、黄牌、问题 ID，评定年度，许可证号/报告类型/期间，超标记录 ID"
    )
    note: str = strawberry.field(description="记录所载内容（文书号、违法行为、期间、污染物名称）")
    basis: str = strawberry.field(description="依据（法制科记录的事件）")
    evidence: str = strawberry.field(description="证据文书（法制科记录的事件）")
    public: bool = strawberry.field(description="是否在公开信用页显示")
    voided_at: datetime.datetime | None = strawberry.field(description="作废时间；未作废时为 null")
    voided_by: str | None = strawberry.field(description="作废人")
    void_reason: str = strawberry.field(description="作废原因")

    @classmethod
    def from_model(cls, event: EventModel) -> UnitCreditEvent:
        return cls(
            id=strawberry.ID(str(event.id)),
            kind=UnitCreditEventKind(event.kind),
            points=event.points,
            occurred_at=event.occurred_at,
            source=UnitCreditSource(event.source_type),
            source_reference=event.source_id,
            note=event.note,
            basis=event.basis,
            evidence=event.evidence,
            public=event.public,
            voided_at=event.voided_at,
            voided_by=event.voided_by,
            void_reason=event.void_reason,
        )


@strawberry.type(description="信用分在某日结束时的值")
class UnitCreditScorePoint:
    day: datetime.date = strawberry.field(description="日期（北京时间）")
    score: float = strawberry.field(description="当日结束时的信用分")


@strawberry.type(description="信用事件分页中的一条")
class UnitCreditEventEdge:
    cursor: str = strawberry.field(description="本条的游标")
    node: UnitCreditEvent = strawberry.field(description="事件")


@strawberry.type(description="信用事件分页列表（Relay 连接），新的在前")
class UnitCreditEventConnection:
    edges: list[UnitCreditEventEdge] = strawberry.field(description="本页记录")
    page_info: PageInfo = strawberry.field(description="分页信息")
    total_count: int = strawberry.field(description="记录总数")

    @classmethod
    def from_page(cls, page: Page[EventModel]) -> UnitCreditEventConnection:
        return cls(
            edges=[
                UnitCreditEventEdge(cursor=page.cursor_at(index), node=UnitCreditEvent.from_model(event))
                for index, event in enumerate(page.items)
            ],
            page_info=PageInfo.from_page(page),
            total_count=page.total,
        )


@strawberry.type(description="一家单位的环境信用：信用分、等级、历史")
class UnitCredit:
    credit_code: str = strawberry.field(description="统一社会信用代码")
    unit_name: str = strawberry.field(description="单位名称")
    score: float = strawberry.field(description="信用分（基础分 100，加减各事件分值）")
    level: UnitCreditLevel = strawberry.field(description="信用等级")
    history: list[UnitCreditScorePoint] = strawberry.field(description="信用分历史：每次变动之日的分值")

    @strawberry.field(description="信用事件（含已作废的），新的在前；辖区监管人员与单位本身可查")
    async def events(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> UnitCreditEventConnection:
        context = info.context
        try:
            async with context.read() as session:
                page = await queries.credit_events(
                    session,
                    context.actor,
                    credit_code=self.credit_code,
                    window=page_window(first, after, last, before),
                )
                return UnitCreditEventConnection.from_page(page)
        except DomainError as error:
            raise refused(error, context.locale) from None

    @classmethod
    def from_view(cls, credit: queries.UnitCredit) -> UnitCredit:
        return cls(
            credit_code=credit.enterprise.credit_code,
            unit_name=credit.enterprise.name,
            score=credit.score,
            level=UnitCreditLevel(credit.level),
            history=[UnitCreditScorePoint(day=p.day, score=p.score) for p in credit.history],
        )


@strawberry.type(description="公开的企业环境信用：信用分、等级、历史和可公开的事件（任何人可查）")
class PublicUnitCredit:
    credit_code: str = strawberry.field(description="统一社会信用代码")
    unit_name: str = strawberry.field(description="单位名称")
    score: float = strawberry.field(description="信用分（计入全部未作废事件）")
    level: UnitCreditLevel = strawberry.field(description="信用等级")
    history: list[UnitCreditScorePoint] = strawberry.field(description="信用分历史")
    events: list[UnitCreditEvent] = strawberry.field(
        description="可公开的事件（行政处罚、年度评定、正面清单、表彰、严重违法），未作废的，新的在前"
    )

    @classmethod
    def from_view(cls, credit: queries.UnitCredit) -> PublicUnitCredit:
        return cls(
            credit_code=credit.enterprise.credit_code,
            unit_name=credit.enterprise.name,
            score=credit.score,
            level=UnitCreditLevel(credit.level),
            history=[UnitCreditScorePoint(day=p.day, score=p.score) for p in credit.history],
            events=[UnitCreditEvent.from_model(e) for e in credit.events],
        )


@strawberry.type(description="信用操作的结果")
class UnitCreditPayload:
    credit: UnitCredit | None = strawberry.field(description="操作后的单位信用；失败时为 null")
    event: UnitCreditEvent | None = strawberry.field(description="记录或作废的事件")
    added: int = strawberry.field(description="重算新增的事件数")
    voided: int = strawberry.field(description="重算中因记录不再成立而作废的事件数")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


async def _credit_after(info: strawberry.Info, credit_code: str) -> UnitCredit:
    async with info.context.read() as session:
        return UnitCredit.from_view(
            await queries.unit_credit(session, info.context.actor, credit_code=credit_code)
        )


def _failed(error: DomainError, locale: str) -> UnitCreditPayload:
    errors = user_errors(error, locale, rename={"event_id": "id"})
    return UnitCreditPayload(credit=None, event=None, added=0, voided=0, errors=errors)


@strawberry.type
class UnitCreditQuery:
    @strawberry.field(
        description="一家单位的环境信用（辖区监管人员与单位本身可查）；单位不存在或无权查看时为 null。"
    )
    async def unit_credit(self, info: strawberry.Info, credit_code: CreditCode) -> UnitCredit | None:
        context = info.context
        try:
            async with context.read() as session:
                return UnitCredit.from_view(
                    await queries.unit_credit(session, context.actor, credit_code=credit_code)
                )
        except DomainError as error:
            absent(error, context.locale)
            return None

    @strawberry.field(description="公开的企业环境信用（任何人可查）；没有该单位时为 null。")
    async def public_unit_credit(
        self, info: strawberry.Info, credit_code: CreditCode
    ) -> PublicUnitCredit | None:
        context = info.context
        try:
            async with context.read() as session:
                return PublicUnitCredit.from_view(
                    await queries.public_credit(session, credit_code=credit_code)
                )
        except DomainError as error:
            absent(error, context.locale)
            return None


@strawberry.type
class UnitCreditMutation:
    @strawberry.mutation(
        description="记录信用事件（法制科）：表彰、其他违法、严重违法，须写明依据和证据文书；同一证据同类事件只记一次。"
    )
    async def record_unit_credit_event(
        self,
        info: strawberry.Info,
        credit_code: CreditCode,
        kind: Annotated[UnitCreditEventKind, strawberry.argument(description="事件类型")],
        basis: Annotated[str, strawberry.argument(description="依据（至多 500 字）")],
        evidence: Annotated[str, strawberry.argument(description="证据文书（至多 500 字）")],
        note: Annotated[str, strawberry.argument(description="说明（至多 1000 字）")] = "",
    ) -> UnitCreditPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                event = await service.record_credit_event(
                    session,
                    context.actor,
                    credit_code=credit_code,
                    kind=kind.value,
                    basis=basis,
                    evidence=evidence,
                    note=note,
                )
                recorded = UnitCreditEvent.from_model(event)
        except DomainError as error:
            return _failed(error, context.locale)
        return UnitCreditPayload(
            credit=await _credit_after(info, credit_code), event=recorded, added=0, voided=0, errors=[]
        )

    @strawberry.mutation(
        description="作废信用事件（法制科），须说明原因；事件保留并注明作废人、时间和原因，不再计分。"
    )
    async def void_unit_credit_event(
        self,
        info: strawberry.Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="事件 ID")],
        reason: Annotated[str, strawberry.argument(description="作废原因（至多 1000 字）")],
    ) -> UnitCreditPayload:
        context = info.context
        raw = str(id)
        event_id = int(raw) if raw.isdigit() and len(raw) <= 10 else 0
        try:
            async with context.transaction() as session:
                event = await service.void_credit_event(
                    session, context.actor, event_id=event_id, reason=reason
                )
                voided = UnitCreditEvent.from_model(event)
                code = await service.credit_code_of(session, event.enterprise_id)
        except DomainError as error:
            return _failed(error, context.locale)
        return UnitCreditPayload(
            credit=await _credit_after(info, code), event=voided, added=0, voided=1, errors=[]
        )

    @strawberry.mutation(description="按单位自身记录重算其信用事件（法制科；每日任务对全部单位重算）。")
    async def refresh_unit_credit(self, info: strawberry.Info, credit_code: CreditCode) -> UnitCreditPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                added, voided = await service.refresh_credit(session, context.actor, credit_code=credit_code)
        except DomainError as error:
            return _failed(error, context.locale)
        return UnitCreditPayload(
            credit=await _credit_after(info, credit_code), event=None, added=added, voided=voided, errors=[]
        )
