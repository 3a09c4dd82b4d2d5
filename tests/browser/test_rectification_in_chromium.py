"""Problems and rectification in a real browser (docs/supervision.md): the district turns an audit finding
on a submitted report into a rectification item; the unit sees it first in its list and reports its
progress with a figure and a photo; the district verifies on site, re-checks a sample and closes it (销号),
and the clear-to-zero board shows no open problem for the unit.

The data (a unit with a filed quarterly report holding one finding, its officer, the district's ecology
section and enforcement brigade, and a second unit with an item already ordered) is set up here, and the
server started here as tests/browser/conftest.py does, so the test does not depend on the demo city."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM, ROOT, go_to, screenshot
from tests.browser.servers import free_port, running, serve_command

pytestmark = pytest.mark.browser

STAFF, OFFICER, BRIGADE, OTHER_STAFF = "rc-staff", "rc-ecology", "rc-brigade", "rc-other-staff"
UNIT, OTHER_UNIT = "上海真如热力有限公司", "上海曹杨染整有限公司"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def last_full_quarter(day) -> str:  # type: ignore[no-untyped-def]
    quarter = (day.month - 1) // 3
    year = day.year if quarter else day.year - 1
    return f"{year}-Q{quarter or 4}"


async def seed(url: str) -> None:
    import domain.models  # noqa: F401  (every table, so foreign keys resolve)
    from domain.clock import today
    from domain.db import Database
    from domain.reports.models import AuditFinding
    from domain.reports.queries.editor import get_draft
    from domain.supervision.problems.rules import ProblemInput, RectificationInput
    from domain.supervision.problems.service import raise_problem
    from tests.factories import actor, file_report, make_enterprise, make_permit, make_user

    database = Database(url)
    decided = (today() - timedelta(days=700)).isoformat()
    async with database.transaction() as session:
        enterprise = await make_enterprise(session, name=UNIT)
        permit = await make_permit(session, enterprise, decision_date=decided)
        staff = actor(await make_user(session, "enterprise_staff", enterprise=enterprise, username=STAFF))
        officer = actor(await make_user(session, "ecology", region_code="310107", username=OFFICER))
        await make_user(session, "enforcement", region_code="310107", username=BRIGADE)
        label = last_full_quarter(today())
        draft = await get_draft(session, staff, permit_number=permit.number, kind="quarterly", period=label)
        # A second unit whose item was ordered a week ago: the unit's journey stands on its own.
        other = await make_enterprise(session, name=OTHER_UNIT)
        other_permit = await make_permit(session, other, decision_date=decided)
        await make_user(session, "enterprise_staff", enterprise=other, username=OTHER_STAFF)
        await raise_problem(
            session,
            officer,
            data=ProblemInput(
                enterprise_id=other.id or 0,
                permit_id=other_permit.id,
                outlet_code="DW001",
                source_kind="inspection",
                source_ref="seed:inspection-1",
                title="废水总排口标志牌缺失",
                description="现场检查发现废水总排口未设置规范的标志牌。",
                legal_basis="《排污许可管理条例》第十八条",
                evidence="现场检查照片",
                department="ecology",
                rectification=RectificationInput(
                    "按规范设置排放口标志牌", today() + timedelta(days=15), "何丽"
                ),
            ),
        )
    result = await file_report(
        database, staff, permit, label, {**draft.content, "statement": "属实。"}, "seed"
    )
    async with database.transaction() as session:
        session.add(
            AuditFinding(
                submission_id=result.submission.id or 0,
                rule_code="Q101",
                severity="error",
                field="content.emissions",
                message="Reported quantity exceeds the permitted quantity.",
            )
        )
    await database.dispose()


@pytest.fixture(scope="module")
def rectification_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    instance = tmp_path_factory.mktemp("rectification-instance")
    url = f"sqlite:///{instance / 'rectification.db'}"
    env = {**os.environ, "DATABASE_URL": url, "INSTANCE_PATH": str(instance), "ENVIRONMENT": "test"}
    python = sys.executable
    subprocess.run(
        [python, "-m", "server.cli", "migrate"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    subprocess.run(
        [
            python,
            "-c",
            "import asyncio, sys; from tests.browser.test_rectification_in_chromium import seed; "
            "asyncio.run(seed(sys.argv[1]))",
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


@pytest.fixture
def page(browser, rectification_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=rectification_server, locale="zh-CN", viewport={"width": 1360, "height": 900}
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
    page.wait_for_url(re.compile(r".*/$"))


def log_out(page):  # type: ignore[no-untyped-def]
    page.context.clear_cookies()


def report_progress(page, text: str, figure: tuple[str, str, str]) -> None:  # type: ignore[no-untyped-def]
    page.fill("#f-text", text)
    page.fill("input[name='figures[0].name']", figure[0])
    page.fill("input[name='figures[0].value']", figure[1])
    page.fill("input[name='figures[0].unit']", figure[2])
    page.set_input_files(
        "#f-attachments", files=[{"name": "现场照片.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.click("#progress-button")


def test_the_unit_sees_its_item_first_and_reports_its_progress(page):
    log_in(page, OTHER_STAFF)
    go_to(page, "整改")
    page.wait_for_url(re.compile(r".*/supervision/rectification$"))
    first = page.locator("table.pb-list tbody tr").first
    assert "废水总排口标志牌缺失" in first.inner_text() and "整改中" in first.inner_text()
    screenshot(page, "rectification-unit-items")
    first.locator("a").first.click()
    report_progress(page, "", ("完成率", "七十", "%"))  # nothing written yet: the form says why
    assert page.locator("[data-field='text'][data-code='required']").is_visible()
    assert page.locator("[data-field='figures[0].value'][data-code='number']").is_visible()
    report_progress(page, "标志牌已按规范制作并安装。", ("完成率", "100", "%"))
    page.wait_for_url(re.compile(r".*done=progress.*"))
    history = page.locator("#history").inner_text()
    assert "报送整改进度" in history and "标志牌已按规范制作并安装" in history and "现场照片.png" in history
    assert "100" in history and OTHER_STAFF in history
    screenshot(page, "rectification-unit-progress")


def test_a_finding_becomes_an_item_the_unit_reports_on_and_the_district_closes_after_a_recheck(page):
    # The district: from the report's review page, the finding becomes a rectification item.
    log_in(page, OFFICER)
    page.goto("/review?state=submitted")
    page.click(f"text={UNIT}" if page.locator(f"a:has-text('{UNIT}')").count() else "table.rp-queue tbody a")
    page.wait_for_url(re.compile(r".*/review/\d+$"))
    page.click("a:has-text('转为问题')")
    page.wait_for_url(re.compile(r".*/supervision/problems/new\?source=audit_finding.*"))
    assert UNIT in page.locator(".page-head").inner_text()
    page.fill("#f-title", "二氧化硫排放量超过许可排放量")
    page.fill("#f-rectification-measures", "重新核算排放量，查明超量原因并落实减排措施")
    page.fill("#f-rectification-responsible_person", "周敏")
    screenshot(page, "rectification-raise-from-finding")
    page.click("#raise-button")
    page.wait_for_url(re.compile(r".*/supervision/problems/\d+\?done=raised"))
    problem_url = page.url.split("?")[0]
    assert "生态科" in page.locator("#problem-facts").inner_text()
    log_out(page)

    # The unit: the item is in its list; it reports progress with a figure and a photo.
    log_in(page, STAFF)
    page.goto("/supervision/rectification")
    page.click("text=二氧化硫排放量超过许可排放量")
    report_progress(
        page, "已按自动监测数据重新核算，超量系脱硫塔故障所致，已检修。", ("SO2 排放量", "98.6", "t")
    )
    page.wait_for_url(re.compile(r".*done=progress.*"))
    assert page.locator("#verify-form").count() == 0  # the unit cannot verify its own work
    log_out(page)

    # The district: closing before verification is refused; it verifies on site, closes, re-checks.
    log_in(page, OFFICER)
    page.goto(problem_url)
    assert "已按自动监测数据重新核算" in page.locator("#history").inner_text()
    page.fill("#verify-form #f-note", "")
    page.click("#verify-button")
    assert page.locator("[data-field='note'][data-code='required']").is_visible()
    page.select_option("#verify-form #f-method", "on_site")
    page.select_option("#verify-form #f-outcome", "passed")
    page.fill("#verify-form #f-note", "现场核查脱硫塔已检修，在线数据达标。")
    page.click("#verify-button")
    page.wait_for_url(re.compile(r".*done=verification.*"))
    page.fill("#recheck-form #f-sample", "DA001 在线监测数据十日")
    page.select_option("#recheck-form #f-outcome", "passed")
    page.click("#recheck-button")
    page.wait_for_url(re.compile(r".*done=recheck.*"))
    page.fill("#close-form #f-note", "整改到位，同意销号。")
    page.click("#close-button")
    page.wait_for_url(re.compile(r".*done=closure.*"))
    steps = page.locator("#history [data-step]").evaluate_all("els => els.map(e => e.dataset.step)")
    assert steps == ["required", "progress", "verification", "recheck", "closure"]
    assert "已销号" in page.locator(".page-head").inner_text()
    screenshot(page, "rectification-closed")

    # The clear-to-zero board: nothing open for the unit's district... but the other unit's item.
    page.goto("/supervision/board?by=region")
    row = page.locator("table.pb-board tbody tr").first
    assert row.locator("[data-figure='open']").inner_text().strip() in ("1", "0 ✓")
    page.goto("/supervision/problems?enterprise=" + UNIT)
    assert "没有符合筛选条件的问题" in page.locator("main").inner_text()  # nothing left open for the unit
    screenshot(page, "rectification-board")
    log_out(page)

    log_in(page, STAFF)
    page.goto("/supervision/board")
    assert page.locator("#board-total [data-figure='open']").inner_text().strip() == "0"
    assert page.locator("#board-total [data-figure='closed_this_month']").inner_text().strip() == "1"
    screenshot(page, "rectification-board-unit")
