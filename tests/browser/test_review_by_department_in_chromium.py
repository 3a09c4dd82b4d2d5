"""Review split by department (PT §5) in a real browser, on the demo city: the Putuo ecology and pollution
prevention sections each clear their sections of a report waiting for them, and acceptance is refused,
naming what remains, until the permitting section (the last department) has cleared its own; then the
report is accepted."""

from __future__ import annotations

import re

import pytest

from demo.city import DEMO_PASSWORD
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def log_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/")


def clear_my_sections(page, report_id: str, department: str) -> int:  # type: ignore[no-untyped-def]
    """Click "clear this section" on each of the department's open sections; how many were cleared."""
    page.goto(f"/review/{report_id}")
    cleared = 0
    while page.locator(f'[data-department="{department}"] button[data-clear]').count():
        page.locator(f'[data-department="{department}"] button[data-clear]').first.click()
        page.wait_for_url(re.compile(rf".*/review/{report_id}\?done=(cleared|issued).*"))
        cleared += 1
        assert cleared < 20
    states = page.locator(f'[data-department="{department}"] tr.rp-verdict').evaluate_all(
        "rows => rows.map(r => r.dataset.state)"
    )
    assert states and set(states) == {"cleared"}
    return cleared


def try_to_accept(page, report_id: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"/review/{report_id}")
    page.click("#accept-button")
    page.wait_for_load_state("load")


def test_two_departments_clear_their_sections_and_acceptance_waits_for_the_last(page):  # type: ignore[no-untyped-def]
    log_in(page, "pt-ecology")
    page.goto("/review")
    waiting = page.locator("[data-awaiting]")
    assert waiting.count() > 0, "the demo leaves Putuo reports waiting for the ecology section"
    report_id = waiting.first.get_attribute("data-awaiting")
    assert report_id
    # Reports awaiting the department come first in its queue.
    flags = page.locator("table.rp-queue tbody tr").evaluate_all(
        "rows => rows.map(r => r.querySelector('[data-awaiting]') !== null)"
    )
    assert flags == sorted(flags, reverse=True)

    page.goto(f"/review/{report_id}")
    assert page.locator('[data-department="ecology"] .badge', has_text="本部门").count() == 1
    assert "ecology" not in page.locator("#remaining").inner_text()  # names, never codes
    assert clear_my_sections(page, report_id, "ecology") >= 2
    try_to_accept(page, report_id)
    refusal = page.locator(".alert.error")
    assert refusal.count() == 1 and "尚待" in refusal.inner_text() and "污防科" in refusal.inner_text()

    log_in(page, "pt-pollution")
    assert clear_my_sections(page, report_id, "pollution_prevention") >= 2
    try_to_accept(page, report_id)
    refusal = page.locator(".alert.error").inner_text()
    assert "审批科" in refusal and "污防科" not in refusal and "生态科" not in refusal
    remaining = page.locator("#remaining").inner_text()
    assert "审批科" in remaining
    screenshot(page, "review-by-department-refused")

    log_in(page, "pt-permitting")
    assert clear_my_sections(page, report_id, "permitting") >= 1
    assert page.locator("#remaining .rp-clean").count() == 1
    screenshot(page, "review-by-department-cleared")
    page.click("#accept-button")
    page.wait_for_url(re.compile(rf".*/review/{report_id}\?done=accept"))
    assert page.locator(".alert.ok").count() >= 1
    assert page.locator("#accept-button").count() == 0
    # Who cleared what stays on the page: each department's sections with the reviewer.
    for login in ("pt-ecology", "pt-pollution", "pt-permitting"):
        assert login in page.locator("#departments").inner_text()
