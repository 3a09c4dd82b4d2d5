"""The same agency operations through both faces, a portal form post and a GraphQL mutation: accepted or
refused alike, with the same error codes on the same fields, and the same rows written (issue 14: one use
case per operation; where the faces disagreed, the stricter rule holds for both)."""

from __future__ import annotations

from base64 import b64encode
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import col, func, select

from domain.agencies.models import Agency, AgencyAuthorisation, CreditEvent
from domain.clock import today
from tests.agencies.test_portal_agencies import PNG, agency_readings, authorise, make_agency
from tests.faces import Outcome, graphql_outcome, portal_outcome
from tests.factories import credit_code, make_enterprise, make_user
from tests.graphql_helpers import bearer_token, graphql_data
from tests.portal_helpers import csrf_token, log_in

AUTHORIZE = """
mutation($input: AuthorizeAgencyInput!) {
  authorizeAgency(input: $input) { authorization { id } errors { field code } }
}"""
REVOKE = """
mutation($id: ID!, $reason: String!) {
  revokeAgencyAuthorization(id: $id, reason: $reason) { authorization { state } errors { field code } }
}"""
REVIEW = {
    "approve": "mutation($code: String!) { approveAgency(creditCode: $code) "
    "{ agency { status } errors { field code } } }",
    **{
        decision: "mutation($code: String!, $reason: String!) { "
        + f"{decision}Agency(creditCode: $code, reason: $reason) "
        + "{ agency { status } errors { field code } } }"
        for decision in ("reject", "suspend")
    },
}
RECORD = """
mutation($code: String!, $kind: CreditEventKind!, $note: String!, $source: String!,
         $evidenceKind: CreditEvidenceKind, $evidenceId: String!) {
  recordAgencyCreditEvent(creditCode: $code, kind: $kind, note: $note, sourceId: $source,
                          evidenceKind: $evidenceKind, evidenceId: $evidenceId) {
    event { kind } errors { field code }
  }
}"""
REGISTER = """
mutation($input: RegisterAgencyInput!) {
  registerAgency(input: $input) { agency { creditCode } errors { field code } }
}"""


@pytest.fixture
async def api(app):  # type: ignore[no-untyped-def]
    """A second client, for the API: no portal cookie."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.8", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def count(session, model, *conditions) -> int:  # type: ignore[no-untyped-def]
    return int((await session.exec(select(func.count()).select_from(model).where(*conditions))).one())


async def portal_post(client, path: str, data: dict[str, Any], *, page: str, files=None):  # type: ignore[no-untyped-def]
    token = await csrf_token(client, page)
    return await client.post(path, data={**data, "csrf_token": token}, files=files)


def same(portal: Outcome, graphql: Outcome, expected: Outcome) -> None:
    assert portal == graphql == expected, f"portal {portal}, GraphQL {graphql}, expected {expected}"


def refused(*errors: tuple[str | None, str]) -> Outcome:
    return Outcome(False, frozenset(errors))


ACCEPTED = Outcome(True, frozenset())


# ---------------------------------------------------------------------------
# Authorising an agency
# ---------------------------------------------------------------------------


@dataclass
class Authorisation:
    """One authorisation as a person would fill it in, sent through either face."""

    scopes: list[str] = field(default_factory=lambda: ["ledger"])
    valid_from: str = field(default_factory=lambda: (today() - timedelta(days=1)).isoformat())
    valid_until: str = field(default_factory=lambda: (today() + timedelta(days=90)).isoformat())
    contract_number: str = "HT-2026-01"
    file: tuple[str, bytes] | None = None
    agency: str = ""  # credit code; the approved agency's when empty

    def form(self, code: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
        data = {
            "agency_credit_code": self.agency or code,
            "scopes": self.scopes,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
            "contract_number": self.contract_number,
        }
        files = (
            {"contract_file": (self.file[0], self.file[1], "application/octet-stream")} if self.file else None
        )
        return data, files

    def variables(self, code: str) -> dict[str, Any]:
        values: dict[str, Any] = {
            "agencyCreditCode": self.agency or code,
            "scopes": [scope.upper() for scope in self.scopes],
            "validFrom": self.valid_from or None,
            "validUntil": self.valid_until or None,
            "contractNumber": self.contract_number,
        }
        if self.file:
            values["contractFile"] = {
                "fileName": self.file[0],
                "contentBase64": b64encode(self.file[1]).decode(),
            }
        return {"input": values}


AUTHORISATION_CASES = {
    "a contract scan that is not what its name says": (
        Authorisation(file=("contract.pdf", PNG)),
        refused(("contract_file", "file_type")),
    ),
    "a contract scan of another type": (
        Authorisation(file=("contract.docx", b"PK\x03\x04 a word file")),
        refused(("contract_file", "file_type")),
    ),
    "a contract number longer than its column (once cut to 64)": (
        Authorisation(contract_number="HT-" + "9" * 62),
        refused(("contract_number", "too_long")),
    ),
    "nothing but the agency": (
        Authorisation(scopes=[], valid_from="", valid_until="", contract_number=" "),
        refused(
            ("scopes", "choice"),
            ("valid_from", "required"),
            ("valid_until", "required"),
            ("contract_number", "required"),
        ),
    ),
    "a window that ends before it starts": (
        Authorisation(valid_from=today().isoformat(), valid_until=(today() - timedelta(days=1)).isoformat()),
        refused(("valid_until", "end_before_start")),
    ),
    "a scope the agency does not offer": (
        Authorisation(scopes=["facility_operation"]),
        refused(("scopes", "not_offered")),
    ),
    "an agency that is not approved": (
        Authorisation(agency="pending"),
        refused(("agency_credit_code", "agency_not_approved")),
    ),
    "an unknown agency and a bad scan at once": (
        Authorisation(agency="91310000MA1FL0000X", file=("c.png", b"not a png")),
        refused(("agency_credit_code", "not_found"), ("contract_file", "file_type")),
    ),
    "a proper authorisation with its scan": (
        Authorisation(scopes=["ledger", "self_monitoring"], file=("合同.png", PNG)),
        ACCEPTED,
    ),
}


@pytest.mark.parametrize("case", list(AUTHORISATION_CASES))
async def test_authorising_an_agency_is_decided_alike_through_both_faces(client, api, session, case):  # type: ignore[no-untyped-def]
    authorisation, expected = AUTHORISATION_CASES[case]
    agency, _clerk = await make_agency(session)
    pending, _ = await make_agency(session, status="pending")
    if authorisation.agency == "pending":
        authorisation.agency = pending.credit_code
    enterprise = await make_enterprise(session)
    admin = await make_user(session, "enterprise_admin", enterprise=enterprise)
    await log_in(client, admin.username)
    token = await bearer_token(session, admin)

    before = await count(session, AgencyAuthorisation)
    data, files = authorisation.form(agency.credit_code)
    portal = portal_outcome(
        await portal_post(
            client, "/agencies/authorisations", data, page="/agencies/authorisations", files=files
        )
    )
    written_by_portal = await count(session, AgencyAuthorisation) - before
    payload = await graphql_data(api, AUTHORIZE, authorisation.variables(agency.credit_code), token=token)
    graphql = graphql_outcome(payload["authorizeAgency"])
    written_by_graphql = await count(session, AgencyAuthorisation) - before - written_by_portal

    same(portal, graphql, expected)
    assert written_by_portal == written_by_graphql == (1 if expected.accepted else 0)
    if expected.accepted and authorisation.file:
        scans = (await session.exec(select(AgencyAuthorisation.contract_file_name))).all()
        assert scans == [authorisation.file[0]] * 2


async def test_a_unit_user_who_is_not_its_administrator_authorises_through_neither_face(client, api, session):  # type: ignore[no-untyped-def]
    agency, _clerk = await make_agency(session)
    enterprise = await make_enterprise(session)
    staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
    await log_in(client, staff.username)
    data, _files = Authorisation().form(agency.credit_code)
    token = await csrf_token(client, "/agencies/authorisations")
    portal = portal_outcome(await client.post("/agencies/authorisations", data={**data, "csrf_token": token}))
    payload = await graphql_data(
        api,
        AUTHORIZE,
        Authorisation().variables(agency.credit_code),
        token=await bearer_token(session, staff),
    )
    same(portal, graphql_outcome(payload["authorizeAgency"]), refused((None, "forbidden")))
    assert await count(session, AgencyAuthorisation) == 0


async def test_a_contract_scan_sent_to_the_api_must_be_base64_and_nothing_is_written(api, session):  # type: ignore[no-untyped-def]
    agency, _clerk = await make_agency(session)
    enterprise = await make_enterprise(session)
    admin = await make_user(session, "enterprise_admin", enterprise=enterprise)
    variables = Authorisation(contract_number="").variables(agency.credit_code)
    variables["input"]["contractFile"] = {"fileName": "c.pdf", "contentBase64": "%%% not base64"}
    payload = await graphql_data(api, AUTHORIZE, variables, token=await bearer_token(session, admin))
    assert graphql_outcome(payload["authorizeAgency"]) == refused(
        ("contract_file", "base64"), ("contract_number", "required")
    )
    variables["input"]["contractNumber"] = "HT-1"  # only the file is wrong: still nothing written
    payload = await graphql_data(api, AUTHORIZE, variables, token=await bearer_token(session, admin))
    assert graphql_outcome(payload["authorizeAgency"]) == refused(("contract_file", "base64"))
    assert await count(session, AgencyAuthorisation) == 0


# ---------------------------------------------------------------------------
# Revoking an authorisation
# ---------------------------------------------------------------------------

REVOKE_CASES = {
    "someone else's authorisation": ("other", "合同终止", refused((None, "not_found"))),
    "a reason longer than its column (once cut to 500)": ("own", "理" * 501, refused(("reason", "too_long"))),
    "no reason (optional)": ("own", "", ACCEPTED),
    "a reason": ("own", "合同终止", ACCEPTED),
}


@pytest.mark.parametrize("case", list(REVOKE_CASES))
async def test_revoking_an_authorisation_is_decided_alike_through_both_faces(client, api, session, case):  # type: ignore[no-untyped-def]
    whose, reason, expected = REVOKE_CASES[case]
    agency, _clerk = await make_agency(session)
    enterprise, other = await make_enterprise(session), await make_enterprise(session)
    admin = await make_user(session, "enterprise_admin", enterprise=enterprise)
    unit = enterprise if whose == "own" else other
    # one authorisation per face, so that each face has one to revoke
    targets = [await authorise(session, unit, agency, ["ledger"]) for _ in range(2)]
    await log_in(client, admin.username)

    portal = portal_outcome(
        await portal_post(
            client,
            f"/agencies/authorisations/{targets[0].id}/revoke",
            {"reason": reason},
            page="/agencies/authorisations",
        )
    )
    payload = await graphql_data(
        api, REVOKE, {"id": str(targets[1].id), "reason": reason}, token=await bearer_token(session, admin)
    )
    graphql = graphql_outcome(payload["revokeAgencyAuthorization"], rename={"id": None})

    same(portal, graphql, expected)
    revoked = []
    for target in targets:
        await session.refresh(target)
        revoked.append(target.revoked_at is not None)
    assert revoked == [expected.accepted] * 2
    if expected.accepted:
        assert [t.revoke_reason for t in targets] == [reason] * 2


# ---------------------------------------------------------------------------
# Reviewing an agency
# ---------------------------------------------------------------------------

REVIEW_CASES = {
    "rejecting without a reason": ("pending", "reject", "", refused(("reason", "required"))),
    "suspending with a reason longer than its column (once cut to 1000)": (
        "approved",
        "suspend",
        "查" * 1001,
        refused(("reason", "too_long")),
    ),
    "rejecting an approved agency": ("approved", "reject", "资质不符", refused(("decision", "conflict"))),
    "suspending with a reason": ("approved", "suspend", "弄虚作假线索核查中", ACCEPTED),
    "approving": ("pending", "approve", "", ACCEPTED),
}


@pytest.mark.parametrize("case", list(REVIEW_CASES))
async def test_reviewing_an_agency_is_decided_alike_through_both_faces(client, api, session, case):  # type: ignore[no-untyped-def]
    status, decision, reason, expected = REVIEW_CASES[case]
    agencies = [(await make_agency(session, status=status))[0] for _ in range(2)]
    legal = await make_user(session, "legal", region_code="310107")
    await log_in(client, legal.username)
    portal = portal_outcome(
        await portal_post(
            client,
            f"/agencies/{agencies[0].credit_code}/review",
            {"decision": decision, "reason": reason},
            page=f"/agencies/{agencies[0].credit_code}",
        )
    )
    variables = {"code": agencies[1].credit_code, "reason": reason}
    if decision == "approve":
        del variables["reason"]
    payload = await graphql_data(
        api,
        REVIEW[decision],
        variables,
        token=await bearer_token(session, legal),
    )
    # The mutation is the decision: GraphQL names no field for it.
    graphql = graphql_outcome(payload[f"{decision}Agency"], rename={None: "decision"})

    same(portal, graphql, expected)
    for agency in agencies:
        await session.refresh(agency)
    changed = {"approve": "approved", "reject": "rejected", "suspend": "suspended"}[decision]
    assert [a.status for a in agencies] == [changed if expected.accepted else status] * 2
    if expected.accepted:
        assert [a.status_reason for a in agencies] == [reason] * 2


# ---------------------------------------------------------------------------
# Recording a credit event
# ---------------------------------------------------------------------------

CREDIT_CASES = {
    "no note": ("training_passed", "", "T-1", "", refused(("note", "required"))),
    "a note longer than its column (once cut to 1000)": (
        "training_passed",
        "训" * 1001,
        "T-1",
        "",
        refused(("note", "too_long")),
    ),
    "a certificate number longer than its column (once cut to 64)": (
        "assessment_passed",
        "考核通过",
        "C" * 65,
        "",
        refused(("source_id", "too_long")),
    ),
    "falsified data without evidence": (
        "falsified_data",
        "造假",
        "",
        "",
        refused(("evidence", "evidence_required")),
    ),
    "falsified data on readings the agency never entered": (
        "falsified_data",
        "造假",
        "",
        "readings:NOSUCHPERMIT",
        refused(("evidence", "evidence_not_found")),
    ),
    "training with its certificate": ("training_passed", "年度培训合格", "", "", ACCEPTED),
}


@pytest.mark.parametrize("case", list(CREDIT_CASES))
async def test_recording_a_credit_event_is_decided_alike_through_both_faces(client, api, session, case):  # type: ignore[no-untyped-def]
    kind, note, source, evidence, expected = CREDIT_CASES[case]
    agency, clerk = await make_agency(session)
    await agency_readings(session, agency, clerk)
    enforcement = await make_user(session, "enforcement", region_code="310107")
    await log_in(client, enforcement.username)
    portal = portal_outcome(
        await portal_post(
            client,
            f"/agencies/{agency.credit_code}/credit-events",
            {"kind": kind, "note": note, "source_id": source, "evidence": evidence},
            page=f"/agencies/{agency.credit_code}",
        )
    )
    evidence_kind, _, evidence_id = evidence.partition(":")
    payload = await graphql_data(
        api,
        RECORD,
        {
            "code": agency.credit_code,
            "kind": kind.upper(),
            "note": note,
            "source": source + ("-api" if source and expected.accepted else ""),
            "evidenceKind": evidence_kind.upper() or None,
            "evidenceId": evidence_id,
        },
        token=await bearer_token(session, enforcement),
    )
    same(portal, graphql_outcome(payload["recordAgencyCreditEvent"]), expected)
    recorded = await count(session, CreditEvent, CreditEvent.agency_id == agency.id, CreditEvent.kind == kind)
    assert recorded == (2 if expected.accepted else 0)


# ---------------------------------------------------------------------------
# Registering an agency (anyone)
# ---------------------------------------------------------------------------


def registration_form(**changes: Any) -> dict[str, Any]:
    values = {
        "name": "上海清源检测技术有限公司",
        "credit_code": credit_code(),
        "address": "上海市普陀区真北路100号",
        "region_code": "310107",
        "contact_person": "王芳",
        "contact_phone": "021-52001234",
        "service_types": ["self_monitoring"],
        "qualification": ("检验检测机构资质认定", "CMA-2025-88", "2030-06-30"),
        "staff": ("qingyuan-li", "李强", "qingyuan-password-1"),
    }
    values.update(changes)
    return values


def as_form(values: dict[str, Any]) -> dict[str, Any]:
    qualification, staff = values["qualification"], values["staff"]
    form = {k: v for k, v in values.items() if k not in ("qualification", "staff")}
    form.update(
        qualification_name=[qualification[0]],
        qualification_number=[qualification[1]],
        qualification_valid_until=[qualification[2]],
        staff_username=[staff[0]],
        staff_display_name=[staff[1]],
        staff_password=[staff[2]],
    )
    return form


def as_input(values: dict[str, Any]) -> dict[str, Any]:
    qualification, staff = values["qualification"], values["staff"]
    return {
        "input": {
            "name": values["name"],
            "creditCode": values["credit_code"],
            "address": values["address"],
            "regionCode": values["region_code"],
            "contactPerson": values["contact_person"],
            "contactPhone": values["contact_phone"],
            "serviceTypes": [s.upper() for s in values["service_types"]],
            "qualifications": [
                {"name": qualification[0], "number": qualification[1], "validUntil": qualification[2]}
            ],
            "staff": [{"username": staff[0], "displayName": staff[1], "password": staff[2]}],
        }
    }


REGISTRATION_CASES = {
    "texts longer than their columns (once cut)": (
        {
            "name": "机" * 201,
            "qualification": ("资" * 201, "N" * 65, "2030-06-30"),
            "staff": ("qingyuan-li", "李" * 65, "qingyuan-password-1"),
        },
        refused(
            ("name", "too_long"),
            ("qualifications[0].name", "too_long"),
            ("qualifications[0].number", "too_long"),
            ("staff[0].display_name", "too_long"),
        ),
    ),
    "a bad credit code, no service, a login and a password that will not do": (
        {"credit_code": "91310107MA1G00001X", "service_types": [], "staff": ("Q", "李强", "password123")},
        refused(
            ("credit_code", "credit_code_check"),
            ("service_types", "choice"),
            ("staff[0].username", "username_format"),
            ("staff[0].password", "password_guessable"),
        ),
    ),
    "a proper registration": ({}, ACCEPTED),
}


@pytest.mark.parametrize("case", list(REGISTRATION_CASES))
async def test_registering_an_agency_is_decided_alike_through_both_faces(client, api, session, case):  # type: ignore[no-untyped-def]
    changes, expected = REGISTRATION_CASES[case]
    portal_values = registration_form(**changes)
    graphql_values = registration_form(**changes)
    if expected.accepted:  # two agencies: two credit codes
        graphql_values["credit_code"] = credit_code()
    before = await count(session, Agency)
    response = await portal_post(
        client, "/agencies/register", as_form(portal_values), page="/agencies/register"
    )
    portal = portal_outcome(response)
    written_by_portal = await count(session, Agency) - before
    payload = await graphql_data(api, REGISTER, as_input(graphql_values))
    graphql = graphql_outcome(payload["registerAgency"])
    same(portal, graphql, expected)
    assert written_by_portal == (1 if expected.accepted else 0)
    assert await count(session, Agency) - before == (2 if expected.accepted else 0)
    if expected.accepted:
        names = (await session.exec(select(Agency.name).where(col(Agency.id).is_not(None)))).all()
        assert names.count(portal_values["name"]) == 2
