"""GraphQL transport and limits: depth, aliases, tokens, GET, caches, masked errors."""

from __future__ import annotations

import logging

import httpx
import pytest

from domain.enterprises.models import Enterprise
from graphql_schema.app import make_graphql_app
from graphql_schema.limits import ValidatedDocuments, parsed_documents
from graphql_schema.operation_checks import OperationChecks
from tests.factories import credit_code, make_user
from tests.graphql_helpers import (
    GRAPHQL,
    bearer_token,
    count,
    graphql,
    graphql_data,
)


def estimate(body: dict) -> dict:  # type: ignore[type-arg]
    """The estimate and the limit of a response's cost (beside it: the rate budget's figures)."""
    cost = body["extensions"]["cost"]
    return {key: cost[key] for key in ("estimatedRows", "limit")}


def nested(depth: int) -> str:
    """A selection ``depth`` fields deep (field names need not exist: depth is checked anyway)."""
    inner = "name"
    for level in range(depth - 2):
        inner = f"f{level} {{ {inner} }}"
    return f"{{ viewer {{ {inner} }} }}"


async def test_a_too_deep_query_is_refused_by_the_configured_limit(client, settings):
    response = await graphql(client, nested(settings.graphql_max_depth + 2))

    messages = [e["message"] for e in response.json()["errors"]]
    assert f"exceeds maximum operation depth of {settings.graphql_max_depth}" in " ".join(messages)


async def test_a_too_deep_operation_executes_nothing(db, settings, session):
    """With a limit of 1, a valid mutation selecting two levels below its root must not run."""
    app = make_graphql_app(db, settings.model_copy(update={"graphql_max_depth": 1}))
    regulator = await make_user(session, "permitting", region_code="310107")
    token = await bearer_token(session, regulator)
    mutation = """mutation($input: EnterpriseInput!) {
      registerEnterprise(input: $input) { enterprise { creditCode } errors { code } } }"""
    variables = {
        "input": {
            "name": "深度测试有限公司",
            "creditCode": credit_code(),
            "registeredAddress": "上海市普陀区1号",
            "legalRepresentative": "王伟",
            "industryCode": "2614",
            "regionCode": "310107",
            "managementCategory": "KEY",
        }
    }
    before = await count(session, Enterprise)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as shallow:
        response = await shallow.post(
            "/",
            json={"query": mutation, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )

    body = response.json()
    assert body.get("data") is None
    assert "exceeds maximum operation depth of 1" in body["errors"][0]["message"]
    assert await count(session, Enterprise) == before


def aliased(n: int) -> str:
    return "{ " + " ".join(f"a{i}: viewer {{ username }}" for i in range(n)) + " }"


async def test_aliases_up_to_the_limit_are_accepted(client, settings):
    data = await graphql_data(client, aliased(settings.graphql_max_aliases))

    assert len(data) == settings.graphql_max_aliases


async def test_too_many_aliases_are_refused(client, settings):
    limit = settings.graphql_max_aliases

    body = (await graphql(client, aliased(limit + 1))).json()

    assert body.get("data") is None
    assert body["errors"][0]["message"] == f"{limit + 1} aliases found. Allowed: {limit}"


async def test_a_document_with_too_many_tokens_is_not_parsed(client, settings):
    query = "{ " + " ".join(["__typename"] * settings.graphql_max_tokens) + " }"

    body = (await graphql(client, query)).json()

    assert body.get("data") is None
    assert f"more than {settings.graphql_max_tokens} tokens" in body["errors"][0]["message"]


async def test_queries_over_get_are_refused(client, session):
    regulator = await make_user(session, "permitting", username="get.user")
    token = await bearer_token(session, regulator)

    response = await client.get(
        GRAPHQL,
        params={"query": "{ viewer { username } }"},
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code in (400, 405)
    assert "get.user" not in response.text
    assert "data" not in response.json()


async def test_graphiql_is_served_to_browsers(client):
    response = await client.get(GRAPHQL, headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_parsing_and_validation_are_cached_across_requests(app, client):
    ((validated,),) = [
        [arg for arg in factory.args if isinstance(arg, ValidatedDocuments)]
        for factory in app.state.graphql_app.schema.extensions
        if getattr(factory, "func", None) is OperationChecks
    ]
    query = "{ viewer { username displayName } cacheProbe: viewer { roles } }"
    await graphql_data(client, query)
    parse_hits, validate_hits = parsed_documents().hits, validated.hits

    await graphql_data(client, query)

    # The limit rules are the same classes on every request, so the second is a hit.
    assert parsed_documents().hits == parse_hits + 1
    assert validated.hits == validate_hits + 1


async def test_validation_is_remembered_per_query_text_with_its_errors(client):
    query = "{ viewer { username } cacheProbeTwo: nope }"
    first = (await graphql(client, query)).json()
    again = (await graphql(client, "" + query)).json()
    other = (await graphql(client, "{ viewer { username } }")).json()

    assert first == again and "Cannot query field 'nope'" in first["errors"][0]["message"]
    assert "errors" not in other


async def test_an_unexpected_error_is_masked_and_logged_with_the_request_id(
    client, session, monkeypatch, caplog
):
    regulator = await make_user(session, "permitting")
    token = await bearer_token(session, regulator)

    async def broken(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("connection string postgres://secret@db")

    monkeypatch.setattr("graphql_schema.enterprises.queries.list_enterprises", broken)
    with caplog.at_level(logging.ERROR, logger="permitwatch.graphql"):
        response = await graphql(client, "{ enterprises { totalCount } }", token=token)

    assert "secret" not in response.text
    error = response.json()["errors"][0]
    request_id = response.headers["x-request-id"]
    assert error["extensions"] == {"code": "internal_error", "requestId": request_id}
    assert request_id in error["message"]
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged and "secret@db" in str(logged[0].exc_info[1])


@pytest.mark.parametrize("body", ["not json", '{"query": ""}'])
async def test_a_malformed_request_gets_a_json_error(client, body):
    response = await client.post(GRAPHQL, content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "bad_request"


# --- cost: estimated rows = product of `first` along each path, summed over the operation ---

PAGE_OF_PERMITS = (
    "permits(first: 100) { edges { node { number outlets { pollutants { code } monitoring { method } } } } }"
)
# each alias: 100 permits + 100 × 5 outlets + 100 × 5 × 5 pollutant limits + as many monitoring rows
EXPENSIVE = "{ a: " + PAGE_OF_PERMITS + " b: " + PAGE_OF_PERMITS + " }"


async def test_an_expensive_query_is_refused_before_it_runs_with_its_cost_and_the_limit(
    client, session, settings, monkeypatch
):
    regulator = await make_user(session, "permitting", region_code="310107")
    token = await bearer_token(session, regulator)
    ran: list[bool] = []

    async def browse(*args, **kwargs):  # type: ignore[no-untyped-def]
        ran.append(True)
        raise AssertionError("the expensive query ran")

    monkeypatch.setattr("graphql_schema.permits.queries.browse_permits", browse)
    response = await graphql(client, EXPENSIVE, token=token, headers={"Accept-Language": "en"})

    body = response.json()
    assert ran == []
    assert body.get("data") is None
    error = body["errors"][0]
    assert error["extensions"] == {
        "code": "query_too_expensive",
        "cost": 11200,
        "limit": settings.graphql_max_cost,
    }
    assert "11200" in error["message"] and str(settings.graphql_max_cost) in error["message"]
    assert estimate(body) == {"estimatedRows": 11200, "limit": settings.graphql_max_cost}


async def test_the_refusal_speaks_the_callers_language(client):
    body = (await graphql(client, EXPENSIVE)).json()

    assert "行" in body["errors"][0]["message"]


def cheap_app(db, settings, limit: int):  # type: ignore[no-untyped-def]
    app = make_graphql_app(db, settings.model_copy(update={"graphql_max_cost": limit}))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_aliases_are_summed_against_the_limit(db, settings):
    one = "{ a: agencies(first: 100) { totalCount } }"
    two = "{ a: agencies(first: 100) { totalCount } b: agencies(first: 100) { totalCount } }"
    async with cheap_app(db, settings, 150) as small:
        first = (await small.post("/", json={"query": one})).json()
        second = (await small.post("/", json={"query": two})).json()

    assert estimate(first) == {"estimatedRows": 100, "limit": 150}
    assert "errors" not in first or all(
        e["extensions"]["code"] != "query_too_expensive" for e in first["errors"]
    )
    assert second["errors"][0]["extensions"]["code"] == "query_too_expensive"
    assert second["errors"][0]["extensions"]["cost"] == 200


async def test_fragments_and_variables_count_like_written_fields(db, settings):
    query = """query($n: Int!) { ...F ...F }
      fragment F on Query { agencies(first: $n) { totalCount } }"""
    async with cheap_app(db, settings, 150) as small:
        fits = (await small.post("/", json={"query": query, "variables": {"n": 75}})).json()
        over = (await small.post("/", json={"query": query, "variables": {"n": 76}})).json()

    assert fits["extensions"]["cost"]["estimatedRows"] == 150
    assert over["errors"][0]["extensions"] == {"code": "query_too_expensive", "cost": 152, "limit": 150}


async def test_every_response_states_its_cost_and_the_limit(client, session, settings):
    regulator = await make_user(session, "permitting", region_code="310107")
    token = await bearer_token(session, regulator)

    query = (await graphql(client, "{ enterprises { totalCount } }", token=token)).json()
    mutation = (
        await graphql(client, 'mutation { revokeApiToken(id: "999999") { errors { code } } }', token=token)
    ).json()

    # first left out counts as its default page (20); a payload's error list as 5 rows.
    assert estimate(query) == {"estimatedRows": 20, "limit": settings.graphql_max_cost}
    assert estimate(mutation) == {"estimatedRows": 5, "limit": settings.graphql_max_cost}
    # Each charged to the caller's rate budget: what it asked for, what is left, when the window ends.
    assert query["extensions"]["cost"]["requested"] == 20
    assert mutation["extensions"]["cost"]["requested"] == 5
    assert mutation["extensions"]["cost"]["remaining"] == settings.graphql_rate_budget - 25
    assert mutation["extensions"]["cost"]["resetAt"] == query["extensions"]["cost"]["resetAt"]
