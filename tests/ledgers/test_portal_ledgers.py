"""The ledger pages as an environmental officer and a regulator use them, over HTTP."""

import io
import json
import re
from datetime import datetime, timedelta

import pytest
from sqlmodel import func, select

from domain.clock import CHINA, today
from domain.ledgers.entry_rules import EntryInput
from domain.ledgers.models import Exceedance, LedgerEntry, LedgerEntryRevision, MonitoringReading
from domain.ledgers.queries import charts, ledger
from domain.ledgers.rules import ReadingInput
from domain.ledgers.service import entries as entry_cases
from domain.ledgers.service import exceedances as exceedance_cases
from domain.ledgers.service import readings as reading_cases
from tests.factories import actor, make_enterprise, make_permit, make_user
from tests.portal_helpers import csrf_token, log_in

EN = {"Accept-Language": "en"}
HTMX = {"HX-Request": "true", **EN}


@pytest.fixture
async def app(app):  # type: ignore[no-untyped-def]
    """The application with the ledger pages (until portal/routes.py lists them itself)."""
    from portal import ledgers

    if not any(getattr(route, "name", None) == "ledger_home" for route in app.router.routes):
        app.router.routes[0:0] = ledgers.routes
    return app


async def setup_ledger(session):  # type: ignore[no-untyped-def]
    enterprise = await make_enterprise(session)
    decided = (today() - timedelta(days=200)).isoformat()
    permit = await make_permit(session, enterprise, decision_date=decided)
    staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
    return permit, staff


def china_yesterday(hour: int) -> datetime:
    moment = datetime.now(CHINA) - timedelta(days=1)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def hourly(start: datetime, values: list[float], pollutant: str = "SO2") -> list[ReadingInput]:
    return [
        ReadingInput(
            outlet_code="DA001",
            pollutant=pollutant,
            method="automatic",
            measured_at=start + timedelta(hours=i),
            concentration=value,
            unit="mg/m3",
            flow_m3=100_000,
        )
        for i, value in enumerate(values)
    ]


async def count(session, model, *where) -> int:  # type: ignore[no-untyped-def]
    return int((await session.exec(select(func.count()).select_from(model).where(*where))).one())


def reading_form(token: str, **overrides: str) -> dict[str, str]:
    values = {
        "csrf_token": token,
        "outlet": "DA001",
        "pollutant": "SO2",
        "method": "automatic",
        "measured_at": china_yesterday(10).strftime("%Y-%m-%dT%H:%M"),
        "concentration": "20.5",
        "unit": "mg/m3",
        "flow_m3": "",
        "quantity": "",
        "quantity_unit": "kg",
    }
    values.update(overrides)
    return values


def errors_of(html: str, field: str) -> str:
    match = re.search(rf'id="errors-{re.escape(field)}"[^>]*>(.*?)</div>', html, re.S)
    assert match, f"no error block for {field}"
    return re.sub(r"<[^>]+>", " ", match.group(1)).strip()


# ---------------------------------------------------------------------------
# Readings
# ---------------------------------------------------------------------------


async def test_an_officer_records_a_reading_in_china_time_through_the_form(client, session):
    permit, staff = await setup_ledger(session)
    await log_in(client, staff.username)
    page = f"/ledger/{permit.number}/readings"
    token = await csrf_token(client, page)
    response = await client.post(page, data=reading_form(token))
    assert response.status_code == 303
    stored = (await session.exec(select(MonitoringReading))).one()
    assert stored.measured_at == china_yesterday(10)  # typed as China time, stored as the same instant
    assert stored.measured_at.utcoffset() == timedelta(0) and stored.entered_by == staff.username
    listing = await client.get(response.headers["location"], headers=EN)
    assert "20.5" in listing.text and china_yesterday(10).strftime("%Y-%m-%d %H:%M") in listing.text


async def test_a_bad_value_is_named_next_to_its_field_keeps_the_input_and_writes_nothing(client, session):
    permit, staff = await setup_ledger(session)
    await log_in(client, staff.username)
    page = f"/ledger/{permit.number}/readings"
    token = await csrf_token(client, page)
    response = await client.post(
        page, data=reading_form(token, concentration="12,3x", unit="mg/L"), headers=EN
    )
    assert response.status_code == 400
    assert "Expected a number." in errors_of(response.text, "concentration")
    assert 'value="12,3x"' in response.text  # what was typed is still there
    assert re.search(r'<option value="DA001"[^>]*selected', response.text)
    assert await count(session, MonitoringReading) == 0
    # Through htmx the same form comes back as a fragment with the same error, ready to be swapped in.
    response = await client.post(page, data=reading_form(token, pollutant="COD"), headers=HTMX)
    assert response.status_code == 200 and "<html" not in response.text
    assert "DA001 has no permitted limit for this pollutant." in errors_of(response.text, "pollutant")
    assert await count(session, MonitoringReading) == 0


async def test_an_htmx_reading_refreshes_the_table_and_says_an_exceedance_was_opened(client, session):
    permit, staff = await setup_ledger(session)
    await log_in(client, staff.username)
    page = f"/ledger/{permit.number}/readings"
    token = await csrf_token(client, page)
    response = await client.post(page, data=reading_form(token, concentration="48"), headers=HTMX)
    assert response.status_code == 200
    assert "an exceedance was opened" in response.text
    assert 'id="readings-table"' in response.text and "48" in response.text
    assert 'class=" over"' in response.text  # the row above the limit is marked
    assert await count(session, Exceedance, Exceedance.status == "open") == 1


async def past_two_to_the_31(session, original: MonitoringReading) -> MonitoringReading:  # type: ignore[no-untyped-def]
    """The reading under an id past 2^31 (readings' ids are 64-bit: a province passes 2^31 within years)."""
    table = MonitoringReading.__table__  # type: ignore[attr-defined]
    beyond = 2**31 + 100
    await session.execute(table.update().where(table.c.id == original.id).values(id=beyond))
    session.expunge(original)
    return await session.get(MonitoringReading, beyond)


@pytest.mark.parametrize("ids", ["small", "past 2^31"])
async def test_a_reading_is_voided_with_a_reason_and_corrected_with_history(client, session, ids):
    permit, staff = await setup_ledger(session)
    await reading_cases.record_readings(
        session, actor(staff), permit_number=permit.number, readings=hourly(china_yesterday(8), [0.43])
    )
    original = (await session.exec(select(MonitoringReading))).one()
    if ids == "past 2^31":
        original = await past_two_to_the_31(session, original)
    await log_in(client, staff.username)
    page = f"/ledger/{permit.number}/readings"
    token = await csrf_token(client, page)
    refused = await client.post(
        f"{page}/{original.id}/void", data={"csrf_token": token, "reason": " "}, headers=HTMX
    )
    assert "This field is required." in errors_of(refused.text, f"void-{original.id}")
    correction = await client.get(f"{page}/{original.id}/correct", headers=EN)
    assert 'value="0.43"' in correction.text
    response = await client.post(
        f"{page}/{original.id}/correct",
        data=reading_form(
            token,
            measured_at=china_yesterday(8).strftime("%Y-%m-%dT%H:%M"),
            concentration="0.45",
            reason="仪表校准后重新计算",
        ),
    )
    assert response.status_code == 303
    await session.refresh(original)
    assert original.void_reason == "仪表校准后重新计算"
    listing = await client.get(f"{page}?void=1", headers=EN)
    assert "<del>0.43</del>" in listing.text and "仪表校准后重新计算" in listing.text
    assert f"replaces reading {original.id}" in listing.text
    hidden = await client.get(page, headers=EN)
    assert "<del>0.43</del>" not in hidden.text


async def test_the_readings_table_filters_by_outlet_pollutant_and_china_dates(client, session):
    permit, staff = await setup_ledger(session)
    await reading_cases.record_readings(
        session,
        actor(staff),
        permit_number=permit.number,
        readings=hourly(china_yesterday(1), [11.5, 12.5]) + hourly(china_yesterday(1), [33.25], "NOX"),
    )
    await log_in(client, staff.username)
    day = china_yesterday(0).strftime("%Y-%m-%d")
    response = await client.get(
        f"/ledger/{permit.number}/readings?pollutant=NOX&from={day}&to={day}", headers=HTMX
    )
    assert "33.25" in response.text and "11.5" not in response.text
    assert "1 readings" in response.text
    before = (china_yesterday(0) - timedelta(days=1)).strftime("%Y-%m-%d")
    response = await client.get(f"/ledger/{permit.number}/readings?to={before}", headers=HTMX)
    assert "0 readings" in response.text


# ---------------------------------------------------------------------------
# Who may see and do what
# ---------------------------------------------------------------------------


async def test_a_regulator_reads_the_ledger_but_may_not_write_it(client, session):
    permit, _staff = await setup_ledger(session)
    regulator = await make_user(session, "enforcement", region_code="310107")
    await log_in(client, regulator.username)
    for path in ("", "/readings", "/entries", "/charts"):
        response = await client.get(f"/ledger/{permit.number}{path}", headers=EN)
        assert response.status_code == 200, path
    home = await client.get(f"/ledger/{permit.number}", headers=EN)
    assert "Read only" in home.text and "Record cause and measures" not in home.text
    readings = await client.get(f"/ledger/{permit.number}/readings", headers=EN)
    assert 'id="add-reading"' not in readings.text
    token = await csrf_token(client, f"/ledger/{permit.number}/readings")
    response = await client.post(f"/ledger/{permit.number}/readings", data=reading_form(token))
    assert response.status_code == 403
    response = await client.post(
        f"/ledger/{permit.number}/readings", data=reading_form(token, concentration="abc")
    )
    assert response.status_code == 403  # refused before the form is even judged
    assert await count(session, MonitoringReading) == 0


async def test_another_units_user_finds_no_such_ledger(client, session):
    permit, _staff = await setup_ledger(session)
    stranger = await make_user(session, "enterprise_staff")
    await log_in(client, stranger.username)
    assert (await client.get(f"/ledger/{permit.number}")).status_code == 404
    assert (await client.get(f"/ledger/{permit.number}/export.xlsx")).status_code == 404
    token = await csrf_token(client, "/")
    response = await client.post(f"/ledger/{permit.number}/readings", data=reading_form(token))
    assert response.status_code == 404
    elsewhere = await make_user(session, "ecology", region_code="370100")
    await client.post("/logout", data={"csrf_token": token})
    await log_in(client, elsewhere.username)
    assert (await client.get(f"/ledger/{permit.number}")).status_code == 404


async def test_ledger_index_takes_the_officer_to_their_permit(client, session):
    permit, staff = await setup_ledger(session)
    await log_in(client, staff.username)
    response = await client.get("/ledger")
    assert response.status_code == 303 and response.headers["location"] == f"/ledger/{permit.number}"
    listing = await client.get("/ledger?all=1", headers=EN)
    assert permit.number in listing.text


# ---------------------------------------------------------------------------
# Ledger home: exceedances, completeness, emissions
# ---------------------------------------------------------------------------


async def test_an_exceedance_is_explained_through_the_inline_form(client, session):
    permit, staff = await setup_ledger(session)
    await reading_cases.record_readings(
        session, actor(staff), permit_number=permit.number, readings=hourly(china_yesterday(9), [60, 20])
    )
    exceedance = (await session.exec(select(Exceedance))).one()
    await log_in(client, staff.username)
    home = await client.get(f"/ledger/{permit.number}", headers=EN)
    assert (
        f'id="exceedance-{exceedance.id}"' in home.text
        and "Highest 60 mg/m³, permitted 35 mg/m³" in home.text
    )
    url = f"/ledger/{permit.number}/exceedances/{exceedance.id}/explain"
    token = await csrf_token(client, f"/ledger/{permit.number}")
    response = await client.post(
        url, data={"csrf_token": token, "cause": "脱硫浆液循环泵故障", "measures": ""}, headers=HTMX
    )
    assert response.status_code == 200
    assert "This field is required." in errors_of(response.text, f"measures-{exceedance.id}")
    assert "脱硫浆液循环泵故障</textarea>" in response.text
    assert (await session.get(Exceedance, exceedance.id)).status == "open"
    plain = await client.post(
        url, data={"csrf_token": token, "cause": "", "measures": "加强巡检"}, headers=EN
    )
    assert (
        plain.status_code == 400 and "<html" in plain.text
    )  # without JavaScript: the whole page, errors inline
    assert "This field is required." in errors_of(plain.text, f"cause-{exceedance.id}")
    assert "加强巡检</textarea>" in plain.text
    response = await client.post(
        url,
        data={"csrf_token": token, "cause": "脱硫浆液循环泵故障", "measures": "切换备用泵，加强巡检"},
        headers=HTMX,
    )
    assert "Explained" in response.text and "切换备用泵" in response.text
    await session.refresh(exceedance)
    assert exceedance.status == "explained" and exceedance.explained_by == staff.username
    # Without JavaScript the same form posts and comes back to the overview.
    regulator = await make_user(session, "ecology", region_code="310107")
    await client.post("/logout", data={"csrf_token": token})
    await log_in(client, regulator.username)
    token = await csrf_token(client, f"/ledger/{permit.number}")
    response = await client.post(url, data={"csrf_token": token, "cause": "x", "measures": "y"})
    assert response.status_code == 403


async def test_the_home_page_lists_this_months_gaps_before_the_month_closes(client, session):
    permit, staff = await setup_ledger(session)
    await log_in(client, staff.username)
    response = await client.get(f"/ledger/{permit.number}", headers=EN)
    month_start = ledger.china_month_start(datetime.now(CHINA))
    gaps = response.text[response.text.index('class="table compact gaps"') :]
    assert month_start.strftime("%Y-%m-%d 00:00") in gaps  # DA001 SO2 missing since the first hour
    assert "Production facility operation" in gaps
    assert "0.0%" in response.text  # nothing recorded yet


async def test_completeness_counts_what_was_recorded_against_the_month_so_far(session):
    permit, staff = await setup_ledger(session)
    now = datetime.now(CHINA).replace(minute=30, second=0, microsecond=0)
    month_start = ledger.china_month_start(now)
    if now - month_start < timedelta(hours=6):
        now = month_start - timedelta(minutes=1)  # too early in the month: judge the end of the last one
        month_start = ledger.china_month_start(now)
    hours = int((now - month_start).total_seconds() // 3600) + 1
    await reading_cases.record_readings(
        session, actor(staff), permit_number=permit.number, readings=hourly(month_start, [10.0] * 3)
    )
    home = await ledger.ledger_home(session, actor(staff), permit_number=permit.number, now=now)
    so2 = next(item for item in home.coverage if item.label == "DA001 SO2")
    assert (so2.recorded, so2.expected) == (3, hours)
    [gap] = [row for row in home.gaps if row.coverage.label == "DA001 SO2"]
    assert gap.gap.first_missing == month_start + timedelta(hours=3) and gap.includes_current


async def test_actual_emissions_show_the_method_in_words(client, session):
    permit, staff = await setup_ledger(session)
    await reading_cases.record_readings(
        session,
        actor(staff),
        permit_number=permit.number,
        readings=[
            ReadingInput(
                outlet_code="DW001",
                pollutant="COD",
                method="manual",
                measured_at=china_yesterday(9),
                concentration=120,
                unit="mg/L",
                quantity=3.5,
            )
        ],
    )
    await log_in(client, staff.username)
    response = await client.get(f"/ledger/{permit.number}", headers=EN)
    emissions = response.text[response.text.index('id="emissions"') : response.text.index('id="points"')]
    assert "Sum of 1 manual monitoring results" in emissions and "0.0035" in emissions
    assert "Automatic monitoring is required but its data cover only 0" in emissions  # DA001 SO2, no data


# ---------------------------------------------------------------------------
# Other entries
# ---------------------------------------------------------------------------


async def test_an_entry_is_added_revised_with_history_and_a_stale_revision_is_refused(client, session):
    permit, staff = await setup_ledger(session)
    await log_in(client, staff.username)
    base = f"/ledger/{permit.number}/entries"
    token = await csrf_token(client, f"{base}?kind=production_facility")
    start = china_yesterday(0).strftime("%Y-%m-%dT%H:%M")
    missing = await client.post(
        base,
        data={
            "csrf_token": token,
            "kind": "production_facility",
            "subject": "1#燃煤锅炉",
            "period_start": start,
        },
        headers=EN,
    )
    assert missing.status_code == 400 and "This field is required." in errors_of(missing.text, "data.status")
    assert 'value="1#燃煤锅炉"' in missing.text
    response = await client.post(
        base,
        data={
            "csrf_token": token,
            "kind": "production_facility",
            "list_kind": "production_facility",
            "subject": "1#燃煤锅炉",
            "period_start": start,
            "data.status": "正常运行",
            "data.hours": "24",
        },
    )
    assert response.status_code == 303
    entry = (await session.exec(select(LedgerEntry))).one()
    assert entry.period_start == china_yesterday(0) and entry.data == {"status": "正常运行", "hours": 24.0}
    revise = f"{base}/{entry.id}/revise"
    form = await client.get(revise, headers=EN)
    assert 'name="expected_revision" value="1"' in form.text and 'value="24"' in form.text
    values = {
        "csrf_token": token,
        "kind": "production_facility",
        "subject": "1#燃煤锅炉",
        "period_start": start,
        "data.status": "正常运行",
        "data.hours": "20",
        "expected_revision": "1",
    }
    no_reason = await client.post(revise, data=values, headers=EN)
    assert "Say why the record is changed." in errors_of(no_reason.text, "note")
    response = await client.post(revise, data={**values, "note": "运行小时数记错"})
    assert response.status_code == 303
    history = await client.get(f"{base}/{entry.id}", headers=EN)
    assert (
        "运行小时数记错" in history.text
        and "<del>24</del>" in history.text
        and "<ins>20</ins>" in history.text
    )
    stale = await client.post(revise, data={**values, "data.hours": "18", "note": "又改"}, headers=EN)
    assert stale.status_code == 409
    assert "Someone else changed this record meanwhile (now revision 2)" in stale.text
    assert 'value="18"' in stale.text  # the stale edit is kept for the officer to compare
    await session.refresh(entry)
    assert entry.revision == 2 and entry.data["hours"] == 20
    assert await count(session, LedgerEntryRevision, LedgerEntryRevision.entry_id == entry.id) == 2


async def test_an_entry_is_voided_with_a_reason_and_stays_listed(client, session):
    permit, staff = await setup_ledger(session)
    entry = await entry_cases.record_entry(
        session,
        actor(staff),
        permit_number=permit.number,
        data=EntryInput(
            kind="abnormal",
            subject="脱硫系统",
            period_start=china_yesterday(3),
            data={"description": "停运", "cause": "检修", "measures": "降负荷"},
        ),
    )
    await log_in(client, staff.username)
    url = f"/ledger/{permit.number}/entries/{entry.id}/void"
    token = await csrf_token(client, f"/ledger/{permit.number}/entries/{entry.id}")
    refused = await client.post(url, data={"csrf_token": token, "reason": ""}, headers=EN)
    assert refused.status_code == 400 and "This field is required." in errors_of(refused.text, "reason")
    assert (await client.post(url, data={"csrf_token": token, "reason": "重复录入"})).status_code == 303
    month = china_yesterday(3).strftime("%Y-%m")
    listing = await client.get(f"/ledger/{permit.number}/entries?kind=abnormal&month={month}", headers=EN)
    assert "<del>脱硫系统</del>" in listing.text and "重复录入" in listing.text


async def test_the_entry_form_follows_the_fields_of_the_chosen_kind(client, session):
    permit, staff = await setup_ledger(session)
    await log_in(client, staff.username)
    response = await client.get(f"/ledger/{permit.number}/entries?kind=control_facility", headers=HTMX)
    assert 'name="data.reagent"' in response.text and 'name="data.load_percent"' not in response.text
    assert "Reagent amount</label>" in response.text  # labelled in words, not by the stored name
    response = await client.get(f"/ledger/{permit.number}/entries?kind=other", headers=EN)
    assert 'name="data.estimate_quantity_kg"' in response.text


# ---------------------------------------------------------------------------
# Import, template, export
# ---------------------------------------------------------------------------


def csv_file(number: str, values: list[str]) -> bytes:
    lines = ["许可证编号,排放口编号,污染物代码,监测方式,监测时间,浓度,单位"]
    for hour, value in enumerate(values):
        moment = (china_yesterday(0) + timedelta(hours=hour)).strftime("%Y-%m-%d %H:%M")
        lines.append(f"{number},DA001,SO2,automatic,{moment},{value},mg/m3")
    return ("\n".join(lines) + "\n").encode("utf-8")


async def test_an_import_with_a_bad_row_names_row_and_column_and_writes_nothing(client, session):
    permit, staff = await setup_ledger(session)
    await log_in(client, staff.username)
    url = f"/ledger/{permit.number}/import"
    token = await csrf_token(client, url)
    bad = csv_file(permit.number, ["20", "abc", "30"])
    response = await client.post(
        url, data={"csrf_token": token}, files={"file": ("so2.csv", bad, "text/csv")}, headers=HTMX
    )
    assert response.status_code == 200 and "Nothing was written." in response.text
    cells = re.findall(
        r"<tr><td class=\"num\">(\d+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", response.text
    )
    assert cells == [("3", "concentration", "Expected a number.")]
    assert await count(session, MonitoringReading) == 0
    elsewhere = csv_file(permit.number, ["20", "21"]).replace(
        f"\n{permit.number},".encode(), b"\n91310107MA00000010001P,", 1
    )
    response = await client.post(
        url, data={"csrf_token": token}, files={"file": ("x.csv", elsewhere)}, headers=EN
    )
    assert response.status_code == 400 and '<td class="num">2</td><td>permit_number</td>' in response.text
    good = csv_file(permit.number, ["20", "50", "30"])
    response = await client.post(
        url, data={"csrf_token": token}, files={"file": ("so2.csv", good)}, headers=EN
    )
    assert "Imported 3 readings from so2.csv." in response.text
    assert "1 new exceedances were opened" in response.text
    assert await count(session, MonitoringReading, MonitoringReading.source == "import") == 3


async def test_the_template_lists_the_permits_outlets_and_an_unedited_one_is_refused(client, session):
    from openpyxl import load_workbook

    permit, staff = await setup_ledger(session)
    await log_in(client, staff.username)
    response = await client.get(f"/ledger/{permit.number}/template.csv")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("许可证编号,排放口编号,污染物,监测方式,监测时间")
    pairs = [tuple(line.split(",")[1:4]) for line in lines[1:]]
    assert pairs == [  # names and words as a Chinese office writes them, never codes
        ("DA001", "二氧化硫", "自动监测"),
        ("DA001", "氮氧化物", "自动监测"),
        ("DA001", "颗粒物", "手工监测"),
        ("DW001", "化学需氧量", "手工监测"),
        ("MF0001", "颗粒物", "手工监测"),
    ]
    workbook = load_workbook(io.BytesIO((await client.get(f"/ledger/{permit.number}/template.xlsx")).content))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert [row[1] for row in rows[1:]] == ["DA001", "DA001", "DA001", "DW001", "MF0001"]
    token = await csrf_token(client, f"/ledger/{permit.number}/import")
    response = await client.post(
        f"/ledger/{permit.number}/import",
        data={"csrf_token": token},
        files={"file": ("template.csv", response.content, "text/csv")},
        headers=EN,
    )
    assert response.status_code == 400 and "This field is required." in response.text
    assert await count(session, MonitoringReading) == 0


async def test_the_export_opens_in_a_spreadsheet_with_the_periods_rows(client, session):
    from openpyxl import load_workbook

    permit, staff = await setup_ledger(session)
    await reading_cases.record_readings(
        session, actor(staff), permit_number=permit.number, readings=hourly(china_yesterday(5), [10, 60, 12])
    )
    await entry_cases.record_entry(
        session,
        actor(staff),
        permit_number=permit.number,
        data=EntryInput(
            kind="production_facility",
            subject="1#燃煤锅炉",
            period_start=china_yesterday(0),
            data={"status": "正常运行", "hours": 24},
        ),
    )
    await log_in(client, staff.username)
    day = china_yesterday(0).strftime("%Y-%m-%d")
    response = await client.get(f"/ledger/{permit.number}/export.xlsx?from={day}&to={day}&lang=en")
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "application/vnd.openxmlformats"
    )
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames == ["Monitoring readings", "Ledger entries", "Exceedances"]
    readings = list(workbook["Monitoring readings"].iter_rows(values_only=True))
    assert readings[0][:6] == (
        "Measured at",
        "Until",
        "Outlet",
        "Pollutant",
        "Monitoring method",
        "Concentration",
    )
    assert [(row[0], row[5], row[7]) for row in readings[1:]] == [
        (china_yesterday(5 + i).strftime("%Y-%m-%d %H:%M"), value, 35) for i, value in enumerate((10, 60, 12))
    ]
    entries = list(workbook["Ledger entries"].iter_rows(values_only=True))
    assert len(entries) == 2 and entries[1][1] == "1#燃煤锅炉"
    assert len(list(workbook["Exceedances"].iter_rows(values_only=True))) == 2
    earlier = (china_yesterday(0) - timedelta(days=3)).strftime("%Y-%m-%d")
    response = await client.get(f"/ledger/{permit.number}/export.xlsx?from={earlier}&to={earlier}")
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert len(list(workbook.worksheets[0].iter_rows(values_only=True))) == 1  # the header only


# ---------------------------------------------------------------------------
# Charts and warnings
# ---------------------------------------------------------------------------


def chart_data(html: str) -> dict:  # type: ignore[type-arg]
    match = re.search(r'<script type="application/json" id="ledger-chart-data">(.*?)</script>', html, re.S)
    assert match
    return json.loads(match.group(1))  # type: ignore[no-any-return]


async def test_the_charts_page_carries_the_series_with_the_permitted_limit(client, session):
    permit, staff = await setup_ledger(session)
    await reading_cases.record_readings(
        session, actor(staff), permit_number=permit.number, readings=hourly(china_yesterday(6), [20, 40, 30])
    )
    await log_in(client, staff.username)
    day = china_yesterday(0).strftime("%Y-%m-%d")
    response = await client.get(
        f"/ledger/{permit.number}/charts?series=DA001:SO2&from={day}&to={day}", headers=EN
    )
    data = chart_data(response.text)
    series = data["concentration"]
    assert (series["outlet"], series["pollutant"], series["limit"], series["unit"]) == (
        "DA001",
        "SO2",
        35,
        "mg/m3",
    )
    assert series["aggregate"] == "reading" and series["values"] == [20, 40, 30]
    assert series["labels"][0] == china_yesterday(6).strftime("%Y-%m-%d %H:%M")
    assert "1 of 3 points are above the limit." in response.text
    month_ago = (china_yesterday(0) - timedelta(days=30)).strftime("%Y-%m-%d")
    response = await client.get(f"/ledger/{permit.number}/charts?series=DA001:SO2&from={month_ago}&to={day}")
    series = chart_data(response.text)["concentration"]
    assert series["aggregate"] == "daily_max" and len(series["labels"]) == 31
    assert series["labels"][0] == month_ago and series["labels"][-1] == day
    # Days without a valid reading are gaps in the line, not points at zero.
    assert series["values"][-1] == 40 and series["values"].count(None) == 30
    assert len(chart_data(response.text)["completeness"]["values"]) == 12


async def test_monthly_completeness_counts_hours_and_days_of_a_past_month(session):
    permit, staff = await setup_ledger(session)
    first_of_month = ledger.china_month_start(datetime.now(CHINA))
    last_month = ledger.china_month_start(first_of_month - timedelta(days=1))
    day = last_month + timedelta(days=2)
    await reading_cases.record_readings(
        session, actor(staff), permit_number=permit.number, readings=hourly(day, [10.0] * 24)
    )
    await entry_cases.record_entry(
        session,
        actor(staff),
        permit_number=permit.number,
        data=EntryInput(
            kind="production_facility",
            subject="1#燃煤锅炉",
            period_start=day + timedelta(hours=2),  # 02:00 China time is still that China day
            data={"status": "正常运行"},
        ),
    )
    page = await charts.charts_page(session, actor(staff), permit_number=permit.number, year=last_month.year)
    month = page.months[last_month.month - 1]
    days = (first_of_month - last_month).days
    assert month.recorded == 24 + 1
    assert month.expected == 2 * 24 * days + 1 + days  # SO2 and NOX hourly, COD quarterly, production daily
    before = await charts.charts_page(
        session, actor(staff), permit_number=permit.number, year=permit.valid_from.year - 1
    )
    assert [m.expected for m in before.months] == [0] * 12  # nothing is required before the permit


async def test_warnings_list_the_jurisdictions_exceedances_open_first(client, session):
    permit, staff = await setup_ledger(session)
    await reading_cases.record_readings(
        session, actor(staff), permit_number=permit.number, readings=hourly(china_yesterday(1), [50, 20, 70])
    )
    first, second = (await session.exec(select(Exceedance).order_by(Exceedance.started_at))).all()
    await exceedance_cases.explain_exceedance(
        session, actor(staff), exceedance_id=second.id, cause="a", measures="b"
    )
    regulator = await make_user(session, "ecology", region_code="310107")
    await log_in(client, regulator.username)
    response = await client.get("/exceedances", headers=EN)
    assert response.status_code == 200
    positions = [response.text.index(f"#exceedance-{e.id}") for e in (first, second)]
    assert positions[0] < positions[1]  # the open one first, although older
    assert f"/ledger/{permit.number}#exceedance-{first.id}" in response.text
    only_open = await client.get("/exceedances?status=open", headers=HTMX)
    assert f"#exceedance-{second.id}" not in only_open.text and "<html" not in only_open.text
    token = await csrf_token(client, "/")
    await client.post("/logout", data={"csrf_token": token})
    elsewhere = await make_user(session, "ecology", region_code="370100")
    await log_in(client, elsewhere.username)
    response = await client.get("/exceedances", headers=EN)
    assert f"#exceedance-{first.id}" not in response.text and "0 exceedances" in response.text


async def test_an_unreadable_value_and_the_rules_problems_show_together(client, session):
    permit, staff = await setup_ledger(session)
    await log_in(client, staff.username)
    page = f"/ledger/{permit.number}/readings"
    token = await csrf_token(client, page)
    response = await client.post(
        page,
        data=reading_form(token, measured_at="yesterday", pollutant="COD", flow_m3="lots", unit=""),
        headers=EN,
    )
    assert response.status_code == 400
    assert "Expected a date and time." in errors_of(response.text, "measured_at")
    assert "Expected a number." in errors_of(response.text, "flow")
    assert "DA001 has no permitted limit for this pollutant." in errors_of(response.text, "pollutant")
    assert "This field is required." in errors_of(response.text, "unit")
    assert await count(session, MonitoringReading) == 0


async def test_a_correction_names_its_unreadable_values_and_a_missing_reason_at_once(client, session):
    permit, staff = await setup_ledger(session)
    await reading_cases.record_readings(
        session, actor(staff), permit_number=permit.number, readings=hourly(china_yesterday(8), [0.43])
    )
    original = (await session.exec(select(MonitoringReading))).one()
    await log_in(client, staff.username)
    url = f"/ledger/{permit.number}/readings/{original.id}/correct"
    token = await csrf_token(client, url)
    response = await client.post(url, data=reading_form(token, concentration="0,4x", reason=""), headers=EN)
    assert response.status_code == 400
    assert "Expected a number." in errors_of(response.text, "concentration")
    assert "This field is required." in errors_of(response.text, "reason")
    await session.refresh(original)
    assert original.voided_at is None and await count(session, MonitoringReading) == 1
