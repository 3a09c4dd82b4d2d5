"""The leaders' statistics in a real browser against the demo city: a city's permitting section reaches it
from the home page, reads its districts by name with the charts beside the tables, narrows to one
district, prints, and the page breaks no rule of the Content-Security-Policy."""

import pytest

from demo.city import DEMO_PASSWORD
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
window.print = function () { window.__printed = (window.__printed || 0) + 1; };
"""


def test_a_city_head_reads_the_districts_narrows_to_one_and_prints(page):  # type: ignore[no-untyped-def]
    page.add_init_script(WATCH)
    page.goto("/login")
    page.fill("#username", "jn-permitting")
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/")
    page.click("#supervision-summary >> text=领导统计")
    page.wait_for_url("**/statistics")
    districts = page.locator("#statistics-districts").inner_text()
    assert "济南市" in districts and "3701" not in districts
    assert page.locator("svg.st-chart").count() >= 3
    assert "三年内完成质量核查的许可证" in page.locator(".st-headline").inner_text()  # beside the filing half
    page.select_option("#district", "370102")
    page.click("#statistics-filters button[type=submit]")
    page.wait_for_url("**/statistics?*district=370102*")
    assert "济南市历下区" in page.locator("h1").inner_text()
    page.click("#statistics-filters [data-print]")
    assert page.evaluate("window.__printed") == 1
    screenshot(page, "statistics-leaders")
    assert page.evaluate("window.__violations") == []


def test_a_district_head_sees_the_demo_district_by_name(page):  # type: ignore[no-untyped-def]
    page.add_init_script(WATCH)
    page.goto("/login")
    page.fill("#username", "pt-permitting")
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/")
    page.goto("/statistics")
    assert "上海市普陀区" in page.locator("#statistics-districts").inner_text()
    assert "310107" not in page.locator("main").inner_text()
    assert page.locator("#district option").count() == 1  # a district head has no other district to choose
    screenshot(page, "statistics-putuo-year")
    assert page.evaluate("window.__violations") == []
