"""Logging in and out, CSRF, the login back-off, tokens and the account page, over HTTP."""

import re

from sqlmodel import func, select

from domain.accounts.models import ApiToken, LoginAttempt
from tests.factories import PASSWORD, make_user
from tests.portal_helpers import csrf_token, log_in, post_form


async def test_the_login_page_is_in_chinese_by_default_and_english_on_request(client):
    chinese = await client.get("/login")
    assert chinese.status_code == 200 and "登录" in chinese.text
    english = await client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Log in" in english.text and "登录" not in english.text
    switched = await client.get("/login?lang=en")
    assert "Username" in switched.text


async def test_a_user_logs_in_sees_their_name_and_logs_out(client, session):
    user = await make_user(session, "permitting", username="pt-permitting")
    response = await log_in(client, user.username)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    home = await client.get("/")
    assert "pt-permitting" in home.text and "审批科" in home.text
    token = await csrf_token(client, "/")
    await client.post("/logout", data={"csrf_token": token})
    assert "pt-permitting" not in (await client.get("/")).text


async def test_a_wrong_password_is_refused_with_a_clear_message_and_no_session(client, session):
    user = await make_user(session, "ecology")
    response = await log_in(client, user.username, "wrong-password-1")
    assert response.status_code == 400
    assert "用户名或密码错误" in response.text
    assert (await client.get("/account")).status_code == 303  # still anonymous: sent to the login page


async def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(client):
    response = await log_in(client, "nobody-here", "whatever-password")
    assert response.status_code == 400 and "用户名或密码错误" in response.text


async def test_repeated_failures_lock_the_account_even_with_the_right_password(client, session):
    user = await make_user(session, "legal")
    for _ in range(5):
        await log_in(client, user.username, "wrong-password-1")
    locked = await log_in(client, user.username, PASSWORD)
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.text
    failures = await session.exec(
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.username == user.username)
    )
    assert failures.one() == 6


async def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(client, session):
    user = await make_user(session, "permitting")
    await log_in(client, user.username)
    response = await client.post("/account/tokens", data={"name": "sneaky", "scopes": "read"})
    assert response.status_code == 403
    assert "表单已过期" in response.text
    tokens = await session.exec(select(func.count()).select_from(ApiToken))
    assert tokens.one() == 0


async def test_a_login_form_without_the_csrf_token_is_refused(client, session):
    user = await make_user(session, "permitting")
    response = await client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 403


async def test_a_user_creates_a_token_sees_it_once_and_can_revoke_it(client, session):
    user = await make_user(session, "enforcement")
    await log_in(client, user.username)
    created = await post_form(
        client, "/account/tokens", {"name": "sync", "scopes": ["read", "write"]}, page="/account"
    )
    assert created.status_code == 200
    assert "pwt_" in created.text
    token = (await session.exec(select(ApiToken).where(ApiToken.user_id == user.id))).one()
    assert token.scopes == "read write" and token.revoked_at is None
    again = await client.get("/account")
    assert token.prefix in again.text and created.text.split("pwt_")[1][:20] not in again.text
    revoked = await post_form(client, f"/account/tokens/{token.id}/revoke", {}, page="/account")
    assert revoked.status_code == 200
    await session.refresh(token)
    assert token.revoked_at is not None


async def test_pages_for_registered_users_send_the_public_to_the_login_page(client):
    response = await client.get("/enterprises")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/enterprises"


async def test_a_login_never_redirects_to_another_site(client, session):
    user = await make_user(session, "ecology")
    token = await csrf_token(client)
    response = await client.post(
        "/login",
        data={
            "username": user.username,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "https://evil.example/",
        },
    )
    assert response.headers["location"] == "/"


async def test_health_check_reports_the_database(client):
    response = await client.get("/healthz")
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_the_liveness_check_answers_without_the_database(app, client, monkeypatch):
    async def unreachable(*_args, **_kwargs):
        raise OSError("database down")

    monkeypatch.setattr("portal.pages.ping", unreachable)
    assert (await client.get("/healthz")).status_code == 503
    response = await client.get("/livez")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_unknown_pages_get_a_localized_404(client):
    response = await client.get("/no-such-page")
    assert response.status_code == 404 and "页面不存在" in response.text


async def test_an_unexpected_error_shows_a_localized_page_with_the_request_number_and_no_trace(app):
    import httpx
    from starlette.routing import Route

    async def broken(request):
        raise RuntimeError("secret internals: password=hunter2")

    app.router.routes.append(Route("/broken", broken))
    # Starlette re-raises after answering so that the server logs it; the browser only sees the page.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/broken")
    assert response.status_code == 500
    assert "系统出错了" in response.text
    assert re.search(r"<code>[0-9a-f]{32}</code>", response.text)  # the number to quote to support
    assert "hunter2" not in response.text and "Traceback" not in response.text


async def test_many_failures_from_one_address_lock_it_out_across_usernames(client, session):
    user = await make_user(session, "ecology")
    for attempt in range(20):
        await log_in(client, f"guess-{attempt}", "wrong-password-1")
    locked = await log_in(client, user.username, PASSWORD)
    assert locked.status_code == 429
