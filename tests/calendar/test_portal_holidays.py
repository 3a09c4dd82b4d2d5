"""The administrator loads a year's holiday schedule in the portal and from the CLI."""

from sqlmodel import select

from domain.calendar.models import HolidayYear
from domain.calendar.rules import is_covered
from tests.factories import make_user
from tests.portal_helpers import log_in, post_form

SCHEDULE = "2027-01-01..2027-01-03 off 元旦\n2027-02-06..2027-02-12 off 春节\n2027-02-14 work 调休\n"


async def test_the_administrator_loads_2027_on_its_page(client, session):
    client.headers["accept-language"] = "en"
    admin = await make_user(session, "admin")
    await log_in(client, admin.username)
    page = await client.get("/admin/holidays")
    assert page.status_code == 200 and "No schedule has been loaded yet" in page.text
    bad = await post_form(
        client, "/admin/holidays", {"text": "2027-01-01 off\n2027-13-01 off\n"}, page="/admin/holidays"
    )
    assert bad.status_code == 400 and "Line 2: expected a date as YYYY-MM-DD." in bad.text
    assert (await session.exec(select(HolidayYear))).first() is None and not is_covered(2027)
    loaded = await post_form(client, "/admin/holidays", {"text": SCHEDULE}, page="/admin/holidays")
    assert loaded.status_code == 303 and loaded.headers["location"] == "/admin/holidays?loaded=2027"
    page = await client.get(loaded.headers["location"])
    assert "The 2027 schedule was loaded" in page.text and "2027-02-14" in page.text
    row = (await session.exec(select(HolidayYear))).one()
    assert row.year == 2027 and row.loaded_by_username == admin.username and "2027-02-08" in row.days_off
    assert is_covered(2027)


async def test_only_the_administrator_may_load_a_schedule(client, session):
    regulator = await make_user(session, "permitting", region_code="310107")
    await log_in(client, regulator.username)
    assert (await client.get("/admin/holidays")).status_code == 403
    refused = await post_form(client, "/admin/holidays", {"text": SCHEDULE}, page="/permits")
    assert refused.status_code == 403
    assert (await session.exec(select(HolidayYear))).first() is None


def test_the_cli_loads_a_schedule_file_and_refuses_a_bad_one(cli, tmp_path):
    assert cli("migrate").exit_code == 0
    created = cli("create-user", "--username", "root", "--password", "root-pass-2026", "--role", "admin")
    assert created.exit_code == 0, created.output
    good = tmp_path / "2027.txt"
    good.write_text(SCHEDULE, encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_text("2027-01-01 off\n2028-01-01 off\n", encoding="utf-8")
    refused = cli("holidays", "load", str(bad), "--username", "root")
    assert refused.exit_code == 2 and "one year" in refused.output
    loaded = cli("holidays", "load", str(good), "--username", "root")
    assert loaded.exit_code == 0, loaded.output
    assert "loaded 2027: 10 days off, 1 make-up working days" in loaded.output
    again = cli("holidays", "load", str(good), "--username", "root")
    assert again.exit_code == 0 and "replaced 2027" in again.output
