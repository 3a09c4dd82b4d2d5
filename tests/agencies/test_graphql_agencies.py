"""GraphQL: registering, reviewing and authorising agencies; an agency's credit as each caller sees it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event
from sqlmodel import func, select

from domain.access import operator
from domain.accounts.models import User
from domain.actors import actor_for_user
from domain.agencies import service as agencies
from domain.agencies.models import Agency, AgencyAuthorisation
from domain.agencies.rules import AgencyInput, StaffInput
from domain.agency_oversight import service as oversight
from domain.clock import today, utcnow
from domain.ledgers.rules import ReadingInput
from domain.ledgers.service import readings as ledgers
from tests.factories import actor, credit_code, make_enterprise, make_permit, make_user
from tests.graphql_helpers import bearer_token, graphql, graphql_data

EN = {"Accept-Language": "en"}
AGENCY_FIELDS = """
  creditCode name status statusReason regionCode serviceTypes creditScore creditLevel contactPerson
  qualifications { name number validUntil expired }
  creditEvents { kind points source note public occurredAt }
"""
AGENCY = "query($code: String!) { agency(creditCode: $code) {" + AGENCY_FIELDS + "} }"
REGISTER = """
mutation($input: RegisterAgencyInput!) {
  registerAgency(input: $input) { agency { creditCode status creditScore } errors { field code message } }
}"""
APPROVE = """
mutation($code: String!) { approveAgency(creditCode: $code) { agency { status } errors { field code } } }"""
REJECT = """
mutation($code: String!, $reason: String!) {
  rejectAgency(creditCode: $code, reason: $reason) { agency { status statusReason } errors { field code } }
}"""
AUTHORIZE = """
mutation($input: AuthorizeAgencyInput!) {
  authorizeAgency(input: $input) {
    authorization {
      id agencyCreditCode enterpriseCreditCode scopes validFrom validUntil contractNumber state
    }
    errors { field code message }
  }
}"""
REVOKE = """
mutation($id: ID!) {
  revokeAgencyAuthorization(id: $id, reason: "合同终止") {
    authorization { state revokeReason } errors { field code }
  }
}"""
FILINGS = """
query { agencyFilings { totalCount edges { node {
  kind filedBy enterpriseCreditCode permitNumber readingCount outletCode pollutant
} } } }"""


def registration_input(code: str, username: str) -> dict:  # type: ignore[type-arg]
    return {
        "name": "上海清源检测技术有限公司",
        "creditCode": code,
        "address": "上海市普陀区真北路100号",
        "regionCode": "310107",
        "contactPerson": "王芳",
        "contactPhone": "021-52001234",
        "serviceTypes": ["SELF_MONITORING", "REPORTS"],
        "qualifications": [{"name": "检验检测机构资质认定", "number": "CMA-1", "validUntil": "2030-06-30"}],
        "staff": [{"username": username, "password": "qingyuan-password-1", "displayName": "李强"}],
    }


async def approved_agency(session, services=("ledger", "reports", "self_monitoring")):  # type: ignore[no-untyped-def]
    agency = await agencies.register_agency(
        session,
        operator("portal"),
        data=AgencyInput(
            name="上海绿源环境技术服务有限公司",
            credit_code=credit_code(),
            address="上海市普陀区",
            region_code="310107",
            contact_person="周敏",
            contact_phone="021-52000000",
            service_types=list(services),
        ),
        staff=[StaffInput(username=f"gq-clerk-{credit_code()[-6:].lower()}", password="agency-password-1")],
    )
    await session.flush()
    await agencies.review_agency(session, operator(), credit_code=agency.credit_code, decision="approve")
    await session.flush()
    clerk = (await session.exec(select(User).where(User.agency_id == agency.id))).one()
    return agency, clerk


async def test_register_agency_names_bad_fields_writes_nothing_then_registers(client, session):
    before = (await session.exec(select(func.count()).select_from(Agency))).one()
    bad = registration_input("91350100M000100Y44", "Bad Name")
    bad["qualifications"] = [{"name": "", "validUntil": "2030-06-30"}]
    body = await graphql_data(client, REGISTER, {"input": bad}, headers=EN)
    payload = body["registerAgency"]
    assert payload["agency"] is None
    fields = {e["field"] for e in payload["errors"]}
    assert {"creditCode", "staff[0].username", "qualifications[0].name"} <= fields
    assert (await session.exec(select(func.count()).select_from(Agency))).one() == before

    code = credit_code()
    body = await graphql_data(client, REGISTER, {"input": registration_input(code, "qingyuan-gq")})
    assert body["registerAgency"] == {
        "agency": {"creditCode": code, "status": "PENDING", "creditScore": 100.0},
        "errors": [],
    }
    # pending: not disclosed to the public
    assert (await graphql_data(client, AGENCY, {"code": code}))["agency"] is None


async def test_the_legal_section_approves_and_rejects_others_may_not(client, session):
    code = credit_code()
    await graphql_data(client, REGISTER, {"input": registration_input(code, "qingyuan-gq2")})
    admin = await make_user(session, "enterprise_admin")
    refused = await graphql_data(client, APPROVE, {"code": code}, token=await bearer_token(session, admin))
    assert refused["approveAgency"]["agency"] is None
    assert refused["approveAgency"]["errors"][0]["code"] == "forbidden"
    legal_token = await bearer_token(session, await make_user(session, "legal", region_code="310107"))
    no_reason = await graphql_data(client, REJECT, {"code": code, "reason": " "}, token=legal_token)
    assert no_reason["rejectAgency"]["errors"] == [{"field": "reason", "code": "required"}]
    approved = await graphql_data(client, APPROVE, {"code": code}, token=legal_token)
    assert approved["approveAgency"] == {"agency": {"status": "APPROVED"}, "errors": []}
    again = await graphql_data(client, REJECT, {"code": code, "reason": "资质不全"}, token=legal_token)
    assert again["rejectAgency"]["errors"] == [{"field": None, "code": "conflict"}]
    suspend = """mutation($code: String!) { suspendAgency(creditCode: $code, reason: "弄虚作假线索核查中") {
      agency { status statusReason } errors { field code } } }"""
    suspended = await graphql_data(client, suspend, {"code": code}, token=legal_token)
    assert suspended["suspendAgency"] == {
        "agency": {"status": "SUSPENDED", "statusReason": "弄虚作假线索核查中"},
        "errors": [],
    }


async def test_an_enterprise_admin_authorizes_an_agency_and_the_agency_query_shows_its_credit(
    client, session
):
    agency, clerk = await approved_agency(session)
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise, decision_date=(today() - timedelta(days=700)).isoformat())
    admin_token = await bearer_token(
        session, await make_user(session, "enterprise_admin", enterprise=enterprise)
    )
    window = {
        "validFrom": (today() - timedelta(days=1)).isoformat(),
        "validUntil": (today() + timedelta(days=30)).isoformat(),
    }

    wrong = await graphql_data(
        client,
        AUTHORIZE,
        {
            "input": {
                "agencyCreditCode": agency.credit_code,
                "scopes": ["FACILITY_OPERATION"],
                "contractNumber": "HT-1",
                **window,
            }
        },
        token=admin_token,
    )
    assert wrong["authorizeAgency"]["authorization"] is None
    assert wrong["authorizeAgency"]["errors"][0]["field"] == "scopes"
    assert wrong["authorizeAgency"]["errors"][0]["code"] == "not_offered"
    staff_token = await bearer_token(
        session, await make_user(session, "enterprise_staff", enterprise=enterprise)
    )
    forbidden = await graphql_data(
        client,
        AUTHORIZE,
        {
            "input": {
                "agencyCreditCode": agency.credit_code,
                "scopes": ["SELF_MONITORING"],
                "contractNumber": "HT-1",
                **window,
            }
        },
        token=staff_token,
    )
    assert forbidden["authorizeAgency"]["errors"][0]["code"] == "forbidden"
    assert (await session.exec(select(func.count()).select_from(AgencyAuthorisation))).one() == 0

    done = await graphql_data(
        client,
        AUTHORIZE,
        {
            "input": {
                "agencyCreditCode": agency.credit_code,
                "scopes": ["SELF_MONITORING"],
                "contractNumber": "HT-1",
                **window,
            }
        },
        token=admin_token,
    )
    authorization = done["authorizeAgency"]["authorization"]
    assert done["authorizeAgency"]["errors"] == []
    assert authorization["state"] == "IN_FORCE" and authorization["scopes"] == ["SELF_MONITORING"]
    assert authorization["enterpriseCreditCode"] == enterprise.credit_code

    # the clerk files within scope; the filing is traced to the person
    clerk_as = await actor_for_user(session, clerk, channel="graphql")
    moment = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(hours=30)
    await ledgers.record_readings(
        session,
        clerk_as,
        permit_number=permit.number,
        readings=[ReadingInput("DA001", "SO2", "automatic", moment, 20.0, "mg/m3", flow_m3=1e5)],
    )
    await session.flush()
    clerk_token = await bearer_token(session, clerk)
    filings = await graphql_data(client, FILINGS, token=clerk_token)
    assert filings["agencyFilings"]["totalCount"] == 1
    assert filings["agencyFilings"]["edges"][0]["node"] == {
        "kind": "READINGS",
        "filedBy": clerk.username,
        "enterpriseCreditCode": enterprise.credit_code,
        "permitNumber": permit.number,
        "readingCount": 1,
        "outletCode": "DA001",
        "pollutant": "SO2",
    }
    assert (await graphql(client, FILINGS)).json()["errors"][0]["extensions"]["code"] == "unauthenticated"

    # credit: a private event and a serious (public) one
    legal = actor(await make_user(session, "legal", region_code="310107"))
    await oversight.record_credit_event(
        session,
        legal,
        credit_code=agency.credit_code,
        kind="training_passed",
        note="内部培训",
        source_id="T-1",
    )
    await oversight.record_credit_event(
        session,
        legal,
        credit_code=agency.credit_code,
        kind="falsified_data",
        note="数据造假",
        evidence_kind="readings",
        evidence_id=permit.number,
    )
    await session.flush()
    public = (await graphql_data(client, AGENCY, {"code": agency.credit_code}))["agency"]
    assert public["creditScore"] == 72.0 and public["creditLevel"] == "C" and public["status"] == "APPROVED"
    assert public["serviceTypes"] == ["LEDGER", "REPORTS", "SELF_MONITORING"]
    assert public["contactPerson"] is None
    assert [(e["kind"], e["points"], e["source"], e["public"]) for e in public["creditEvents"]] == [
        ("FALSIFIED_DATA", -30.0, f"readings:{permit.number}", True)
    ]
    own = (await graphql_data(client, AGENCY, {"code": agency.credit_code}, token=clerk_token))["agency"]
    assert {e["kind"] for e in own["creditEvents"]} == {"FALSIFIED_DATA", "TRAINING_PASSED"}
    assert own["contactPerson"] == "周敏"

    revoked = await graphql_data(client, REVOKE, {"id": authorization["id"]}, token=admin_token)
    assert revoked["revokeAgencyAuthorization"] == {
        "authorization": {"state": "REVOKED", "revokeReason": "合同终止"},
        "errors": [],
    }
    missing = await graphql_data(client, REVOKE, {"id": "999999"}, token=admin_token)
    assert missing["revokeAgencyAuthorization"]["errors"] == [{"field": "id", "code": "not_found"}]


async def test_the_directory_is_public_for_approved_agencies_only(client, session):
    agency, _clerk = await approved_agency(session)
    code = credit_code()
    await graphql_data(client, REGISTER, {"input": registration_input(code, "qingyuan-gq3")})
    query = """query($filter: AgencyFilterInput) { agencies(filter: $filter, first: 50) {
      totalCount edges { node { creditCode status creditLevel } } } }"""
    anonymous = await graphql_data(client, query, {"filter": {}})
    codes = {edge["node"]["creditCode"] for edge in anonymous["agencies"]["edges"]}
    assert agency.credit_code in codes and code not in codes
    refused = await graphql(client, query, {"filter": {"status": "PENDING"}})
    assert refused.json()["errors"][0]["extensions"]["code"] == "forbidden"
    legal_token = await bearer_token(session, await make_user(session, "legal", region_code="310107"))
    pending = await graphql_data(client, query, {"filter": {"status": "PENDING"}}, token=legal_token)
    assert [edge["node"]["creditCode"] for edge in pending["agencies"]["edges"]] == [code]
    by_service = await graphql_data(client, query, {"filter": {"serviceType": "FACILITY_OPERATION"}})
    assert by_service["agencies"]["totalCount"] == 0


async def test_a_page_of_agencies_with_their_events_costs_the_same_statements_whatever_its_size(
    client, session, db
):
    for _ in range(2):
        await approved_agency(session)
    query = """query($first: Int!) { agencies(first: $first) { edges { node {
      creditCode creditEvents { kind points } } } } }"""

    async def statements(first: int) -> int:
        seen: list[str] = []

        def remember(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
            seen.append(statement)

        event.listen(db.engine.sync_engine, "before_cursor_execute", remember)
        try:
            await graphql_data(client, query, {"first": first})
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", remember)
        return len([s for s in seen if s.lstrip().upper().startswith("SELECT")])

    for _ in range(3):
        await approved_agency(session)
    assert await statements(2) == await statements(5)


async def test_regulators_read_the_ranking_through_the_api(client, session):
    agency, _clerk = await approved_agency(session)
    query = "query { agencyRanking { rank score scoreBefore falling agency { creditCode } } }"
    token = await bearer_token(session, await make_user(session, "ecology", region_code="310107"))
    rows = (await graphql_data(client, query, token=token))["agencyRanking"]
    assert agency.credit_code in [row["agency"]["creditCode"] for row in rows]
    anonymous = (await graphql(client, query)).json()
    assert anonymous["errors"][0]["extensions"]["code"] == "unauthenticated"
