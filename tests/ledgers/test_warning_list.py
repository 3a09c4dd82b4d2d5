"""The warnings list (超量预警) as a regulator works it (issue 17): filtered by status, district, industry,
the month an exceedance started and a search, in a chosen order, the filters kept in the links and in an
XLSX export with Chinese headings and names, never codes. Which rows a filter may list at all is pinned
against can() by tests/access/test_lists.py."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlmodel import select

from domain.enterprises.models import Enterprise
from domain.ledgers.models import Exceedance
from domain.ledgers.service import readings as reading_cases
from tests.factories import actor, make_user
from tests.ledgers.test_portal_ledgers import EN, china_yesterday, hourly, setup_ledger
from tests.portal_helpers import log_in


async def test_warnings_filter_search_sort_and_export_what_is_shown(client, session):
    permit, staff = await setup_ledger(session)
    other, other_staff = await setup_ledger(session)
    for p, s, values in ((permit, staff, [50, 20, 70]), (other, other_staff, [90])):
        await reading_cases.record_readings(
            session, actor(s), permit_number=p.number, readings=hourly(china_yesterday(1), values)
        )
    mine = (await session.exec(select(Exceedance).where(Exceedance.permit_id == permit.id))).all()
    theirs = (await session.exec(select(Exceedance).where(Exceedance.permit_id == other.id))).one()
    unit = await session.get(Enterprise, permit.enterprise_id)
    regulator = await make_user(session, "ecology", region_code="310107")
    await log_in(client, regulator.username)

    month = china_yesterday(1).strftime("%Y-%m")
    found = await client.get("/exceedances", params={"q": unit.name, "period": month, "sort": "-started"})
    assert found.status_code == 200
    assert all(f"#exceedance-{e.id}" in found.text for e in mine)
    assert f"#exceedance-{theirs.id}" not in found.text
    assert "/exceedances/export.xlsx?period=" in found.text  # the export keeps the filters
    first, second = sorted(mine, key=lambda e: e.started_at, reverse=True)
    assert found.text.index(f"#exceedance-{first.id}") < found.text.index(f"#exceedance-{second.id}")

    by_code = await client.get("/exceedances", params={"q": other.number.lower()}, headers=EN)
    assert f"#exceedance-{theirs.id}" in by_code.text and f"#exceedance-{mine[0].id}" not in by_code.text
    elsewhere = await client.get("/exceedances", params={"district": "370102"}, headers=EN)
    assert "0 exceedances" in elsewhere.text

    bad = await client.get(
        "/exceedances",
        params={"period": "2026-13", "sort": "id", "state": "gone", "industry": "1"},
        headers=EN,
    )
    assert bad.status_code == 400
    for name in ("period", "sort", "state", "industry"):
        assert f'data-field="{name}"' in bad.text, name
    assert f"#exceedance-{theirs.id}" in bad.text  # shown without the bad filters

    export = await client.get("/exceedances/export.xlsx", params={"q": unit.credit_code})
    assert export.status_code == 200, export.text[-3000:]
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("排污单位", "许可证编号")
    assert len(rows) == 1 + len(mine)
    assert {row[1] for row in rows[1:]} == {permit.number}
    assert {row[5] for row in rows[1:]} == {"二氧化硫"} and "SO2" not in {row[5] for row in rows[1:]}


async def test_the_api_pages_every_order_of_the_warnings_as_the_list_shows_it(session):
    """Each sort (by unit, by how far over the limit, by start, by status, either way) pages by keyset
    through the same order as the list's numbered pages: no row twice, none skipped."""
    from domain.ledgers.queries.exceedances import list_exceedances
    from domain.pagination import Window
    from domain.permits.list_filters import ListFilter

    for values in ([50, 20, 70], [90], [40, 20, 45, 20, 61]):
        permit, staff = await setup_ledger(session)
        await reading_cases.record_readings(
            session, actor(staff), permit_number=permit.number, readings=hourly(china_yesterday(1), values)
        )
    regulator = actor(await make_user(session, "ecology", region_code="310107"))
    for sort in ("unit", "-unit", "excess", "-excess", "started", "-started", "status", ""):
        shown = await list_exceedances(session, regulator, filters=ListFilter(sort=sort), first=100)
        assert len(shown.items) >= 5
        paged, after = [], None
        while True:
            page = await list_exceedances(
                session, regulator, filters=ListFilter(sort=sort), window=Window(first=2, after=after)
            )
            paged += [e.id for e, _permit in page.items]
            if not page.has_next:
                break
            after = page.end_cursor
        assert paged == [e.id for e, _permit in shown.items], sort
