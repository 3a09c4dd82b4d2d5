"""Passwords that are easy to guess are refused (zxcvbn), registration tells nobody which usernames exist,
and the login back-off slows an address without locking an account's owner out (issue 12, Limits)."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from domain.access import operator
from domain.accounts.models import User
from domain.accounts.service.users import create_user
from domain.errors import ValidationFailed
from tests.accounts.test_portal_sessions import browser
from tests.agencies.test_portal_agencies import registration
from tests.factories import PASSWORD, credit_code, make_user
from tests.graphql_helpers import graphql_data
from tests.portal_helpers import log_in, post_form

EN = {"Accept-Language": "en"}
REGISTER = """
mutation($input: RegisterAgencyInput!) {
  registerAgency(input: $input) { agency { creditCode } staffUsernames errors { field code message } }
}"""


@pytest.mark.parametrize(
    "guessable", ["password123", "qwertyuiop", "1234567890", "Shanghai2026", "zhangwei1990"]
)
async def test_a_common_or_guessable_password_is_refused_with_a_clear_message(
    app, client, session, guessable
):
    user = await make_user(session, "ecology", username="zhang.wei")
    await log_in(client, user.username)
    before = user.password_hash
    refused = await post_form(
        client,
        "/account/password",
        {"current_password": PASSWORD, "new_password": guessable},
        page="/account",
    )
    assert refused.status_code == 400
    assert "太容易被猜到" in refused.text  # Chinese by default, next to the field
    await session.refresh(user)
    assert user.password_hash == before


async def test_the_message_is_in_english_on_request_and_a_strong_phrase_is_accepted(client, session):
    user = await make_user(session, "ecology")
    await log_in(client, user.username)
    page = await client.get("/account", headers=EN)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    refused = await client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "password123", "csrf_token": token},
        headers=EN,
    )
    assert "too easy to guess" in refused.text
    accepted = await client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "Harbour-lantern-92-quietly",
            "csrf_token": token,
        },
    )
    assert accepted.status_code == 303


async def test_the_users_own_names_count_as_guessable(session):
    with pytest.raises(ValidationFailed) as caught:
        await create_user(
            session,
            operator(),
            username="lvyuan-zhou",
            password="lvyuan-zhou-2026",
            role="permitting",
            region_code="310107",
        )
    assert [(e.field, e.code) for e in caught.value.errors] == [("password", "password_guessable")]


async def test_agency_registration_refuses_a_common_password(client, session):
    data = await graphql_data(
        client,
        REGISTER,
        {"input": _registration_input(credit_code(), "qingyuan-wang", "password123")},
        headers=EN,
    )
    payload = data["registerAgency"]
    assert payload["agency"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("staff[0].password", "password_guessable")
    ]


def _registration_input(code: str, username: str, password: str = "qingyuan-password-1") -> dict:  # type: ignore[type-arg]
    return {
        "name": "上海清源检测技术有限公司",
        "creditCode": code,
        "address": "上海市普陀区真北路100号",
        "regionCode": "310107",
        "contactPerson": "王芳",
        "contactPhone": "021-52001234",
        "serviceTypes": ["REPORTS"],
        "qualifications": [],
        "staff": [{"username": username, "password": password, "displayName": "李强"}],
    }


async def test_registration_answers_the_same_whether_or_not_a_username_exists(client, session):
    existing = await make_user(session, "permitting", username="pt-wang")
    taken = await graphql_data(client, REGISTER, {"input": _registration_input(credit_code(), "pt-wang")})
    free = await graphql_data(client, REGISTER, {"input": _registration_input(credit_code(), "pt-nobody")})
    for payload, asked in ((taken["registerAgency"], "pt-wang"), (free["registerAgency"], "pt-nobody")):
        assert payload["errors"] == [] and payload["agency"] is not None
        [login] = payload["staffUsernames"]
        assert re.fullmatch(rf"{asked}-[a-z2-9]{{4}}", login)
        assert (await session.exec(select(User).where(User.username == login))).one().role == "agency_staff"
    await session.refresh(existing)
    assert existing.role == "permitting" and existing.agency_id is None


async def test_the_portal_registration_shows_the_assigned_login_whether_or_not_the_name_exists(
    client, session
):
    await make_user(session, "permitting", username="qingyuan-li")
    response = await post_form(
        client, "/agencies/register", registration(credit_code()), page="/agencies/register"
    )
    assert response.status_code == 303
    page = await client.get("/agencies/register/submitted")
    assert re.search(r"<code>qingyuan-li-[a-z2-9]{4}</code>", page.text)


async def test_failures_from_one_address_do_not_lock_the_owner_out_from_another(app, client, session):
    victim = await make_user(session, "legal")
    for _ in range(6):
        await log_in(client, victim.username, "wrong-password-1")
    # the attacker's address is slowed for this account, even with the right password...
    assert (await log_in(client, victim.username, PASSWORD)).status_code == 429
    # ...the owner, from their own address, is not
    async with browser(app, "198.51.100.9") as owner:
        assert (await log_in(owner, victim.username, PASSWORD)).status_code == 303


async def test_an_address_that_fails_on_many_accounts_is_slowed_for_all_of_them(app, client, session):
    user = await make_user(session, "ecology")
    for attempt in range(20):
        await log_in(client, f"guess-{attempt}", "wrong-password-1")
    assert (await log_in(client, user.username, PASSWORD)).status_code == 429
    async with browser(app, "198.51.100.10") as elsewhere:
        assert (await log_in(elsewhere, user.username, PASSWORD)).status_code == 303
