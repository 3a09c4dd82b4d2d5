"""API tokens through both faces, the account page's form and the GraphQL mutations: accepted or refused
alike, with the same error codes on the same fields, and the same rows written (issue 14). An empty choice
of scopes is refused by both (the portal gave a read token, GraphQL a read and write one)."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import func, select

from domain.accounts.models import ApiToken
from tests.faces import Outcome, graphql_outcome, portal_outcome
from tests.factories import make_user
from tests.graphql_helpers import bearer_token, graphql_data
from tests.portal_helpers import csrf_token, log_in

CREATE = """
mutation($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { token apiToken { scopes } errors { field code } }
}"""
REVOKE = """
mutation($id: ID!) { revokeApiToken(id: $id) { apiToken { revokedAt } errors { field code } } }"""
ACCEPTED = Outcome(True, frozenset())


def refused(*errors: tuple[str | None, str]) -> Outcome:
    return Outcome(False, frozenset(errors))


@pytest.fixture
async def api(app):  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, client=("203.0.113.8", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def tokens_of(session, user) -> list[ApiToken]:  # type: ignore[no-untyped-def]
    return list((await session.exec(select(ApiToken).where(ApiToken.user_id == user.id))).all())


CREATE_CASES = {
    "no name": ("  ", ["read"], refused(("name", "required"))),
    "a name longer than its column": ("n" * 65, ["read"], refused(("name", "too_long"))),
    "no scope chosen": ("sync", [], refused(("scopes", "choice"))),
    "nothing at all": ("", [], refused(("name", "required"), ("scopes", "choice"))),
    "read only": ("sync", ["read"], ACCEPTED),
    "write alone, taken as read and write": ("sync", ["write"], ACCEPTED),
}


@pytest.mark.parametrize("case", list(CREATE_CASES))
async def test_creating_a_token_is_decided_alike_through_both_faces(client, api, session, case):  # type: ignore[no-untyped-def]
    name, scopes, expected = CREATE_CASES[case]
    user = await make_user(session, "enforcement")
    api_token = await bearer_token(session, user)  # the API is called with a token of its own
    await log_in(client, user.username)
    before = len(await tokens_of(session, user))
    csrf = await csrf_token(client, "/account")
    response = await client.post("/account/tokens", data={"name": name, "scopes": scopes, "csrf_token": csrf})
    portal = portal_outcome(response, accepted=(200,))
    payload = await graphql_data(
        api, CREATE, {"input": {"name": name, "scopes": [s.upper() for s in scopes]}}, token=api_token
    )
    graphql = graphql_outcome(payload["createApiToken"])
    assert portal == graphql == expected, f"portal {portal}, GraphQL {graphql}"
    made = (await tokens_of(session, user))[before:]
    assert len(made) == (2 if expected.accepted else 0)
    if expected.accepted:
        assert {t.scopes for t in made} == {"read" if scopes == ["read"] else "read write"}
        assert 'id="new-token"' in response.text and payload["createApiToken"]["token"]


REVOKE_CASES = {
    "someone else's token": ("other", refused((None, "not_found"))),
    "one's own token": ("own", ACCEPTED),
    "one's own token, already revoked": ("revoked", ACCEPTED),
}


@pytest.mark.parametrize("case", list(REVOKE_CASES))
async def test_revoking_a_token_is_decided_alike_through_both_faces(client, api, session, case):  # type: ignore[no-untyped-def]
    whose, expected = REVOKE_CASES[case]
    user, other = await make_user(session, "enforcement"), await make_user(session, "ecology")
    api_token = await bearer_token(session, user)
    owner = user if whose in ("own", "revoked") else other
    for _ in range(2):
        await bearer_token(session, owner)
    targets = (await tokens_of(session, owner))[-2:]
    await log_in(client, user.username)
    if whose == "revoked":
        for target in targets:
            csrf = await csrf_token(client, "/account")
            await client.post(f"/account/tokens/{target.id}/revoke", data={"csrf_token": csrf})
        for target in targets:
            await session.refresh(target)
        first_revocations = [t.revoked_at for t in targets]
    csrf = await csrf_token(client, "/account")
    response = await client.post(f"/account/tokens/{targets[0].id}/revoke", data={"csrf_token": csrf})
    portal = portal_outcome(response, accepted=(200,))
    payload = await graphql_data(api, REVOKE, {"id": str(targets[1].id)}, token=api_token)
    graphql = graphql_outcome(payload["revokeApiToken"], rename={"id": None})
    assert portal == graphql == expected, f"portal {portal}, GraphQL {graphql}"
    for target in targets:
        await session.refresh(target)
    assert [t.revoked_at is not None for t in targets] == [expected.accepted] * 2
    if whose == "revoked":
        assert [t.revoked_at for t in targets] == first_revocations  # revoking again changes nothing
    total = (await session.exec(select(func.count()).select_from(ApiToken))).one()
    assert total == 3  # the caller's API token and the two: revoking writes no row
