"""The ledger through GraphQL: a monitoring batch, its errors, exceedances, completeness, emissions."""

from datetime import timedelta

from domain.clock import utcnow
from domain.ledgers.models import MonitoringReading
from tests.factories import make_enterprise, make_permit, make_user
from tests.graphql_helpers import bearer_token, count, graphql, graphql_data

SUBMIT = """
mutation($number: String!, $readings: [ReadingInputType!]!) {
  submitMonitoringBatch(permitNumber: $number, readings: $readings) {
    written exceedancesOpened errors { field code message }
  }
}"""


async def unit_with_token(session):
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise)
    staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
    return permit, await bearer_token(session, staff)


def hourly(start, values, pollutant="SO2"):
    return [
        {
            "outletCode": "DA001",
            "pollutant": pollutant,
            "method": "automatic",
            "measuredAt": (start + timedelta(hours=i)).isoformat(),
            "concentration": v,
            "unit": "mg/m3",
            "flowM3": 150000,
        }
        for i, v in enumerate(values)
    ]


async def test_a_monitoring_batch_is_written_and_its_exceedance_explained(client, session):
    permit, token = await unit_with_token(session)
    start = (utcnow() - timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    data = await graphql_data(
        client, SUBMIT, {"number": permit.number, "readings": hourly(start, [20, 48, 20])}, token=token
    )
    assert data["submitMonitoringBatch"] == {"written": 3, "exceedancesOpened": 1, "errors": []}
    listed = await graphql_data(
        client, '{ exceedances(status: "open") { totalCount nodes { id maxValue } } }', token=token
    )
    [exceedance] = listed["exceedances"]["nodes"]
    assert exceedance["maxValue"] == 48
    explained = await graphql_data(
        client,
        'mutation($id: Int!) { explainExceedance(id: $id, cause: "除尘器滤袋破损", measures: "更换滤袋") '
        "{ exceedance { status cause } errors { field } } }",
        {"id": exceedance["id"]},
        token=token,
    )
    assert explained["explainExceedance"]["exceedance"] == {"status": "explained", "cause": "除尘器滤袋破损"}


async def test_a_bad_reading_refuses_the_batch_naming_its_index_and_field(client, session):
    permit, token = await unit_with_token(session)
    start = (utcnow() - timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    readings = hourly(start, [20, -5, 20])
    data = await graphql_data(
        client,
        SUBMIT,
        {"number": permit.number, "readings": readings},
        token=token,
        headers={"Accept-Language": "en"},
    )
    payload = data["submitMonitoringBatch"]
    assert payload["written"] == 0
    assert payload["errors"] == [
        {
            "field": "readings[1].concentration",
            "code": "negative",
            "message": "A concentration cannot be negative.",
        }
    ]
    assert await count(session, MonitoringReading) == 0


async def test_completeness_and_emissions_are_readable_by_the_regulator_of_the_region(client, session):
    permit, token = await unit_with_token(session)
    start = (utcnow() - timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
    await graphql_data(
        client, SUBMIT, {"number": permit.number, "readings": hourly(start, [20] * 20)}, token=token
    )
    regulator = await make_user(session, "monitoring_station", region_code="310107")
    regulator_token = await bearer_token(session, regulator)
    query = """query($number: String!, $start: DateTime!, $end: DateTime!) {
      ledgerCompleteness(permitNumber: $number, start: $start, end: $end) {
        ratio requirements { label expected recorded gaps { missing } } }
      actualEmissions(permitNumber: $number, start: $start, end: $end) {
        outletCode pollutant method quantityKg }
    }"""
    variables = {
        "number": permit.number,
        "start": start.isoformat(),
        "end": (start + timedelta(days=1)).isoformat(),
    }
    data = await graphql_data(client, query, variables, token=regulator_token)
    so2 = next(r for r in data["ledgerCompleteness"]["requirements"] if r["label"] == "DA001 SO2")
    assert (so2["expected"], so2["recorded"], so2["gaps"]) == (24, 20, [{"missing": 4}])
    figures = {(f["outletCode"], f["pollutant"]): f for f in data["actualEmissions"]}
    assert figures[("DA001", "SO2")]["method"] == "automatic"
    assert figures[("DA001", "SO2")]["quantityKg"] == 20 * 20 * 150000 / 1e6
    refused = await graphql(
        client, SUBMIT, {"number": permit.number, "readings": hourly(start, [1])}, token=regulator_token
    )
    assert refused.json()["data"]["submitMonitoringBatch"]["errors"][0]["code"] == "forbidden"


async def test_the_public_cannot_read_a_ledger(client, session):
    permit, _token = await unit_with_token(session)
    response = await graphql(
        client,
        "query($n: String!) { monitoringReadings(permitNumber: $n) { totalCount } }",
        {"n": permit.number},
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "unauthenticated"


async def test_reading_ids_past_two_to_the_31_are_answered(client, session):
    """GraphQL's Int stops at 2^31 - 1; a province's readings pass it, so their ids are Long."""
    permit, token = await unit_with_token(session)
    start = (utcnow() - timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    await graphql_data(
        client, SUBMIT, {"number": permit.number, "readings": hourly(start, [20])}, token=token
    )
    # The reading moved past 2^31 (an UPDATE inside the test's transaction: a sequence's setval would
    # outlive it and hand the tests after this one such ids).
    table = MonitoringReading.__table__  # type: ignore[attr-defined]
    beyond = 2**31 + 7
    await session.execute(table.update().where(table.c.permit_id == permit.id).values(id=beyond))
    listed = await graphql_data(
        client,
        "query($n: String!) { monitoringReadings(permitNumber: $n) { nodes { id replacesId } } }",
        {"n": permit.number},
        token=token,
    )
    assert listed["monitoringReadings"]["nodes"] == [{"id": beyond, "replacesId": None}]
