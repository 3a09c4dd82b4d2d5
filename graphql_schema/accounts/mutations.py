"""Creating and revoking one's API tokens."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.accounts.service.tokens import create_api_token, revoke_api_token
from domain.bounds import parse_id
from domain.errors import N_, DomainError, NotFound
from graphql_schema.accounts.types import ApiToken, CreateApiTokenInput
from graphql_schema.errors import UserError, user_errors


def _parse_id(value: str) -> int:
    """An ID that cannot name a row is simply not found."""
    parsed = parse_id(value)
    if parsed is None:
        raise NotFound(N_("No such token."), field="token")
    return parsed


@strawberry.type(description="创建 API 令牌的结果")
class CreateApiTokenPayload:
    token: str | None = strawberry.field(
        description="令牌明文：只在此返回一次，请立即妥善保存；调用时放在 Authorization: Bearer 头中"
    )
    api_token: ApiToken | None = strawberry.field(description="新令牌的信息")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type(description="撤销 API 令牌的结果")
class RevokeApiTokenPayload:
    api_token: ApiToken | None = strawberry.field(description="已撤销的令牌")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type
class AccountMutation:
    @strawberry.mutation(description="为自己创建 API 令牌（需要读写权限）。")
    async def create_api_token(
        self,
        info: strawberry.Info,
        input: Annotated[CreateApiTokenInput, strawberry.argument(description="新令牌的名称、权限和有效期")],
    ) -> CreateApiTokenPayload:
        context = info.context
        scopes = [scope.value for scope in input.scopes] if input.scopes is not None else None
        try:
            async with context.transaction() as session:
                plain, token = await create_api_token(session, context.actor, name=input.name, scopes=scopes)
                created = ApiToken.from_model(token)
        except DomainError as error:
            return CreateApiTokenPayload(
                token=None, api_token=None, errors=user_errors(error, context.locale)
            )
        return CreateApiTokenPayload(token=plain, api_token=created, errors=[])

    @strawberry.mutation(description="撤销自己的 API 令牌；撤销后立即失效。")
    async def revoke_api_token(
        self,
        info: strawberry.Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="令牌编号")],
    ) -> RevokeApiTokenPayload:
        context = info.context
        rename = {"token": "id"}
        try:
            token_id = _parse_id(id)
            async with context.transaction() as session:
                revoked = ApiToken.from_model(
                    await revoke_api_token(session, context.actor, token_id=token_id)
                )
        except DomainError as error:
            return RevokeApiTokenPayload(
                api_token=None, errors=user_errors(error, context.locale, rename=rename)
            )
        return RevokeApiTokenPayload(api_token=revoked, errors=[])
