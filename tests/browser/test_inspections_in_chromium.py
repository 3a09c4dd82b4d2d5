"""Inspections in a real browser against the demo city: the district's plan shows who is due, a draw is
made and shown again from its seed, a checklist is filled and the unit reads its record."""

import pytest

from demo.city import DEMO_PASSWORD
from tests.browser.conftest import go_to, screenshot

pytestmark = pytest.mark.browser


def log_in(page, username):
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/")


def log_out(page):
    page.context.clear_cookies()


def test_the_brigade_sees_who_is_due_draws_and_fills_a_checklist(page):
    log_in(page, "pt-enforcement")
    go_to(page, "执法检查")
    page.wait_for_url("**/inspections")
    assert "执法检查计划" in page.locator("h1").inner_text()
    lines = page.locator("#plan-lines tbody tr")
    assert lines.count() >= 10
    states = {lines.nth(i).get_attribute("data-state") for i in range(lines.count())}
    assert {"done", "due"} <= states
    assert "重点管理：每半年至少一次" in page.locator("main").inner_text()
    screenshot(page, "inspection-plan")
    page.select_option("select[name=state]", "behind")
    page.click("form.filters button[type=submit]")
    behind = page.locator("#plan-lines tbody tr")
    assert behind.count() >= 1 and all(
        behind.nth(i).get_attribute("data-state") == "behind" for i in range(behind.count())
    )

    # A draw of key-management units: published, and drawn again from its seed with the same result.
    page.goto("/inspections/draws/new")
    page.select_option("#f-pool", "key")
    page.fill("#f-units", "2")
    page.click("form.grid-form button[type=submit]")
    page.wait_for_url("**/public/draws/SS-310107-*")
    reference = page.url.rsplit("/", 1)[1]
    seed = page.locator("#draw-seed").inner_text()
    assert page.locator("#draw-picks tbody tr").count() == 2
    assert "结果与记录一致" in page.locator("#draw-verified").inner_text()
    screenshot(page, "inspection-draw")
    log_out(page)
    page.goto(f"/public/draws/{reference}")  # the public re-draws it from the same seed
    assert page.locator("#draw-seed").inner_text() == seed
    assert "结果与记录一致" in page.locator("#draw-verified").inner_text()
    page.goto("/public/draws")
    assert reference in page.locator("#draws").inner_text()

    # The checklist, opened from the plan's "Record" button of a unit due.
    log_in(page, "pt-enforcement")
    page.goto("/inspections?state=due&kind=enforcement")
    page.click("#plan-lines tbody tr >> nth=0 >> text=记录")
    page.wait_for_url("**/inspections/records/new?*")
    form = page.locator("#checklist-form")
    boxes = form.locator("input[name=inspector]")
    boxes.nth(0).check()
    page.click("#checklist-form button[type=submit]")  # one inspector, nothing answered
    text = page.locator("main").inner_text()
    assert "每次检查至少两名执法人员" in text and "请逐项填写检查要点" in text
    screenshot(page, "inspection-checklist-errors")
    form = page.locator("#checklist-form")
    form.locator("input[name=inspector]").nth(1).check()
    rows = form.locator("tbody tr")
    for i in range(rows.count()):
        rows.nth(i).locator("input[value=passed]").check()
    form.locator("tr[data-item='4.3'] input[value=failed]").check()
    form.locator("input[name='note-4.3']").fill("台账缺少11月份治理设施运行记录")
    page.click("#checklist-form button[type=submit]")
    page.wait_for_url("**/inspections/records/JC-*")
    assert page.locator("tr[data-item='4.3']").get_attribute("data-result") == "failed"
    assert "发现 1 个问题" in page.locator("#record-findings").inner_text()
    screenshot(page, "inspection-record")
