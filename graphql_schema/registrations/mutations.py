"""Filing, changing, renewing and cancelling registrations. Problems come back in ``errors``."""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import DomainError
from domain.registrations import service
from domain.registrations.queries import RegistrationRecord
from graphql_schema.errors import UserError, user_errors
from graphql_schema.registrations.types import Registration, RegistrationInputType

Number = Annotated[str, strawberry.argument(description="登记编号")]


@strawberry.type(description="排污登记操作的结果")
class RegistrationPayload:
    registration: Registration | None = strawberry.field(description="操作后的排污登记；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


async def _act(
    info: strawberry.Info, act: Callable[[AsyncSession], Awaitable[RegistrationRecord]]
) -> RegistrationPayload:
    context = info.context
    try:
        async with context.transaction() as session:
            registration = Registration.from_record(await act(session))
    except DomainError as error:
        return RegistrationPayload(registration=None, errors=user_errors(error, context.locale))
    return RegistrationPayload(registration=registration, errors=[])


@strawberry.type
class RegistrationMutation:
    @strawberry.mutation(
        description="填报排污登记表（本单位管理员、辖区审批科或系统管理员）：有效期五年；不发许可证、不报执行报告。"
    )
    async def file_registration(
        self,
        info: strawberry.Info,
        input: Annotated[RegistrationInputType, strawberry.argument(description="排污登记表")],
    ) -> RegistrationPayload:
        actor = info.context.actor
        return await _act(info, lambda s: service.file_registration(s, actor, data=input.to_domain()))

    @strawberry.mutation(
        description="变更排污登记：应在变动之日起 20 日内填报（条例第二十四条），逾期照收并标为逾期。"
    )
    async def change_registration(
        self,
        info: strawberry.Info,
        number: Number,
        input: Annotated[RegistrationInputType, strawberry.argument(description="排污登记表")],
        changed_on: Annotated[datetime.date, strawberry.argument(description="发生变动的日期")],
    ) -> RegistrationPayload:
        actor = info.context.actor
        return await _act(
            info,
            lambda s: service.change_registration(
                s, actor, number=number, data=input.to_domain(), changed_on=changed_on
            ),
        )

    @strawberry.mutation(description="延续排污登记五年：有效期届满前 90 日起可办理，届满后亦可。")
    async def renew_registration(self, info: strawberry.Info, number: Number) -> RegistrationPayload:
        actor = info.context.actor
        return await _act(info, lambda s: service.renew_registration(s, actor, number=number))

    @strawberry.mutation(description="注销排污登记（不再排污、关闭或已取得排污许可证），须说明原因。")
    async def cancel_registration(
        self,
        info: strawberry.Info,
        number: Number,
        reason: Annotated[str, strawberry.argument(description="注销原因")],
    ) -> RegistrationPayload:
        actor = info.context.actor
        return await _act(info, lambda s: service.cancel_registration(s, actor, number=number, reason=reason))
