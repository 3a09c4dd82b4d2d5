"""One rule for times in the API (graphql_schema/scalars.py, docs/integrators.md "Times"): a time sent
without a zone is China time, as in the portal's forms and the imported files; every time answered
carries its offset, in UTC; a time that is no moment is refused before anything runs."""

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from domain.clock import as_utc, utcnow
from domain.ledgers.models import MonitoringReading
from tests.factories import make_enterprise, make_permit, make_user
from tests.graphql_helpers import bearer_token, graphql, graphql_data

SUBMIT = """
mutation($number: String!, $readings: [ReadingInputType!]!) {
  submitMonitoringBatch(permitNumber: $number, readings: $readings) { written errors { field code } }
}"""
READINGS = "query($n: String!) { monitoringReadings(permitNumber: $n) { edges { node { measuredAt } } } }"


async def unit_with_token(session):
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise)
    staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
    return permit, await bearer_token(session, staff)


def reading(measured_at: str) -> dict[str, object]:
    return {
        "outletCode": "DA001",
        "pollutant": "SO2",
        "method": "automatic",
        "measuredAt": measured_at,
        "concentration": 20,
        "unit": "mg/m3",
        "flowM3": 150000,
    }


def china_wall_clock_two_days_ago() -> datetime:
    """A whole hour two days back, as a naive time on China's clock."""
    moment = (utcnow() - timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    return (moment + timedelta(hours=8)).replace(tzinfo=None)


async def test_a_time_without_a_zone_is_china_time_and_comes_back_in_utc_with_its_offset(client, session):
    permit, token = await unit_with_token(session)
    local = china_wall_clock_two_days_ago()
    data = await graphql_data(
        client, SUBMIT, {"number": permit.number, "readings": [reading(local.isoformat())]}, token=token
    )
    assert data["submitMonitoringBatch"] == {"written": 1, "errors": []}

    stored = (await session.exec(select(MonitoringReading))).one()
    assert as_utc(stored.measured_at) == (local - timedelta(hours=8)).replace(tzinfo=UTC)
    listed = await graphql_data(client, READINGS, {"n": permit.number}, token=token)
    [edge] = listed["monitoringReadings"]["edges"]
    assert edge["node"]["measuredAt"] == (local - timedelta(hours=8)).isoformat() + "+00:00"


async def test_a_time_with_its_zone_is_taken_as_given(client, session):
    permit, token = await unit_with_token(session)
    local = china_wall_clock_two_days_ago()
    in_utc = (local - timedelta(hours=8)).isoformat() + "Z"
    await graphql_data(client, SUBMIT, {"number": permit.number, "readings": [reading(in_utc)]}, token=token)
    stored = (await session.exec(select(MonitoringReading))).one()
    assert as_utc(stored.measured_at) == (local - timedelta(hours=8)).replace(tzinfo=UTC)


async def test_a_time_that_is_no_moment_is_refused_before_anything_is_written(client, session):
    permit, token = await unit_with_token(session)
    for bad in ("0001-01-01T00:00:00", "9999-12-31T23:00:00-05:00", "next tuesday", "2026-02-30T08:00:00"):
        response = await graphql(
            client, SUBMIT, {"number": permit.number, "readings": [reading(bad)]}, token=token
        )
        body = response.json()
        assert body.get("data") is None, bad
        assert "measuredAt" in body["errors"][0]["message"], body
    assert (await session.exec(select(MonitoringReading))).all() == []
