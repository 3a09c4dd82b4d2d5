"""Each role's working day in Debian's Chromium, at a desktop's width (1280 px) and a phone's (390 x 844),
on the demo city (issue #17).

- The unit imports ledger readings from a CSV saved by Excel on Chinese Windows (GBK, Chinese headings and
  values), drafts a report, checks it, confirms and submits it, and downloads its PDF.
- The agency opens a client's ledger from its home page, files a record there and sees the filing listed.
- The district filters its review queue, returns a report with a feedback form, finds the report whose
  form was answered late, reads that form on the review page, and accepts the report once each of its
  departments has cleared its sections.
- The public finds a permit, one of its outlets and its annual reports.

Every step's page is kept as a screenshot under test-artifacts/role-days/ (ignored by git) and checked:
nothing wider than the screen, no internal code where a person reads names (strict: not even a pollutant
code beside its name). One server for the module; each walk runs once per width on it, so a walk picks
what is still to be done (the next open report, the next submitted one) rather than a fixed one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.clock import CHINA
from tests.browser.conftest import ARTIFACTS, CHROMIUM, ROOT, go_to
from tests.browser.pages import log_in, overflow, visible_codes
from tests.browser.servers import free_port, running, serve_command

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1280, 860), "phone": (390, 844)}
FOLDER = ARTIFACTS / "role-days"
UNIT_PERMIT = "913101070000000019001P"  # 上海申普热电, whose ledger and reports the agency keeps too
UNIT = "上海申普热电有限公司"
RETURNED_UNIT = "上海桃浦表面处理有限公司"  # its quarterly reports wait in Putuo's queue


async def seed_late_answer(url: str) -> None:
    """A second Putuo report whose feedback form was answered after its deadline (the demo has one), so
    the district's walk finds one to accept at each width: the permitting section returned a clean
    quarterly report five days after it arrived with a ten-day deadline; the unit corrected it nineteen
    days after it arrived. Through the review and filing use cases, as the demo writes its history."""
    from sqlmodel import col, select

    import domain.models  # noqa: F401  (every table, so foreign keys resolve)
    from domain.accounts.queries import find_user
    from domain.actors import actor_for_user
    from domain.clock import CHINA_OFFSET, history_at, utcnow
    from domain.db import Database
    from domain.permits.models import Permit
    from domain.reports.models import ExecutionReport, FeedbackForm, ReportSubmission
    from domain.reports.queries import editor
    from domain.reports.rules import FeedbackItemInput
    from domain.reports.service import review, submission

    database = Database(url)
    try:
        async with database.transaction() as session:
            returned = select(FeedbackForm.report_id)
            rows = await session.exec(
                select(ExecutionReport, ReportSubmission)
                .join(
                    ReportSubmission,
                    (col(ReportSubmission.report_id) == ExecutionReport.id)
                    & (col(ReportSubmission.version) == ExecutionReport.latest_version),
                )
                .where(
                    col(ExecutionReport.region_code).startswith("31"),
                    ExecutionReport.kind == "quarterly",
                    ExecutionReport.state == "submitted",
                    ReportSubmission.error_count == 0,
                    col(ReportSubmission.on_behalf_of).is_(None),
                    col(ExecutionReport.id).not_in(returned),
                )
                .order_by(col(ReportSubmission.received_at).desc())
            )
            old = [
                (report, latest)
                for report, latest in rows.all()
                if latest.received_at.replace(tzinfo=UTC) + timedelta(days=25) < utcnow()
            ]
            assert old, "the demo has no clean quarterly report old enough to answer late"
            report, latest = old[0]
            received = latest.received_at.replace(tzinfo=UTC)
            permit = await session.get(Permit, report.permit_id)
            regulator = await find_user(session, username="pt-permitting")
            filer = await find_user(session, username=latest.submitted_by)
            assert permit is not None and permit.number and regulator and filer
            by = await actor_for_user(session, regulator, channel="web")
            unit = await actor_for_user(session, filer, channel="web")
            issued = received + timedelta(days=5)
            with history_at(issued):
                await review.issue_feedback(
                    session,
                    by,
                    report_id=report.id,
                    items=[FeedbackItemInput(problem="请补充废水总排口化学需氧量手工监测报告。")],
                    deadline=(issued + CHINA_OFFSET).date() + timedelta(days=10),
                )
            with history_at(received + timedelta(days=19)):
                draft = await editor.get_draft(
                    session, unit, permit_number=permit.number, kind=report.kind, period=report.period
                )
                await submission.submit_report(
                    session,
                    unit,
                    permit_number=permit.number,
                    kind=report.kind,
                    period=report.period,
                    content={**draft.content, "statement": "已补充化学需氧量手工监测报告。"},
                    idempotency_key=f"walks-late-answer-{report.id}",
                )
    finally:
        await database.dispose()


@pytest.fixture(scope="module")
def day_server(tmp_path_factory: pytest.TempPathFactory, demo_instance: Path) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    instance = tmp_path_factory.mktemp("role-days")
    shutil.copytree(demo_instance, instance, dirs_exist_ok=True)
    url = f"sqlite:///{instance / 'browser.db'}"
    env = {**os.environ, "DATABASE_URL": url, "INSTANCE_PATH": str(instance), "ENVIRONMENT": "test"}
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import asyncio, sys; from tests.browser.test_role_days_in_chromium import seed_late_answer; "
            "asyncio.run(seed_late_answer(sys.argv[1]))",
            url,
        ],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    port = free_port()
    with running(serve_command(port), port, env=env, instance=instance) as base:
        yield base


class Walk:
    """A person's walk through the pages at one width: each step is screenshot and checked."""

    def __init__(self, browser, base: str, role: str, size: str) -> None:  # type: ignore[no-untyped-def]
        width, height = SIZES[size]
        self.context = browser.new_context(
            base_url=base, locale="zh-CN", viewport={"width": width, "height": height}, accept_downloads=True
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.name, self.steps, self.problems = f"{role}-{size}", 0, []
        FOLDER.mkdir(parents=True, exist_ok=True)

    def step(self, label: str) -> None:
        """The page as it stands: kept, and checked for overflow and codes."""
        page = self.page
        page.wait_for_load_state("load")
        self.steps += 1
        page.screenshot(path=str(FOLDER / f"{self.name}-{self.steps:02d}-{label}.png"), full_page=True)
        scroll_width, inner, sticking_out = overflow(page)
        if scroll_width > inner:
            self.problems.append(f"{label} {page.url}: {scroll_width} px on {inner} px: {sticking_out}")
        codes = visible_codes(page, strict=True)
        if codes:
            self.problems.append(f"{label} {page.url}: internal codes on the page: {codes}")

    def done(self) -> None:
        """The walk's end: every page it passed fitted the screen and named things."""
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture(params=list(SIZES))
def walk(request, browser, day_server):  # type: ignore[no-untyped-def]
    role = request.node.originalname.removeprefix("test_").split("_")[0]
    day = Walk(browser, day_server, role, request.param)
    yield day
    day.context.close()


def gbk_csv(lines: list[str]) -> bytes:
    """What Excel on Chinese Windows writes for "CSV (逗号分隔)": GBK, CRLF, no byte order mark."""
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def minute_of(walk: Walk) -> int:
    """A minute of the hour no demo reading has and the other width's walk does not use."""
    return 17 if walk.name.endswith("desktop") else 43


def test_unit_imports_drafts_checks_submits_and_downloads_the_pdf(walk):  # type: ignore[no-untyped-def]
    page = walk.page
    log_in(page, "shenpu-admin")
    walk.step("home")
    go_to(page, href="/ledger")
    page.wait_for_url(f"**/ledger/{UNIT_PERMIT}")
    walk.step("ledger")

    # Readings from a file saved by Chinese Excel: Chinese headings, names and methods, Excel's times.
    page.click(f"a[href='/ledger/{UNIT_PERMIT}/import']")
    page.wait_for_url("**/import")
    walk.step("import")
    day = datetime.now(CHINA) - timedelta(days=2)
    at = f"{day.year}/{day.month}/{day.day} 10:{minute_of(walk)}"
    cod = "48" if walk.name.endswith("desktop") else "52"
    data = gbk_csv(
        [
            "排污许可证编号,排放口,污染物名称,监测方式,采样时间,实测浓度,浓度单位",
            f"{UNIT_PERMIT},DA001,二氧化硫,手工监测,{at},21.5,MG/M3",
            f"{UNIT_PERMIT},DW001,化学需氧量,手工监测,{at},{cod},mg/l",
        ]
    )
    upload = {"name": "十一月监测数据.csv", "mimeType": "text/csv", "buffer": data}
    page.set_input_files("#file", files=[upload])
    page.click("form.upload-form button[type=submit]")
    result = page.locator("#import-result .alert.ok")
    result.wait_for()
    assert "已从 十一月监测数据.csv 导入 2 条监测数据" in result.inner_text()
    walk.step("imported")
    result.locator("a", has_text="查看监测数据").click()
    page.wait_for_url("**/readings")
    page.select_option("select[name=pollutant]", "COD")
    page.locator("form.filters button[type=submit], form button:text-is('筛选')").first.click()
    page.wait_for_url("**pollutant=COD**")
    row = page.locator("#readings-table tbody tr", has_text=f"{day:%Y-%m-%d} 10:{minute_of(walk)}")
    assert cod in row.inner_text() and "化学需氧量" in row.inner_text()
    walk.step("readings")

    # The next report to write: a draft saved as typed, checked, confirmed, submitted.
    go_to(page, href="/reports")
    page.wait_for_url("**/reports")
    walk.step("schedule")
    schedule = f"#permit-{UNIT_PERMIT}"
    todo = page.locator(
        f"{schedule} tr[data-state=open] a.button, {schedule} tr[data-state=overdue] a.button"
    ).first
    editor = todo.get_attribute("href")
    assert editor
    todo.click()
    page.wait_for_url(f"**{editor}")
    statement = f"本单位承诺本报告内容真实、准确、完整（{walk.name}）。"
    page.fill("#f-content-statement", statement)
    page.locator("#f-content-statement").dispatch_event("change")
    page.wait_for_function(r"() => /\d\d:\d\d/.test(document.getElementById('save-status').textContent)")
    walk.step("draft")
    page.reload()  # the draft is kept
    assert page.input_value("#f-content-statement") == statement
    page.click("#check-button")
    page.locator("#findings").wait_for()
    walk.step("checked")
    page.click("#submit-button")
    page.locator("#confirm-button").wait_for()
    walk.step("confirm")
    page.click("#confirm-button")
    page.wait_for_url("**/receipts/R*")
    number = page.locator("#receipt-number").inner_text()
    assert re.fullmatch(r"R\d{8}-\d{7}-\d\d", number)
    walk.step("receipt")

    # The copy of record.
    with page.expect_download() as download:
        page.click("#download-pdf")
    assert download.value.suggested_filename == f"{number}.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    response = page.request.get(f"/receipts/{number}.pdf")
    assert response.headers["content-type"] == "application/pdf" and response.body().startswith(b"%PDF")

    # The schedule shows it filed.
    page.goto("/reports")
    kind, period = editor.rstrip("/").split("/")[-2:]
    row = page.locator(f'#permit-{UNIT_PERMIT} tr[data-period="{period}"][data-kind="{kind}"]')
    assert row.get_attribute("data-state") == "submitted"
    walk.done()


def test_agency_files_a_ledger_record_for_a_client_from_its_home_page(walk):  # type: ignore[no-untyped-def]
    page = walk.page
    log_in(page, "lvyuan-clerk")
    walk.step("home")
    go_to(page, href="/agency")
    # Each client's permit with the desks the authorisation opens: 申普热电's ledger and reports, not its
    # monitoring readings (no self-monitoring scope).
    client = page.locator("#clients-in-force tr.client", has_text=UNIT)
    desks = client.locator("[data-desk]").evaluate_all("links => links.map(a => a.dataset.desk)")
    assert desks == ["entries", "reports"]
    walk.step("agency-home")
    client.locator("[data-desk=entries]").click()
    page.wait_for_url(f"**/ledger/{UNIT_PERMIT}/entries")
    walk.step("client-ledger")
    start = (datetime.now(CHINA) - timedelta(days=1)).replace(hour=8, minute=minute_of(walk))
    subject = f"1#燃煤锅炉（{walk.name}）"
    page.fill("#e-subject", subject)
    page.fill("#e-period_start", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#e-period_end", (start + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#e-status", "正常运行")
    page.fill("#e-hours", "8")
    page.fill("#e-load_percent", "85")
    page.click("#add-entry button[type=submit]")
    page.locator("#entries-list", has_text=subject).wait_for()
    walk.step("record-saved")

    go_to(page, href="/agency")
    latest = page.locator("#recent-filings tbody tr").first
    assert UNIT in latest.inner_text() and "lvyuan-clerk" in latest.inner_text()
    walk.step("filing-listed")
    walk.done()


def test_district_filters_returns_sees_the_late_answer_and_accepts(walk):  # type: ignore[no-untyped-def]
    page = walk.page
    log_in(page, "pt-permitting")
    go_to(page, href="/review")
    walk.step("queue")

    # Filtered to one unit's submitted reports; the first is returned with a one-problem form.
    page.fill("#queue-filters-q", RETURNED_UNIT)
    page.click("#queue-filters button[type=submit]")
    page.wait_for_url("**q=**")
    rows = page.locator("table.rp-queue tbody tr")
    assert rows.count() >= 1
    assert all(RETURNED_UNIT in text for text in rows.all_inner_texts())
    walk.step("queue-filtered")
    rows.first.locator("a[href^='/review/']").click()
    page.wait_for_url(re.compile(r".*/review/\d+$"))
    returned = page.url
    page.fill("#problem-0", "自行监测报告缺少废气颗粒物手工监测数据，请补充。")
    page.click("#return-button")
    page.wait_for_url("**/review/*?done=feedback")
    assert page.locator(".rp-state").first.get_attribute("data-state") == "returned"
    assert "自行监测报告缺少废气颗粒物手工监测数据" in page.locator("main").inner_text()
    walk.step("returned")

    # The reports resubmitted after a form: the one answered late carries the marker.
    page.goto("/review")
    page.check("#queue-filters input[name=resubmitted]")
    page.click("#queue-filters button[type=submit]")
    page.wait_for_url("**resubmitted=1**")
    late = page.locator("table.rp-queue tbody tr", has=page.locator("[data-late-reply]")).first
    assert late.locator("[data-late-reply]").is_visible()
    walk.step("queue-late")
    late.locator("a[href^='/review/']").click()
    page.wait_for_url(re.compile(r".*/review/\d+$"))
    report = page.url
    assert report != returned
    assert page.locator("[data-late]").first.is_visible()
    walk.step("late-answer")

    # Each department clears its sections of the new version; the permitting section accepts.
    for department, login in (
        ("ecology", "pt-ecology"),
        ("pollution_prevention", "pt-pollution"),
        ("permitting", "pt-permitting"),
    ):
        log_in(page, login)
        page.goto(report)
        clear = page.locator(f'[data-department="{department}"] button[data-clear]')
        for _ in range(10):
            if not clear.count():
                break
            clear.first.click()
            page.wait_for_url(re.compile(r".*\?done=(cleared|issued).*"))
        assert clear.count() == 0
    walk.step("cleared")
    page.click("#accept-button")
    page.wait_for_url("**?done=accept")
    assert page.locator(".rp-state").first.get_attribute("data-state") == "accepted"
    assert page.locator("#accept-button").count() == 0
    walk.step("accepted")
    walk.done()


def test_public_finds_a_permit_an_outlet_and_an_annual_report(walk):  # type: ignore[no-untyped-def]
    page = walk.page
    page.goto("/public")
    walk.step("public-home")
    page.fill("#home-q", "申普热电")
    page.click("form.public-home-search button[type=submit]")
    page.wait_for_url("**/public/permits?**")
    walk.step("search")
    page.locator(f"#results tbody a[href='/public/permits/{UNIT_PERMIT}']").click()
    page.wait_for_url(f"**/public/permits/{UNIT_PERMIT}")
    main = page.locator("main").inner_text()
    assert UNIT_PERMIT in main and UNIT in main and "1#、2#锅炉烟囱" in main
    assert "二氧化硫" in main and "氮氧化物" in main
    walk.step("permit")

    page.locator(f"a[href='/public/outlets/{UNIT_PERMIT}/DA001']").first.click()
    page.wait_for_url(f"**/public/outlets/{UNIT_PERMIT}/DA001")
    outlet = page.locator("main").inner_text()
    assert "DA001" in outlet and "1#、2#锅炉烟囱" in outlet and "35" in outlet
    walk.step("outlet")

    page.goto(f"/public/permits/{UNIT_PERMIT}")
    page.click(f"a[href='/public/reports/{UNIT_PERMIT}']")
    page.wait_for_url(f"**/public/reports/{UNIT_PERMIT}")
    annual = page.locator("article[data-period]").first
    assert annual.is_visible()
    assert annual.locator("table.rp-public-times tbody tr").count() >= 1
    walk.step("annual-report")
    walk.done()
