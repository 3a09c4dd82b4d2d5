"""Production sites and registration-only units, in a real browser against the demo city."""

import pytest

from demo.city import DEMO_PASSWORD
from demo.sites import SECOND_SITE, SECOND_SITE_UNIT
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def log_in(page, username):
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/")


def test_the_public_finds_registrations_in_the_search_and_reads_one(page):
    page.goto("/public/permits?q=万里")
    results = page.locator("#results").inner_text()
    assert "排污登记" in results and "W" in results
    screenshot(page, "public-search-with-registrations")
    page.goto("/public/registrations")
    assert "排污登记公开名录" in page.locator("h1").inner_text()
    assert page.locator("#results tbody tr").count() >= 4
    screenshot(page, "public-registrations")
    page.click("#results tbody tr >> nth=0 >> a")
    page.wait_for_url("**/public/registrations/*")
    text = page.locator("main").inner_text()
    assert "排放口及排放的污染物" in text and "联系人" not in text
    screenshot(page, "public-registration")
    page.goto("/public/statistics")
    assert int(page.locator("#registrations-total").inner_text()) >= 4


def test_a_regulator_sees_two_sites_of_one_entity_and_files_a_registration(page):
    log_in(page, "pt-permitting")
    page.goto("/enterprises?q=" + SECOND_SITE_UNIT)
    page.click(f"#results >> text={SECOND_SITE_UNIT}")
    page.wait_for_url("**/enterprises/*")
    sites = page.locator("#sites").inner_text()
    assert "001" in sites and "002" in sites and SECOND_SITE.address in sites
    screenshot(page, "enterprise-sites")
    page.goto("/registrations/new")
    page.fill("#f-unit_name", "上海普陀示范印刷厂")
    page.fill("#f-credit_code", "91310107MA0000001X")
    page.fill("#f-outlets", "DA001: VOCs\nX1: 颗粒物")
    page.click("form.grid-form button[type=submit]")
    errors = page.locator("main").inner_text()
    assert "第 2 行" in errors and "校验位" in errors
    screenshot(page, "registration-form-errors")
