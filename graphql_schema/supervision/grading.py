"""Annual grading through GraphQL (PT §4, annex 2): a district's permit holders for a year with the proposal
and its grounds, a unit's grades, and deciding a grade (payload errors like every mutation)."""

from __future__ import annotations

import datetime
from enum import Enum
from typing import Annotated

import strawberry

from domain.errors import DomainError
from domain.supervision.grading import queries, service
from domain.supervision.grading.models import GradeDecision as DecisionModel
from graphql_schema.closed_sets import GroundRecordKind
from graphql_schema.enums import enum_value
from graphql_schema.errors import UserError, absent, user_errors


@strawberry.enum(description="年度等级评定等级")
class Grade(Enum):
    EXCELLENT = enum_value("excellent", description="优秀")
    QUALIFIED = enum_value("qualified", description="合格")
    UNQUALIFIED = enum_value("unqualified", description="不合格")


@strawberry.enum(description="评定为不合格的情形（附件2第三条）")
class GradingGround(Enum):
    PENALTY = enum_value("penalty", description="受到生态环境部门行政处罚")
    NOT_PER_PERMIT = enum_value("not_per_permit", description="无证排污或未按证排污")
    COMPLAINT_UNRECTIFIED = enum_value("complaint_unrectified", description="信访投诉问题未按期整改")


@strawberry.type(description="不合格情形及其所依据的记录")
class GroundRecord:
    ground: GradingGround = strawberry.field(description="情形")
    record_kind: GroundRecordKind = strawberry.field(
        description="记录类型：case（执法案件）或 problem（问题）"
    )
    record_id: strawberry.ID = strawberry.field(description="记录 ID")
    record_label: str = strawberry.field(description="记录名称（文书号或问题标题）")


@strawberry.type(description="一次等级评定决定")
class GradeDecision:
    year: int = strawberry.field(description="评定年度")
    grade: Grade = strawberry.field(description="评定等级")
    proposed_grade: Grade = strawberry.field(description="当时的建议等级")
    reason: str = strawberry.field(description="理由（与建议等级不同时必填）")
    decided_at: datetime.datetime = strawberry.field(description="决定时间（UTC）")

    @classmethod
    def from_model(cls, decision: DecisionModel) -> GradeDecision:
        return cls(
            year=decision.year,
            grade=Grade(decision.grade),
            proposed_grade=Grade(decision.proposed_grade),
            reason=decision.reason,
            decided_at=decision.decided_at,
        )


@strawberry.type(description="参评的持证单位：建议等级、依据及现行评定")
class GradedUnit:
    credit_code: str = strawberry.field(description="统一社会信用代码")
    unit_name: str = strawberry.field(description="单位名称")
    proposed_grade: Grade = strawberry.field(description="依当年记录提出的建议等级")
    grounds: list[GroundRecord] = strawberry.field(description="不合格情形，各附所依据的记录")
    problems: int = strawberry.field(description="当年提出的问题数")
    cases: int = strawberry.field(description="当年的执法案件数")
    decision: GradeDecision | None = strawberry.field(description="现行评定；未评定时为 null")


@strawberry.type(description="一个区县某年度的等级评定")
class Grading:
    region_code: str = strawberry.field(description="区县代码")
    year: int = strawberry.field(description="评定年度")
    previous_holders: int = strawberry.field(description="上年度持证单位数")
    excellent_cap: int = strawberry.field(description="优秀单位上限：上年度持证单位数的十分之一，向下取整")
    units: list[GradedUnit] = strawberry.field(description="参评单位，按名称排序")

    @classmethod
    def from_view(cls, grading: queries.Grading) -> Grading:
        return cls(
            region_code=grading.region_code,
            year=grading.year,
            previous_holders=grading.previous_holders,
            excellent_cap=grading.excellent_cap,
            units=[
                GradedUnit(
                    credit_code=row.enterprise.credit_code,
                    unit_name=row.enterprise.name,
                    proposed_grade=Grade(row.proposed.value),
                    grounds=[
                        GroundRecord(
                            ground=GradingGround(g.ground.value),
                            record_kind=GroundRecordKind(g.record_kind),
                            record_id=strawberry.ID(str(g.record_id)),
                            record_label=g.record_label,
                        )
                        for g in row.record.grounds
                    ],
                    problems=row.record.problems,
                    cases=row.record.cases,
                    decision=GradeDecision.from_model(row.decision) if row.decision else None,
                )
                for row in grading.units
            ],
        )


@strawberry.type(description="等级评定决定的结果")
class GradePayload:
    decision: GradeDecision | None = strawberry.field(description="记录的决定；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type
class GradingQuery:
    @strawberry.field(description="一个区县某年度持证单位的等级评定（辖区监管人员可查）。")
    async def grading(
        self,
        info: strawberry.Info,
        year: Annotated[int, strawberry.argument(description="评定年度（已结束的年度）")],
        region_code: Annotated[str | None, strawberry.argument(description="区县代码；默认本人辖区")] = None,
    ) -> Grading | None:
        context = info.context
        try:
            async with context.read() as session:
                found = await queries.grading(
                    session,
                    context.actor,
                    region_code=region_code or context.actor.region_code or "",
                    year=year,
                )
                return Grading.from_view(found)
        except DomainError as error:
            absent(error, context.locale)
            return None


@strawberry.type
class GradingMutation:
    @strawberry.mutation(
        description="确认或调整一家持证单位的年度评定等级；与建议等级不同须说明理由，存在不合格情形的单位只能评为不合格，"
        "优秀单位不超过上年度持证单位数的十分之一。"
    )
    async def decide_grade(
        self,
        info: strawberry.Info,
        year: Annotated[int, strawberry.argument(description="评定年度")],
        credit_code: Annotated[str, strawberry.argument(description="统一社会信用代码")],
        grade: Annotated[Grade, strawberry.argument(description="评定等级")],
        reason: Annotated[str, strawberry.argument(description="理由（至多 1000 字）")] = "",
    ) -> GradePayload:
        context = info.context
        try:
            async with context.transaction() as session:
                decision = await service.decide_grade(
                    session,
                    context.actor,
                    year=year,
                    credit_code=credit_code,
                    grade=grade.value,
                    reason=reason,
                )
                return GradePayload(decision=GradeDecision.from_model(decision), errors=[])
        except DomainError as error:
            return GradePayload(decision=None, errors=user_errors(error, context.locale))
