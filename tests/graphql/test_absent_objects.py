"""One error convention (docs/integrators.md, "GraphQL: errors"): a query of a permit's records, a
report or a unit's standing that does not exist or is not the caller's answers null with no error, the
same answer for both; a caller without credentials is still refused (a top-level `unauthenticated`)."""

from __future__ import annotations

from tests.factories import make_enterprise, make_permit, make_user
from tests.graphql_helpers import bearer_token, graphql

QUERIES = {
    "monitoringReadings": "query($n: String!) { monitoringReadings(permitNumber: $n) { totalCount } }",
    "ledgerRecords": "query($n: String!) { ledgerRecords(permitNumber: $n) { totalCount } }",
    "ledgerCompleteness": (
        'query($n: String!) { ledgerCompleteness(permitNumber: $n, start: "2026-01-01T00:00:00", '
        'end: "2026-02-01T00:00:00") { __typename } }'
    ),
    "actualEmissions": (
        'query($n: String!) { actualEmissions(permitNumber: $n, start: "2026-01-01T00:00:00", '
        'end: "2026-02-01T00:00:00") { pollutant } }'
    ),
    "monitoringStations": "query($n: String!) { monitoringStations(permitNumber: $n) { __typename } }",
    "reportSchedule": "query($n: String!) { reportSchedule(permitNumber: $n) { period } }",
    "reportDraft": (
        'query($n: String!) { reportDraft(permitNumber: $n, kind: QUARTERLY, period: "2026-Q1") { period } }'
    ),
}


async def test_someone_elses_permit_and_a_permit_that_does_not_exist_both_answer_null(client, session):
    theirs = await make_permit(session, await make_enterprise(session))
    stranger = await make_user(session, "enterprise_staff", enterprise=await make_enterprise(session))
    token = await bearer_token(session, stranger)
    for name, query in QUERIES.items():
        for number in (theirs.number, "91310000XXXXXXXXXX001P"):
            body = (await graphql(client, query, {"n": number}, token=token)).json()
            assert "errors" not in body, (name, number, body)
            assert body["data"] == {name: None}, (name, number)


async def test_a_caller_without_credentials_is_still_told_to_sign_in(client, session):
    theirs = await make_permit(session, await make_enterprise(session))
    body = (await graphql(client, QUERIES["monitoringReadings"], {"n": theirs.number})).json()
    assert body["errors"][0]["extensions"]["code"] == "unauthenticated"
