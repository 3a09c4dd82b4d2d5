"""Physically implausible readings are refused, with the same rule on the form, GraphQL and the import."""

import re

import pytest
from sqlmodel import func, select

from domain.ledgers.models import MonitoringReading
from tests.graphql_helpers import bearer_token, graphql, graphql_data
from tests.ledgers.test_graphql_ledgers import SUBMIT, hourly
from tests.ledgers.test_portal_ledgers import (
    EN,
    HTMX,
    china_yesterday,
    csv_file,
    errors_of,
    reading_form,
    setup_ledger,
)
from tests.portal_helpers import csrf_token, log_in

IMPLAUSIBLE = [
    ({"concentration": "1e308"}, "concentration", "accepted from 0 to 100,000 mg/m3"),
    ({"concentration": "200", "unit": "g/m3"}, "concentration", "accepted from 0 to 100,000 mg/m3"),
    ({"flow_m3": "1e300"}, "flow", "one reading holds at most 100,000,000 m³"),
    ({"quantity": "1e12"}, "quantity", "one reading holds at most 10,000,000 kg"),
    ({"concentration": "nan"}, "concentration", "Expected a number."),
    ({"concentration": "inf"}, "concentration", "Expected a number."),
    ({"concentration": "-3"}, "concentration", "A concentration cannot be negative."),
    ({"flow_m3": "-1"}, "flow", "Must not be negative."),
]


async def readings(session) -> int:  # type: ignore[no-untyped-def]
    return int((await session.exec(select(func.count()).select_from(MonitoringReading))).one())


@pytest.mark.parametrize(("typed", "field", "message"), IMPLAUSIBLE)
async def test_the_reading_form_refuses_an_implausible_value_next_to_its_field(
    client, session, typed, field, message
):  # type: ignore[no-untyped-def]
    permit, staff = await setup_ledger(session)
    await log_in(client, staff.username)
    page = f"/ledger/{permit.number}/readings"
    token = await csrf_token(client, page)
    response = await client.post(page, data=reading_form(token, **typed), headers=EN)
    assert response.status_code == 400
    assert message in errors_of(response.text, field)
    assert await readings(session) == 0


async def test_a_high_but_possible_reading_is_kept(client, session):
    permit, staff = await setup_ledger(session)
    await log_in(client, staff.username)
    page = f"/ledger/{permit.number}/readings"
    token = await csrf_token(client, page)
    response = await client.post(
        page, data=reading_form(token, concentration="60000", flow_m3="3000000"), headers=HTMX
    )
    assert response.status_code == 200 and "error" not in errors_of(response.text, "concentration")
    assert await readings(session) == 1


async def test_graphql_refuses_1e308_and_a_flow_of_1e300_naming_each_reading(client, session):
    permit, staff = await setup_ledger(session)
    token = await bearer_token(session, staff)
    start = china_yesterday(3)
    batch = hourly(start, [20, 1e308, 20])
    batch[2]["flowM3"] = 1e300
    data = await graphql_data(client, SUBMIT, {"number": permit.number, "readings": batch}, token=token)
    errors = data["submitMonitoringBatch"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        ("readings[1].concentration", "implausible"),
        ("readings[2].flow", "implausible"),
    ]
    assert data["submitMonitoringBatch"]["written"] == 0 and await readings(session) == 0


async def test_the_bulk_import_names_the_row_of_an_implausible_value(client, session):
    permit, staff = await setup_ledger(session)
    await log_in(client, staff.username)
    url = f"/ledger/{permit.number}/import"
    token = await csrf_token(client, url)
    content = csv_file(permit.number, ["20", "1e308", "30"])
    response = await client.post(
        url, data={"csrf_token": token}, files={"file": ("so2.csv", content)}, headers=EN
    )
    cells = re.findall(
        r"<tr><td class=\"num\">(\d+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", response.text
    )
    assert cells == [
        ("3", "concentration", "Not a plausible value for this pollutant: accepted from 0 to 100,000 mg/m3.")
    ]
    assert await readings(session) == 0


async def test_reading_times_of_year_0001_or_9999_are_refused_naming_the_field(client, session):
    permit, staff = await setup_ledger(session)
    token = await bearer_token(session, staff)
    for moment in ("9999-12-31T23:59:59+08:00", "0001-01-01T00:00:00+08:00", "0001-01-01T00:00:00"):
        batch = hourly(china_yesterday(3), [20])
        batch[0]["measuredAt"] = moment
        response = await graphql(client, SUBMIT, {"number": permit.number, "readings": batch}, token=token)
        body = response.json()
        assert response.status_code == 200 and "internal_error" not in response.text, body
        errors = body["data"]["submitMonitoringBatch"]["errors"] if body.get("data") else body["errors"]
        assert errors, moment
    await log_in(client, staff.username)
    page = f"/ledger/{permit.number}/readings"
    csrf = await csrf_token(client, page)
    for typed in ("9999-12-31T23:59", "0001-01-01T00:00"):
        response = await client.post(page, data=reading_form(csrf, measured_at=typed), headers=EN)
        assert response.status_code == 400
        assert "Enter a date between 1900-01-01 and 2199-12-31." in errors_of(response.text, "measured_at")
    assert await readings(session) == 0
