"""Revocation takes effect on the very next request, in every process (issue 12, Access).

"Another process" is played by writing the change straight to the database, as a second server process
would: nothing this process remembers is told. A bearer token is checked against the database on every
request, so a token revoked, an account disabled or re-roled, an agency suspended or an authorisation
revoked holds at once. An authorisation of a suspended agency reads as suspended, and grants nothing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from domain.accounts.models import ApiToken
from domain.clock import today, utcnow
from tests.agencies.test_portal_agencies import app, authorise, make_agency  # noqa: F401
from tests.factories import make_enterprise, make_permit, make_user
from tests.graphql_helpers import bearer_token, graphql, graphql_data
from tests.portal_helpers import log_in

VIEWER = "{ viewer { username roles } }"
READINGS = "query($n: String!) { monitoringReadings(permitNumber: $n) { totalCount } }"
AUTHORIZATIONS = "{ agencyAuthorizations { state agencyCreditCode } }"


async def test_a_token_revoked_by_another_process_is_refused_on_the_next_request(client, session):
    regulator = await make_user(session, "permitting")
    token = await bearer_token(session, regulator)
    assert (await graphql(client, VIEWER, token=token)).status_code == 200
    row = (await session.exec(select(ApiToken).where(ApiToken.user_id == regulator.id))).one()
    row.revoked_at = utcnow()
    session.add(row)
    await session.flush()
    assert (await graphql(client, VIEWER, token=token)).status_code == 401


async def test_an_account_disabled_or_given_another_role_elsewhere_holds_on_the_next_request(client, session):
    regulator = await make_user(session, "permitting")
    token = await bearer_token(session, regulator)
    first = await graphql_data(client, VIEWER, token=token)
    assert first["viewer"]["roles"] == ["permitting"]
    regulator.role = "ecology"
    session.add(regulator)
    await session.flush()
    assert (await graphql_data(client, VIEWER, token=token))["viewer"]["roles"] == ["ecology"]
    regulator.is_active = False
    session.add(regulator)
    await session.flush()
    assert (await graphql(client, VIEWER, token=token)).status_code == 401


async def _clerk_reading_the_ledger(session):  # type: ignore[no-untyped-def]
    agency, clerk = await make_agency(session)
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise, decision_date=(today() - timedelta(days=700)).isoformat())
    authorisation = await authorise(session, enterprise, agency, ["ledger"])
    token = await bearer_token(session, clerk)
    return agency, enterprise, permit, authorisation, token


async def test_an_authorisation_revoked_elsewhere_stops_the_agency_on_its_next_request(client, session):
    _agency, _enterprise, permit, authorisation, token = await _clerk_reading_the_ledger(session)
    allowed = await graphql(client, READINGS, {"n": permit.number}, token=token)
    assert "errors" not in allowed.json()
    authorisation.revoked_at, authorisation.revoked_by = utcnow(), "another-process"
    session.add(authorisation)
    await session.flush()
    refused = (await graphql(client, READINGS, {"n": permit.number}, token=token)).json()
    # Not the clerk's to read any more: the answer is null, as for a permit that does not exist.
    assert "errors" not in refused and refused["data"]["monitoringReadings"] is None


async def test_a_suspended_agency_acts_for_no_one_from_its_next_request_and_its_authorisations_read_suspended(
    client, session
):
    agency, enterprise, permit, _authorisation, token = await _clerk_reading_the_ledger(session)
    assert "errors" not in (await graphql(client, READINGS, {"n": permit.number}, token=token)).json()
    assert (await graphql_data(client, AUTHORIZATIONS, token=token))["agencyAuthorizations"][0][
        "state"
    ] == "IN_FORCE"
    agency.status, agency.status_reason = "suspended", "核查中"
    session.add(agency)
    await session.flush()

    refused = (await graphql(client, READINGS, {"n": permit.number}, token=token)).json()
    # Not the clerk's to read any more: the answer is null, as for a permit that does not exist.
    assert "errors" not in refused and refused["data"]["monitoringReadings"] is None
    [row] = (await graphql_data(client, AUTHORIZATIONS, token=token))["agencyAuthorizations"]
    assert row == {"state": "SUSPENDED", "agencyCreditCode": agency.credit_code}
    # the unit's own page says so too, not "in force"
    admin = await make_user(session, "enterprise_admin", enterprise=enterprise)
    await log_in(client, admin.username)
    page = await client.get("/agencies/authorisations", headers={"Accept-Language": "en"})
    assert "Agency suspended: grants nothing" in page.text
    assert "state-in_force" not in page.text
