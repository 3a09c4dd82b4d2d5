"""The positive list (正面清单) and yellow cards through GraphQL: the public list for anyone, a unit's
standing for regulators of its jurisdiction and the unit itself, admission and removal by decision.

Yellow cards are issued from the record they come from (an enforcement case or an inspection record), by
that record's own mutation, never with a reference typed here."""

from __future__ import annotations

import datetime
from enum import Enum
from typing import Annotated

import strawberry

from domain.enterprises.models import Enterprise
from domain.errors import DomainError
from domain.pagination import Page
from domain.supervision.cases import cards
from domain.supervision.inspections import cards as inspection_cards
from domain.supervision.standing import queries, service
from domain.supervision.standing.models import PositiveListEntry as EntryModel
from domain.supervision.standing.models import YellowCard as CardModel
from domain.supervision.standing.rules import AdmissionInput
from graphql_schema.enums import enum_value
from graphql_schema.errors import UserError, absent, refused, user_errors
from graphql_schema.pagination import After, Before, First, Last, PageInfo, page_window

CreditCode = Annotated[str, strawberry.argument(description="统一社会信用代码")]


@strawberry.enum(description="移出正面清单的原因")
class RemovalReason(Enum):
    YELLOW_CARDS = enum_value("yellow_cards", description="一个自然年内累积黄牌两张")
    DECISION = enum_value("decision", description="经决定移出")


@strawberry.enum(description="黄牌所依据的记录类型")
class CardSource(Enum):
    CASE = enum_value("case", description="执法案件（轻微免罚）")
    INSPECTION = enum_value("inspection", description="现场检查记录")


@strawberry.type(description="正面清单上的一段记录：纳入日期、依据，及移出日期和原因（如已移出）")
class PositiveListEntry:
    entered_on: datetime.date = strawberry.field(description="纳入日期")
    basis: str = strawberry.field(description="纳入决定及依据")
    removed_on: datetime.date | None = strawberry.field(description="移出日期；仍在清单上时为 null")
    removal_reason: RemovalReason | None = strawberry.field(description="移出原因")
    removal_note: str = strawberry.field(description="移出说明（按决定移出时）")

    @classmethod
    def from_model(cls, entry: EntryModel) -> PositiveListEntry:
        return cls(
            entered_on=entry.entered_on,
            basis=entry.basis,
            removed_on=entry.removed_on,
            removal_reason=RemovalReason(entry.removal_reason) if entry.removal_reason else None,
            removal_note=entry.removal_note,
        )


@strawberry.type(description="黄牌：正面清单内单位的一次轻微免罚行为")
class YellowCard:
    issued_on: datetime.date = strawberry.field(description="记牌日期（计入该自然年）")
    violation: str = strawberry.field(description="违法行为")
    source: CardSource = strawberry.field(description="所依据记录的类型")
    source_reference: str = strawberry.field(description="所依据记录的编号")

    @classmethod
    def from_model(cls, card: CardModel) -> YellowCard:
        return cls(
            issued_on=card.issued_on,
            violation=card.violation,
            source=CardSource(card.source_kind),
            source_reference=card.source_ref,
        )


@strawberry.type(description="一家单位的正面清单状态：全部纳入与移出记录、黄牌")
class UnitStanding:
    credit_code: str = strawberry.field(description="统一社会信用代码")
    unit_name: str = strawberry.field(description="单位名称")
    listed: bool = strawberry.field(description="当前是否在正面清单上")
    re_entry_from: datetime.date | None = strawberry.field(
        description="移出后可再次纳入的最早日期（移出三年）"
    )
    entries: list[PositiveListEntry] = strawberry.field(description="清单记录，新的在前")
    yellow_cards: list[YellowCard] = strawberry.field(description="黄牌，新的在前")

    @classmethod
    def from_view(cls, standing: queries.Standing) -> UnitStanding:
        return cls(
            credit_code=standing.enterprise.credit_code,
            unit_name=standing.enterprise.name,
            listed=standing.listed is not None,
            re_entry_from=standing.re_entry_from,
            entries=[PositiveListEntry.from_model(e) for e in standing.entries],
            yellow_cards=[YellowCard.from_model(c) for c in standing.cards],
        )


@strawberry.type(description="公开的正面清单中的一家单位")
class ListedUnit:
    credit_code: str = strawberry.field(description="统一社会信用代码")
    unit_name: str = strawberry.field(description="单位名称")
    region_code: str = strawberry.field(description="所在行政区划代码")
    entered_on: datetime.date = strawberry.field(description="纳入日期")
    basis: str = strawberry.field(description="纳入依据")
    removed_on: datetime.date | None = strawberry.field(description="移出日期")
    removal_reason: RemovalReason | None = strawberry.field(description="移出原因")


@strawberry.type(description="正面清单分页中的一条")
class ListedUnitEdge:
    cursor: str = strawberry.field(description="本条的游标")
    node: ListedUnit = strawberry.field(description="单位")


@strawberry.type(description="正面清单分页列表（Relay 连接）")
class ListedUnitConnection:
    edges: list[ListedUnitEdge] = strawberry.field(description="本页记录")
    page_info: PageInfo = strawberry.field(description="分页信息")
    total_count: int = strawberry.field(description="记录总数")

    @classmethod
    def from_page(cls, page: Page[queries.ListedUnit]) -> ListedUnitConnection:
        return cls(
            edges=[
                ListedUnitEdge(
                    cursor=page.cursor_at(index),
                    node=ListedUnit(
                        credit_code=row.credit_code,
                        unit_name=row.name,
                        region_code=row.region_code,
                        entered_on=row.entered_on,
                        basis=row.basis,
                        removed_on=row.removed_on,
                        removal_reason=RemovalReason(row.removal_reason) if row.removal_reason else None,
                    ),
                )
                for index, row in enumerate(page.items)
            ],
            page_info=PageInfo.from_page(page),
            total_count=page.total,
        )


@strawberry.type(description="正面清单操作的结果")
class StandingPayload:
    standing: UnitStanding | None = strawberry.field(description="操作后的单位状态；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type
class StandingQuery:
    @strawberry.field(
        description="公开的正面清单（任何人可查）：在清单上的单位，或 removed 为 true 时已移出的单位。"
    )
    async def positive_list(
        self,
        info: strawberry.Info,
        removed: Annotated[bool, strawberry.argument(description="为 true 时列出已移出的单位")] = False,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> ListedUnitConnection:
        context = info.context
        try:
            async with context.read() as session:
                page = await queries.public_list(
                    session, removed=removed, window=page_window(first, after, last, before)
                )
                return ListedUnitConnection.from_page(page)
        except DomainError as error:
            raise refused(error, context.locale) from None

    @strawberry.field(description="一家单位的正面清单记录和黄牌（辖区监管人员与单位本身可查）。")
    async def unit_standing(self, info: strawberry.Info, credit_code: CreditCode) -> UnitStanding | None:
        context = info.context
        try:
            async with context.read() as session:
                return UnitStanding.from_view(
                    await queries.standing_of(session, context.actor, credit_code=credit_code)
                )
        except DomainError as error:
            absent(error, context.locale)
            return None


async def _standing_after(info: strawberry.Info, credit_code: str) -> UnitStanding:
    async with info.context.read() as session:
        return UnitStanding.from_view(
            await queries.standing_of(session, info.context.actor, credit_code=credit_code)
        )


@strawberry.type
class StandingMutation:
    @strawberry.mutation(
        description="纳入正面清单（法制科、执法大队）：须写明决定及依据；已在清单上、或移出未满三年的单位不能纳入。"
    )
    async def admit_to_positive_list(
        self,
        info: strawberry.Info,
        credit_code: CreditCode,
        entered_on: Annotated[datetime.date, strawberry.argument(description="纳入日期（不晚于今天）")],
        basis: Annotated[str, strawberry.argument(description="纳入决定及依据（至多 1000 字）")],
    ) -> StandingPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                await service.admit_to_positive_list(
                    session,
                    context.actor,
                    data=AdmissionInput(credit_code=credit_code, entered_on=entered_on, basis=basis),
                )
        except DomainError as error:
            return StandingPayload(standing=None, errors=user_errors(error, context.locale))
        return StandingPayload(standing=await _standing_after(info, credit_code), errors=[])

    @strawberry.mutation(
        description="从不予处罚（轻微免罚）的执法案件为正面清单内单位记黄牌1张；同一自然年第二张黄牌即移出清单。"
    )
    async def issue_yellow_card_for_case(
        self,
        info: strawberry.Info,
        case_id: Annotated[strawberry.ID, strawberry.argument(description="执法案件 ID")],
    ) -> StandingPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                card, _removed = await cards.yellow_card_for_case(
                    session, context.actor, case_id=str(case_id)
                )
                enterprise = await session.get(Enterprise, card.enterprise_id)
                code = enterprise.credit_code if enterprise else ""
        except DomainError as error:
            return StandingPayload(standing=None, errors=user_errors(error, context.locale))
        return StandingPayload(standing=await _standing_after(info, code), errors=[])

    @strawberry.mutation(
        description="从发现轻微违法（不予处罚）的检查记录为正面清单内单位记黄牌1张，按检查日期计入自然年。"
    )
    async def issue_yellow_card_for_inspection(
        self,
        info: strawberry.Info,
        reference: Annotated[str, strawberry.argument(description="检查记录编号")],
        violation: Annotated[str, strawberry.argument(description="轻微违法行为（至多 1000 字）")],
    ) -> StandingPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                card, _removed = await inspection_cards.yellow_card_for_inspection(
                    session, context.actor, reference=reference, violation=violation
                )
                enterprise = await session.get(Enterprise, card.enterprise_id)
                code = enterprise.credit_code if enterprise else ""
        except DomainError as error:
            return StandingPayload(standing=None, errors=user_errors(error, context.locale))
        return StandingPayload(standing=await _standing_after(info, code), errors=[])

    @strawberry.mutation(description="按决定将单位移出正面清单，须说明原因；移出后三年内不得再次纳入。")
    async def remove_from_positive_list(
        self,
        info: strawberry.Info,
        credit_code: CreditCode,
        removed_on: Annotated[datetime.date, strawberry.argument(description="移出日期（不晚于今天）")],
        note: Annotated[str, strawberry.argument(description="移出原因（至多 1000 字）")],
    ) -> StandingPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                await service.remove_from_positive_list(
                    session, context.actor, credit_code=credit_code, removed_on=removed_on, note=note
                )
        except DomainError as error:
            return StandingPayload(standing=None, errors=user_errors(error, context.locale))
        return StandingPayload(standing=await _standing_after(info, credit_code), errors=[])
