"""GraphQL: reading enterprises (one record, the list, the history) under the access rules."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from tests.factories import make_enterprise, make_user
from tests.graphql_helpers import bearer_token, graphql, graphql_data

ENTERPRISE = """
query($code: String!) {
  enterprise(creditCode: $code) {
    __typename creditCode name legalRepresentative managementCategory industryName regionName
    ... on Enterprise { technicalLead contactPhone version }
  }
}"""
ENTERPRISES = """
query($first: Int!, $after: String, $filter: EnterpriseFilterInput) {
  enterprises(first: $first, after: $after, filter: $filter) {
    totalCount
    edges { cursor node { creditCode name regionCode } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""
HISTORY = """
query($code: String!) {
  enterpriseHistory(creditCode: $code) { version changedBy changedFields data changedAt }
}"""


async def test_an_anonymous_caller_sees_the_public_record_without_personal_data(client, session):
    enterprise = await make_enterprise(
        session, name="普陀热电有限公司", technical_lead="赵敏", contact_phone="021-62001234"
    )

    response = await graphql(client, ENTERPRISE, {"code": enterprise.credit_code})

    record = response.json()["data"]["enterprise"]
    assert record["__typename"] == "EnterprisePublic"
    assert record["name"] == "普陀热电有限公司"
    assert record["managementCategory"] == "KEY"
    assert "technicalLead" not in record and "contactPhone" not in record
    assert "赵敏" not in response.text and "021-62001234" not in response.text


async def test_a_regulator_of_the_region_sees_the_full_record(client, session):
    enterprise = await make_enterprise(
        session,
        technical_lead="赵敏",
        contact_phone="021-62001234",
        region_code="310107",
        industry_code="4411",
    )
    regulator = await make_user(session, "ecology", region_code="310107")
    token = await bearer_token(session, regulator)

    data = await graphql_data(client, ENTERPRISE, {"code": enterprise.credit_code}, token=token)

    record = data["enterprise"]
    assert record["__typename"] == "Enterprise"
    assert (record["technicalLead"], record["contactPhone"], record["version"]) == (
        "赵敏",
        "021-62001234",
        1,
    )
    assert record["industryName"] == "火力发电"
    assert record["regionName"] == "上海市普陀区"


async def test_names_follow_the_callers_language(client, session):
    enterprise = await make_enterprise(session, region_code="310107", industry_code="4411")

    data = await graphql_data(
        client,
        ENTERPRISE,
        {"code": enterprise.credit_code},
        headers={"Accept-Language": "en-US,en;q=0.9"},
    )

    assert data["enterprise"]["industryName"] == "Thermal power"
    assert data["enterprise"]["regionName"] == "Putuo District, Shanghai"


async def test_a_regulator_of_another_region_sees_only_the_public_record(client, session):
    enterprise = await make_enterprise(session, region_code="370102", technical_lead="赵敏")
    regulator = await make_user(session, "ecology", region_code="310107")
    token = await bearer_token(session, regulator)

    response = await graphql(client, ENTERPRISE, {"code": enterprise.credit_code}, token=token)

    assert response.json()["data"]["enterprise"]["__typename"] == "EnterprisePublic"
    assert "赵敏" not in response.text


async def test_an_unknown_credit_code_gives_null(client, session):
    regulator = await make_user(session, "permitting")
    token = await bearer_token(session, regulator)

    for headers in ({}, {"Authorization": f"Bearer {token}"}):
        data = await graphql_data(client, ENTERPRISE, {"code": "91310107MA00000000"}, headers=headers)
        assert data == {"enterprise": None}


async def test_enterprises_pages_through_the_regulators_jurisdiction_only(client, session):
    for name in ("丙公司", "甲公司", "乙公司"):
        await make_enterprise(session, name=name, region_code="310107")
    outside = await make_enterprise(session, name="历下化工有限公司", region_code="370102")
    regulator = await make_user(session, "permitting", region_code="310107")
    token = await bearer_token(session, regulator)

    first = (await graphql_data(client, ENTERPRISES, {"first": 2}, token=token))["enterprises"]
    second = (
        await graphql_data(
            client, ENTERPRISES, {"first": 2, "after": first["pageInfo"]["endCursor"]}, token=token
        )
    )["enterprises"]

    assert first["totalCount"] == second["totalCount"] == 3
    assert [e["node"]["name"] for e in first["edges"]] == ["丙公司", "乙公司"]
    assert first["pageInfo"]["hasNextPage"] is True and first["pageInfo"]["hasPreviousPage"] is False
    assert first["pageInfo"]["startCursor"] == first["edges"][0]["cursor"]
    assert [e["node"]["name"] for e in second["edges"]] == ["甲公司"]
    assert second["pageInfo"]["hasNextPage"] is False and second["pageInfo"]["hasPreviousPage"] is True
    seen = {e["node"]["creditCode"] for e in first["edges"] + second["edges"]}
    assert outside.credit_code not in seen


async def test_enterprises_filters_by_name(client, session):
    await make_enterprise(session, name="普陀热电有限公司")
    await make_enterprise(session, name="真北印染有限公司")
    regulator = await make_user(session, "permitting", region_code="310107")
    token = await bearer_token(session, regulator)

    data = await graphql_data(client, ENTERPRISES, {"first": 10, "filter": {"query": "热电"}}, token=token)

    assert [e["node"]["name"] for e in data["enterprises"]["edges"]] == ["普陀热电有限公司"]
    assert data["enterprises"]["totalCount"] == 1


async def test_enterprises_is_refused_to_anonymous_callers(client, session):
    await make_enterprise(session)

    response = await graphql(client, ENTERPRISES, {"first": 10})

    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "unauthenticated"
    assert body["errors"][0]["path"] == ["enterprises"]


async def test_enterprises_is_refused_to_enterprise_users(client, session):
    staff = await make_user(session, "enterprise_admin")
    token = await bearer_token(session, staff)

    body = (await graphql(client, ENTERPRISES, {"first": 10}, token=token)).json()

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("variables", "field", "code"),
    [
        ({"first": 10, "after": "not a cursor"}, "after", "cursor"),
        ({"first": 500}, "first", "page_size"),
    ],
)
async def test_enterprises_names_the_bad_argument(client, session, variables, field, code):
    regulator = await make_user(session, "permitting")
    token = await bearer_token(session, regulator)

    body = (await graphql(client, ENTERPRISES, variables, token=token)).json()

    assert body["errors"][0]["extensions"]["field"] == field
    assert body["errors"][0]["extensions"]["code"] == code


@pytest.mark.parametrize("rows", [1, 6])
async def test_enterprises_reads_the_table_twice_whatever_the_page_size(client, session, db, rows):
    for _ in range(rows):
        await make_enterprise(session)
    regulator = await make_user(session, "permitting", region_code="310107")
    token = await bearer_token(session, regulator)
    statements: list[str] = []

    def remember(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", remember)
    try:
        data = await graphql_data(client, ENTERPRISES, {"first": 10}, token=token)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", remember)

    assert len(data["enterprises"]["edges"]) == rows
    reads = [s for s in statements if re.search(r"\bFROM enterprise\b", s)]
    assert len(reads) == 2, reads  # the count and the page


async def test_enterprise_history_is_refused_to_anonymous_callers(client, session):
    enterprise = await make_enterprise(session)

    body = (await graphql(client, HISTORY, {"code": enterprise.credit_code})).json()

    assert body["data"] == {"enterpriseHistory": None}
    assert body["errors"][0]["extensions"]["code"] == "unauthenticated"


async def test_enterprise_history_is_null_outside_the_jurisdiction(client, session):
    enterprise = await make_enterprise(session, region_code="370102")
    regulator = await make_user(session, "permitting", region_code="310107")
    token = await bearer_token(session, regulator)

    data = await graphql_data(client, HISTORY, {"code": enterprise.credit_code}, token=token)

    assert data == {"enterpriseHistory": None}
