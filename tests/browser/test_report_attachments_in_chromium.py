"""A unit attaches its monitoring report (a PDF) to its quarterly report's draft, submits, and finds it on
the receipt and in the PDF copy of record; the district opens the report for review and downloads it.

The data (a unit, its permit, its officer's saved draft, the district's officer) is set up here and the
server started here (uploads go to the instance folder's file store), as the other report tests do."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM, ROOT, screenshot
from tests.browser.servers import free_port, running, serve_command

pytestmark = pytest.mark.browser

STAFF, OFFICER = "att-staff", "att-ecology"
FILE_NAME = "2026年第三季度自行监测报告.pdf"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n"


def last_full_quarter(day) -> str:  # type: ignore[no-untyped-def]
    quarter = (day.month - 1) // 3
    year = day.year if quarter else day.year - 1
    return f"{year}-Q{quarter or 4}"


async def seed(url: str) -> str:
    """The unit, its permit and saved draft, the district's officer; the permit's number."""
    import domain.models  # noqa: F401  (every table, so foreign keys resolve)
    from domain.clock import today
    from domain.db import Database
    from domain.reports.service.drafts import save_draft
    from tests.factories import actor, make_enterprise, make_permit, make_user
    from tests.reports.test_pdf_record import quarterly

    database = Database(url)
    async with database.transaction() as session:
        enterprise = await make_enterprise(session, name="上海普陀热电有限公司")
        permit = await make_permit(
            session, enterprise, decision_date=(today() - timedelta(days=700)).isoformat()
        )
        staff = await make_user(session, "enterprise_staff", enterprise=enterprise, username=STAFF)
        await make_user(session, "ecology", region_code="310107", username=OFFICER)
        await save_draft(
            session,
            actor(staff),
            permit_number=permit.number,
            kind="quarterly",
            period=last_full_quarter(today()),
            content=quarterly(),
        )
        number = permit.number
    await database.dispose()
    return number


@pytest.fixture(scope="module")
def attachment_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    instance = tmp_path_factory.mktemp("attachments-instance")
    url = f"sqlite:///{instance / 'attachments.db'}"
    env = {**os.environ, "DATABASE_URL": url, "INSTANCE_PATH": str(instance), "ENVIRONMENT": "test"}
    env.pop("UPLOAD_PATH", None)
    python = sys.executable
    subprocess.run(
        [python, "-m", "server.cli", "migrate"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    seeded = subprocess.run(
        [
            python,
            "-c",
            "import asyncio, sys; from tests.browser.test_report_attachments_in_chromium import seed; "
            "print(asyncio.run(seed(sys.argv[1])))",
            url,
        ],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    permit_number = seeded.stdout.strip().splitlines()[-1]
    port = free_port()
    with running(serve_command(port), port, env=env, instance=instance) as base:
        yield base, permit_number, instance


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def log_in(page, username):  # type: ignore[no-untyped-def]
    from tests.factories import PASSWORD

    page.context.clear_cookies()
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/")


def test_a_monitoring_report_attached_to_the_draft_is_filed_listed_and_downloaded_by_the_district(  # type: ignore[no-untyped-def]
    browser, attachment_server
):
    import hashlib

    from pypdf import PdfReader

    from domain.clock import today

    base, permit_number, instance = attachment_server
    context = browser.new_context(base_url=base, locale="zh-CN", viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(20_000)
    label = last_full_quarter(today())
    digest = hashlib.sha256(PDF).hexdigest()

    log_in(page, STAFF)
    page.goto(f"/reports/{permit_number}/quarterly/{label}")
    assert page.locator("#no-files").is_visible()
    page.set_input_files(
        "#attachment-input", files=[{"name": FILE_NAME, "mimeType": "application/pdf", "buffer": PDF}]
    )
    with page.expect_navigation():
        page.click("#attach-button")
    assert "attached=1" in page.url
    assert FILE_NAME in page.locator("#draft-files").inner_text()
    # Stored under its hash in the instance's file store, not under its name.
    stored = instance / "uploads" / digest[:2] / digest[2:4] / digest
    assert stored.read_bytes() == PDF
    screenshot(page, "report-attachments-draft")

    page.click("#submit-button")
    page.locator("#confirm-button").wait_for()
    with page.expect_navigation(url="**/receipts/R*"):
        page.click("#confirm-button")
    listed = page.locator("#receipt-files")
    assert FILE_NAME in listed.inner_text() and digest in listed.inner_text()
    screenshot(page, "report-attachments-receipt")
    pdf = page.request.get(page.locator("#download-pdf").get_attribute("href"))
    assert pdf.ok
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages).replace("\n", "")
    assert FILE_NAME in text and digest[:16] in text
    report_link = page.locator("#all-submissions").get_attribute("href")
    report_id = report_link.rsplit("/", 1)[-1]

    log_in(page, OFFICER)
    page.goto(f"/review/{report_id}")
    files = page.locator("#latest-files")
    assert FILE_NAME in files.inner_text()
    screenshot(page, "report-attachments-review")
    with page.expect_download() as waiting:
        files.locator("a", has_text=FILE_NAME).click()
    download = waiting.value
    assert download.suggested_filename == FILE_NAME
    assert Path(download.path()).read_bytes() == PDF
    context.close()
