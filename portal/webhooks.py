"""Webhook endpoints in the account area: register (the secret shown once), change, pause, rotate the
secret, replay, and each endpoint's deliveries with their last attempts (docs/integrators.md, "Webhooks")."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.access import Actor
from domain.bounds import parse_id
from domain.changes.kinds import ObjectType
from domain.errors import N_, FieldError, NotFound, ValidationFailed
from domain.webhooks import queries, service
from domain.webhooks.labels import CHANGE_LABELS, EVENT_TYPE_LABELS, STATUS_LABELS
from portal.responses import actor_of, db_of, render
from portal.templating import field_errors

PAGE_SIZE = 50


def _labels() -> dict[str, Any]:
    return {
        "event_types": [(t.value, EVENT_TYPE_LABELS[t]) for t in ObjectType],
        "event_type_labels": EVENT_TYPE_LABELS,
        "change_labels": CHANGE_LABELS,
        "status_labels": STATUS_LABELS,
    }


async def _list_page(
    request: Request,
    actor: Actor,
    *,
    errors: dict[str, list[FieldError]] | None = None,
    form: dict[str, Any] | None = None,
    secret: str | None = None,
    status_code: int = 200,
) -> Response:
    async with db_of(request).read() as session:
        endpoints = await queries.endpoints(session, actor)
    context = {
        "endpoints": endpoints,
        "errors": errors or {},
        "form": form or {},
        "secret": secret,
        **_labels(),
    }
    return render(request, "accounts/webhooks.html", context, status_code=status_code)


async def webhooks(request: Request) -> Response:
    return await _list_page(request, await actor_of(request))


async def register(request: Request) -> Response:
    actor = await actor_of(request)
    form = await request.form()
    url = str(form.get("url", ""))
    types = [str(t) for t in form.getlist("event_types")]
    try:
        async with db_of(request).transaction() as session:
            secret, _endpoint = await service.register_endpoint(session, actor, url=url, event_types=types)
    except ValidationFailed as error:
        return await _list_page(
            request,
            actor,
            errors=field_errors(error.errors),
            form={"url": url, "event_types": types},
            status_code=400,
        )
    return await _list_page(request, actor, secret=secret)


def _endpoint_id(request: Request) -> int:
    found = parse_id(request.path_params["endpoint_id"])
    if found is None:
        raise NotFound(N_("No such webhook endpoint."), field="endpoint")
    return found


async def _endpoint_page(
    request: Request,
    actor: Actor,
    endpoint_id: int,
    *,
    errors: dict[str, list[FieldError]] | None = None,
    secret: str | None = None,
    notice: str | None = None,
    notice_params: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    page_number = parse_id(request.query_params.get("page", "1")) or 1
    async with db_of(request).read() as session:
        endpoint = await queries.endpoint(session, actor, endpoint_id)
        deliveries = await queries.deliveries(
            session, actor, endpoint_id=endpoint_id, first=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE
        )
    context = {
        "endpoint": endpoint,
        "chosen": endpoint.event_types.split(),
        "deliveries": deliveries,
        "page_number": page_number,
        "errors": errors or {},
        "secret": secret,
        "notice": notice,
        "notice_params": notice_params or {},
        **_labels(),
    }
    return render(request, "accounts/webhook.html", context, status_code=status_code)


async def endpoint_page(request: Request) -> Response:
    return await _endpoint_page(request, await actor_of(request), _endpoint_id(request))


async def update(request: Request) -> Response:
    actor = await actor_of(request)
    endpoint_id = _endpoint_id(request)
    form = await request.form()
    try:
        async with db_of(request).transaction() as session:
            await service.update_endpoint(
                session,
                actor,
                endpoint_id=endpoint_id,
                url=str(form.get("url", "")),
                event_types=[str(t) for t in form.getlist("event_types")],
                active=form.get("active") == "on",
            )
    except ValidationFailed as error:
        return await _endpoint_page(
            request, actor, endpoint_id, errors=field_errors(error.errors), status_code=400
        )
    return await _endpoint_page(request, actor, endpoint_id, notice=N_("The endpoint was saved."))


async def rotate(request: Request) -> Response:
    actor = await actor_of(request)
    endpoint_id = _endpoint_id(request)
    async with db_of(request).transaction() as session:
        secret, _endpoint = await service.rotate_secret(session, actor, endpoint_id=endpoint_id)
    return await _endpoint_page(request, actor, endpoint_id, secret=secret)


async def replay(request: Request) -> Response:
    actor = await actor_of(request)
    endpoint_id = _endpoint_id(request)
    form = await request.form()
    after = str(form.get("after", "")).strip() or None
    delivery = str(form.get("delivery", "")).strip()
    delivery_id = parse_id(delivery) if delivery else None
    try:
        if delivery and delivery_id is None:
            raise NotFound(N_("No such delivery."), field="delivery")
        async with db_of(request).transaction() as session:
            done = await service.replay(
                session, actor, endpoint_id=endpoint_id, after=after, delivery_id=delivery_id
            )
    except (ValidationFailed, NotFound) as error:
        if isinstance(error, NotFound) and error.errors[0].field != "delivery":
            raise
        return await _endpoint_page(
            request, actor, endpoint_id, errors=field_errors(error.errors), status_code=400
        )
    return await _endpoint_page(
        request,
        actor,
        endpoint_id,
        notice=N_("Replays queued: {count}."),
        notice_params={"count": done.deliveries},
    )


routes = [
    Route("/account/webhooks", webhooks, methods=["GET"], name="webhooks"),
    Route("/account/webhooks", register, methods=["POST"], name="register_webhook"),
    Route("/account/webhooks/{endpoint_id}", endpoint_page, methods=["GET"], name="webhook"),
    Route("/account/webhooks/{endpoint_id}", update, methods=["POST"], name="update_webhook"),
    Route("/account/webhooks/{endpoint_id}/rotate", rotate, methods=["POST"], name="rotate_webhook"),
    Route("/account/webhooks/{endpoint_id}/replay", replay, methods=["POST"], name="replay_webhook"),
]
