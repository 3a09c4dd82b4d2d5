"""Reading agencies through GraphQL: the directory, one agency with its credit, filings, authorisations."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.agencies.queries import authorisations, credit, directory
from domain.agencies.queries.lookup import may_oversee
from domain.agency_oversight.queries import filings
from domain.errors import DomainError
from graphql_schema.agencies.types import (
    Agency,
    AgencyAuthorization,
    AgencyConnection,
    AgencyFilingConnection,
    AgencyFilingKind,
    AgencyFilterInput,
    AgencyRank,
)
from graphql_schema.errors import absent, refused
from graphql_schema.pagination import After, Before, First, Last, page_window

CreditCode = Annotated[str, strawberry.argument(description="机构的统一社会信用代码")]


@strawberry.type
class AgencyQuery:
    @strawberry.field(
        description=(
            "第三方技术服务机构名录，按名称排序，附信用分和等级。任何人（含匿名访问者）可查询已通过"
            "或已暂停的机构；监管部门和系统管理员可查询全部状态。"
        )
    )
    async def agencies(
        self,
        info: strawberry.Info,
        filter: Annotated[AgencyFilterInput | None, strawberry.argument(description="检索条件")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> AgencyConnection:
        context = info.context
        try:
            async with context.read() as session:
                page = await directory.directory(
                    session,
                    context.actor,
                    filters=filter.to_domain() if filter else directory.DirectoryFilter(status=""),
                    window=page_window(first, after, last, before),
                )
        except DomainError as error:
            raise refused(error, context.locale) from None
        return AgencyConnection.from_page(page, full=may_oversee(context.actor))

    @strawberry.field(
        description=(
            "按信用代码查询机构及其信用。机构本身和监管部门得到全部信用事件和联系人；其他人（含匿名）"
            "只能查询已通过或已暂停的机构，只看到公开的严重问题。不存在时为 null。"
        )
    )
    async def agency(self, info: strawberry.Info, credit_code: CreditCode) -> Agency | None:
        context = info.context
        async with context.read() as session:
            view = await directory.view_agency(session, context.actor, credit_code=credit_code)
        return Agency.from_view(view) if view is not None else None

    @strawberry.field(
        description=(
            "机构代企业填报的记录（监测数据批次、台账记录、执行报告提交），最新在前，每条带填报人。"
            "机构人员不传 creditCode 即查询本机构；监管部门查询任一机构在本辖区的代填记录。"
        )
    )
    async def agency_filings(
        self,
        info: strawberry.Info,
        credit_code: Annotated[
            str | None, strawberry.argument(description="机构信用代码；省略时为调用者所在机构")
        ] = None,
        enterprise_credit_code: Annotated[
            str | None, strawberry.argument(description="只看某一委托单位")
        ] = None,
        kind: Annotated[AgencyFilingKind | None, strawberry.argument(description="记录类型")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> AgencyFilingConnection | None:
        context = info.context
        try:
            async with context.read() as session:
                page = await filings.filings(
                    session,
                    context.actor,
                    credit_code=credit_code,
                    filters=filings.FilingFilter(
                        enterprise_credit_code=enterprise_credit_code or "", kind=kind.value if kind else ""
                    ),
                    window=page_window(first, after, last, before),
                )
        except DomainError as error:
            absent(error, context.locale)
            return None
        return AgencyFilingConnection.from_page(page)

    @strawberry.field(
        description="委托授权：企业用户看到本单位的全部授权，机构人员看到本机构的全部委托（含已到期、已撤销）。"
    )
    async def agency_authorizations(self, info: strawberry.Info) -> list[AgencyAuthorization]:
        context = info.context
        try:
            async with context.read() as session:
                rows = await authorisations.authorisations(session, context.actor)
        except DomainError as error:
            raise refused(error, context.locale) from None
        return [AgencyAuthorization.from_row(row) for row in rows]

    @strawberry.field(
        description="辖区机构信用排名（监管部门和系统管理员）：信用分从高到低，并给出 30 天前的信用分。"
    )
    async def agency_ranking(self, info: strawberry.Info) -> list[AgencyRank]:
        context = info.context
        try:
            async with context.read() as session:
                result = await credit.ranking(session, context.actor)
        except DomainError as error:
            raise refused(error, context.locale) from None
        return [AgencyRank.from_row(row) for row in result.rows]
