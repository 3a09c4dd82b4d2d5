"""The notification centre (every reminder a user was sent) and the administrator's outbox view."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import ValidationFailed
from domain.notifications import queries, service
from domain.notifications.rules import NOTICE_KINDS
from portal.responses import actor_of, db_of, redirect, render
from portal.templating import field_errors


async def _centre(request: Request, *, errors: dict | None = None, saved: bool = False) -> Response:  # type: ignore[type-arg]
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        items = await queries.notifications_of(session, actor)
        preferences = await queries.email_preferences(session, actor)
    return render(
        request,
        "notifications/centre.html",
        {
            "items": items,
            "preferences": preferences,
            "kinds": NOTICE_KINDS,
            "errors": errors or {},
            "saved": saved,
        },
        status_code=400 if errors else 200,
    )


async def centre(request: Request) -> Response:
    return await _centre(request, saved=request.query_params.get("saved") == "1")


async def mark_read(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).transaction() as session:
        await service.mark_all_read(session, actor)
    return redirect("/notifications")


async def save_preferences(request: Request) -> Response:
    actor = await actor_of(request)
    form = await request.form()
    try:
        async with db_of(request).transaction() as session:
            await service.set_email_preferences(
                session, actor, enabled={str(k) for k in form.getlist("email")}
            )
    except ValidationFailed as error:
        return await _centre(request, errors=field_errors(error.errors))
    return redirect("/notifications?saved=1")


async def admin_outbox(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        summary = await queries.outbox_summary(session, actor)
    return render(request, "notifications/outbox.html", {"summary": summary})


async def admin_retry(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).transaction() as session:
        await service.retry_failed(session, actor, message_id=int(request.path_params["message_id"]))
    return redirect("/admin/outbox")


routes = [
    Route("/notifications", centre, methods=["GET"], name="notifications"),
    Route("/notifications/read", mark_read, methods=["POST"], name="notifications_read"),
    Route("/notifications/preferences", save_preferences, methods=["POST"], name="notification_preferences"),
    Route("/admin/outbox", admin_outbox, methods=["GET"], name="admin_outbox"),
    Route("/admin/outbox/{message_id:int}/retry", admin_retry, methods=["POST"], name="admin_outbox_retry"),
]
