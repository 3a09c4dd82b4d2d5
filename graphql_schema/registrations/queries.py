"""Reading registrations: public for anyone, like the public register page."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.errors import DomainError, NotFound
from domain.pagination import decode_cursor
from domain.registrations import queries
from graphql_schema.errors import refused
from graphql_schema.registrations.types import (
    RegistrationConnection,
    RegistrationFilterInput,
    RegistrationPublic,
)


@strawberry.type
class RegistrationQuery:
    @strawberry.field(description="按登记编号查询排污登记（公开内容，任何人可查）；不存在时为 null。")
    async def registration(
        self, info: strawberry.Info, number: Annotated[str, strawberry.argument(description="登记编号")]
    ) -> RegistrationPublic | None:
        async with info.context.read() as session:
            try:
                return RegistrationPublic.from_view(await queries.public_registration(session, number=number))
            except NotFound:
                return None

    @strawberry.field(description="排污登记公开名录，按单位名称排序（任何人可查）。")
    async def registrations(
        self,
        info: strawberry.Info,
        first: Annotated[int, strawberry.argument(description="每页条数（1–100）")] = 20,
        after: Annotated[str | None, strawberry.argument(description="从此游标之后开始")] = None,
        filter: Annotated[RegistrationFilterInput | None, strawberry.argument(description="检索条件")] = None,
    ) -> RegistrationConnection:
        context = info.context
        try:
            async with context.read() as session:
                page = await queries.search_registrations(
                    session,
                    filters=filter.to_domain() if filter else None,
                    first=first,
                    offset=decode_cursor(after),
                )
                return RegistrationConnection.from_page(page)
        except DomainError as error:
            raise refused(error, context.locale) from None
