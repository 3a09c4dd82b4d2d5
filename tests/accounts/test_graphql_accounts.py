"""GraphQL: who the caller is (bearer tokens, portal sessions, the public) and API tokens."""

from __future__ import annotations

import pytest
from sqlmodel import select

from domain.accounts.models import ApiToken
from domain.accounts.service.tokens import revoke_api_token
from domain.enterprises.models import Enterprise
from tests.factories import actor, credit_code, make_enterprise, make_user
from tests.graphql_helpers import (
    SESSION_COOKIE,
    bearer_token,
    count,
    graphql,
    graphql_data,
    session_cookie,
)

VIEWER = "{ viewer { username roles displayName regionCode enterprise { creditCode name } } }"
CREATE_TOKEN = """
mutation($input: CreateApiTokenInput!) {
  createApiToken(input: $input) {
    token
    apiToken { id name prefix scopes revokedAt }
    errors { field code message }
  }
}"""
REVOKE_TOKEN = """
mutation($id: ID!) {
  revokeApiToken(id: $id) { apiToken { id revokedAt } errors { field code message } }
}"""
REGISTER = """
mutation($input: EnterpriseInput!) {
  registerEnterprise(input: $input) { enterprise { creditCode } errors { field code } }
}"""


async def test_viewer_is_the_regulator_a_token_belongs_to(client, session):
    regulator = await make_user(session, "permitting", region_code="310107", username="zhang.wei")
    token = await bearer_token(session, regulator)

    data = await graphql_data(client, VIEWER, token=token)

    assert data["viewer"] == {
        "username": "zhang.wei",
        "roles": ["permitting"],
        "displayName": "zhang.wei",
        "regionCode": "310107",
        "enterprise": None,
    }


async def test_viewer_of_an_enterprise_user_names_the_enterprise(client, session):
    enterprise = await make_enterprise(session, name="普陀热电有限公司")
    staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
    token = await bearer_token(session, staff)

    data = await graphql_data(client, VIEWER, token=token)

    assert data["viewer"]["roles"] == ["enterprise_staff"]
    assert data["viewer"]["enterprise"] == {
        "creditCode": enterprise.credit_code,
        "name": "普陀热电有限公司",
    }


async def test_viewer_is_null_for_an_anonymous_caller(client):
    data = await graphql_data(client, VIEWER)

    assert data == {"viewer": None}


async def test_a_revoked_token_is_refused_with_401_not_served_as_anonymous(client, session):
    regulator = await make_user(session, "permitting")
    token = await bearer_token(session, regulator)
    token_row = (await session.exec(select(ApiToken).where(ApiToken.user_id == regulator.id))).one()
    await revoke_api_token(session, actor(regulator), token_id=token_row.id)
    await session.flush()

    response = await graphql(client, VIEWER, token=token)

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "invalid_token"


@pytest.mark.parametrize("authorization", ["Bearer pwt_not-a-real-token", "Basic dXNlcjpwYXNz", "Bearer "])
async def test_bad_credentials_are_refused_with_401(client, authorization):
    response = await client.post("/graphql", json={"query": VIEWER}, headers={"Authorization": authorization})

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "invalid_token"


async def test_using_a_token_records_when_it_was_last_used(client, session):
    regulator = await make_user(session, "permitting")
    token = await bearer_token(session, regulator)

    token_row = (await session.exec(select(ApiToken).where(ApiToken.user_id == regulator.id))).one()
    assert token_row.last_used_at is None

    await graphql_data(client, VIEWER, token=token)

    await session.refresh(token_row)
    assert token_row.last_used_at is not None


async def _cookie_headers(
    settings, user, csrf: str = "csrf-token-of-the-session", session=None
) -> dict[str, str]:
    """The cookie of a portal session of the user, as a login would have opened it."""
    from domain.accounts.service.sessions import start_session

    key = start_session(session, user, address="127.0.0.1", user_agent="tests")
    await session.flush()
    cookie = session_cookie(settings.resolved_secret_key(), {"sk": key, "csrf": csrf})
    return {"Cookie": f"{SESSION_COOKIE}={cookie}"}


async def test_a_portal_session_counts_when_the_csrf_header_matches(client, session, settings):
    regulator = await make_user(session, "permitting", username="li.na")
    headers = await _cookie_headers(settings, regulator, session=session)
    headers["X-CSRF-Token"] = "csrf-token-of-the-session"

    data = await graphql_data(client, "{ viewer { username } }", headers=headers)

    assert data["viewer"] == {"username": "li.na"}


@pytest.mark.parametrize("csrf_header", [None, "some-other-token"])
async def test_a_portal_session_without_its_csrf_header_is_anonymous(client, session, settings, csrf_header):
    regulator = await make_user(session, "permitting")
    headers = await _cookie_headers(settings, regulator, session=session)
    if csrf_header is not None:
        headers["X-CSRF-Token"] = csrf_header

    data = await graphql_data(client, "{ viewer { username } }", headers=headers)

    assert data["viewer"] is None


async def test_a_mutation_on_the_session_cookie_needs_the_csrf_header(client, session, settings):
    permitting = await make_user(session, "permitting", region_code="310107")
    headers = await _cookie_headers(settings, permitting, session=session)
    before = await count(session, Enterprise)
    variables = {
        "input": {
            "name": "跨站登记有限公司",
            "creditCode": credit_code(),
            "registeredAddress": "上海市普陀区1号",
            "legalRepresentative": "王伟",
            "industryCode": "2614",
            "regionCode": "310107",
            "managementCategory": "KEY",
        }
    }

    refused = await graphql_data(client, REGISTER, variables, headers=headers)
    assert refused["registerEnterprise"]["errors"][0]["code"] == "unauthenticated"
    assert await count(session, Enterprise) == before

    headers["X-CSRF-Token"] = "csrf-token-of-the-session"
    accepted = await graphql_data(client, REGISTER, variables, headers=headers)
    assert accepted["registerEnterprise"]["errors"] == []
    assert await count(session, Enterprise) == before + 1


async def test_create_api_token_returns_the_plain_token_once_and_it_works(client, session):
    regulator = await make_user(session, "permitting", username="wang.fang")
    token = await bearer_token(session, regulator)

    created = (
        await graphql_data(
            client,
            CREATE_TOKEN,
            {"input": {"name": "监测数据同步", "scopes": ["READ"]}},
            token=token,
        )
    )["createApiToken"]

    assert created["errors"] == []
    assert created["apiToken"]["name"] == "监测数据同步"
    assert created["apiToken"]["scopes"] == ["READ"]
    plain = created["token"]
    assert plain.startswith(created["apiToken"]["prefix"])
    assert (await graphql_data(client, "{ viewer { username } }", token=plain))["viewer"] == {
        "username": "wang.fang"
    }
    listed = (await graphql_data(client, "{ apiTokens { id name } }", token=token))["apiTokens"]
    assert {"id": created["apiToken"]["id"], "name": "监测数据同步"} in listed


async def test_create_api_token_reports_a_missing_name(client, session):
    regulator = await make_user(session, "permitting")
    token = await bearer_token(session, regulator)
    before = await count(session, ApiToken)

    created = (await graphql_data(client, CREATE_TOKEN, {"input": {"name": "  "}}, token=token))[
        "createApiToken"
    ]

    assert created["token"] is None
    assert [(e["field"], e["code"]) for e in created["errors"]] == [("name", "required")]
    assert await count(session, ApiToken) == before


async def test_a_read_only_token_cannot_create_tokens(client, session):
    regulator = await make_user(session, "permitting")
    token = await bearer_token(session, regulator, scopes=["read"])
    before = await count(session, ApiToken)

    created = (await graphql_data(client, CREATE_TOKEN, {"input": {"name": "more"}}, token=token))[
        "createApiToken"
    ]

    assert created["token"] is None
    assert created["errors"][0]["code"] == "forbidden"
    assert await count(session, ApiToken) == before


async def test_an_anonymous_caller_cannot_create_tokens(client, session):
    before = await count(session, ApiToken)

    created = (await graphql_data(client, CREATE_TOKEN, {"input": {"name": "x"}}))["createApiToken"]

    assert created["errors"][0]["code"] == "unauthenticated"
    assert await count(session, ApiToken) == before


async def test_a_revoked_token_stops_working_at_once(client, session):
    regulator = await make_user(session, "permitting")
    token = await bearer_token(session, regulator)
    created = (await graphql_data(client, CREATE_TOKEN, {"input": {"name": "old"}}, token=token))[
        "createApiToken"
    ]

    revoked = (await graphql_data(client, REVOKE_TOKEN, {"id": created["apiToken"]["id"]}, token=token))[
        "revokeApiToken"
    ]

    assert revoked["errors"] == []
    assert revoked["apiToken"]["revokedAt"] is not None
    assert (await graphql(client, VIEWER, token=created["token"])).status_code == 401
    assert (await graphql(client, VIEWER, token=token)).status_code == 200


async def test_a_token_used_then_revoked_in_this_process_is_refused_at_once(client, session):
    regulator = await make_user(session, "permitting")
    token = await bearer_token(session, regulator)
    assert (await graphql(client, VIEWER, token=token)).status_code == 200
    token_row = (await session.exec(select(ApiToken).where(ApiToken.user_id == regulator.id))).one()

    await revoke_api_token(session, actor(regulator), token_id=token_row.id)
    await session.flush()

    assert (await graphql(client, VIEWER, token=token)).status_code == 401


@pytest.mark.parametrize("token_id", ["other", "abc", "99999999999"])
async def test_revoking_a_token_one_does_not_own_is_not_found(client, session, token_id):
    owner = await make_user(session, "permitting")
    await bearer_token(session, owner)
    other = await make_user(session, "permitting")
    token = await bearer_token(session, other)
    if token_id == "other":
        token_id = str((await session.exec(select(ApiToken.id).where(ApiToken.user_id == owner.id))).one())

    revoked = (await graphql_data(client, REVOKE_TOKEN, {"id": token_id}, token=token))["revokeApiToken"]

    assert revoked["apiToken"] is None
    assert [(e["field"], e["code"]) for e in revoked["errors"]] == [("id", "not_found")]
    owned = (await session.exec(select(ApiToken).where(ApiToken.user_id == owner.id))).one()
    await session.refresh(owned)
    assert owned.revoked_at is None


async def test_an_anonymous_caller_revoking_a_token_is_told_to_authenticate(client, session):
    owner = await make_user(session, "permitting")
    await bearer_token(session, owner)
    token_id = (await session.exec(select(ApiToken.id).where(ApiToken.user_id == owner.id))).one()

    revoked = (await graphql_data(client, REVOKE_TOKEN, {"id": str(token_id)}))["revokeApiToken"]

    assert revoked["errors"][0]["code"] == "unauthenticated"
