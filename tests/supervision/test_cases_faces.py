"""Enforcement through both faces: the same cases give the same outcome (accepted or refused, each error's
field and code) through the portal's forms and the API's mutations; the portal walks a lead to a closed
case whose penalty appears on the public list, the permit's page and the outlet's page."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import func, select

from domain.clock import today
from domain.supervision.cases import service
from domain.supervision.cases.models import CaseStep, EnforcementCase, LeadDecision
from domain.supervision.cases.rules import CaseInput
from tests.faces import Outcome, graphql_outcome, portal_outcome
from tests.factories import actor, make_enterprise, make_permit, make_user
from tests.graphql_helpers import bearer_token, graphql_data
from tests.portal_helpers import csrf_from, log_in
from tests.supervision.helpers import make_lead

ERRORS = "errors { field code message }"
OPEN = (
    "mutation($input: OpenEnforcementCaseInput!) { openEnforcementCase(input: $input) {"
    " case { id status } " + ERRORS + " } }"
)
DECIDE = (
    "mutation($id: ID!, $input: DecideEnforcementCaseInput!) {"
    " decideEnforcementCase(caseId: $id, input: $input) {"
    " case { id status penaltyYuan } " + ERRORS + " } }"
)
CLOSE = (
    "mutation($id: ID!, $on: Date!) { closeEnforcementCase(caseId: $id, closedOn: $on) {"
    " case { id status } " + ERRORS + " } }"
)
DISMISS = (
    "mutation($id: ID!, $reason: String!) { dismissEnforcementLead(leadId: $id, reason: $reason) {"
    " dismissed " + ERRORS + " } }"
)
DOCUMENT = (
    "mutation($id: ID!, $input: CaseDocumentInput!) { addCaseDocument(caseId: $id, input: $input) {"
    " case { documents { sha256 } } " + ERRORS + " } }"
)
PDF = b"%PDF-1.4\n% record\n"


@dataclass
class World:
    unit: Any
    permit: Any
    lead_id: int
    case_id: int
    brigade: Any
    ecology: Any
    staff: Any


async def arrange(session) -> World:  # type: ignore[no-untyped-def]
    unit = await make_enterprise(session)
    permit = await make_permit(session, unit)
    brigade = await make_user(session, "enforcement")
    ecology = await make_user(session, "ecology")
    staff = await make_user(session, "enterprise_staff", enterprise=unit)
    lead = await make_lead(session, permit)
    case = await service.open_case(
        session,
        actor(brigade),
        data=CaseInput(
            facts="超标排放",
            legal_basis="《排污许可管理条例》第三十四条",
            classification="against_permit",
            opened_on=today() - timedelta(days=10),
            permit_number=permit.number,
            outlet_code="DA001",
        ),
    )
    await session.flush()
    return World(unit, permit, lead.id or 0, case.id or 0, brigade, ecology, staff)


def api(payload: dict[str, Any]) -> Outcome:
    outcome = graphql_outcome(payload)
    named = set()
    for field, code in outcome.errors:
        if field in ("case_id", "lead_id"):
            field = None if code == "not_found" else field.removesuffix("_id")
        named.add((field, code))
    return Outcome(outcome.accepted, frozenset(named))


async def as_user(client, user) -> str:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    assert (await log_in(client, user.username)).status_code == 303
    return csrf_from((await client.get("/notifications")).text)


async def counts(session) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    return (
        (await session.exec(select(func.count()).select_from(EnforcementCase))).one(),
        (await session.exec(select(func.count()).select_from(CaseStep))).one(),
        (await session.exec(select(func.count()).select_from(LeadDecision))).one(),
    )


def decision(**overrides: Any) -> dict[str, Any]:
    values = {
        "decision": "罚款人民币伍万元",
        "decided_on": today().isoformat(),
        "penalty_yuan": "50000",
        "case_number": "普环罚〔2026〕3号",
    }
    values.update(overrides)
    return values


async def portal_decide(client, session, world, user, values):  # type: ignore[no-untyped-def]
    token = await as_user(client, user)
    return portal_outcome(
        await client.post(f"/cases/{world.case_id}/decide", data={**values, "csrf_token": token})
    )


async def graphql_decide(client, session, world, user, values):  # type: ignore[no-untyped-def]
    variables = {
        "id": str(world.case_id),
        "input": {
            "decision": values["decision"],
            "decidedOn": values["decided_on"],
            "penaltyYuan": values["penalty_yuan"] or None,
            "caseNumber": values["case_number"],
        },
    }
    data = await graphql_data(client, DECIDE, variables, token=await bearer_token(session, user))
    return api(data["decideEnforcementCase"])


DECIDE_CASES = [
    ("the brigade decides with a fine", "brigade", {}, Outcome(True, frozenset())),
    (
        "a fine beyond the bound",
        "brigade",
        {"penalty_yuan": "100000001"},
        Outcome(False, frozenset({("penalty_yuan", "penalty_range")})),
    ),
    (
        "every problem at once",
        "brigade",
        {"decision": "", "decided_on": (today() + timedelta(days=2)).isoformat(), "penalty_yuan": "-3"},
        Outcome(
            False,
            frozenset(
                {("decision", "required"), ("decided_on", "future"), ("penalty_yuan", "penalty_range")}
            ),
        ),
    ),
    ("the ecology section may not decide", "ecology", {}, Outcome(False, frozenset({(None, "forbidden")}))),
    ("the unit may not decide", "staff", {}, Outcome(False, frozenset({(None, "forbidden")}))),
]


@pytest.mark.parametrize(
    ("name", "who", "overrides", "expected"), DECIDE_CASES, ids=[c[0] for c in DECIDE_CASES]
)
async def test_deciding_has_the_same_outcome_through_both_faces(
    name, who, overrides, expected, client, session
):  # type: ignore[no-untyped-def]
    results = []
    for face in (portal_decide, graphql_decide):
        world = await arrange(session)
        before = await counts(session)
        outcome = await face(client, session, world, getattr(world, who), decision(**overrides))
        after = await counts(session)
        results.append((outcome, after[1] - before[1]))
    assert results[0] == results[1], results
    assert results[0] == (expected, 1 if expected.accepted else 0)


async def portal_dismiss(client, session, world, user, reason, lead_id=None):  # type: ignore[no-untyped-def]
    token = await as_user(client, user)
    response = await client.post(
        f"/cases/leads/{lead_id or world.lead_id}/dismiss", data={"reason": reason, "csrf_token": token}
    )
    return portal_outcome(response)


async def graphql_dismiss(client, session, world, user, reason, lead_id=None):  # type: ignore[no-untyped-def]
    variables = {"id": str(lead_id or world.lead_id), "reason": reason}
    data = await graphql_data(client, DISMISS, variables, token=await bearer_token(session, user))
    return api(data["dismissEnforcementLead"])


DISMISS_CASES = [
    ("a lead is dismissed with a reason", "brigade", "核实为笔误", None, Outcome(True, frozenset())),
    ("a reason is required", "brigade", " ", None, Outcome(False, frozenset({("reason", "required")}))),
    (
        "another section never sees the lead",
        "ecology",
        "x",
        None,
        Outcome(False, frozenset({(None, "not_found")})),
    ),
    ("an id past 2^31", "brigade", "x", "2147483648", Outcome(False, frozenset({(None, "not_found")}))),
]


@pytest.mark.parametrize(
    ("name", "who", "reason", "lead", "expected"), DISMISS_CASES, ids=[c[0] for c in DISMISS_CASES]
)
async def test_dismissing_has_the_same_outcome_through_both_faces(
    name, who, reason, lead, expected, client, session
):  # type: ignore[no-untyped-def]
    results = []
    for face in (portal_dismiss, graphql_dismiss):
        world = await arrange(session)
        before = await counts(session)
        outcome = await face(client, session, world, getattr(world, who), reason, lead)
        after = await counts(session)
        results.append((outcome, after[2] - before[2]))
    assert results[0] == results[1], results
    assert results[0] == (expected, 1 if expected.accepted else 0)


async def test_documents_are_checked_alike_through_both_faces(client, session):  # type: ignore[no-untyped-def]
    world = await arrange(session)
    token = await as_user(client, world.brigade)
    bad = await client.post(
        f"/cases/{world.case_id}/documents",
        data={"kind": "evidence", "csrf_token": token},
        files={"file": ("photo.png", b"not a png", "image/png")},
    )
    portal = portal_outcome(bad)
    variables = {
        "id": str(world.case_id),
        "input": {
            "kind": "evidence",
            "fileName": "photo.png",
            "contentBase64": base64.b64encode(b"not a png").decode(),
        },
    }
    data = await graphql_data(client, DOCUMENT, variables, token=await bearer_token(session, world.brigade))
    assert portal == api(data["addCaseDocument"]) == Outcome(False, frozenset({("file", "file_type")}))
    good = await client.post(
        f"/cases/{world.case_id}/documents",
        data={"kind": "decision", "csrf_token": token},
        files={"file": ("决定书.pdf", PDF, "application/pdf")},
    )
    assert good.status_code == 303
    page = await client.get(f"/cases/{world.case_id}")
    assert "决定书.pdf" in page.text
    link = page.text.split('href="/cases/documents/')[1].split('"')[0]
    download = await client.get(f"/cases/documents/{link}")
    assert download.content == PDF and download.headers["content-type"] == "application/pdf"
    # The unit sees its own case and its documents; another unit gets a 404.
    await as_user(client, world.staff)
    assert (await client.get(f"/cases/documents/{link}")).status_code == 200
    other = await make_user(session, "enterprise_staff", enterprise=await make_enterprise(session))
    await as_user(client, other)
    assert (await client.get(f"/cases/documents/{link}")).status_code == 404


async def test_the_portal_walks_a_lead_to_a_public_penalty(client, session):  # type: ignore[no-untyped-def]
    world = await arrange(session)
    token = await as_user(client, world.brigade)
    inbox = await client.get("/cases/leads")
    assert f'data-lead="{world.lead_id}"' in inbox.text and world.unit.name in inbox.text
    form = await client.get(f"/cases/new?lead={world.lead_id}")
    assert 'id="lead"' in form.text and "瞒报超标排放" in form.text
    opened = await client.post(
        "/cases/new",
        data={
            "csrf_token": token,
            "lead_id": str(world.lead_id),
            "facts": "瞒报超标排放，经查属实。",
            "legal_basis": "《排污许可管理条例》第三十四条第一款",
            "classification": "against_permit",
            "opened_on": today().isoformat(),
            "outlet_code": "DW001",
        },
    )
    assert opened.status_code == 303, opened.text[:500]
    case_path = opened.headers["location"].split("?")[0]
    assert f'data-lead="{world.lead_id}"' not in (await client.get("/cases/leads")).text
    decided = await client.post(
        f"{case_path}/decide", data={**decision(penalty_yuan="80,000"), "csrf_token": token}
    )
    assert decided.status_code == 303, decided.text[:500]
    assert (
        await client.post(f"{case_path}/close", data={"closed_on": today().isoformat(), "csrf_token": token})
    ).status_code == 303
    client.cookies.clear()
    public = await client.get("/public/penalties")
    assert world.unit.name in public.text and "80,000.00" in public.text and "第三十四条第一款" in public.text
    assert world.brigade.username not in public.text
    against = await client.get("/public/penalties?kind=against_permit")
    assert world.unit.name in against.text
    assert world.unit.name not in (await client.get("/public/penalties?kind=without_permit")).text
    permit_page = await client.get(f"/public/permits/{world.permit.number}")
    assert 'id="permit-penalties"' in permit_page.text and "80,000.00" in permit_page.text
    outlet = await client.get(f"/public/outlets/{world.permit.number}/DW001")
    assert "80,000.00" in outlet.text and "第三十四条第一款" in outlet.text
