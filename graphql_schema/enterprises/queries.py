"""Reading enterprises: one record, a searchable list, a record's history."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.enterprises.queries import EnterprisePublic as DomainEnterprisePublic
from domain.enterprises.queries import enterprise_history, list_enterprises, view_enterprise
from domain.errors import DomainError, NotFound
from graphql_schema.enterprises.types import (
    Enterprise,
    EnterpriseConnection,
    EnterpriseFilterInput,
    EnterpriseIdentity,
    EnterprisePublic,
    EnterpriseRevision,
)
from graphql_schema.errors import refused
from graphql_schema.pagination import After, Before, First, Last, page_window

CreditCode = Annotated[str, strawberry.argument(description="统一社会信用代码")]


@strawberry.type
class EnterpriseQuery:
    @strawberry.field(
        description=(
            "按信用代码查询排污单位。有权查看者得到完整档案（Enterprise），"
            "其他人（含匿名访问者）得到公开信息（EnterprisePublic）；不存在时为 null。"
        )
    )
    async def enterprise(self, info: strawberry.Info, credit_code: CreditCode) -> EnterpriseIdentity | None:
        context = info.context
        async with context.read() as session:
            found = await view_enterprise(session, context.actor, credit_code=credit_code)
            if found is None:
                return None
            if isinstance(found, DomainEnterprisePublic):
                return EnterprisePublic.from_model(found)
            return Enterprise.from_model(found)

    @strawberry.field(
        description="排污单位列表（辖区监管人员和系统管理员），按名称排序；匿名和企业用户无权调用。"
    )
    async def enterprises(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[EnterpriseFilterInput | None, strawberry.argument(description="检索条件")] = None,
    ) -> EnterpriseConnection:
        context = info.context
        try:
            async with context.read() as session:
                page = await list_enterprises(
                    session,
                    context.actor,
                    filters=filter.to_domain() if filter else None,
                    window=page_window(first, after, last, before),
                )
                return EnterpriseConnection.from_page(page)
        except DomainError as error:
            raise refused(error, context.locale) from None

    @strawberry.field(description="排污单位档案的全部历史版本，最新在前；无权查看或不存在时为 null。")
    async def enterprise_history(
        self, info: strawberry.Info, credit_code: CreditCode
    ) -> list[EnterpriseRevision] | None:
        context = info.context
        try:
            async with context.read() as session:
                revisions = await enterprise_history(session, context.actor, credit_code=credit_code)
                return [EnterpriseRevision.from_model(revision) for revision in revisions]
        except NotFound:
            return None
        except DomainError as error:
            raise refused(error, context.locale) from None
