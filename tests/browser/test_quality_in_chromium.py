"""Permit quality in a real browser against the demo city: Jinan's permitting section opens 许可证质量 from
the navigation, sees the deliberately wrong permits flagged, draws a random campaign (its seed shown),
records one permit's checklist, closes the campaign, and the page breaks no rule of the CSP."""

import re

import pytest

from demo.city import DEMO_PASSWORD
from tests.browser.conftest import go_to, screenshot

pytestmark = pytest.mark.browser

WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def test_the_permitting_section_runs_a_campaign_over_the_demo_city(page):  # type: ignore[no-untyped-def]
    page.add_init_script(WATCH)
    page.goto("/login")
    page.fill("#username", "jn-permitting")
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/")
    go_to(page, href="/quality")
    flagged = page.locator("#flagged-permits").inner_text()
    for name in ("济南历城热电有限公司", "济南章丘水泥有限公司", "济南章丘化肥有限公司"):
        assert name in flagged
    assert "2026年第一批许可证质量核查" in page.locator("#campaigns").inner_text()
    page.fill("#f-name", "浏览器抽查")
    page.check("input[name=kind][value=random]")
    page.fill("#f-sample_size", "2")
    page.click("#new-campaign button[type=submit]")
    page.wait_for_url(re.compile(r".*/quality/campaigns/\d+$"))
    assert "随机种子" in page.locator("#sample").inner_text()
    assert page.locator("tr.quality-check").count() == 2
    page.locator("tr.quality-check a").first.click()
    page.wait_for_url(re.compile(r".*/quality/checks/\d+$"))
    for item in page.locator("fieldset.checklist-item").all():
        item.locator("input[type=radio][value=passed]").check()
    screenshot(page, "quality-checklist")
    page.click("#checklist button[type=submit]")
    page.wait_for_url(re.compile(r".*/quality/campaigns/\d+$"))
    assert "13 / 13" in page.locator("#sample").inner_text()
    page.fill("#f-conclusion", "抽查2张，1张已核查完毕。")
    page.click("#close button[type=submit]")
    page.wait_for_url(re.compile(r".*/quality/campaigns/\d+$"))
    assert "抽查2张" in page.locator("#conclusion").inner_text()
    screenshot(page, "quality-campaign")
    assert page.evaluate("window.__violations") == []
