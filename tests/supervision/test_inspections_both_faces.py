"""Draws and inspection records are decided alike through the portal and GraphQL: the same cases, the same
outcome (accepted, or refused with the same fields and codes), the same rows written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import func, select

from domain.clock import today
from domain.supervision.inspections import rules
from domain.supervision.inspections.models import InspectionDraw, InspectionRecord
from tests.faces import Outcome, graphql_outcome, portal_outcome
from tests.factories import make_user
from tests.graphql_helpers import bearer_token, graphql_data
from tests.portal_helpers import log_in, post_form
from tests.supervision.inspection_setup import REGION, build_district

ACCEPTED = Outcome(True, frozenset())
DRAW = "mutation($input: InspectionDrawInput!) { makeInspectionDraw(input: $input) { draw { reference verified } errors { field code } } }"  # noqa: E501
RECORD = "mutation($input: InspectionRecordInput!) { recordInspection(input: $input) { record { reference findings } errors { field code } } }"  # noqa: E501


def refused(*errors: tuple[str | None, str]) -> Outcome:
    return Outcome(False, frozenset(errors))


@pytest.fixture
async def api(app):  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, client=("203.0.113.8", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return int((await session.exec(select(func.count()).select_from(model))).one())


DRAW_CASES: dict[str, tuple[dict[str, Any], Outcome]] = {
    "20 % of the registration units": ({}, ACCEPTED),
    "an industry with no unit": (
        {"pool": "industry", "industry_code": "0000"},
        refused(("pool", "empty_pool")),
    ),
    "an industry code of two digits": (
        {"pool": "industry", "industry_code": "12"},
        refused(("industry_code", "invalid")),
    ),
    "no unit to draw": ({"units": 0}, refused(("units", "range"))),
    "a year long past": ({"year": 1800}, refused(("year", "range"))),
    "an unknown pool": ({"pool": "everyone"}, refused(("pool", "invalid"))),
}


@pytest.mark.parametrize("case", list(DRAW_CASES))
async def test_a_draw_is_decided_alike_through_both_faces(client, api, session, case):  # type: ignore[no-untyped-def]
    changes, expected = DRAW_CASES[case]
    district = await build_district(session)
    chief = district.brigade[0]
    values: dict[str, Any] = {
        "region_code": REGION,
        "year": today().year,
        "kind": "enforcement",
        "pool": "registration",
    }
    values.update(changes)
    await log_in(client, chief.username)
    form = {
        "region": values["region_code"],
        "year": str(values["year"]),
        "kind": values["kind"],
        "pool": values["pool"],
        "industry_code": values.get("industry_code", ""),
        "units": "" if values.get("units") is None else str(values["units"]),
    }
    portal = portal_outcome(
        await post_form(client, "/inspections/draws", form, page="/inspections/draws/new")
    )
    api_input = {
        "regionCode": values["region_code"],
        "year": values["year"],
        "kind": values["kind"],
        "pool": values["pool"],
        "industryCode": values.get("industry_code", ""),
        "units": values.get("units"),
    }
    payload = await graphql_data(api, DRAW, {"input": api_input}, token=await bearer_token(session, chief))
    graphql = graphql_outcome(payload["makeInspectionDraw"], rename={"regionCode": "region_code"})
    assert portal == graphql == expected, f"portal {portal}, GraphQL {graphql}"
    assert await count(session, InspectionDraw) == (2 if expected.accepted else 0)
    if expected.accepted:
        assert payload["makeInspectionDraw"]["draw"]["verified"] is True


def _items(**failed: str) -> list[dict[str, str]]:
    return [
        {
            "code": item.code,
            "result": "failed" if item.code in failed else "passed",
            "note": failed.get(item.code, ""),
        }
        for item in rules.PERMIT_CHECKLIST
    ]


RECORD_CASES: dict[str, tuple[dict[str, Any], Outcome]] = {
    "a proper record with a finding": ({"items": _items(**{"4.3": "台账缺页"})}, ACCEPTED),
    "an item left out": ({"items": _items()[1:]}, refused(("items.1.1", "required"))),
    "a failed item, nothing said": (
        {"items": [dict(i, result="failed") if i["code"] == "2.1" else i for i in _items()]},
        refused(("items.2.1", "note_required")),
    ),
    "one inspector": ({"inspectors": 1}, refused(("inspector_ids", "two_inspectors"))),
    "a visit tomorrow": (
        {"inspected_on": (today() + timedelta(days=1)).isoformat()},
        refused(("inspected_on", "future")),
    ),
    "a visit in the year 9999": ({"inspected_on": "9999-01-01"}, refused(("inspected_on", "date_range"))),
    "no day": ({"inspected_on": None}, refused(("inspected_on", "required"))),
    "a deadline without the unit's person": (
        {"rectify_by": (today() + timedelta(days=30)).isoformat()},
        refused(("responsible_person", "required")),
    ),
    "a permit nobody holds": ({"permit_number": "91310107MA0000000X001P"}, refused((None, "not_found"))),
}


@pytest.mark.parametrize("case", list(RECORD_CASES))
async def test_a_record_is_decided_alike_through_both_faces(client, api, session, case):  # type: ignore[no-untyped-def]
    changes, expected = RECORD_CASES[case]
    district = await build_district(session)
    chief = district.brigade[0]
    values: dict[str, Any] = {
        "kind": "enforcement",
        "permit_number": district.key[0].number,
        "inspected_on": today().isoformat(),
        "inspectors": 2,
        "items": _items(),
        "summary": "现场检查",
        "rectify_by": None,
    }
    values.update(changes)
    # Two teams, so that the second face's visit is not the first one's sent again.
    size = values.pop("inspectors")
    inspectors = [u.id for u in district.brigade[:size]]
    api_team = [u.id for u in district.brigade[2 : 2 + size]]
    await log_in(client, chief.username)
    form: dict[str, Any] = {
        "kind": values["kind"],
        "permit_number": values["permit_number"],
        "inspected_on": values["inspected_on"] or "",
        "inspector": [str(i) for i in inspectors],
        "summary": values["summary"],
        "rectify_by": values["rectify_by"] or "",
    }
    for item in values["items"]:
        form[f"item-{item['code']}"] = item["result"]
        form[f"note-{item['code']}"] = item["note"]
    portal = portal_outcome(await post_form(client, "/inspections/records", form, page="/inspections"))
    payload = await graphql_data(
        api,
        RECORD,
        {
            "input": {
                "kind": values["kind"],
                "permitNumber": values["permit_number"],
                "inspectedOn": values["inspected_on"],
                "inspectorIds": api_team,
                "items": values["items"],
                "summary": values["summary"],
                "rectifyBy": values["rectify_by"],
            }
        },
        token=await bearer_token(session, chief),
    )
    graphql = graphql_outcome(payload["recordInspection"], rename={"permitNumber": None})
    assert portal == graphql == expected, f"portal {portal}, GraphQL {graphql}"
    assert await count(session, InspectionRecord) == (2 if expected.accepted else 0)


async def test_another_districts_brigade_is_refused_alike(client, api, session):  # type: ignore[no-untyped-def]
    district = await build_district(session)
    stranger = await make_user(session, "enforcement", region_code="370102")
    await log_in(client, stranger.username)
    form = {"region": REGION, "year": str(today().year), "kind": "enforcement", "pool": "registration"}
    portal = portal_outcome(await post_form(client, "/inspections/draws", form, page="/"))
    payload = await graphql_data(
        api,
        DRAW,
        {
            "input": {
                "regionCode": REGION,
                "year": today().year,
                "kind": "enforcement",
                "pool": "registration",
            }
        },
        token=await bearer_token(session, stranger),
    )
    assert portal == graphql_outcome(payload["makeInspectionDraw"]) == refused((None, "forbidden"))
    assert district
