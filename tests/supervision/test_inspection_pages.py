"""The inspection pages as the brigade and the unit use them."""

from __future__ import annotations

from domain.clock import today
from domain.supervision.inspections import rules
from domain.supervision.inspections.service import draws, plans, records
from tests.portal_helpers import log_in, post_form
from tests.supervision.inspection_setup import REGION, build_district, record_input


async def test_the_brigade_updates_the_plan_and_sees_who_is_due(client, session):
    district = await build_district(session)
    await session.flush()
    await log_in(client, district.brigade[0].username)
    page = await client.get("/inspections")
    assert page.status_code == 200 and "执法检查计划" in page.text
    done = await post_form(
        client, "/inspections/plan", {"region": REGION, "year": str(today().year)}, page="/inspections"
    )
    assert done.status_code == 303
    page = await client.get(done.headers["location"])
    assert "7" in page.text and district.key[0].number in page.text
    assert page.text.count('data-state="due"') + page.text.count('data-state="behind"') >= 7


async def test_a_draw_is_made_from_the_form_and_published(client, session):
    district = await build_district(session)
    await session.flush()
    await log_in(client, district.brigade[0].username)
    form = await client.get("/inspections/draws/new")
    assert form.status_code == 200
    made = await post_form(
        client,
        "/inspections/draws",
        {
            "region": REGION,
            "year": str(today().year),
            "kind": "enforcement",
            "pool": "registration",
            "units": "",
        },
        page="/inspections/draws/new",
    )
    assert made.status_code == 303 and made.headers["location"].startswith("/public/draws/SS-310107-")
    client.cookies.clear()
    public = await client.get(made.headers["location"])
    assert public.status_code == 200 and 'id="draw-verified"' in public.text and "alert ok" in public.text
    assert "执法员" in public.text and "上海普陀登记单位" in public.text
    listed = await client.get("/public/draws")
    assert made.headers["location"].rsplit("/", 1)[1] in listed.text


async def test_a_draw_from_an_empty_pool_names_the_field(client, session):
    district = await build_district(session)
    await session.flush()
    await log_in(client, district.brigade[0].username)
    refused = await post_form(
        client,
        "/inspections/draws",
        {
            "region": REGION,
            "year": str(today().year),
            "kind": "enforcement",
            "pool": "industry",
            "industry_code": "0000",
        },
        page="/inspections/draws/new",
    )
    assert refused.status_code == 400 and 'data-field="pool" data-code="empty_pool"' in refused.text


async def test_the_checklist_is_filled_and_the_unit_reads_the_record(client, session):
    district = await build_district(session)
    await session.flush()
    await log_in(client, district.brigade[0].username)
    permit = district.key[0]
    form = await client.get(f"/inspections/records/new?kind=enforcement&permit_number={permit.number}")
    assert form.status_code == 200 and 'name="item-4.3"' in form.text and "执法员2" in form.text
    data = {
        "kind": "enforcement",
        "permit_number": permit.number,
        "inspected_on": today().isoformat(),
        "inspector": [str(district.brigade[0].id), str(district.brigade[1].id)],
        "summary": "现场检查",
    }
    for item in rules.PERMIT_CHECKLIST:
        data[f"item-{item.code}"] = "failed" if item.code == "4.3" else "passed"
    data["note-4.3"] = "台账缺少10月份记录"
    missing = {k: v for k, v in data.items() if k != "item-1.1"}
    refused = await post_form(client, "/inspections/records", missing, page="/inspections")
    assert refused.status_code == 400 and 'data-field="items.1.1" data-code="required"' in refused.text
    saved = await post_form(client, "/inspections/records", data, page="/inspections")
    assert saved.status_code == 303
    reference = saved.headers["location"].split("/")[-1].split("?")[0]
    client.cookies.clear()
    await log_in(client, district.unit_admin.username)
    mine = await client.get("/inspections/records")
    assert reference in mine.text
    record = await client.get(f"/inspections/records/{reference}")
    assert (
        record.status_code == 200
        and "台账缺少10月份记录" in record.text
        and 'data-result="failed"' in record.text
    )
    assert (await client.get("/inspections")).status_code == 303  # the plan is not the unit's
    client.cookies.clear()
    await log_in(client, district.other_unit_admin.username)
    assert (await client.get(f"/inspections/records/{reference}")).status_code == 404


async def test_the_outlet_page_shows_the_outlets_inspections(client, session):
    district = await build_district(session)
    permit = district.key[0]
    await records.record_inspection(
        session, district.planner, data=record_input(district, permit, i2_1="排放口标志牌缺失")
    )
    await session.flush()
    page = await client.get(f"/public/outlets/{permit.number}/DA001")
    assert page.status_code == 200
    assert today().isoformat() in page.text and "排放口位置、数量与许可证一致" in page.text
    assert "排放口标志牌缺失" not in page.text  # the inspectors' notes stay inside the bureau
    assert plans and draws  # noqa: B018


async def test_other_readers_of_the_plan_see_it_without_the_brigades_buttons(client, session):
    from tests.factories import make_user

    district = await build_district(session)
    await plans.generate_plan(session, district.planner, region_code=REGION, year=today().year)
    ecology = await make_user(session, "ecology", region_code=REGION)
    admin = await make_user(session, "admin")
    await log_in(client, ecology.username)
    page = await client.get("/inspections")
    assert page.status_code == 200 and district.key[0].number in page.text
    assert "/inspections/draws/new" not in page.text and 'action="/inspections/plan"' not in page.text
    client.cookies.clear()
    await log_in(client, admin.username)
    chooser = await client.get("/inspections")
    assert chooser.status_code == 200 and 'name="region"' in chooser.text
    chosen = await client.get(f"/inspections?region={REGION}&year={today().year}&page=99999999999")
    assert chosen.status_code == 200
    assert (await client.get("/inspections?region=x&year=abcd")).status_code in (200, 403)
