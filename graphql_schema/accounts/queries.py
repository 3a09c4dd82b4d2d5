"""Who is calling, and their API tokens."""

from __future__ import annotations

import strawberry

from domain.accounts.queries import current_user, list_api_tokens
from domain.errors import DomainError
from graphql_schema.accounts.types import ApiToken, Viewer
from graphql_schema.errors import refused


@strawberry.type
class AccountQuery:
    @strawberry.field(description="当前调用者；匿名访问时为 null")
    async def viewer(self, info: strawberry.Info) -> Viewer | None:
        context = info.context
        async with context.read() as session:
            user = await current_user(session, context.actor)
            return Viewer.from_model(user) if user is not None else None

    @strawberry.field(description="当前用户自己的 API 令牌，最新在前（不含明文）")
    async def api_tokens(self, info: strawberry.Info) -> list[ApiToken]:
        context = info.context
        try:
            async with context.read() as session:
                tokens = await list_api_tokens(session, context.actor)
                return [ApiToken.from_model(token) for token in tokens]
        except DomainError as error:
            raise refused(error, context.locale) from None
