"""Registering and editing enterprises. Problems come back in the payload's ``errors``."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.enterprises.service import add_site, register_enterprise, update_enterprise
from domain.errors import DomainError
from graphql_schema.enterprises.types import Enterprise, EnterpriseInputType, Site, SiteInputType
from graphql_schema.errors import UserError, user_errors


@strawberry.type(description="登记排污单位的结果")
class RegisterEnterprisePayload:
    enterprise: Enterprise | None = strawberry.field(description="登记成功的排污单位；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type(description="修改排污单位档案的结果")
class UpdateEnterprisePayload:
    enterprise: Enterprise | None = strawberry.field(description="修改后的排污单位；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type(description="新增生产经营场所的结果")
class AddSitePayload:
    site: Site | None = strawberry.field(description="新增的场所（顺序码接续）；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type
class EnterpriseMutation:
    @strawberry.mutation(
        description="为排污单位新增生产经营场所（本辖区审批科或系统管理员）；顺序码接续（002、003……）。"
    )
    async def add_site(
        self,
        info: strawberry.Info,
        credit_code: Annotated[str, strawberry.argument(description="统一社会信用代码")],
        input: Annotated[SiteInputType, strawberry.argument(description="生产经营场所")],
    ) -> AddSitePayload:
        context = info.context
        try:
            async with context.transaction() as session:
                site = Site.from_model(
                    await add_site(session, context.actor, credit_code=credit_code, data=input.to_domain())
                )
        except DomainError as error:
            return AddSitePayload(site=None, errors=user_errors(error, context.locale))
        return AddSitePayload(site=site, errors=[])

    @strawberry.mutation(description="登记排污单位（本辖区审批科或系统管理员）。")
    async def register_enterprise(
        self,
        info: strawberry.Info,
        input: Annotated[EnterpriseInputType, strawberry.argument(description="排污单位档案")],
    ) -> RegisterEnterprisePayload:
        context = info.context
        try:
            async with context.transaction() as session:
                registered = Enterprise.from_model(
                    await register_enterprise(session, context.actor, data=input.to_domain())
                )
        except DomainError as error:
            return RegisterEnterprisePayload(enterprise=None, errors=user_errors(error, context.locale))
        return RegisterEnterprisePayload(enterprise=registered, errors=[])

    @strawberry.mutation(description="修改排污单位档案（本辖区审批科或系统管理员）；旧版本保留在历史中。")
    async def update_enterprise(
        self,
        info: strawberry.Info,
        credit_code: Annotated[str, strawberry.argument(description="统一社会信用代码")],
        input: Annotated[EnterpriseInputType, strawberry.argument(description="排污单位档案")],
        expected_version: Annotated[
            int | None, strawberry.argument(description="读取时的版本号；他人已修改时拒绝保存")
        ] = None,
    ) -> UpdateEnterprisePayload:
        context = info.context
        try:
            async with context.transaction() as session:
                updated = Enterprise.from_model(
                    await update_enterprise(
                        session,
                        context.actor,
                        credit_code=credit_code,
                        data=input.to_domain(),
                        expected_version=expected_version,
                    )
                )
        except DomainError as error:
            return UpdateEnterprisePayload(
                enterprise=None,
                errors=user_errors(error, context.locale, rename={"version": "expectedVersion"}),
            )
        return UpdateEnterprisePayload(enterprise=updated, errors=[])
