"""GraphQL projections of execution reports: explicit, field by field; relationships through loaders.

What a caller may see of a report is decided by the domain (``domain.reports.queries.rows``):
an ``ExecutionReport`` carries the key of that decision and every relationship is
loaded with it, so the public never receives staff names, secret sections, audit
findings or feedback forms. Report content travels as JSON with camelCase keys
(``concentrationAvg``); the domain keeps snake_case, and field paths are translated
segment by segment (``content.emissions[0].concentrationAvg``).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from enum import Enum
from functools import lru_cache
from typing import Any

import strawberry
from strawberry.scalars import JSON

from domain.access import Actor, Role, role_label
from domain.audit_rules import engine
from domain.changes.kinds import ObjectType
from domain.i18n import translate
from domain.pagination import Page
from domain.reports import models
from domain.reports.departments import SECTION_LABELS
from domain.reports.queries.chain import ChainVerification
from domain.reports.queries.editor import Draft
from domain.reports.queries.record import pdf_path
from domain.reports.queries.rows import (
    FeedbackView,
    ReportFilter,
    ReportKey,
    ReportRow,
    SubmissionView,
    report_row,
)
from domain.reports.queries.schedule import PermitSchedule
from domain.reports.rules import IDEMPOTENCY_KEY_MAX, PROBLEM_MAX, FeedbackItemInput
from domain.settings import get_settings
from graphql_schema.changes import UPDATED_AT
from graphql_schema.enums import enum_value
from graphql_schema.errors import camel_case
from graphql_schema.pagination import UPDATED_SINCE, PageInfo
from graphql_schema.permits.types import ReportKind, snake_case
from graphql_schema.reports.loaders import report_loaders

# ---------------------------------------------------------------------------
# Names: camelCase on the wire, snake_case in the domain
# ---------------------------------------------------------------------------

SEGMENT = re.compile(r"^([^\[]*)(.*)$")


@lru_cache(maxsize=4096)
def camel_path(path: str) -> str:
    """content.emissions[0].concentration_avg -> content.emissions[0].concentrationAvg (the same few
    hundred paths of the rules' findings come back in every answer to a filing: converted once)."""
    return ".".join(camel_case(segment) or segment for segment in path.split("."))


def snake_path(path: str) -> str:
    """content.emissions[0].quantityT -> content.emissions[0].quantity_t"""
    parts = []
    for segment in path.split("."):
        match = SEGMENT.match(segment)
        assert match is not None  # the pattern matches any string
        parts.append(snake_case(match.group(1)) + match.group(2))
    return ".".join(parts)


def camel_keys(value: Any) -> Any:
    """A report's content as the API shows it: every key in camelCase."""
    if isinstance(value, dict):
        return {camel_case(k) if isinstance(k, str) else k: camel_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel_keys(item) for item in value]
    return value


def snake_content(value: Any) -> Any:
    """A report's content as the domain reads it (keys may be sent in camelCase or snake_case)."""
    if isinstance(value, dict):
        return {snake_case(k) if isinstance(k, str) else k: snake_content(v) for k, v in value.items()}
    if isinstance(value, list):
        return [snake_content(item) for item in value]
    return value


# ---------------------------------------------------------------------------
# Enumerations
# ---------------------------------------------------------------------------


@strawberry.enum(description="执行报告状态")
class ReportState(Enum):
    DRAFT = enum_value("draft", description="草稿：尚未提交，仅本单位可见")
    SUBMITTED = enum_value("submitted", description="已提交，待审核")
    RETURNED = enum_value("returned", description="已退回：监管部门发出问题反馈意见单")
    ACCEPTED = enum_value("accepted", description="已通过审核，报告关闭")
    COVERED = enum_value(
        "covered", description="不单独报告：持证时间不足并入下一期报告，或由许可证允许的季报/年报代替"
    )


@strawberry.enum(description="报告期不单独报告的原因")
class NotOwedReason(Enum):
    SHORT_HOLDING = enum_value(
        "short_holding",
        description="当月持证不足10天、当季不足一个月或当年（半年）不足三个月，内容并入下一期报告",
    )
    FOLDED = enum_value("folded", description="许可证允许由季报/年报代替（下半年总由年报代替）")


@strawberry.enum(description="报告期的填报状态（含尚未开始填写的报告期）")
class ScheduleState(Enum):
    NOT_DUE = enum_value("not_due", description="报告期尚未结束")
    OPEN = enum_value("open", description="报告期已结束，尚未填写，未到截止日期")
    OVERDUE = enum_value("overdue", description="已过截止日期仍未提交")
    DRAFT = enum_value("draft", description="已保存草稿，尚未提交（仅本单位及其委托机构可见）")
    SUBMITTED = enum_value("submitted", description="已提交，待审核")
    RETURNED = enum_value("returned", description="已退回：监管部门发出问题反馈意见单")
    ACCEPTED = enum_value("accepted", description="已通过审核，报告关闭")
    COVERED = enum_value("covered", description="不单独提交：并入许可证规定的其他报告")


@strawberry.enum(description="审核发现的严重程度")
class FindingSeverity(Enum):
    ERROR = enum_value(engine.ERROR, description="错误")
    WARNING = enum_value(engine.WARNING, description="提示")


@strawberry.enum(description="问题反馈意见单状态")
class FeedbackStatus(Enum):
    OPEN = enum_value("open", description="待排污单位答复或重新提交")
    ANSWERED = enum_value("answered", description="已答复或已重新提交")
    CLOSED = enum_value("closed", description="已关闭（报告通过审核或逾期转为违法线索）")


# ---------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------


@strawberry.type(description="审核规则的一项发现：规则代码、严重程度、所指字段和说明")
class AuditFinding:
    code: str = strawberry.field(description="规则代码，例如 G003")
    severity: FindingSeverity = strawberry.field(description="严重程度")
    field: str = strawberry.field(
        description="所指字段（camelCase 路径），例如 content.emissions[0].concentrationAvg"
    )
    message_id: strawberry.Private[str]
    params: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="说明（按请求语言）")
    def message(self, info: strawberry.Info) -> str:
        return translate(self.message_id, info.context.locale, **self.params)

    @classmethod
    def from_model(cls, finding: models.AuditFinding) -> AuditFinding:
        return cls(
            code=finding.rule_code,
            severity=FindingSeverity(finding.severity),
            field=camel_path(finding.field),
            message_id=finding.message,
            params=dict(finding.params),
        )

    @classmethod
    def from_finding(cls, finding: engine.Finding) -> AuditFinding:
        return cls(
            code=finding.code,
            severity=FindingSeverity(finding.severity),
            field=camel_path(finding.field),
            message_id=finding.message,
            params=dict(finding.params),
        )


@strawberry.type(
    description=(
        "报告附件（监测报告、书面说明等）：文件名、类型、大小和 SHA-256 摘要；"
        "内容用 reportAttachment 查询，仅能查看该报告的用户可取得"
    )
)
class ReportFile:
    id: strawberry.ID = strawberry.field(description="附件 ID")
    file_name: str = strawberry.field(description="上传时的文件名")
    media_type: str = strawberry.field(description="按内容判定的文件类型")
    size: int = strawberry.field(description="字节数")
    sha256: str = strawberry.field(description="文件内容的 SHA-256 摘要")
    url: str = strawberry.field(description="门户中的下载地址")

    @classmethod
    def from_entry(cls, entry: Any) -> ReportFile:
        """From a row (``ReportAttachment``) or a submission's list entry (a dict)."""
        values: dict[str, Any] = entry if isinstance(entry, dict) else vars(entry)

        def get(name: str) -> Any:
            return values[name]

        return cls(
            id=strawberry.ID(str(get("id"))),
            file_name=str(get("file_name")),
            media_type=str(get("media_type")),
            size=int(get("size")),
            sha256=str(get("sha256")),
            url=get_settings().base_url.rstrip("/") + f"/reports/files/{get('id')}",
        )


@strawberry.type(description="一次提交（提交记录）：原样保存，不可修改或删除；时间由服务器记录")
class ReportSubmission:
    version: int = strawberry.field(description="版本号：第 1 次提交为 1，每次重新提交加 1")
    submitted_at: datetime = strawberry.field(description="服务器收到的时间")

    @strawberry.field(description="最后修改时间（UTC，带时区）：提交只增不改，即收到的时间")
    def updated_at(self) -> datetime:
        return self.submitted_at.astimezone(UTC)

    content_hash: str = strawberry.field(description="本次提交的 SHA-256 摘要（含上一版本的摘要，构成链）")
    previous_hash: str = strawberry.field(description="上一版本的摘要；第 1 版为 64 个 0")
    receipt_number: str = strawberry.field(description="回执编号")
    submitted_by: str | None = strawberry.field(description="提交人账号；公众查看时为 null（个人信息）")
    on_behalf_of: str | None = strawberry.field(
        description="代为提交的第三方技术服务机构；本单位自行提交时为 null"
    )
    error_count: int = strawberry.field(description="审核规则发现的错误数")
    warning_count: int = strawberry.field(description="审核规则发现的提示数")
    attachments: list[ReportFile] | None = strawberry.field(
        description="随本版本提交的附件（提交时草稿上的文件，计入摘要）；公众查看时为 null"
    )
    imported_from: str | None = strawberry.field(
        description=(
            "自全国平台导入的提交：其来源（计入摘要）；submittedAt 为平台收到的原始时间；"
            "在本平台提交的为 null"
        )
    )
    raw_content: strawberry.Private[dict[str, Any]]

    @strawberry.field(
        description="提交的报告内容（JSON，camelCase）；公众查看时不含排污单位申请作为商业秘密的部分"
    )
    def content(self) -> JSON:
        return camel_keys(self.raw_content)

    @strawberry.field(
        description=(
            "回执及报告存档件（PDF）的下载地址：由保存的提交记录生成，每次下载内容相同；"
            "能查看该报告的账号登录后下载，或以同一 API 令牌（Authorization: Bearer）下载。公众查看时为 null"
        )
    )
    def pdf_url(self) -> str | None:
        if self.submitted_by is None:
            return None
        return get_settings().base_url.rstrip("/") + pdf_path(self.receipt_number)

    @classmethod
    def from_view(cls, view: SubmissionView) -> ReportSubmission:
        submission = view.submission
        return cls(
            version=submission.version,
            submitted_at=submission.received_at,
            content_hash=submission.content_hash,
            previous_hash=submission.previous_hash,
            receipt_number=submission.receipt_number,
            submitted_by=view.submitted_by,
            on_behalf_of=submission.on_behalf_of,
            error_count=submission.error_count,
            warning_count=submission.warning_count,
            attachments=(
                [ReportFile.from_entry(e) for e in submission.attachments or []]
                if view.submitted_by is not None
                else None
            ),
            imported_from=submission.imported_from,
            raw_content=view.content,
        )

    @classmethod
    def from_model(cls, submission: models.ReportSubmission) -> ReportSubmission:
        """The filer's own view of what was just filed."""
        return cls.from_view(SubmissionView(submission, submission.submitted_by, dict(submission.content)))


@strawberry.type(description="问题反馈意见单中的一个问题")
class FeedbackItem:
    problem: str = strawberry.field(description="问题描述")
    field: str | None = strawberry.field(description="所指字段（camelCase 路径）；未指明时为 null")
    rule_code: str | None = strawberry.field(description="相关的审核规则代码")
    is_violation: bool = strawberry.field(description="是否涉嫌违法（已转为违法线索）")
    resolved: bool = strawberry.field(description="是否已解决")
    section: str | None = strawberry.field(description="问题所在章节的代码；未指明时为 null")
    department: str | None = strawberry.field(
        description="提出问题的部门（角色代码）；分部门审核之前发出的意见单为 null"
    )

    @strawberry.field(description="问题所在章节的名称（按请求语言）；未指明时为 null")
    def section_title(self, info: strawberry.Info) -> str | None:
        return section_title(self.section, info.context.locale)

    @strawberry.field(description="提出问题的部门名称（按请求语言），例如 生态科")
    def department_name(self, info: strawberry.Info) -> str | None:
        return department_name(self.department, info.context.locale)

    @classmethod
    def from_model(cls, item: models.FeedbackItem) -> FeedbackItem:
        return cls(
            problem=item.problem,
            field=camel_path(item.field) if item.field else None,
            rule_code=item.rule_code,
            is_violation=item.is_violation,
            resolved=item.resolved,
            section=item.section or None,
            department=item.department or None,
        )


def section_title(section: str | None, locale: str) -> str | None:
    """A report section's title in the reader's language (people never read the key)."""
    if not section:
        return None
    return translate(SECTION_LABELS.get(section, section), locale)


def department_name(department: str | None, locale: str) -> str | None:
    """A department's name in the reader's language (people never read the role code)."""
    if not department:
        return None
    return role_label(department, locale) if department in {r.value for r in Role} else department


@strawberry.type(description="问题反馈意见单：一次列出报告的全部问题，并规定答复期限")
class FeedbackForm:
    id: strawberry.ID = strawberry.field(description="意见单编号")
    report_id: strawberry.ID = strawberry.field(description="所属执行报告的编号")
    issued_at: datetime = strawberry.field(description="发出时间")
    issued_by: str = strawberry.field(description="发出人账号")
    department: str = strawberry.field(description="发出部门（角色代码）")
    deadline: date = strawberry.field(description="答复期限")
    status: FeedbackStatus = strawberry.field(description="状态")
    response: str = strawberry.field(description="排污单位的答复")
    responded_at: datetime | None = strawberry.field(description="答复时间")
    responded_by: str | None = strawberry.field(description="答复人账号")
    late: bool | None = strawberry.field(
        description=(
            "答复（说明或更正后的版本）是否晚于答复期限：答复时按服务器日期判定并保存；未答复时为 null"
        )
    )
    closed_at: datetime | None = strawberry.field(description="关闭时间")
    items: list[FeedbackItem] = strawberry.field(description="问题清单（各部门的问题合为一单，第五条）")

    @strawberry.field(description="发出部门名称（按请求语言）")
    def department_name(self, info: strawberry.Info) -> str | None:
        return department_name(self.department, info.context.locale)

    @classmethod
    def from_model(cls, form: models.FeedbackForm, items: list[models.FeedbackItem]) -> FeedbackForm:
        return cls(
            id=strawberry.ID(str(form.id)),
            report_id=strawberry.ID(str(form.report_id)),
            issued_at=form.issued_at,
            issued_by=form.issued_by,
            department=form.department,
            deadline=form.deadline,
            status=FeedbackStatus(form.status),
            response=form.response,
            responded_at=form.responded_at,
            responded_by=form.responded_by,
            late=form.late,
            closed_at=form.closed_at,
            items=[FeedbackItem.from_model(item) for item in items],
        )

    @classmethod
    def from_view(cls, view: FeedbackView) -> FeedbackForm:
        return cls.from_model(view.form, view.items)


@strawberry.type(
    description=(
        "执行报告（一个许可证、一个报告类别、一个报告期）。本单位、其委托的第三方机构、辖区监管部门"
        "和系统管理员看到全部内容；已提交的年度执行报告向公众公开（第三十七条），公众看不到提交人、"
        "商业秘密部分、审核发现和问题反馈意见单"
    )
)
class ExecutionReport:
    id: strawberry.ID = strawberry.field(description="报告编号")
    permit_number: str = strawberry.field(description="许可证编号")
    kind: ReportKind = strawberry.field(description="报告类别")
    period: str = strawberry.field(description="报告期，例如 2026-03、2026-Q1、2026-H1、2026")
    period_start: date = strawberry.field(
        description="报告期第一天（并入了持证不足的前一期时，为许可证生效日）"
    )
    period_end: date = strawberry.field(description="报告期最后一天")
    due_date: date = strawberry.field(
        description="应提交日期（月报、季报为次月 15 日，年报为次年 1 月 31 日）"
    )
    state: ReportState = strawberry.field(description="状态")
    first_submitted_at: datetime | None = strawberry.field(
        description="第一次提交的时间（重新提交不改变）；未提交时为 null"
    )
    on_time: bool | None = strawberry.field(description="是否按时提交（按第一次提交判断）；未提交时为 null")
    latest_version: int = strawberry.field(description="最新提交的版本号；未提交时为 0")
    accepted_at: datetime | None = strawberry.field(description="通过审核的时间")
    region_code: str = strawberry.field(description="行政区划代码")
    industry_code: str = strawberry.field(description="行业类别代码")
    key: strawberry.Private[ReportKey]
    recorded_at: strawberry.Private[datetime]

    @strawberry.field(description=UPDATED_AT)
    async def updated_at(self, info: strawberry.Info) -> datetime:
        return await info.context.loaders.changes.updated_at(
            ObjectType.EXECUTION_REPORT, int(self.id), self.recorded_at
        )

    @classmethod
    def from_row(cls, row: ReportRow) -> ExecutionReport:
        report = row.report
        return cls(
            id=strawberry.ID(str(report.id)),
            permit_number=row.permit_number,
            kind=ReportKind(report.kind),
            period=report.period,
            period_start=report.period_start,
            period_end=report.period_end,
            due_date=report.due_date,
            state=ReportState(report.state),
            first_submitted_at=report.first_submitted_at,
            on_time=report.on_time,
            latest_version=report.latest_version,
            accepted_at=report.accepted_at,
            region_code=report.region_code,
            industry_code=report.industry_code,
            key=row.key,
            recorded_at=report.created_at,
        )

    @strawberry.field(description="全部提交记录及其时间，最新在前；重新提交不覆盖以前的提交")
    async def submissions(self, info: strawberry.Info) -> list[ReportSubmission]:
        views = await report_loaders(info.context).submissions.load(self.key)
        return [ReportSubmission.from_view(view) for view in views]

    @strawberry.field(description="最新一次提交的审核发现（错误在前）；无权查看者为 null")
    async def findings(self, info: strawberry.Info) -> list[AuditFinding] | None:
        found = await report_loaders(info.context).findings.load(self.key)
        return None if found is None else [AuditFinding.from_model(finding) for finding in found]

    @strawberry.field(description="问题反馈意见单，最新在前；无权查看者为 null")
    async def feedback_forms(self, info: strawberry.Info) -> list[FeedbackForm] | None:
        found = await report_loaders(info.context).feedback.load(self.key)
        return None if found is None else [FeedbackForm.from_view(view) for view in found]


@strawberry.type(description="执行报告列表中的一条")
class ExecutionReportEdge:
    cursor: str = strawberry.field(description="本条记录的游标")
    node: ExecutionReport = strawberry.field(description="执行报告")


@strawberry.type(description="执行报告分页列表（Relay 连接）")
class ExecutionReportConnection:
    edges: list[ExecutionReportEdge] = strawberry.field(description="本页记录")
    page_info: PageInfo = strawberry.field(description="分页信息")
    total_count: int = strawberry.field(description="符合条件的记录总数")

    @classmethod
    def from_page(cls, page: Page[ReportRow]) -> ExecutionReportConnection:
        return cls(
            edges=[
                ExecutionReportEdge(cursor=page.cursor_at(index), node=ExecutionReport.from_row(row))
                for index, row in enumerate(page.items)
            ],
            page_info=PageInfo.from_page(page),
            total_count=page.total,
        )


@strawberry.type(description="执行报告草稿：仅本单位（及其委托的第三方机构）可见")
class ReportDraft:
    permit_number: str = strawberry.field(description="许可证编号")
    kind: ReportKind = strawberry.field(description="报告类别")
    period: str = strawberry.field(description="报告期")
    prefilled: bool = strawberry.field(description="是否为按台账预填的内容（尚未保存过草稿）")
    saved_at: datetime | None = strawberry.field(description="草稿保存时间；预填内容为 null")
    saved_by: str | None = strawberry.field(description="保存人账号")
    content: JSON = strawberry.field(description="报告内容（JSON，camelCase）")

    @classmethod
    def from_draft(cls, draft: Draft, *, permit_number: str, kind: str, period: str) -> ReportDraft:
        report = draft.report
        saved = report is not None and not draft.prefilled
        return cls(
            permit_number=permit_number,
            kind=ReportKind(kind),
            period=report.period if report is not None else period,
            prefilled=draft.prefilled,
            saved_at=report.draft_saved_at if saved and report is not None else None,
            saved_by=report.draft_saved_by if saved and report is not None else None,
            content=camel_keys(draft.content),
        )

    @classmethod
    def from_report(cls, report: models.ExecutionReport, *, permit_number: str) -> ReportDraft:
        return cls.from_draft(
            Draft(report, dict(report.draft), prefilled=False),
            permit_number=permit_number,
            kind=report.kind,
            period=report.period,
        )


@strawberry.type(description="提交记录链中的一环")
class ReportChainLink:
    version: int = strawberry.field(description="版本号")
    receipt_number: str = strawberry.field(description="回执编号")
    received_at: datetime = strawberry.field(description="服务器收到的时间")
    intact: bool = strawberry.field(description="重新计算的摘要与保存的一致，且与上一版本相连")


@strawberry.type(description="报告记录与其提交记录不符之处")
class ReportChainProblem:
    code: str = strawberry.field(
        description=(
            "missing_submissions（报告记录的版本数与保存的提交不符，如最新一次提交被删除）、head_differs"
            "（链头摘要不符）、first_time_differs（首次提交时间与第 1 版的收到时间不符）、on_time_differs"
            "（是否按时与按第 1 版收到时间的判断不符）"
        )
    )
    message: str = strawberry.field(description="说明（按 Accept-Language）")


@strawberry.type(
    description="提交记录链的校验结果：任何一次提交被改动或删除、报告的首次提交时间或按时标记被改动都会被发现"
)
class ReportChain:
    intact: bool = strawberry.field(
        description="全部提交记录完好，且与报告记录的版本数、链头、首次提交时间一致"
    )
    links: list[ReportChainLink] = strawberry.field(description="每次提交的校验结果，按版本号排序")
    problems: list[ReportChainProblem] = strawberry.field(
        description="报告记录与提交记录不符之处（完好时为空）"
    )

    @classmethod
    def from_domain(cls, verification: ChainVerification, locale: str) -> ReportChain:
        return cls(
            intact=verification.intact,
            links=[
                ReportChainLink(
                    version=link.version,
                    receipt_number=link.receipt_number,
                    received_at=link.received_at,
                    intact=link.intact,
                )
                for link in verification.links
            ],
            problems=[
                ReportChainProblem(code=p.code, message=translate(p.message, locale, **p.params))
                for p in verification.problems
            ],
        )


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------

CONTENT_DESCRIPTION = (
    "报告内容（JSON）：emissions、exceedances、abnormalOperation、statement；年报另有 production、"
    "controlFacilities、selfMonitoring、ledgerExecution、disclosure、managementSystem、otherRequirements；"
    "字段名可用 camelCase 或 snake_case"
)


@strawberry.input(description="执行报告检索条件")
class ExecutionReportFilterInput:
    permit_number: str | None = strawberry.field(default=None, description="许可证编号")
    kind: ReportKind | None = strawberry.field(default=None, description="报告类别")
    period: str | None = strawberry.field(default=None, description="报告期，例如 2026-Q1")
    state: ReportState | None = strawberry.field(default=None, description="状态")
    region_code: str | None = strawberry.field(
        default=None, description="行政区划代码（310100 含上海市下辖各区）"
    )
    updated_since: datetime | None = strawberry.field(default=None, description=UPDATED_SINCE)

    def to_domain(self) -> ReportFilter:
        return ReportFilter(
            permit_number=self.permit_number or "",
            kind=self.kind.value if self.kind else "",
            period=self.period or "",
            state=self.state.value if self.state else "",
            region_code=self.region_code or "",
            updated_since=self.updated_since,
        )


@strawberry.input(description="保存执行报告草稿")
class SaveReportDraftInput:
    permit_number: str = strawberry.field(description="许可证编号")
    kind: ReportKind = strawberry.field(description="报告类别")
    period: str = strawberry.field(description="报告期，例如 2026-03、2026-Q1、2026")
    content: JSON = strawberry.field(description=CONTENT_DESCRIPTION)


@strawberry.input(description="提交执行报告")
class SubmitExecutionReportInput:
    permit_number: str = strawberry.field(description="许可证编号")
    kind: ReportKind = strawberry.field(description="报告类别")
    period: str = strawberry.field(description="报告期，例如 2026-03、2026-Q1、2026")
    content: JSON = strawberry.field(description=CONTENT_DESCRIPTION)
    idempotency_key: str = strawberry.field(
        description=(
            f"幂等键（1–{IDEMPOTENCY_KEY_MAX} 个字符）：每次提交使用新的值；"
            "网络超时或重复点击时用同一个值重发相同内容，"
            "返回第一次的结果而不重复提交；同一个值用于不同内容或由他人使用时被拒绝（idempotency_key_reused）"
        )
    )


@strawberry.input(name="FeedbackItemInput", description="问题反馈意见单中的一个问题")
class FeedbackItemInputType:
    problem: str = strawberry.field(description=f"问题描述（最多 {PROBLEM_MAX} 个字符，超出时拒绝而不截断）")
    field: str | None = strawberry.field(
        default=None, description="所指字段（camelCase 路径），例如 content.emissions[0].quantityT"
    )
    rule_code: str | None = strawberry.field(default=None, description="相关的审核规则代码")
    is_violation: bool = strawberry.field(default=False, description="是否涉嫌违法（转为违法线索）")

    def to_domain(self) -> FeedbackItemInput:
        return FeedbackItemInput(
            problem=self.problem,
            field=snake_path(self.field) if self.field else "",
            rule_code=self.rule_code or None,
            is_violation=self.is_violation,
        )


@strawberry.type(description="许可证要求的一个报告期：应提交日期和填报状态；尚未开始填写的报告期也在其中")
class ScheduledReport:
    permit_number: str = strawberry.field(description="许可证编号")
    enterprise_name: str = strawberry.field(description="排污单位名称")
    kind: ReportKind = strawberry.field(description="报告类别")
    period: str = strawberry.field(description="报告期，例如 2026-03、2026-Q1、2026-H1、2026")
    period_start: date = strawberry.field(
        description="报告期第一天（并入了持证不足的前一期时，为许可证生效日）"
    )
    period_end: date = strawberry.field(description="报告期最后一天")
    due_date: date = strawberry.field(description="应提交日期")
    state: ScheduleState = strawberry.field(description="填报状态")
    late: bool = strawberry.field(description="第一次提交晚于应提交日期")
    report: ExecutionReport | None = strawberry.field(
        description="报告本身；尚未保存草稿或提交时为 null（监管部门看不到草稿）"
    )
    owed: bool = strawberry.field(description="许可证是否要求单独提交本期报告")
    not_owed_reason: NotOwedReason | None = strawberry.field(description="不单独报告的原因；应报告时为 null")
    covered_by_kind: ReportKind | None = strawberry.field(description="包含本期内容的报告的类别")
    covered_by_period: str | None = strawberry.field(description="包含本期内容的报告的报告期")

    @classmethod
    def from_schedule(cls, actor: Actor, schedule: PermitSchedule) -> list[ScheduledReport]:
        found = []
        for item in schedule.items:
            row = report_row(actor, item.report, schedule.permit) if item.report is not None else None
            found.append(
                cls(
                    permit_number=schedule.permit.number or "",
                    enterprise_name=schedule.enterprise.name,
                    kind=ReportKind(item.kind),
                    period=item.period.label,
                    period_start=item.period.start,
                    period_end=item.period.end,
                    due_date=item.due_date,
                    state=ScheduleState(item.state),
                    late=item.late,
                    report=ExecutionReport.from_row(row) if row is not None else None,
                    owed=item.reason is None,
                    not_owed_reason=NotOwedReason(item.reason) if item.reason else None,
                    covered_by_kind=ReportKind(item.covered_by.kind) if item.covered_by else None,
                    covered_by_period=item.covered_by.label if item.covered_by else None,
                )
            )
        return found
