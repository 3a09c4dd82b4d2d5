"""GraphQL projections of accounts and API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from domain.accounts.models import ApiToken as ApiTokenModel
from domain.accounts.models import User
from graphql_schema.closed_sets import UserRole
from graphql_schema.enterprises.types import Enterprise
from graphql_schema.enums import enum_value


@strawberry.enum(description="API 令牌的权限范围")
class ApiTokenScope(Enum):
    READ = enum_value("read", description="只读：查询")
    WRITE = enum_value("write", description="读写：查询并调用变更操作")


@strawberry.type(description="当前登录的用户（通过 API 令牌或门户会话）")
class Viewer:
    username: str = strawberry.field(description="用户名")
    display_name: str = strawberry.field(description="显示名称")
    roles: list[UserRole] = strawberry.field(
        description="角色，例如 permitting（审批科）、enterprise_staff（企业环保专员）"
    )
    region_code: str | None = strawberry.field(description="监管人员的辖区行政区划代码")
    enterprise_id: strawberry.Private[int | None]

    @strawberry.field(description="企业用户所属的排污单位")
    async def enterprise(self, info: strawberry.Info) -> Enterprise | None:
        if self.enterprise_id is None:
            return None
        return await info.context.loaders.enterprise_by_id.load(self.enterprise_id)

    @classmethod
    def from_model(cls, user: User) -> Viewer:
        return cls(
            username=user.username,
            display_name=user.display_name,
            roles=[UserRole(user.role)],
            region_code=user.region_code,
            enterprise_id=user.enterprise_id,
        )


@strawberry.type(description="GraphQL API 令牌（只保存其哈希，明文仅在创建时返回一次）")
class ApiToken:
    id: strawberry.ID = strawberry.field(description="令牌编号，撤销时使用")
    name: str = strawberry.field(description="令牌名称")
    prefix: str = strawberry.field(description="令牌明文的开头几位，便于识别")
    scopes: list[ApiTokenScope] = strawberry.field(description="权限范围")
    created_at: datetime = strawberry.field(description="创建时间（UTC）")
    last_used_at: datetime | None = strawberry.field(description="最近使用时间（UTC，约每分钟更新一次）")
    revoked_at: datetime | None = strawberry.field(description="撤销时间（UTC）；未撤销为 null")

    @classmethod
    def from_model(cls, token: ApiTokenModel) -> ApiToken:
        return cls(
            id=strawberry.ID(str(token.id)),
            name=token.name,
            prefix=token.prefix,
            scopes=[ApiTokenScope(scope) for scope in token.scopes.split()],
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
        )


@strawberry.input(description="创建 API 令牌")
class CreateApiTokenInput:
    name: str = strawberry.field(description="令牌名称，便于日后识别（最多 64 字）")
    scopes: list[ApiTokenScope] | None = strawberry.field(default=None, description="权限范围；省略时为读写")
