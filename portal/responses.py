"""Helpers every portal endpoint uses: rendering, htmx fragments, redirects, error pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from domain.access import Actor
from domain.db import Database
from domain.errors import N_
from web.auth import InvalidToken, authenticate, session_actor
from web.request_context import request_id

ERROR_TEXT = {
    400: (N_("Something in the request is not right"), N_("Please check what you entered and try again.")),
    401: (N_("Please log in"), N_("This page is for registered users. Log in to continue.")),
    403: (N_("Not allowed"), N_("Your account may not open this page or do this action.")),
    404: (N_("Page not found"), N_("The page or record does not exist, or you may not see it.")),
    405: (N_("Method not allowed"), N_("This address does not accept this kind of request.")),
    413: (N_("The request is too large"), N_("Nothing was saved. Send a smaller file or less text.")),
    500: (
        N_("Something went wrong on our side"),
        N_("The error was logged with its request number. Please try again in a moment."),
    ),
    507: (
        N_("Not saved: the file store is full"),
        N_("Nothing was saved. Please tell the system administrator."),
    ),
    503: (
        N_("The service is briefly unavailable"),
        N_(
            "The database cannot be reached just now, so nothing was done. Please try again in a few seconds."
        ),
    ),
    "csrf": (
        N_("The form expired"),
        N_(
            "The form was open too long or sent from another site. "
            "Nothing was saved. Reload the page and try again."
        ),
    ),
}


def db_of(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


async def actor_of(request: Request) -> Actor:
    return await session_actor(request, db_of(request))


async def reader_of(request: Request) -> Actor:
    """Who fetches a download an API client is given the address of (a receipt's PDF): the caller of a
    bearer token when the request carries one (docs/integrators.md), else the portal session. A bad token
    is refused (``InvalidToken``, 401), never read as the public."""
    if request.headers.get("authorization") is None:
        return await actor_of(request)
    return await authenticate(request, db_of(request), request_id=request_id(request) or "")


def token_refused(refused: InvalidToken) -> Response:
    return Response(refused.message, status_code=401, headers=refused.headers, media_type="text/plain")


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    fragment: str | None = None,
    status_code: int = 200,
) -> Response:
    """Render a page; an htmx request gets only the named fragment template."""
    template = fragment if fragment and is_htmx(request) else name
    return request.app.state.templates.TemplateResponse(  # type: ignore[no-any-return]
        request, template, context or {}, status_code=status_code
    )


def redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def error_page(
    request: Request, status: int | str, kind: str | None = None, *, message: str | None = None
) -> Response:
    key = kind or status
    title, text = ERROR_TEXT.get(key, ERROR_TEXT[500])  # type: ignore[call-overload]
    code = 403 if status == "csrf" else int(status)
    if code == 401 and request.method == "GET" and not is_htmx(request):
        return redirect(f"/login?next={quote(request.url.path)}")
    return render(
        request,
        "errors/error.html",
        {"title": title, "text": text, "status": code, "detail": message},
        status_code=code,
    )


def file_download(content: bytes, *, file_name: str, media_type: str, sha256: str, fallback: str) -> Response:
    """An uploaded file as a download, never shown inline: its name as the person gave it (RFC 6266 with
    RFC 5987 ``filename*`` for Chinese names; ``fallback`` for clients that read only ASCII), the type
    checked at upload and no sniffing of another."""
    ascii_name = file_name.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "").strip()
    if not ascii_name or ascii_name.startswith("."):
        ascii_name = fallback
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name, safe='')}"
            ),
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{sha256}"',
        },
    )
