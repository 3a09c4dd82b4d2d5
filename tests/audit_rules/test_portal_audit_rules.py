"""The public catalogue of audit rules (/rules): anyone can read what reports are checked against."""

from __future__ import annotations

import re

import pytest

import portal.audit_rules
from domain.audit_rules.ruleset import catalogue
from tests.factories import make_user
from tests.portal_helpers import log_in

ROW = re.compile(r'<tr id="rule-([A-Z0-9-]+)">')


@pytest.fixture
async def rules_client(app, client):  # type: ignore[no-untyped-def]
    """The client, with /rules routed even before the lead wires portal.audit_rules into the app."""
    if not any(getattr(route, "path", None) == "/rules" for route in app.router.routes):
        app.router.routes.extend(portal.audit_rules.routes)
    return client


def codes_in(html: str) -> list[str]:
    return ROW.findall(html)


async def test_anyone_can_read_the_whole_catalogue_without_logging_in(rules_client):
    response = await rules_client.get("/rules?lang=en")

    assert response.status_code == 200
    assert codes_in(response.text) == [r.code for r in catalogue()]
    assert f"Rules shown: {len(catalogue())}" in response.text
    assert "Every main outlet of the permit is in the report" in response.text  # G002's title
    assert "<code>content.emissions[].quantity_t</code>" in response.text
    assert "4411 Thermal power" in response.text


async def test_the_catalogue_filters_by_industry_and_severity(rules_client):
    response = await rules_client.get("/rules?scope=4620&severity=error&lang=en")

    expected = [r.code for r in catalogue() if "4620" in r.scope and r.severity == "error"]
    assert codes_in(response.text) == expected and expected
    assert 'value="4620" selected' in response.text and 'value="error" selected' in response.text


async def test_general_rules_for_monthly_reports_leave_out_the_annual_sections(rules_client):
    response = await rules_client.get("/rules?scope=general&kind=monthly&lang=en")

    shown = codes_in(response.text)
    assert "G001" in shown and "G045" not in shown
    assert all(code.startswith("G") for code in shown)


async def test_an_htmx_filter_gets_only_the_table(rules_client):
    response = await rules_client.get("/rules?severity=warning", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section class="card" id="rule-results">')
    assert "<html" not in response.text
    assert set(codes_in(response.text)) == {r.code for r in catalogue() if r.severity == "warning"}


async def test_unknown_filter_values_show_everything_rather_than_fail(rules_client):
    response = await rules_client.get("/rules?scope=<script>&severity=fatal&kind=daily&lang=en")

    assert response.status_code == 200
    assert len(codes_in(response.text)) == len(catalogue())
    assert "<script>" not in response.text


async def test_the_page_speaks_chinese_by_default(rules_client):
    response = await rules_client.get("/rules")

    assert response.status_code == 200 and 'lang="zh-CN"' in response.text
    assert "火力发电" in response.text  # industry names come from the register's Chinese names


async def test_a_logged_in_user_keeps_their_navigation_on_the_public_page(rules_client, session):
    officer = await make_user(session, "permitting", region_code="310107")
    await log_in(rules_client, officer.username)

    response = await rules_client.get("/rules?lang=en")

    assert response.status_code == 200 and officer.username in response.text
