"""The Content-Security-Policy holds in a real browser: the main pages of every role load with no
violation (no inline script, handler, style or eval left), and what the removed inline code did
still happens — htmx searches, charts, meters, print buttons."""

from __future__ import annotations

import pytest

from demo.city import DEMO_PASSWORD
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

# Collects every violation the page reports; runs before the page's own scripts, outside its CSP.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile);
});
window.print = function () { window.__printed = (window.__printed || 0) + 1; };
"""
SKIP = (
    "/logout",
    "/lang/",
    "export",
    ".csv",
    ".xlsx",
    ".pdf",  # a download (the copy of record), not a page: its own browser test reads it
    ".json",
    "/download",
    "/template",
    "/sign",
    "/graphql",
)
ROLES = {
    None: [
        "/",
        "/public/permits",
        "/public/expired",
        "/public/statistics",
        "/public/agencies",
        "/rules",
        "/login",
        "/agencies/register",
    ],
    "pt-permitting": [
        "/",
        "/enterprises",
        "/permits",
        "/permits/worklist",
        "/review",
        "/review/dashboard",
        "/exceedances",
        "/agencies/ranking",
        "/permits/import",
        "/account",
        "/notifications",
    ],
    "pt-legal": ["/agencies/review", "/agencies/ranking"],
    "shenpu-admin": [
        "/",
        "/my-enterprise",
        "/permits",
        "/ledger",
        "/reports",
        "/agencies/authorisations",
        "/notifications",
        "/account",
    ],
    "lvyuan-clerk": ["/", "/reports", "/agency", "/agency/filings"],
    "admin": ["/admin/users", "/admin/audit", "/admin/outbox"],
}


def watched(page):  # type: ignore[no-untyped-def]
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(WATCH)
    return console


def log_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/")


def visit(page, path: str) -> list[str]:  # type: ignore[no-untyped-def]
    response = page.goto(path)
    assert response is not None and response.status < 500, path
    page.wait_for_load_state("load")
    return list(page.evaluate("window.__violations"))


def links(page) -> list[str]:  # type: ignore[no-untyped-def]
    hrefs = page.eval_on_selector_all("main a[href^='/']", "els => els.map(e => e.getAttribute('href'))")
    return [h.split("#")[0] for h in hrefs if not any(s in h for s in SKIP)]


@pytest.mark.parametrize("username", list(ROLES), ids=lambda u: u or "anonymous")
def test_the_main_pages_of_each_role_load_without_a_csp_violation(page, username):
    console = watched(page)
    if username:
        log_in(page, username)
    seen: set[str] = set()
    queue = list(ROLES[username])
    problems: dict[str, list[str]] = {}
    while queue and len(seen) < 30:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        found = visit(page, path)
        if found:
            problems[path] = found
        queue.extend(links(page)[:6])  # one level deeper: a permit, a ledger, a report, an agency…

    assert len(seen) >= len(ROLES[username])
    assert problems == {}
    assert console == []


def test_htmx_interactions_still_work_under_the_policy(page):
    console = watched(page)
    log_in(page, "pt-permitting")
    page.goto("/enterprises")
    page.fill("#q", "长风印染")
    page.wait_for_function("() => document.querySelectorAll('#results tbody tr').length === 1")
    assert "上海长风印染有限公司" in page.locator("#results").inner_text()

    page.goto("/rules")
    before = page.locator("#rule-results tbody tr").count()
    page.select_option("select[name=severity]", "error")
    page.wait_for_function(
        "n => document.querySelectorAll('#rule-results tbody tr').length !== n", arg=before
    )
    assert page.evaluate("window.__violations") == []
    assert console == []


def test_charts_meters_and_print_buttons_work_without_inline_code(page):
    console = watched(page)
    page.goto("/public/statistics")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-industry'))")
    height = page.eval_on_selector(
        ".chart-box[data-height]", "e => [e.style.height, e.dataset.height + 'px']"
    )
    assert height[0] == height[1]
    screenshot(page, "csp-statistics")

    # A permit known to have outlets (上海申普热电's); the list's first row depends on the day
    page.goto("/public/permits/913101070000000019001P")
    outlet = page.eval_on_selector("main a[href^='/public/outlets/']", "e => e.getAttribute('href')")
    page.goto(outlet.split("?")[0].removesuffix("/sign") + "/sign")
    page.click("[data-print]")
    assert page.evaluate("window.__printed") == 1

    log_in(page, "shenpu-admin")
    page.goto("/ledger")
    page.click("main a[href^='/ledger/']")
    meter = page.locator("[data-width]").first
    meter.wait_for()
    # (data-width="98.0" draws style.width "98%": the same width)
    assert meter.evaluate(
        "e => e.style.width.endsWith('%') && parseFloat(e.style.width) === Number(e.dataset.width)"
    )
    assert page.evaluate("window.__violations") == []
    assert console == []


def test_graphiql_runs_from_this_site_alone_under_its_policy(page):
    console = watched(page)
    elsewhere: list[str] = []
    posts: list[str] = []
    page.on(
        "request",
        lambda r: (
            elsewhere.append(r.url) if "127.0.0.1" not in r.url and not r.url.startswith("data:") else None
        ),
    )
    page.on("request", lambda r: posts.append(r.post_data or "") if r.method == "POST" else None)

    response = page.goto("/graphql")
    page.locator(".graphiql-container").first.wait_for()
    page.wait_for_function("() => document.querySelector('.graphiql-query-editor') !== null")

    assert "'sha256-" in response.headers["content-security-policy"]
    page.wait_for_timeout(500)
    assert any("IntrospectionQuery" in body for body in posts)  # GraphiQL fetched the schema
    assert elsewhere == []
    assert page.evaluate("window.__violations") == []
    assert console == []
    screenshot(page, "csp-graphiql")
