"""Filing and reviewing execution reports, as mutations.

Each mutation calls one use case in one transaction: on any problem the payload's
``errors`` names the field (camelCase, with the full path into the content, e.g.
``content.emissions[0].concentrationAvg``) and nothing is written.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from domain.bounds import parse_id
from domain.errors import N_, DomainError, NotFound, reporting
from domain.reports.filing import desk_for
from domain.reports.queries.rows import feedback_result, report_row, rows_of
from domain.reports.rules import RESPONSE_MAX
from domain.reports.service import drafts, review
from domain.reports.service.submission import Filing
from domain.reports.service.urging import urge_report
from graphql_schema.errors import UserError, user_errors
from graphql_schema.files import AttachmentInput, decoded
from graphql_schema.reports.queries import BY_REPORT_ID, parse_report_id
from graphql_schema.reports.types import (
    AuditFinding,
    ExecutionReport,
    FeedbackForm,
    FeedbackItemInputType,
    ReportDraft,
    ReportSubmission,
    SaveReportDraftInput,
    SubmitExecutionReportInput,
    snake_content,
)

ReportId = Annotated[strawberry.ID, strawberry.argument(description="报告编号")]
BY_FORM_ID = {"form": "formId"}


def _form_id(value: str) -> int:
    parsed = parse_id(value)
    if parsed is None:
        raise NotFound(N_("No such feedback form."), field="form")
    return parsed


@strawberry.type(description="催报的结果")
class UrgeReportPayload:
    told: int = strawberry.field(description="本次通知的人数（单位人员及代其报送的机构人员）")
    already_today: bool = strawberry.field(description="今天已催报过，本次未再通知")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type(description="保存报告草稿的结果")
class ReportDraftPayload:
    draft: ReportDraft | None = strawberry.field(description="保存后的草稿；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type(description="提交执行报告的结果")
class SubmitExecutionReportPayload:
    report: ExecutionReport | None = strawberry.field(description="提交后的报告；失败时为 null")
    submission: ReportSubmission | None = strawberry.field(
        description="本次提交（含服务器时间和回执编号）；失败时为 null"
    )
    findings: list[AuditFinding] = strawberry.field(description="审核规则对本次提交的发现，错误在前")
    replayed: bool = strawberry.field(
        description="true 表示同一幂等键已提交过：返回的是第一次的结果，本次未写入任何数据"
    )
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type(description="问题反馈意见单操作的结果")
class FeedbackFormPayload:
    form: FeedbackForm | None = strawberry.field(description="意见单；失败时为 null")
    report: ExecutionReport | None = strawberry.field(description="办理后的报告；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type(description="审核执行报告的结果")
class ExecutionReportPayload:
    report: ExecutionReport | None = strawberry.field(description="办理后的报告；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type
class ReportMutation:
    @strawberry.mutation(description="保存执行报告草稿（本单位或其委托的第三方机构）；草稿仅本单位可见。")
    async def save_report_draft(
        self,
        info: strawberry.Info,
        input: Annotated[SaveReportDraftInput, strawberry.argument(description="草稿内容")],
    ) -> ReportDraftPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                report = await drafts.save_draft(
                    session,
                    context.actor,
                    permit_number=input.permit_number,
                    kind=input.kind.value,
                    period=input.period,
                    content=snake_content(input.content),
                )
                draft = ReportDraft.from_report(report, permit_number=input.permit_number.strip().upper())
        except DomainError as error:
            return ReportDraftPayload(draft=None, errors=user_errors(error, context.locale))
        return ReportDraftPayload(draft=draft, errors=[])

    @strawberry.mutation(
        description=(
            "提交执行报告。报告期结束后方可提交（否则 period_not_ended）。服务器记录收到的时间；"
            "每次提交保存为新版本，不覆盖以前的提交，一经提交不能撤回，是否按时按第一次提交判断。同一提交人以同一幂等键重发"
            "相同内容时返回第一次的结果（replayed 为 true），不重复提交；内容不同或提交人不同时拒绝"
            "（idempotency_key_reused）。提交前可用 checkReportDraft 查看审核规则的错误与警告。"
        )
    )
    async def submit_execution_report(
        self,
        info: strawberry.Info,
        input: Annotated[SubmitExecutionReportInput, strawberry.argument(description="报告内容")],
    ) -> SubmitExecutionReportPayload:
        context = info.context
        try:
            filing = Filing(
                actor=context.actor,
                permit_number=input.permit_number,
                kind=input.kind.value,
                period=input.period,
                content=snake_content(input.content),
                idempotency_key=input.idempotency_key,
            )
            async with context.exclusive():
                result = await desk_for(context.db).file(filing)
            row = report_row(context.actor, result.report, result.permit)
        except DomainError as error:
            return SubmitExecutionReportPayload(
                report=None,
                submission=None,
                findings=[],
                replayed=False,
                errors=user_errors(error, context.locale),
            )
        return SubmitExecutionReportPayload(
            report=ExecutionReport.from_row(row) if row else None,
            submission=ReportSubmission.from_model(result.submission),
            findings=[AuditFinding.from_finding(finding) for finding in result.findings],
            replayed=result.replayed,
            errors=[],
        )

    @strawberry.mutation(
        description=(
            "立即发出问题反馈意见单并退回报告（辖区监管部门，不等其他部门审核完毕）：各部门已记录的问题、"
            "本次列出的问题合为一张意见单，规定答复期限；涉嫌违法的问题立即转为违法线索。尚未审核的章节"
            "在排污单位答复后继续审核（第五条）。"
        )
    )
    async def issue_feedback(
        self,
        info: strawberry.Info,
        report_id: ReportId,
        items: Annotated[list[FeedbackItemInputType], strawberry.argument(description="问题清单")],
        deadline: Annotated[date, strawberry.argument(description="答复期限（晚于今天）")],
    ) -> FeedbackFormPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                form = await review.issue_feedback(
                    session,
                    context.actor,
                    report_id=parse_report_id(report_id),
                    items=[item.to_domain() for item in items],
                    deadline=deadline,
                )
                view, row = await feedback_result(session, context.actor, form)
        except DomainError as error:
            return FeedbackFormPayload(
                form=None, report=None, errors=user_errors(error, context.locale, rename=BY_REPORT_ID)
            )
        return FeedbackFormPayload(
            form=FeedbackForm.from_view(view),
            report=ExecutionReport.from_row(row) if row is not None else None,
            errors=[],
        )

    @strawberry.mutation(
        description=(
            "答复问题反馈意见单（本单位）：作出说明；报告回到待审核状态，有关部门复核。"
            "晚于答复期限的答复标记为逾期（late）。"
        )
    )
    async def respond_to_feedback(
        self,
        info: strawberry.Info,
        form_id: Annotated[strawberry.ID, strawberry.argument(description="意见单编号")],
        response: Annotated[
            str, strawberry.argument(description=f"答复（更正情况或说明，最多 {RESPONSE_MAX} 个字符）")
        ],
        attachments: Annotated[
            list[AttachmentInput] | None,
            strawberry.argument(
                description="随答复发送的附件（书面说明、监测报告）：PDF、JPG、PNG、Word 或 Excel，"
                "每个不超过 10 MB，合计不超过 10 个、40 MB；审核部门随即可查看"
            ),
        ] = None,
    ) -> FeedbackFormPayload:
        context = info.context
        files, problems = decoded(attachments)
        try:
            async with context.transaction() as session, reporting(problems):
                form = await review.respond_to_feedback(
                    session, context.actor, form_id=_form_id(form_id), response=response, files=files
                )
                view, row = await feedback_result(session, context.actor, form)
        except DomainError as error:
            return FeedbackFormPayload(
                form=None, report=None, errors=user_errors(error, context.locale, rename=BY_FORM_ID)
            )
        return FeedbackFormPayload(
            form=FeedbackForm.from_view(view),
            report=ExecutionReport.from_row(row) if row is not None else None,
            errors=[],
        )

    @strawberry.mutation(
        description=(
            "通过审核（辖区监管部门、系统管理员）：须每个章节都已由其全部负责部门审核通过（第五条），"
            "一个部门不能单独通过整份报告，否则逐一列出尚未通过的章节及其部门（section_not_cleared）。"
            "报告关闭，其问题反馈意见单随之关闭。"
        )
    )
    async def accept_report(self, info: strawberry.Info, report_id: ReportId) -> ExecutionReportPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                report = await review.accept_report(
                    session, context.actor, report_id=parse_report_id(report_id)
                )
                rows = await rows_of(session, context.actor, [report])
        except DomainError as error:
            return ExecutionReportPayload(
                report=None, errors=user_errors(error, context.locale, rename=BY_REPORT_ID)
            )
        return ExecutionReportPayload(report=ExecutionReport.from_row(rows[0]) if rows else None, errors=[])

    @strawberry.mutation(
        description=(
            "催报（辖区监管部门）：报告已过截止日期且从未提交时，通知排污单位人员及代其报送的机构人员"
            "（站内消息和邮件），同一报告每天至多一次；未逾期（not_overdue）或已提交（submitted）时拒绝。"
        )
    )
    async def urge_report(
        self,
        info: strawberry.Info,
        permit_number: Annotated[str, strawberry.argument(description="许可证编号")],
        kind: Annotated[str, strawberry.argument(description="报告类别，如 quarterly")],
        period: Annotated[str, strawberry.argument(description="报告期，如 2026-Q3")],
    ) -> UrgeReportPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                urged = await urge_report(
                    session, context.actor, permit_number=permit_number, kind=kind, period=period
                )
        except DomainError as error:
            return UrgeReportPayload(told=0, already_today=False, errors=user_errors(error, context.locale))
        return UrgeReportPayload(told=urged.told, already_today=urged.already_today, errors=[])
