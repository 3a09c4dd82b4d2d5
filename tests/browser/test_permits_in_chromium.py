"""A permitting officer takes a first application from filing to issue in a real browser."""

import re

import pytest

from demo.city import DEMO_PASSWORD
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

UNIT = "上海申普热电有限公司"


def log_in(page, username):
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/")


BLOCKING = ("applied", "accepted", "granted", "issued", "expired")


def _unit_without_a_permit(page):
    """上海申普热电 if it may apply for a first permit, else another Putuo unit that may (read from pages).

    Returns the unit's name, its credit code and a permit number not yet used.
    """
    page.goto("/enterprises")
    units = []
    for row in page.locator("#results tbody tr").all():
        if row.locator(".badge.cat-registration").count():
            continue  # registered units need no permit
        units.append(
            (row.locator("a").first.inner_text().strip(), row.locator("code").first.inner_text().strip())
        )
    units.sort(key=lambda unit: unit[0] != UNIT)
    for name, code in units:
        page.goto(f"/permits?q={code}")
        badges = page.locator("#results tbody .badge[class*='st-']").evaluate_all(
            "nodes => nodes.map(n => n.className)"
        )
        if any(f"st-{status}" in badge for badge in badges for status in BLOCKING):
            continue
        used = page.locator("#results").inner_text()
        number = next(f"{code}{n:03d}P" for n in range(1, 1000) if f"{code}{n:03d}P" not in used)
        return name, code, number
    raise AssertionError("every demo unit already has a permit")


def test_a_first_application_is_filed_accepted_granted_and_issued_through_the_pages(page):
    log_in(page, "pt-permitting")
    unit, credit_code, number = _unit_without_a_permit(page)
    page.goto("/permits")
    assert re.fullmatch(r"[0-9A-Z]{18}", credit_code)

    page.click(".page-head a.button[href='/permits/apply']")
    page.wait_for_url("**/permits/apply")
    page.fill("#f-enterprise_credit_code", credit_code)
    page.select_option("#f-category", "key")
    page.fill("#f-issuing_authority", "上海市普陀区生态环境局")
    # The copy is a form pre-filled with an example, field by field (no JSON box).
    assert page.locator("#f-content").count() == 0
    assert page.input_value("#f-content-outlets-0-code") == "DA001"
    page.fill("#f-content-outlets-0-name", "1#锅炉烟囱")
    page.click("form.permit-form .actions button[type=submit]")
    page.wait_for_url(re.compile(r".*/permits/id/\d+\?done=apply"))
    assert page.locator("#application").is_visible()
    assert page.locator("h1").inner_text() == unit
    screenshot(page, "permit-application-received")

    page.click("#form-accept button[type=submit]")
    page.wait_for_url(re.compile(r".*done=accept"))
    page.fill("#f-number", number)
    page.click("#form-grant button[type=submit]")
    page.wait_for_url(f"**/permits/{number}?done=grant")
    assert page.locator("#form-issue").is_visible()
    screenshot(page, "permit-granted")

    page.click("#form-issue button[type=submit]")
    page.wait_for_url(f"**/permits/{number}?done=issue")
    assert page.locator(".subtitle .badge.st-issued").is_visible()
    assert page.locator("#application").count() == 0
    outlet = page.locator("#outlet-DA001")
    assert "1#锅炉烟囱" in outlet.inner_text() and "二氧化硫" in outlet.inner_text()
    assert "mg/m³" in outlet.locator("table.limits").inner_text()
    # issued today: 5 years, renewal 60 calendar days before expiry (Reg art. 14), exact, with its article
    original = page.locator("#original").inner_text()
    assert "首次核发，5 年" in original and "《排污许可管理条例》第十四条" in original
    assert page.locator("#original abbr.approx").count() == 0
    assert page.locator("#versions tbody tr").count() == 1
    screenshot(page, "permit-issued")

    page.goto("/permits")
    assert number in page.locator("#results").inner_text()
    screenshot(page, "permit-register")


def test_a_wrong_value_is_shown_beside_its_field_and_the_input_kept(page):
    log_in(page, "pt-permitting")
    page.goto("/permits/apply")
    page.fill("#f-enterprise_credit_code", "")
    page.fill("#f-issuing_authority", "上海市普陀区生态环境局")
    page.fill("#f-content-outlets-0-limits-0-concentration-limit", "-5")
    page.click("form.permit-form .actions button[type=submit]")
    page.locator("#errors-f-content-outlets-0-limits-0-concentration-limit .error").wait_for()
    assert page.input_value("#f-content-outlets-0-limits-0-concentration-limit") == "-5"
    assert page.input_value("#f-issuing_authority") == "上海市普陀区生态环境局"
    screenshot(page, "permit-apply-errors")
