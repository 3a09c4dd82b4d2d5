"""Login, logout, the account page, API tokens and the administrator's user list."""

from __future__ import annotations

import secrets
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.accounts import queries
from domain.accounts.service import logins, sessions, users
from domain.accounts.service.tokens import create_api_token, revoke_api_token
from domain.audit.service import recent
from domain.bounds import parse_id
from domain.errors import N_, FieldError, NotFound, ValidationFailed
from portal.pages import safe_next
from portal.responses import actor_of, db_of, redirect, render
from portal.templating import field_errors
from web.auth import SESSION_KEY
from web.csrf import SESSION_CSRF


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def login_form(request: Request) -> Response:
    actor = await actor_of(request)
    if actor.user_id is not None:
        return redirect(safe_next(request.query_params.get("next")))
    return render(
        request,
        "accounts/login.html",
        {"next": safe_next(request.query_params.get("next")), "username": "", "errors": {}},
    )


async def login(request: Request) -> Response:
    form = await request.form()
    username = str(form.get("username", ""))[:64]
    password = str(form.get("password", ""))[:256]
    next_url = safe_next(str(form.get("next", "")))
    async with db_of(request).transaction() as session:
        outcome = await logins.authenticate(
            session, username=username, password=password, address=client_address(request)
        )
        user = outcome.user
        key = (
            sessions.start_session(
                session,
                user,
                address=client_address(request),
                user_agent=request.headers.get("user-agent", ""),
            )
            if user is not None
            else None
        )
    if outcome.error is not None or key is None:
        assert outcome.error is not None
        status = 429 if outcome.error.code == "rate_limited" else 400
        return render(
            request,
            "accounts/login.html",
            {
                "next": next_url,
                "username": username,
                "errors": field_errors(
                    [FieldError("", outcome.error.code, outcome.error.message, outcome.error.params)]
                ),
            },
            status_code=status,
        )
    # A fresh session on login: nothing from before the login (fixation) survives.
    request.session.clear()
    request.session[SESSION_KEY] = key
    request.session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return redirect(next_url)


async def logout(request: Request) -> Response:
    """End the session on the server (a copy of the cookie stops working too), then forget the cookie."""
    actor = await actor_of(request)
    async with db_of(request).transaction() as session:
        await sessions.log_out(session, actor)
    request.session.clear()
    return redirect("/")


async def account(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        tokens = await queries.list_api_tokens(session, actor)
    return render(
        request,
        "accounts/account.html",
        {"tokens": tokens, "errors": {}, "new_token": None, "password_changed": False},
    )


async def change_password(request: Request) -> Response:
    actor = await actor_of(request)
    form = await request.form()
    try:
        async with db_of(request).transaction() as session:
            await users.change_password(
                session,
                actor,
                current_password=str(form.get("current_password", "")),
                new_password=str(form.get("new_password", "")),
            )
    except ValidationFailed as error:
        async with db_of(request).read() as session:
            tokens = await queries.list_api_tokens(session, actor)
        return render(
            request,
            "accounts/account.html",
            {
                "tokens": tokens,
                "errors": field_errors(error.errors),
                "new_token": None,
                "password_changed": False,
            },
            status_code=400,
        )
    # The user's other sessions ended with the change; this one goes on.
    return redirect("/account?password_changed=1")


async def create_token(request: Request) -> Response:
    actor = await actor_of(request)
    form = await request.form()
    scopes = [str(s) for s in form.getlist("scopes")]
    errors: dict[str, list[FieldError]] = {}
    plain = None
    try:
        async with db_of(request).transaction() as session:
            plain, _token = await create_api_token(
                session, actor, name=str(form.get("name", "")), scopes=scopes
            )
    except ValidationFailed as error:
        errors = field_errors(error.errors)
    async with db_of(request).read() as session:
        tokens = await queries.list_api_tokens(session, actor)
    return render(
        request,
        "accounts/account.html",
        {"tokens": tokens, "errors": errors, "new_token": plain, "password_changed": False},
        fragment="accounts/_tokens.html",
        status_code=400 if errors else 200,
    )


async def revoke_token(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).transaction() as session:
        await revoke_api_token(session, actor, token_id=int(request.path_params["token_id"]))
    async with db_of(request).read() as session:
        tokens = await queries.list_api_tokens(session, actor)
    return render(
        request,
        "accounts/account.html",
        {"tokens": tokens, "errors": {}, "new_token": None, "password_changed": False},
        fragment="accounts/_tokens.html",
    )


async def admin_users(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        users = await queries.list_users(session, actor)
    return render(request, "accounts/users.html", {"users": users})


async def admin_set_active(request: Request) -> Response:
    actor = await actor_of(request)
    form = await request.form()
    async with db_of(request).transaction() as session:
        await users.set_user_active(
            session, actor, username=request.path_params["username"], active=form.get("active") == "1"
        )
    return redirect("/admin/users")


async def _sessions_page(request: Request, username: str | None) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        owner, open_sessions = await queries.sessions_of(session, actor, username=username)
    return render(request, "accounts/sessions.html", {"owner": owner, "sessions": open_sessions})


async def my_sessions(request: Request) -> Response:
    return await _sessions_page(request, None)


async def end_my_session(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).transaction() as session:
        await sessions.end_session(session, actor, session_id=_id(request.path_params["session_id"]))
    return redirect("/account/sessions?ended=1")


async def admin_sessions(request: Request) -> Response:
    return await _sessions_page(request, request.path_params["username"])


async def admin_end_session(request: Request) -> Response:
    actor = await actor_of(request)
    username = request.path_params["username"]
    async with db_of(request).transaction() as session:
        await sessions.end_session(
            session, actor, session_id=_id(request.path_params["session_id"]), username=username
        )
    return redirect(f"/admin/users/{quote(username)}/sessions?ended=1")


async def admin_end_all_sessions(request: Request) -> Response:
    actor = await actor_of(request)
    username = request.path_params["username"]
    async with db_of(request).transaction() as session:
        await sessions.end_all_sessions(session, actor, username=username)
    return redirect(f"/admin/users/{quote(username)}/sessions?ended=1")


def _id(raw: str) -> int:
    """A session id from the path; one that cannot be an id is no session (404, never a 500)."""
    parsed = parse_id(raw)
    if parsed is None:
        raise NotFound(N_("No such session."), field="session")
    return parsed


async def admin_audit(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        entries = await recent(session, actor, limit=200)
    return render(request, "accounts/audit.html", {"entries": entries})


routes = [
    Route("/login", login_form, methods=["GET"], name="login_form"),
    Route("/login", login, methods=["POST"], name="login"),
    Route("/logout", logout, methods=["POST"], name="logout"),
    Route("/account", account, methods=["GET"], name="account"),
    Route("/account/password", change_password, methods=["POST"], name="change_password"),
    Route("/account/tokens", create_token, methods=["POST"], name="create_token"),
    Route("/account/tokens/{token_id:int}/revoke", revoke_token, methods=["POST"], name="revoke_token"),
    Route("/account/sessions", my_sessions, methods=["GET"], name="my_sessions"),
    Route("/account/sessions/{session_id}/end", end_my_session, methods=["POST"], name="end_my_session"),
    Route("/admin/users", admin_users, methods=["GET"], name="admin_users"),
    Route("/admin/users/{username}/sessions", admin_sessions, methods=["GET"], name="admin_sessions"),
    Route(
        "/admin/users/{username}/sessions/end-all",
        admin_end_all_sessions,
        methods=["POST"],
        name="admin_end_all_sessions",
    ),
    Route(
        "/admin/users/{username}/sessions/{session_id}/end",
        admin_end_session,
        methods=["POST"],
        name="admin_end_session",
    ),
    Route("/admin/users/{username}/active", admin_set_active, methods=["POST"], name="admin_set_active"),
    Route("/admin/audit", admin_audit, methods=["GET"], name="admin_audit"),
]
