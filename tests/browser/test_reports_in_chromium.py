"""An enterprise officer writes, checks and files a quarterly report in a real browser; a regulator reviews.

The data (a permit with quarterly and annual reports, a quarter of ledger readings with an
exceedance) is set up here, and the server is started here as tests/browser/conftest.py does,
so the test does not depend on the demonstration data.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM, ROOT, screenshot
from tests.browser.servers import factory_command, free_port, running

pytestmark = pytest.mark.browser

STAFF, OFFICER = "rp-staff", "rp-ecology"
MID_MONTH = "rp-midmonth"  # the officer of a unit whose permit took effect on the 25th, some months ago


def granted_mid_month(day):  # type: ignore[no-untyped-def]
    """The 25th of the month about a hundred days back: that month is held less than 10 days."""
    return (day.replace(day=1) - timedelta(days=100)).replace(day=25)


REVIEWED_UNIT = "上海长寿印染有限公司"


def server_app():  # type: ignore[no-untyped-def]
    """The portal with the report pages (added here until portal/routes.py lists them)."""
    from portal import reports
    from server.app import create_app

    application = create_app()
    if not any(getattr(route, "name", None) == "report_schedule" for route in application.routes):
        application.router.routes[0:0] = reports.routes
    return application


def last_full_quarter(day) -> str:  # type: ignore[no-untyped-def]
    quarter = (day.month - 1) // 3
    year = day.year if quarter else day.year - 1
    return f"{year}-Q{quarter or 4}"


async def seed(url: str) -> None:
    """A unit with an issued permit, its officer, a regulator, and a quarter of SO2 readings."""
    import domain.models  # noqa: F401  (every table, so foreign keys resolve)
    from domain.clock import today
    from domain.db import Database
    from domain.ledgers.rules import ReadingInput
    from domain.ledgers.service import readings as ledgers
    from domain.reports import rules
    from domain.reports.queries.editor import get_draft
    from tests.factories import actor, file_report, make_enterprise, make_permit, make_user, permit_content

    database = Database(url)
    async with database.transaction() as session:
        enterprise = await make_enterprise(session, name="上海普陀热电有限公司")
        permit = await make_permit(
            session, enterprise, decision_date=(today() - timedelta(days=700)).isoformat()
        )
        staff = await make_user(session, "enterprise_staff", enterprise=enterprise, username=STAFF)
        await make_user(session, "ecology", region_code="310107", username=OFFICER)
        period = rules.parse_period("quarterly", last_full_quarter(today()))
        assert period is not None
        # Hourly automatic monitoring over the whole quarter (China time), so the method is "automatic".
        start = datetime.combine(period.start, datetime.min.time(), tzinfo=UTC) - timedelta(hours=8)
        hours = (period.end - period.start).days * 24 + 24
        values = [18.2 + (h % 5) for h in range(hours)]
        values[300] = values[301] = 48.0  # two hours above the permitted 35 mg/m³: an exceedance
        readings = [
            ReadingInput("DA001", "SO2", "automatic", start + timedelta(hours=h), v, "mg/m3", flow_m3=120_000)
            for h, v in enumerate(values)
        ]
        await ledgers.record_readings(session, actor(staff), permit_number=permit.number, readings=readings)

        # A second unit whose report already waits for review, so the regulator's test stands alone.
        other = await make_enterprise(session, name=REVIEWED_UNIT)
        other_permit = await make_permit(
            session, other, decision_date=(today() - timedelta(days=700)).isoformat()
        )
        other_staff = actor(await make_user(session, "enterprise_staff", enterprise=other))
        label = last_full_quarter(today())
        draft = await get_draft(
            session, other_staff, permit_number=other_permit.number, kind="quarterly", period=label
        )
        # A permit granted mid-month that lets the quarterly and annual reports stand for shorter ones.
        granted = granted_mid_month(today())
        # In another district, so the regulator's dashboard below counts only the two units above.
        third = await make_enterprise(session, name="上海真光包装有限公司", region_code="310105")
        await make_permit(
            session,
            third,
            decision_date=granted.isoformat(),
            content=permit_content(report_kinds=["monthly", "quarterly", "annual"], report_folding=True),
        )
        await make_user(session, "enterprise_staff", enterprise=third, username=MID_MONTH)
    # Filed as the server files: through the filing desk, once the unit and its permit are committed.
    content = {**draft.content, "statement": "本单位承诺报告内容真实。"}
    await file_report(database, other_staff, other_permit, label, content, "seed")
    # The worker's round: the dashboard's rates come from the rollup it counts (no worker runs here).
    from domain.reports.rollup.counting import refresh_in

    await refresh_in(database)
    await database.dispose()


@pytest.fixture(scope="module")
def report_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    instance = tmp_path_factory.mktemp("reports-instance")
    url = f"sqlite:///{instance / 'reports.db'}"
    env = {**os.environ, "DATABASE_URL": url, "INSTANCE_PATH": str(instance), "ENVIRONMENT": "test"}
    python = sys.executable
    subprocess.run(
        [python, "-m", "server.cli", "migrate"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    subprocess.run(
        [
            python,
            "-c",
            "import asyncio, sys; from tests.browser.test_reports_in_chromium import seed; "
            "asyncio.run(seed(sys.argv[1]))",
            url,
        ],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    port = free_port()
    with running(
        factory_command("tests.browser.test_reports_in_chromium:server_app", port),
        port,
        env=env,
        instance=instance,
    ) as base:
        yield base


@pytest.fixture
def page(browser, report_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=report_server, locale="zh-CN", viewport={"width": 1360, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def log_in(page, username):  # type: ignore[no-untyped-def]
    from tests.factories import PASSWORD

    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/")


def test_an_officer_writes_checks_and_files_a_report_and_gets_its_receipt(page):  # type: ignore[no-untyped-def]
    from domain.clock import today

    label = last_full_quarter(today())
    log_in(page, STAFF)
    page.goto("/reports")
    row = page.locator(f'tr[data-period="{label}"][data-kind="quarterly"]')
    assert row.get_attribute("data-state") in ("open", "overdue")
    screenshot(page, "reports-schedule")
    row.locator("a.button").click()
    page.wait_for_url(f"**/quarterly/{label}")

    # Pre-filled from the ledger: SO2 with its method, the exceedance waiting for its cause.
    so2 = page.locator("#section-emissions tbody tr", has=page.locator('input[value="SO2"]'))
    assert so2.locator("select[name$='.method']").input_value() == "automatic"
    assert page.locator('#section-exceedances tbody tr input[value="SO2"]').count() == 1
    key = page.input_value("input[name=idempotency_key]")

    # Autosave: a change is saved without a click.
    page.fill("#f-content-statement", "本单位承诺本报告内容真实、准确、完整。")
    page.locator("#f-content-statement").dispatch_event("change")
    page.wait_for_function(r"() => /\d\d:\d\d/.test(document.getElementById('save-status').textContent)")
    screenshot(page, "reports-editor")

    # Check: the unexplained exceedance is named at the maximum concentration it concerns.
    page.click("#check-button")
    page.locator("#findings").wait_for()
    so2_max = so2.locator("input[name$='.concentration_max']")
    assert so2_max.get_attribute("aria-invalid") == "true"
    at_field = page.locator(f"#msg-{so2_max.get_attribute('id')} li[data-rule='G001']")
    assert at_field.count() == 1 and "48" in at_field.inner_text()
    assert (
        page.locator("#findings li[data-rule='G001'] a").get_attribute("href")
        == f"#{so2_max.get_attribute('id')}"
    )
    screenshot(page, "reports-check-findings")

    # Explain it, check again: the finding is gone, what was typed is still there.
    page.fill("textarea[name='content.exceedances[0].cause']", "脱硫循环泵跳停")
    page.fill("textarea[name='content.exceedances[0].measures']", "更换循环泵并加强巡检")
    page.click("#check-button")
    page.wait_for_function("() => !document.querySelector(\"#findings li[data-rule='G001']\")")
    assert page.input_value("textarea[name='content.exceedances[0].cause']") == "脱硫循环泵跳停"
    assert page.input_value("input[name=idempotency_key]") == key  # checking keeps the filing key

    # Submit: first the confirmation in the editor's place (what is filed, its findings, that it stays).
    page.click("#submit-button")
    page.locator("#confirm-button").wait_for()
    assert page.locator("form.rp-confirm").get_attribute("data-version") == "1"
    assert page.locator("#confirm-final").is_visible()
    assert page.input_value("input[name=idempotency_key]") == key  # the filing key travels through
    screenshot(page, "reports-confirm")
    # Confirm with a double click: one version, one receipt.
    page.dblclick("#confirm-button")
    # The second click's submission aborts the first navigation; wait for the one that lands.
    wait_through_aborted_navigation(page, "**/receipts/R*")
    number = page.locator("#receipt-number").inner_text()
    assert re.fullmatch(r"R\d{8}-\d{7}-01", number)
    assert page.locator("#version").inner_text().startswith("1")
    assert page.locator("#submitted-by").inner_text().startswith(STAFF)
    assert page.locator("#previous-hash").inner_text() == "0" * 64
    screenshot(page, "reports-receipt")
    page.emulate_media(media="print")
    assert not page.locator("header.topbar").is_visible()
    screenshot(page, "reports-receipt-print")
    page.emulate_media(media="screen")

    # The copy of record: the link downloads this submission's PDF, its text Chinese.
    from pypdf import PdfReader

    with page.expect_download() as download:
        page.click("#download-pdf")
    assert download.value.suggested_filename == f"{number}.pdf"
    pdf_text = "".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert number in re.sub(r"\s+", "", pdf_text) and "上海普陀热电有限公司" in pdf_text
    assert "本单位承诺本报告内容真实、准确、完整。" in re.sub(r"\s+", "", pdf_text)

    page.click("#all-submissions")
    page.wait_for_url("**/reports/id/*")
    assert page.locator("table.rp-submissions tbody tr").count() == 1
    screenshot(page, "reports-report-page")


def test_a_regulator_reviews_returns_with_one_form_and_reads_the_dashboard(page):  # type: ignore[no-untyped-def]
    from domain.clock import today

    label = last_full_quarter(today())
    log_in(page, OFFICER)
    page.goto("/review")
    page.locator("table.rp-queue tr", has_text=REVIEWED_UNIT).locator("a", has_text=label).click()
    page.wait_for_url("**/review/*")
    own = page.locator("#own-sections")
    assert own.locator('[data-section="emissions"]').count() == 1
    screenshot(page, "reports-review")
    page.click("#add-problem")
    assert page.locator("#free-problems tr").count() == 4
    page.fill("#problem-0", "自行监测频次不足，请补充说明")
    page.fill("#problem-3", "超标未及时报告")
    page.check("input[name=problem_violation_3]")
    page.click("#return-button")
    page.wait_for_url("**/review/*?done=feedback")
    assert page.locator(".rp-state").first.get_attribute("data-state") == "returned"

    page.goto(f"/review/dashboard?kind=quarterly&period={label}")
    page.wait_for_function(
        "() => document.querySelector('#chart-region') && document.querySelector('#chart-region').width > 0"
    )
    assert page.locator("#due-count").inner_text() == "2"
    assert page.locator("#rates-region tr[data-group='310107'] td").nth(2).inner_text() in ("1", "2")
    screenshot(page, "reports-dashboard")


def test_an_annual_report_is_public_without_its_commercial_secret_section(page):  # type: ignore[no-untyped-def]
    from domain.clock import today

    year = str(today().year - 1)
    log_in(page, STAFF)
    page.goto("/reports")
    number = page.locator("section.rp-permit").first.get_attribute("id").removeprefix("permit-")
    page.locator(f'tr[data-period="{year}"][data-kind="annual"] a.button').click()
    page.wait_for_url(f"**/annual/{year}")
    page.fill("#f-content-production-main-products", "高压蒸汽（配方保密）")
    page.fill("#f-content-production-operating-days", "330")
    page.fill("#f-content-disclosure-channels", "企业官网、全国排污许可证管理信息平台")
    page.check("#f-content-disclosure-done")
    page.fill("#f-content-statement", "本单位承诺年度报告内容真实。")
    screenshot(page, "reports-annual-editor")
    page.click("#submit-button")
    page.click("#confirm-button")
    page.wait_for_url("**/receipts/R*")
    page.click("form[action='/logout'] button")

    page.goto(f"/public/reports/{number}")
    report = page.locator(f'article[data-period="{year}"]')
    assert report.locator("table.rp-public-times tbody tr").count() == 1
    assert "高压蒸汽" not in page.content()
    assert report.locator('[data-hidden-section="production"]').count() == 1
    assert "企业官网" in report.inner_text()
    assert report.locator('[data-intact="true"]').count() == 1
    screenshot(page, "reports-public")


def wait_through_aborted_navigation(page, pattern: str, attempts: int = 3) -> None:
    from playwright.sync_api import Error as PlaywrightError

    for _ in range(attempts - 1):
        try:
            page.wait_for_url(pattern)
            return
        except PlaywrightError as error:
            if "ERR_ABORTED" not in str(error) and "detached" not in str(error):
                raise
    page.wait_for_url(pattern)


def test_the_schedule_of_a_permit_granted_mid_month_shows_its_exemptions_and_foldings(page):  # type: ignore[no-untyped-def]
    from domain.clock import today

    granted = granted_mid_month(today())
    log_in(page, MID_MONTH)
    page.goto("/reports")
    exempt = page.locator(f'tr[data-period="{granted:%Y-%m}"][data-kind="monthly"]')
    assert exempt.get_attribute("data-state") == "covered"
    note = exempt.locator(".rp-covered-note")
    assert note.get_attribute("data-reason") == "short_holding" and note.is_visible()
    cover = note.get_attribute("data-covered-by")
    assert cover is not None and cover.split("/")[1] in note.inner_text()
    folded = page.locator('.rp-covered-note[data-reason="folded"]')
    assert folded.count() >= 1 and folded.first.is_visible()
    exempt.scroll_into_view_if_needed()
    screenshot(page, "reports-schedule-exemptions")
    # The covered month links to the row of the report that carries it.
    exempt.locator("a").first.click()
    kind, label = cover.split("/")
    assert page.url.endswith(f"-{kind}-{label}")
    assert page.locator(f'tr[data-period="{label}"][data-kind="{kind}"]').is_visible()
