"""Reading permits: the list, one permit by number, one outlet (as its QR code opens it)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types.nodes import SelectedField, Selection

from domain.errors import DomainError
from domain.permits.queries.visible import browse_permits, find_outlet, view_permit
from graphql_schema.errors import refused
from graphql_schema.pagination import After, Before, First, Last, page_window
from graphql_schema.permits.loaders import enterprise_type
from graphql_schema.permits.types import Outlet, Permit, PermitConnection, PermitFilterInput


def _asks_for(selections: list[Selection], name: str) -> bool:
    """Whether a field of this name is among the selections, through fragments."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name == name:
                return True
        elif _asks_for(selection.selections, name):
            return True
    return False


def asks_for_total(info: strawberry.Info) -> bool:
    """Whether the query asks for the connection's totalCount: counting a city's permits costs more than
    reading its page, so it is counted only for a client that reads it."""
    return any(_asks_for(field.selections, "totalCount") for field in info.selected_fields)


@strawberry.type
class PermitQuery:
    @strawberry.field(
        description=(
            "排污许可证列表，按有效期届满日排序。辖区监管人员和系统管理员看到本辖区的许可证，"
            "企业用户看到本单位的许可证，均为完整内容；其他人（含匿名访问者）看到已公开的许可证"
            "（已有编号者）的公开部分。"
        )
    )
    async def permits(
        self,
        info: strawberry.Info,
        filter: Annotated[PermitFilterInput | None, strawberry.argument(description="检索条件")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> PermitConnection:
        context = info.context
        try:
            async with context.read() as session:
                page = await browse_permits(
                    session,
                    context.actor,
                    filters=filter.to_domain() if filter else None,
                    window=page_window(first, after, last, before),
                    count=asks_for_total(info),
                )
        except DomainError as error:
            raise refused(error, context.locale) from None
        # The list already read each permit's unit: the enterprise field needs no query of its own.
        for row in page.items:
            context.loaders.permits.enterprise.prime(
                row.permit.permit.enterprise_id, enterprise_type(row.enterprise)
            )
        return PermitConnection.from_page(page)

    @strawberry.field(
        description="按编号查询排污许可证；有权查看者得到全部内容，其他人得到公开部分；不存在时为 null。"
    )
    async def permit(
        self,
        info: strawberry.Info,
        number: Annotated[str, strawberry.argument(description="许可证编号（22 位）")],
    ) -> Permit | None:
        context = info.context
        async with context.read() as session:
            view = await view_permit(session, context.actor, number=number)
        return Permit.from_view(view) if view is not None else None

    @strawberry.field(
        description=(
            "按许可证编号和排放口编码查询排放口或无组织排放源"
            "（排放口二维码所指向的公开信息）；不存在时为 null。"
        )
    )
    async def outlet(
        self,
        info: strawberry.Info,
        permit_number: Annotated[str, strawberry.argument(description="许可证编号")],
        code: Annotated[str, strawberry.argument(description="排放口编码，例如 DA001")],
    ) -> Outlet | None:
        context = info.context
        async with context.read() as session:
            found = await find_outlet(session, context.actor, permit_number=permit_number, code=code)
        if found is None:
            return None
        view, outlet = found
        return Outlet.from_model(outlet, Permit.from_view(view))
