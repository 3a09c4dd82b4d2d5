"""Importing permit files (JSON, XLSX) through the domain and the portal page, on a real database."""

import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import func, select

from demo.examples import example_records
from domain.access import operator
from domain.enterprises.rules import SiteInput
from domain.enterprises.service import add_site
from domain.errors import PermissionDenied
from domain.permits.files import layout
from domain.permits.files.layout import PermitFileRejected
from domain.permits.files.reading import open_permit_file
from domain.permits.models import Permit
from domain.permits.queries.register import permit_detail
from domain.permits.service.imports import import_permit_file, import_permit_records
from tests.factories import actor, make_enterprise, make_user, permit_record
from tests.portal_helpers import csrf_token, log_in

EXAMPLES = Path(__file__).resolve().parents[2] / "web_templates/static/examples"
XLSX = (EXAMPLES / "permits-import-example.xlsx").read_bytes()
JSON = (EXAMPLES / "permits-import-example.json").read_bytes()
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def register_example_units(session):
    """The two Putuo units the example files are about, registered as in the demo city."""
    for record in example_records():
        await make_enterprise(
            session,
            credit_code=record["enterprise_credit_code"],
            region_code="310107",
            management_category=record["category"],
        )


async def putuo_permitting(session):
    return actor(await make_user(session, "permitting", region_code="310107"))


async def permit_count(session):
    return (await session.exec(select(func.count()).select_from(Permit))).one()


@pytest.mark.parametrize(("name", "data"), [("example.xlsx", XLSX), ("example.json", JSON)])
async def test_the_example_files_import_as_they_are(session, name, data):
    await register_example_units(session)
    officer = await putuo_permitting(session)
    imported = await import_permit_file(session, officer, name=name, data=data)
    numbers = [record["number"] for record in example_records()]
    assert [permit.number for permit in imported] == numbers
    detail = await permit_detail(session, officer, number=numbers[0])
    assert (
        detail.permit.status == "issued" and detail.permit.valid_until.isoformat() == "2030-09-14"
    )  # Reg art. 14: 5 years
    nmhc = next(limit for limit in detail.limits if (limit.point_code, limit.pollutant) == ("DA001", "NMHC"))
    assert (nmhc.concentration_limit, nmhc.unit) == (60, "mg/m3")
    assert {o.code for o in detail.outlets} == {"DA001", "DA002", "DW001", "MF0001"}
    cut = await permit_detail(session, officer, number=numbers[1])
    assert cut.permit.valid_until.isoformat() == "2027-06-30" and cut.permit.validity_cut_reason


async def test_a_file_with_bad_rows_names_sheet_row_and_field_and_writes_nothing(session):
    await register_example_units(session)
    officer = await putuo_permitting(session)
    workbook = load_workbook(io.BytesIO(XLSX))
    workbook["limits"]["E3"] = "kg"  # a unit that is not a concentration unit
    workbook["permits"]["B3"] = "91310107MA00000019"  # not a valid credit code of a registered unit
    workbook["permits"]["E2"] = "2999-01-01"  # a decision in the future
    buffer = io.BytesIO()
    workbook.save(buffer)
    before = await permit_count(session)
    with pytest.raises(PermitFileRejected) as caught:
        await import_permit_file(session, officer, name="bad.xlsx", data=buffer.getvalue())
    located = {(p.sheet, p.row, p.cell, p.code) for p in caught.value.problems}
    assert ("limits", 3, "E3", "unit") in located
    assert ("permits", 2, "E2", "future") in located
    assert ("permits", 3, "B3", "not_found") in located
    assert await permit_count(session) == before
    fields = {error.field for error in caught.value.errors}
    assert "limits!E3 (单位 unit)" in fields


async def test_problems_in_every_batch_are_reported_and_good_batches_are_undone(session):
    good = await make_enterprise(session)
    bad = await make_enterprise(session)
    await add_site(
        session,
        operator(),
        credit_code=bad.credit_code,
        data=SiteInput("二厂", "上海市普陀区祁连山南路2号", "310107", "2614"),
    )
    officer = await putuo_permitting(session)
    records = [
        permit_record(good, decision_date="2025-03-03"),
        permit_record(bad, decision_date="2025-03-03", category="medium"),
        permit_record(bad, decision_date="2025-03-03", sequence=2, issuing_authority=""),
    ]
    permit_file = open_permit_file("batch.json", json.dumps(records).encode())
    before = await permit_count(session)
    calls = []
    with pytest.raises(PermitFileRejected) as caught:
        await import_permit_records(
            session,
            officer,
            permit_file=permit_file,
            batch_size=1,
            progress=lambda d, t: calls.append((d, t)),
        )
    assert {p.location for p in caught.value.problems} == {"rows[2].category", "rows[3].issuing_authority"}
    assert await permit_count(session) == before
    assert calls == [(1, 3), (2, 3), (3, 3)]


async def test_only_the_permitting_section_and_the_administrator_may_import(session):
    await register_example_units(session)
    ecology = actor(await make_user(session, "ecology", region_code="310107"))
    with pytest.raises(PermissionDenied):
        await import_permit_file(session, ecology, name="example.json", data=JSON)
    jinan = actor(await make_user(session, "permitting", region_code="370100"))
    with pytest.raises(PermitFileRejected) as caught:
        await import_permit_file(session, jinan, name="example.json", data=JSON)
    assert {p.code for p in caught.value.problems} == {"outside_jurisdiction"}
    assert len(await import_permit_file(session, operator(), name="example.json", data=JSON)) == 2


# ---------------------------------------------------------------------------
# The portal page
# ---------------------------------------------------------------------------


async def upload(client, name, data, content_type, *, headers=None):
    token = await csrf_token(client, "/permits/import")
    return await client.post(
        "/permits/import",
        data={"csrf_token": token},
        files={"file": (name, data, content_type)},
        headers=headers or {},
    )


async def test_the_import_page_imports_an_uploaded_workbook_and_links_the_permits(client, session):
    await register_example_units(session)
    user = await make_user(session, "permitting", region_code="310107")
    await log_in(client, user.username)
    page = await client.get("/permits/import?lang=en")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text and 'name="csrf_token"' in page.text
    assert "/static/examples/permits-import-example.xlsx" in page.text
    assert "/permits/import/format" in page.text
    response = await upload(client, "example.xlsx", XLSX, XLSX_TYPE)
    assert response.status_code == 200
    for record in example_records():
        assert f'href="/permits/{record["number"]}"' in response.text
    assert await permit_count(session) == 2


async def test_the_import_page_lists_every_problem_and_imports_nothing(client, session):
    await register_example_units(session)
    user = await make_user(session, "permitting", region_code="310107")
    await log_in(client, user.username)
    workbook = load_workbook(io.BytesIO(XLSX))
    workbook["limits"]["E3"] = "kg"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = await upload(
        client, "bad.xlsx", buffer.getvalue(), XLSX_TYPE, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert 'id="import-problems"' in response.text
    assert 'data-location="limits!E3"' in response.text
    assert "The unit must be one of: mg/m3." in response.text
    assert "Nothing was imported" in response.text
    assert await permit_count(session) == 0
    htmx = await upload(
        client, "bad.json", b"{}", "application/json", headers={"HX-Request": "true", "Accept-Language": "en"}
    )
    # htmx swaps only 2xx responses: the problems come back with 200.
    assert htmx.status_code == 200 and "Expected a list of permits" in htmx.text


async def test_a_file_over_the_size_limit_is_refused_with_a_clear_message(client, session, monkeypatch):
    user = await make_user(session, "permitting", region_code="310107")
    await log_in(client, user.username)
    monkeypatch.setattr(layout, "MAX_FILE_BYTES", 1024 * 1024)
    response = await upload(client, "big.json", b"[" + b" " * (1024 * 1024) + b"]", "application/json")
    assert response.status_code == 413
    assert 'data-location="file"' in response.text
    missing = await upload(client, "", b"", "application/octet-stream", headers={"Accept-Language": "en"})
    assert missing.status_code == 400 and "Choose a .json or .xlsx file" in missing.text


async def test_the_import_page_is_refused_to_anonymous_and_enterprise_users(client, session):
    anonymous = await client.get("/permits/import")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    staff = await make_user(session, "enterprise_admin")
    await log_in(client, staff.username)
    assert (await client.get("/permits/import")).status_code == 403
    token = await csrf_token(client, "/account")
    refused = await client.post(
        "/permits/import", data={"csrf_token": token}, files={"file": ("a.json", JSON, "application/json")}
    )
    assert refused.status_code == 403


async def test_the_format_description_is_readable_in_a_browser(client):
    response = await client.get("/permits/import/format")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "许可证编号" in response.text and "enterprise_credit_code" in response.text
