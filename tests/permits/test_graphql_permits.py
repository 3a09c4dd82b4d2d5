"""GraphQL: reading permits (list, one permit, one outlet) in full or as disclosed to the public."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event

from domain.access import operator
from domain.calendar.rules import is_covered
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.permits import law
from domain.permits.rules import renewal_deadline
from domain.permits.service.applications import ApplicationInput, submit_application
from domain.permits.service.decisions import accept_application
from domain.permits.service.imports import import_permits
from tests.factories import make_enterprise, make_permit, make_user, permit_content, permit_record
from tests.graphql_helpers import bearer_token, graphql, graphql_data

PERMIT_FIELDS = """
  number status category issuingAuthority decisionDate validFrom validUntil renewed
  renewalDeadline renewalDeadlineApproximate warnings contentVersion
  enterprise {
    __typename creditCode name
    ... on Enterprise { technicalLead contactPhone }
  }
  outlets {
    code name medium kind location longitude latitude direction heightM onlineMonitoring isFugitive
    pollutants { code name concentrationLimit unit annualQuantityLimit standard }
    monitoring { pollutant frequency method }
  }
  ledgerRequirements { kind frequency }
  reportKinds
  productionFacilities products controlFacilities secretSections commitments
  events { kind effectiveOn occurredAt note }
  versions { version reason decisionDate validUntil createdAt }
  openApplication { id kind status receivedOn acceptDue decisionDue extended issueDue overdue }
"""
PERMIT = "query($number: String!) { permit(number: $number) {" + PERMIT_FIELDS + "} }"
PERMITS = (
    "query($first: Int!, $after: String, $filter: PermitFilterInput) {"
    " permits(first: $first, after: $after, filter: $filter) {"
    " totalCount pageInfo { hasNextPage endCursor } edges { cursor node {" + PERMIT_FIELDS + "} } } }"
)
OUTLET = """
query($number: String!, $code: String!) {
  outlet(permitNumber: $number, code: $code) {
    code name medium isFugitive onlineMonitoring
    pollutants { code name concentrationLimit unit }
    monitoring { pollutant frequency method }
    permit { number status products versions { version } enterprise { __typename } }
  }
}"""
PERSONAL = ("李娜", "021-62000000")  # the factory enterprise's technical lead and phone


def years_ago(years: int, plus_days: int = 0) -> str:
    day = today()
    return (day.replace(year=day.year - years) + timedelta(days=plus_days)).isoformat()


async def regulator_token(session, region_code: str = "310107") -> str:  # type: ignore[no-untyped-def]
    return await bearer_token(session, await make_user(session, "permitting", region_code=region_code))


async def test_a_regulator_of_the_region_reads_the_whole_permit(client, session):
    permit = await make_permit(session, decision_date=years_ago(1))
    token = await regulator_token(session)

    found = (await graphql_data(client, PERMIT, {"number": permit.number}, token=token))["permit"]

    assert (found["number"], found["status"], found["category"]) == (permit.number, "ISSUED", "KEY")
    assert found["validUntil"] == permit.valid_until.isoformat()
    assert (
        found["renewalDeadline"]
        == renewal_deadline(permit.valid_until, permit.decision_date).date.isoformat()
    )
    assert found["enterprise"]["__typename"] == "Enterprise"
    assert (found["enterprise"]["technicalLead"], found["enterprise"]["contactPhone"]) == PERSONAL
    assert [o["code"] for o in found["outlets"]] == ["DA001", "DW001", "MF0001"]
    stack, water, coal_yard = found["outlets"]
    assert (stack["medium"], stack["kind"], stack["heightM"], stack["onlineMonitoring"]) == (
        "AIR",
        "MAIN",
        80.0,
        True,
    )
    assert stack["pollutants"][0] == {
        "code": "SO2",
        "name": "二氧化硫",
        "concentrationLimit": 35.0,
        "unit": "mg/m3",
        "annualQuantityLimit": 120.5,
        "standard": "GB 13223-2011",
    }
    assert [p["code"] for p in stack["pollutants"]] == ["SO2", "NOX", "PM"]
    assert stack["monitoring"] == [
        {"pollutant": "SO2", "frequency": "CONTINUOUS", "method": "AUTOMATIC"},
        {"pollutant": "NOX", "frequency": "CONTINUOUS", "method": "AUTOMATIC"},
    ]
    assert water["monitoring"] == [{"pollutant": "COD", "frequency": "QUARTERLY", "method": "MANUAL"}]
    assert coal_yard["isFugitive"] is True and coal_yard["medium"] is None
    assert [p["code"] for p in coal_yard["pollutants"]] == ["PM"]
    assert found["ledgerRequirements"] == [
        {"kind": "PRODUCTION_FACILITY", "frequency": "DAILY"},
        {"kind": "MONITORING", "frequency": "HOURLY"},
    ]
    assert found["reportKinds"] == ["QUARTERLY", "ANNUAL"]
    assert found["products"] == [{"name": "电力", "capacity": "50 MW"}]  # secret to the public only
    assert found["secretSections"] == ["PRODUCTS"]
    assert [v["version"] for v in found["versions"]] == [1]
    assert found["events"][0]["kind"] == "issued"
    assert found["events"][0]["note"] == "自全国排污许可证管理信息平台导入"
    assert found["openApplication"] is None


async def test_an_anonymous_caller_never_sees_secret_sections_personal_data_or_history(client, session):
    content = permit_content(secret_sections=["products", "control_facilities"])
    permit = await make_permit(session, decision_date=years_ago(1), content=content)
    # A renewal in progress: its filing is not announced, and applications are not public.
    await submit_application(
        session, operator(), data=ApplicationInput(kind="renewal", permit_number=permit.number)
    )
    await session.flush()

    one = await graphql(client, PERMIT, {"number": permit.number})
    listed = await graphql(client, PERMITS, {"first": 10})
    outlet = await graphql(client, OUTLET, {"number": permit.number, "code": "DA001"})

    found = one.json()["data"]["permit"]
    assert found["number"] == permit.number and found["status"] == "ISSUED"
    assert found["products"] is None and found["controlFacilities"] is None
    assert found["productionFacilities"] == [{"name": "1#燃煤锅炉", "capacity": "220 t/h"}]
    assert found["secretSections"] == ["PRODUCTS", "CONTROL_FACILITIES"]
    assert found["enterprise"]["__typename"] == "EnterprisePublic"
    assert found["versions"] is None and found["openApplication"] is None
    assert [e["kind"] for e in found["events"]] == ["issued"]  # not the renewal application
    assert [p["code"] for p in found["outlets"][0]["pollutants"]] == ["SO2", "NOX", "PM"]  # permitted items
    assert [e["node"]["number"] for e in listed.json()["data"]["permits"]["edges"]] == [permit.number]
    assert outlet.json()["data"]["outlet"]["permit"]["products"] is None
    assert outlet.json()["data"]["outlet"]["permit"]["versions"] is None
    for response in (one, listed, outlet):
        text = response.text
        for secret in ("电力", "50 MW", "石灰石-石膏湿法脱硫", *PERSONAL, "technicalLead", "application."):
            assert secret not in text, (secret, text)


async def test_a_regulator_of_another_region_sees_only_the_public_part(client, session):
    permit = await make_permit(session, decision_date=years_ago(1))
    token = await regulator_token(session, region_code="370102")

    found = (await graphql_data(client, PERMIT, {"number": permit.number}, token=token))["permit"]

    assert found["enterprise"]["__typename"] == "EnterprisePublic"
    assert found["products"] is None and found["versions"] is None


async def test_the_public_list_holds_only_permits_that_have_a_number(client, session):
    issued = await make_permit(session, decision_date=years_ago(1))
    applicant = await make_enterprise(session)
    await submit_application(
        session,
        operator(),
        data=ApplicationInput(
            kind="first",
            enterprise_credit_code=applicant.credit_code,
            category="key",
            issuing_authority="上海市普陀区生态环境局",
            content=permit_content(),
        ),
    )
    await session.flush()
    token = await regulator_token(session)

    public = (await graphql_data(client, PERMITS, {"first": 10}))["permits"]
    regulator = (await graphql_data(client, PERMITS, {"first": 10}, token=token))["permits"]

    assert public["totalCount"] == 1
    assert [e["node"]["number"] for e in public["edges"]] == [issued.number]
    assert regulator["totalCount"] == 2
    pending = next(e["node"] for e in regulator["edges"] if e["node"]["number"] is None)
    assert pending["status"] == "APPLIED" and pending["openApplication"]["status"] == "SUBMITTED"
    assert pending["openApplication"]["overdue"] is False


async def test_enterprise_users_list_only_their_own_permits(client, session):
    mine = await make_permit(session, decision_date=years_ago(1))
    await make_permit(session, decision_date=years_ago(1))
    staff = await make_user(
        session, "enterprise_staff", enterprise=await session.get(Enterprise, mine.enterprise_id)
    )
    token = await bearer_token(session, staff)

    listed = (await graphql_data(client, PERMITS, {"first": 10}, token=token))["permits"]

    assert [e["node"]["number"] for e in listed["edges"]] == [mine.number]
    assert listed["edges"][0]["node"]["enterprise"]["__typename"] == "Enterprise"


async def test_the_status_filter_finds_expired_permits(client, session):
    expired = await make_permit(session, decision_date=years_ago(6))
    current = await make_permit(session, decision_date=years_ago(1))
    token = await regulator_token(session)

    async def numbers(status: str) -> list[str]:
        data = await graphql_data(client, PERMITS, {"first": 10, "filter": {"status": status}}, token=token)
        return [(e["node"]["number"], e["node"]["status"]) for e in data["permits"]["edges"]]

    assert await numbers("EXPIRED") == [(expired.number, "EXPIRED")]
    assert await numbers("ISSUED") == [(current.number, "ISSUED")]
    anonymous = await graphql_data(client, PERMITS, {"first": 10, "filter": {"status": "EXPIRED"}})
    assert [e["node"]["number"] for e in anonymous["permits"]["edges"]] == [expired.number]


async def test_late_renewals_are_listed(client, session):
    late = await make_permit(session, decision_date=years_ago(5, plus_days=20))  # expires in ~19 days
    await make_permit(session, decision_date=years_ago(1))
    token = await regulator_token(session)

    data = await graphql_data(
        client, PERMITS, {"first": 10, "filter": {"renewalDeadlinePassed": True}}, token=token
    )
    expiring = await graphql_data(
        client, PERMITS, {"first": 10, "filter": {"expiringWithinDays": 60}}, token=token
    )

    assert [e["node"]["number"] for e in data["permits"]["edges"]] == [late.number]
    assert [e["node"]["number"] for e in expiring["permits"]["edges"]] == [late.number]


@pytest.mark.parametrize(
    ("variables", "field", "code"),
    [
        ({"first": 10, "after": "not a cursor"}, "after", "cursor"),
        ({"first": 500}, "first", "page_size"),
        ({"first": 10, "filter": {"expiringWithinDays": -1}}, "expiringWithinDays", "range"),
    ],
)
async def test_permits_names_the_bad_argument(client, session, variables, field, code):
    body = (await graphql(client, PERMITS, variables)).json()

    assert body["data"] is None
    assert (body["errors"][0]["extensions"]["field"], body["errors"][0]["extensions"]["code"]) == (
        field,
        code,
    )


LEGAL = """
query($number: String!) { permit(number: $number) {
  validUntil validityYears renewalDeadline renewalDeadlineApproximate warnings
  validityBasis { article ruleSet ruleSetName }
  renewalDeadlineBasis { article ruleSet ruleSetName days workingDays }
  openApplication {
    decisionDue decisionDueApproximate warnings
    decisionDueBasis { article ruleSet days workingDays }
  }
} }"""
ENGLISH = {"Accept-Language": "en"}


async def test_a_permit_issued_in_2025_shows_five_years_and_renewal_60_days_before_expiry_with_its_article(
    client, session
):
    permit = await make_permit(session, decision_date="2025-04-01")
    found = (await graphql_data(client, LEGAL, {"number": permit.number}, headers=ENGLISH))["permit"]
    assert (found["validUntil"], found["validityYears"]) == ("2030-03-31", 5)
    assert (found["renewalDeadline"], found["renewalDeadlineApproximate"]) == ("2030-01-30", False)
    assert found["renewalDeadlineBasis"] == {
        "article": "Regulation 2021 art. 14",
        "ruleSet": "o32",
        "ruleSetName": "Regulation 2021 with MEE Order 32 (2024)",
        "days": 60,
        "workingDays": False,
    }
    assert found["validityBasis"]["article"] == "Regulation 2021 art. 14"
    chinese = (await graphql_data(client, LEGAL, {"number": permit.number}))["permit"]
    assert chinese["renewalDeadlineBasis"]["article"] == "《排污许可管理条例》第十四条"


async def test_a_permit_issued_in_2019_keeps_its_trial_measures_terms(client, session):
    permit = await make_permit(session, decision_date="2019-03-16")
    found = (await graphql_data(client, LEGAL, {"number": permit.number}, headers=ENGLISH))["permit"]
    assert (found["validUntil"], found["validityYears"], found["renewalDeadline"]) == (
        "2022-03-15",
        3,
        "2022-01-27",
    )
    assert found["renewalDeadlineBasis"]["article"] == "Trial Measures 2018 art. 46"
    assert (found["renewalDeadlineBasis"]["days"], found["renewalDeadlineBasis"]["workingDays"]) == (30, True)
    assert found["validityBasis"]["article"] == "Trial Measures 2018 art. 21"


async def test_application_deadlines_in_a_year_without_holiday_data_say_they_are_approximate(client, session):
    permit = await make_permit(session, decision_date=years_ago(1))
    application = await submit_application(
        session, operator(), data=ApplicationInput(kind="renewal", permit_number=permit.number)
    )
    await accept_application(session, operator(), application_id=application.id)
    application.received_on, application.accepted_on = date(2028, 1, 21), date(2028, 1, 24)
    due = law.decision_due(application.received_on, application.accepted_on, "renewal", "key")
    application.decision_due, application.decision_due_approximate = due.date, due.approximate
    session.add(application)
    await session.flush()
    assert not is_covered(2028)

    token = await regulator_token(session)
    found = (await graphql_data(client, LEGAL, {"number": permit.number}, headers=ENGLISH, token=token))[
        "permit"
    ]
    chinese = (await graphql_data(client, LEGAL, {"number": permit.number}, token=token))["permit"]

    opened = found["openApplication"]
    assert (opened["decisionDue"], opened["decisionDueApproximate"]) == (due.date.isoformat(), True)
    assert opened["decisionDueBasis"] == {
        "article": "Regulation 2021 art. 14",
        "ruleSet": "o32",
        "days": 20,
        "workingDays": True,
    }
    assert len(opened["warnings"]) == 1 and opened["warnings"][0].startswith("Holiday data for 2028")
    assert "法定节假日" in chinese["openApplication"]["warnings"][0]
    assert found["renewalDeadlineApproximate"] is False and found["warnings"] == []


async def test_an_outlet_is_found_by_permit_number_and_code(client, session):
    permit = await make_permit(session, decision_date=years_ago(1))

    water = (await graphql_data(client, OUTLET, {"number": permit.number.lower(), "code": "dw001"}))["outlet"]
    missing = (await graphql_data(client, OUTLET, {"number": permit.number, "code": "DW009"}))["outlet"]
    english = (
        await graphql_data(
            client, OUTLET, {"number": permit.number, "code": "DW001"}, headers={"Accept-Language": "en"}
        )
    )["outlet"]

    assert (water["code"], water["medium"], water["isFugitive"]) == ("DW001", "WATER", False)
    assert water["pollutants"] == [
        {"code": "COD", "name": "化学需氧量", "concentrationLimit": 500.0, "unit": "mg/L"}
    ]
    assert water["permit"]["number"] == permit.number
    assert english["pollutants"][0]["name"] == "Chemical oxygen demand"
    assert missing is None


async def test_an_unknown_number_gives_null(client, session):
    data = await graphql_data(client, PERMIT, {"number": "91310107MA0000000X001P"})

    assert data == {"permit": None}


async def statements_of(client, db, query, variables, token):  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def remember(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", remember)
    try:
        data = await graphql_data(client, query, variables, token=token)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", remember)
    return data, statements


async def test_a_page_of_permits_costs_the_same_statements_whatever_its_size(client, session, db):
    enterprises = [await make_enterprise(session) for _ in range(12)]
    await import_permits(
        session, operator(), records=[permit_record(e, decision_date=years_ago(1)) for e in enterprises]
    )
    await session.flush()
    token = await regulator_token(session)
    query = PERMITS
    await graphql_data(client, query, {"first": 1}, token=token)  # the token's first use is recorded once

    small, few = await statements_of(client, db, query, {"first": 5}, token)
    large, many = await statements_of(client, db, query, {"first": 50}, token)

    assert len(small["permits"]["edges"]) == 5 and len(large["permits"]["edges"]) == 12
    assert all(len(e["node"]["outlets"][0]["pollutants"]) == 3 for e in large["permits"]["edges"])
    assert len(many) == len(few), many
    assert not any("FROM enterprise" in s and "JOIN" not in s for s in many)  # the list's join serves it


ORDER = (
    "query($first: Int!, $after: String) { permits(first: $first, after: $after) {"
    " pageInfo { hasNextPage endCursor } edges { node { number validUntil } } } }"
)
COUNTED_IN_A_FRAGMENT = (
    "query { permits(first: 1) { ...counted edges { node { number } } } }"
    " fragment counted on PermitConnection { totalCount }"
)


async def test_the_list_pages_by_expiry_with_permits_not_yet_issued_last_and_counts_only_when_asked(
    client, session, db
):
    later = await make_permit(session, decision_date=years_ago(1))
    sooner = await make_permit(session, decision_date=years_ago(2))
    applicant = await make_enterprise(session)
    await submit_application(
        session,
        operator(),
        data=ApplicationInput(
            kind="first",
            enterprise_credit_code=applicant.credit_code,
            category="key",
            issuing_authority="上海市普陀区生态环境局",
            content=permit_content(),
        ),
    )
    await session.flush()
    token = await regulator_token(session)

    seen, cursor = [], None
    for _ in range(3):
        page = (await graphql_data(client, ORDER, {"first": 1, "after": cursor}, token=token))["permits"]
        seen += [edge["node"]["number"] for edge in page["edges"]]
        cursor = page["pageInfo"]["endCursor"]
    assert seen == [sooner.number, later.number, None]  # by expiry; the application, without one, last
    assert page["pageInfo"]["hasNextPage"] is False

    _data, uncounted = await statements_of(client, db, ORDER, {"first": 5}, token)
    counted, statements = await statements_of(client, db, COUNTED_IN_A_FRAGMENT, {}, token)
    assert not any("count(" in statement.lower() for statement in uncounted)
    assert counted["permits"]["totalCount"] == 3
    assert any("count(" in statement.lower() for statement in statements)
