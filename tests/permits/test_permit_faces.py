"""One use case per operation: the same case through the portal's form and through the GraphQL mutation
ends the same way: accepted or refused, with the same error codes on the same fields, and the same rows
written (none when refused).

Each case builds the same situation twice (two units, two permits or two applications), so that one
face acting does not change what the other finds. The outcomes are read by ``tests.faces`` (the portal
marks each error with ``data-field`` and ``data-code``); fields compare as the domain names them, the
mutation's own names mapped back (``description`` is ``change_description``; the ``id`` of an
application not found, which the portal's 404 page does not name, is no field).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import func, select

from domain.accounts.models import User
from domain.audit.models import AuditEntry
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.notifications.models import Notification
from domain.permits.models import Permit, PermitApplication, PermitEvent, PermitVersion
from domain.permits.service.applications import ApplicationInput, submit_application
from domain.permits.service.decisions import accept_application, request_missing_materials
from tests import faces as reading
from tests.factories import actor, make_enterprise, make_permit, make_user, permit_content, permit_record
from tests.graphql_helpers import bearer_token, graphql_data
from tests.portal_helpers import csrf_token, log_in, post_form

AUTHORITY = "上海市普陀区生态环境局"
ACCESS_CODES = {"not_found", "forbidden", "unauthenticated"}
WRITTEN = (Permit, PermitApplication, PermitVersion, PermitEvent, AuditEntry, Notification)

APPLICATION_PAYLOAD = "application { id status } errors { field code message }"
PERMIT_PAYLOAD = "permit { number status } errors { field code message }"
APPLY = (
    "mutation($input: ApplyForPermitInput!) { applyForPermit(input: $input) { " + APPLICATION_PAYLOAD + " } }"
)
ACCEPT = "mutation($id: ID!) { acceptPermitApplication(id: $id) { " + APPLICATION_PAYLOAD + " } }"
REJECT = (
    "mutation($id: ID!, $reason: String!) { rejectPermitApplication(id: $id, reason: $reason) { "
    + APPLICATION_PAYLOAD
    + " } }"
)
SUPPLY = (
    "mutation($id: ID!, $note: String!) { supplyMissingMaterials(id: $id, note: $note) { "
    + APPLICATION_PAYLOAD
    + " } }"
)
GRANT = (
    "mutation($id: ID!, $number: String, $cutTo: Date, $cutReason: String) {"
    " grantPermit(applicationId: $id, number: $number,"
    " validityCutTo: $cutTo, validityCutReason: $cutReason) { " + APPLICATION_PAYLOAD + " } }"
)
CHANGE = (
    "mutation($input: ChangePermitInput!) { changePermit(input: $input) { " + APPLICATION_PAYLOAD + " } }"
)
REVOKE = (
    "mutation($number: String!, $reason: String!) { revokePermit(number: $number, reason: $reason) { "
    + PERMIT_PAYLOAD
    + " } }"
)
CANCEL = (
    "mutation($number: String!, $reason: CancellationReason!, $note: String!) {"
    " cancelPermit(number: $number, reason: $reason, note: $note) { " + PERMIT_PAYLOAD + " } }"
)
IMPORT = (
    "mutation($records: JSON!) { importPermits(records: $records) {"
    " permits { number } errors { field code } } }"
)


@dataclass(frozen=True)
class Outcome:
    outcome: reading.Outcome  # accepted or refused, and each error's (field, code)
    written: tuple[int, ...]  # rows added to each of WRITTEN

    @property
    def accepted(self) -> bool:
        return self.outcome.accepted


def years_ago(years: int, plus_days: int = 0) -> str:
    day = today()
    return (day.replace(year=day.year - years) + timedelta(days=plus_days)).isoformat()


async def counts(session) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    return tuple([(await session.exec(select(func.count()).select_from(model))).one() for model in WRITTEN])


@pytest.fixture
def faces(client, session):  # type: ignore[no-untyped-def]
    """Run a case through one face or the other and read its outcome."""

    class Faces:
        async def portal(self, user: User, path: str, form: dict[str, str]) -> Outcome:
            client.cookies.clear()
            await log_in(client, user.username)
            before = await counts(session)
            response = await post_form(client, path, form)
            written = tuple(a - b for a, b in zip(await counts(session), before, strict=True))
            return Outcome(reading.portal_outcome(response), written)

        async def graphql(
            self,
            user: User,
            mutation: str,
            variables: dict[str, Any],
            rename: dict[str | None, str | None] | None = None,
        ) -> Outcome:
            client.cookies.clear()
            token = await bearer_token(session, user)
            before = await counts(session)
            payload = next(iter((await graphql_data(client, mutation, variables, token=token)).values()))
            written = tuple(a - b for a, b in zip(await counts(session), before, strict=True))
            return Outcome(reading.graphql_outcome(payload, rename=rename), written)

    return Faces()


def assert_same(
    portal: Outcome, graphql: Outcome, *, accepted: bool, errors: set[tuple[str | None, str]]
) -> None:
    assert portal == graphql, f"portal {portal.outcome}, GraphQL {graphql.outcome}"
    assert portal.accepted is accepted
    assert set(portal.outcome.errors) == errors
    if not accepted:
        assert portal.written == (0,) * len(WRITTEN)


# ---------------------------------------------------------------------------
# Situations
# ---------------------------------------------------------------------------


async def officer(session, region: str = "310107") -> User:  # type: ignore[no-untyped-def]
    return await make_user(session, "permitting", region_code=region)


async def open_application(session, by: User) -> PermitApplication:  # type: ignore[no-untyped-def]
    enterprise = await make_enterprise(session)
    application = await submit_application(
        session,
        actor(by),
        data=ApplicationInput(
            kind="first",
            enterprise_credit_code=enterprise.credit_code,
            category="key",
            issuing_authority=AUTHORITY,
            content=permit_content(),
        ),
    )
    await session.flush()
    return application


async def accepted_application(session, by: User) -> PermitApplication:  # type: ignore[no-untyped-def]
    application = await open_application(session, by)
    assert application.id is not None
    await accept_application(session, actor(by), application_id=application.id)
    await session.flush()
    return application


def first_application_form(enterprise: Enterprise, **overrides: str) -> dict[str, str]:
    form = {
        "enterprise_credit_code": enterprise.credit_code,
        "site": "",
        "category": "key",
        "issuing_authority": AUTHORITY,
        "content": json.dumps(permit_content(), ensure_ascii=False),
    }
    return {**form, **overrides}


def first_application_input(enterprise: Enterprise, **overrides: Any) -> dict[str, Any]:
    values = {
        "enterpriseCreditCode": enterprise.credit_code,
        "category": "KEY",
        "issuingAuthority": AUTHORITY,
        "content": permit_content(),
    }
    return {**values, **overrides}


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------


async def test_a_first_application_without_its_issuing_authority(faces, session):
    first, second = await make_enterprise(session), await make_enterprise(session)
    unit_admin = await make_user(session, "enterprise_admin", enterprise=first)
    other_admin = await make_user(session, "enterprise_admin", enterprise=second)

    portal = await faces.portal(
        unit_admin, "/permits/apply", first_application_form(first, issuing_authority="")
    )
    graphql = await faces.graphql(
        other_admin, APPLY, {"input": first_application_input(second, issuingAuthority="")}
    )

    assert_same(portal, graphql, accepted=False, errors={("issuing_authority", "required")})


async def test_every_problem_of_a_first_application_at_once(faces, session):
    first, second = await make_enterprise(session), await make_enterprise(session)
    by = await officer(session)
    content = permit_content()
    content["outlets"][0]["limits"][0]["unit"] = "kg"

    portal = await faces.portal(
        by,
        "/permits/apply",
        first_application_form(first, issuing_authority="", content=json.dumps(content, ensure_ascii=False)),
    )
    graphql = await faces.graphql(
        by, APPLY, {"input": first_application_input(second, issuingAuthority="", content=content)}
    )

    assert_same(
        portal,
        graphql,
        accepted=False,
        errors={("issuing_authority", "required"), ("content.outlets[0].limits[0].unit", "unit")},
    )


async def test_a_first_application_is_filed_alike(faces, session):
    first, second = await make_enterprise(session), await make_enterprise(session)
    by = await officer(session)

    portal = await faces.portal(by, "/permits/apply", first_application_form(first))
    graphql = await faces.graphql(by, APPLY, {"input": first_application_input(second)})

    assert_same(portal, graphql, accepted=True, errors=set())
    assert portal.written[:2] == (1, 1)  # a permit (without a number yet) and its application


async def test_deciding_on_an_application_outside_ones_jurisdiction(faces, session):
    here = await officer(session)
    one, two = await open_application(session, here), await open_application(session, here)
    elsewhere = await officer(session, region="310110")

    portal = await faces.portal(elsewhere, f"/permits/applications/{one.id}/accept", {})
    graphql = await faces.graphql(elsewhere, ACCEPT, {"id": str(two.id)}, rename={"id": None})

    assert_same(portal, graphql, accepted=False, errors={(None, "not_found")})


async def test_accepting_an_application(faces, session):
    by = await officer(session)
    one, two = await open_application(session, by), await open_application(session, by)

    portal = await faces.portal(by, f"/permits/applications/{one.id}/accept", {})
    graphql = await faces.graphql(by, ACCEPT, {"id": str(two.id)})

    assert_same(portal, graphql, accepted=True, errors=set())
    assert portal.written == (0, 0, 0, 1, 1, 0)  # the event and the audit entry


async def test_an_application_not_accepted_without_a_reason(faces, session):
    by = await officer(session)
    one, two = await open_application(session, by), await open_application(session, by)

    portal = await faces.portal(by, f"/permits/applications/{one.id}/reject", {"reason": "   "})
    graphql = await faces.graphql(by, REJECT, {"id": str(two.id), "reason": "   "})

    assert_same(portal, graphql, accepted=False, errors={("reason", "required")})


async def test_a_stale_decision_on_an_application_already_accepted(faces, session):
    """Two officers had the page open; the other one accepted first."""
    by = await officer(session)
    one, two = await accepted_application(session, by), await accepted_application(session, by)

    portal = await faces.portal(by, f"/permits/applications/{one.id}/accept", {})
    graphql = await faces.graphql(by, ACCEPT, {"id": str(two.id)}, rename={"id": None})

    assert_same(portal, graphql, accepted=False, errors={(None, "conflict")})


async def test_a_grant_with_a_phase_out_reason_over_the_limit(faces, session):
    """The portal used to cut the reason to 300 characters and grant; both refuse it now."""
    by = await officer(session)
    one, two = await accepted_application(session, by), await accepted_application(session, by)
    later, reason = (today() + timedelta(days=400)).isoformat(), "淘" * 301

    portal = await faces.portal(
        by,
        f"/permits/applications/{one.id}/grant",
        {"number": "", "validity_cut_to": later, "validity_cut_reason": reason},
    )
    graphql = await faces.graphql(by, GRANT, {"id": str(two.id), "cutTo": later, "cutReason": reason})

    assert_same(portal, graphql, accepted=False, errors={("validity_cut_reason", "too_long")})


async def test_every_problem_of_a_grant_at_once(faces, session):
    by = await officer(session)
    one, two = await accepted_application(session, by), await accepted_application(session, by)
    past = (today() - timedelta(days=1)).isoformat()

    portal = await faces.portal(
        by,
        f"/permits/applications/{one.id}/grant",
        {"number": "91310107MA0000001X001", "validity_cut_to": past, "validity_cut_reason": ""},
    )
    graphql = await faces.graphql(
        by,
        GRANT,
        {"id": str(two.id), "number": "91310107MA0000001X001", "cutTo": past, "cutReason": ""},
    )

    assert_same(
        portal,
        graphql,
        accepted=False,
        errors={
            ("number", "permit_number_format"),
            ("validity_cut_to", "past"),
            ("validity_cut_reason", "required"),
        },
    )


async def test_a_grant_with_a_reason_of_the_limit_is_taken_whole(faces, session):
    by = await officer(session)
    one, two = await accepted_application(session, by), await accepted_application(session, by)
    later, reason = (today() + timedelta(days=400)).isoformat(), "淘" * 300

    portal = await faces.portal(
        by,
        f"/permits/applications/{one.id}/grant",
        {"number": "", "validity_cut_to": later, "validity_cut_reason": reason},
    )
    graphql = await faces.graphql(by, GRANT, {"id": str(two.id), "cutTo": later, "cutReason": reason})

    assert_same(portal, graphql, accepted=True, errors=set())
    for application in (one, two):
        await session.refresh(application)
        assert application.reason == reason


async def test_a_revocation_reason_over_the_limit(faces, session):
    first, second = (
        await make_permit(session, decision_date=years_ago(1)),
        await make_permit(session, decision_date=years_ago(1)),
    )
    by = await officer(session)
    reason = "依" * 1001

    portal = await faces.portal(by, f"/permits/{first.number}/revoke", {"reason": reason})
    graphql = await faces.graphql(by, REVOKE, {"number": second.number, "reason": reason})

    assert_same(portal, graphql, accepted=False, errors={("reason", "too_long")})


async def test_a_cancellation_on_other_grounds_without_a_note(faces, session):
    first, second = (
        await make_permit(session, decision_date=years_ago(1)),
        await make_permit(session, decision_date=years_ago(1)),
    )
    by = await officer(session)

    portal = await faces.portal(by, f"/permits/{first.number}/cancel", {"reason": "other", "note": ""})
    graphql = await faces.graphql(by, CANCEL, {"number": second.number, "reason": "OTHER", "note": ""})

    assert_same(portal, graphql, accepted=False, errors={("note", "required")})


async def test_a_change_of_basic_information_without_its_date_or_description(faces, session):
    first, second = (
        await make_permit(session, decision_date=years_ago(1)),
        await make_permit(session, decision_date=years_ago(1)),
    )
    by = await officer(session)

    portal = await faces.portal(
        by,
        f"/permits/{first.number}/change",
        {"kind": "change_basic", "change_description": "", "event_date": "", "content": ""},
    )
    graphql = await faces.graphql(
        by,
        CHANGE,
        {"input": {"permitNumber": second.number, "kind": "CHANGE_BASIC", "description": ""}},
        rename={"description": "change_description", "changedOn": "event_date"},
    )

    assert_same(
        portal,
        graphql,
        accepted=False,
        errors={("change_description", "required"), ("event_date", "required")},
    )


async def test_the_unit_supplying_materials_with_a_note_over_the_limit(faces, session):
    by = await officer(session)
    one, two = await open_application(session, by), await open_application(session, by)
    units = []
    for application in (one, two):
        assert application.id is not None
        await request_missing_materials(session, actor(by), application_id=application.id, missing="环评批复")
        permit = await session.get(Permit, application.permit_id)
        assert permit is not None
        enterprise = await session.get(Enterprise, permit.enterprise_id)
        units.append(await make_user(session, "enterprise_admin", enterprise=enterprise))
    await session.flush()
    note = "补" * 1001

    portal = await faces.portal(units[0], f"/permits/applications/{one.id}/supply", {"note": note})
    graphql = await faces.graphql(units[1], SUPPLY, {"id": str(two.id), "note": note})

    assert_same(portal, graphql, accepted=False, errors={("note", "too_long")})


async def test_importing_permits_is_for_the_permitting_section_only(faces, client, session):
    """GraphQL used to let any regulator try and answered with row errors; both refuse the caller now."""
    enterprise = await make_enterprise(session)
    ecology = await make_user(session, "ecology", region_code="310107")
    records = [permit_record(enterprise, decision_date=years_ago(1))]

    client.cookies.clear()
    await log_in(client, ecology.username)
    before = await counts(session)
    response = await client.post(
        "/permits/import",
        data={"csrf_token": await csrf_token(client, "/")},
        files={"file": ("permits.json", json.dumps(records).encode(), "application/json")},
    )
    portal = Outcome(
        reading.portal_outcome(response),
        tuple(a - b for a, b in zip(await counts(session), before, strict=True)),
    )
    graphql = await faces.graphql(ecology, IMPORT, {"records": records})

    assert_same(portal, graphql, accepted=False, errors={(None, "forbidden")})


async def test_an_import_with_an_issuing_authority_over_the_limit(faces, client, session):
    """The import used to cut the issuing authority to 100 characters; a file and the mutation refuse it."""
    first, second = await make_enterprise(session), await make_enterprise(session)
    by = await officer(session)
    long_name = "上" * 101

    client.cookies.clear()
    await log_in(client, by.username)
    before = await counts(session)
    record = permit_record(first, decision_date=years_ago(1), issuing_authority=long_name)
    response = await client.post(
        "/permits/import",
        data={"csrf_token": await csrf_token(client, "/permits/import")},
        files={"file": ("permits.json", json.dumps([record]).encode(), "application/json")},
    )
    assert response.status_code == 400
    rows = re.findall(r'data-location="rows\[(\d+)\]\.([a-z_]+)" data-code="([a-z_]+)"', response.text)
    # The import page lists each problem where it is in the file (a table, not a form's fields).
    portal = Outcome(
        reading.Outcome(False, frozenset((f"rows[{row}].{field}", code) for row, field, code in rows)),
        tuple(a - b for a, b in zip(await counts(session), before, strict=True)),
    )
    records = [permit_record(second, decision_date=years_ago(1), issuing_authority=long_name)]
    graphql = await faces.graphql(by, IMPORT, {"records": records})

    assert_same(portal, graphql, accepted=False, errors={("rows[1].issuing_authority", "too_long")})
