"""An environmental officer keeps the ledger in a real browser; a regulator reads it.

The server here is this module's own: a permit in force with three weeks of hourly
readings (an exceedance and some gaps among them) is loaded through the domain first,
so the pages have what an officer meets on a working day.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest

from domain.clock import CHINA
from tests.browser.conftest import CHROMIUM, ROOT, screenshot
from tests.browser.servers import factory_command, free_port, running
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


OFFICER, REGULATOR = "ledger-officer", "ledger-ecology"


def ledger_app():  # type: ignore[no-untyped-def]
    """The portal with the ledger pages, whether or not portal/routes.py lists them (uvicorn --factory)."""
    import domain.models  # noqa: F401 - every table, so foreign keys resolve
    from portal import ledgers
    from server.app import create_app

    app = create_app()
    if not any(getattr(route, "name", None) == "ledger_home" for route in app.router.routes):
        app.router.routes[0:0] = ledgers.routes
    return app


def _load(url: str) -> str:
    """A unit with a permit in force, its officer, a regulator, readings and records; returns the number."""
    import domain.models  # noqa: F401 - every table, so foreign keys resolve
    from domain.clock import today
    from domain.db import Database
    from domain.ledgers.entry_rules import EntryInput
    from domain.ledgers.rules import ReadingInput
    from domain.ledgers.service import entries as entry_cases
    from domain.ledgers.service import readings as reading_cases
    from tests.factories import actor, make_enterprise, make_permit, make_user

    async def main() -> str:
        database = Database(url)
        try:
            async with database.transaction() as session:
                enterprise = await make_enterprise(
                    session, name="上海普陀示范热电有限公司", industry_code="4411"
                )
                decided = (today() - timedelta(days=200)).isoformat()
                permit = await make_permit(session, enterprise, decision_date=decided)
                officer = actor(
                    await make_user(session, "enterprise_staff", enterprise=enterprise, username=OFFICER)
                )
                await make_user(session, "ecology", region_code="310107", username=REGULATOR)
                now = datetime.now(CHINA).replace(minute=0, second=0, microsecond=0)
                start = now - timedelta(days=20)
                readings = []
                for hour in range(int((now - start).total_seconds() // 3600) - 2):
                    moment = start + timedelta(hours=hour)
                    if timedelta(days=3) < now - moment < timedelta(days=3, hours=6):
                        continue  # the analyser was down for six hours
                    so2 = 18 + (hour * 7) % 11
                    if timedelta(days=6) < now - moment < timedelta(days=6, hours=4):
                        so2 = 41 + hour % 5  # the desulphurisation pump failed
                    for pollutant, value in (("SO2", so2), ("NOX", 30 + (hour * 5) % 13)):
                        readings.append(
                            ReadingInput(
                                outlet_code="DA001",
                                pollutant=pollutant,
                                method="automatic",
                                measured_at=moment,
                                concentration=float(value),
                                unit="mg/m3",
                                flow_m3=180_000,
                            )
                        )
                await reading_cases.record_readings(
                    session, officer, permit_number=permit.number, readings=readings
                )
                for day in range(1, 10):
                    if day in (4, 5):
                        continue
                    await entry_cases.record_entry(
                        session,
                        officer,
                        permit_number=permit.number,
                        data=EntryInput(
                            kind="production_facility",
                            subject="1#燃煤锅炉",
                            period_start=(now - timedelta(days=day)).replace(hour=8),
                            data={"status": "正常运行", "hours": 24, "load_percent": 80 + day},
                        ),
                    )
                return str(permit.number)
        finally:
            await database.dispose()

    # Playwright's sync API may already run an event loop in this thread: load from another one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


@pytest.fixture(scope="module")
def ledger_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    instance = tmp_path_factory.mktemp("ledger-instance")
    url = f"sqlite:///{instance / 'ledger.db'}"
    env = {**os.environ, "DATABASE_URL": url, "INSTANCE_PATH": str(instance), "ENVIRONMENT": "test"}
    python = sys.executable
    subprocess.run(
        [python, "-m", "server.cli", "migrate"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    number = _load(url)
    port = free_port()
    with running(
        factory_command("tests.browser.test_ledger_in_chromium:ledger_app", port),
        port,
        env=env,
        instance=instance,
    ) as base:
        yield base, number


@pytest.fixture
def ledger_page(browser, ledger_server):  # type: ignore[no-untyped-def]
    base, _number = ledger_server
    context = browser.new_context(base_url=base, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def log_in(page, username):  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/")


def test_the_officer_sees_gaps_and_explains_an_exceedance_on_the_ledger_home(ledger_page, ledger_server):
    page, (_base, number) = ledger_page, ledger_server
    log_in(page, OFFICER)
    page.goto("/ledger")
    page.wait_for_url(f"**/ledger/{number}")
    assert page.locator("table.gaps tbody tr").count() >= 2  # the six missing hours and the missing days
    card = page.locator("article.exceedance.open").first
    card.wait_for()
    screenshot(page, "ledger-home")
    card_id = card.get_attribute("id")
    card.locator("textarea[name=cause]").fill("脱硫浆液循环泵故障")
    card.locator("button[type=submit]").click()
    error = page.locator(f"#{card_id} #errors-measures-{card_id.split('-')[1]} .error")
    error.wait_for()
    assert page.locator(f"#{card_id} textarea[name=cause]").input_value() == "脱硫浆液循环泵故障"
    page.locator(f"#{card_id} textarea[name=measures]").fill("切换备用泵，加强巡检")
    page.locator(f"#{card_id} button[type=submit]").click()
    page.locator(f"#{card_id}.explained").wait_for()
    assert "切换备用泵" in page.locator(f"#{card_id}").inner_text()
    assert page.url.endswith(f"/ledger/{number}")  # htmx: no reload


def test_a_reading_with_a_bad_value_is_refused_inline_and_then_saved(ledger_page, ledger_server):
    page, (_base, number) = ledger_page, ledger_server
    log_in(page, OFFICER)
    page.goto(f"/ledger/{number}/readings")
    page.select_option("#r-outlet", "DW001")
    # Only what the chosen outlet has a limit for, in the units of its medium.
    assert page.locator("#r-pollutant option[value=SO2]").is_disabled()
    assert page.input_value("#r-unit") == "mg/L"
    page.select_option("#r-outlet", "DA001")
    page.select_option("#r-pollutant", "SO2")
    page.select_option("#r-method", "manual")
    moment = (datetime.now(CHINA) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#r-measured_at", moment)
    page.fill("#r-concentration", "2O.5")  # a letter O instead of a zero
    page.click("#add-reading button[type=submit]")
    error = page.locator("#errors-concentration .error")
    error.wait_for()
    assert page.input_value("#r-concentration") == "2O.5"
    assert page.input_value("#r-measured_at") == moment
    screenshot(page, "ledger-reading-error")
    page.fill("#r-concentration", "20.5")
    page.click("#add-reading button[type=submit]")
    page.locator("#readings-table .alert.ok").wait_for()
    assert page.locator("#errors-concentration .error").count() == 0
    first_row = page.locator("#readings-table tbody tr").first
    assert "20.5" in first_row.inner_text()


def test_the_charts_draw_the_limit_and_the_months(ledger_page, ledger_server):
    page, (_base, number) = ledger_page, ledger_server
    log_in(page, OFFICER)
    page.goto(f"/ledger/{number}/charts")
    page.wait_for_function(
        "() => window.Chart && Chart.getChart('concentration-chart') && Chart.getChart('completeness-chart')"
    )
    datasets = page.evaluate("Chart.getChart('concentration-chart').data.datasets.map(d => d.data.length)")
    assert len(datasets) == 2 and datasets[0] == datasets[1] > 10  # the readings and the limit line
    assert page.evaluate("Chart.getChart('concentration-chart').data.datasets[1].data[0]") == 35
    screenshot(page, "ledger-charts")


def test_a_regulator_reads_the_ledger_without_forms(ledger_page, ledger_server):
    page, (_base, number) = ledger_page, ledger_server
    log_in(page, REGULATOR)
    page.goto("/exceedances")
    page.locator(f"#warnings a[href^='/ledger/{number}']").first.click()
    page.wait_for_url(f"**/ledger/{number}*")
    assert page.locator("form.explain-form").count() == 0
    page.goto(f"/ledger/{number}/readings")
    assert page.locator("#add-reading").count() == 0
    assert page.locator("#readings-table tbody tr").count() == 50
