"""Renewal and change as forms people fill (portal/permit_form.py): the copy (副本) pre-filled from the
version in force, field by field, with names instead of codes; rows added and removed without JavaScript;
every error beside the field it names and listed together with the field's name; and the same content
filed through the form and through GraphQL makes the same new version.
"""

from __future__ import annotations

import copy
import re
from datetime import timedelta
from typing import Any

from sqlmodel import func, select

from domain.audit.models import AuditEntry
from domain.clock import today
from domain.permits.models import PermitApplication, PermitEvent, PermitVersion
from domain.permits.service.decisions import accept_application, grant_application, issue_permit
from tests import faces as reading
from tests.factories import actor, make_permit, make_user, permit_content
from tests.graphql_helpers import bearer_token, graphql_data
from tests.permits.copy_fields import copy_fields
from tests.portal_helpers import log_in, post_form

CHANGE = (
    "mutation($input: ChangePermitInput!) { changePermit(input: $input) {"
    " application { id } errors { field code message } } }"
)
RENEW = (
    "mutation($input: RenewPermitInput!) { renewPermit(input: $input) {"
    " application { id } errors { field code message } } }"
)


def years_ago(years: int) -> str:
    day = today()
    return (day.replace(year=day.year - years) + timedelta(days=0)).isoformat()


def with_a_new_outlet() -> dict[str, Any]:
    """The change of the demo city: a general outlet for the hazardous-waste store, and SO2 tightened."""
    content = copy.deepcopy(permit_content())
    content["outlets"][0]["limits"][0]["concentration_limit"] = 25
    content["outlets"].append(
        {
            "code": "DA002",
            "name": "危废暂存库废气排气筒",
            "medium": "air",
            "kind": "general",
            "location": "危废暂存库东侧",
            "height_m": 15,
            "limits": [
                {"pollutant": "NMHC", "concentration_limit": 60, "unit": "mg/m3", "standard": "GB 37822-2019"}
            ],
        }
    )
    content["monitoring"].append(
        {"point": "DA002", "pollutant": "NMHC", "frequency": "semiannual", "method": "manual"}
    )
    return content


async def writes(session) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    models = (PermitApplication, PermitVersion, PermitEvent, AuditEntry)
    return tuple([(await session.exec(select(func.count()).select_from(m))).one() for m in models])


async def issued_version(session, officer, permit) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Take the open application of the permit through acceptance, grant and issue; the new version."""
    application = (
        await session.exec(select(PermitApplication).where(PermitApplication.permit_id == permit.id))
    ).one()
    for step in (accept_application, grant_application, issue_permit):
        await step(session, actor(officer), application_id=application.id)
    await session.flush()
    version = (
        await session.exec(
            select(PermitVersion).where(PermitVersion.permit_id == permit.id, PermitVersion.version == 2)
        )
    ).one()
    return version.content


def field_errors(text: str, name: str) -> str:
    """The errors shown beside the field named ``name`` (its ``errors-…`` box)."""
    anchor = "errors-f-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    start = text.index(f'id="{anchor}"')
    return text[start : text.index("</div>", start)]


async def test_a_change_with_an_added_outlet_filed_through_the_form_is_the_version_graphql_makes(
    client, session
):
    by_form, by_api = (
        await make_permit(session, decision_date=years_ago(1)),
        await make_permit(session, decision_date=years_ago(1)),
    )
    officer = await make_user(session, "permitting", region_code="310107")
    await log_in(client, officer.username)

    page = await client.get(f"/permits/{by_form.number}/change")
    assert page.status_code == 200
    # pre-filled from the version in force, pollutants by name
    assert 'name="content.outlets[0].code" type="text" value="DA001"' in page.text
    assert '<option value="NOX" selected>氮氧化物</option>' in page.text
    assert 'name="content.outlets[0].limits[0].concentration_limit" type="text" value="35"' in page.text
    assert "&#34;SO2&#34;" not in page.text and 'name="content"' not in page.text  # no JSON box

    form = {"kind": "change_items", "change_description": "新增危废暂存库排气筒，二氧化硫限值收严"}
    filed = await post_form(
        client, f"/permits/{by_form.number}/change", {**form, **copy_fields(with_a_new_outlet())}
    )
    assert filed.status_code == 303, filed.text[:3000]
    token = await bearer_token(session, officer)
    payload = await graphql_data(
        client,
        CHANGE,
        {
            "input": {
                "permitNumber": by_api.number,
                "kind": "CHANGE_ITEMS",
                "description": form["change_description"],
                "content": with_a_new_outlet(),
            }
        },
        token=token,
    )
    assert payload["changePermit"]["errors"] == []

    through_form = await issued_version(session, officer, by_form)
    through_api = await issued_version(session, officer, by_api)
    assert through_form == through_api
    assert [o["code"] for o in through_form["outlets"]] == ["DA001", "DW001", "DA002"]
    assert through_form["outlets"][0]["limits"][0]["concentration_limit"] == 25


async def test_a_renewal_through_the_form_is_the_version_graphql_makes_and_an_untouched_copy_is_kept(
    client, session
):
    by_form, by_api, untouched = (
        await make_permit(session, decision_date=years_ago(4)),
        await make_permit(session, decision_date=years_ago(4)),
        await make_permit(session, decision_date=years_ago(4)),
    )
    officer = await make_user(session, "permitting", region_code="310107")
    await log_in(client, officer.username)
    renewed = copy.deepcopy(permit_content())
    renewed["report_kinds"] = ["monthly", "quarterly", "annual"]
    renewed["report_due_days"] = {"monthly": 10}
    renewed["outlets"][1]["limits"].append({"pollutant": "NH3N", "concentration_limit": 45, "unit": "mg/L"})

    filed = await post_form(client, f"/permits/{by_form.number}/renew", copy_fields(renewed))
    assert filed.status_code == 303, filed.text[:3000]
    token = await bearer_token(session, officer)
    payload = await graphql_data(
        client, RENEW, {"input": {"permitNumber": by_api.number, "content": renewed}}, token=token
    )
    assert payload["renewPermit"]["errors"] == []
    assert await issued_version(session, officer, by_form) == await issued_version(session, officer, by_api)

    # The form sent back as it came: the renewal keeps the copy in force (no proposed content).
    page = await client.get(f"/permits/{untouched.number}/renew")
    assert page.status_code == 200
    kept = await post_form(client, f"/permits/{untouched.number}/renew", copy_fields(permit_content()))
    assert kept.status_code == 303
    application = (
        await session.exec(select(PermitApplication).where(PermitApplication.permit_id == untouched.id))
    ).one()
    assert application.proposed_content is None


async def test_bad_values_show_beside_their_fields_all_at_once_in_chinese_and_nothing_is_written(
    client, session
):
    permit, twin = (
        await make_permit(session, decision_date=years_ago(1)),
        await make_permit(session, decision_date=years_ago(1)),
    )
    officer = await make_user(session, "permitting", region_code="310107")
    bad = with_a_new_outlet()
    bad["outlets"][0]["limits"][1]["concentration_limit"] = -5  # NOX
    bad["outlets"][2]["limits"][0]["pollutant"] = "COD"  # a water pollutant at an air outlet
    bad["outlets"][2]["height_m"] = "十五"
    bad["ledger_records"][0]["frequency"] = ""
    before = await writes(session)
    await log_in(client, officer.username)

    response = await post_form(
        client,
        f"/permits/{permit.number}/change",
        {"kind": "change_items", "change_description": "", **copy_fields(bad)},
    )
    assert response.status_code == 400
    text = response.text
    assert await writes(session) == before
    beside = {
        "content.outlets[0].limits[1].concentration_limit": "必须大于零",
        "content.outlets[2].limits[0].pollutant": "这种污染物不排入该排放口的介质",
        "content.outlets[2].height_m": "应为数字",
        "content.ledger_records[0].frequency": "请从列表中选择",
    }
    for name, message in beside.items():
        assert message in field_errors(text, name), name
    description = text[text.index('id="errors-change_description"') :].split("</div>")[0]
    assert "此项为必填项" in description
    # listed together at the top with the field's name, as people call it
    summary = text[text.index('id="copy-errors"') :].split("</div>")[0]
    assert "副本内容有 6 处问题" in summary, summary
    assert "排放口 1 DA001 › 污染物 2 (氮氧化物) › 许可排放浓度" in summary, summary
    assert "排放口 3 DA002 › 高度（米）" in summary, summary
    # what was typed stays; no internal code on the page
    assert 'name="content.outlets[2].height_m" type="text" value="十五"' in text
    for code in ("NOX", "NMHC", "SO2", "semiannual", "change_items", "outlets[", "content."):
        visible = re.sub(r"<[^>]*>", " ", text)
        assert code not in visible, code

    # The same content through GraphQL: the same fields, the same codes.
    token = await bearer_token(session, officer)
    before = await writes(session)  # the token's own audit entry
    payload = await graphql_data(
        client,
        CHANGE,
        {
            "input": {
                "permitNumber": twin.number,
                "kind": "CHANGE_ITEMS",
                "description": "",
                "content": {**bad, "outlets": [{**o} for o in bad["outlets"]]},
            }
        },
        token=token,
    )
    api = reading.graphql_outcome(payload["changePermit"], rename={"description": "change_description"})
    form = reading.portal_outcome(response)
    assert form.errors == api.errors
    assert await writes(session) == before


async def test_rows_are_added_and_removed_without_javascript_and_nothing_is_filed(client, session):
    permit = await make_permit(session, decision_date=years_ago(1))
    officer = await make_user(session, "permitting", region_code="310107")
    await log_in(client, officer.username)
    before = await writes(session)
    fields = {"kind": "change_items", "change_description": "新增排放口", **copy_fields(permit_content())}

    added = await post_form(
        client, f"/permits/{permit.number}/change", {**fields, "_edit": "add:content.outlets"}
    )
    assert added.status_code == 200
    assert 'name="content.outlets[2].code" type="text" value=""' in added.text
    assert 'name="content.outlets[2].limits[0].pollutant"' in added.text  # an outlet needs a pollutant
    assert "新增排放口" in added.text  # the rest of the form as typed
    assert 'class="alert error"' not in added.text

    removed = await post_form(
        client, f"/permits/{permit.number}/change", {**fields, "_edit": "remove:content.outlets[0]"}
    )
    assert removed.status_code == 200
    assert 'name="content.outlets[0].code" type="text" value="DW001"' in removed.text
    assert 'value="DA001"' not in removed.text.split('id="f-content-fugitive-sources"')[0]

    limit = await post_form(
        client,
        f"/permits/{permit.number}/change",
        {**fields, "_edit": "add:content.outlets[1].limits"},
    )
    assert 'name="content.outlets[1].limits[1].pollutant"' in limit.text
    # a command naming no row of the form changes nothing
    odd = await post_form(
        client, f"/permits/{permit.number}/change", {**fields, "_edit": "remove:content.outlets[99]"}
    )
    assert odd.status_code == 200 and 'value="DA001"' in odd.text
    assert await writes(session) == before


async def test_a_regulator_starting_a_change_fills_the_same_form(client, session):
    permit = await make_permit(session, decision_date=years_ago(1))
    officer = await make_user(session, "permitting", region_code="310107")
    await log_in(client, officer.username)
    page = await client.get(f"/permits/{permit.number}/start_change")
    assert page.status_code == 200 and 'name="content.outlets[0].code"' in page.text
    tightened = copy.deepcopy(permit_content())
    tightened["outlets"][0]["limits"][1]["concentration_limit"] = 30
    started = await post_form(
        client,
        f"/permits/{permit.number}/start_change",
        {"change_description": "执行超低排放标准", **copy_fields(tightened)},
    )
    assert started.status_code == 303
    application = (
        await session.exec(select(PermitApplication).where(PermitApplication.permit_id == permit.id))
    ).one()
    assert application.proposed_content["outlets"][0]["limits"][1]["concentration_limit"] == 30


async def test_a_first_application_is_a_form_too_prefilled_and_checked_field_by_field(client, session):
    """/permits/apply was a JSON box with English keys: the copy is the same form as a change's, pre-filled
    with an example, rows added in place, every problem beside its field, and the application it files is
    the content GraphQL's applyForPermit takes."""
    from domain.enterprises.models import Enterprise
    from tests.factories import make_enterprise

    enterprise: Enterprise = await make_enterprise(session)
    officer = await make_user(session, "permitting", region_code="310107")
    await log_in(client, officer.username)
    before = await writes(session)  # the log-in's audit entries
    page = await client.get(f"/permits/apply?credit_code={enterprise.credit_code}")
    assert page.status_code == 200
    assert 'name="content"' not in page.text  # no JSON box
    assert 'name="content.outlets[0].code" type="text" value="DA001"' in page.text
    assert "&#34;outlets&#34;" not in page.text

    head = {
        "enterprise_credit_code": enterprise.credit_code,
        "category": "key",
        "issuing_authority": "上海市普陀区生态环境局",
    }
    added = await post_form(
        client, "/permits/apply", {**head, **copy_fields(permit_content()), "_edit": "add:content.outlets"}
    )
    assert added.status_code == 200 and 'name="content.outlets[1].code"' in added.text
    assert await writes(session) == before

    wrong = copy.deepcopy(permit_content())
    wrong["outlets"][0]["limits"][0]["concentration_limit"] = -5
    refused = await post_form(client, "/permits/apply", {**head, **copy_fields(wrong)})
    assert refused.status_code in (400, 422)
    assert field_errors(refused.text, "content.outlets[0].limits[0].concentration_limit").count("error") >= 1
    assert await writes(session) == before

    filed = await post_form(client, "/permits/apply", {**head, **copy_fields(permit_content())})
    assert filed.status_code == 303, filed.text[:2000]
    application = (await session.exec(select(PermitApplication))).one()
    assert application.kind == "first" and application.status == "submitted"
