"""Portal sessions are held on the server: logging out ends them for every copy of the cookie, a user
lists and ends their own sessions, an administrator anyone's, and a password change ends the others."""

from __future__ import annotations

import re
from contextlib import asynccontextmanager

import httpx
from sqlmodel import select

from domain.accounts.models import UserSession
from tests.factories import PASSWORD, make_user
from tests.graphql_helpers import graphql_data
from tests.portal_helpers import csrf_token, log_in, post_form


@asynccontextmanager
async def browser(app, address: str = "198.51.100.2"):  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, client=(address, 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        yield other


async def test_a_cookie_copied_before_logout_does_not_work_after_it(app, client, session):
    user = await make_user(session, "permitting")
    await log_in(client, user.username)
    copied = dict(client.cookies)
    csrf = await csrf_token(client, "/account")
    assert (await client.post("/logout", data={"csrf_token": csrf})).status_code == 303

    async with browser(app) as thief:
        thief.cookies.update(copied)
        assert (await thief.get("/account")).status_code == 303  # sent to the login page
        # nor through the API, even with the session's CSRF token
        data = await graphql_data(thief, "{ viewer { username } }", headers={"X-CSRF-Token": csrf})
        assert data["viewer"] is None
    [row] = (await session.exec(select(UserSession).where(UserSession.user_id == user.id))).all()
    assert row.ended_at is not None and row.end_reason == "logout"


async def test_a_user_sees_their_sessions_and_ends_another_one(app, client, session):
    user = await make_user(session, "ecology")
    await log_in(client, user.username)
    async with browser(app) as laptop:
        await log_in(laptop, user.username)
        page = await client.get("/account/sessions", headers={"Accept-Language": "en"})
        assert page.status_code == 200
        assert page.text.count("<tr>") == 3  # header and two sessions
        assert "198.51.100.2" in page.text and "This session" in page.text
        [other] = re.findall(r'action="/account/sessions/(\d+)/end"', page.text)
        ended = await post_form(client, f"/account/sessions/{other}/end", {}, page="/account/sessions")
        assert ended.status_code == 303
        assert (await laptop.get("/account")).status_code == 303
        assert (await client.get("/account")).status_code == 200


async def test_nobody_ends_someone_elses_session_from_their_own_page(app, client, session):
    victim = await make_user(session, "ecology")
    async with browser(app) as theirs:
        await log_in(theirs, victim.username)
        [victim_session] = (
            await session.exec(select(UserSession.id).where(UserSession.user_id == victim.id))
        ).all()
        attacker = await make_user(session, "ecology")
        await log_in(client, attacker.username)
        refused = await post_form(
            client, f"/account/sessions/{victim_session}/end", {}, page="/account/sessions"
        )
        assert refused.status_code == 404
        # An id past the database's integer range names no session either (PostgreSQL: not a 500).
        for past in ("2147483648", "99999999999"):
            beyond = await post_form(client, f"/account/sessions/{past}/end", {}, page="/account/sessions")
            assert beyond.status_code == 404
        assert (await client.get(f"/admin/users/{victim.username}/sessions")).status_code == 403
        assert (await theirs.get("/account")).status_code == 200


async def test_an_administrator_lists_and_ends_a_users_sessions(app, client, session):
    user = await make_user(session, "permitting")
    admin = await make_user(session, "admin")
    async with browser(app) as theirs, browser(app, "198.51.100.3") as second:
        await log_in(theirs, user.username)
        await log_in(second, user.username)
        await log_in(client, admin.username)
        page = await client.get(f"/admin/users/{user.username}/sessions")
        assert page.status_code == 200
        ids = re.findall(rf'action="/admin/users/{user.username}/sessions/(\d+)/end"', page.text)
        assert len(ids) == 2
        one = await post_form(
            client,
            f"/admin/users/{user.username}/sessions/{ids[0]}/end",
            {},
            page=f"/admin/users/{user.username}/sessions",
        )
        assert one.status_code == 303
        still = [(await b.get("/account")).status_code for b in (theirs, second)]
        assert sorted(still) == [200, 303]
        every = await post_form(
            client,
            f"/admin/users/{user.username}/sessions/end-all",
            {},
            page=f"/admin/users/{user.username}/sessions",
        )
        assert every.status_code == 303
        assert [(await b.get("/account")).status_code for b in (theirs, second)] == [303, 303]


async def test_a_password_change_ends_the_users_other_sessions_and_keeps_this_one(app, client, session):
    user = await make_user(session, "ecology")
    await log_in(client, user.username)
    async with browser(app) as other:
        await log_in(other, user.username)
        changed = await post_form(
            client,
            "/account/password",
            {"current_password": PASSWORD, "new_password": "Tiger-Lotus-Harbour-91"},
            page="/account",
        )
        assert changed.status_code == 303
        assert (await client.get("/account")).status_code == 200
        assert (await other.get("/account")).status_code == 303
    reasons = (await session.exec(select(UserSession.end_reason).where(UserSession.user_id == user.id))).all()
    assert sorted(r or "" for r in reasons) == ["", "password_changed"]


async def test_disabling_an_account_ends_its_sessions(app, client, session):
    user = await make_user(session, "ecology")
    admin = await make_user(session, "admin")
    async with browser(app) as theirs:
        await log_in(theirs, user.username)
        await log_in(client, admin.username)
        await post_form(client, f"/admin/users/{user.username}/active", {"active": "0"}, page="/admin/users")
        assert (await theirs.get("/account")).status_code == 303
    [row] = (await session.exec(select(UserSession).where(UserSession.user_id == user.id))).all()
    assert row.end_reason == "account_disabled"
