"""Reading registrations: public for anyone, like the public register page."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.errors import DomainError, NotFound
from domain.registrations import queries
from graphql_schema.errors import refused
from graphql_schema.pagination import After, Before, First, Last, page_window
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
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[RegistrationFilterInput | None, strawberry.argument(description="检索条件")] = None,
    ) -> RegistrationConnection:
        context = info.context
        try:
            async with context.read() as session:
                page = await queries.search_registrations(
                    session,
                    filters=filter.to_domain() if filter else None,
                    window=page_window(first, after, last, before),
                )
                return RegistrationConnection.from_page(page)
        except DomainError as error:
            raise refused(error, context.locale) from None
