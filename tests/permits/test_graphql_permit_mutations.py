"""GraphQL: the permit lifecycle and the import; a refusal names its field and writes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.audit.models import AuditEntry
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.permits.models import (
    Permit,
    PermitApplication,
    PermitEvent,
    PermitLimit,
    PermitOutlet,
    PermitVersion,
)
from tests.factories import make_enterprise, make_permit, make_user, permit_content, permit_record
from tests.graphql_helpers import bearer_token, count, graphql_data

APPLICATION = """
  id kind status receivedOn acceptDue acceptedOn decisionDue extended decidedOn issueDue overdue reason
  permit { number status }
"""
APPLY = (
    "mutation($input: ApplyForPermitInput!) { applyForPermit(input: $input) {"
    " application {" + APPLICATION + "} errors { field code message } } }"
)
ACCEPT = (
    "mutation($id: ID!) { acceptPermitApplication(id: $id) {"
    " application {" + APPLICATION + "} errors { field code message } } }"
)
REJECT = (
    "mutation($id: ID!, $reason: String!) { rejectPermitApplication(id: $id, reason: $reason) {"
    " application {" + APPLICATION + "} errors { field code message } } }"
)
EXTEND = (
    "mutation($id: ID!, $reason: String!) { extendPermitDecision(id: $id, reason: $reason) {"
    " application {" + APPLICATION + "} errors { field code message } } }"
)
GRANT = (
    "mutation($id: ID!, $number: String, $cutTo: Date, $cutReason: String) {"
    " grantPermit(applicationId: $id, number: $number,"
    " validityCutTo: $cutTo, validityCutReason: $cutReason) {"
    " application {" + APPLICATION + "} errors { field code message } } }"
)
REFUSE = (
    "mutation($id: ID!, $reason: String!) { refusePermit(applicationId: $id, reason: $reason) {"
    " application {" + APPLICATION + "} errors { field code message } } }"
)
PERMIT = """
  number status validFrom validUntil renewed contentVersion
  outlets { code pollutants { code concentrationLimit } }
  events { kind }
  openApplication { id kind status }
"""
ISSUE = (
    "mutation($id: ID!) { issuePermit(applicationId: $id) { permit {"
    + PERMIT
    + "} errors { field code message } } }"
)
CHANGE = (
    "mutation($input: ChangePermitInput!) { changePermit(input: $input) {"
    " application {" + APPLICATION + "} errors { field code message } } }"
)
RENEW = (
    "mutation($input: RenewPermitInput!) { renewPermit(input: $input) {"
    " application {" + APPLICATION + "} errors { field code message } } }"
)
REPLACE = (
    "mutation($input: ReplacePermitInput!) { replacePermit(input: $input) {"
    " application {" + APPLICATION + "} errors { field code message } } }"
)
REVOKE = (
    "mutation($number: String!, $reason: String!) { revokePermit(number: $number, reason: $reason) {"
    " permit {" + PERMIT + "} errors { field code message } } }"
)
CANCEL = (
    "mutation($number: String!, $reason: CancellationReason!, $note: String!) {"
    " cancelPermit(number: $number, reason: $reason, note: $note) {"
    " permit {" + PERMIT + "} errors { field code message } } }"
)
IMPORT = (
    "mutation($records: JSON!) { importPermits(records: $records) {"
    " permits { number status validUntil outlets { code } } errors { field code message } } }"
)


def years_ago(years: int, plus_days: int = 0) -> str:
    day = today()
    return (day.replace(year=day.year - years) + timedelta(days=plus_days)).isoformat()


def camel_content() -> dict[str, Any]:
    """The factory's content as an integrator would send it: camelCase keys."""
    content = permit_content()
    stack = content["outlets"][0]
    stack["heightM"] = stack.pop("height_m")
    stack["onlineMonitoring"] = stack.pop("online_monitoring")
    for limit in stack["limits"]:
        limit["concentrationLimit"] = limit.pop("concentration_limit")
        if "annual_quantity_limit" in limit:
            limit["annualQuantityLimit"] = limit.pop("annual_quantity_limit")
    content["fugitiveSources"] = content.pop("fugitive_sources")
    content["ledgerRecords"] = content.pop("ledger_records")
    content["reportKinds"] = content.pop("report_kinds")
    content["secretSections"] = ["products"]
    del content["secret_sections"]
    return content


async def written(session) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    """Everything a permit use case writes: a refused mutation must leave it untouched."""
    return tuple(
        [
            await count(session, model)
            for model in (
                Permit,
                PermitApplication,
                PermitVersion,
                PermitOutlet,
                PermitLimit,
                PermitEvent,
                AuditEntry,
            )
        ]
    )


async def officer_token(session, region_code: str = "310107", role: str = "permitting") -> str:  # type: ignore[no-untyped-def]
    return await bearer_token(session, await make_user(session, role, region_code=region_code))


async def applicant_token(session, enterprise: Enterprise, role: str = "enterprise_admin") -> str:  # type: ignore[no-untyped-def]
    return await bearer_token(session, await make_user(session, role, enterprise=enterprise))


async def apply(  # type: ignore[no-untyped-def]
    client, session, enterprise: Enterprise, token: str | None = None, **overrides: Any
) -> dict[str, Any]:
    token = token or await applicant_token(session, enterprise)
    values = {
        "enterpriseCreditCode": enterprise.credit_code,
        "category": "KEY",
        "issuingAuthority": "上海市普陀区生态环境局",
        "content": camel_content(),
    }
    values.update(overrides)
    return (await graphql_data(client, APPLY, {"input": values}, token=token))["applyForPermit"]


async def test_a_first_permit_goes_from_application_to_issue(client, session):
    enterprise = await make_enterprise(session)
    officer = await officer_token(session)
    number = enterprise.credit_code + "001P"

    applied = await apply(client, session, enterprise)
    application = applied["application"]
    accepted = (await graphql_data(client, ACCEPT, {"id": application["id"]}, token=officer))[
        "acceptPermitApplication"
    ]
    granted = (await graphql_data(client, GRANT, {"id": application["id"], "number": number}, token=officer))[
        "grantPermit"
    ]
    issued = (await graphql_data(client, ISSUE, {"id": application["id"]}, token=officer))["issuePermit"]

    assert applied["errors"] == []
    assert (application["kind"], application["status"], application["receivedOn"]) == (
        "FIRST",
        "SUBMITTED",
        today().isoformat(),
    )
    assert application["acceptDue"] > application["receivedOn"] and application["overdue"] is False
    assert application["permit"] == {"number": None, "status": "APPLIED"}
    assert accepted["errors"] == [] and accepted["application"]["status"] == "ACCEPTED"
    assert accepted["application"]["decisionDue"] > accepted["application"]["acceptedOn"]
    assert granted["errors"] == [] and granted["application"]["status"] == "GRANTED"
    assert granted["application"]["permit"] == {"number": number, "status": "GRANTED"}
    assert granted["application"]["issueDue"] > granted["application"]["decidedOn"]
    assert issued["errors"] == []
    permit = issued["permit"]
    assert (permit["number"], permit["status"], permit["contentVersion"]) == (number, "ISSUED", 1)
    assert permit["validFrom"] == today().isoformat()
    # Decided today: 5 years (Reg art. 14).
    assert permit["validUntil"] == (today().replace(year=today().year + 5) - timedelta(days=1)).isoformat()
    assert [o["code"] for o in permit["outlets"]] == ["DA001", "DW001", "MF0001"]
    assert permit["outlets"][0]["pollutants"][0] == {"code": "SO2", "concentrationLimit": 35.0}
    assert [e["kind"] for e in permit["events"]][:3] == ["issued", "granted", "accepted"]
    assert permit["openApplication"] is None


async def test_issuing_before_granting_is_refused_and_nothing_is_written(client, session):
    enterprise = await make_enterprise(session)
    officer = await officer_token(session)
    application = (await apply(client, session, enterprise))["application"]
    await graphql_data(client, ACCEPT, {"id": application["id"]}, token=officer)
    before = await written(session)

    payload = (
        await graphql_data(
            client, ISSUE, {"id": application["id"]}, token=officer, headers={"Accept-Language": "en"}
        )
    )["issuePermit"]

    assert payload["permit"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("applicationId", "conflict")]
    assert payload["errors"][0]["message"] == "This application is accepted; that action is not possible now."
    assert await written(session) == before
    stored = await session.get(PermitApplication, int(application["id"]))
    await session.refresh(stored)
    assert stored.status == "accepted"


@pytest.mark.parametrize(
    ("mutation", "variables"),
    [
        (ACCEPT, {}),
        (REJECT, {"reason": "材料不全"}),
        (GRANT, {"number": "X"}),
        (REFUSE, {"reason": "不符合产业政策"}),
    ],
    ids=["accept", "reject", "grant", "refuse"],
)
async def test_enterprise_staff_may_not_decide_on_their_own_application(client, session, mutation, variables):
    enterprise = await make_enterprise(session)
    application = (await apply(client, session, enterprise))["application"]
    staff = await applicant_token(session, enterprise, role="enterprise_staff")
    before = await written(session)

    payload = next(
        iter(
            (
                await graphql_data(client, mutation, {"id": application["id"], **variables}, token=staff)
            ).values()
        )
    )

    assert payload["application"] is None
    assert [e["code"] for e in payload["errors"]] == ["forbidden"]
    assert await written(session) == before


async def test_a_regulator_elsewhere_does_not_find_the_application(client, session):
    enterprise = await make_enterprise(session)
    application = (await apply(client, session, enterprise))["application"]
    outsider = await officer_token(session, region_code="370102")

    payload = (await graphql_data(client, ACCEPT, {"id": application["id"]}, token=outsider))[
        "acceptPermitApplication"
    ]

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("id", "not_found")]


@pytest.mark.parametrize("bad_id", ["abc", "99999999999", "0"])
async def test_an_id_that_names_no_application_is_not_found(client, session, bad_id):
    officer = await officer_token(session)

    payload = (await graphql_data(client, ACCEPT, {"id": bad_id}, token=officer))["acceptPermitApplication"]

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("id", "not_found")]


async def test_bad_content_is_named_by_its_camel_case_path_and_nothing_is_written(client, session):
    enterprise = await make_enterprise(session)
    content = camel_content()
    content["outlets"][0]["limits"][2]["concentrationLimit"] = 0
    content["outlets"][0]["limits"][1]["unit"] = "kg"
    content["fugitiveSources"][0]["code"] = "煤场"
    token = await applicant_token(session, enterprise)
    before = await written(session)

    payload = await apply(client, session, enterprise, token, content=content)

    assert payload["application"] is None
    assert {(e["field"], e["code"]) for e in payload["errors"]} == {
        ("content.outlets[0].limits[2].concentrationLimit", "not_positive"),
        ("content.outlets[0].limits[1].unit", "unit"),
        ("content.fugitiveSources[0].code", "fugitive_code"),
    }
    assert all(e["message"] for e in payload["errors"])
    assert await written(session) == before


async def test_an_anonymous_caller_is_told_to_authenticate(client, session):
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, decision_date=years_ago(1))
    before = await written(session)

    applied = (
        await graphql_data(
            client,
            APPLY,
            {
                "input": {
                    "enterpriseCreditCode": enterprise.credit_code,
                    "issuingAuthority": "普陀区生态环境局",
                    "content": camel_content(),
                }
            },
        )
    )["applyForPermit"]
    revoked = (await graphql_data(client, REVOKE, {"number": permit.number, "reason": "x"}))["revokePermit"]

    assert [e["code"] for e in applied["errors"]] == ["unauthenticated"]
    assert [e["code"] for e in revoked["errors"]] == ["unauthenticated"]
    assert await written(session) == before


async def test_rejection_and_refusal_close_the_application_with_their_reasons(client, session):
    officer = await officer_token(session)
    first = (await apply(client, session, await make_enterprise(session)))["application"]
    second = (await apply(client, session, await make_enterprise(session)))["application"]

    rejected = (await graphql_data(client, REJECT, {"id": first["id"], "reason": "材料不全"}, token=officer))[
        "rejectPermitApplication"
    ]
    await graphql_data(client, ACCEPT, {"id": second["id"]}, token=officer)
    extended = (
        await graphql_data(client, EXTEND, {"id": second["id"], "reason": "需要专家评审"}, token=officer)
    )["extendPermitDecision"]
    again = (await graphql_data(client, EXTEND, {"id": second["id"], "reason": "再次延长"}, token=officer))[
        "extendPermitDecision"
    ]
    refused = (
        await graphql_data(client, REFUSE, {"id": second["id"], "reason": "不符合产业政策"}, token=officer)
    )["refusePermit"]

    assert (
        rejected["application"]["status"] == "NOT_ACCEPTED"
        and rejected["application"]["reason"] == "材料不全"
    )
    assert rejected["application"]["permit"]["status"] == "NOT_ACCEPTED"
    assert extended["application"]["extended"] is True
    assert [(e["field"], e["code"]) for e in again["errors"]] == [("id", "conflict")]
    assert refused["application"]["status"] == "REFUSED"
    assert refused["application"]["permit"] == {"number": None, "status": "REFUSED"}


async def test_a_wrong_permit_number_is_refused_when_granting(client, session):
    officer = await officer_token(session)
    application = (await apply(client, session, await make_enterprise(session)))["application"]
    await graphql_data(client, ACCEPT, {"id": application["id"]}, token=officer)

    payload = (
        await graphql_data(
            client, GRANT, {"id": application["id"], "number": "91350100M000100Y43001P"}, token=officer
        )
    )["grantPermit"]
    cut = (
        await graphql_data(
            client,
            GRANT,
            {
                "id": application["id"],
                "number": None,
                "cutTo": years_ago(0, plus_days=-1),
                "cutReason": "淘汰",
            },
            token=officer,
        )
    )["grantPermit"]

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("number", "permit_number_unit")]
    # Without a number the site's own is taken (M48 §7); only the past phase-out date is wrong.
    assert [e["field"] for e in cut["errors"]] == ["validityCutTo"]


async def test_a_change_keeps_the_validity_and_brings_a_new_version(client, session):
    permit = await make_permit(session, decision_date=years_ago(1))
    officer = await officer_token(session)
    content = camel_content()
    content["outlets"][0]["limits"][0]["concentrationLimit"] = 25
    missing_description = (
        await graphql_data(
            client,
            CHANGE,
            {
                "input": {
                    "permitNumber": permit.number,
                    "kind": "CHANGE_ITEMS",
                    "description": " ",
                    "content": content,
                }
            },
            token=officer,
        )
    )["changePermit"]

    changed = (
        await graphql_data(
            client,
            CHANGE,
            {
                "input": {
                    "permitNumber": permit.number,
                    "kind": "CHANGE_ITEMS",
                    "description": "超低排放改造",
                    "content": content,
                }
            },
            token=officer,
        )
    )["changePermit"]
    application_id = changed["application"]["id"]
    await graphql_data(client, ACCEPT, {"id": application_id}, token=officer)
    await graphql_data(client, GRANT, {"id": application_id}, token=officer)
    issued = (await graphql_data(client, ISSUE, {"id": application_id}, token=officer))["issuePermit"]

    assert [(e["field"], e["code"]) for e in missing_description["errors"]] == [("description", "required")]
    assert changed["application"]["kind"] == "CHANGE_ITEMS"
    assert issued["permit"]["contentVersion"] == 2
    assert issued["permit"]["validUntil"] == permit.valid_until.isoformat()
    assert issued["permit"]["outlets"][0]["pollutants"][0] == {"code": "SO2", "concentrationLimit": 25.0}
    assert issued["permit"]["events"][0]["kind"] == "changed"


LATE_FIELDS = "late windowDue"
RENEW_LATE = (
    "mutation($input: RenewPermitInput!) { renewPermit(input: $input) {"
    " application { kind status " + LATE_FIELDS + " } errors { field code message } } }"
)


async def test_a_late_renewal_is_taken_and_flagged_late(client, session):
    late = await make_permit(session, decision_date=years_ago(5, plus_days=20))
    in_time = await make_permit(session, decision_date=years_ago(2))
    officer = await officer_token(session)

    flagged = (
        await graphql_data(client, RENEW_LATE, {"input": {"permitNumber": late.number}}, token=officer)
    )["renewPermit"]
    renewed = (
        await graphql_data(client, RENEW_LATE, {"input": {"permitNumber": in_time.number}}, token=officer)
    )["renewPermit"]

    assert flagged["errors"] == [] and flagged["application"]["kind"] == "RENEWAL"
    assert flagged["application"]["late"] is True
    assert flagged["application"]["windowDue"] == (late.valid_until - timedelta(days=60)).isoformat()
    assert renewed["errors"] == [] and renewed["application"]["late"] is False


MATERIALS = (
    "mutation($id: ID!, $missing: String!) { requestMissingMaterials(id: $id, missing: $missing) {"
    " application { status completionRequestedOn completionRequest deemedAccepted } errors { field code } } }"
)
SUPPLY = (
    "mutation($id: ID!) { supplyMissingMaterials(id: $id) {"
    " application { status materialsCompletedOn acceptDue acceptDueBasis { days workingDays } }"
    " errors { field code } } }"
)
START_CHANGE = (
    "mutation($number: String!, $description: String!) {"
    " startPermitChange(number: $number, description: $description) {"
    " application { kind status startedByAuthority } errors { field code } } }"
)


async def test_missing_materials_are_requested_and_supplied_through_the_api(client, session):
    enterprise = await make_enterprise(session)
    officer = await officer_token(session)
    applied = await apply(client, session, enterprise)
    application_id = applied["application"]["id"]
    unit = await bearer_token(session, await make_user(session, "enterprise_admin", enterprise=enterprise))

    asked = (
        await graphql_data(client, MATERIALS, {"id": application_id, "missing": "监测方案"}, token=officer)
    )["requestMissingMaterials"]
    again = (await graphql_data(client, MATERIALS, {"id": application_id, "missing": "x"}, token=officer))[
        "requestMissingMaterials"
    ]
    supplied = (await graphql_data(client, SUPPLY, {"id": application_id}, token=unit))[
        "supplyMissingMaterials"
    ]

    assert asked["errors"] == [] and asked["application"]["completionRequest"] == "监测方案"
    assert asked["application"]["deemedAccepted"] is False
    assert [e["field"] for e in again["errors"]] == ["id"]
    assert supplied["errors"] == [] and supplied["application"]["materialsCompletedOn"] == today().isoformat()
    assert supplied["application"]["acceptDueBasis"] == {"days": 3, "workingDays": True}


async def test_the_authority_starts_a_change_through_the_api(client, session):
    permit = await make_permit(session, decision_date=years_ago(1))
    officer = await officer_token(session)
    started = (
        await graphql_data(
            client, START_CHANGE, {"number": permit.number, "description": "排放标准修订"}, token=officer
        )
    )["startPermitChange"]
    assert started["errors"] == []
    assert started["application"] == {
        "kind": "CHANGE_ITEMS",
        "status": "ACCEPTED",
        "startedByAuthority": True,
    }


async def test_a_replacement_needs_a_loss_date_in_the_past(client, session):
    permit = await make_permit(session, decision_date=years_ago(1))
    officer = await officer_token(session)
    future = (today() + timedelta(days=3)).isoformat()

    refused = (
        await graphql_data(
            client, REPLACE, {"input": {"permitNumber": permit.number, "lostOn": future}}, token=officer
        )
    )["replacePermit"]
    accepted = (
        await graphql_data(
            client,
            REPLACE,
            {
                "input": {
                    "permitNumber": permit.number,
                    "lostOn": today().isoformat(),
                    "description": "正本遗失",
                }
            },
            token=officer,
        )
    )["replacePermit"]

    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("lostOn", "future")]
    assert accepted["application"]["kind"] == "REPLACEMENT" and accepted["application"]["status"] == "GRANTED"


async def test_revocation_and_cancellation(client, session):
    revoked_permit = await make_permit(session, decision_date=years_ago(1))
    expired = await make_permit(session, decision_date=years_ago(6))
    current = await make_permit(session, decision_date=years_ago(1))
    officer = await officer_token(session)

    revoked = (
        await graphql_data(
            client, REVOKE, {"number": revoked_permit.number, "reason": "以欺骗手段取得"}, token=officer
        )
    )["revokePermit"]
    not_expired = (
        await graphql_data(
            client,
            CANCEL,
            {"number": current.number, "reason": "EXPIRED_NOT_RENEWED", "note": ""},
            token=officer,
        )
    )["cancelPermit"]
    no_note = (
        await graphql_data(
            client, CANCEL, {"number": current.number, "reason": "OTHER", "note": ""}, token=officer
        )
    )["cancelPermit"]
    cancelled = (
        await graphql_data(
            client,
            CANCEL,
            {"number": expired.number, "reason": "EXPIRED_NOT_RENEWED", "note": ""},
            token=officer,
        )
    )["cancelPermit"]

    assert revoked["permit"]["status"] == "REVOKED" and revoked["permit"]["events"][0]["kind"] == "revoked"
    assert [(e["field"], e["code"]) for e in not_expired["errors"]] == [("reason", "not_expired")]
    assert [(e["field"], e["code"]) for e in no_note["errors"]] == [("note", "required")]
    assert cancelled["permit"]["status"] == "CANCELLED"


async def test_an_ecology_officer_may_not_revoke(client, session):
    permit = await make_permit(session, decision_date=years_ago(1))
    viewer = await officer_token(session, role="ecology")
    before = await written(session)

    payload = (await graphql_data(client, REVOKE, {"number": permit.number, "reason": "越权"}, token=viewer))[
        "revokePermit"
    ]

    assert [e["code"] for e in payload["errors"]] == ["forbidden"]
    assert await written(session) == before


async def test_an_import_with_a_bad_row_names_row_and_field_and_writes_nothing(client, session):
    good = await make_enterprise(session)
    other = await make_enterprise(session)
    officer = await officer_token(session)
    bad_content = camel_content()
    bad_content["outlets"][1]["limits"][0]["unit"] = "kg"
    bad_content["outlets"][0]["limits"][2]["concentrationLimit"] = "much"
    first = permit_record(good, decision_date=years_ago(1))
    second = {
        "number": f"{other.credit_code}001P",
        "enterpriseCreditCode": other.credit_code,
        "category": "key",
        "issuingAuthority": "上海市普陀区生态环境局",
        "decisionDate": (today() + timedelta(days=30)).isoformat(),
        "content": bad_content,
    }
    before = await written(session)

    payload = (await graphql_data(client, IMPORT, {"records": [first, second]}, token=officer))[
        "importPermits"
    ]

    assert payload["permits"] == []
    assert {(e["field"], e["code"]) for e in payload["errors"]} == {
        ("rows[2].decisionDate", "future"),
        ("rows[2].content.outlets[1].limits[0].unit", "unit"),
        ("rows[2].content.outlets[0].limits[2].concentrationLimit", "type"),
    }
    assert await written(session) == before


async def test_a_good_import_returns_the_permits(client, session):
    enterprise = await make_enterprise(session)
    officer = await officer_token(session)

    payload = (
        await graphql_data(
            client,
            IMPORT,
            {"records": [permit_record(enterprise, decision_date=years_ago(1))]},
            token=officer,
        )
    )["importPermits"]

    assert payload["errors"] == []
    assert [(p["number"], p["status"]) for p in payload["permits"]] == [
        (f"{enterprise.credit_code}001P", "ISSUED")
    ]
    assert [o["code"] for o in payload["permits"][0]["outlets"]] == ["DA001", "DW001", "MF0001"]


async def test_only_regulators_import(client, session):
    enterprise = await make_enterprise(session)
    staff = await applicant_token(session, enterprise)

    payload = (
        await graphql_data(
            client, IMPORT, {"records": [permit_record(enterprise, decision_date=years_ago(1))]}, token=staff
        )
    )["importPermits"]

    assert [e["code"] for e in payload["errors"]] == ["forbidden"]
