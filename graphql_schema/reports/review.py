"""Review split by department (PT §5), as queries and mutations: where each department stands on each
section of a report, clearing a section, recording its problems. Issuing the feedback form at once and
accepting the report are ``issueFeedback`` and ``acceptReport`` (``graphql_schema.reports.mutations``).

Each mutation calls one use case in one transaction; on any problem the payload's ``errors`` names the
field and nothing is written.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.types.nodes import SelectedField

from domain.errors import DomainError
from domain.permits.list_filters import SEARCH_MAX, ListFilter
from domain.reports import rounds
from domain.reports.models import SectionItem, SectionReview
from domain.reports.queries import review as review_queries
from domain.reports.queries.rows import feedback_result, report_row, rows_of
from domain.reports.service import review
from graphql_schema.errors import UserError, absent, refused, user_errors
from graphql_schema.pagination import After, Before, First, Last, page_window
from graphql_schema.reports.queries import BY_REPORT_ID, parse_report_id
from graphql_schema.reports.types import (
    ExecutionReport,
    ExecutionReportConnection,
    FeedbackForm,
    FeedbackItemInputType,
    ReportState,
    camel_path,
    department_name,
    section_title,
)

ReportId = Annotated[strawberry.ID, strawberry.argument(description="报告编号")]
Section = Annotated[
    str,
    strawberry.argument(
        description="章节代码，例如 emissions、self_monitoring（见 ReportReview 中各章节的 section）"
    ),
]


@strawberry.enum(description="一个部门对一个章节的审核状态（第五条）")
class SectionReviewState(Enum):
    PENDING = strawberry.enum_value("pending", description="待本部门审核")
    CLEARED = strawberry.enum_value("cleared", description="本部门审核通过")
    PROBLEMS = strawberry.enum_value("problems", description="本部门发现问题，待并入问题反馈意见单")
    RETURNED = strawberry.enum_value("returned", description="问题已随意见单发给排污单位，待其答复")
    RECHECK = strawberry.enum_value("recheck", description="排污单位已答复，待本部门复核")


@strawberry.type(description="部门在审核中记录的一个问题")
class SectionProblem:
    problem: str = strawberry.field(description="问题描述")
    field: str | None = strawberry.field(description="所指字段（camelCase 路径）；未指明时为 null")
    is_violation: bool = strawberry.field(description="是否涉嫌违法（意见单发出时转为违法线索）")

    @classmethod
    def from_model(cls, item: SectionItem) -> SectionProblem:
        return cls(
            problem=item.problem,
            field=camel_path(item.field) if item.field else None,
            is_violation=item.is_violation,
        )


@strawberry.type(description="一个部门对一个章节的审核")
class SectionVerdict:
    section: str = strawberry.field(description="章节代码")
    department: str = strawberry.field(description="审核部门（角色代码）")
    state: SectionReviewState = strawberry.field(description="审核状态")
    reviewed_by: str | None = strawberry.field(description="最近一次审核的人员账号；未审核时为 null")
    reviewed_at: datetime | None = strawberry.field(description="最近一次审核的时间；未审核时为 null")
    problems: list[SectionProblem] = strawberry.field(description="本部门在本章节记录的问题")

    @strawberry.field(description="章节名称（按请求语言）")
    def section_title(self, info: strawberry.Info) -> str:
        return section_title(self.section, info.context.locale) or self.section

    @strawberry.field(description="部门名称（按请求语言），例如 生态科")
    def department_name(self, info: strawberry.Info) -> str:
        return department_name(self.department, info.context.locale) or self.department

    @classmethod
    def from_verdict(cls, verdict: rounds.Verdict) -> SectionVerdict:
        step = verdict.step
        return cls(
            section=verdict.section,
            department=verdict.department,
            state=SectionReviewState(verdict.state),
            reviewed_by=step.reviewed_by if step else None,
            reviewed_at=step.reviewed_at if step else None,
            problems=[SectionProblem.from_model(item) for item in verdict.items],
        )


@strawberry.type(description="审核记录中的一步：某部门对某章节的审核通过或记录问题，保留不改")
class SectionReviewStep:
    section: str = strawberry.field(description="章节代码")
    department: str = strawberry.field(description="审核部门（角色代码）")
    cleared: bool = strawberry.field(description="true：审核通过；false：记录了问题")
    reviewed_by: str = strawberry.field(description="审核人员账号")
    on_behalf_of: str | None = strawberry.field(description="代为办理时的委托方")
    reviewed_at: datetime = strawberry.field(description="服务器记录的时间")
    problems: list[SectionProblem] = strawberry.field(description="记录的问题")

    @strawberry.field(description="章节名称（按请求语言）")
    def section_title(self, info: strawberry.Info) -> str:
        return section_title(self.section, info.context.locale) or self.section

    @strawberry.field(description="部门名称（按请求语言）")
    def department_name(self, info: strawberry.Info) -> str:
        return department_name(self.department, info.context.locale) or self.department

    @classmethod
    def from_step(cls, step: SectionReview, items: list[SectionItem]) -> SectionReviewStep:
        return cls(
            section=step.section,
            department=step.department,
            cleared=step.outcome == "cleared",
            reviewed_by=step.reviewed_by,
            on_behalf_of=step.on_behalf_of,
            reviewed_at=step.reviewed_at,
            problems=[SectionProblem.from_model(item) for item in items],
        )


@strawberry.type(description="一轮审核：对一个提交版本，各部门审核各自负责的章节（第五条）")
class ReviewRound:
    version: int = strawberry.field(description="所审核的提交版本")
    verdicts: list[SectionVerdict] = strawberry.field(description="每个章节、每个负责部门的审核状态")
    steps: list[SectionReviewStep] = strawberry.field(description="本轮的全部审核记录，按时间先后")
    complete: bool = strawberry.field(description="各部门是否都已审核完各自的章节")
    all_cleared: bool = strawberry.field(description="是否每个章节都已由其全部负责部门审核通过")

    @classmethod
    def from_round(cls, found: rounds.Round) -> ReviewRound:
        return cls(
            version=found.submission.version,
            verdicts=[SectionVerdict.from_verdict(v) for v in found.verdicts],
            steps=[SectionReviewStep.from_step(s, found.items.get(s.id or 0, [])) for s in found.steps],
            complete=found.complete,
            all_cleared=found.all_cleared,
        )


@strawberry.type(description="执行报告的分部门审核（第五条）：各部门审核各自的章节，问题合为一张意见单")
class ReportReview:
    report: ExecutionReport | None = strawberry.field(description="报告")
    current: ReviewRound = strawberry.field(description="最新提交版本的审核")
    earlier: list[ReviewRound] = strawberry.field(description="以前版本的审核，新的在前（保留不改）")
    can_accept: bool = strawberry.field(
        description="是否可以通过审核：报告待审核且每个章节都已由其全部负责部门审核通过"
    )


async def _review(session, actor, report_id: int) -> ReportReview:  # type: ignore[no-untyped-def]
    page = await review_queries.review_page(session, actor, report_id=report_id)
    rows = await rows_of(session, actor, [page.report])
    return ReportReview(
        report=ExecutionReport.from_row(rows[0]) if rows else None,
        current=ReviewRound.from_round(page.round),
        earlier=[ReviewRound.from_round(r) for r in page.earlier],
        can_accept=page.may_accept,
    )


@strawberry.type(description="审核一个章节的结果")
class SectionReviewPayload:
    review: ReportReview | None = strawberry.field(description="审核后的分部门审核情况；失败时为 null")
    form: FeedbackForm | None = strawberry.field(
        description="本次审核完成了本轮时发出的问题反馈意见单；否则为 null"
    )
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.input(description="审核队列的筛选条件（与门户“报告审核”页相同）")
class ReviewQueueFilterInput:
    district: str | None = strawberry.field(
        default=None, description="行政区划代码（GB/T 2260，市级代码含下辖各区县）"
    )
    industry: str | None = strawberry.field(default=None, description="行业代码（四位）")
    period: str | None = strawberry.field(default=None, description="报告期，例如 2026-Q1、2026-03、2026")
    resubmitted_after_feedback: bool = strawberry.field(
        default=False, description="仅列出收到问题反馈意见单后重新提交的报告"
    )
    search: str | None = strawberry.field(
        default=None,
        description=f"单位名称、统一社会信用代码或许可证编号的一部分（至多 {SEARCH_MAX} 个字符）",
    )
    sort: str | None = strawberry.field(
        default=None,
        description=(
            "排序：due（应提交日期）、unit（单位名称）、received（最新提交时间）、errors（规则错误数）、"
            "period（报告期），前加 - 为倒序；不填时待本部门审核的在前，其次规则错误多的"
        ),
    )

    def to_domain(self) -> ListFilter:
        return ListFilter(
            district=(self.district or "").strip(),
            industry=(self.industry or "").strip(),
            period=(self.period or "").strip(),
            resubmitted=self.resubmitted_after_feedback,
            search=(self.search or "").strip(),
            sort=(self.sort or "").strip(),
        )


def asks_for_total(info: strawberry.Info) -> bool:
    """Whether the operation selects the connection's ``totalCount`` (directly or in a fragment)."""

    def wanted(selections: list[Any]) -> bool:
        for selection in selections:
            if isinstance(selection, SelectedField):
                if selection.name == "totalCount":
                    return True
            elif wanted(selection.selections):  # a fragment: its fields are the connection's
                return True
        return False

    return any(wanted(field.selections) for field in info.selected_fields)


@strawberry.type
class ReviewQuery:
    @strawberry.field(
        description=(
            "报告审核队列（辖区监管部门和系统管理员）：某一状态的执行报告，可按区县、行业、报告期、"
            "是否反馈后重新提交筛选，按单位名称、信用代码或许可证编号检索；只列出本人有权查看的报告。"
        )
    )
    async def review_queue(
        self,
        info: strawberry.Info,
        state: Annotated[
            ReportState, strawberry.argument(description="状态：SUBMITTED、RETURNED 或 ACCEPTED")
        ] = ReportState.SUBMITTED,
        filter: Annotated[ReviewQueueFilterInput | None, strawberry.argument(description="筛选条件")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> ExecutionReportConnection:
        context = info.context
        try:
            async with context.read() as session:
                page = await review_queries.review_queue_window(
                    session,
                    context.actor,
                    state=state.value,
                    filters=filter.to_domain() if filter else None,
                    window=page_window(first, after, last, before),
                    # Exact, and counted only when asked for: at province scale the count is most of
                    # the page's time (a city's 200,000 reports read off an index).
                    count=asks_for_total(info),
                )
        except DomainError as error:
            raise refused(error, context.locale, rename={"q": "search"}) from None
        return ExecutionReportConnection.from_page(
            page.kept([report_row(context.actor, report, permit) for report, permit, _s in page.items])
        )

    @strawberry.field(
        description=(
            "一份执行报告的分部门审核（辖区监管部门和系统管理员）：每个章节由哪些部门审核、"
            "各部门的审核状态与记录、待并入意见单的问题、尚未通过的章节，以及以前版本的审核记录。"
        )
    )
    async def report_review(self, info: strawberry.Info, report_id: ReportId) -> ReportReview | None:
        context = info.context
        try:
            async with context.read() as session:
                return await _review(session, context.actor, parse_report_id(report_id))
        except DomainError as error:
            absent(error, context.locale, rename=BY_REPORT_ID)
            return None


@strawberry.type
class ReviewMutation:
    @strawberry.mutation(
        description=(
            "本部门审核通过报告最新版本的一个章节（只能审核本部门负责的章节，第五条）。"
            "最后一个部门审核完毕时，如有部门记录了问题，问题合为一张意见单发给排污单位。"
        )
    )
    async def clear_report_section(
        self, info: strawberry.Info, report_id: ReportId, section: Section
    ) -> SectionReviewPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                done = await review.clear_section(
                    session, context.actor, report_id=parse_report_id(report_id), section=section
                )
                return await _payload(session, context.actor, done)
        except DomainError as error:
            return SectionReviewPayload(
                review=None, form=None, errors=user_errors(error, context.locale, rename=BY_REPORT_ID)
            )

    @strawberry.mutation(
        description=(
            "本部门在报告最新版本的一个章节中记录问题（只能记录本部门负责的章节）。问题待各部门审核完毕后"
            "合为一张问题反馈意见单发出；需要立即发出时用 issueFeedback。"
        )
    )
    async def record_section_problems(
        self,
        info: strawberry.Info,
        report_id: ReportId,
        section: Section,
        items: Annotated[list[FeedbackItemInputType], strawberry.argument(description="问题清单")],
    ) -> SectionReviewPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                done = await review.record_section_problems(
                    session,
                    context.actor,
                    report_id=parse_report_id(report_id),
                    section=section,
                    items=[item.to_domain() for item in items],
                )
                return await _payload(session, context.actor, done)
        except DomainError as error:
            return SectionReviewPayload(
                review=None, form=None, errors=user_errors(error, context.locale, rename=BY_REPORT_ID)
            )


async def _payload(session, actor, done: review.SectionResult) -> SectionReviewPayload:  # type: ignore[no-untyped-def]
    form = None
    if done.form is not None:
        view, _row = await feedback_result(session, actor, done.form)
        form = FeedbackForm.from_view(view)
    return SectionReviewPayload(
        review=await _review(session, actor, done.step.report_id), form=form, errors=[]
    )
