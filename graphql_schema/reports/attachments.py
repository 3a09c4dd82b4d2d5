"""Files on reports over GraphQL: the draft's files (attach, remove, list), a file's content; the reply to a
feedback form takes its files in ``respondToFeedback``. The same use cases and errors as the portal's
(``domain.reports.service.attachments``); files travel as Base64 (``graphql_schema.files``)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.bounds import parse_id
from domain.errors import N_, DomainError, NotFound, reporting
from domain.reports.queries import attachments as queries
from domain.reports.service import attachments as service
from graphql_schema.errors import UserError, refused, user_errors
from graphql_schema.files import AttachmentContent, AttachmentInput, content_of, decoded
from graphql_schema.permits.types import ReportKind
from graphql_schema.reports.types import ReportFile

BY_ID = {"attachment": "id"}
POLICY_TEXT = (
    "PDF、JPG、PNG、Word（.docx）或 Excel（.xlsx），每个不超过 10 MB，一份报告草稿合计不超过 10 个、40 MB"
)


def _attachment_id(value: str) -> int:
    parsed = parse_id(value)
    if parsed is None:
        raise NotFound(N_("No such file."), field="attachment")
    return parsed


@strawberry.type(description="报告草稿附件操作的结果")
class ReportFilesPayload:
    files: list[ReportFile] = strawberry.field(description="操作后草稿上的全部附件；失败时为空列表")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type
class ReportAttachmentQuery:
    @strawberry.field(
        description=(
            "报告附件的内容：已随某一版本提交或随意见单答复发送的附件，能查看该报告的用户可取得；"
            "仅在草稿上的附件，仅本单位及其委托的第三方机构可取得；其他情况为 not_found"
        )
    )
    async def report_attachment(
        self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="附件 ID")]
    ) -> AttachmentContent:
        context = info.context
        try:
            async with context.read() as session:
                found = await queries.attachment(session, context.actor, attachment_id=_attachment_id(id))
            content = queries.content(found)
        except DomainError as error:
            raise refused(error, context.locale, rename=BY_ID) from None
        return content_of(found.id, found.file_name, found.media_type, found.sha256, content)


@strawberry.type
class ReportAttachmentMutation:
    @strawberry.mutation(
        description=(
            f"给执行报告草稿添加附件（本单位或其委托的第三方机构）：{POLICY_TEXT}。"
            "附件随下一次提交一并提交，列入其回执和存档件；任何一个文件有问题时逐一列出，均不保存。"
        )
    )
    async def attach_to_report_draft(
        self,
        info: strawberry.Info,
        permit_number: Annotated[str, strawberry.argument(description="许可证编号")],
        kind: Annotated[ReportKind, strawberry.argument(description="报告类别")],
        period: Annotated[str, strawberry.argument(description="报告期，例如 2026-03、2026-Q1、2026")],
        attachments: Annotated[list[AttachmentInput], strawberry.argument(description="附件")],
    ) -> ReportFilesPayload:
        context = info.context
        files, problems = decoded(attachments)
        try:
            async with context.transaction() as session, reporting(problems):
                rows = await service.attach_to_draft(
                    session,
                    context.actor,
                    permit_number=permit_number,
                    kind=kind.value,
                    period=period,
                    files=files,
                )
                on_draft = await queries.draft_files(session, rows[0].report_id)
        except DomainError as error:
            return ReportFilesPayload(files=[], errors=user_errors(error, context.locale))
        return ReportFilesPayload(files=[ReportFile.from_entry(f) for f in on_draft], errors=[])

    @strawberry.mutation(description="从报告草稿上移除附件：已提交的版本仍列出该附件并可下载。")
    async def remove_report_attachment(
        self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="附件 ID")]
    ) -> ReportFilesPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                found = await service.remove_from_draft(
                    session, context.actor, attachment_id=_attachment_id(id)
                )
                on_draft = await queries.draft_files(session, found.report_id)
        except DomainError as error:
            return ReportFilesPayload(files=[], errors=user_errors(error, context.locale, rename=BY_ID))
        return ReportFilesPayload(files=[ReportFile.from_entry(f) for f in on_draft], errors=[])
