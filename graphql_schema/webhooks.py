"""Webhooks through GraphQL: register, change, pause, rotate, replay one's endpoints and read their
deliveries (docs/integrators.md, "Webhooks")."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from domain.bounds import parse_id
from domain.errors import N_, DomainError, NotFound
from domain.webhooks import queries, service
from domain.webhooks.models import WebhookEndpoint as EndpointModel
from graphql_schema.changes import Change, ChangeKind, ChangeObjectType
from graphql_schema.enums import enum_value
from graphql_schema.errors import UserError, refused, user_errors
from graphql_schema.pagination import After, Before, First, Last, PageInfo, edges_of, page_window


def _id(value: str, field: str = "endpoint") -> int:
    """An ID that cannot name a row is simply not found."""
    parsed = parse_id(value)
    if parsed is None:
        raise NotFound(
            N_("No such webhook endpoint.") if field == "endpoint" else N_("No such delivery."), field=field
        )
    return parsed


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


@strawberry.enum(description="一次推送的状态")
class WebhookDeliveryStatus(Enum):
    PENDING = enum_value("pending", description="等待发送（首次或退避重试前）")
    SENDING = enum_value("sending", description="正在发送")
    DELIVERED = enum_value("delivered", description="接收方已以 2xx 应答")
    FAILED = enum_value("failed", description="达到最多尝试次数仍失败，不再重试（可重放）")


@strawberry.type(description="一次推送：一个事件发往一个端点，及其最后一次尝试")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="推送编号，即请求头 X-Permitwatch-Delivery")
    status: WebhookDeliveryStatus = strawberry.field(description="状态")
    attempts: int = strawberry.field(description="已尝试次数")
    replay: bool = strawberry.field(description="是否为重放")
    last_attempt_at: datetime | None = strawberry.field(description="最后一次尝试的时间（UTC）")
    last_status_code: int | None = strawberry.field(description="最后一次尝试时接收方的 HTTP 状态码")
    last_error: str = strawberry.field(description="最后一次失败的原因；成功时为空")
    next_attempt_at: datetime | None = strawberry.field(description="等待重试时，下一次尝试的时间（UTC）")
    created_at: datetime = strawberry.field(description="排入推送队列的时间（UTC）")
    delivered_at: datetime | None = strawberry.field(description="送达时间（UTC）")
    event_cursor: str = strawberry.field(
        description="事件在变更流中的位置；作为 replayWebhookDeliveries 的 after 参数从其后重放"
    )
    event: Change = strawberry.field(description="推送的事件（与变更流 changes 中相同）")

    @classmethod
    def from_row(cls, row: queries.DeliveryRow) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(str(row.id)),
            status=WebhookDeliveryStatus(row.status),
            attempts=row.attempts,
            replay=row.replay > 0,
            last_attempt_at=_utc(row.last_attempt_at),
            last_status_code=row.last_status_code,
            last_error=row.last_error,
            next_attempt_at=_utc(row.next_attempt_at) if row.status == "pending" else None,
            created_at=row.created_at.astimezone(UTC),
            delivered_at=_utc(row.delivered_at),
            event_cursor=row.cursor,
            event=Change(
                object_type=ChangeObjectType[row.object_type],
                object_id=strawberry.ID(str(row.object_id)),
                object_key=row.object_key,
                change=ChangeKind[row.change],
                action=row.action,
                occurred_at=row.occurred_at.astimezone(UTC),
            ),
        )


@strawberry.type(description="一次推送及其游标")
class WebhookDeliveryEdge:
    cursor: str = strawberry.field(description="本条记录的游标")
    node: WebhookDelivery = strawberry.field(description="推送")


@strawberry.type(description="一页推送记录，最新在前（Relay 连接）")
class WebhookDeliveryConnection:
    total_count: int = strawberry.field(description="此端点的推送总数")
    edges: list[WebhookDeliveryEdge] = strawberry.field(description="本页记录")
    page_info: PageInfo = strawberry.field(description="分页信息")


@strawberry.type(description="Webhook 端点：变更流中所选类型的事件推送到此 URL，使用本端点的密钥签名")
class WebhookEndpoint:
    id: strawberry.ID = strawberry.field(description="端点编号")
    url: str = strawberry.field(description="接收推送的 URL（http 或 https）")
    event_types: list[ChangeObjectType] = strawberry.field(description="推送哪些类型对象的变更")
    active: bool = strawberry.field(
        description="是否启用；暂停时不推送，暂停期间的事件不排队（可从游标重放）"
    )
    created_at: datetime = strawberry.field(description="登记时间（UTC）")
    updated_at: datetime = strawberry.field(description="最后修改时间（UTC）")
    secret_rotated_at: datetime = strawberry.field(description="当前密钥的生成时间（UTC）")

    @strawberry.field(description="此端点的推送记录，最新在前，含每次推送最后一次尝试的结果")
    async def deliveries(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> WebhookDeliveryConnection:
        context = info.context
        try:
            async with context.read() as session:
                page = await queries.deliveries(
                    session,
                    context.actor,
                    endpoint_id=int(self.id),
                    window=page_window(first, after, last, before),
                )
        except DomainError as error:
            raise refused(error, context.locale) from None
        nodes = [WebhookDelivery.from_row(row) for row in page.items]
        return WebhookDeliveryConnection(
            total_count=page.total,
            edges=edges_of(page, nodes, WebhookDeliveryEdge),
            page_info=PageInfo.from_page(page),
        )

    @classmethod
    def from_model(cls, endpoint: EndpointModel) -> WebhookEndpoint:
        return cls(
            id=strawberry.ID(str(endpoint.id)),
            url=endpoint.url,
            event_types=[ChangeObjectType[name] for name in endpoint.event_types.split()],
            active=endpoint.active,
            created_at=endpoint.created_at.astimezone(UTC),
            updated_at=endpoint.updated_at.astimezone(UTC),
            secret_rotated_at=endpoint.secret_rotated_at.astimezone(UTC),
        )


@strawberry.input(description="登记 Webhook 端点")
class RegisterWebhookEndpointInput:
    url: str = strawberry.field(description="接收推送的 URL：http:// 或 https://（最多 2000 字符）")
    event_types: list[ChangeObjectType] = strawberry.field(description="推送哪些类型对象的变更（至少一种）")
    active: bool = strawberry.field(default=True, description="登记后立即启用；false 为暂停")


@strawberry.input(description="修改 Webhook 端点；未填的字段不变")
class UpdateWebhookEndpointInput:
    id: strawberry.ID = strawberry.field(description="端点编号")
    url: str | None = strawberry.field(default=None, description="新的 URL")
    event_types: list[ChangeObjectType] | None = strawberry.field(default=None, description="新的事件类型")
    active: bool | None = strawberry.field(default=None, description="true 启用，false 暂停")


@strawberry.input(description="重放：一个事件的推送，或变更流中某游标之后的事件")
class ReplayWebhookDeliveriesInput:
    endpoint_id: strawberry.ID = strawberry.field(description="端点编号")
    after: str | None = strawberry.field(
        default=None,
        description="变更流游标（changes 的 cursor 或推送的 eventCursor）：重放其后直到端点当前位置的事件",
    )
    delivery_id: strawberry.ID | None = strawberry.field(default=None, description="重放这一次推送的事件")


@strawberry.type(description="登记端点或更换密钥的结果")
class WebhookEndpointSecretPayload:
    endpoint: WebhookEndpoint | None = strawberry.field(description="端点")
    secret: str | None = strawberry.field(
        description="签名密钥明文：只在此返回一次，请立即妥善保存；用于校验 X-Permitwatch-Signature"
    )
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type(description="修改端点的结果")
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint | None = strawberry.field(description="端点")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type(description="重放的结果")
class ReplayWebhookDeliveriesPayload:
    queued: int = strawberry.field(description="排入推送队列的重放次数")
    next_cursor: str | None = strawberry.field(
        description="范围超过一次重放的上限（1000 个事件）时，从此游标继续重放；否则为 null"
    )
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="当前用户自己的 Webhook 端点，最新在前（需要读写权限的令牌）")
    async def webhook_endpoints(self, info: strawberry.Info) -> list[WebhookEndpoint]:
        context = info.context
        try:
            async with context.read() as session:
                return [
                    WebhookEndpoint.from_model(e) for e in await queries.endpoints(session, context.actor)
                ]
        except DomainError as error:
            raise refused(error, context.locale) from None

    @strawberry.field(description="自己的一个 Webhook 端点；不存在或不是自己的为 null")
    async def webhook_endpoint(
        self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="端点编号")]
    ) -> WebhookEndpoint | None:
        context = info.context
        try:
            async with context.read() as session:
                return WebhookEndpoint.from_model(await queries.endpoint(session, context.actor, _id(id)))
        except NotFound:
            return None
        except DomainError as error:
            raise refused(error, context.locale) from None


def _types(values: list[ChangeObjectType] | None) -> list[str] | None:
    return None if values is None else [value.name for value in values]


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(
        description="登记 Webhook 端点：此后变更流中所选类型、调用者可见的每个事件都签名推送到此 URL。"
        "密钥只在结果中返回一次。"
    )
    async def register_webhook_endpoint(
        self,
        info: strawberry.Info,
        input: Annotated[
            RegisterWebhookEndpointInput,
            strawberry.argument(description="要登记的端点：URL、事件类型、是否启用"),
        ],
    ) -> WebhookEndpointSecretPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                secret, endpoint = await service.register_endpoint(
                    session,
                    context.actor,
                    url=input.url,
                    event_types=_types(input.event_types) or [],
                    active=input.active,
                )
                created = WebhookEndpoint.from_model(endpoint)
        except DomainError as error:
            return WebhookEndpointSecretPayload(
                endpoint=None, secret=None, errors=user_errors(error, context.locale)
            )
        return WebhookEndpointSecretPayload(endpoint=created, secret=secret, errors=[])

    @strawberry.mutation(description="修改自己的 Webhook 端点：URL、事件类型，暂停或启用。")
    async def update_webhook_endpoint(
        self,
        info: strawberry.Info,
        input: Annotated[UpdateWebhookEndpointInput, strawberry.argument(description="要修改的端点及其新值")],
    ) -> WebhookEndpointPayload:
        context = info.context
        rename = {"endpoint": "id"}
        try:
            async with context.transaction() as session:
                endpoint = await service.update_endpoint(
                    session,
                    context.actor,
                    endpoint_id=_id(input.id),
                    url=input.url,
                    event_types=_types(input.event_types),
                    active=input.active,
                )
                changed = WebhookEndpoint.from_model(endpoint)
        except DomainError as error:
            return WebhookEndpointPayload(
                endpoint=None, errors=user_errors(error, context.locale, rename=rename)
            )
        return WebhookEndpointPayload(endpoint=changed, errors=[])

    @strawberry.mutation(description="更换端点的签名密钥；新密钥只在结果中返回一次，旧密钥立即失效。")
    async def rotate_webhook_secret(
        self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="端点编号")]
    ) -> WebhookEndpointSecretPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                secret, endpoint = await service.rotate_secret(session, context.actor, endpoint_id=_id(id))
                rotated = WebhookEndpoint.from_model(endpoint)
        except DomainError as error:
            return WebhookEndpointSecretPayload(
                endpoint=None,
                secret=None,
                errors=user_errors(error, context.locale, rename={"endpoint": "id"}),
            )
        return WebhookEndpointSecretPayload(endpoint=rotated, secret=secret, errors=[])

    @strawberry.mutation(
        description=(
            "重放：再次推送一次推送的事件，或变更流中某游标之后的事件（请求头 X-Permitwatch-Replay: 1）。"
        )
    )
    async def replay_webhook_deliveries(
        self,
        info: strawberry.Info,
        input: Annotated[
            ReplayWebhookDeliveriesInput,
            strawberry.argument(description="要重放什么：一次推送，或变更流中某游标之后的事件"),
        ],
    ) -> ReplayWebhookDeliveriesPayload:
        context = info.context
        rename: dict[str, Any] = {"endpoint": "endpointId", "delivery": "deliveryId"}
        try:
            async with context.transaction() as session:
                done = await service.replay(
                    session,
                    context.actor,
                    endpoint_id=_id(input.endpoint_id),
                    after=input.after,
                    delivery_id=_id(input.delivery_id, "delivery") if input.delivery_id is not None else None,
                )
        except DomainError as error:
            return ReplayWebhookDeliveriesPayload(
                queued=0, next_cursor=None, errors=user_errors(error, context.locale, rename=rename)
            )
        return ReplayWebhookDeliveriesPayload(queued=done.deliveries, next_cursor=done.next_cursor, errors=[])
