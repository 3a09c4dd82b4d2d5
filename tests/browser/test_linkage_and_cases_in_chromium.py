"""Linkage and enforcement in a real browser against the demo city (PT §8; M48 §39): a task goes initiate ->
execute -> feedback -> archive across three departments, each in its own login; a lead in the brigade's
inbox becomes a case whose penalty appears on the public list, the permit's page and the outlet's page."""

import re

import pytest

from demo.city import DEMO_PASSWORD, ENTERPRISES, demo_credit_code
from tests.browser.conftest import go_to, screenshot

pytestmark = pytest.mark.browser


def log_in(page, username):  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/")


def fill_step(form, text, handler, responsible):  # type: ignore[no-untyped-def]
    form.locator("textarea[name=text]").fill(text)
    form.locator("input[name=handler]").fill(handler)
    form.locator("input[name=responsible_person]").fill(responsible)
    form.locator("button[type=submit]").first.click()


def test_a_linkage_task_goes_to_three_departments_and_is_archived(page):  # type: ignore[no-untyped-def]
    log_in(page, "pt-enforcement")
    go_to(page, "三监联动")
    page.wait_for_url("**/linkage")
    page.click("text=发起联动任务")
    page.wait_for_url("**/linkage/new")
    page.fill("#f-credit_code", demo_credit_code(ENTERPRISES[0].region_code, 0))
    page.fill("#f-description", "双随机检查发现雨水排口有黄色积水，疑似含镍废水混入。")
    page.fill("#f-requested_action", "监测站采样；污防科核查治理设施；生态科核对执行报告。")
    for department in ("monitoring_station", "pollution_prevention", "ecology"):
        page.check(f"input[name=receivers][value={department}]")
    page.click("form.card button[type=submit]")  # no handler yet: refused, naming the fields
    assert page.locator("[data-field=handler][data-code=required]").count() == 1
    page.fill("#f-handler", "王建国")
    page.fill("#f-responsible_person", "赵大队长")
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(r".*/linkage/\d+\?done=new"))
    task_path = page.url.split("?")[0].replace(page.url.split("/linkage/")[0], "")
    assert page.locator("#receivers li").count() == 3

    for login, handler in (("pt-station", "孙敏"), ("pt-pollution", "周强"), ("pt-ecology", "郑洁")):
        log_in(page, login)
        page.goto("/linkage")
        row = page.locator(f"#linkage-tasks tr[data-task='{task_path.rsplit('/', 1)[1]}']")
        assert row.count() == 1  # in the department's queue
        row.locator("a").first.click()
        fill_step(page.locator("#execute-form form").last, f"{handler}：已现场核查。", handler, "科长")
        page.wait_for_url("**done=execute*")
        fill_step(page.locator("#feedback-form form"), f"{handler}：未发现超标。", handler, "科长")
        page.wait_for_url("**done=feedback*")
        assert page.locator("#execute-form").count() == 0 and page.locator("#feedback-form").count() == 0
    screenshot(page, "linkage-fed-back")

    log_in(page, "pt-permitting")
    page.goto(task_path)
    assert page.locator("#ready").count() == 1
    fill_step(page.locator("#archive-form form"), "三个部门均已反馈，归档。", "陈晓", "李科长")
    page.wait_for_url("**done=archive*")
    assert page.locator("#archived").count() == 1
    trace = page.locator("ol.sv-trace li")
    steps = [trace.nth(i).get_attribute("data-step") for i in range(trace.count())]
    assert steps[0] == "initiate" and steps[-1] == "archive"
    assert steps.count("execute") == steps.count("feedback") == 3  # one of each per department
    screenshot(page, "linkage-archived")
    page.goto(task_path + "/sheet")
    assert "线下转办单" in page.locator("h1").inner_text()
    assert "三个部门均已反馈，归档。" in page.locator("#transfer-sheet").inner_text()
    screenshot(page, "linkage-sheet")


def test_a_lead_becomes_a_case_whose_penalty_is_public(page):  # type: ignore[no-untyped-def]
    log_in(page, "pt-enforcement")
    page.goto("/cases/leads")
    lead = page.locator("#leads tbody tr").first
    permit_number = lead.locator("code").first.inner_text()
    unit = lead.locator("td").nth(1).inner_text().split("\n")[0]
    page.goto(f"/public/permits/{permit_number}")
    outlet_href = page.locator("a[href^='/public/outlets/']").first.get_attribute("href")
    outlet_code = outlet_href.rstrip("/").rsplit("/", 1)[1]

    page.goto("/cases/leads")
    page.locator("#leads tbody tr").first.locator("a[href^='/cases/new']").click()
    page.wait_for_url("**/cases/new?lead=*")
    page.fill("#f-legal_basis", "《排污许可管理条例》第三十四条第一款第二项")
    page.fill("#f-outlet_code", outlet_code)
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(r".*/cases/\d+\?done=opened"))
    case_path = page.url.split("?")[0].replace(page.url.split("/cases/")[0], "")
    page.fill("#d-number", "普环罚〔2026〕27号")
    page.fill("#d-fine", "150000")
    page.check("input[name=measures][value=order_correction]")
    page.fill("#d-decision", "责令改正，处罚款人民币壹拾伍万元整。")
    page.click("#decide-form button[type=submit]")
    page.wait_for_url("**done=decided*")
    assert "150,000.00" in page.locator("#case-fine").inner_text()
    page.click("#close-form button[type=submit]")
    page.wait_for_url("**done=closed*")
    assert page.locator("#case-status").get_attribute("data-status") == "closed"
    screenshot(page, "case-closed")

    page.context.clear_cookies()  # the public
    page.goto("/public/penalties")
    listed = page.locator("#penalties").inner_text()
    assert unit in listed and "150,000.00" in listed and "第三十四条第一款第二项" in listed
    assert "pt-enforcement" not in page.content()
    screenshot(page, "public-penalties")
    page.goto("/public/penalties?kind=against_permit")
    assert unit in page.locator("#penalties").inner_text()
    page.goto(f"/public/permits/{permit_number}")
    assert "150,000.00" in page.locator("#permit-penalties").inner_text()
    page.goto(outlet_href)
    history = page.locator("#history-title").locator("xpath=..").inner_text()
    assert "行政处罚" in history and "150,000.00" in history and "普环罚〔2026〕27号" in history
    screenshot(page, "outlet-penalty")
    assert case_path.startswith("/cases/")
