"""The change feed through GraphQL: ``changes(after:, types:, first:)`` (docs/integrators.md, "Syncing")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.dataloader import DataLoader

from domain import feed
from domain.changes import kinds
from domain.errors import DomainError
from graphql_schema.errors import refused
from graphql_schema.loaders import RequestReader
from graphql_schema.pagination import PageInfo


@strawberry.enum(description="变更流中对象的类型")
class ChangeObjectType(Enum):
    ENTERPRISE = strawberry.enum_value(
        "ENTERPRISE", description="排污单位；objectId 为单位编号，objectKey 为统一社会信用代码"
    )
    PERMIT = strawberry.enum_value("PERMIT", description="排污许可证；objectKey 为许可证编号")
    PERMIT_APPLICATION = strawberry.enum_value("PERMIT_APPLICATION", description="许可证申请")
    LEDGER_ENTRY = strawberry.enum_value("LEDGER_ENTRY", description="台账记录（运行、异常等）")
    READING = strawberry.enum_value("READING", description="一条监测数据；objectKey 为许可证编号")
    EXCEEDANCE = strawberry.enum_value("EXCEEDANCE", description="超标记录")
    SHUTDOWN = strawberry.enum_value("SHUTDOWN", description="停产记录")
    EXECUTION_REPORT = strawberry.enum_value(
        "EXECUTION_REPORT", description="执行报告；objectKey 为“许可证编号/报告类型/期间”"
    )
    REPORT_SUBMISSION = strawberry.enum_value(
        "REPORT_SUBMISSION", description="执行报告的一次提交（只增不改）"
    )
    FEEDBACK_FORM = strawberry.enum_value("FEEDBACK_FORM", description="执行报告的意见单")
    REGISTRATION = strawberry.enum_value("REGISTRATION", description="排污登记；objectKey 为登记编号")


@strawberry.enum(description="变更的种类")
class ChangeKind(Enum):
    CREATED = strawberry.enum_value("CREATED", description="新建")
    UPDATED = strawberry.enum_value("UPDATED", description="修改（修改前的版本保留）")
    VOIDED = strawberry.enum_value("VOIDED", description="作废（注明原因，记录保留）")
    STATE_CHANGED = strawberry.enum_value("STATE_CHANGED", description="状态变化（受理、核发、退回、注销等）")


@strawberry.type(description="一次变更：哪个对象、怎样变、何时")
class Change:
    object_type: ChangeObjectType = strawberry.field(description="对象类型")
    object_id: strawberry.ID = strawberry.field(description="对象编号（同类型内唯一）")
    object_key: str = strawberry.field(description="对象的业务标识：许可证编号、信用代码、登记编号等")
    change: ChangeKind = strawberry.field(description="变更种类")
    action: str = strawberry.field(description="审计记录中的操作代码，例如 permit.grant、ledger.void")
    occurred_at: datetime = strawberry.field(description="服务器记录变更的时间（UTC，带时区）")


@strawberry.type(description="变更流中的一条")
class ChangeEdge:
    cursor: str = strawberry.field(description="此变更之后的位置；作为 after 参数继续读取")
    node: Change = strawberry.field(description="变更")


@strawberry.type(description="按提交顺序排列的变更；pageInfo.endCursor 保存下来，下次从此读取")
class ChangeConnection:
    edges: list[ChangeEdge] = strawberry.field(description="本页的变更，先提交的在前")
    page_info: PageInfo = strawberry.field(
        description="分页信息；没有新变更时 endCursor 为传入的 after，hasNextPage 为 false"
    )


UPDATED_AT = (
    "最后修改时间（UTC，带时区）：变更流（changes）中此对象最后一次变更的时间；"
    "变更流开始之前记录且此后未变的对象为其记录时间"
)


class ChangeTimes:
    """When objects last changed (their ``updatedAt``), batched per type for one request."""

    def __init__(self, context: RequestReader) -> None:
        self.context = context
        self.loaders: dict[kinds.ObjectType, DataLoader[int, datetime | None]] = {}

    async def updated_at(
        self, object_type: kinds.ObjectType, object_id: int, recorded_at: datetime
    ) -> datetime:
        loader = self.loaders.get(object_type)
        if loader is None:
            loader = self.loaders[object_type] = DataLoader(load_fn=self._loader(object_type))
        changed = await loader.load(object_id)
        return (changed or recorded_at).astimezone(UTC)

    def _loader(self, object_type: kinds.ObjectType):  # type: ignore[no-untyped-def]
        async def load(ids: Sequence[int]) -> list[datetime | None]:
            async with self.context.read() as session:
                found = await feed.last_changed(session, object_type, ids)
            return [found.get(object_id) for object_id in ids]

        return load


def _change(change: feed.Change) -> ChangeEdge:
    return ChangeEdge(
        cursor=change.cursor,
        node=Change(
            object_type=ChangeObjectType[change.object_type.value],
            object_id=strawberry.ID(str(change.object_id)),
            object_key=change.object_key,
            change=ChangeKind[change.change.value],
            action=change.action,
            occurred_at=change.occurred_at.astimezone(UTC),
        ),
    )


@strawberry.type
class ChangeQuery:
    @strawberry.field(
        description=(
            "变更流：调用者可见对象的每一次新建、修改、作废和状态变化，按提交顺序，每条只出现一次。"
            "先不带 after 读完全部，保存 pageInfo.endCursor，以后带 after 只读新的变更；"
            "晚提交的事务不会落在已读游标之前。"
        )
    )
    async def changes(
        self,
        info: strawberry.Info,
        after: Annotated[
            str | None, strawberry.argument(description="从此游标之后开始；不填从头开始")
        ] = None,
        types: Annotated[
            list[ChangeObjectType] | None, strawberry.argument(description="只读这些类型的对象；不填为全部")
        ] = None,
        first: Annotated[int, strawberry.argument(description="每页条数（1–100）")] = 100,
    ) -> ChangeConnection:
        context = info.context
        try:
            async with context.read() as session:
                page = await feed.changes(
                    session,
                    context.actor,
                    after=after,
                    types=[kinds.ObjectType(t.name) for t in types] if types else None,
                    first=first,
                )
        except DomainError as error:
            raise refused(error, context.locale) from None
        edges = [_change(change) for change in page.changes]
        return ChangeConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=page.end_cursor,
            ),
        )
