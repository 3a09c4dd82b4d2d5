"""The permit lifecycle (docs/domain-rules.md) and the import of permits, as mutations.

Each mutation calls one use case in one transaction: on any problem the payload's
``errors`` names the field (camelCase, with the full path into the content, e.g.
``content.outlets[0].limits[1].concentrationLimit``) and nothing is written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import Annotated

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.scalars import JSON

from domain.bounds import parse_id
from domain.errors import N_, DomainError, NotFound
from domain.permits import models
from domain.permits.queries.visible import application_view, visible_permits
from domain.permits.service.applications import (
    ApplicationInput,
    apply_for_change,
    submit_application,
    supply_missing_materials,
)
from domain.permits.service.cancellation import cancel_permit, revoke_permit
from domain.permits.service.changes import start_change
from domain.permits.service.decisions import (
    GrantInput,
    accept_application,
    extend_decision,
    grant_application,
    issue_permit,
    refuse_application,
    reject_application,
    request_missing_materials,
)
from domain.permits.service.imports import import_permits
from graphql_schema.errors import UserError, user_errors
from graphql_schema.permits.types import (
    ApplyForPermitInput,
    CancellationReason,
    ChangePermitInput,
    Permit,
    PermitApplication,
    RenewPermitInput,
    ReplacePermitInput,
    snake_keys,
)


def _application_id(value: str) -> int:
    """An ID that cannot name a row is simply not found."""
    parsed = parse_id(value)
    if parsed is None:
        raise NotFound(N_("No such application."), field="application")
    return parsed


@strawberry.type(description="办理许可申请的结果")
class PermitApplicationPayload:
    application: PermitApplication | None = strawberry.field(description="办理后的申请；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type(description="核发、撤销或注销排污许可证的结果")
class PermitPayload:
    permit: Permit | None = strawberry.field(description="办理后的许可证；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type(description="导入许可证的结果：全部导入或全部不导入")
class ImportPermitsPayload:
    permits: list[Permit] = strawberry.field(description="导入的许可证；失败时为空列表")
    errors: list[UserError] = strawberry.field(
        description=(
            "失败原因，字段指明行和单元格，例如 rows[2].content.outlets[0].limits[1].unit；成功时为空列表"
        )
    )


ApplicationAction = Callable[[AsyncSession], Awaitable[models.PermitApplication]]
PermitAction = Callable[[AsyncSession], Awaitable[models.Permit]]

ApplicationId = Annotated[strawberry.ID, strawberry.argument(description="申请编号")]
Reason = Annotated[str, strawberry.argument(description="理由（告知申请单位并公告）")]
Number = Annotated[str, strawberry.argument(description="许可证编号")]


async def _on_application(
    info: strawberry.Info, action: ApplicationAction, rename: Mapping[str, str] | None = None
) -> PermitApplicationPayload:
    context = info.context
    try:
        async with context.transaction() as session:
            view = await application_view(session, context.actor, await action(session))
    except DomainError as error:
        return PermitApplicationPayload(
            application=None, errors=user_errors(error, context.locale, rename=rename)
        )
    permit = Permit.from_view(view.permit) if view.permit is not None else None
    return PermitApplicationPayload(
        application=PermitApplication.from_model(view.application, permit), errors=[]
    )


async def _on_permit(
    info: strawberry.Info, action: PermitAction, rename: Mapping[str, str] | None = None
) -> PermitPayload:
    context = info.context
    try:
        async with context.transaction() as session:
            views = visible_permits(context.actor, [await action(session)])
    except DomainError as error:
        return PermitPayload(permit=None, errors=user_errors(error, context.locale, rename=rename))
    return PermitPayload(permit=Permit.from_view(views[0]) if views else None, errors=[])


BY_ID = {"application": "id"}
BY_APPLICATION_ID = {"application": "applicationId"}


@strawberry.type
class PermitMutation:
    @strawberry.mutation(
        description="首次申请排污许可证（本单位企业管理员，或辖区审批科代为录入）；收到之日起计算受理期限。"
    )
    async def apply_for_permit(
        self,
        info: strawberry.Info,
        input: Annotated[ApplyForPermitInput, strawberry.argument(description="申请内容")],
    ) -> PermitApplicationPayload:
        data = ApplicationInput(
            kind="first",
            enterprise_credit_code=input.enterprise_credit_code,
            site=input.site or "",
            category=input.category.value if input.category else "",
            issuing_authority=input.issuing_authority,
            content=snake_keys(input.content),
        )
        actor = info.context.actor
        return await _on_application(info, lambda s: submit_application(s, actor, data=data))

    @strawberry.mutation(
        description=(
            "受理申请（辖区审批科）。受理期限按收到之日施行的规则计算（条例第九条：3 个工作日；"
            "办法（试行）第二十七条：5 个工作日）；逾期未受理也未告知补正的，视为收到之日受理。"
        )
    )
    async def accept_permit_application(
        self, info: strawberry.Info, id: ApplicationId
    ) -> PermitApplicationPayload:
        actor = info.context.actor

        async def action(session: AsyncSession) -> models.PermitApplication:
            return await accept_application(session, actor, application_id=_application_id(id))

        return await _on_application(info, action, BY_ID)

    @strawberry.mutation(
        description="不予受理申请（辖区审批科），须说明理由；受理期限届满后视为已受理，不能再不予受理。"
    )
    async def reject_permit_application(
        self, info: strawberry.Info, id: ApplicationId, reason: Reason
    ) -> PermitApplicationPayload:
        actor = info.context.actor

        async def action(session: AsyncSession) -> models.PermitApplication:
            return await reject_application(session, actor, application_id=_application_id(id), reason=reason)

        return await _on_application(info, action, BY_ID)

    @strawberry.mutation(
        description="将许可决定期限延长 10 个工作日（只能一次），须说明理由（行政许可法第四十二条）。"
    )
    async def extend_permit_decision(
        self, info: strawberry.Info, id: ApplicationId, reason: Reason
    ) -> PermitApplicationPayload:
        actor = info.context.actor

        async def action(session: AsyncSession) -> models.PermitApplication:
            return await extend_decision(session, actor, application_id=_application_id(id), reason=reason)

        return await _on_application(info, action, BY_ID)

    @strawberry.mutation(
        description="准予许可（辖区审批科）：首次申请须给出许可证编号；决定之日起计算有效期。"
    )
    async def grant_permit(
        self,
        info: strawberry.Info,
        application_id: ApplicationId,
        number: Annotated[
            str | None,
            strawberry.argument(description="许可证编号：首次申请时必填（信用代码 + 3 位序号 + 1 位字母）"),
        ] = None,
        validity_cut_to: Annotated[
            date | None, strawberry.argument(description="缩短后的有效期截止日（如淘汰期限）；不缩短时省略")
        ] = None,
        validity_cut_reason: Annotated[
            str | None, strawberry.argument(description="缩短有效期的理由；给出 validityCutTo 时必填")
        ] = None,
    ) -> PermitApplicationPayload:
        actor = info.context.actor
        data = GrantInput(
            number=number or "",
            validity_cut_to=validity_cut_to,
            validity_cut_reason=validity_cut_reason or "",
        )

        async def action(session: AsyncSession) -> models.PermitApplication:
            return await grant_application(
                session, actor, application_id=_application_id(application_id), data=data
            )

        return await _on_application(info, action, BY_APPLICATION_ID)

    @strawberry.mutation(description="不予许可（辖区审批科），须说明理由。")
    async def refuse_permit(
        self, info: strawberry.Info, application_id: ApplicationId, reason: Reason
    ) -> PermitApplicationPayload:
        actor = info.context.actor

        async def action(session: AsyncSession) -> models.PermitApplication:
            return await refuse_application(
                session, actor, application_id=_application_id(application_id), reason=reason
            )

        return await _on_application(info, action, BY_APPLICATION_ID)

    @strawberry.mutation(description="核发已准予的许可证（或补办的许可证）：新版本的副本内容生效并公告。")
    async def issue_permit(self, info: strawberry.Info, application_id: ApplicationId) -> PermitPayload:
        actor = info.context.actor

        async def action(session: AsyncSession) -> models.Permit:
            return await issue_permit(session, actor, application_id=_application_id(application_id))

        return await _on_permit(info, action, BY_APPLICATION_ID)

    @strawberry.mutation(
        description=(
            "申请变更许可证。名称、住所、法定代表人或主要负责人变更的，须给出变更日期（changedOn），"
            "自变更之日起 30 日内申请（条例第十四条）；逾期申请照常办理并标记为逾期（late）。"
        )
    )
    async def change_permit(
        self,
        info: strawberry.Info,
        input: Annotated[ChangePermitInput, strawberry.argument(description="申请内容")],
    ) -> PermitApplicationPayload:
        data = ApplicationInput(
            kind=input.kind.value,
            permit_number=input.permit_number,
            category=input.category.value if input.category else "",
            content=snake_keys(input.content) if input.content is not None else None,
            change_description=input.description,
            event_date=input.changed_on,
        )
        actor = info.context.actor
        return await _on_application(
            info,
            lambda s: apply_for_change(s, actor, data=data),
            {"change_description": "description", "event_date": "changedOn"},
        )

    @strawberry.mutation(
        description="审批部门依法启动变更（条例第十六条：排放标准或重点污染物总量控制要求变化）；直接进入已受理。"
    )
    async def start_permit_change(
        self,
        info: strawberry.Info,
        number: Number,
        description: Annotated[str, strawberry.argument(description="变更内容和依据")],
        content: Annotated[
            JSON | None, strawberry.argument(description="变更后的完整副本内容；省略时沿用现行内容")
        ] = None,
    ) -> PermitApplicationPayload:
        actor = info.context.actor
        proposed = snake_keys(content) if content is not None else None

        async def action(session: AsyncSession) -> models.PermitApplication:
            return await start_change(
                session, actor, number=number, change_description=description, content=proposed
            )

        return await _on_application(info, action, {"change_description": "description"})

    @strawberry.mutation(
        description="一次性告知申请单位需要补正的全部材料（条例第九条第四项）；补齐后重新计算受理期限。"
    )
    async def request_missing_materials(
        self,
        info: strawberry.Info,
        id: ApplicationId,
        missing: Annotated[str, strawberry.argument(description="需要补正的全部材料")],
    ) -> PermitApplicationPayload:
        actor = info.context.actor

        async def action(session: AsyncSession) -> models.PermitApplication:
            return await request_missing_materials(
                session, actor, application_id=_application_id(id), missing=missing
            )

        return await _on_application(info, action, BY_ID)

    @strawberry.mutation(description="申请单位已补齐材料：受理期限自今日重新计算。")
    async def supply_missing_materials(
        self,
        info: strawberry.Info,
        id: ApplicationId,
        note: Annotated[str, strawberry.argument(description="补正说明")] = "",
    ) -> PermitApplicationPayload:
        actor = info.context.actor

        async def action(session: AsyncSession) -> models.PermitApplication:
            return await supply_missing_materials(
                session, actor, application_id=_application_id(id), note=note
            )

        return await _on_application(info, action, BY_ID)

    @strawberry.mutation(
        description=(
            "申请延续许可证：期限按许可决定之日施行的规则（条例第十四条：届满 60 日前；"
            "办法（试行）第四十六条：届满 30 个工作日前）；逾期申请照常办理并标记为逾期（late）。"
        )
    )
    async def renew_permit(
        self,
        info: strawberry.Info,
        input: Annotated[RenewPermitInput, strawberry.argument(description="申请内容")],
    ) -> PermitApplicationPayload:
        data = ApplicationInput(
            kind="renewal",
            permit_number=input.permit_number,
            category=input.category.value if input.category else "",
            content=snake_keys(input.content) if input.content is not None else None,
        )
        actor = info.context.actor
        return await _on_application(info, lambda s: submit_application(s, actor, data=data))

    @strawberry.mutation(
        description="申请补办遗失或损毁的许可证（办法（试行）第五十一条）：无需受理，10 个工作日内补发。"
    )
    async def replace_permit(
        self,
        info: strawberry.Info,
        input: Annotated[ReplacePermitInput, strawberry.argument(description="申请内容")],
    ) -> PermitApplicationPayload:
        data = ApplicationInput(
            kind="replacement",
            permit_number=input.permit_number,
            event_date=input.lost_on,
            change_description=input.description,
        )
        actor = info.context.actor
        return await _on_application(
            info,
            lambda s: submit_application(s, actor, data=data),
            {"event_date": "lostOn", "change_description": "description"},
        )

    @strawberry.mutation(description="撤销许可证（第四十九条），须说明法律依据；公告。")
    async def revoke_permit(self, info: strawberry.Info, number: Number, reason: Reason) -> PermitPayload:
        actor = info.context.actor
        return await _on_permit(info, lambda s: revoke_permit(s, actor, number=number, reason=reason))

    @strawberry.mutation(description="注销许可证（第五十条）；公告。")
    async def cancel_permit(
        self,
        info: strawberry.Info,
        number: Number,
        reason: Annotated[CancellationReason, strawberry.argument(description="注销事由")],
        note: Annotated[str, strawberry.argument(description="说明；事由为 OTHER 时必填")] = "",
    ) -> PermitPayload:
        actor = info.context.actor
        return await _on_permit(
            info, lambda s: cancel_permit(s, actor, number=number, reason=reason.value, note=note)
        )

    @strawberry.mutation(
        description=(
            "导入已在全国排污许可证管理信息平台核发的许可证（辖区审批科）：全部导入或全部不导入，"
            "错误指明行号（从 1 开始）和字段。"
        )
    )
    async def import_permits(
        self,
        info: strawberry.Info,
        records: Annotated[
            JSON,
            strawberry.argument(
                description=(
                    "许可证记录的数组，每条含 number、enterpriseCreditCode、category（key/simplified）、"
                    "issuingAuthority、decisionDate、validUntil（可选，缩短的有效期）、renewed、content；"
                    "字段名可用 camelCase 或 snake_case"
                )
            ),
        ],
    ) -> ImportPermitsPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                imported = await import_permits(session, context.actor, records=snake_keys(records))
                views = visible_permits(context.actor, imported)
        except DomainError as error:
            return ImportPermitsPayload(permits=[], errors=user_errors(error, context.locale))
        return ImportPermitsPayload(permits=[Permit.from_view(view) for view in views], errors=[])
