"""A credit event that lowers an agency's score names its evidence: a record that exists and concerns that
agency, never free text; the public credit page shows the record by name (issue 12, Access)."""

from __future__ import annotations

import pytest

from domain.access import operator
from domain.agency_oversight import service as oversight
from domain.errors import Conflict, ValidationFailed
from tests.agencies.test_portal_agencies import agency_readings, make_agency
from tests.factories import actor, make_user
from tests.graphql_helpers import bearer_token, graphql_data

CREDIT = """
mutation($code: String!, $kind: CreditEvidenceKind, $id: String!) {
  recordAgencyCreditEvent(creditCode: $code, kind: FALSIFIED_DATA, note: "数据造假",
                          evidenceKind: $kind, evidenceId: $id) {
    event { kind points source } errors { field code message }
  }
}"""


async def _codes(session, agency, **evidence) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    enforcement = actor(await make_user(session, "enforcement", region_code="310107"))
    with pytest.raises(ValidationFailed) as caught:
        await oversight.record_credit_event(
            session,
            enforcement,
            credit_code=agency.credit_code,
            kind="falsified_data",
            note="造假",
            **evidence,
        )
    return [(e.field, e.code) for e in caught.value.errors]


async def test_lowering_the_score_without_evidence_or_with_free_text_is_refused(session):
    agency, _clerk = await make_agency(session)
    assert await _codes(session, agency) == [("evidence", "evidence_required")]
    assert await _codes(session, agency, source_id="INSP-1") == [("evidence", "evidence_required")]
    assert await _codes(session, agency, evidence_kind="readings", evidence_id="没有这个许可证") == [
        ("evidence", "evidence_not_found")
    ]
    assert await _codes(session, agency, evidence_kind="rumour", evidence_id="x") == [
        ("evidence", "evidence_not_found")
    ]
    assert await _codes(
        session, agency, evidence_kind="feedback_form", evidence_id="99999999999999999999"
    ) == [("evidence", "evidence_not_found")]


async def test_another_agencys_record_is_no_evidence_against_this_one(session):
    other, other_clerk = await make_agency(session)
    _enterprise, permit = await agency_readings(session, other, other_clerk)
    agency, _clerk = await make_agency(session)
    assert await _codes(session, agency, evidence_kind="readings", evidence_id=permit.number) == [
        ("evidence", "evidence_not_found")
    ]


async def test_the_same_record_counts_once(session):
    agency, clerk = await make_agency(session)
    _enterprise, permit = await agency_readings(session, agency, clerk)
    enforcement = actor(await make_user(session, "enforcement", region_code="310107"))
    evidence = {"evidence_kind": "readings", "evidence_id": permit.number}
    event = await oversight.record_credit_event(
        session, enforcement, credit_code=agency.credit_code, kind="falsified_data", note="造假", **evidence
    )
    assert (event.source_type, event.source_id, event.points) == ("readings", permit.number, -30.0)
    with pytest.raises(Conflict):
        await oversight.record_credit_event(
            session,
            operator(),
            credit_code=agency.credit_code,
            kind="falsified_data",
            note="再次",
            **evidence,
        )


async def test_the_api_names_the_evidence_and_refuses_without_it(client, session):
    agency, clerk = await make_agency(session)
    enterprise, permit = await agency_readings(session, agency, clerk)
    token = await bearer_token(session, await make_user(session, "enforcement", region_code="310107"))
    refused = await graphql_data(
        client,
        CREDIT,
        {"code": agency.credit_code, "kind": None, "id": ""},
        token=token,
        headers={"Accept-Language": "en"},
    )
    [error] = refused["recordAgencyCreditEvent"]["errors"]
    assert error["field"] == "evidence" and error["code"] == "evidence_required"
    assert "names its evidence" in error["message"]
    done = await graphql_data(
        client, CREDIT, {"code": agency.credit_code, "kind": "READINGS", "id": permit.number}, token=token
    )
    assert done["recordAgencyCreditEvent"] == {
        "event": {"kind": "FALSIFIED_DATA", "points": -30.0, "source": f"readings:{permit.number}"},
        "errors": [],
    }
    page = await client.get(f"/public/agencies/{agency.credit_code}")
    evidence = page.text.split('class="evidence">')[1].split("</td>")[0]
    assert enterprise.name in evidence and "监测数据" in evidence and permit.number not in evidence
