"""A report states only what applies: no quantity for pH and other dimensionless parameters, units as the
standards write them, and a pollutant sampled less often than the period is no fault of its report."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.clock import today
from domain.errors import ValidationFailed
from domain.ledgers.rules import ReadingInput
from domain.ledgers.service import readings as ledgers
from domain.reports.queries.editor import check_draft, get_draft
from tests.factories import actor, make_enterprise, make_permit, make_user, permit_content

PH_LIMIT = {"pollutant": "PH", "concentration_limit": 9, "unit": "dimensionless"}


def last_full_quarter() -> str:
    day = today()
    quarter = (day.month - 1) // 3
    year = day.year if quarter else day.year - 1
    return f"{year}-Q{quarter or 4}"


async def unit_with_ph(session):
    content = permit_content()
    water = next(o for o in content["outlets"] if o["code"] == "DW001")
    water["limits"] = [*water["limits"], PH_LIMIT]
    content["monitoring"] = [
        *content["monitoring"],
        {"point": "DW001", "pollutant": "PH", "frequency": "quarterly", "method": "manual"},
    ]
    enterprise = await make_enterprise(session)
    permit = await make_permit(
        session, enterprise, decision_date=(today() - timedelta(days=700)).isoformat(), content=content
    )
    staff = actor(await make_user(session, "enterprise_staff", enterprise=enterprise))
    return permit, staff


def quarter_start(label: str) -> datetime:
    year, quarter = int(label[:4]), int(label[-1])
    return datetime(year, 3 * quarter - 2, 5, 1, tzinfo=UTC)


async def test_a_ph_reading_with_a_flow_has_no_quantity_and_one_typed_is_refused(session):
    permit, staff = await unit_with_ph(session)
    moment = quarter_start(last_full_quarter())
    result = await ledgers.record_readings(
        session,
        staff,
        permit_number=permit.number,
        readings=[ReadingInput("DW001", "PH", "manual", moment, 7.2, "dimensionless", flow_m3=800)],
    )
    assert result.written == 1
    with pytest.raises(ValidationFailed) as refused:
        await ledgers.record_readings(
            session,
            staff,
            permit_number=permit.number,
            readings=[
                ReadingInput(
                    "DW001", "PH", "manual", moment + timedelta(days=1), 7.1, "dimensionless", quantity=3
                )
            ],
        )
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("readings[0].quantity", "dimensionless_quantity")
    ]


async def test_the_draft_states_units_as_the_standards_do_and_no_quantity_for_ph(session):
    permit, staff = await unit_with_ph(session)
    label = last_full_quarter()
    start = quarter_start(label)
    await ledgers.record_readings(
        session,
        staff,
        permit_number=permit.number,
        readings=[
            ReadingInput(
                "DW001",
                "PH",
                "manual",
                start + timedelta(days=d),
                7.0 + d / 100,
                "dimensionless",
                flow_m3=800,
            )
            for d in range(3)
        ]
        + [
            ReadingInput(
                "DA001", "SO2", "automatic", start + timedelta(hours=h), 20, "mg/m3", flow_m3=100_000
            )
            for h in range(3)
        ],
    )
    draft = await get_draft(session, staff, permit_number=permit.number, kind="quarterly", period=label)
    rows = {(r["outlet"], r["pollutant"]): r for r in draft.content["emissions"]}
    assert rows[("DW001", "PH")]["unit"] == "无量纲" and rows[("DW001", "PH")]["quantity_t"] is None
    assert rows[("DA001", "SO2")]["unit"] == "mg/m³"
    findings = await check_draft(
        session, staff, permit_number=permit.number, kind="quarterly", period=label, content=draft.content
    )
    ph_index = draft.content["emissions"].index(rows[("DW001", "PH")])
    assert not [f for f in findings if f.field.startswith(f"content.emissions[{ph_index}]")]
    assert not [f for f in findings if f.code == "G014"]  # mg/m³ is the permit's mg/m3

    # A quantity typed for pH is an error naming the field.
    rows[("DW001", "PH")]["quantity_t"] = 0.5
    findings = await check_draft(
        session, staff, permit_number=permit.number, kind="quarterly", period=label, content=draft.content
    )
    assert ("G069", f"content.emissions[{ph_index}].quantity_t") in {(f.code, f.field) for f in findings}
