"""What a regulator and an enterprise officer see and do, in a real browser against a real server."""

import pytest

from demo.city import DEMO_PASSWORD, ENTERPRISES
from tests.browser.conftest import go_to, screenshot

pytestmark = pytest.mark.browser


def log_in(page, username):
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/")


def test_a_regulator_logs_in_in_chinese_and_searches_enterprises_without_reloading(page):
    page.goto("/")
    assert "排污许可证后监管" in page.title()
    log_in(page, "pt-permitting")
    assert page.locator(".usernav .who").inner_text().startswith("pt-permitting")
    go_to(page, "排污单位")
    page.wait_for_url("**/enterprises")
    rows = page.locator("#results tbody tr")
    putuo = sum(e.region_code == "310107" for e in ENTERPRISES)
    assert rows.count() == min(
        20, putuo
    )  # the Putuo units only (a page of 20): Jinan is outside this jurisdiction
    assert f"共 {putuo} 家排污单位" in page.locator("#results").inner_text()
    page.fill("#q", "长风印染")
    page.wait_for_function("() => document.querySelectorAll('#results tbody tr').length === 1")
    assert "上海长风印染有限公司" in page.locator("#results").inner_text()
    assert "q=%E9%95%BF%E9%A3%8E%E5%8D%B0%E6%9F%93" in page.url  # htmx pushed the search into the address bar
    screenshot(page, "enterprise-search")


def test_inline_validation_names_the_wrong_check_character_and_keeps_the_input(page):
    log_in(page, "pt-permitting")
    page.goto("/enterprises/new")
    page.fill("#f-name", "上海新普陀环保科技有限公司")
    page.fill("#f-credit_code", "91350100M000100Y44")
    page.press("#f-credit_code", "Tab")
    error = page.locator("#errors-credit_code .error")
    error.wait_for()
    assert "校验位（第 18 位）应为“3”" in error.inner_text()
    page.click("form.grid-form button[type=submit]")
    page.locator(".alert.error").first.wait_for()
    assert page.input_value("#f-name") == "上海新普陀环保科技有限公司"
    screenshot(page, "enterprise-form-errors")


def test_switching_to_english_keeps_the_page(page):
    log_in(page, "pt-ecology")
    page.goto("/enterprises")
    page.click("text=English")
    page.wait_for_url("**/enterprises")
    assert page.locator("h1").inner_text() == "Enterprises"
    page.click("text=中文")
    page.wait_for_url("**/enterprises")
    assert page.locator("h1").inner_text() == "排污单位"


def test_an_enterprise_officer_sees_only_their_own_unit(page):
    log_in(page, "shenpu-staff")
    assert "上海申普热电有限公司" in page.locator("main").inner_text()
    assert page.locator("nav.mainnav >> text=排污单位").count() == 0
    go_to(page, "本单位")
    assert page.locator("h1").inner_text() == "上海申普热电有限公司"
    screenshot(page, "enterprise-own-profile")
