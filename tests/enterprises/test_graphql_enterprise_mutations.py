"""GraphQL: registering and editing enterprises; a refusal names its field and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from domain.audit.models import AuditEntry
from domain.enterprises.models import Enterprise, EnterpriseRevision
from tests.factories import credit_code, make_enterprise, make_user
from tests.graphql_helpers import bearer_token, count, graphql_data

REGISTER = """
mutation($input: EnterpriseInput!) {
  registerEnterprise(input: $input) {
    enterprise { creditCode name operatingAddress managementCategory version technicalLead }
    errors { field code message }
  }
}"""
UPDATE = """
mutation($code: String!, $input: EnterpriseInput!, $expected: Int) {
  updateEnterprise(creditCode: $code, input: $input, expectedVersion: $expected) {
    enterprise { creditCode name version }
    errors { field code message }
  }
}"""
HISTORY = """
query($code: String!) {
  enterpriseHistory(creditCode: $code) { version changedBy changedFields data }
}"""


def enterprise_input(**overrides: Any) -> dict[str, Any]:
    values = {
        "name": "普陀热电有限公司",
        "creditCode": credit_code(),
        "registeredAddress": "上海市普陀区真北路1号",
        "legalRepresentative": "王伟",
        "technicalLead": "李娜",
        "contactPhone": "021-62000000",
        "industryCode": "4411",
        "regionCode": "310107",
        "managementCategory": "KEY",
    }
    values.update(overrides)
    return values


async def rows(session) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """Enterprises, revisions and audit entries: what a refused mutation must leave untouched."""
    return (
        await count(session, Enterprise),
        await count(session, EnterpriseRevision),
        await count(session, AuditEntry),
    )


async def permitting_token(session, region_code: str = "310107", scopes: list[str] | None = None) -> str:  # type: ignore[no-untyped-def]
    regulator = await make_user(
        session, "permitting", region_code=region_code, username=f"permit-{region_code}"
    )
    return await bearer_token(session, regulator, scopes=scopes)


async def test_the_permitting_section_registers_an_enterprise_of_its_region(client, session):
    token = await permitting_token(session)
    values = enterprise_input()
    before = await rows(session)

    payload = (await graphql_data(client, REGISTER, {"input": values}, token=token))["registerEnterprise"]

    assert payload["errors"] == []
    assert payload["enterprise"] == {
        "creditCode": values["creditCode"],
        "name": "普陀热电有限公司",
        "operatingAddress": "上海市普陀区真北路1号",
        "managementCategory": "KEY",
        "version": 1,
        "technicalLead": "李娜",
    }
    assert await rows(session) == (before[0] + 1, before[1] + 1, before[2] + 1)


def _with_bad_check_character(code: str) -> str:
    return code[:17] + ("1" if code[17] != "1" else "2")


@pytest.mark.parametrize(
    ("make_code", "error_code"),
    [
        (lambda code: code[:16], "credit_code_length"),
        (lambda code: code[:9] + "I" + code[10:], "credit_code_character"),
        (_with_bad_check_character, "credit_code_check"),
    ],
    ids=["wrong-length", "illegal-character-I", "wrong-check-character"],
)
async def test_a_bad_credit_code_is_reported_on_its_field_and_nothing_is_written(
    client, session, make_code, error_code
):
    token = await permitting_token(session)
    before = await rows(session)

    payload = (
        await graphql_data(
            client,
            REGISTER,
            {"input": enterprise_input(creditCode=make_code(credit_code()))},
            token=token,
        )
    )["registerEnterprise"]

    assert payload["enterprise"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("creditCode", error_code)]
    assert payload["errors"][0]["message"]
    assert await rows(session) == before


async def test_every_problem_is_reported_at_once_with_graphql_field_names(client, session):
    token = await permitting_token(session)

    payload = (
        await graphql_data(
            client,
            REGISTER,
            {
                "input": enterprise_input(
                    creditCode="91310107MA0000001",
                    industryCode="44",
                    contactPhone="call me",
                    name=" ",
                )
            },
            token=token,
        )
    )["registerEnterprise"]

    fields = {(e["field"], e["code"]) for e in payload["errors"]}
    assert fields == {
        ("name", "required"),
        ("creditCode", "credit_code_length"),
        ("industryCode", "industry_code_format"),
        ("contactPhone", "phone_format"),
    }
    length = next(e for e in payload["errors"] if e["code"] == "credit_code_length")
    assert "17" in length["message"]  # the message's parameters are filled in


async def test_a_region_outside_the_jurisdiction_is_refused(client, session):
    token = await permitting_token(session, region_code="310107")
    before = await rows(session)

    payload = (
        await graphql_data(client, REGISTER, {"input": enterprise_input(regionCode="370102")}, token=token)
    )["registerEnterprise"]

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("regionCode", "outside_jurisdiction")]
    assert await rows(session) == before


@pytest.mark.parametrize("role", ["enterprise_staff", "ecology"])
async def test_only_the_permitting_section_may_register(client, session, role):
    user = await make_user(session, role)
    token = await bearer_token(session, user)
    before = await rows(session)

    payload = (await graphql_data(client, REGISTER, {"input": enterprise_input()}, token=token))[
        "registerEnterprise"
    ]

    assert payload["enterprise"] is None
    assert [e["code"] for e in payload["errors"]] == ["forbidden"]
    assert await rows(session) == before


async def test_a_read_only_token_cannot_register(client, session):
    token = await permitting_token(session, scopes=["read"])
    before = await rows(session)

    payload = (await graphql_data(client, REGISTER, {"input": enterprise_input()}, token=token))[
        "registerEnterprise"
    ]

    assert [e["code"] for e in payload["errors"]] == ["forbidden"]
    assert await rows(session) == before


async def test_an_anonymous_caller_is_told_to_authenticate(client, session):
    enterprise = await make_enterprise(session)
    before = await rows(session)

    register = (await graphql_data(client, REGISTER, {"input": enterprise_input()}))["registerEnterprise"]
    update = (
        await graphql_data(
            client,
            UPDATE,
            {"code": enterprise.credit_code, "input": enterprise_input(creditCode=None)},
        )
    )["updateEnterprise"]

    assert [e["code"] for e in register["errors"]] == ["unauthenticated"]
    assert [e["code"] for e in update["errors"]] == ["unauthenticated"]
    assert await rows(session) == before


async def test_updating_an_enterprise_keeps_its_history(client, session):
    token = await permitting_token(session)
    values = enterprise_input(name="普陀热电有限公司")
    await graphql_data(client, REGISTER, {"input": values}, token=token)

    changed = dict(values, name="普陀热电股份有限公司", creditCode=None)
    payload = (
        await graphql_data(
            client,
            UPDATE,
            {"code": values["creditCode"], "input": changed, "expected": 1},
            token=token,
        )
    )["updateEnterprise"]
    history = (await graphql_data(client, HISTORY, {"code": values["creditCode"]}, token=token))[
        "enterpriseHistory"
    ]

    assert payload["errors"] == []
    assert payload["enterprise"] == {
        "creditCode": values["creditCode"],
        "name": "普陀热电股份有限公司",
        "version": 2,
    }
    assert [r["version"] for r in history] == [2, 1]
    assert history[0]["changedFields"] == ["name"]
    assert history[0]["changedBy"] == "permit-310107"
    assert history[0]["data"]["name"] == "普陀热电股份有限公司"
    assert history[1]["data"]["name"] == "普陀热电有限公司"
    assert history[1]["data"]["creditCode"] == values["creditCode"]


async def test_a_stale_expected_version_is_refused_and_nothing_changes(client, session):
    token = await permitting_token(session)
    values = enterprise_input(name="原名称有限公司")
    await graphql_data(client, REGISTER, {"input": values}, token=token)
    before = await rows(session)

    payload = (
        await graphql_data(
            client,
            UPDATE,
            {
                "code": values["creditCode"],
                "input": dict(values, name="新名称有限公司"),
                "expected": 7,
            },
            token=token,
        )
    )["updateEnterprise"]

    assert payload["enterprise"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("expectedVersion", "conflict")]
    assert await rows(session) == before
    history = (await graphql_data(client, HISTORY, {"code": values["creditCode"]}, token=token))[
        "enterpriseHistory"
    ]
    assert [r["data"]["name"] for r in history] == ["原名称有限公司"]


async def test_updating_an_unknown_enterprise_names_the_credit_code(client, session):
    token = await permitting_token(session)

    payload = (
        await graphql_data(
            client,
            UPDATE,
            {
                "code": "91310107MA00000000",
                "input": enterprise_input(creditCode=None),
            },
            token=token,
        )
    )["updateEnterprise"]

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("creditCode", "not_found")]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, "统一社会信用代码应为 18 位，当前为 17 位。"),
        ({"Accept-Language": "en"}, "A unified social credit code has 18 characters; this one has 17."),
    ],
)
async def test_error_messages_speak_the_callers_language(client, session, headers, expected):
    token = await permitting_token(session)

    payload = (
        await graphql_data(
            client,
            REGISTER,
            {"input": enterprise_input(creditCode="91310107MA0000001")},
            token=token,
            headers=headers,
        )
    )["registerEnterprise"]

    assert [e["message"] for e in payload["errors"]] == [expected]
