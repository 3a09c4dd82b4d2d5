"""The copy of record (存档件): a PDF of each submission and its receipt, for whoever may read the report,
rendered from the stored submission (never the draft), the same bytes every time, its text Chinese."""

from __future__ import annotations

import io
import re
import time
from datetime import timedelta

from pypdf import PdfReader
from sqlmodel import select

from domain.accounts.models import User
from domain.actors import actor_for_user
from domain.agencies import service as agencies
from domain.agencies.rules import AgencyInput, AuthorisationInput, QualificationInput, StaffInput
from domain.clock import today
from domain.reports.models import ExecutionReport, ReportSubmission
from domain.reports.queries import record
from portal.templating import local_time
from tests.factories import actor, credit_code, file_report, make_enterprise, make_permit, make_user
from tests.graphql_helpers import bearer_token, graphql_data
from tests.portal_helpers import log_in

COMMITMENT = "本单位承诺本报告内容真实、准确、完整，并承担相应法律责任。"
AGENCY_NAME = "上海绿源环境技术服务有限公司"
CLERK_NAME = "李明"
CLERK_PASSWORD = "agency-password-1"


def last_full_quarter() -> str:
    day = today()
    quarter = (day.month - 1) // 3
    year = day.year if quarter else day.year - 1
    return f"{year}-Q{quarter or 4}"


def quarterly(statement: str = COMMITMENT, rows: int = 3) -> dict:  # type: ignore[type-arg]
    pollutants = [("SO2", 12.0), ("NOX", 20.0), ("PM", 3.0)]
    return {
        "emissions": [
            {
                "outlet": f"DA{1 + i // 3:03d}",
                "pollutant": pollutants[i % 3][0],
                "method": "automatic",
                "concentration_avg": pollutants[i % 3][1],
                "concentration_max": pollutants[i % 3][1] * 1.5,
                "unit": "mg/m3",
                "quantity_t": 1.2,
                "compliant": True,
            }
            for i in range(rows)
        ],
        "exceedances": [],
        "abnormal_operation": [],
        "shutdowns": [],
        "statement": statement,
    }


async def agency_for(session, enterprise):  # type: ignore[no-untyped-def]
    """An approved agency whose clerk (named) the unit authorised for its reports."""
    agency = await agencies.register_agency(
        session,
        actor(await make_user(session, "admin")),
        data=AgencyInput(
            name=AGENCY_NAME,
            credit_code=credit_code(),
            address="上海市普陀区",
            region_code="310107",
            contact_person="周敏",
            contact_phone="021-52000000",
            service_types=["reports"],
            qualifications=[
                QualificationInput("检验检测机构资质认定", "CMA-1", today() + timedelta(days=900))
            ],
        ),
        staff=[
            StaffInput(
                username=f"pdf-clerk-{enterprise.id}", password=CLERK_PASSWORD, display_name=CLERK_NAME
            )
        ],
    )
    await session.flush()
    await agencies.review_agency(
        session, actor(await make_user(session, "legal")), credit_code=agency.credit_code, decision="approve"
    )
    admin = actor(await make_user(session, "enterprise_admin", enterprise=enterprise))
    await agencies.authorise_agency(
        session,
        admin,
        data=AuthorisationInput(
            agency.credit_code,
            ["reports"],
            today() - timedelta(days=1),
            today() + timedelta(days=300),
            "HT-1",
        ),
    )
    await session.flush()
    clerk = (await session.exec(select(User).where(User.agency_id == agency.id))).one()
    return agency, clerk


async def filed_by_agency(db, session, *, versions: int = 1, content=None):  # type: ignore[no-untyped-def]
    enterprise = await make_enterprise(session, name="上海申普热电有限公司")
    permit = await make_permit(session, enterprise, decision_date=(today() - timedelta(days=700)).isoformat())
    staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
    _agency, clerk = await agency_for(session, enterprise)
    clerk_as = await actor_for_user(session, clerk, channel="portal")
    results = []
    for version in range(1, versions + 1):
        body = content or quarterly(COMMITMENT if version == 1 else COMMITMENT + f"（第{version}版）")
        results.append(await file_report(db, clerk_as, permit, last_full_quarter(), body, f"pdf-{version}"))
    return enterprise, permit, staff, clerk, results


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def embedded_fonts(pdf: bytes) -> set[str]:
    """The fonts the PDF uses, each embedded (a subset: its name without the subset tag)."""
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            names.add(str(font["/BaseFont"]).split("+", 1)[-1])
    return names


async def pdf_as(client, username: str, receipt: str, password: str | None = None):  # type: ignore[no-untyped-def]
    client.cookies.clear()
    response = await (log_in(client, username, password) if password else log_in(client, username))
    assert response.status_code == 303, response.text[:300]
    return await client.get(record.pdf_path(receipt))


async def test_the_unit_its_agency_and_the_reviewing_regulator_download_the_pdf_and_another_unit_cannot(
    client, db, session
):
    enterprise, permit, staff, clerk, (filed,) = await filed_by_agency(db, session)
    receipt = filed.submission.receipt_number
    regulator = await make_user(session, "ecology", region_code="310107")
    other_unit = await make_user(session, "enterprise_staff")
    far_regulator = await make_user(session, "ecology", region_code="370102")

    for username, password in (
        (staff.username, None),
        (clerk.username, CLERK_PASSWORD),
        (regulator.username, None),
    ):
        response = await pdf_as(client, username, receipt, password)
        assert response.status_code == 200, (username, response.text[:300])
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"] == f'attachment; filename="{receipt}.pdf"'
        assert response.content.startswith(b"%PDF-")
    for username in (other_unit.username, far_regulator.username):
        response = await pdf_as(client, username, receipt)
        assert response.status_code == 404 and not response.content.startswith(b"%PDF")
    client.cookies.clear()
    anonymous = await client.get(record.pdf_path(receipt))
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    assert (await pdf_as(client, staff.username, "R20990101-0000001-01")).status_code == 404


async def test_the_pdf_text_is_chinese_and_names_the_unit_permit_times_hash_filer_agency_and_commitment(
    client, db, session
):
    enterprise, permit, staff, clerk, (filed,) = await filed_by_agency(db, session)
    submission = filed.submission
    response = await pdf_as(client, staff.username, submission.receipt_number)
    text = text_of(response.content)
    flat = re.sub(r"\s+", "", text)

    assert "上海申普热电有限公司" in text and permit.number in flat
    assert submission.receipt_number in flat
    assert local_time(submission.received_at, "%Y-%m-%d %H:%M:%S").replace(" ", "") in flat
    assert submission.content_hash in flat
    assert CLERK_NAME in text and AGENCY_NAME in text  # who filed, for whom
    assert re.sub(r"\s+", "", COMMITMENT) in flat
    assert "二氧化硫" in text and "氮氧化物" in text  # pollutant names, not codes
    assert "回执" in text and "排污单位声明" in text  # titles of the receipt and of the sections
    fonts = embedded_fonts(response.content)  # the Simplified Chinese faces, embedded
    assert "Noto-Sans-CJK-SC" in fonts and not any("JP" in name for name in fonts), fonts


async def test_a_later_version_shows_its_own_and_the_first_submission_time(client, db, session):
    enterprise, permit, staff, clerk, (first, second) = await filed_by_agency(db, session, versions=2)
    assert second.submission.version == 2
    response = await pdf_as(client, staff.username, second.submission.receipt_number)
    flat = re.sub(r"\s+", "", text_of(response.content))
    for moment in (first.submission.received_at, second.submission.received_at):
        assert local_time(moment, "%Y-%m-%d %H:%M:%S").replace(" ", "") in flat
    assert second.submission.content_hash in flat and "（第2版）" in flat

    receipt_page = await client.get(f"/receipts/{second.submission.receipt_number}")
    assert 'id="first-received-at"' in receipt_page.text
    assert local_time(first.submission.received_at, "%Y-%m-%d %H:%M:%S") in receipt_page.text
    assert f'href="{record.pdf_path(second.submission.receipt_number)}"' in receipt_page.text
    report_page = await client.get(f"/reports/id/{second.report.id}")
    for filed in (first, second):
        assert f'href="{record.pdf_path(filed.submission.receipt_number)}"' in report_page.text


async def test_two_renders_are_the_same_bytes_and_come_from_the_submission_not_the_draft(client, db, session):
    enterprise, permit, staff, clerk, (filed,) = await filed_by_agency(db, session)
    once = await pdf_as(client, staff.username, filed.submission.receipt_number)
    report = await session.get(ExecutionReport, filed.report.id)
    report.draft = quarterly("草稿里后来改过的内容")  # the draft moves on; the filed copy does not
    session.add(report)
    await session.flush()
    again = await client.get(record.pdf_path(filed.submission.receipt_number))
    assert once.content == again.content
    assert "草稿里后来改过的内容" not in text_of(again.content)
    metadata = PdfReader(io.BytesIO(again.content)).metadata
    stored = (await session.exec(select(ReportSubmission))).one()
    assert metadata["/CreationDate"] == stored.received_at.strftime("D:%Y%m%d%H%M%S+00'00")


async def test_graphql_gives_the_download_address_to_readers_of_the_report_and_their_token_downloads_it(
    client, db, session
):
    enterprise, permit, staff, clerk, (filed,) = await filed_by_agency(db, session)
    token = await bearer_token(session, staff)
    data = await graphql_data(
        client,
        "query($number: String!, $period: String!) { executionReport(permitNumber: $number,"
        " kind: QUARTERLY, period: $period) { submissions { receiptNumber pdfUrl } } }",
        {"number": permit.number, "period": last_full_quarter()},
        token=token,
    )
    (submission,) = data["executionReport"]["submissions"]
    assert submission["pdfUrl"].endswith(record.pdf_path(filed.submission.receipt_number))

    # The address downloads with the same token, no portal session needed; the same readers as the portal's.
    client.cookies.clear()
    path = record.pdf_path(filed.submission.receipt_number)
    response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    other = await bearer_token(session, await make_user(session, "enterprise_staff"))
    assert (await client.get(path, headers={"Authorization": f"Bearer {other}"})).status_code == 404
    refused = await client.get(path, headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")


async def test_a_report_past_the_pdf_bounds_renders_in_seconds_and_says_what_it_left_out(client, db, session):
    big = quarterly(rows=record.PDF_MAX_ROWS + 5)
    big["exceedances"] = [
        {
            "outlet": "DA001",
            "pollutant": "SO2",
            "started_at": "2026-01-01T00:00",
            "ended_at": "2026-01-01T03:00",
            "max_value": 48.0,
            "limit_value": 35.0,
            "cause": "脱硫塔循环泵故障",
            "measures": "更换循环泵",
        }
    ]
    enterprise, permit, staff, clerk, (filed,) = await filed_by_agency(db, session, content=big)
    client.cookies.clear()
    await log_in(client, staff.username)
    # CPU seconds of this process (the renderer runs in it): what the rendering costs, whatever else the
    # machine is running.
    started = time.process_time()
    response = await client.get(record.pdf_path(filed.submission.receipt_number))
    elapsed = time.process_time() - started
    assert response.status_code == 200
    flat = re.sub(r"\s+", "", text_of(response.content))
    assert f"最多打印共{record.PDF_MAX_ROWS}行" in flat  # the note at the top
    assert "本部分另有5行未打印" in flat and "本部分另有1行未打印" in flat  # emissions, then exceedances
    assert re.sub(r"\s+", "", COMMITMENT) in flat and filed.submission.content_hash in flat
    assert elapsed < 45, elapsed  # 2 shared cores under load; about 5 s alone (docs/architecture.md)
    print(f"PDF at the bounds ({record.PDF_MAX_ROWS} rows): {elapsed:.2f} s, {len(response.content)} bytes")


def test_the_pdf_bounds_cut_rows_in_section_order_and_long_texts_and_keep_the_rest_as_filed():
    rows = [{"outlet": "DA001", "pollutant": "SO2", "concentration_avg": 1.0}] * (record.PDF_MAX_ROWS - 1)
    content = {
        "emissions": rows,
        "exceedances": [{"cause": "泵" * (record.PDF_MAX_TEXT + 10)}, {"cause": "短"}],
        "production": {"notes": "说明"},
        "statement": "承诺",
    }
    printed, cut_rows, cut_texts = record.bounded_content(content)
    assert printed["emissions"] == rows and printed["production"] == {"notes": "说明"}
    assert printed["exceedances"] == [{"cause": "泵" * record.PDF_MAX_TEXT + " …"}]
    assert cut_rows == {"exceedances": 1} and cut_texts == 1 and printed["statement"] == "承诺"
    assert record.bounded_content({"emissions": rows[:3], "statement": "承诺"}) == (
        {"emissions": rows[:3], "statement": "承诺"},
        {},
        0,
    )
